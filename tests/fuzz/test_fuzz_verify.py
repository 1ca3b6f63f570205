"""Fuzz the verifying entry points: ``integrity.verify_proof``, ``Verifier.verify_credential``
/ ``verify_presentation`` (a Verifier under the GOV24 login policy, a trust list, status lists)
and ``GenericVerifier.verify_credential`` / ``verify_presentation`` (no trust list, no policy).

They never raise, never fall back to ``INTERNAL_ERROR`` (their safety net for an unforeseen
exception), and never verify garbage or a changed document. A changed Data Integrity document
may verify only if it states the same facts (:func:`fuzzkit.di_legit`: the same RDF, e.g. a
member of a node described twice dropped from one place, or a proof dropped from a proof set);
an SD-JWT only as issued minus some disclosures, an SD-JWT+KB only unchanged.

Past the signature, the issuer's key signs hostile content (a mutated credential, SD-JWT
payload or status list re-signed with the mission key), so that the later stages (trust,
validity, status, schema, policy) see hostile input too; and a holder (or a thief with a
did:key of their own) signs hostile presentations around the credential.
"""

from __future__ import annotations

import copy
import functools
import json
from typing import Any

from fuzzkit import (
    ANY_VALUE,
    CHALLENGE,
    DI_VECTORS,
    DOMAIN,
    NOW,
    assert_refused_or_legit,
    b64url,
    di_legit,
    encoded_lists,
    load_json,
    mutated_json,
    mutated_text,
    sd_jwt_subset,
    seeds,
    token_text,
    with_new_disclosures,
)
from hypothesis import example, given
from hypothesis import strategies as st
from test_fuzz_sdjwt import DISCLOSURES, HEADER, ISSUED, PAYLOAD, PRESENTED, sd_jwt_texts

from kr_ovid.clock import FixedClock, parse_datetime_stamp
from kr_ovid.context import VerificationContext
from kr_ovid.errors import KrOvidError
from kr_ovid.generic_verifier import GenericVerifier
from kr_ovid.integrity import add_proof, verify_proof
from kr_ovid.keys import Ed25519Signer
from kr_ovid.presentation import unwrap_enveloped
from kr_ovid.sdjwt.disclosure import sd_hash
from kr_ovid.sdjwt.jws import sign_compact_jws
from kr_ovid.verifier import Verifier

from support import vector_loader

SECTION_5 = ("trust", "validity", "status", "schema", "policy")


@functools.cache
def verifier() -> Verifier:
    return seeds().verifier()


# --------------------------------------------------------------------------- verify_proof


VECTOR_DOCS = [load_json(p) for p in DI_VECTORS]
LOADER = vector_loader()


def _created_max(doc: dict[str, Any]) -> Any:
    proofs = doc["proof"] if isinstance(doc["proof"], list) else [doc["proof"]]
    return max(parse_datetime_stamp(p["created"]) for p in proofs)


# (seed document, verify_proof keyword arguments)
PROOF_SEEDS: list[tuple[dict[str, Any], dict[str, Any]]] = [
    (seeds().credential, {"resolver": seeds().resolver, "clock": FixedClock(NOW)}),
    (
        seeds().vp,
        {
            "resolver": seeds().resolver,
            "clock": FixedClock(NOW),
            "proof_purpose": "authentication",
            "challenge": CHALLENGE,
            "domain": DOMAIN,
        },
    ),
    *((doc, {"loader": LOADER, "clock": FixedClock(_created_max(doc))}) for doc in VECTOR_DOCS),
]


def test_proof_seeds_verify() -> None:
    """The oracle below is only as good as its seeds: each one verifies unchanged."""
    for doc, kw in PROOF_SEEDS:
        assert verify_proof(doc, **kw).verified


@given(
    st.integers(0, len(PROOF_SEEDS) - 1).flatmap(
        lambda i: st.tuples(st.just(i), mutated_json(PROOF_SEEDS[i][0]))
    )
)
def test_fuzz_verify_proof_mutated(case: tuple[int, Any]) -> None:
    index, doc = case
    seed, kw = PROOF_SEEDS[index]
    result = verify_proof(doc, **kw)
    # verify_proof is the spec layer: any JSON with the signed RDF verifies (one_or_more=None).
    assert_refused_or_legit(result, di_legit(doc, seed, None), "verify_proof")


@given(ANY_VALUE, st.integers(0, len(PROOF_SEEDS) - 1))
def test_fuzz_verify_proof_garbage(doc: Any, index: int) -> None:
    result = verify_proof(doc, **PROOF_SEEDS[index][1])
    assert_refused_or_legit(result, False, "verify_proof")


# --------------------------------------------------------------------------- Verifier

credential_inputs = (
    mutated_json(seeds().credential).map(lambda d: ("di", d))
    | sd_jwt_texts.map(lambda t: ("sd-jwt", t))
    | (ANY_VALUE | token_text).map(lambda v: ("garbage", v))
)


@given(credential_inputs)
def test_fuzz_verify_credential(case: tuple[str, Any]) -> None:
    kind, value = case
    result = verifier().verify_credential(value)
    if kind == "di":
        legit = di_legit(value, seeds().credential)
    elif kind == "sd-jwt":
        legit = sd_jwt_subset(value, ISSUED) or value == PRESENTED
    else:
        legit = False
    assert_refused_or_legit(result, legit, "verify_credential")


presentation_inputs = (
    mutated_json(seeds().vp).map(lambda d: ("vp", d))
    | mutated_json(seeds().vp_enveloped).map(lambda d: ("vp-enveloped", d))
    | st.sampled_from([PRESENTED])
    .flatmap(lambda t: mutated_text(t) | sd_jwt_texts)
    .map(lambda t: ("sd-jwt", t))
    | (ANY_VALUE | token_text).map(lambda v: ("garbage", v))
)


def _vp_with_challenge(challenge: str) -> dict[str, Any]:
    vp = copy.deepcopy(seeds().vp)
    vp["proof"]["challenge"] = challenge
    return vp


@given(presentation_inputs, st.sampled_from(["challenge", "nonce"]))
# Found here, fixed in d76dbe3: a lone surrogate in proof.challenge made the comparison raise
# UnicodeEncodeError, reported as a retryable INTERNAL_ERROR.
@example(("vp", _vp_with_challenge("\ud800" + CHALLENGE)), "challenge")
def test_fuzz_verify_presentation(case: tuple[str, Any], alias: str) -> None:
    kind, value = case
    names = ("challenge", "domain") if alias == "challenge" else ("nonce", "audience")
    result = verifier().verify_presentation(
        value, **dict(zip(names, (CHALLENGE, DOMAIN), strict=True))
    )
    if kind == "vp":
        legit = di_legit(value, seeds().vp)
    elif kind == "vp-enveloped":
        legit = di_legit(value, seeds().vp_enveloped)
    elif kind == "sd-jwt":
        legit = value == PRESENTED
    else:
        legit = False
    assert_refused_or_legit(result, legit, "verify_presentation")


# --------------------------------------------------------------------------- GenericVerifier


@functools.cache
def generic() -> GenericVerifier:
    return GenericVerifier(
        context=VerificationContext(resolver=seeds().resolver, clock=FixedClock(NOW)),
        status_fetcher=seeds().fetcher,
    )


def test_generic_seeds_verify() -> None:
    assert generic().verify_credential(seeds().credential).verified
    assert generic().verify_presentation(seeds().vp, challenge=CHALLENGE, domain=DOMAIN).verified


@given(
    mutated_json(seeds().credential).map(lambda d: ("di", d))
    | (ANY_VALUE | token_text).map(lambda v: ("garbage", v))
)
def test_fuzz_generic_verify_credential(case: tuple[str, Any]) -> None:
    kind, value = case
    result = generic().verify_credential(value)
    legit = kind == "di" and di_legit(value, seeds().credential)
    assert_refused_or_legit(result, legit, "GenericVerifier.verify_credential")


@given(
    mutated_json(seeds().vp).map(lambda d: ("vp", d))
    | (ANY_VALUE | token_text).map(lambda v: ("garbage", v)),
    st.booleans(),
)
def test_fuzz_generic_verify_presentation(case: tuple[str, Any], bound: bool) -> None:
    kind, value = case
    expected = {"challenge": CHALLENGE, "domain": DOMAIN} if bound else {}
    result = generic().verify_presentation(value, **expected)
    legit = kind == "vp" and di_legit(value, seeds().vp)
    assert_refused_or_legit(result, legit, "GenericVerifier.verify_presentation")


# --------------------------------------------------------------------------- issuer-signed hostile content


def _assert_coded(result: Any, what: str) -> None:
    assert_refused_or_legit(result, True, what)
    if result.verified:  # nothing was skipped on the way to "verified"
        assert set(SECTION_5) <= set(result.checks), result.checks


UNSIGNED = {k: v for k, v in seeds().credential.items() if k != "proof"}


@given(mutated_json(UNSIGNED))
def test_fuzz_verify_issuer_signed_credential(doc: Any) -> None:
    try:
        signed = add_proof(doc, seeds().key, created=NOW)
    except KrOvidError:  # not signable in the strict form: the proof of the original then
        signed = {**doc, "proof": seeds().credential["proof"]} if isinstance(doc, dict) else doc
    _assert_coded(verifier().verify_credential(signed), "verify_credential (issuer-signed)")
    assert_refused_or_legit(
        generic().verify_credential(signed), True, "GenericVerifier (issuer-signed)"
    )


@functools.cache
def expanded() -> GenericVerifier:
    """The opt-in expanded form (inline contexts, decided on the pinned view)."""
    return GenericVerifier(
        context=VerificationContext(resolver=seeds().resolver, clock=FixedClock(NOW)),
        status_fetcher=seeds().fetcher,
        jsonld="expanded",
    )


INLINE = {
    **UNSIGNED,
    "@context": [*UNSIGNED["@context"], {"ExampleNote": "https://example.org/#note"}],
    "ExampleNote": "issuer-defined",
}


@given(mutated_json(INLINE) | mutated_json(UNSIGNED))
def test_fuzz_expanded_issuer_signed_credential(doc: Any) -> None:
    """Issuer-signed hostile content with inline contexts (signed by pyld in safe mode): the
    expanded verifier answers with codes, never a crash; what verifies, the issuer signed."""
    try:
        signed = add_proof(doc, seeds().key, created=NOW, mode="generic")
    except KrOvidError:
        signed = {**doc, "proof": seeds().credential["proof"]} if isinstance(doc, dict) else doc
    assert_refused_or_legit(
        expanded().verify_credential(signed), True, "GenericVerifier(expanded) (issuer-signed)"
    )


@given(
    mutated_json(seeds().credential).map(lambda d: ("di", d))
    | (ANY_VALUE | token_text).map(lambda v: ("garbage", v))
)
def test_fuzz_expanded_verify_credential(case: tuple[str, Any]) -> None:
    kind, value = case
    result = expanded().verify_credential(value)
    if kind == "garbage":
        assert_refused_or_legit(result, False, "GenericVerifier(expanded).verify_credential")
    else:  # another spelling of the seed's RDF may verify here: only the contract is checked
        assert_refused_or_legit(result, True, "GenericVerifier(expanded).verify_credential")


def _json_bytes(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, allow_nan=True).encode("utf-8", "surrogatepass")


def _holder_kb_jwt(claims: Any) -> str:
    """A KB-JWT the holder's key signs over any claims (sign_compact_jws refuses non-JSON)."""
    head = b64url(_json_bytes({"alg": "Ed25519", "typ": "kb+jwt"})) + "."
    signing_input = head + b64url(_json_bytes(claims))
    return signing_input + "." + b64url(seeds().holder.sign(signing_input.encode("ascii")))


KB_CLAIMS = {"iat": int(NOW.timestamp()), "aud": DOMAIN, "nonce": CHALLENGE, "sd_hash": ""}


@given(
    (mutated_json(PAYLOAD) | st.just(PAYLOAD)).flatmap(
        lambda p: st.tuples(st.just(p), st.just([])) | with_new_disclosures(p)
    ),
    st.lists(st.sampled_from(DISCLOSURES), unique=True),
    st.none() | st.just(KB_CLAIMS) | mutated_json(KB_CLAIMS),
)
# Found here, fixed in d76dbe3: a lone surrogate in the KB-JWT nonce (the comparison encoded it).
@example((PAYLOAD, []), DISCLOSURES[:4], {**KB_CLAIMS, "nonce": "\ud800" + CHALLENGE})
def test_fuzz_verify_issuer_signed_sd_jwt(
    planted: tuple[Any, list[str]], kept: list[str], kb_claims: Any
) -> None:
    """The issuer signs a hostile payload, the holder a hostile KB-JWT (``None``: no KB-JWT)."""
    payload, new = planted
    header = {k: v for k, v in HEADER.items() if k != "alg"}
    jws = sign_compact_jws(_json_bytes(payload), seeds().key, header=header)
    presented = jws + "~" + "".join(d + "~" for d in [*kept, *new])
    v = verifier()
    if kb_claims is None:
        result = v.verify_credential(presented)
    else:
        if isinstance(kb_claims, dict) and kb_claims.get("sd_hash") == "":
            kb_claims = {**kb_claims, "sd_hash": sd_hash(presented)}
        kb = _holder_kb_jwt(kb_claims)
        result = v.verify_presentation(presented + kb, nonce=CHALLENGE, audience=DOMAIN)
    _assert_coded(result, "Verifier (issuer-signed SD-JWT)")


STATUS_LIST = seeds().status_list_credential
STATUS_URL = STATUS_LIST["id"]


@st.composite
def hostile_status_lists(draw: st.DrawFn) -> dict[str, Any]:
    doc = {k: v for k, v in STATUS_LIST.items() if k != "proof"}
    if draw(st.booleans()):
        doc = copy.deepcopy(doc)
        encoded, size = draw(encoded_lists())
        doc["credentialSubject"]["encodedList"] = encoded
        if size != 1 or draw(st.booleans()):
            doc["credentialSubject"]["statusSize"] = size
    if draw(st.booleans()):
        doc = draw(mutated_json(doc))
    return doc


@given(hostile_status_lists(), st.booleans())
def test_fuzz_verify_with_issuer_signed_status_list(doc: Any, sd_jwt: bool) -> None:
    try:
        signed = add_proof(doc, seeds().key, created=NOW)
    except KrOvidError:
        signed = {**doc, "proof": STATUS_LIST["proof"]} if isinstance(doc, dict) else doc

    def fetch(url: str) -> Any:
        return signed if url == STATUS_URL else seeds().fetcher(url)

    v = seeds().verifier()
    v = Verifier(v.policy, resolver=seeds().resolver, status_fetcher=fetch)
    result = v.verify_credential(ISSUED if sd_jwt else seeds().credential)
    _assert_coded(result, "Verifier (issuer-signed status list)")


ATTACKER = Ed25519Signer.from_seed(b"\x66" * 32)
VP_UNSIGNED = [
    {k: v for k, v in seeds().vp.items() if k != "proof"},
    {k: v for k, v in seeds().vp_enveloped.items() if k != "proof"},
]


def _credentials_legit(vp: Any) -> bool:
    """Whether every credential a presentation carries is one the issuer signed (unchanged, or
    for an SD-JWT with fewer disclosures)."""
    raw = vp.get("verifiableCredential") if isinstance(vp, dict) else None
    items = raw if isinstance(raw, list) else [raw]
    for item in items:
        sd_jwt = unwrap_enveloped(item)
        if not (di_legit(item, seeds().credential) or sd_jwt_subset(sd_jwt, ISSUED)):
            return False
    return True


@given(st.sampled_from(VP_UNSIGNED).flatmap(mutated_json), st.booleans())
def test_fuzz_verify_holder_signed_presentation(vp: Any, attacker: bool) -> None:
    """A holder signs whatever it likes: its presentation verifies only around credentials the
    issuer signed, and one signed by another key (a thief's did:key) never verifies."""
    signer = ATTACKER if attacker else seeds().holder
    if attacker and isinstance(vp, dict):
        vp = {**vp, "holder": ATTACKER.controller}
    try:
        signed = add_proof(
            vp,
            signer,
            proof_purpose="authentication",
            challenge=CHALLENGE,
            domain=DOMAIN,
            created=NOW,
        )
    except KrOvidError:
        return  # not in the strict form: nothing a holder could sign
    result = verifier().verify_presentation(signed, challenge=CHALLENGE, domain=DOMAIN)
    assert_refused_or_legit(
        result, not attacker and _credentials_legit(vp), "verify_presentation (holder-signed)"
    )
