"""Operator routes (issue, status, publish) need a bearer token or an operator's client
certificate; the verify routes, challenges and published documents stay open. Over HTTPS with a
certificate generated for the test; outside test mode, with a did:web issuer key file."""

from __future__ import annotations

from pathlib import Path

import pytest
from server_support import (
    TOKEN,
    TOKEN_SHA256,
    TestPki,
    credential,
    did_web_key_file,
    plain_credential,
)

from conftest import write_toml

ISSUER_DID = "did:web:vc.example.test:issuers:desk"


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> TestPki:
    return TestPki(tmp_path_factory.mktemp("pki"))


@pytest.fixture(scope="module")
def production(tmp_path_factory: pytest.TempPathFactory, pki: TestPki):
    """Not test mode: a did:web issuer key, a SQLite store, a bearer token digest and a client
    certificate subject as operators, HTTPS with client certificates optional."""
    from conftest import start_service

    directory = tmp_path_factory.mktemp("production")
    key_file, _ = did_web_key_file(directory, ISSUER_DID, b"\x07" * 32)
    config = write_toml(
        directory / "kr-ovid.toml",
        f"""
[server]
public_url = "https://vc.example.test"
[tls]
cert = "{pki.server_cert}"
key = "{pki.server_key}"
client_ca = "{pki.ca_file}"
[auth]
bearer_token_sha256 = ["{TOKEN_SHA256}"]
client_cert_subjects = ["CN=desk-01,O=kr_ovid tests"]
[issuer]
key_file = "{key_file}"
[status]
path = "state/status.sqlite3"
""",
    )
    (directory / "state").mkdir()
    service = start_service(directory, ["--config", str(config)])
    service.verify = pki.context()
    yield service
    service.stop()


def test_ready_file_and_https(production) -> None:
    assert production.url.startswith("https://127.0.0.1:")
    assert production.issuer == ISSUER_DID
    assert production.ready["testMode"] is False
    with production.client() as client:
        response = client.get("/healthz")
    assert response.json() == {"status": "ok", "mode": "production"}
    assert "kr-ovid-mode" not in response.headers


def test_missing_token_is_401_on_every_operator_route(production) -> None:
    with production.client() as client:
        for route in ("/credentials/issue", "/credentials/status", "/status/1/revocation/publish"):
            response = client.post(route, json={})
            assert response.status_code == 401, route
            assert response.headers["www-authenticate"].startswith("Bearer")
            assert response.json()["type"] == "about:blank"


def test_wrong_token_is_401(production) -> None:
    with production.client(headers={"Authorization": "Bearer not-the-token"}) as client:
        response = client.post("/credentials/issue", json={"credential": {}})
    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["www-authenticate"]


def test_bearer_token_issues(production) -> None:
    sent = plain_credential(ISSUER_DID)
    with production.client(headers={"Authorization": f"Bearer {TOKEN}"}) as client:
        response = client.post("/credentials/issue", json={"credential": sent})
    assert response.status_code == 201, response.text
    assert response.json()["verifiableCredential"]["proof"]["verificationMethod"] == (
        f"{ISSUER_DID}#key-1"
    )


def test_examples_context_is_test_mode_only(production) -> None:
    sent = credential(ISSUER_DID)
    with production.client(headers={"Authorization": f"Bearer {TOKEN}"}) as client:
        response = client.post("/credentials/issue", json={"credential": sent})
    assert response.status_code == 400
    assert response.json()["code"] == "UNKNOWN_CONTEXT"


def test_operator_client_certificate_issues(production, pki: TestPki) -> None:
    production.verify = pki.context(pki.client("desk-01"))
    sent = plain_credential(ISSUER_DID)
    try:
        with production.client() as client:
            response = client.post("/credentials/issue", json={"credential": sent})
    finally:
        production.verify = pki.context()
    assert response.status_code == 201, response.text


def test_other_client_certificate_is_403(production, pki: TestPki) -> None:
    context = pki.context(pki.client("somebody-else"))
    with production.client(verify=context) as client:
        response = client.post("/credentials/issue", json={"credential": {}})
        open_route = client.post("/challenges")
    assert response.status_code == 403
    assert open_route.status_code == 200


def test_verify_and_documents_are_open(production) -> None:
    with production.client() as client:
        assert client.post(
            "/credentials/verify", json={"verifiableCredential": {}}
        ).status_code in (
            400,
            422,
        )
        did_doc = client.get("/issuers/desk/did.json")
    assert did_doc.status_code == 200
    assert did_doc.json()["id"] == ISSUER_DID
    assert did_doc.headers["content-type"] == "application/did+ld+json"


def test_issuer_did_document_verifies_its_credentials(production) -> None:
    """The did:web issuer's own credentials verify through the service's resolver (its DID
    document is known locally; nothing is fetched)."""
    sent = plain_credential(ISSUER_DID)
    with production.client(headers={"Authorization": f"Bearer {TOKEN}"}) as client:
        vc = client.post("/credentials/issue", json={"credential": sent}).json()[
            "verifiableCredential"
        ]
        verified = client.post("/credentials/verify", json={"verifiableCredential": vc})
    assert verified.status_code == 200, verified.text


def test_plain_http_to_an_https_port_fails(production) -> None:
    import httpx

    with httpx.Client(timeout=30) as client, pytest.raises(httpx.HTTPError):
        client.get(production.url.replace("https://", "http://") + "/healthz")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("[server]\n", "[issuer] key_file is required"),
        ("[server]\nmystery = 1\n", "[server] unknown key: mystery"),
        ("[nope]\n", "unknown section [nope]"),
        ("[server]\ntest_mode = true\nworkers = 2\n", "[status] path is required"),
        ("[server]\ntest_mode = true\n[limits]\nmax_body_bytes = 'big'\n", "must be an integer"),
        ("[server]\ntest_mode = true\n[auth]\nbearer_token_sha256 = ['abc']\n", "64 hex"),
        ("[server]\ntest_mode = true\n[issuer]\nseed = 'zz'\n", "64 hex characters"),
        ("[server]\n[issuer]\nseed = '" + "00" * 32 + "'\n", "test mode only"),
        ("[server]\ntest_mode = true\n[verifier]\ntrust = 'maybe'\n", "[verifier] trust"),
        ("[server]\ntest_mode = true\n[status]\nstore = 'postgres'\n", "KR_OVID_PG_DSN"),
        ("not toml at all = = =", "not valid TOML"),
    ],
)
def test_bad_configuration_exits_2_naming_the_key(tmp_path: Path, body: str, message: str) -> None:
    import subprocess
    import sys

    config = write_toml(tmp_path / "bad.toml", body)
    env = {k: v for k, v in __import__("os").environ.items() if k != "KR_OVID_PG_DSN"}
    done = subprocess.run(
        [sys.executable, "-m", "kr_ovid", "serve", "--config", str(config), "--port", "0"],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=False,
    )
    assert done.returncode == 2, done.stderr
    assert message in done.stderr
    assert "Traceback" not in done.stderr


def test_production_without_operator_credentials_refuses_to_start(tmp_path: Path) -> None:
    import subprocess
    import sys

    key_file, _ = did_web_key_file(tmp_path, ISSUER_DID, b"\x08" * 32)
    config = write_toml(
        tmp_path / "open.toml",
        f'[issuer]\nkey_file = "{key_file}"\n[status]\npath = "s.sqlite3"\n',
    )
    done = subprocess.run(
        [sys.executable, "-m", "kr_ovid", "serve", "--config", str(config), "--port", "0"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2
    assert "[auth] names no bearer token and no client certificate" in done.stderr


def test_signer_factory_keeps_the_key_outside(serve, tmp_path: Path) -> None:
    """Key custody: ``[issuer] signer_factory`` names a function returning any Signer (here a
    stand-in for an HSM); its DID document is published from ``[publish] did_documents``."""
    import json

    from server_support import EXTERNAL_DID, ExternalSigner

    did_dir = tmp_path / "did"
    did_dir.mkdir()
    (did_dir / "hsm.json").write_text(json.dumps(ExternalSigner().did_document()))
    config = write_toml(
        tmp_path / "hsm.toml",
        f"""
[server]
public_url = "https://vc.example.test"
[auth]
bearer_token_sha256 = ["{TOKEN_SHA256}"]
[issuer]
signer_factory = "server_support:external_signer"
[status]
path = "status.sqlite3"
[publish]
did_documents = "did"
""",
    )
    service = serve("--config", str(config), env={"PYTHONPATH": str(Path(__file__).parent)})
    assert service.issuer == EXTERNAL_DID
    with service.client(headers={"Authorization": f"Bearer {TOKEN}"}) as client:
        issued = client.post(
            "/credentials/issue", json={"credential": plain_credential(EXTERNAL_DID)}
        )
        assert issued.status_code == 201, issued.text
        verified = client.post(
            "/credentials/verify",
            json={"verifiableCredential": issued.json()["verifiableCredential"]},
        )
        published = client.get("/hsm/did.json")
    assert verified.status_code == 200, verified.text
    assert published.json()["id"] == EXTERNAL_DID


def test_key_that_is_not_the_published_one_refuses_to_start(tmp_path: Path) -> None:
    import json
    import subprocess
    import sys

    from kr_ovid.did.web import build_did_document
    from kr_ovid.keys import Ed25519Signer

    key_file, _ = did_web_key_file(tmp_path, ISSUER_DID, b"\x09" * 32)
    other = Ed25519Signer.from_seed(b"\x0a" * 32, verification_method=f"{ISSUER_DID}#key-1")
    did_dir = tmp_path / "did"
    did_dir.mkdir()
    (did_dir / "desk.json").write_text(json.dumps(build_did_document(ISSUER_DID, [other])))
    config = write_toml(
        tmp_path / "mismatch.toml",
        f"""
[server]
public_url = "https://vc.example.test"
[auth]
bearer_token_sha256 = ["{TOKEN_SHA256}"]
[issuer]
key_file = "{key_file}"
[status]
path = "s.sqlite3"
[publish]
did_documents = "did"
""",
    )
    done = subprocess.run(
        [sys.executable, "-m", "kr_ovid", "serve", "--config", str(config), "--port", "0"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2
    assert "not the key published in the DID document" in done.stderr
