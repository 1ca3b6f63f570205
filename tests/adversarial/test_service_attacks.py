"""A hostile client of ``kr-ovid serve`` (security review): operator routes reached by path,
method, header and body tricks, and a configuration that opens them. In process (Starlette's test
client, no socket); every refusal with its status and, where the service names one, its code."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("starlette", reason="the server extra is not installed")
pytest.importorskip("httpx", reason="httpx (test extra) is not installed")

from starlette.testclient import TestClient

from kr_ovid.errors import ConfigurationError
from kr_ovid.keys import Ed25519Signer
from kr_ovid.server.app import create_app
from kr_ovid.server.config import load_config

TOKEN = "attack-review-operator-token-7f2c"
V2 = "https://www.w3.org/ns/credentials/v2"


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    config = load_config(None, test_mode=True, public_url="https://vc.example.test", port=0)
    digest = hashlib.sha256(TOKEN.encode()).hexdigest()
    config = replace(config, auth=replace(config.auth, bearer_token_sha256=(digest,)))
    with TestClient(create_app(config), base_url="http://127.0.0.1") as test_client:
        yield test_client


def _credential(issuer: str) -> dict[str, Any]:
    return {
        "@context": [V2],
        "type": ["VerifiableCredential"],
        "issuer": issuer,
        "credentialSubject": {"id": "did:example:subject"},
    }


def _issuer(client: TestClient) -> str:
    return str(client.app.state.kr_ovid.issuer_did)  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("//credentials/issue", 404),
        ("/credentials//issue", 404),
        ("/Credentials/issue", 404),
        ("/credentials/issue/", 307),  # a redirect to the guarded route, never the route itself
        ("/credentials/status/", 307),
        ("/credentials/%69ssue", 401),  # decoded to the guarded route, still guarded
    ],
)
def test_operator_routes_by_another_spelling_stay_closed(
    client: TestClient, path: str, status: int
) -> None:
    body = {"credential": _credential(_issuer(client))}
    answer = client.post(path, json=body, follow_redirects=False)
    assert answer.status_code == status
    assert "verifiableCredential" not in answer.text


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer"},
        {"Authorization": "Basic " + TOKEN},
        {"Authorization": "Bearer " + TOKEN + "x"},
        {"Authorization": "Bearer " + hashlib.sha256(TOKEN.encode()).hexdigest()},
        {"X-HTTP-Method-Override": "GET", "X-Forwarded-For": "127.0.0.1"},
        {"X-Client-Cert": "CN=operator"},  # a certificate is read from TLS only, never a header
    ],
)
def test_issue_needs_the_operator_token(client: TestClient, headers: dict[str, str]) -> None:
    answer = client.post(
        "/credentials/issue", json={"credential": _credential(_issuer(client))}, headers=headers
    )
    assert answer.status_code == 401
    assert answer.headers["www-authenticate"].startswith("Bearer")


@pytest.mark.parametrize("method", ["GET", "HEAD", "PUT", "PATCH", "DELETE"])
def test_other_methods_on_operator_routes_are_405(client: TestClient, method: str) -> None:
    for path in ("/credentials/issue", "/credentials/status"):
        assert client.request(method, path).status_code == 405


def test_chunked_body_past_the_limit_is_413(client: TestClient) -> None:
    limit = client.app.state.kr_ovid.config.limits.max_body_bytes  # type: ignore[attr-defined]

    def chunks() -> Iterator[bytes]:
        for _ in range(limit // 4096 + 2):
            yield b" " * 4096

    answer = client.post(
        "/credentials/verify", content=chunks(), headers={"content-type": "application/json"}
    )
    assert answer.status_code == 413
    assert answer.json()["code"] == "SIZE_LIMIT_ERROR"


@pytest.mark.parametrize("media", ["text/plain", "application/x-www-form-urlencoded", ""])
def test_a_body_that_is_not_json_is_415(client: TestClient, media: str) -> None:
    answer = client.post(
        "/credentials/verify",
        content=b'{"verifiableCredential": {}}',
        headers={"content-type": media, "Authorization": "Bearer " + TOKEN},
    )
    assert answer.status_code == 415


def test_test_mode_with_a_real_issuer_key_needs_operator_credentials(tmp_path: Path) -> None:
    """Test mode opens the operator routes when ``[auth]`` names nobody; with the mission's own
    key (``key_file`` or ``signer_factory``) that would let anyone sign as the mission, so such
    a configuration must not start."""
    signer = Ed25519Signer.generate(verification_method="did:web:mission.example#key-1")
    key_file = tmp_path / "issuer-key.json"
    signer.write_key_file(key_file, controller="did:web:mission.example")
    config = tmp_path / "kr-ovid.toml"
    config.write_text(
        f'[server]\ntest_mode = true\n[issuer]\nkey_file = "{key_file}"\n', encoding="utf-8"
    )
    with pytest.raises(ConfigurationError, match=r"\[auth\]"):
        load_config(config)


def _issue_refusal(client: TestClient, **change: Any) -> dict[str, Any]:
    """The refusal of a credential asked for with a status entry; no position is spent on it."""
    sent = {**_credential(_issuer(client)), "id": f"urn:uuid:{uuid.uuid4()}", **change}
    answer = client.post(
        "/credentials/issue",
        json={"credential": sent, "options": {"credentialStatus": _STATUS}},
        headers={"Authorization": "Bearer " + TOKEN},
    )
    assert answer.status_code == 400, answer.text[:300]
    assert client.app.state.kr_ovid.store.find(sent["id"]) is None  # type: ignore[attr-defined]
    body: dict[str, Any] = answer.json()
    return body


_STATUS = {"type": "BitstringStatusListEntry", "statusPurpose": "revocation"}


def test_issue_refuses_a_validity_period_that_ends_before_it_starts(client: TestClient) -> None:
    """VC DM 2.0 §4.9: ``validFrom`` MUST be the same as or earlier than ``validUntil``; such a
    credential can never be valid, and no status position is spent on it."""
    problem = _issue_refusal(
        client, validFrom="2030-01-01T00:00:00Z", validUntil="2020-01-01T00:00:00Z"
    )
    assert problem["code"] == "MALFORMED_VALUE_ERROR"
    assert problem["path"] == "/credential/validUntil"


def test_issue_refuses_a_related_resource_digest_of_another_context(client: TestClient) -> None:
    """VC DM 2.0 §5.3: a ``relatedResource`` digest of a pinned context that does not match its
    bytes is refused by every verifier; the library's issuer refuses to sign it, and so must the
    VC-API route."""
    wrong = {"id": V2, "digestSRI": "sha256-" + "A" * 43 + "="}
    problem = _issue_refusal(client, relatedResource=[wrong])
    assert problem["code"] == "CRYPTOGRAPHIC_SECURITY_ERROR"
    assert problem["path"].startswith("/credential/relatedResource/0")
