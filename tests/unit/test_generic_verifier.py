"""kr_ovid.GenericVerifier: any W3C credential, no trust list, no service policy.

Each behaviour has its passing case and its failing case with the exact code that must fire:
proofs (sets and chains by several parties), validity period at the context's clock, status
whenever an entry is present (an unknown list fails closed), presentations with and without a
holder or credentials, challenge and domain."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from kr_ovid import FixedClock, GenericVerifier, VerificationContext
from kr_ovid.integrity import add_proof
from kr_ovid.keys import Ed25519Signer
from kr_ovid.problems import ErrorCode
from kr_ovid.status import InMemoryStatusListStore
from kr_ovid.status.check import LocalStatusListFetcher
from kr_ovid.status.publish import issue_status_list_credential, status_entries

from support import vector_loader

ISSUER = Ed25519Signer.from_seed(b"\x21" * 32)
WITNESS = Ed25519Signer.from_seed(b"\x22" * 32)
HOLDER = Ed25519Signer.from_seed(b"\x23" * 32)
NOW = datetime(2026, 3, 1, 1, 0, tzinfo=UTC)
CLOCK = FixedClock(NOW)
BASE = "https://status.example/lists"
V2 = "https://www.w3.org/ns/credentials/v2"
EXAMPLES = "https://www.w3.org/ns/credentials/examples/v2"
LOADER = vector_loader()  # the W3C examples context (test-only: it sets @vocab)


def credential(**changes: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "@context": [V2, EXAMPLES],
        "id": "urn:uuid:6a1f1b4e-2a63-4f0c-8d52-0b6a8d2f5b11",
        "type": ["VerifiableCredential", "ExampleAlumniCredential"],
        "issuer": ISSUER.controller,
        "validFrom": "2026-01-01T00:00:00Z",
        "validUntil": "2027-01-01T00:00:00Z",
        "credentialSubject": {"id": HOLDER.controller, "alumniOf": "Example University"},
    }
    doc.update(changes)
    return doc


def signed(doc: dict[str, Any] | None = None, **kw: Any) -> dict[str, Any]:
    kw.setdefault("created", NOW - timedelta(days=1))
    kw.setdefault("loader", LOADER)
    return add_proof(doc if doc is not None else credential(), kw.pop("signer", ISSUER), **kw)


def verifier(**kw: Any) -> GenericVerifier:
    kw.setdefault("context", VerificationContext(clock=CLOCK, loader=LOADER))
    return GenericVerifier(**kw)


# --------------------------------------------------------------------------- credentials


def test_a_signed_credential_verifies_without_trust_or_policy() -> None:
    vc = signed()
    result = verifier().verify_credential(vc)
    assert result.verified, result.errors
    assert result.document == vc
    assert result.checks == ("parse", "contexts", "structure", "proof", "validity", "schema")


@pytest.mark.parametrize("suite", ["eddsa-rdfc-2022", "eddsa-jcs-2022"])
def test_an_altered_credential_is_refused(suite: str) -> None:
    vc = signed(cryptosuite=suite)
    vc["credentialSubject"]["alumniOf"] = "Another University"
    result = verifier().verify_credential(vc)
    assert result.codes == (ErrorCode.PROOF_VERIFICATION_ERROR,)
    assert result.document is None


def test_time_comes_from_the_context_clock() -> None:
    vc = signed()
    later = VerificationContext(clock=FixedClock(datetime(2027, 6, 1, tzinfo=UTC)), loader=LOADER)
    assert GenericVerifier(context=later).verify_credential(vc).codes == (
        ErrorCode.VALIDITY_PERIOD_ERROR,
    )
    earlier = VerificationContext(
        clock=FixedClock(datetime(2026, 12, 31, tzinfo=UTC)), loader=LOADER
    )
    assert GenericVerifier(context=earlier).verify_credential(vc).verified


def test_hostile_input_is_a_coded_refusal() -> None:
    v = verifier()
    assert v.verify_credential("not json").codes == (ErrorCode.PARSING_ERROR,)
    assert v.verify_credential({"@context": [{"@vocab": "https://evil.example/"}]}).has_error(
        ErrorCode.UNKNOWN_CONTEXT
    )
    deep: Any = []
    for _ in range(5000):
        deep = [deep]
    assert v.verify_credential(credential(credentialSubject=deep)).codes == (
        ErrorCode.PARSING_ERROR,
    )


def test_a_credential_without_a_proof_is_refused() -> None:
    assert verifier().verify_credential(credential()).codes == (ErrorCode.PROOF_VERIFICATION_ERROR,)


# --------------------------------------------------------------------------- proof sets and chains


def test_a_proof_by_another_party_alone_is_refused_unless_issuer_proofs_are_not_required() -> None:
    vc = signed(signer=WITNESS)
    assert verifier().verify_credential(vc).codes == (ErrorCode.KEY_NOT_AUTHORIZED,)
    assert verifier(require_issuer_proof=False).verify_credential(vc).verified


def test_a_chain_a_witness_started_verifies() -> None:
    witnessed = signed(signer=WITNESS, proof_id="urn:uuid:witness")
    chained = signed(witnessed, previous_proof="urn:uuid:witness")
    result = verifier().verify_credential(chained)
    assert result.verified, result.errors


def test_a_proof_set_with_a_notary_verifies_and_each_proof_must_hold() -> None:
    both = signed(signed(), signer=WITNESS)
    assert verifier().verify_credential(both).verified
    broken = copy.deepcopy(both)
    broken["proof"][1]["created"] = "2026-02-27T00:00:00Z"
    result = verifier().verify_credential(broken)
    assert result.codes == (ErrorCode.PROOF_VERIFICATION_ERROR,)
    assert result.errors[0].path == "/proof/1/proofValue"


def test_each_proof_verifies_for_its_own_purpose() -> None:
    """A notary's proof is judged for the purpose it states: its key must be listed under that
    relationship of its own DID (did:key lists its key under all of them)."""
    noted = signed(signed(), signer=WITNESS, proof_purpose="authentication")
    assert verifier().verify_credential(noted).verified
    odd = signed(signed(), signer=WITNESS, proof_purpose="keyAgreement")
    assert verifier().verify_credential(odd).codes == (ErrorCode.KEY_NOT_AUTHORIZED,)


def test_an_issuer_proof_for_another_purpose_is_not_an_assertion() -> None:
    vc = signed(proof_purpose="authentication")
    assert verifier().verify_credential(vc).codes == (ErrorCode.KEY_NOT_AUTHORIZED,)


# --------------------------------------------------------------------------- status


class StatusWorld:
    def __init__(self) -> None:
        self.store = InMemoryStatusListStore(clock=CLOCK)
        self.allocation = self.store.allocate(credential_id="urn:uuid:6a1f1b4e")
        self.entries = status_entries(self.allocation, BASE)

    def fetcher(self) -> LocalStatusListFetcher:
        fetcher = LocalStatusListFetcher()
        for purpose in ("revocation", "suspension"):
            fetcher.register(
                issue_status_list_credential(
                    self.store,
                    self.allocation.list_id,
                    purpose,
                    ISSUER,
                    base=BASE,
                    issuer=ISSUER.controller,
                    clock=CLOCK,
                )
            )
        return fetcher


def test_status_is_checked_whenever_an_entry_is_present() -> None:
    world = StatusWorld()
    vc = signed(credential(credentialStatus=world.entries))
    result = verifier(status_fetcher=world.fetcher()).verify_credential(vc)
    assert result.verified, result.errors
    assert "status" in result.checks
    world.store.set_status(
        world.allocation.list_id,
        world.allocation.index,
        "revocation",
        1,
        actor="test",
        reason="test",
    )
    revoked = verifier(status_fetcher=world.fetcher()).verify_credential(vc)
    assert revoked.codes == (ErrorCode.CREDENTIAL_REVOKED,)


def test_an_unknown_status_list_fails_closed() -> None:
    world = StatusWorld()
    vc = signed(credential(credentialStatus=world.entries))
    result = verifier().verify_credential(vc)
    assert result.codes == (ErrorCode.STATUS_RETRIEVAL_ERROR, ErrorCode.STATUS_RETRIEVAL_ERROR)
    assert result.retryable


def test_an_unreachable_status_list_fails_closed() -> None:
    def unreachable(url: str) -> dict[str, Any]:
        raise OSError("connection refused")

    world = StatusWorld()
    vc = signed(credential(credentialStatus=world.entries[0]))
    result = verifier(status_fetcher=unreachable).verify_credential(vc)
    assert result.codes == (ErrorCode.STATUS_RETRIEVAL_ERROR,)
    assert result.retryable


def test_a_status_list_by_another_issuer_is_refused() -> None:
    world = StatusWorld()
    fetcher = LocalStatusListFetcher()
    fetcher.register(
        issue_status_list_credential(
            world.store,
            world.allocation.list_id,
            "revocation",
            WITNESS,
            base=BASE,
            issuer=WITNESS.controller,
            clock=CLOCK,
        )
    )
    vc = signed(credential(credentialStatus=world.entries[0]))
    result = verifier(status_fetcher=fetcher).verify_credential(vc)
    assert result.codes == (ErrorCode.STATUS_VERIFICATION_ERROR,)


# --------------------------------------------------------------------------- presentations


def presentation(**changes: Any) -> dict[str, Any]:
    vp: dict[str, Any] = {"@context": [V2], "type": ["VerifiablePresentation"]}
    vp.update(changes)
    return vp


def signed_vp(vp: dict[str, Any], signer: Ed25519Signer = HOLDER, **kw: Any) -> dict[str, Any]:
    kw.setdefault("challenge", "c-123")
    kw.setdefault("domain", "https://rp.example")
    return add_proof(vp, signer, proof_purpose="authentication", created=NOW, loader=LOADER, **kw)


def test_a_presentation_without_holder_or_credentials_is_valid() -> None:
    vp = signed_vp(presentation())
    result = verifier().verify_presentation(vp, challenge="c-123", domain="https://rp.example")
    assert result.verified, result.errors
    assert result.credentials == ()
    assert verifier().verify_presentation(vp).verified  # nothing asked, nothing checked


def test_a_presentation_is_verified_against_the_challenge_and_domain_given() -> None:
    vp = signed_vp(presentation())
    v = verifier()
    assert v.verify_presentation(vp, challenge="other").codes == (
        ErrorCode.INVALID_CHALLENGE_ERROR,
    )
    assert v.verify_presentation(vp, domain="https://other.example").codes == (
        ErrorCode.INVALID_DOMAIN_ERROR,
    )


def test_a_named_holder_must_have_signed_the_presentation() -> None:
    vc = signed()
    mine = signed_vp(presentation(holder=HOLDER.controller, verifiableCredential=[vc]))
    result = verifier().verify_presentation(mine, challenge="c-123")
    assert result.verified, result.errors
    assert result.credentials == (vc,)
    spoofed = signed_vp(presentation(holder=HOLDER.controller), signer=WITNESS)
    assert verifier().verify_presentation(spoofed).codes == (ErrorCode.KEY_NOT_AUTHORIZED,)


def test_a_presentation_needs_an_authentication_proof() -> None:
    assert verifier().verify_presentation(presentation()).codes == (
        ErrorCode.PROOF_VERIFICATION_ERROR,
    )
    asserted = signed(presentation(), signer=HOLDER)
    assert verifier().verify_presentation(asserted).codes == (
        ErrorCode.MISMATCHED_PROOF_PURPOSE_ERROR,
    )


def test_every_presented_credential_is_verified_with_its_path() -> None:
    good = signed()
    bad = copy.deepcopy(good)
    bad["validUntil"] = "2028-01-01T00:00:00Z"
    vp = signed_vp(presentation(verifiableCredential=[good, bad]))
    result = verifier().verify_presentation(vp)
    assert result.codes == (ErrorCode.PROOF_VERIFICATION_ERROR,)
    assert result.errors[0].path is not None
    assert result.errors[0].path.startswith("/verifiableCredential/1/proof")
    assert result.credentials == ()


def test_a_presentation_that_is_not_one_is_refused() -> None:
    vp = signed_vp(presentation(type=["VerifiableCredential"]))
    assert verifier().verify_presentation(vp).codes == (ErrorCode.MALFORMED_VALUE_ERROR,)
    assert verifier().verify_presentation(["x"]).codes == (ErrorCode.PARSING_ERROR,)


def test_a_notary_chained_after_the_issuer_covers_the_issuer_proof() -> None:
    issued = signed(proof_id="urn:uuid:issuer")
    notarised = signed(issued, signer=WITNESS, previous_proof="urn:uuid:issuer")
    assert verifier().verify_credential(notarised).verified
    # The issuer's proof is part of what the notary signed: swapping it for another valid
    # issuer proof (another created time) breaks the notary's proof, and only that one.
    reissued = signed(created=NOW - timedelta(hours=2), proof_id="urn:uuid:issuer")
    swapped = copy.deepcopy(notarised)
    swapped["proof"][0] = reissued["proof"]
    result = verifier().verify_credential(swapped)
    assert result.codes == (ErrorCode.PROOF_VERIFICATION_ERROR,)
    assert result.errors[0].path == "/proof/1/proofValue"


@pytest.mark.parametrize(
    "schema",
    [
        {"id": "https://schemas.example/alumni.json", "type": "JsonSchema"},
        {"id": "https://schemas.example/alumni-vc.json", "type": "JsonSchemaCredential"},
    ],
    ids=["unshipped", "other-type"],
)
def test_a_schema_that_cannot_be_applied_is_a_warning_not_a_pass(schema: dict[str, Any]) -> None:
    result = verifier().verify_credential(signed(credential(credentialSchema=schema)))
    assert result.verified, result.errors
    assert [(p.code, p.path) for p in result.warnings] == [
        (ErrorCode.SCHEMA_ERROR, "/credentialSchema")
    ]


def test_the_type_fixes_the_schema_for_the_generic_verifier_too() -> None:
    """An overseas-ID type is held to the shipped ID schema even without a trust list."""
    vc = signed(credential(type=["VerifiableCredential", "OverseasNationalIdCredential"]))
    result = verifier().verify_credential(vc)
    assert result.codes and set(result.codes) == {ErrorCode.MALFORMED_VALUE_ERROR}
    assert "schema" in result.checks
