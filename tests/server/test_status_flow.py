"""The status flow over HTTPS: issue with status, GET the list, revoke, and the verify route
answers 422 CREDENTIAL_REVOKED; suspension and reinstatement; every refusal of the status route
with its code. The public URL is the service's own, so the lists a client GETs are the ones the
verifier reads from the store."""

from __future__ import annotations

import base64
import gzip

import pytest
from server_support import TOKEN, TOKEN_SHA256, TestPki, credential, examples_loader

from conftest import write_toml


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory):
    from conftest import start_service

    directory = tmp_path_factory.mktemp("status")
    pki = TestPki(directory)
    config = write_toml(
        directory / "kr-ovid.toml",
        f'[server]\ntest_mode = true\n[auth]\nbearer_token_sha256 = ["{TOKEN_SHA256}"]\n',
    )
    started = start_service(
        directory,
        [
            "--config",
            str(config),
            "--tls-cert",
            str(pki.server_cert),
            "--tls-key",
            str(pki.server_key),
        ],
    )
    started.verify = pki.context()
    started.headers = {"Authorization": f"Bearer {TOKEN}"}
    yield started
    started.stop()


def _issue(service, purpose: str = "revocation") -> dict:
    option = {"type": "BitstringStatusListEntry", "statusPurpose": purpose}
    with service.client(headers=service.headers) as client:
        response = client.post(
            "/credentials/issue",
            json={
                "credential": credential(service.issuer),
                "options": {"credentialStatus": option},
            },
        )
    assert response.status_code == 201, response.text
    return response.json()["verifiableCredential"]


def _set(service, vc: dict, purpose: str, status: bool | None = True):
    body = {
        "credentialId": vc["id"],
        "credentialStatus": {"type": "BitstringStatusListEntry", "statusPurpose": purpose},
    }
    if status is not None:
        body["status"] = status
    with service.client(headers=service.headers) as client:
        return client.post("/credentials/status", json=body)


def _verify(service, vc: dict):
    with service.client() as client:
        return client.post("/credentials/verify", json={"verifiableCredential": vc})


def _bit(service, entry: dict) -> int:
    with service.client() as client:
        listed = client.get(entry["statusListCredential"])
    assert listed.status_code == 200
    assert listed.headers["content-type"] == "application/vc+ld+json"
    subject = listed.json()["credentialSubject"]
    bits = gzip.decompress(base64.urlsafe_b64decode(subject["encodedList"][1:] + "=="))
    index = int(entry["statusListIndex"])
    return (bits[index // 8] >> (7 - index % 8)) & 1


def test_public_url_is_the_https_service(service) -> None:
    assert service.public_url == service.url
    assert service.url.startswith("https://127.0.0.1:")


def test_revocation_over_https(service) -> None:
    vc = _issue(service)
    entry = vc["credentialStatus"]
    assert entry["statusListCredential"].startswith(service.url + "/status/")
    assert _bit(service, entry) == 0
    assert _verify(service, vc).status_code == 200

    revoked = _set(service, vc, "revocation", status=None)  # status defaults to true
    assert revoked.status_code == 200, revoked.text
    assert revoked.json() == {
        "credentialId": vc["id"],
        "statusPurpose": "revocation",
        "status": True,
        "previousStatus": False,
    }
    assert _bit(service, entry) == 1
    answer = _verify(service, vc)
    assert answer.status_code == 422
    assert answer.json()["code"] == "CREDENTIAL_REVOKED"

    undo = _set(service, vc, "revocation", status=False)
    assert undo.status_code == 409
    assert undo.json()["code"] == "CREDENTIAL_REVOKED"


def test_suspension_and_reinstatement(service) -> None:
    vc = _issue(service, "suspension")
    assert _set(service, vc, "suspension").status_code == 200
    suspended = _verify(service, vc)
    assert suspended.status_code == 422
    assert suspended.json()["code"] == "CREDENTIAL_SUSPENDED"
    assert _set(service, vc, "suspension", status=False).json()["previousStatus"] is True
    assert _verify(service, vc).status_code == 200


def test_status_route_refusals(service) -> None:
    vc = _issue(service)
    unknown = _set(service, {"id": "urn:uuid:00000000-0000-4000-8000-000000000000"}, "revocation")
    assert unknown.status_code == 404
    bad_purpose = _set(service, vc, "refresh")
    assert bad_purpose.status_code == 400
    assert bad_purpose.json()["path"] == "/credentialStatus/statusPurpose"
    with service.client(headers=service.headers) as client:
        wrong_index = client.post(
            "/credentials/status",
            json={
                "credentialId": vc["id"],
                "credentialStatus": {
                    **vc["credentialStatus"],
                    "statusListIndex": str(
                        (int(vc["credentialStatus"]["statusListIndex"]) + 1) % 131072
                    ),
                },
            },
        )
        wrong_list = client.post(
            "/credentials/status",
            json={
                "credentialId": vc["id"],
                "credentialStatus": {
                    "type": "BitstringStatusListEntry",
                    "statusPurpose": "revocation",
                    "statusListCredential": service.url + "/status/99/revocation",
                },
            },
        )
        extra_member = client.post(
            "/credentials/status",
            json={"credentialId": vc["id"], "credentialStatus": {}, "note": "x"},
        )
        not_bool = client.post(
            "/credentials/status",
            json={
                "credentialId": vc["id"],
                "credentialStatus": {
                    "type": "BitstringStatusListEntry",
                    "statusPurpose": "revocation",
                },
                "status": "yes",
            },
        )
    assert wrong_index.status_code == 400
    assert wrong_index.json()["path"] == "/credentialStatus/statusListIndex"
    assert wrong_list.status_code == 400
    assert wrong_list.json()["path"] == "/credentialStatus/statusListCredential"
    assert extra_member.status_code == 400
    assert not_bool.status_code == 400
    assert not_bool.json()["path"] == "/status"
    assert _verify(service, vc).status_code == 200  # none of them changed anything


def test_status_list_routes(service) -> None:
    vc = _issue(service)
    url = vc["credentialStatus"]["statusListCredential"]
    with service.client() as client:
        listed = client.get(url)
        missing = client.get(service.url + "/status/999/revocation")
        bad_purpose = client.get(service.url + "/status/1/refresh")
        leading_zero = client.get(service.url + "/status/01/revocation")
    assert listed.json()["id"] == url
    assert listed.json()["issuer"] == service.issuer
    assert "max-age=" in listed.headers["cache-control"]
    assert missing.status_code == 404
    assert bad_purpose.status_code == 404
    assert leading_zero.status_code == 404
    with service.client(headers=service.headers) as client:
        assert client.post(url + "/publish", json={}).status_code == 204
        assert (
            client.post(service.url + "/status/999/revocation/publish", json={}).status_code == 404
        )


def test_status_list_credential_verifies_as_a_credential(service) -> None:
    vc = _issue(service)
    with service.client() as client:
        listed = client.get(vc["credentialStatus"]["statusListCredential"]).json()
        answer = client.post("/credentials/verify", json={"verifiableCredential": listed})
    assert answer.status_code == 200, answer.text


def test_status_list_of_another_issuer_is_not_fetched(service) -> None:
    """A status URL that is not the service's own is never fetched: retryable
    STATUS_RETRIEVAL_ERROR, no network."""
    from kr_ovid.integrity import add_proof
    from kr_ovid.keys import Ed25519Signer

    other = Ed25519Signer.generate()
    sent = credential(other.public.did_key)
    sent["credentialStatus"] = {
        "id": "https://status.example.test/lists/1#5",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": "5",
        "statusListCredential": "https://status.example.test/lists/1",
    }
    vc = add_proof(sent, other, loader=examples_loader())
    answer = _verify(service, vc)
    assert answer.status_code == 422
    assert answer.json()["code"] == "STATUS_RETRIEVAL_ERROR"
    assert answer.json()["retryable"] is True
