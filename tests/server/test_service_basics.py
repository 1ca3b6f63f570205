"""The service starts, says it is in test mode everywhere, answers /healthz and unknown routes
with problem details, and stops gracefully on SIGTERM."""

from __future__ import annotations

import json
from pathlib import Path

TEST_MODE_HEADER = "kr-ovid-mode"


def test_ready_file_names_url_issuer_and_public_url(serve, tmp_path: Path) -> None:
    service = serve("--test-mode", "--public-url", "https://127.0.0.1:1")
    assert service.url.startswith("http://127.0.0.1:")
    assert service.public_url == "https://127.0.0.1:1"
    assert service.issuer.startswith("did:key:z6Mk")
    assert service.ready["testMode"] is True


def test_healthz_and_test_mode_header(serve) -> None:
    service = serve("--test-mode")
    with service.client() as client:
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "mode": "test"}
    assert response.headers[TEST_MODE_HEADER] == "test"


def test_unknown_route_and_method_are_problem_details(serve) -> None:
    service = serve("--test-mode")
    with service.client() as client:
        missing = client.get("/no/such/route")
        wrong_method = client.get("/challenges")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
    assert missing.json()["type"] == "about:blank"
    assert missing.headers[TEST_MODE_HEADER] == "test"
    assert wrong_method.status_code == 405
    assert wrong_method.json()["title"] == "Method Not Allowed"


def test_sigterm_stops_cleanly_and_removes_the_ready_file(serve, tmp_path: Path) -> None:
    service = serve("--test-mode")
    assert service.stop() == 0
    assert not list(tmp_path.glob("*.ready.json"))
    lines = service.log_lines()
    assert all(line["mode"] == "test" for line in lines)
    assert any(line.get("event") == "stop" for line in lines)
    json.dumps(lines)  # every line was one JSON object
