"""Verify what was signed: the three attacks that moved a decision out of the JSON the verifier
reads while the issuer's eddsa-rdfc-2022 signature stayed valid. Each respelling is first shown to
be the *same RDF* (pyld, generic mode, gives byte-identical canonical N-Quads), then shown to be
refused by the verifier with a code.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from kr_ovid.clock import FixedClock
from kr_ovid.did import CompositeResolver, LocalDidResolver
from kr_ovid.errors import CanonicalizationError, KrOvidError
from kr_ovid.jsonld.canon import canonicalize_rdfc
from kr_ovid.jsonld.loader import default_loader
from kr_ovid.keys import Ed25519Signer
from kr_ovid.ovid.issuance import Issuer
from kr_ovid.ovid.missions import load_missions
from kr_ovid.ovid.services import GOV24
from kr_ovid.problems import ErrorCode
from kr_ovid.status import InMemoryStatusListStore
from kr_ovid.status.check import LocalStatusListFetcher
from kr_ovid.status.publish import issue_status_list_credential
from kr_ovid.trust import TrustListRegistry, create_trust_list
from kr_ovid.verifier import Verifier

from support import sample_claims

MISSIONS = load_missions()
LA = MISSIONS.by_code("us-losangeles")
KEY = Ed25519Signer.from_seed(b"\x17" * 32, verification_method=LA.did + "#key-1")
ROOT = Ed25519Signer.from_seed(b"\x19" * 32)
HOLDER = Ed25519Signer.from_seed(b"\x13" * 32)
ISSUED_AT = datetime(2026, 3, 1, 1, 0, tzinfo=UTC)
BASE = "https://ovid.example/missions/us-losangeles/status"
DOC = {
    "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
    "id": LA.did,
    "verificationMethod": [KEY.public_multikey_document()],
    "assertionMethod": [KEY.verification_method],
}
RESOLVER = CompositeResolver({"web": LocalDidResolver([DOC])})
CLAIMS: dict[str, Any] = sample_claims(LA, passportExpiry="2027-05-20")
CRED = "https://www.w3.org/2018/credentials#"
XSD_DATETIME = "http://www.w3.org/2001/XMLSchema#dateTime"


def as_iri_key(document: dict[str, Any], term: str) -> dict[str, Any]:
    """``term: "<dateTime>"`` respelled as its full IRI with a typed value object."""
    out = {k: v for k, v in document.items() if k != term}
    out[CRED + term] = {"@value": document[term], "@type": XSD_DATETIME}
    return out


STATUS = "https://www.w3.org/ns/credentials/status#"


class Deployment:
    """One mission, one issued ID (DI, eddsa-rdfc-2022), revocable through its status store."""

    def __init__(self) -> None:
        clock = FixedClock(ISSUED_AT)
        trust = create_trust_list(
            MISSIONS.trust_rows(),
            root_signer=ROOT,
            version=1,
            issued=ISSUED_AT - timedelta(days=1),
            next_update=ISSUED_AT + timedelta(days=3650),
        )
        self.registry = TrustListRegistry.from_trust_list(
            trust, root_did=ROOT.controller, resolver=RESOLVER, clock=clock
        )
        self.store = InMemoryStatusListStore(clock=clock)
        issuer = Issuer(LA, KEY, clock=clock, did_document=DOC, status_store=self.store)
        out = issuer.issue_id(CLAIMS, holder=HOLDER.controller, formats=("di",))
        assert out.credential is not None
        self.credential: dict[str, Any] = out.credential

    def revoke(self) -> None:
        entry = self.credential["credentialStatus"][0]
        list_id = int(entry["statusListCredential"].rsplit("/", 2)[-2])
        self.store.set_status(
            list_id, int(entry["statusListIndex"]), "revocation", 1, actor="test", reason="test"
        )

    def lists(self, at: datetime) -> list[dict[str, Any]]:
        clock = FixedClock(at)
        return [
            issue_status_list_credential(
                self.store, list_id, purpose, KEY, base=BASE, issuer=LA.did, clock=clock
            )
            for list_id in self.store.list_ids()
            for purpose in ("revocation", "suspension")
        ]

    def verifier(self, at: datetime, lists: list[dict[str, Any]]) -> Verifier:
        fetcher = LocalStatusListFetcher()
        for lst in lists:
            fetcher.register(lst)
        policy = GOV24.policy(self.registry, clock=FixedClock(at))
        return Verifier(policy, resolver=RESOLVER, status_fetcher=fetcher)


def same_rdf(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """pyld (generic mode) as the oracle: do two JSON spellings carry one signed graph?"""
    strip = lambda d: {k: v for k, v in d.items() if k != "proof"}  # noqa: E731
    loader = default_loader()
    return canonicalize_rdfc(strip(a), loader=loader, mode="generic") == canonicalize_rdfc(
        strip(b), loader=loader, mode="generic"
    )


def codes(result: Any) -> set[ErrorCode]:
    return {p.code for p in result.errors}


@pytest.fixture
def dep() -> Deployment:
    return Deployment()


def hide_status_and_schema(credential: dict[str, Any]) -> dict[str, Any]:
    """Attack 1: status entries under another spelling of ``type``, the schema under its IRI."""
    forged = copy.deepcopy(credential)
    forged["credentialStatus"] = [
        {("@type" if k == "type" else k): v for k, v in entry.items()}
        for entry in forged["credentialStatus"]
    ]
    forged[CRED + "credentialSchema"] = forged.pop("credentialSchema")
    return forged


def test_revoked_id_with_respelled_status_and_schema_is_refused(dep: Deployment) -> None:
    now = ISSUED_AT + timedelta(days=2)
    dep.revoke()
    lists = dep.lists(now)
    honest = dep.verifier(now, lists).verify_credential(dep.credential)
    assert not honest.verified and ErrorCode.CREDENTIAL_REVOKED in codes(honest)

    forged = hide_status_and_schema(dep.credential)
    assert same_rdf(dep.credential, forged)  # the issuer's signature still covers it
    result = dep.verifier(now, lists).verify_credential(forged)
    assert not result.verified
    assert ErrorCode.MALFORMED_VALUE_ERROR in codes(result)
    # The data model's own MUST (a status entry names its type, VC DM 2.0 §4.10) refuses the
    # respelled entry first; the strict form would refuse its "@type" key next.
    assert result.errors[0].path == "/credentialStatus/0/type"


def test_expired_id_with_respelled_valid_until_is_refused(dep: Deployment) -> None:
    expiry = datetime.fromisoformat(dep.credential["validUntil"].replace("Z", "+00:00"))
    later = expiry + timedelta(days=1)
    lists = dep.lists(later)
    honest = dep.verifier(later, lists).verify_credential(dep.credential)
    assert ErrorCode.VALIDITY_PERIOD_ERROR in codes(honest)

    for forged in (
        as_iri_key(dep.credential, "validUntil"),
        {
            **{k: v for k, v in dep.credential.items() if k != "validUntil"},
            "validUntil": {
                "@value": dep.credential["validUntil"],
                "@type": "http://www.w3.org/2001/XMLSchema#dateTime",
            },
        },
    ):
        assert same_rdf(dep.credential, forged)
        result = dep.verifier(later, lists).verify_credential(forged)
        assert not result.verified
        assert codes(result) <= {
            ErrorCode.MALFORMED_VALUE_ERROR,
            ErrorCode.PROOF_VERIFICATION_ERROR,
        }
        assert codes(result)


def test_stale_status_list_with_respelled_valid_until_is_refused(dep: Deployment) -> None:
    """Attack 3: a list signed before the revocation, replayed after it expired."""
    old_lists = dep.lists(ISSUED_AT)
    replay_at = ISSUED_AT + timedelta(days=60)
    dep.revoke()
    stale = old_lists[0]
    assert "revocation" in stale["id"]
    honest = dep.verifier(replay_at, old_lists).verify_credential(dep.credential)
    assert not honest.verified and ErrorCode.STATUS_VERIFICATION_ERROR in codes(honest)

    respelled = as_iri_key(stale, "validUntil")
    assert same_rdf(stale, respelled)
    result = dep.verifier(replay_at, [respelled, *old_lists[1:]]).verify_credential(dep.credential)
    assert not result.verified
    assert ErrorCode.STATUS_VERIFICATION_ERROR in codes(result)


@pytest.mark.parametrize("suite", ["eddsa-rdfc-2022", "eddsa-jcs-2022"])
def test_strict_form_refuses_before_any_signature_work(suite: str) -> None:
    """The shape is checked before the DID is resolved: a resolver that raises is never reached."""
    from kr_ovid.integrity import add_proof, verify_proof

    class Unreachable:
        def resolve(self, did: str) -> Any:
            raise AssertionError("resolved a DID for a document that is not in the strict form")

    cred = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "issuer": HOLDER.controller,
        "credentialSubject": {"id": "did:example:x"},
    }
    signed = add_proof(cred, HOLDER, cryptosuite=suite, created=ISSUED_AT)
    signed[CRED + "validUntil"] = "2020-01-01T00:00:00Z"
    result = verify_proof(signed, resolver=Unreachable(), clock=FixedClock(ISSUED_AT))  # type: ignore[arg-type]
    assert not result.verified
    assert codes(result) == {ErrorCode.MALFORMED_VALUE_ERROR}
    with pytest.raises(CanonicalizationError):
        canonicalize_rdfc(
            {k: v for k, v in signed.items() if k != "proof"}, loader=default_loader()
        )


def test_required_schema_cannot_be_switched_off(dep: Deployment) -> None:
    """The overseas-ID type fixes its schema: dropping credentialSchema changes nothing."""
    now = ISSUED_AT + timedelta(days=1)
    verifier = dep.verifier(now, dep.lists(now))
    assert verifier.verify_credential(dep.credential).verified
    policy = verifier.policy
    assert policy.required_schemas["OverseasNationalIdCredential"].endswith(
        "overseas-national-id.json"
    )


def test_jcs_proof_context_removed_or_cut_does_not_verify() -> None:
    """vc-di-eddsa §3.3.2: the proof's own @context is what was hashed."""
    from kr_ovid.integrity import add_proof, verify_proof
    from kr_ovid.jsonld.loader import default_loader as loader

    cred = {
        "@context": ["https://www.w3.org/ns/credentials/v2", "https://w3id.org/kr-ovid/v1"],
        "type": ["VerifiableCredential"],
        "issuer": HOLDER.controller,
        "credentialSubject": {"id": "did:example:x", "nationality": "KR"},
    }
    signed = add_proof(cred, HOLDER, cryptosuite="eddsa-jcs-2022", created=ISSUED_AT)
    assert verify_proof(signed, clock=FixedClock(ISSUED_AT), loader=loader()).verified
    for proof_context in (None, ["https://www.w3.org/ns/credentials/v2"]):
        tampered = copy.deepcopy(signed)
        if proof_context is None:
            del tampered["proof"]["@context"]
        else:
            tampered["proof"]["@context"] = proof_context
        result = verify_proof(tampered, clock=FixedClock(ISSUED_AT))
        assert not result.verified, proof_context


def test_jcs_document_context_extended_after_signing_still_verifies() -> None:
    from kr_ovid.integrity import add_proof, verify_proof

    cred = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "issuer": HOLDER.controller,
        "credentialSubject": {"id": "did:example:x"},
    }
    signed = add_proof(cred, HOLDER, cryptosuite="eddsa-jcs-2022", created=ISSUED_AT)
    signed["@context"] = [*signed["@context"], "https://w3id.org/kr-ovid/v1"]
    result = verify_proof(signed, clock=FixedClock(ISSUED_AT))
    assert result.verified, result.errors


# --------------------------------------------------------------------------- never raises
class Boom(RuntimeError):
    pass


class RaisingRegistry:
    def is_accredited(self, issuer_did: str, credential_type: str, at: datetime) -> Any:
        raise Boom("registry down")


class RaisingResolver:
    def resolve(self, did: str) -> Any:
        raise Boom("resolver down")


def raising_fetcher(url: str) -> Any:
    raise Boom("fetcher down")


def raising_view(subject: Any) -> Any:
    raise Boom("view broken")


def _verifier(dep: Deployment, at: datetime, **policy: Any) -> Verifier:
    fetcher = policy.pop("fetcher", None)
    resolver = policy.pop("resolver", RESOLVER)
    registry = policy.pop("registry", dep.registry)
    if fetcher is None:
        local = LocalStatusListFetcher()
        for lst in dep.lists(at):
            local.register(lst)
        fetcher = local
    pol = GOV24.policy(registry, clock=FixedClock(at), **policy)
    return Verifier(pol, resolver=resolver, status_fetcher=fetcher)


@pytest.mark.parametrize(
    "part",
    [
        {"registry": RaisingRegistry()},
        {"resolver": RaisingResolver()},
        {"fetcher": raising_fetcher},
        {"claims_view": raising_view},
    ],
    ids=["trust-registry", "did-resolver", "status-fetcher", "claims-view"],
)
def test_an_injected_part_that_raises_is_a_coded_failure(
    dep: Deployment, part: dict[str, Any]
) -> None:
    at = ISSUED_AT + timedelta(days=1)
    verifier = _verifier(dep, at, **part)
    result = verifier.verify_credential(dep.credential)  # must not raise
    assert not result.verified
    assert result.errors
    if "claims_view" not in part:
        assert result.retryable
    wallet_vp = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiablePresentation"],
    }
    result = verifier.verify_presentation(wallet_vp, challenge="c", domain="d")
    assert not result.verified


def test_a_present_status_entry_is_checked_even_when_not_required(dep: Deployment) -> None:
    at = ISSUED_AT + timedelta(days=1)
    dep.revoke()
    result = _verifier(dep, at, require_status=False).verify_credential(dep.credential)
    assert not result.verified
    assert ErrorCode.CREDENTIAL_REVOKED in codes(result)
    assert "status" in result.checks


def test_a_stage_that_did_not_run_is_not_listed(dep: Deployment) -> None:
    at = ISSUED_AT + timedelta(days=1)
    no_store = Issuer(LA, KEY, clock=FixedClock(ISSUED_AT), did_document=DOC)
    issued = no_store.issue_id(CLAIMS, holder=HOLDER.controller, formats=("di",)).credential
    assert issued is not None and "credentialStatus" not in issued
    result = _verifier(dep, at, require_status=False).verify_credential(issued)
    assert result.verified, result.errors
    assert "status" not in result.checks
    required = _verifier(dep, at).verify_credential(issued)
    assert not required.verified and "status" in required.checks


# --------------------------------------------------------------------------------------------- context
def test_the_verifier_hands_one_context_down(dep: Deployment) -> None:
    from kr_ovid.context import VerificationContext
    from kr_ovid.integrity import verify_proof
    from kr_ovid.status.check import StatusChecker

    at = ISSUED_AT + timedelta(days=1)
    verifier = _verifier(dep, at)
    context = verifier.context
    assert isinstance(context, VerificationContext)
    assert context.allowed_suites == verifier.policy.allowed_suites
    assert context.limits is verifier.policy.jsonld_limits
    assert verify_proof(dep.credential, context=context.at(at)).verified
    # One source of truth: a context and loose parts together are a coded caller error.
    mixed = verify_proof(dep.credential, context=context.at(at), resolver=RESOLVER)
    assert mixed.codes == (ErrorCode.CONFIGURATION_ERROR,)
    with pytest.raises(KrOvidError):
        StatusChecker(context=context, resolver=RESOLVER)
    narrow = context.narrowed({"eddsa-jcs-2022"})
    refused = verify_proof(dep.credential, context=narrow.at(at))
    assert refused.codes == (ErrorCode.UNSUPPORTED_CRYPTOSUITE,)
    with pytest.raises(KrOvidError):
        VerificationContext(allowed_suites=frozenset({"no-such-suite"}))


def test_a_verified_presentation_lists_its_credentials_typed(dep: Deployment) -> None:
    from kr_ovid.holder import Holder

    at = ISSUED_AT + timedelta(days=1)
    vp = Holder(HOLDER, clock=FixedClock(at)).present(
        [dep.credential], challenge="c-1", domain="https://gov24.example"
    )
    verifier = _verifier(dep, at)
    result = verifier.verify_presentation(vp, challenge="c-1", domain="https://gov24.example")
    assert result.verified, result.errors
    assert result.credentials == (dep.credential,)
    refused = verifier.verify_presentation(vp, challenge="other", domain="https://gov24.example")
    assert not refused.verified and refused.credentials == ()


def generic_expanded(dep: Deployment, at: datetime, lists: list[dict[str, Any]]) -> Any:
    """GenericVerifier(jsonld="expanded"): reads a respelled document on its pinned view."""
    from kr_ovid import GenericVerifier, VerificationContext

    fetcher = LocalStatusListFetcher()
    for lst in lists:
        fetcher.register(lst)
    context = VerificationContext(resolver=RESOLVER, clock=FixedClock(at))
    return GenericVerifier(context=context, status_fetcher=fetcher, jsonld="expanded")


def test_expanded_form_decides_the_respelled_attacks_from_the_signed_meaning(
    dep: Deployment,
) -> None:
    """The three attacks against the opt-in expanded form: the respelled status is checked (the
    revoked ID is refused as revoked), the respelled validUntil is read (the expired ID expires),
    and a respelled status list is still read strictly (refused)."""
    now = ISSUED_AT + timedelta(days=2)
    dep.revoke()
    lists = dep.lists(now)
    forged = hide_status_and_schema(dep.credential)
    result = generic_expanded(dep, now, lists).verify_credential(forged)
    assert codes(result) == {ErrorCode.CREDENTIAL_REVOKED}

    fresh = Deployment()
    expiry = datetime.fromisoformat(fresh.credential["validUntil"].replace("Z", "+00:00"))
    later = expiry + timedelta(days=1)
    expired = as_iri_key(fresh.credential, "validUntil")
    result = generic_expanded(fresh, later, fresh.lists(later)).verify_credential(expired)
    assert codes(result) == {ErrorCode.VALIDITY_PERIOD_ERROR}
    # Before expiry the same respelled document is the issuer's, and it verifies.
    assert generic_expanded(fresh, now, fresh.lists(now)).verify_credential(expired).verified

    old_lists = fresh.lists(ISSUED_AT)
    replay_at = ISSUED_AT + timedelta(days=60)
    fresh.revoke()
    stale = as_iri_key(old_lists[0], "validUntil")
    result = generic_expanded(fresh, replay_at, [stale, *old_lists[1:]]).verify_credential(
        fresh.credential
    )
    assert ErrorCode.STATUS_VERIFICATION_ERROR in codes(result)
