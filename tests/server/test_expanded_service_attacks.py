"""A hostile VC-API client against the expanded-form issuing path: the credential's id written
under an inline ``@id`` alias. The status store must key the allocation by the id the signed
credential has (its pinned view's), or the operator cannot revoke it by that id and the
"issued once" check is bypassed."""

from __future__ import annotations

from typing import Any

import pytest
from server_support import STATUS_OPTION, V2

CREDENTIAL_ID = "urn:uuid:7d3f0c9e-8a21-4b6f-a5c4-2e9b1f0d6a37"


def aliased(issuer: str) -> dict[str, Any]:
    return {
        "@context": [V2, {"ExampleDegree": "https://example.org/#ExampleDegree", "ref": "@id"}],
        "ref": CREDENTIAL_ID,
        "type": ["VerifiableCredential", "ExampleDegree"],
        "issuer": issuer,
        "credentialSubject": {"id": "did:example:subject"},
    }


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory):
    from conftest import start_service

    directory = tmp_path_factory.mktemp("expanded-attacks")
    started = start_service(directory, ["--test-mode", "--public-url", "https://vc.example.test"])
    yield started
    started.stop()


def test_a_credential_id_under_an_alias_is_the_one_the_store_knows(service) -> None:
    body = {"credential": aliased(service.issuer), "options": {"credentialStatus": STATUS_OPTION}}
    with service.client() as client:
        issued = client.post("/credentials/issue", json=body)
        assert issued.status_code == 201, issued.text
        vc = issued.json()["verifiableCredential"]
        again = client.post("/credentials/issue", json=body)
    assert again.status_code == 409, again.text
    revoke = {"credentialId": CREDENTIAL_ID, "credentialStatus": STATUS_OPTION, "status": True}
    with service.client(headers=service.headers) as client:
        revoked = client.post("/credentials/status", json=revoke)
    assert revoked.status_code in (200, 204), revoked.text
    with service.client() as client:
        after = client.post("/credentials/verify", json={"verifiableCredential": vc})
    assert after.status_code == 422, after.text
    assert "CREDENTIAL_REVOKED" in after.text
