"""Every route refuses what it cannot take, before doing any work: bad JSON, a wrong content type,
an oversize body (declared or streamed), nesting past the bound, too many requests, an unknown
route or method. Each refusal is RFC 9457 problem details with the exact code."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import write_toml

POST_ROUTES = [
    "/credentials/issue",
    "/credentials/verify",
    "/presentations/verify",
    "/credentials/status",
]


@pytest.fixture(scope="module")
def bounded(tmp_path_factory: pytest.TempPathFactory):
    """One service for the module: test mode, a 4 KiB body bound, depth 8."""
    from conftest import start_service

    directory = tmp_path_factory.mktemp("bounds")
    config = write_toml(
        directory / "kr-ovid.toml",
        "[server]\ntest_mode = true\n[limits]\nmax_body_bytes = 4096\nmax_json_depth = 8\n",
    )
    service = start_service(directory, ["--config", str(config)])
    yield service
    service.stop()


@pytest.mark.parametrize("route", POST_ROUTES)
def test_malformed_json_is_parsing_error(bounded, route: str) -> None:
    with bounded.client() as client:
        response = client.post(
            route, content=b'{"credential": ', headers={"content-type": "application/json"}
        )
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "PARSING_ERROR"


@pytest.mark.parametrize("route", POST_ROUTES)
def test_duplicate_keys_are_refused(bounded, route: str) -> None:
    with bounded.client() as client:
        response = client.post(
            route, content=b'{"a": 1, "a": 2}', headers={"content-type": "application/json"}
        )
    assert response.status_code == 400
    assert response.json()["code"] == "PARSING_ERROR"


@pytest.mark.parametrize("route", POST_ROUTES)
def test_wrong_content_type_is_415(bounded, route: str) -> None:
    with bounded.client() as client:
        response = client.post(route, content=b"{}", headers={"content-type": "text/plain"})
    assert response.status_code == 415
    assert response.json()["type"] == "about:blank"


@pytest.mark.parametrize("route", POST_ROUTES)
def test_declared_oversize_body_is_413(bounded, route: str) -> None:
    body = b'{"x": "' + b"a" * 5000 + b'"}'
    with bounded.client() as client:
        response = client.post(route, content=body, headers={"content-type": "application/json"})
    assert response.status_code == 413
    assert response.json()["code"] == "SIZE_LIMIT_ERROR"


def test_streamed_oversize_body_without_length_is_413(bounded) -> None:
    """Chunked transfer: no Content-Length to refuse by, the stream itself is bounded."""

    def chunks():
        yield b'{"verifiableCredential": "'
        for _ in range(10):
            yield b"a" * 1000
        yield b'"}'

    with bounded.client() as client:
        response = client.post(
            "/credentials/verify", content=chunks(), headers={"content-type": "application/json"}
        )
    assert response.status_code == 413
    assert response.json()["code"] == "SIZE_LIMIT_ERROR"


def test_nesting_past_the_bound_is_parsing_error(bounded) -> None:
    deep = "[" * 20 + "]" * 20
    body = f'{{"verifiableCredential": {deep}}}'.encode()
    with bounded.client() as client:
        response = client.post(
            "/credentials/verify", content=body, headers={"content-type": "application/json"}
        )
    assert response.status_code == 400
    assert response.json()["code"] == "PARSING_ERROR"
    assert "deep" in response.json()["detail"]


def test_body_that_is_not_an_object_is_parsing_error(bounded) -> None:
    with bounded.client() as client:
        response = client.post("/credentials/verify", json=["not", "an", "object"])
    assert response.status_code == 400
    assert response.json()["code"] == "PARSING_ERROR"


def test_unknown_route_and_wrong_method(bounded) -> None:
    with bounded.client() as client:
        assert client.post("/credentials/unknown", json={}).status_code == 404
        assert client.get("/credentials/issue").status_code == 405
        assert client.delete("/status/1/revocation").status_code == 405


def test_header_flood_is_431(bounded) -> None:
    """Request headers past 16 KiB in total are refused before any route runs."""
    with bounded.client() as client:
        response = client.get("/healthz", headers={f"x-big-{i}": "a" * 1000 for i in range(20)})
    assert response.status_code == 431
    assert response.json()["title"] == "Request Header Fields Too Large"


def test_rate_limit_answers_429_with_retry_after(serve, tmp_path: Path) -> None:
    config = write_toml(
        tmp_path / "rate.toml",
        "[server]\ntest_mode = true\n[limits]\nrate_per_second = 0.1\nrate_burst = 3\n",
    )
    service = serve("--config", str(config))
    with service.client() as client:
        codes = [client.get("/healthz").status_code for _ in range(5)]
        refused = client.get("/healthz")
    assert codes[:3] == [200, 200, 200]
    assert 429 in codes[3:]
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) >= 1
    assert refused.json()["title"] == "Too Many Requests"
