"""kr_ovid.verifier: policy validation, single-credential verification of both formats, the
order of checks (see the kr_ovid.verifier module docstring), and hostile input that must never raise or verify.

End-to-end presentation scenarios (services, replay, binding) live in tests/scenarios."""

from __future__ import annotations

import copy
import dataclasses
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kr_ovid.clock import FixedClock
from kr_ovid.did import CompositeResolver, LocalDidResolver
from kr_ovid.errors import ConfigurationError, KrOvidError
from kr_ovid.integrity import add_proof
from kr_ovid.keys import Ed25519Signer
from kr_ovid.ovid.issuance import CREDENTIAL_TYPE, Issuer
from kr_ovid.ovid.missions import load_missions
from kr_ovid.ovid.services import GOV24, DisclosedId, age_check
from kr_ovid.problems import ErrorCode
from kr_ovid.status import InMemoryStatusListStore
from kr_ovid.status.check import LocalStatusListFetcher
from kr_ovid.status.publish import issue_status_list_credential
from kr_ovid.trust import Accreditation, TrustListRegistry, create_trust_list
from kr_ovid.verifier import Verifier, VerifierPolicy

from support import sample_claims

MISSIONS = load_missions()
LA = MISSIONS.by_code("us-losangeles")
KEY = Ed25519Signer.from_seed(b"\x07" * 32, verification_method=LA.did + "#key-1")
ROOT = Ed25519Signer.from_seed(b"\x09" * 32)
HOLDER = Ed25519Signer.from_seed(b"\x03" * 32)
NOW = datetime(2026, 3, 1, 1, 0, tzinfo=UTC)
CLOCK = FixedClock(NOW)
BASE = "https://ovid.example/missions/us-losangeles/status"
SECTION_5 = (
    "parse",
    "contexts",
    "structure",
    "proof",
    "trust",
    "validity",
    "status",
    "schema",
    "policy",
)
DOC = {
    "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
    "id": LA.did,
    "verificationMethod": [KEY.public_multikey_document()],
    "assertionMethod": [KEY.verification_method],
    "authentication": [KEY.verification_method],
}
RESOLVER = CompositeResolver({"web": LocalDidResolver([DOC])})
CLAIMS: dict[str, Any] = sample_claims(LA)


class NoTrust:
    """A registry that accredits nobody."""

    def is_accredited(self, issuer_did: str, credential_type: str, at: datetime) -> Accreditation:
        return Accreditation(False, ErrorCode.ISSUER_NOT_ACCREDITED, "not listed")


class World:
    def __init__(self) -> None:
        trust = create_trust_list(
            MISSIONS.to_table(),
            root_signer=ROOT,
            version=1,
            issued=NOW - timedelta(days=1),
            next_update=NOW + timedelta(days=30),
        )
        self.registry = TrustListRegistry.from_trust_list(
            trust, root_did=ROOT.controller, resolver=RESOLVER, now=NOW, clock=CLOCK
        )
        self.store = InMemoryStatusListStore(clock=CLOCK)
        self.issuer = Issuer(LA, KEY, clock=CLOCK, did_document=DOC, status_store=self.store)
        out = self.issuer.issue_id(
            CLAIMS,
            holder=HOLDER.controller,
            holder_jwks=[HOLDER.public.jwk],
            formats=("di", "sd-jwt"),
        )
        assert out.credential is not None
        self.out = out
        self.credential: dict[str, Any] = out.credential
        self.sd_jwt = out.sd_jwts[0].sd_jwt

    def fetcher(self) -> LocalStatusListFetcher:
        fetcher = LocalStatusListFetcher()
        for list_id in self.store.list_ids():
            for purpose in ("revocation", "suspension"):
                fetcher.register(
                    issue_status_list_credential(
                        self.store, list_id, purpose, KEY, base=BASE, issuer=LA.did, clock=CLOCK
                    )
                )
        return fetcher

    def policy(self, **kw: Any) -> VerifierPolicy:
        return GOV24.policy(self.registry, clock=kw.pop("clock", CLOCK), **kw)

    def verifier(self, policy: VerifierPolicy | None = None, **kw: Any) -> Verifier:
        kw.setdefault("status_fetcher", self.fetcher())
        return Verifier(policy or self.policy(), resolver=RESOLVER, **kw)


_WORLD: World | None = None


def world() -> World:
    global _WORLD  # one issued world per module, built lazily
    if _WORLD is None:
        _WORLD = World()
    return _WORLD


@pytest.fixture(scope="module")
def w() -> World:
    return world()


# --------------------------------------------------------------------------- policy


def test_policy_needs_a_trust_registry() -> None:
    with pytest.raises(TypeError):
        VerifierPolicy()  # type: ignore[call-arg]
    with pytest.raises(ConfigurationError, match="trust registry"):
        VerifierPolicy(trust_registry=None)  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="trust registry"):
        VerifierPolicy(trust_registry=object())  # type: ignore[arg-type]


def test_policy_is_keyword_only() -> None:
    with pytest.raises(TypeError):
        VerifierPolicy(NoTrust())  # type: ignore[misc]


def test_policy_is_immutable() -> None:
    policy = VerifierPolicy(trust_registry=NoTrust())
    with pytest.raises(dataclasses.FrozenInstanceError):
        policy.require_status = False  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        policy.trust_registry = NoTrust()  # type: ignore[misc]


def test_policy_freezes_the_collections_it_is_given() -> None:
    required = {"familyName"}
    allowed = {"familyName", "givenName"}
    policy = VerifierPolicy(
        trust_registry=NoTrust(),
        required_claims=required,  # type: ignore[arg-type]
        allowed_claims=allowed,  # type: ignore[arg-type]
        allowed_suites={"eddsa-rdfc-2022"},  # type: ignore[arg-type]
    )
    required.add("birthDate")
    allowed.add("passportNumber")
    assert policy.required_claims == frozenset({"familyName"})
    assert policy.allowed_claims == frozenset({"familyName", "givenName"})
    assert isinstance(policy.allowed_suites, frozenset)


def test_allowed_claims_must_cover_required_ones() -> None:
    with pytest.raises(ConfigurationError, match="birthDate"):
        VerifierPolicy(
            trust_registry=NoTrust(),
            required_claims=frozenset({"familyName", "birthDate"}),
            allowed_claims=frozenset({"familyName"}),
        )
    with pytest.raises(ConfigurationError, match="ageOver19"):
        VerifierPolicy(
            trust_registry=NoTrust(),
            required_true=frozenset({"ageOver19"}),
            allowed_claims=frozenset(),
        )
    VerifierPolicy(
        trust_registry=NoTrust(),
        required_claims=frozenset({"familyName"}),
        allowed_claims=frozenset({"familyName", "givenName"}),
    )


@pytest.mark.parametrize(
    "kw",
    [
        {"allowed_suites": frozenset({"ecdsa-rdfc-2019"})},
        {"allowed_suites": frozenset({"eddsa-rdfc-2022", "bbs-2023"})},
        {"allowed_formats": frozenset()},
        {"allowed_formats": frozenset({"jwt"})},
        {"allowed_formats": frozenset({"di", "mdoc"})},
        {"skew": timedelta(seconds=-1)},
        {"max_presentation_age": timedelta(0)},
    ],
)
def test_bad_policy_options(kw: dict[str, Any]) -> None:
    with pytest.raises(ConfigurationError):
        VerifierPolicy(trust_registry=NoTrust(), **kw)


def test_verifier_needs_a_policy() -> None:
    with pytest.raises(ConfigurationError):
        Verifier({"trust_registry": NoTrust()})  # type: ignore[arg-type]


def test_new_service_is_a_new_policy(w: World) -> None:
    base = w.policy()
    relaxed = dataclasses.replace(base, require_status=False)
    assert base.require_status is True and relaxed.require_status is False


# --------------------------------------------------------------------------- verify_credential


def test_di_credential_verifies(w: World) -> None:
    result = w.verifier().verify_credential(w.credential)
    assert result.verified, result.errors
    assert result.checks == SECTION_5
    assert result.document == w.credential
    assert isinstance(result.claims, DisclosedId)
    assert result.claims["familyName"] == "홍"
    assert "id" not in result.claims and "type" not in result.claims


def test_sd_jwt_credential_verifies_without_key_binding(w: World) -> None:
    result = w.verifier().verify_credential(w.sd_jwt)
    assert result.verified, result.errors
    assert result.document["id"] == w.out.sd_jwts[0].credential_id
    assert "cnf" not in result.document and "iat" not in result.document
    assert result.claims["birthDate"] == "1990-02-28"
    assert result.claims["ageOver19"] is True
    assert set(result.checks) == set(SECTION_5)


def test_sd_jwt_checks_follow_section_5(w: World) -> None:
    """For SD-JWT the credential whose contexts and structure are checked exists only once the
    signature and digests are verified (the disclosures rebuild it), so ``proof`` comes right
    after ``parse``; every later stage keeps the §5 order."""
    checks = w.verifier().verify_credential(w.sd_jwt).checks
    assert checks == (SECTION_5[0], SECTION_5[3], SECTION_5[1], SECTION_5[2], *SECTION_5[4:])


def test_di_checks_stop_after_a_failed_proof(w: World) -> None:
    forged = copy.deepcopy(w.credential)
    forged["credentialSubject"]["familyName"] = "김"
    result = w.verifier().verify_credential(forged)
    assert not result.verified
    assert result.checks == SECTION_5[:4]
    assert result.has_error(ErrorCode.PROOF_VERIFICATION_ERROR)
    assert result.document is None and result.claims is None


def test_di_checks_stop_after_bad_structure(w: World) -> None:
    broken = copy.deepcopy(w.credential)
    broken["@context"] = ["https://www.w3.org/ns/credentials/v2", "https://unknown.example/ctx"]
    result = w.verifier().verify_credential(broken)
    assert not result.verified
    assert result.checks == SECTION_5[:3]
    assert result.has_error(ErrorCode.UNKNOWN_CONTEXT)


def test_untrusted_issuer_still_reports_the_later_stages(w: World) -> None:
    policy = GOV24.policy(NoTrust(), clock=CLOCK)  # type: ignore[arg-type]
    result = w.verifier(policy).verify_credential(w.credential)
    assert not result.verified
    # validity, status and schema still run; the service policy over unverified claims does not
    # (and is not listed as run).
    assert result.checks == SECTION_5[:-1]
    assert result.codes == (ErrorCode.ISSUER_NOT_ACCREDITED,)


def test_all_failures_are_reported(w: World) -> None:
    late = FixedClock(datetime(2031, 6, 1, tzinfo=UTC))
    policy = GOV24.policy(NoTrust(), clock=late)  # type: ignore[arg-type]
    result = w.verifier(policy, status_fetcher=lambda url: {}).verify_credential(w.credential)
    assert not result.verified
    assert result.checks == SECTION_5[:-1]
    assert set(result.codes) >= {
        ErrorCode.ISSUER_NOT_ACCREDITED,
        ErrorCode.VALIDITY_PERIOD_ERROR,
        ErrorCode.STATUS_VERIFICATION_ERROR,
    }


def test_expired_credential(w: World) -> None:
    short = w.issuer.issue_id(
        CLAIMS, holder=HOLDER.controller, valid_until=NOW + timedelta(hours=1)
    )
    later = FixedClock(NOW + timedelta(hours=2))
    result = w.verifier(w.policy(clock=later)).verify_credential(short.credential)
    assert result.codes == (ErrorCode.VALIDITY_PERIOD_ERROR,)


def test_not_yet_valid_credential(w: World) -> None:
    future = w.issuer.issue_id(CLAIMS, valid_from=NOW + timedelta(days=1))
    result = w.verifier(w.policy(require_status=False)).verify_credential(future.credential)
    assert result.codes == (ErrorCode.VALIDITY_PERIOD_ERROR,)


def test_status_unavailable_is_retryable(w: World) -> None:
    result = w.verifier(status_fetcher=None).verify_credential(w.credential)
    assert not result.verified
    assert set(result.codes) == {ErrorCode.STATUS_RETRIEVAL_ERROR}
    assert result.retryable is True


def test_revoked_credential(w: World) -> None:
    store = InMemoryStatusListStore(clock=CLOCK)
    issuer = Issuer(LA, KEY, clock=CLOCK, status_store=store)
    out = issuer.issue_id(CLAIMS, holder_jwks=[HOLDER.public.jwk], formats=("di", "sd-jwt"))
    for allocation in (out.status, out.sd_jwts[0].status):
        assert allocation is not None
        store.set_status(
            allocation.list_id, allocation.index, "revocation", 1, actor="t", reason="r"
        )
    fetcher = LocalStatusListFetcher()
    for purpose in ("revocation", "suspension"):
        fetcher.register(
            issue_status_list_credential(store, 1, purpose, KEY, base=BASE, clock=CLOCK)
        )
    verifier = w.verifier(status_fetcher=fetcher)
    assert verifier.verify_credential(out.credential).codes == (ErrorCode.CREDENTIAL_REVOKED,)
    sd = verifier.verify_credential(out.sd_jwts[0].sd_jwt)
    assert sd.codes == (ErrorCode.CREDENTIAL_REVOKED,)
    assert sd.retryable is False


def test_status_required_by_policy(w: World) -> None:
    plain = Issuer(LA, KEY, clock=CLOCK).issue_id(CLAIMS)
    result = w.verifier().verify_credential(plain.credential)
    assert result.codes == (ErrorCode.STATUS_VERIFICATION_ERROR,)
    relaxed = w.verifier(w.policy(require_status=False)).verify_credential(plain.credential)
    assert relaxed.verified


def test_format_not_allowed(w: World) -> None:
    sd_only = w.verifier(w.policy(allowed_formats=frozenset({"sd-jwt"})))
    result = sd_only.verify_credential(w.credential)
    assert result.codes == (ErrorCode.POLICY_ERROR,)
    di_only = w.verifier(w.policy(allowed_formats=frozenset({"di"})))
    assert di_only.verify_credential(w.sd_jwt).codes == (ErrorCode.POLICY_ERROR,)


def test_suite_not_allowed(w: World) -> None:
    jcs = w.verifier(w.policy(allowed_suites=frozenset({"eddsa-jcs-2022"})))
    result = jcs.verify_credential(w.credential)
    assert not result.verified
    assert result.checks == SECTION_5[:4]


def test_full_sd_jwt_is_over_collection_for_an_age_check(w: World) -> None:
    verifier = w.verifier(age_check(w.registry, clock=CLOCK))
    result = verifier.verify_credential(w.sd_jwt)
    assert not result.verified
    assert set(result.codes) == {ErrorCode.CLAIM_NOT_ALLOWED}
    assert "/credentialSubject/familyName" in {p.path for p in result.errors}
    assert verifier.verify_credential(w.credential).codes == (ErrorCode.POLICY_ERROR,)


def test_required_claims_and_types(w: World) -> None:
    needs_more = w.verifier(w.policy(required_claims=frozenset({"familyName", "favouriteColour"})))
    assert needs_more.verify_credential(w.credential).codes == (ErrorCode.MISSING_CLAIM,)
    other_type = w.verifier(w.policy(accepted_types=frozenset({"DriverLicenceCredential"})))
    assert other_type.verify_credential(w.credential).codes == (ErrorCode.POLICY_ERROR,)
    assert CREDENTIAL_TYPE in w.credential["type"]


def test_claims_view_failure_is_reported(w: World) -> None:
    def broken(subject: Any) -> Any:
        raise KeyError("x")

    result = w.verifier(w.policy(claims_view=broken)).verify_credential(w.credential)
    assert result.codes == (ErrorCode.MALFORMED_VALUE_ERROR,)


# --------------------------------------------------------------------------- hostile input

JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=30),
    lambda kids: (
        st.lists(kids, max_size=5) | st.dictionaries(st.text(max_size=10), kids, max_size=5)
    ),
    max_leaves=25,
)
CREDENTIALISH = st.fixed_dictionaries(
    {},
    optional={
        "@context": st.sampled_from(
            [["https://www.w3.org/ns/credentials/v2", "https://w3id.org/kr-ovid/v1"], [], "x"]
        )
        | JSON,
        "type": st.sampled_from([["VerifiableCredential", CREDENTIAL_TYPE], "x"]) | JSON,
        "issuer": st.sampled_from([LA.did, {"id": LA.did}]) | JSON,
        "credentialSubject": JSON,
        "validFrom": st.sampled_from(["2026-01-01T00:00:00Z"]) | JSON,
        "proof": JSON,
        "credentialStatus": JSON,
        "verifiableCredential": JSON,
        "holder": JSON,
    },
)


def _assert_refused(result: Any) -> None:
    assert not result.verified
    assert result.errors
    assert result.document is None and result.claims is None


@given(st.one_of(JSON, CREDENTIALISH))
def test_random_json_never_raises_or_verifies(value: Any) -> None:
    verifier = world().verifier()
    _assert_refused(verifier.verify_credential(value))
    _assert_refused(verifier.verify_presentation(value, challenge="c", domain="gov24.example"))


@given(st.text(max_size=300))
def test_random_strings_never_raise_or_verify(text: str) -> None:
    verifier = world().verifier()
    _assert_refused(verifier.verify_credential(text))
    _assert_refused(verifier.verify_presentation(text, nonce="n", audience="gov24.example"))


@given(st.data())
def test_mutated_sd_jwt_never_raises_or_verifies(data: st.DataObject) -> None:
    token = world().sd_jwt
    i = data.draw(st.integers(0, len(token) - 1))
    j = data.draw(st.integers(i, min(len(token), i + 40)))
    replacement = data.draw(st.text(alphabet="AZaz09-_.~=", max_size=5))
    mutated = token[:i] + replacement + token[j:]
    if mutated == token:
        return
    result = world().verifier().verify_credential(mutated)
    if result.verified:  # only a change inside a disclosure that was then dropped can survive
        assert len(mutated.split("~")) < len(token.split("~"))
    else:
        assert ErrorCode.INTERNAL_ERROR not in result.codes


def _paths(value: Any, at: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [at]
    if isinstance(value, dict):
        for k, v in value.items():
            out.extend(_paths(v, (*at, k)))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out.extend(_paths(v, (*at, i)))
    return out


_UNSIGNED = {k: v for k, v in world().credential.items() if k != "proof"}
_PATHS = _paths(_UNSIGNED)[1:]


@given(st.sampled_from(_PATHS), JSON)
def test_issuer_signed_hostile_content_never_raises(path: tuple[Any, ...], value: Any) -> None:
    """Content the issuer's key signed but that is malformed still cannot crash a verifier."""
    doc = copy.deepcopy(_UNSIGNED)
    node: Any = doc
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = value
    try:
        signed = add_proof(doc, KEY, created=NOW)
    except KrOvidError:
        signed = {**doc, "proof": world().credential["proof"]}
    result = world().verifier().verify_credential(signed)
    assert ErrorCode.INTERNAL_ERROR not in result.codes
    if result.verified:
        assert result.checks == SECTION_5


def _nested(depth: int, leaf: Any) -> Any:
    for _ in range(depth):
        leaf = {"a": [leaf]}
    return leaf


@pytest.mark.parametrize(
    "value",
    [
        _nested(50_000, None),
        {"credentialSubject": _nested(40, "x")},
        {"x": list(range(200_000))},
        {"x": "a" * 2_000_000},
        {"x": float("nan")},
        {"x": 10**400},
        {1: "non-string key"},
        {"x": b"bytes"},
        {"x": {1, 2}},
        {"x": object()},
        "a" * 5_000_000,
        "~" * 1_000_000,
        "." * 1_000_000,
        "x.y.z~" * 100_000,
        b"bytes",
        None,
        42,
        [world().credential] * 3,
    ],
    ids=lambda v: type(v).__name__,
)
def test_huge_deep_and_odd_inputs(value: Any) -> None:
    verifier = world().verifier()
    _assert_refused(verifier.verify_credential(value))
    _assert_refused(verifier.verify_presentation(value, challenge="c", domain="gov24.example"))


def test_presentation_without_challenge_or_domain_is_refused_not_raised(w: World) -> None:
    verifier = w.verifier()
    for kw in ({}, {"challenge": "c"}, {"domain": "d"}, {"challenge": "", "domain": "d"}):
        result = verifier.verify_presentation(w.credential, **kw)
        assert result.codes == (ErrorCode.CONFIGURATION_ERROR,)
    result = verifier.verify_presentation(w.sd_jwt, nonce=5, audience="a")  # type: ignore[arg-type]
    assert result.codes == (ErrorCode.CONFIGURATION_ERROR,)


def test_credential_is_not_a_presentation(w: World) -> None:
    result = w.verifier().verify_presentation(w.credential, challenge="c", domain="gov24.example")
    _assert_refused(result)
    # An issued SD-JWT without a KB-JWT is not a presentation either.
    result = w.verifier().verify_presentation(w.sd_jwt, nonce="n", audience="gov24.example")
    _assert_refused(result)
    assert result.has_error(ErrorCode.KEY_BINDING_ERROR)


def test_results_cannot_be_truth_tested(w: World) -> None:
    result = w.verifier().verify_credential(w.credential)
    with pytest.raises(TypeError):
        bool(result)


def test_policy_algorithm_allowlist(w: World) -> None:
    """A policy may narrow the JWS algorithms: here only the RFC 9864 name is accepted."""
    strict = GOV24.policy(w.registry, clock=CLOCK, allowed_algorithms=frozenset({"EdDSA"}))
    result = w.verifier(strict).verify_credential(w.sd_jwt)
    assert result.codes == (ErrorCode.CRYPTOGRAPHIC_SECURITY_ERROR,)
    ok = GOV24.policy(w.registry, clock=CLOCK, allowed_algorithms=frozenset({"Ed25519"}))
    assert w.verifier(ok).verify_credential(w.sd_jwt).verified
    with pytest.raises(ConfigurationError):
        GOV24.policy(w.registry, allowed_algorithms=frozenset({"HS256"}))


def test_overseas_id_policy_refuses_a_second_party_proof_a_generic_policy_accepts(
    w: World,
) -> None:
    """``only_issuer_proofs`` (on for the overseas-ID services): every proof must be the
    issuer's assertion. Off, a notary's proof in the set verifies for its own DID, and the
    issuer's proof is still required (VC Data Integrity §4.5 proof sets)."""
    notary = Ed25519Signer.from_seed(b"\x0b" * 32)
    notarised = add_proof(w.credential, notary, created=NOW)
    strict = w.verifier().verify_credential(notarised)
    assert strict.codes == (ErrorCode.KEY_NOT_AUTHORIZED,)
    assert strict.errors[0].path == "/proof/1/verificationMethod"
    lenient = w.verifier(w.policy(only_issuer_proofs=False)).verify_credential(notarised)
    assert lenient.verified, lenient.errors
    notary_only = add_proof(
        {k: v for k, v in w.credential.items() if k != "proof"}, notary, created=NOW
    )
    result = w.verifier(w.policy(only_issuer_proofs=False)).verify_credential(notary_only)
    assert result.codes == (ErrorCode.KEY_NOT_AUTHORIZED,)
    assert result.errors[0].path == "/proof"
