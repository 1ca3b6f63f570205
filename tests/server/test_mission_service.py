"""A mission's service (not test mode): it publishes its DID documents at their did:web paths and
the root-signed trust list, issues the overseas-national ID from claims, and its verify routes
trust only issuers the trust list accredits, for the types it accredits them for."""

from __future__ import annotations

from pathlib import Path

import pytest
from server_support import (
    ROOT_DID,
    TOKEN,
    TOKEN_SHA256,
    credential,
    examples_loader,
    plain_credential,
    write_mission_files,
)

from conftest import write_toml
from kr_ovid.integrity import add_proof
from kr_ovid.keys import Ed25519Signer
from kr_ovid.ovid import load_missions

from support import sample_claims

MISSION = "us-losangeles"


@pytest.fixture(scope="module")
def mission_service(tmp_path_factory: pytest.TempPathFactory):
    from conftest import start_service

    directory = tmp_path_factory.mktemp("mission")
    mission, trust_list = write_mission_files(
        directory, MISSION, mission_seed=b"\x11" * 32, root_seed=b"\x22" * 32
    )
    config = write_toml(
        directory / "kr-ovid.toml",
        f"""
[server]
public_url = "https://ovid.example"
[auth]
bearer_token_sha256 = ["{TOKEN_SHA256}"]
[issuer]
key_file = "mission-key.json"
mission = "{MISSION}"
[status]
path = "status.sqlite3"
[publish]
did_documents = "did"
trust_list = "trust-list.json"
[verifier]
trust = "trust-list"
trust_list = "trust-list.json"
root_did = "{ROOT_DID}"
""",
    )
    service = start_service(directory, ["--config", str(config)])
    service.headers = {"Authorization": f"Bearer {TOKEN}"}
    service.trust_list = trust_list
    service.mission = mission
    yield service
    service.stop()


def _issue_id(service, **options) -> dict:
    with service.client(headers=service.headers) as client:
        response = client.post(
            "/credentials/issue", json={"claims": sample_claims(), "options": options}
        )
    assert response.status_code == 201, response.text
    return response.json()


def test_did_documents_at_their_did_web_paths(mission_service) -> None:
    with mission_service.client() as client:
        mission_doc = client.get(f"/missions/{MISSION}/did.json")
        root_doc = client.get("/root/did.json")
        nothing = client.get("/missions/nowhere/did.json")
        well_known = client.get("/.well-known/did.json")
    assert mission_doc.json()["id"] == mission_service.mission.did
    assert root_doc.json()["id"] == ROOT_DID
    assert nothing.status_code == 404
    assert well_known.status_code == 404


def test_trust_list_is_served_as_published(mission_service) -> None:
    with mission_service.client() as client:
        response = client.get("/trust-list")
    assert response.status_code == 200
    assert response.json() == mission_service.trust_list


def test_id_from_claims_verifies_and_can_be_revoked(mission_service) -> None:
    holder = Ed25519Signer.generate()
    out = _issue_id(mission_service, holder=holder.public.did_key, holderJwks=[holder.public.jwk])
    vc = out["verifiableCredential"]
    assert "OverseasNationalIdCredential" in vc["type"]
    assert vc["issuer"]["id"] == mission_service.mission.did
    assert vc["credentialSubject"]["id"] == holder.public.did_key
    assert len(out["sdJwt"]) == 1
    assert {e["statusPurpose"] for e in vc["credentialStatus"]} == {"revocation", "suspension"}
    with mission_service.client() as client:
        assert (
            client.post("/credentials/verify", json={"verifiableCredential": vc}).status_code == 200
        )
    with mission_service.client(headers=mission_service.headers) as client:
        revoked = client.post(
            "/credentials/status",
            json={
                "credentialId": vc["id"],
                "credentialStatus": {
                    "type": "BitstringStatusListEntry",
                    "statusPurpose": "revocation",
                },
            },
        )
    assert revoked.status_code == 200
    with mission_service.client() as client:
        answer = client.post("/credentials/verify", json={"verifiableCredential": vc})
    assert answer.status_code == 422
    assert answer.json()["code"] == "CREDENTIAL_REVOKED"


def test_claims_refusals(mission_service) -> None:
    with mission_service.client(headers=mission_service.headers) as client:
        rrn = client.post(
            "/credentials/issue",
            json={"claims": sample_claims(residentRegistrationNumber="900228-1234567")},
        )
        other_mission = client.post(
            "/credentials/issue",
            json={"claims": sample_claims(load_missions().by_code("nz-auckland"))},
        )
        bad_options = client.post(
            "/credentials/issue", json={"claims": sample_claims(), "options": {"formats": []}}
        )
    assert rrn.status_code == 400
    assert rrn.json()["path"].startswith("/claims")
    assert other_mission.status_code == 400
    assert other_mission.json()["code"] == "CONFIGURATION_ERROR"
    assert bad_options.status_code == 400
    assert bad_options.json()["path"] == "/options"


def test_issuer_outside_the_trust_list_is_not_accredited(mission_service) -> None:
    other = Ed25519Signer.generate()
    vc = add_proof(plain_credential(other.public.did_key), other)
    with mission_service.client() as client:
        answer = client.post("/credentials/verify", json={"verifiableCredential": vc})
    assert answer.status_code == 422
    assert answer.json()["code"] == "ISSUER_NOT_ACCREDITED"


def test_mission_is_accredited_for_its_types_only(mission_service) -> None:
    """The trust list accredits the mission for the ID; a generic credential it signs verifies
    cryptographically but is not accredited."""
    with mission_service.client(headers=mission_service.headers) as client:
        vc = client.post(
            "/credentials/issue", json={"credential": plain_credential(mission_service.issuer)}
        ).json()["verifiableCredential"]
        answer = client.post("/credentials/verify", json={"verifiableCredential": vc})
    assert answer.status_code == 422
    assert answer.json()["code"] == "ISSUER_NOT_ACCREDITED"


def test_test_mode_contexts_are_not_served_here(mission_service) -> None:
    other = Ed25519Signer.generate()
    vc = add_proof(credential(other.public.did_key), other, loader=examples_loader())
    with mission_service.client() as client:
        answer = client.post("/credentials/verify", json={"verifiableCredential": vc})
    assert answer.status_code in (400, 422)
    assert answer.json()["verified"] is False


def test_generic_service_refuses_claims(serve, tmp_path: Path) -> None:
    service = serve("--test-mode")
    with service.client() as client:
        response = client.post("/credentials/issue", json={"claims": sample_claims()})
    assert response.status_code == 400
    assert response.json()["code"] == "CONFIGURATION_ERROR"
