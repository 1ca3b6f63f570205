"""Data Integrity add/verify: every check of verify_proof has a failing test with its code."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from kr_ovid.clock import FixedClock
from kr_ovid.did import DidDocument, LocalDidResolver
from kr_ovid.did.resolver import CompositeResolver
from kr_ovid.errors import ConfigurationError, ProofGenerationError
from kr_ovid.integrity import add_proof, verify_proof
from kr_ovid.keys import Ed25519Signer
from kr_ovid.problems import ErrorCode

from support import NaiveClock, example_credential, example_loader

LOADER = example_loader()
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
SIGNER = Ed25519Signer.from_seed(bytes(32))


def signed(suite: str = "eddsa-rdfc-2022", **kw: Any) -> dict[str, Any]:
    return add_proof(
        example_credential(), SIGNER, cryptosuite=suite, created=NOW, loader=LOADER, **kw
    )


def verify(doc: Any, **kw: Any) -> Any:
    kw.setdefault("clock", FixedClock(NOW))
    return verify_proof(doc, loader=LOADER, **kw)


@pytest.mark.parametrize("suite", ["eddsa-rdfc-2022", "eddsa-jcs-2022"])
def test_round_trip(suite: str) -> None:
    doc = signed(suite)
    result = verify(doc)
    assert result.verified
    assert result.document == doc
    (info,) = result.proofs
    assert info.controller == SIGNER.controller
    assert info.created == NOW


def test_result_has_no_truth_value() -> None:
    result = verify(signed())
    with pytest.raises(TypeError):
        bool(result)
    with pytest.raises(TypeError):
        if result:  # pragma: no cover
            pass
    assert result.raise_for_errors() is result


def test_raise_for_errors() -> None:
    doc = signed()
    doc["credentialSubject"]["name2"] = "X"
    from kr_ovid.errors import VerificationFailed

    with pytest.raises(VerificationFailed) as info:
        verify(doc).raise_for_errors()
    assert info.value.code is ErrorCode.PROOF_VERIFICATION_ERROR


def _codes(doc: Any, **kw: Any) -> tuple[ErrorCode, ...]:
    result = verify(doc, **kw)
    assert not result.verified
    assert result.errors
    return result.codes


def mutate(fn: Any) -> dict[str, Any]:
    doc = signed()
    fn(doc)
    return doc


@pytest.mark.parametrize(
    ("change", "code"),
    [
        (lambda d: d.pop("proof"), ErrorCode.PROOF_VERIFICATION_ERROR),
        (lambda d: d.__setitem__("proof", []), ErrorCode.PROOF_VERIFICATION_ERROR),
        (lambda d: d.__setitem__("proof", "x"), ErrorCode.MALFORMED_PROOF_ERROR),
        (lambda d: d["proof"].pop("type"), ErrorCode.MALFORMED_PROOF_ERROR),
        (lambda d: d["proof"].pop("verificationMethod"), ErrorCode.MALFORMED_PROOF_ERROR),
        (
            lambda d: d["proof"].__setitem__("type", "Ed25519Signature2020"),
            ErrorCode.PROOF_TRANSFORMATION_ERROR,
        ),
        (
            lambda d: d["proof"].__setitem__("cryptosuite", "ecdsa-rdfc-2019"),
            ErrorCode.UNSUPPORTED_CRYPTOSUITE,
        ),
        (
            lambda d: d["proof"].__setitem__("proofPurpose", "authentication"),
            ErrorCode.MISMATCHED_PROOF_PURPOSE_ERROR,
        ),
        (
            lambda d: d["proof"].__setitem__("proofValue", "u" + d["proof"]["proofValue"][1:]),
            ErrorCode.MALFORMED_PROOF_ERROR,
        ),
        (
            lambda d: d["proof"].__setitem__("proofValue", d["proof"]["proofValue"][:-3]),
            ErrorCode.MALFORMED_PROOF_ERROR,
        ),
        (
            lambda d: d["proof"].__setitem__("created", "2026-03-01"),
            ErrorCode.MALFORMED_PROOF_ERROR,
        ),
        (
            lambda d: d["proof"].__setitem__("created", "2026-03-01T12:00:00"),
            ErrorCode.MALFORMED_PROOF_ERROR,
        ),
        (lambda d: d["proof"].__setitem__("expires", "yesterday"), ErrorCode.MALFORMED_PROOF_ERROR),
        (
            lambda d: d["proof"].__setitem__("verificationMethod", "did:example:unknown#k"),
            ErrorCode.UNSUPPORTED_DID_METHOD,
        ),
        (
            lambda d: d["proof"].__setitem__(
                "verificationMethod", "did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp"
            ),
            ErrorCode.DID_RESOLUTION_ERROR,
        ),
        (
            lambda d: d["proof"].__setitem__(
                "verificationMethod",
                "did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp#other",
            ),
            ErrorCode.KEY_NOT_AUTHORIZED,
        ),
        (
            lambda d: d["credentialSubject"].__setitem__("name2", "김철수"),
            ErrorCode.PROOF_VERIFICATION_ERROR,
        ),
        (
            lambda d: d["credentialSubject"].__setitem__("undefinedTerm", 1),
            ErrorCode.DATA_LOSS_ERROR,
        ),
        (
            lambda d: d.__setitem__("type", ["VerifiableCredential", "UndefinedType"]),
            ErrorCode.DATA_LOSS_ERROR,
        ),
        (
            lambda d: d.__setitem__(
                "@context", ["https://www.w3.org/ns/credentials/v2", "https://evil.example/ctx"]
            ),
            ErrorCode.UNKNOWN_CONTEXT,
        ),
    ],
)
def test_each_failure_has_its_code(change: Any, code: ErrorCode) -> None:
    assert code in _codes(mutate(change))


def test_created_in_future_and_expired() -> None:
    doc = add_proof(example_credential(), SIGNER, created=NOW + timedelta(hours=1), loader=LOADER)
    assert ErrorCode.PROOF_VERIFICATION_ERROR in _codes(doc)
    doc = add_proof(
        example_credential(),
        SIGNER,
        created=NOW - timedelta(days=2),
        expires=NOW - timedelta(days=1),
        loader=LOADER,
    )
    assert _codes(doc) == (ErrorCode.PROOF_EXPIRED,)
    # Exactly at the boundary with skew: still valid.
    assert verify(doc, clock=FixedClock(NOW - timedelta(days=1) + timedelta(seconds=300))).verified
    assert not verify(
        doc, clock=FixedClock(NOW - timedelta(days=1) + timedelta(seconds=301))
    ).verified


def test_challenge_and_domain() -> None:
    doc = add_proof(
        example_credential(),
        SIGNER,
        proof_purpose="authentication",
        challenge="c-123",
        domain="gov24.example",
        created=NOW,
        loader=LOADER,
    )
    assert verify(
        doc, proof_purpose="authentication", challenge="c-123", domain="gov24.example"
    ).verified
    assert _codes(
        doc, proof_purpose="authentication", challenge="c-124", domain="gov24.example"
    ) == (ErrorCode.INVALID_CHALLENGE_ERROR,)
    assert _codes(
        doc, proof_purpose="authentication", challenge="c-123", domain="evil.example"
    ) == (ErrorCode.INVALID_DOMAIN_ERROR,)
    plain = signed()
    assert ErrorCode.INVALID_CHALLENGE_ERROR in _codes(plain, challenge="c-123")


def test_proof_set_every_proof_must_verify() -> None:
    other = Ed25519Signer.from_seed(bytes([1] * 32))
    doc = add_proof(signed(), other, created=NOW, loader=LOADER)
    assert isinstance(doc["proof"], list) and len(doc["proof"]) == 2
    assert verify(doc).verified
    bad = copy.deepcopy(doc)
    bad["proof"][1]["proofValue"] = bad["proof"][0]["proofValue"]
    result = verify(bad)
    assert not result.verified
    assert result.errors[0].path == "/proof/1/proofValue"


def test_chain_with_unknown_previous_proof() -> None:
    doc = add_proof(example_credential(), SIGNER, created=NOW, proof_id="urn:uuid:1", loader=LOADER)
    with pytest.raises(ProofGenerationError):
        add_proof(doc, SIGNER, created=NOW, previous_proof="urn:uuid:missing", loader=LOADER)
    chained = add_proof(doc, SIGNER, created=NOW, previous_proof="urn:uuid:1", loader=LOADER)
    assert verify(chained).verified
    chained["proof"][1]["previousProof"] = "urn:uuid:2"
    assert ErrorCode.PROOF_VERIFICATION_ERROR in _codes(chained)


def test_expected_controller_and_relationship() -> None:
    doc = signed()
    assert ErrorCode.KEY_NOT_AUTHORIZED in _codes(doc, expected_controller="did:web:ovid.example")
    # A local document that lists the key only for authentication.
    did = "did:web:ovid.example:missions:test"
    vm = f"{did}#key-1"
    mission = SIGNER.with_verification_method(vm)
    local = LocalDidResolver(
        [
            {
                "@context": [
                    "https://www.w3.org/ns/did/v1",
                    "https://w3id.org/security/multikey/v1",
                ],
                "id": did,
                "verificationMethod": [mission.public_multikey_document()],
                "authentication": [vm],
            }
        ]
    )
    resolver = CompositeResolver({"web": local})
    doc = add_proof(example_credential(), mission, created=NOW, loader=LOADER)
    assert _codes(doc, resolver=resolver) == (ErrorCode.KEY_NOT_AUTHORIZED,)


def test_retired_and_revoked_keys() -> None:
    did = "did:web:ovid.example:missions:test"
    vm = f"{did}#key-1"
    mission = SIGNER.with_verification_method(vm)

    def resolver(extra: dict[str, str]) -> CompositeResolver:
        method = {**mission.public_multikey_document(), **extra}
        doc = {
            "@context": ["https://www.w3.org/ns/did/v1"],
            "id": did,
            "verificationMethod": [method],
            "assertionMethod": [vm],
        }
        return CompositeResolver({"web": LocalDidResolver([DidDocument.from_json(doc)])})

    doc = add_proof(example_credential(), mission, created=NOW, loader=LOADER)
    assert verify(doc, resolver=resolver({})).verified
    assert verify(doc, resolver=resolver({"expires": "2026-03-02T00:00:00Z"})).verified
    assert _codes(doc, resolver=resolver({"expires": "2026-03-01T12:00:00Z"})) == (
        ErrorCode.KEY_RETIRED,
    )
    assert _codes(doc, resolver=resolver({"revoked": "2027-01-01T00:00:00Z"})) == (
        ErrorCode.KEY_REVOKED,
    )


def test_misuse_raises_configuration_error() -> None:
    with pytest.raises(ConfigurationError):
        add_proof(example_credential(), SIGNER, cryptosuite="ecdsa-rdfc-2019", loader=LOADER)

    class RsaSigner:
        verification_method = SIGNER.verification_method
        algorithm = "RS256"

        def sign(self, data: bytes) -> bytes:
            return b""

    with pytest.raises(ConfigurationError):
        add_proof(example_credential(), RsaSigner(), loader=LOADER)
    with pytest.raises(ProofGenerationError) as info:
        add_proof({**example_credential(), "undefinedTerm": 1}, SIGNER, loader=LOADER)
    assert info.value.code is ErrorCode.DATA_LOSS_ERROR


def test_misuse_of_verifier_options_is_a_result_not_an_exception() -> None:
    result = verify_proof(signed(), loader=LOADER, allowed_suites=["nope"], clock=FixedClock(NOW))
    assert result.codes == (ErrorCode.CONFIGURATION_ERROR,)
    result = verify_proof(signed(), loader=LOADER, clock=NaiveClock())  # naive
    assert result.codes == (ErrorCode.CONFIGURATION_ERROR,)


def test_allowed_suites_restrict() -> None:
    doc = signed("eddsa-jcs-2022")
    assert _codes(doc, allowed_suites=["eddsa-rdfc-2022"]) == (ErrorCode.UNSUPPORTED_CRYPTOSUITE,)


def test_jcs_proof_context_must_prefix_document_context() -> None:
    doc = signed("eddsa-jcs-2022")
    doc["proof"]["@context"] = [
        "https://www.w3.org/ns/credentials/v2",
        "https://example.test/other",
    ]
    assert ErrorCode.PROOF_VERIFICATION_ERROR in _codes(doc)


def test_problem_details_shape() -> None:
    result = verify(mutate(lambda d: d["credentialSubject"].__setitem__("name2", "X")))
    (problem,) = result.errors
    data = problem.to_dict()
    assert data["type"] == "https://w3id.org/security#PROOF_VERIFICATION_ERROR"
    assert data["code"] == "PROOF_VERIFICATION_ERROR"
    assert "X" not in data["detail"]
    assert result.to_dict()["verified"] is False
