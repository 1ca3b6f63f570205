"""Key rotation and compromise: issue → rotate → old IDs verify, new IDs use the new key;
a retired key cannot issue after retirement (KEY_RETIRED); a compromised key fails always."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from kr_ovid.clock import FixedClock
from kr_ovid.did.resolver import CompositeResolver
from kr_ovid.did.rotation import active_assertion_method, is_active, revoke_key, rotate_key
from kr_ovid.did.web import WebDidResolver, build_did_document
from kr_ovid.errors import ConfigurationError
from kr_ovid.integrity import add_proof, key_lifetime_problem, verify_proof
from kr_ovid.keys import Ed25519Signer
from kr_ovid.problems import ErrorCode

from support import example_credential, example_loader

DID = "did:web:ovid.example:missions:us-losangeles"
LOADER = example_loader()
K1 = Ed25519Signer.from_seed(b"\x11" * 32).with_verification_method(DID + "#key-1")
K2 = Ed25519Signer.from_seed(b"\x12" * 32).with_verification_method(DID + "#key-2")
K3 = Ed25519Signer.from_seed(b"\x13" * 32).with_verification_method(DID + "#key-3")
T1 = datetime(2024, 7, 3, 9, 0, tzinfo=UTC)  # first IDs
T2 = datetime(2025, 1, 1, 0, 0, tzinfo=UTC)  # rotation
T3 = datetime(2025, 6, 1, 0, 0, tzinfo=UTC)  # later IDs
NOW = datetime(2025, 9, 1, tzinfo=UTC)
DOC1 = build_did_document(DID, [K1])


def issue(signer: Ed25519Signer, created: datetime) -> dict[str, Any]:
    credential = example_credential()
    credential["issuer"] = DID
    return add_proof(credential, signer, created=created, loader=LOADER)


def verify(credential: dict[str, Any], did_document: dict[str, Any]) -> Any:
    resolver = CompositeResolver({"web": WebDidResolver(documents={DID: did_document})})
    return verify_proof(
        credential, resolver=resolver, clock=FixedClock(NOW), loader=LOADER, expected_controller=DID
    )


def signer_for(did_document: dict[str, Any]) -> Ed25519Signer:
    """What an issuer does: sign with the document's active assertion key."""
    active = active_assertion_method(did_document)
    return {k.verification_method: k for k in (K1, K2, K3)}[active]


def test_issue_rotate_old_ids_verify_new_ids_use_new_key() -> None:
    old_id = issue(signer_for(DOC1), T1)
    assert verify(old_id, DOC1).verified

    doc2 = rotate_key(DOC1, K2, at=T2)
    assert verify(old_id, doc2).verified  # issued before retirement: still good

    new_signer = signer_for(doc2)
    assert new_signer is K2
    new_id = issue(new_signer, T3)
    result = verify(new_id, doc2)
    assert result.verified
    assert result.proofs[0].verification_method == K2.verification_method


def test_rotated_document_keeps_the_retired_key_for_assertions_only() -> None:
    doc2 = rotate_key(DOC1, K2, at=T2)
    k1, k2 = doc2["verificationMethod"]
    assert k1 == {**K1.public_multikey_document(controller=DID), "expires": "2025-01-01T00:00:00Z"}
    assert "expires" not in k2
    assert doc2["assertionMethod"] == [K1.verification_method, K2.verification_method]
    assert doc2["authentication"] == [K2.verification_method]
    assert build_did_document(DID, [K1]) == DOC1  # input untouched


def test_retired_key_cannot_issue_after_retirement() -> None:
    doc2 = rotate_key(DOC1, K2, at=T2)
    late = issue(K1, T3)
    assert verify(late, doc2).codes == (ErrorCode.KEY_RETIRED,)
    at_the_second = issue(K1, T2)
    assert verify(at_the_second, doc2).codes == (ErrorCode.KEY_RETIRED,)
    just_before = issue(K1, T2 - timedelta(seconds=1))
    assert verify(just_before, doc2).verified


def test_retirement_is_understood_by_the_generic_cid_check() -> None:
    """integrity.key_lifetime_problem reads the CID 'expires' that rotation writes."""
    retired = rotate_key(DOC1, K2, at=T2)["verificationMethod"][0]
    assert key_lifetime_problem(retired, T2 - timedelta(seconds=1)) is None
    problem = key_lifetime_problem(retired, T2)
    assert problem is not None and problem.code is ErrorCode.KEY_RETIRED


def test_compromised_key_fails_all_its_ids() -> None:
    ids_by_k1 = [issue(K1, T1), issue(K1, T1 + timedelta(days=30))]
    doc2 = rotate_key(DOC1, K2, at=T2)
    id_by_k2 = issue(K2, T3)
    doc3 = revoke_key(doc2, K1.verification_method, at=T3)
    for credential in ids_by_k1:
        assert verify(credential, doc3).codes == (ErrorCode.KEY_REVOKED,)
    # a thief back-dating 'created' into the old window gains nothing
    assert verify(issue(K1, T1 - timedelta(days=1)), doc3).codes == (ErrorCode.KEY_REVOKED,)
    assert verify(id_by_k2, doc3).verified  # the other key is unaffected


def test_compromise_of_the_active_key_then_recovery() -> None:
    doc2 = rotate_key(DOC1, K2, at=T2)
    by_k2 = issue(K2, T3)
    doc3 = revoke_key(doc2, "#key-2", at=NOW)
    assert verify(by_k2, doc3).codes == (ErrorCode.KEY_REVOKED,)
    assert doc3["verificationMethod"][1]["revoked"] == "2025-09-01T00:00:00Z"
    assert "authentication" not in doc3  # no live key left
    with pytest.raises(ConfigurationError, match="no active assertion key"):
        active_assertion_method(doc3)
    doc4 = rotate_key(doc3, K3, at=NOW)
    assert active_assertion_method(doc4) == K3.verification_method
    assert doc4["verificationMethod"][1]["revoked"] == "2025-09-01T00:00:00Z"
    assert "expires" not in doc4["verificationMethod"][1]  # revoked keys are not re-retired
    assert verify(issue(K3, NOW), doc4).verified
    assert verify(issue(K1, T1), doc4).verified  # K1 retired normally, never compromised


def test_two_rotations_keep_each_window() -> None:
    doc3 = rotate_key(rotate_key(DOC1, K2, at=T2), K3, at=T3)
    assert [m.get("expires") for m in doc3["verificationMethod"]] == [
        "2025-01-01T00:00:00Z",
        "2025-06-01T00:00:00Z",
        None,
    ]
    assert verify(issue(K2, T2 + timedelta(days=1)), doc3).verified
    assert verify(issue(K2, T3 + timedelta(days=1)), doc3).codes == (ErrorCode.KEY_RETIRED,)
    assert active_assertion_method(doc3) == K3.verification_method


def test_revoke_keeps_the_earlier_time() -> None:
    once = revoke_key(DOC1, K1.verification_method, at=T2)
    twice = revoke_key(once, K1.verification_method, at=T3)
    assert twice["verificationMethod"][0]["revoked"] == "2025-01-01T00:00:00Z"
    assert twice["assertionMethod"] == [K1.verification_method]  # so verifiers say KEY_REVOKED


def test_active_assertion_method_at_a_time() -> None:
    doc2 = rotate_key(DOC1, K2, at=T2)
    assert active_assertion_method(doc2, at=T1) == K2.verification_method  # newest still-valid key
    assert active_assertion_method(doc2) == K2.verification_method
    only_old = copy.deepcopy(doc2)
    only_old["assertionMethod"] = [K1.verification_method]
    assert active_assertion_method(only_old, at=T1) == K1.verification_method
    with pytest.raises(ConfigurationError):
        active_assertion_method(only_old)


def test_is_active() -> None:
    assert is_active({"id": "x"})
    assert not is_active({"revoked": "2025-01-01T00:00:00Z"}, T1)
    assert is_active({"expires": "2025-01-01T00:00:00Z"}, T1)
    assert not is_active({"expires": "2025-01-01T00:00:00Z"}, T2)
    assert not is_active({"expires": "2025-01-01T00:00:00Z"})


def test_rotation_at_sub_second_time_uses_whole_seconds() -> None:
    doc2 = rotate_key(DOC1, K2, at=T2 + timedelta(microseconds=900_000))
    assert doc2["verificationMethod"][0]["expires"] == "2025-01-01T00:00:00Z"


def test_relative_ids_in_the_input_are_handled() -> None:
    relative = copy.deepcopy(DOC1)
    relative["verificationMethod"][0]["id"] = "#key-1"
    relative["assertionMethod"] = ["#key-1"]
    relative["authentication"] = ["#key-1"]
    doc2 = rotate_key(relative, K2, at=T2)
    assert doc2["verificationMethod"][0]["expires"] == "2025-01-01T00:00:00Z"
    assert doc2["authentication"] == [K2.verification_method]


def test_new_key_without_authentication() -> None:
    doc2 = rotate_key(DOC1, K2, at=T2, authentication=False)
    assert "authentication" not in doc2


@pytest.mark.parametrize(
    ("new_key", "message"),
    [
        (K1, "already used"),  # same id
        (K1.with_verification_method(DID + "#key-9"), "already published"),  # same key, new id
        (Ed25519Signer.from_seed(b"\x19" * 32), "with_verification_method"),  # a did:key id
    ],
)
def test_rotation_refuses_reuse(new_key: Any, message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        rotate_key(DOC1, new_key, at=T2)


def test_rotation_input_checks() -> None:
    with pytest.raises(ConfigurationError, match="timezone-aware"):
        rotate_key(DOC1, K2, at=datetime(2025, 1, 1))  # naive on purpose
    with pytest.raises(ConfigurationError, match="not a valid DID document"):
        rotate_key({"id": "nope"}, K2, at=T2)
    embedded = copy.deepcopy(DOC1)
    embedded["assertionMethod"] = [dict(embedded.pop("verificationMethod")[0])]
    embedded["authentication"] = []
    with pytest.raises(ConfigurationError, match="embedded"):
        rotate_key(embedded, K2, at=T2)
    with pytest.raises(ConfigurationError, match="no verification method"):
        revoke_key(DOC1, "#key-9", at=T2)
    with pytest.raises(ConfigurationError, match="not a verification method of this DID"):
        revoke_key(DOC1, "did:web:elsewhere.example#key-1", at=T2)
