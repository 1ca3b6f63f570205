"""POST /credentials/issue and /credentials/verify over HTTP: the client's credential is signed as
sent, in either suite; what the issuer must not sign is refused with its code, before any status
index is spent; what does not verify is 422 with the verifier's codes."""

from __future__ import annotations

import copy

import pytest
from server_support import STATUS_OPTION, credential, examples_loader


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory):
    from conftest import start_service

    directory = tmp_path_factory.mktemp("issue")
    started = start_service(directory, ["--test-mode", "--public-url", "https://vc.example.test"])
    yield started
    started.stop()


@pytest.mark.parametrize("suite", ["eddsa-rdfc-2022", "eddsa-jcs-2022"])
def test_issue_signs_as_sent_and_verifies(service, suite: str) -> None:
    sent = credential(service.issuer, name="Example", validFrom="2020-01-01T00:00:00Z")
    with service.client() as client:
        issued = client.post(
            "/credentials/issue", json={"credential": sent, "options": {"cryptosuite": suite}}
        )
        assert issued.status_code == 201, issued.text
        vc = issued.json()["verifiableCredential"]
        verified = client.post("/credentials/verify", json={"verifiableCredential": vc})
    assert {k: v for k, v in vc.items() if k != "proof"} == sent
    assert vc["proof"]["cryptosuite"] == suite
    assert vc["proof"]["verificationMethod"].startswith(service.issuer + "#")
    assert verified.status_code == 200
    assert verified.json()["verified"] is True
    assert verified.json()["errors"] == []


def test_issue_adds_exactly_one_status_entry_of_the_purpose(service) -> None:
    sent = credential(service.issuer)
    option = {"type": "BitstringStatusListEntry", "statusPurpose": "suspension"}
    with service.client() as client:
        vc = client.post(
            "/credentials/issue", json={"credential": sent, "options": {"credentialStatus": option}}
        ).json()["verifiableCredential"]
    entry = vc["credentialStatus"]
    assert isinstance(entry, dict)
    assert entry["statusPurpose"] == "suspension"
    assert entry["statusListCredential"].startswith("https://vc.example.test/status/")
    assert entry["statusListCredential"].endswith("/suspension")


def _refusal(service, body, status=400):
    with service.client() as client:
        response = client.post("/credentials/issue", json=body)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    return response.json()


def test_issuer_that_is_not_the_service_is_refused(service) -> None:
    problem = _refusal(service, {"credential": credential("did:example:someone-else")})
    assert problem["code"] == "MALFORMED_VALUE_ERROR"
    assert problem["path"] == "/credential/issuer"


def test_credential_with_a_proof_gets_the_issuer_proof_beside_it(service) -> None:
    """A proof already present (a witness's) stays: the issuer's joins it as a proof set, and
    the verifier checks both, each for its own key."""
    from kr_ovid.integrity import add_proof
    from kr_ovid.keys import Ed25519Signer

    witness = Ed25519Signer.generate()
    sent = add_proof(credential(service.issuer), witness, loader=examples_loader())
    with service.client() as client:
        issued = client.post("/credentials/issue", json={"credential": sent})
        assert issued.status_code == 201, issued.text
        vc = issued.json()["verifiableCredential"]
        verified = client.post("/credentials/verify", json={"verifiableCredential": vc})
    methods = [p["verificationMethod"].split("#")[0] for p in vc["proof"]]
    assert methods == [witness.public.did_key, service.issuer]
    assert verified.status_code == 200, verified.text


def test_unknown_cryptosuite_is_refused(service) -> None:
    body = {"credential": credential(service.issuer), "options": {"cryptosuite": "ecdsa-rdfc-2019"}}
    assert _refusal(service, body)["code"] == "UNSUPPORTED_CRYPTOSUITE"


def test_unknown_option_and_bad_status_option_are_refused(service) -> None:
    sent = credential(service.issuer)
    assert _refusal(service, {"credential": sent, "options": {"mystery": 1}})["path"] == "/options"
    bad = {"type": "BitstringStatusListEntry", "statusPurpose": "refresh"}
    problem = _refusal(service, {"credential": sent, "options": {"credentialStatus": bad}})
    assert problem["path"] == "/options/credentialStatus/statusPurpose"
    other = {"type": "StatusList2021Entry", "statusPurpose": "revocation"}
    problem = _refusal(service, {"credential": sent, "options": {"credentialStatus": other}})
    assert problem["path"] == "/options/credentialStatus/type"


def test_data_model_musts_are_refused_with_their_paths(service) -> None:
    no_subject = credential(service.issuer)
    del no_subject["credentialSubject"]
    problem = _refusal(service, {"credential": no_subject})
    assert problem["code"] == "MALFORMED_VALUE_ERROR"
    assert "/credential/credentialSubject" in [e.get("path") for e in problem["errors"]]
    bad_id = credential(service.issuer, id="not a url")
    problem = _refusal(service, {"credential": bad_id})
    assert "/credential/id" in [e.get("path") for e in problem["errors"]]


def test_undefined_term_is_refused_not_dropped(service) -> None:
    """Without the examples context the term has no meaning: refused, never signed silently."""
    sent = credential(service.issuer)
    sent["@context"] = [sent["@context"][0]]
    problem = _refusal(service, {"credential": sent})
    assert problem["code"] in ("MALFORMED_VALUE_ERROR", "DATA_LOSS_ERROR")


def test_refused_document_spends_no_status_index(service) -> None:
    """A document the issuer refuses (undefined term) fails in the dry run, before allocation:
    issuing the same id afterwards still gets a position (a spent id would be 409)."""
    sent = credential(service.issuer)
    broken = copy.deepcopy(sent)
    broken["credentialSubject"]["undefined term"] = 1
    broken["@context"] = [broken["@context"][0]]
    _refusal(service, {"credential": broken, "options": {"credentialStatus": STATUS_OPTION}})
    with service.client() as client:
        ok = client.post(
            "/credentials/issue",
            json={"credential": sent, "options": {"credentialStatus": STATUS_OPTION}},
        )
        again = client.post(
            "/credentials/issue",
            json={"credential": sent, "options": {"credentialStatus": STATUS_OPTION}},
        )
    assert ok.status_code == 201
    assert again.status_code == 409


def test_missing_credential_member_is_refused(service) -> None:
    assert _refusal(service, {"options": {}})["path"] == "/credential"


def test_tampered_credential_is_422_proof_verification_error(service) -> None:
    with service.client() as client:
        vc = client.post(
            "/credentials/issue", json={"credential": credential(service.issuer)}
        ).json()["verifiableCredential"]
        vc["credentialSubject"]["alumniOf"] = "Another School"
        response = client.post("/credentials/verify", json={"verifiableCredential": vc})
    assert response.status_code == 422
    body = response.json()
    assert body["verified"] is False
    assert body["code"] == "PROOF_VERIFICATION_ERROR"
    assert "PROOF_VERIFICATION_ERROR" in [e["code"] for e in body["errors"]]


def test_verify_refusals(service) -> None:
    with service.client() as client:
        missing = client.post("/credentials/verify", json={"options": {}})
        not_object = client.post("/credentials/verify", json={"verifiableCredential": "text"})
        bad_option = client.post(
            "/credentials/verify", json={"verifiableCredential": {}, "options": {"x": 1}}
        )
    assert missing.status_code == 400
    assert missing.json()["code"] == "PARSING_ERROR"
    assert not_object.status_code == 400
    assert not_object.json()["verified"] is False
    assert bad_option.status_code == 400
    assert bad_option.json()["code"] == "MALFORMED_VALUE_ERROR"


def test_expired_credential_is_422_validity_error(service) -> None:
    sent = credential(
        service.issuer, validFrom="2019-01-01T00:00:00Z", validUntil="2020-01-01T00:00:00Z"
    )
    with service.client() as client:
        vc = client.post("/credentials/issue", json={"credential": sent}).json()[
            "verifiableCredential"
        ]
        response = client.post("/credentials/verify", json={"verifiableCredential": vc})
    assert response.status_code == 422
    assert "VALIDITY_PERIOD_ERROR" in [e["code"] for e in response.json()["errors"]]


def test_foreign_did_key_issuer_is_trusted_in_test_mode_only(service) -> None:
    """Test mode trusts any did:key issuer: a credential another did:key signed verifies."""
    from kr_ovid.integrity import add_proof
    from kr_ovid.keys import Ed25519Signer

    other = Ed25519Signer.generate()
    vc = add_proof(credential(other.public.did_key), other, loader=examples_loader())
    with service.client() as client:
        response = client.post("/credentials/verify", json={"verifiableCredential": vc})
    assert response.status_code == 200, response.text


def test_related_resource_digest_of_a_pinned_context_is_compared_on_issue(service) -> None:
    """VC DM 2.0 §5.3, as CredentialIssuer.sign: a digest of a pinned context must match the
    pinned bytes (the Recommendation's, Example 42), or the service would sign a credential its
    own verifier refuses. The W3C suite's digest of the 2024-07-20 revision is such a case."""
    import base64
    import hashlib

    from kr_ovid.jsonld.loader import default_loader

    pinned = default_loader().pinned_bytes("https://www.w3.org/ns/credentials/v2")
    assert pinned is not None
    good = "sha384-" + base64.b64encode(hashlib.sha384(pinned).digest()).decode()
    assert good == "sha384-l/HrjlBCNWyAX91hr6LFV2Y3heB5Tcr6IeE4/Tje8YyzYBM8IhqjHWiWpr8+ZbYU"
    bare = "u" + base64.urlsafe_b64encode(hashlib.sha256(pinned).digest()).decode().rstrip("=")
    for digest in ({"digestSRI": good}, {"digestMultibase": bare}):
        related = {"id": "https://www.w3.org/ns/credentials/v2", **digest}
        with service.client() as client:
            issued = client.post(
                "/credentials/issue",
                json={"credential": credential(service.issuer, relatedResource=related)},
            )
        assert issued.status_code == 201, issued.text
    stale = {
        "id": "https://www.w3.org/ns/credentials/v2",
        "digestSRI": "sha384-NSOcNpmdIVUxIJGvGUoe22FjTWrXiaXlsZ8q6912LdnR3KraQO2n75Ica4wK4Qeg",
    }
    problem = _refusal(service, {"credential": credential(service.issuer, relatedResource=stale)})
    assert problem["code"] == "CRYPTOGRAPHIC_SECURITY_ERROR"
    assert problem["path"] == "/credential/relatedResource"
