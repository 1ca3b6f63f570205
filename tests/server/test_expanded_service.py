"""``[verifier] jsonld``: the service reads documents with inline contexts on their pinned view
in test mode (the W3C suites send them), and only the strict form otherwise.

Issued as sent (inline context kept, signed over the same RDF), verified over HTTP; a JCS
credential outside the strict form, and everything outside it under ``jsonld = "strict"``, is
refused with its code."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from server_support import STATUS_OPTION, V2

from conftest import write_toml
from kr_ovid.errors import ConfigurationError
from kr_ovid.server.config import load_config

INLINE = {"ExampleDegree": "https://example.org/#ExampleDegree"}


def inline_credential(issuer: str, **extra: Any) -> dict[str, Any]:
    out: dict[str, Any] = {
        "@context": [V2, INLINE],
        "type": ["VerifiableCredential", "ExampleDegree"],
        "issuer": issuer,
        "name": {"@value": "Diplôme", "@language": "fr"},
        "credentialSubject": {"id": "did:example:subject"},
    }
    out.update(extra)
    return out


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory):
    from conftest import start_service

    directory = tmp_path_factory.mktemp("expanded")
    started = start_service(directory, ["--test-mode", "--public-url", "https://vc.example.test"])
    yield started
    started.stop()


@pytest.fixture(scope="module")
def strict(tmp_path_factory: pytest.TempPathFactory):
    from conftest import start_service

    directory = tmp_path_factory.mktemp("strict")
    config = write_toml(
        directory / "kr-ovid.toml", '[server]\ntest_mode = true\n[verifier]\njsonld = "strict"\n'
    )
    started = start_service(directory, ["--config", str(config)])
    yield started
    started.stop()


def test_inline_context_credential_is_issued_as_sent_and_verifies(service) -> None:
    sent = inline_credential(service.issuer)
    with service.client() as client:
        issued = client.post("/credentials/issue", json={"credential": sent})
        assert issued.status_code == 201, issued.text
        vc = issued.json()["verifiableCredential"]
        verified = client.post("/credentials/verify", json={"verifiableCredential": vc})
    assert {k: v for k, v in vc.items() if k != "proof"} == sent
    assert verified.status_code == 200, verified.text
    assert verified.json()["verified"] is True


def test_inline_context_credential_with_status_is_checked_and_revocable(service) -> None:
    sent = inline_credential(service.issuer, id="urn:uuid:4f1b8a52-3c1e-4d2a-9c4e-1f7d2b9a6e10")
    with service.client() as client:
        issued = client.post(
            "/credentials/issue",
            json={"credential": sent, "options": {"credentialStatus": STATUS_OPTION}},
        )
        assert issued.status_code == 201, issued.text
        vc = issued.json()["verifiableCredential"]
        assert vc["credentialStatus"]["statusPurpose"] == "revocation"
        ok = client.post("/credentials/verify", json={"verifiableCredential": vc})
        assert ok.status_code == 200, ok.text
    body = {"credentialId": sent["id"], "credentialStatus": STATUS_OPTION, "status": True}
    with service.client(headers=service.headers) as client:
        revoked = client.post("/credentials/status", json=body)
    assert revoked.status_code in (200, 204), revoked.text
    with service.client() as client:
        after = client.post("/credentials/verify", json={"verifiableCredential": vc})
    assert after.status_code == 422, after.text
    assert "CREDENTIAL_REVOKED" in after.text


def test_jcs_outside_the_strict_form_is_refused(service) -> None:
    body = {
        "credential": inline_credential(service.issuer),
        "options": {"cryptosuite": "eddsa-jcs-2022"},
    }
    with service.client() as client:
        response = client.post("/credentials/issue", json=body)
    assert response.status_code == 400, response.text
    assert response.json()["code"] == "MALFORMED_VALUE_ERROR"
    assert response.json()["path"] == "/credential/@context"


def test_an_undefined_term_under_an_inline_context_is_refused(service) -> None:
    with service.client() as client:
        response = client.post(
            "/credentials/issue",
            json={"credential": inline_credential(service.issuer, notDefined="x")},
        )
    assert response.status_code == 400, response.text
    assert response.json()["code"] == "DATA_LOSS_ERROR"


def test_strict_service_refuses_inline_contexts(service, strict) -> None:
    with service.client() as client:
        vc = client.post(
            "/credentials/issue", json={"credential": inline_credential(service.issuer)}
        ).json()["verifiableCredential"]
    with strict.client() as client:
        issued = client.post(
            "/credentials/issue", json={"credential": inline_credential(strict.issuer)}
        )
        verified = client.post("/credentials/verify", json={"verifiableCredential": vc})
    assert issued.status_code == 400, issued.text
    assert verified.status_code == 422, verified.text
    assert verified.json()["verified"] is False


def test_jsonld_setting_defaults_and_values(tmp_path: Path) -> None:
    assert load_config(test_mode=True).verifier.jsonld == "expanded"
    strict = write_toml(
        tmp_path / "strict.toml", '[server]\ntest_mode = true\n[verifier]\njsonld = "strict"\n'
    )
    assert load_config(strict).verifier.jsonld == "strict"
    bad = write_toml(tmp_path / "bad.toml", '[verifier]\njsonld = "lenient"\n')
    with pytest.raises(ConfigurationError, match="jsonld"):
        load_config(bad)
