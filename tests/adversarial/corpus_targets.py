"""Targets of the attack corpus and the runner.

A :class:`Target` is one valid instance seen through one entry point: the value, how to verify
it (never letting an exception escape unnoticed), which generators mutate it, how the target
re-labels their expectations, what it does to a mutated value before verifying it (a holder
re-signing a presentation), and what an *accepted* mutation must still satisfy (its oracle).

Instances: Data Integrity credentials (eddsa-rdfc-2022, eddsa-jcs-2022), Data Integrity
presentations, SD-JWT credentials and SD-JWT+KB presentations, status list credentials, the
trust list and the mission's DID document. Domain generators below add what the generic JSON
and token generators of :mod:`corpus_mutations` cannot know: proof members and proof sets,
JWS headers, SD-JWT digests and disclosures, Key Binding JWTs, status bits, trust entries,
DID keys.
"""

from __future__ import annotations

import copy
import functools
import gzip
import json
import os
import random
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import corpus_world as cw
from corpus_mutations import (
    JSON_GENERATORS,
    TOKEN_GENERATORS,
    Expect,
    Generator,
    Mutation,
    Traits,
    b64url,
    b64url_decode,
    changed_scalar,
    fingerprint,
    get_at,
    pointer,
)

from kr_ovid.clock import FixedClock
from kr_ovid.did import CompositeResolver, LocalDidResolver
from kr_ovid.did.web import WebDidResolver
from kr_ovid.errors import KrOvidError
from kr_ovid.holder import Holder
from kr_ovid.integrity import add_proof, verify_proof
from kr_ovid.jsonld.canon import canonicalize_rdfc
from kr_ovid.jsonld.loader import default_loader
from kr_ovid.presentation import SD_JWT_DATA_PREFIX, enveloped_credential, unwrap_enveloped
from kr_ovid.sdjwt.holder import create_kb_jwt
from kr_ovid.sdjwt.verifier import verify_sd_jwt
from kr_ovid.status.bitstring import decode_list, encode_list
from kr_ovid.status.check import LocalStatusListFetcher
from kr_ovid.trust import TrustListRegistry, verify_trust_list

# --------------------------------------------------------------------------------------------
# Outcomes and targets
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    verified: bool
    codes: tuple[str, ...]
    raised: str | None = None  # an exception escaped the entry point
    result: Any = None


def _result(res: Any) -> Outcome:
    return Outcome(res.verified is True, tuple(c.value for c in res.codes), None, res)


def _refused(exc: KrOvidError) -> Outcome:
    result = getattr(exc, "result", None)
    codes = tuple(c.value for c in result.codes) if result is not None else ()
    return Outcome(False, codes or (exc.code.value,), None, None)


#: (generator, mutation, the value verified, outcome) -> why the acceptance is wrong, or None.
Oracle = Callable[[str, Mutation, Any, Outcome], str | None]


@dataclass
class Target:
    instance: str  # what was mutated, e.g. "di-rdfc"
    entry: str  # the entry point, e.g. "Verifier.verify_credential"
    base: Any
    verify: Callable[[Any], Outcome]
    generators: dict[str, Generator]
    traits: Traits
    relabel: Callable[[str, Mutation], Mutation] | None = None
    prepare: Callable[[str, Mutation], Any] | None = None
    oracle: Oracle | None = None
    #: A FAIL case that verified anyway may still be no false accept: the signed content is
    #: unchanged (and the oracle holds), or the mutated DID document really authorises the key.
    #: Returns why, or None. Excused cases are counted and shown in the summary.
    excuse: Oracle | None = None

    @property
    def name(self) -> str:
        return f"{self.instance} via {self.entry}"


# --------------------------------------------------------------------------------------------
# Oracles: what an accepted mutation must still satisfy
# --------------------------------------------------------------------------------------------


def proofs_of(doc: Any) -> list[Any]:
    proof = doc.get("proof") if isinstance(doc, dict) else None
    return proof if isinstance(proof, list) else [proof] if proof is not None else []


def _canonical(doc: Any) -> str | None:
    """pyld (generic mode) as the independent oracle of an RDF graph."""
    try:
        return canonicalize_rdfc(doc, loader=default_loader(), mode="generic")
    except Exception:  # noqa: BLE001 — an oracle that cannot read it says "not the same"
        return None


def rdf_of(doc: Any) -> str | None:
    return _canonical(cw.unsigned(doc)) if isinstance(doc, dict) else None


def jcs_view(doc: Any) -> str:
    """What eddsa-jcs-2022 signed: the JSON (members sorted) under the proof's own context."""
    body = cw.unsigned(doc) if isinstance(doc, dict) else {}
    for p in proofs_of(doc):
        if isinstance(p, dict) and "@context" in p:
            body["@context"] = p["@context"]
            break
    return cw.dumps(body)


def _proof_configs(doc: Any, suite: str) -> frozenset[str | None]:
    """The signed proof options: RDF under the document's contexts (rdfc) or sorted JSON (jcs)."""
    out: set[str | None] = set()
    for p in proofs_of(doc):
        if not isinstance(p, dict):
            return frozenset({None})
        options = {k: v for k, v in p.items() if k not in ("proofValue", "@context")}
        if suite == "rdfc":
            out.add(_canonical({"@context": doc.get("@context"), **options}))
        else:
            out.add(cw.dumps({k: v for k, v in p.items() if k != "proofValue"}))
    return frozenset(out)


def content_check(base: Any, suite: str) -> Callable[[Any], str | None]:
    """An accepted document must carry the signed content: the same RDF graph (rdfc) or the
    same JSON under the proof's context (jcs)."""
    if suite == "rdfc":
        base_rdf = rdf_of(base)
        assert base_rdf is not None
    base_jcs = jcs_view(base) if suite == "jcs" else ""

    def check(value: Any) -> str | None:
        if suite == "rdfc" and rdf_of(value) != base_rdf:
            return "accepted a document whose RDF graph is not the signed one"
        if suite == "jcs" and jcs_view(value) != base_jcs:
            return "accepted a document whose JSON is not the signed one"
        return None

    return check


def equivalent_excuse(
    base: Any, suite: str, oracle: Oracle | None, *, inner: str | None = None
) -> Oracle:
    """Excuse an accepted FAIL case only when the signature cannot tell it from the original
    (same graph and proof options under rdfc, same JSON under jcs) *and* the oracle holds; never
    for the JSON-LD respellings the strict form promises to refuse. ``inner``: judge the member
    of that name (the credential inside a presentation its holder re-signed)."""
    base_doc = base[inner] if inner else base
    content = content_check(base_doc, suite)
    configs = _proof_configs(base_doc, suite)

    def excuse(gen: str, m: Mutation, value: Any, outcome: Outcome) -> str | None:
        if gen == "jsonld-respelling":
            return None
        doc = value.get(inner) if inner and isinstance(value, dict) else value
        if (
            not isinstance(doc, dict)
            or content(doc) is not None
            or _proof_configs(doc, suite) != configs
        ):
            return None
        if oracle is not None and oracle(gen, m, value, outcome) is not None:
            return None
        return "the signature cannot tell it from the original and the oracle holds"

    return excuse


def _claims(outcome: Outcome) -> Any:
    claims = getattr(outcome.result, "claims", None)
    if isinstance(claims, list):  # a presentation with several credentials
        return [json.loads(cw.dumps(getattr(c, "claims", c))) for c in claims]
    inner = getattr(claims, "claims", claims)
    return json.loads(cw.dumps(inner)) if inner is not None else None


def _subset(small: Any, big: Any) -> bool:
    if isinstance(small, dict):
        return isinstance(big, dict) and all(
            k in big and _subset(v, big[k]) for k, v in small.items()
        )
    if isinstance(small, list):
        return isinstance(big, list) and len(small) == len(big) and all(map(_subset, small, big))
    return type(small) is type(big) and small == big


def adverse_check(
    verify_under: Callable[[Any, Any], Any], adverse: Mapping[str, Any]
) -> Callable[[Any], str | None]:
    """An accepted mutation must still be refused wherever the original is refused."""

    def check(value: Any) -> str | None:
        for name, verifier in adverse.items():
            try:
                res = verify_under(verifier, value)
            except Exception as exc:  # noqa: BLE001
                return f"raised {type(exc).__name__} under adverse condition {name}"
            if res.verified:
                return f"accepted under adverse condition '{name}' where the original is refused"
        return None

    return check


def combine(*checks: Oracle) -> Oracle:
    def oracle(gen: str, m: Mutation, value: Any, outcome: Outcome) -> str | None:
        for check in checks:
            problem = check(gen, m, value, outcome)
            if problem is not None:
                return problem
        return None

    return oracle


def claims_check(base_claims: Any, full_claims: Any = None) -> Oracle:
    """NEUTRAL: the same claims; EITHER: a subset of what the issuer signed (``full_claims``)."""

    def check(gen: str, m: Mutation, value: Any, outcome: Outcome) -> str | None:
        claims = _claims(outcome)
        if isinstance(claims, list):  # every credential presented must be the holder's own
            return None if all(c == base_claims for c in claims) else "accepted with other claims"
        if m.expect is Expect.NEUTRAL or full_claims is None:
            if claims != base_claims:
                return "accepted with other claims than the original"
        elif not _subset(claims, full_claims):
            return "accepted with claims the issuer did not sign"
        return None

    return check


def _value_check(check: Callable[[Any], str | None], *, skip: tuple[str, ...] = ()) -> Oracle:
    return lambda gen, m, value, outcome: None if gen in skip else check(value)


# --------------------------------------------------------------------------------------------
# Proof generators (Data Integrity)
# --------------------------------------------------------------------------------------------


def _proof_variants(proof: dict[str, Any], ctx: ProofContext) -> Iterator[tuple[str, str, Any]]:
    """(member, label, new value or _REMOVE) for every member of a Data Integrity proof, and
    proof options that were not signed."""
    la = cw.LA.did
    per_member: dict[str, list[Any]] = {
        "type": [
            "Ed25519Signature2020",
            "DataIntegrityProof ",
            "dataintegrityproof",
            ["DataIntegrityProof"],
        ],
        "cryptosuite": [
            "eddsa-jcs-2022"
            if proof.get("cryptosuite") == "eddsa-rdfc-2022"
            else "eddsa-rdfc-2022",
            "eddsa-2022",
            "ecdsa-rdfc-2019",
            "bbs-2023",
            "",
            "eddsa-rdfc-2022 ",
        ],
        "created": [
            "2026-03-01T10:00:00+09:00",
            "2026-03-01T01:00:00.000Z",
            "2026-03-01T01:00:00z",
            "2026-03-01T01:00:01Z",
            "2099-01-01T00:00:00Z",
            "1970-01-01T00:00:00Z",
            "2026-03-01",
            1772326800,
        ],
        "verificationMethod": [
            la + "#key-2",
            la,
            "#key-1",
            cw.ATTACKER.verification_method,
            cw.MISSIONS.by_code("cn").did + "#key-1",
            la + "?versionId=1#key-1",
            la + "#key-1#",
            la.upper() + "#key-1",
            {"id": la + "#key-1"},
        ],
        "proofPurpose": [
            "authentication",
            "assertionMethod",
            "capabilityInvocation",
            "AssertionMethod",
            ["assertionMethod"],
        ],
        "proofValue": ctx.proof_values,
        "challenge": [cw.CHALLENGE + "x", "", [cw.CHALLENGE]],
        "domain": ["other.example", "GOV24.EXAMPLE", [cw.DOMAIN], cw.DOMAIN + "."],
        "@context": [
            ["https://www.w3.org/ns/credentials/v2"],
            "https://www.w3.org/ns/credentials/v2",
        ],
    }
    for member in list(proof):
        yield member, f"{member} removed", _REMOVE
        for value in per_member.get(member, [changed_scalar(proof[member], random.Random(member))]):
            if value != proof[member]:
                yield member, f"{member} -> {value!r:.50}", value
    for member, value in (
        ("expires", "2020-01-01T00:00:00Z"),
        ("expires", "2099-01-01T00:00:00Z"),
        ("challenge", cw.CHALLENGE),
        ("domain", cw.DOMAIN),
        ("nonce", "abc"),
        ("id", "urn:uuid:0b6b6c1e-8a63-4d5a-9a8d-1c1c1c1c1c1c"),
        ("previousProof", "urn:uuid:0b6b6c1e-8a63-4d5a-9a8d-1c1c1c1c1c1c"),
    ):
        if member not in proof:
            yield member, f"+{member}={value!r}", value


_REMOVE = object()


@dataclass(frozen=True)
class ProofContext:
    suite: str  # "rdfc" | "jcs"
    proof_path: tuple[str | int, ...]
    proof_values: list[str]  # other valid-looking proofValues (of other documents)
    foreign_proofs: list[dict[str, Any]]
    signer_for_set: Any  # the legitimate signer (a second proof of a proof set)
    proof_purpose: str = "assertionMethod"
    sign_options: Mapping[str, Any] = field(default_factory=dict)


def make_proof_generators(ctx: ProofContext) -> dict[str, Generator]:
    def gen_proof_edit(base: Any, rng: random.Random, traits: Traits) -> Iterator[Mutation]:
        """Every proof member changed or removed; proof options added."""
        proof = get_at(base, ctx.proof_path)
        for member, label, value in _proof_variants(proof, ctx):
            doc = copy.deepcopy(base)
            target = get_at(doc, ctx.proof_path)
            if value is _REMOVE:
                del target[member]
            else:
                target[member] = value
            yield Mutation(f"{pointer(ctx.proof_path)} {label}", doc)
        if ctx.suite == "rdfc" and "@context" not in proof:
            doc = copy.deepcopy(base)
            get_at(doc, ctx.proof_path)["@context"] = copy.deepcopy(
                get_at(base, ctx.proof_path[:-1])["@context"]
            )
            yield Mutation(
                f"{pointer(ctx.proof_path)} +@context (the document's)",
                doc,
                Expect.EITHER,
                "vc-di-eddsa: a proof @context that is a prefix of the document's changes nothing",
            )

    def gen_proof_set(base: Any, rng: random.Random, traits: Traits) -> Iterator[Mutation]:
        """Proof removal, duplication, proof sets with foreign/attacker proofs, chains."""
        parent_path = ctx.proof_path[:-1]
        proof = get_at(base, ctx.proof_path)
        unsecured = {k: v for k, v in get_at(base, parent_path).items() if k != "proof"}

        def with_proof(
            value: Any, label: str, expect: Expect = Expect.FAIL, why: str = ""
        ) -> Mutation:
            doc = copy.deepcopy(base)
            parent = get_at(doc, parent_path)
            if value is _REMOVE:
                del parent["proof"]
            else:
                parent["proof"] = value
            return Mutation(f"{pointer(ctx.proof_path)} {label}", doc, expect, why)

        same = "the same proof set, spelled as an array / with the same proof twice"
        yield with_proof(_REMOVE, "removed")
        yield with_proof([proof], "as a one-item array", Expect.EITHER, same)
        yield with_proof([proof, proof], "duplicated", Expect.EITHER, same)
        yield with_proof([proof] * 9, "nine times (more than MAX_PROOFS)")
        yield with_proof([], "empty array")
        yield with_proof({}, "empty object")
        yield with_proof([[proof]], "nested array")
        yield with_proof({"@graph": proof}, "wrapped in @graph")
        for i, foreign in enumerate(ctx.foreign_proofs):
            yield with_proof(copy.deepcopy(foreign), f"replaced by foreign proof {i}")
            yield with_proof([proof, copy.deepcopy(foreign)], f"+ foreign proof {i}")
        chained = {**proof, "previousProof": "urn:uuid:1e3f"}
        yield with_proof([proof, chained], "+ copy with previousProof to no proof")
        yield with_proof(
            [{**proof, "id": "urn:p1"}, {**proof, "previousProof": "urn:p1"}], "chain of copies"
        )
        yield with_proof([{**proof, "previousProof": "urn:p1"}], "previousProof on the only proof")
        try:
            attacker = add_proof(
                unsecured,
                cw.ATTACKER,
                cryptosuite=cw.SUITES[0 if ctx.suite == "rdfc" else 1],
                created=cw.NOW,
                proof_purpose=ctx.proof_purpose,
                **ctx.sign_options,
            )["proof"]
            yield with_proof([proof, attacker], "+ attacker's proof (did:key)")
            yield with_proof(attacker, "replaced by the attacker's proof (did:key)")
            second = add_proof(
                unsecured,
                ctx.signer_for_set,
                cryptosuite=cw.SUITES[1 if ctx.suite == "rdfc" else 0],
                created=cw.NOW,
                proof_purpose=ctx.proof_purpose,
                **ctx.sign_options,
            )["proof"]
            yield with_proof(
                [proof, second],
                "+ a second proof by the same key (other suite)",
                Expect.EITHER,
                "a proof set of two valid proofs by the legitimate key",
            )
            yield with_proof(
                second,
                "replaced by the same key's proof in the other suite",
                Expect.EITHER,
                "a valid proof by the legitimate key",
            )
        except KrOvidError:
            pass
        doc = copy.deepcopy(base)
        get_at(doc, parent_path).pop("proof")
        if isinstance(get_at(doc, parent_path).get("credentialSubject"), dict):
            get_at(doc, parent_path)["credentialSubject"]["proof"] = proof
            yield Mutation(f"{pointer(ctx.proof_path)} moved into credentialSubject", doc)

    return {"proof-edit": gen_proof_edit, "proof-set": gen_proof_set}


# --------------------------------------------------------------------------------------------
# SD-JWT generators
# --------------------------------------------------------------------------------------------


def split_token(token: str) -> tuple[str, list[str], str]:
    parts = token.split("~")
    return parts[0], parts[1:-1], parts[-1]


def join_token(jws: str, disclosures: list[str], kb: str) -> str:
    return "~".join([jws, *disclosures, kb])


def seg_json(value: Any, *, spaced: bool = False) -> str:
    separators = (", ", ": ") if spaced else (",", ":")
    return b64url(json.dumps(value, ensure_ascii=False, separators=separators).encode("utf-8"))


def sign_jws(header_seg: str, payload_seg: str, signer: Any) -> str:
    signing_input = f"{header_seg}.{payload_seg}"
    return signing_input + "." + b64url(signer.sign(signing_input.encode("ascii")))


@dataclass(frozen=True)
class SdContext:
    kb: bool  # the base ends with a KB-JWT
    other_token: str  # another issued SD-JWT (other salts) for swaps
    issued_token: str  # the issued SD-JWT the base was presented from


def _signer(mode: str) -> Any:
    """The key behind a signing mode of the JWS generators."""
    return {"attacker-signed": cw.ATTACKER, "auth-key-signed": cw.AUTH_KEY}[mode]


def _jws_variants(
    jws: str,
    header_seg: str,
    payload_seg: str,
    label: str,
    issuer_expect: Expect,
    rng: random.Random,
    why: str = "",
) -> Iterator[tuple[str, str, Expect, str]]:
    """The new header/payload left with the old signature, signed by the issuer's key (the
    expectation of the change itself), and signed by a key that is not the issuer's."""
    old_signature = jws.rsplit(".", 1)[1]
    yield f"{label} [unsigned]", f"{header_seg}.{payload_seg}.{old_signature}", Expect.FAIL, ""
    yield f"{label} [issuer-signed]", sign_jws(header_seg, payload_seg, cw.KEY), issuer_expect, why
    other = rng.choice(["attacker-signed", "auth-key-signed"])
    yield (
        f"{label} [{other}]",
        sign_jws(header_seg, payload_seg, _signer(other)),
        Expect.FAIL,
        "",
    )


def make_sd_generators(ctx: SdContext) -> dict[str, Generator]:
    def gen_jws_header(base: str, rng: random.Random, traits: Traits) -> Iterator[Mutation]:
        """alg, typ, cty and kid swaps; key-supplying and critical parameters; duplicates."""
        jws, disclosures, kb = split_token(base)
        h64, p64, _ = jws.split(".")
        header = json.loads(b64url_decode(h64))
        la = cw.LA.did
        typ_ok = "typ spelled otherwise (RFC 7515 §4.1.9: case-insensitive, application/ optional)"
        variants: list[tuple[str, Any, Expect, str]] = [
            (
                "alg EdDSA",
                {**header, "alg": "EdDSA"},
                Expect.NEUTRAL,
                "EdDSA is the polymorphic name of Ed25519, allowed by policy",
            ),
            *[
                (f"alg {a!r}", {**header, "alg": a}, Expect.FAIL, "")
                for a in ("none", "HS256", "RS256", "ES256", "ed25519", "Ed448", "", None, 1)
            ],
            ("alg removed", {k: v for k, v in header.items() if k != "alg"}, Expect.FAIL, ""),
            (
                "typ application/vc+sd-jwt",
                {**header, "typ": "application/vc+sd-jwt"},
                Expect.NEUTRAL,
                typ_ok,
            ),
            ("typ VC+SD-JWT", {**header, "typ": "VC+SD-JWT"}, Expect.NEUTRAL, typ_ok),
            *[
                (f"typ {t!r}", {**header, "typ": t}, Expect.FAIL, "")
                for t in (
                    "jwt",
                    "JWT",
                    "kb+jwt",
                    "vc+ld+json",
                    "dc+sd-jwt",
                    "sd-jwt",
                    "",
                    ["vc+sd-jwt"],
                )
            ],
            ("typ removed", {k: v for k, v in header.items() if k != "typ"}, Expect.FAIL, ""),
            (
                "cty removed",
                {k: v for k, v in header.items() if k != "cty"},
                Expect.EITHER,
                "cty is advisory",
            ),
            ("cty vp", {**header, "cty": "vp"}, Expect.EITHER, "cty is advisory"),
            *[
                (f"kid {k!r:.60}", {**header, "kid": k}, Expect.FAIL, "")
                for k in (
                    la + "#key-2",
                    la,
                    "#key-1",
                    cw.ATTACKER.verification_method,
                    cw.MISSIONS.by_code("cn").did + "#key-1",
                    la + "#key-1 ",
                    la + "#KEY-1",
                    la.replace("ovid", "оvid") + "#key-1",
                    la + "?v=1#key-1",
                    1,
                    [la + "#key-1"],
                    "",
                )
            ],
            ("kid removed", {k: v for k, v in header.items() if k != "kid"}, Expect.FAIL, ""),
            ("+jwk (attacker)", {**header, "jwk": cw.ATTACKER.public.jwk}, Expect.FAIL, ""),
            ("+jku", {**header, "jku": "https://attacker.example/jwks"}, Expect.FAIL, ""),
            ("+x5u", {**header, "x5u": "https://attacker.example/x5u"}, Expect.FAIL, ""),
            ("+x5c", {**header, "x5c": ["MIIB"]}, Expect.FAIL, ""),
            ("+crit", {**header, "crit": ["exp"]}, Expect.FAIL, ""),
            (
                "+b64 false",
                {**header, "b64": False},
                Expect.EITHER,
                "b64 without crit is not understood and is ignored",
            ),
            (
                "+unknown parameter",
                {**header, "x-corpus": "1"},
                Expect.EITHER,
                "unknown header parameters are ignored (RFC 7515 §4)",
            ),
            (
                "members reordered",
                dict(reversed(list(header.items()))),
                Expect.NEUTRAL,
                "JSON member order",
            ),
        ]
        for label, new_header, expect, why in variants:
            for mlabel, new_jws, mexpect, mwhy in _jws_variants(
                jws, seg_json(new_header), p64, label, expect, rng, why
            ):
                yield Mutation(
                    f"header {mlabel}", join_token(new_jws, disclosures, kb), mexpect, mwhy
                )
        dup = json.dumps(header)[:-1] + f', "kid": "{cw.ATTACKER.verification_method}"}}'
        dup_first = '{"alg": "none", ' + json.dumps(header)[1:]
        for label, raw in (("duplicate kid member", dup), ("duplicate alg member", dup_first)):
            seg = b64url(raw.encode())
            for mlabel, new_jws, _, _ in _jws_variants(jws, seg, p64, label, Expect.FAIL, rng):
                yield Mutation(f"header {mlabel}", join_token(new_jws, disclosures, kb))
        spaced = seg_json(header, spaced=True)
        for mlabel, new_jws, mexpect, mwhy in _jws_variants(
            jws,
            spaced,
            p64,
            "JSON whitespace",
            Expect.NEUTRAL,
            rng,
            "insignificant JSON whitespace",
        ):
            yield Mutation(f"header {mlabel}", join_token(new_jws, disclosures, kb), mexpect, mwhy)

    def gen_jws_payload(base: str, rng: random.Random, traits: Traits) -> Iterator[Mutation]:
        """Generic JSON mutations of the issuer-signed payload, left unsigned or signed by a key
        that is not the issuer's; the attacker re-issuing the payload as itself."""
        jws, disclosures, kb = split_token(base)
        h64, p64, _ = jws.split(".")
        payload = json.loads(b64url_decode(p64))
        json_traits = Traits("jcs", contexts=traits.contexts, term_iris=traits.term_iris)
        names = [
            "value-change",
            "type-confusion",
            "key-addition",
            "key-removal",
            "unicode-lookalike",
            "jsonld-respelling",
        ]
        for name in names:
            candidates = list(JSON_GENERATORS[name](payload, rng, json_traits))
            for m in rng.sample(candidates, min(12, len(candidates))):
                try:
                    seg = seg_json(m.value)
                except (TypeError, ValueError, RecursionError):
                    continue
                signer = rng.choice(["unsigned", "attacker-signed", "auth-key-signed"])
                new_jws = (
                    f"{h64}.{seg}.{jws.rsplit('.', 1)[1]}"
                    if signer == "unsigned"
                    else sign_jws(h64, seg, _signer(signer))
                )
                yield Mutation(
                    f"payload {name}: {m.detail} [{signer}]", join_token(new_jws, disclosures, kb)
                )
        # The attacker issues the same payload under its own did:key.
        own = {**payload, "issuer": {**payload["issuer"], "id": cw.ATTACKER.controller}}
        header = {**json.loads(b64url_decode(h64)), "kid": cw.ATTACKER.verification_method}
        yield Mutation(
            "attacker re-issues the payload as its did:key",
            join_token(sign_jws(seg_json(header), seg_json(own), cw.ATTACKER), disclosures, kb),
        )
        kid_only = sign_jws(seg_json(header), p64, cw.ATTACKER)
        yield Mutation(
            "attacker signs with its did:key, issuer unchanged",
            join_token(kid_only, disclosures, kb),
        )
        reordered = dict(reversed(list(payload.items())))
        for mlabel, new_jws, mexpect, mwhy in _jws_variants(
            jws,
            h64,
            seg_json(reordered),
            "payload members reordered",
            Expect.NEUTRAL,
            rng,
            "JSON member order",
        ):
            yield Mutation(mlabel, join_token(new_jws, disclosures, kb), mexpect, mwhy)

    def gen_digest_edit(base: str, rng: random.Random, traits: Traits) -> Iterator[Mutation]:
        """``_sd`` digests reordered, duplicated, removed, replaced; ``_sd_alg`` changed."""
        jws, disclosures, kb = split_token(base)
        h64, p64, _ = jws.split(".")
        payload = json.loads(b64url_decode(p64))
        from kr_ovid.sdjwt.disclosure import disclosure_digest

        present = {disclosure_digest(d) for d in disclosures}  # what this token discloses
        spots = [("",), ("credentialSubject",)]
        for spot in spots:
            node = payload if spot == ("",) else payload[spot[0]]
            digests: list[str] = node["_sd"]
            where = "/_sd" if spot == ("",) else "/credentialSubject/_sd"

            def edited(
                new: Any, node_key: str = "_sd", spot: tuple[str, ...] = spot
            ) -> dict[str, Any]:
                out = copy.deepcopy(payload)
                target = out if spot == ("",) else out[spot[0]]
                if new is _REMOVE:
                    target.pop(node_key, None)
                else:
                    target[node_key] = new
                return out

            changes: list[tuple[str, Any, Expect, str]] = []
            if len(digests) >= 2:
                changes.append(
                    (
                        "reversed",
                        edited(digests[::-1]),
                        Expect.NEUTRAL,
                        "digest order carries nothing (RFC 9901 shuffles it)",
                    )
                )
            d = rng.choice(digests)
            changes.append(("a digest duplicated", edited([*digests, d]), Expect.FAIL, ""))
            real = [x for x in digests if x in present]
            decoys = [x for x in digests if x not in present]
            claim = rng.choice(real) if real else None
            if claim is not None:
                changes.append(
                    (
                        "a disclosed claim's digest removed",
                        edited([x for x in digests if x != claim]),
                        Expect.FAIL,
                        "",
                    )
                )
                fresh = b64url(rng.randbytes(32))
                changes.append(
                    (
                        "a disclosed claim's digest replaced",
                        edited([x if x != claim else fresh for x in digests]),
                        Expect.FAIL,
                        "",
                    )
                )
            if decoys:
                decoy = rng.choice(decoys)
                changes.append(
                    (
                        "a decoy digest removed",
                        edited([x for x in digests if x != decoy]),
                        Expect.NEUTRAL,
                        "decoys carry nothing",
                    )
                )
            other_digests = json.loads(b64url_decode(split_token(ctx.other_token)[0].split(".")[1]))
            other_node = other_digests if spot == ("",) else other_digests[spot[0]]
            if claim is not None:
                swapped = rng.choice(other_node["_sd"])
                changes.append(
                    (
                        "a disclosed claim's digest swapped for the other token's",
                        edited([x if x != claim else swapped for x in digests]),
                        Expect.FAIL,
                        "",
                    )
                )
            changes.append(
                (
                    "the other token's _sd array",
                    edited(list(other_node["_sd"])),
                    Expect.FAIL if real else Expect.EITHER,
                    "" if real else "only undisclosed or decoy digests are replaced",
                )
            )
            changes.append(("a digest as a number", edited([*digests[:-1], 1]), Expect.FAIL, ""))
            changes.append(("_sd as a string", edited(digests[0]), Expect.FAIL, ""))
            changes.append(
                ("a '...' element in _sd", edited([*digests, {"...": digests[0]}]), Expect.FAIL, "")
            )
            for label, new_payload, expect, why in changes:
                for mlabel, new_jws, mexpect, mwhy in _jws_variants(
                    jws, h64, seg_json(new_payload), f"{where} {label}", expect, rng, why
                ):
                    yield Mutation(mlabel, join_token(new_jws, disclosures, kb), mexpect, mwhy)
        for label, value, expect, why in (
            (
                "_sd_alg removed",
                _REMOVE,
                Expect.NEUTRAL,
                "RFC 9901 §4.1.1: absent _sd_alg means sha-256",
            ),
            ("_sd_alg sha-512", "sha-512", Expect.FAIL, ""),
            ("_sd_alg SHA-256", "SHA-256", Expect.EITHER, "not the registered spelling"),
            ("_sd_alg none", "none", Expect.FAIL, ""),
            ("_sd_alg in credentialSubject", "nested", Expect.FAIL, ""),
        ):
            new_payload = copy.deepcopy(payload)
            if value is _REMOVE:
                del new_payload["_sd_alg"]
            elif value == "nested":
                new_payload["credentialSubject"]["_sd_alg"] = "sha-256"
            else:
                new_payload["_sd_alg"] = value
            for mlabel, new_jws, mexpect, mwhy in _jws_variants(
                jws, h64, seg_json(new_payload), label, expect, rng, why
            ):
                yield Mutation(mlabel, join_token(new_jws, disclosures, kb), mexpect, mwhy)

    def gen_disclosure_content(base: str, rng: random.Random, traits: Traits) -> Iterator[Mutation]:
        """Every disclosure decoded, changed (salt, name, value, shape, JSON spacing), re-encoded."""
        jws, disclosures, kb = split_token(base)
        for i, enc in enumerate(disclosures):
            array = json.loads(b64url_decode(enc))
            salt, name, value = array if len(array) == 3 else (array[0], None, array[-1])
            variants: list[tuple[str, Any]] = [
                ("salt changed", [salt + "A", name, value]),
                ("salt as a number", [1, name, value]),
                (
                    "value changed",
                    [
                        salt,
                        name,
                        changed_scalar(value, rng) if not isinstance(value, dict | list) else {},
                    ],
                ),
                ("value as an array", [salt, name, [value]]),
                ("value null", [salt, name, None]),
                ("name -> _sd", [salt, "_sd", value]),
                ("name -> ...", [salt, "...", value]),
                ("name -> _sd_alg", [salt, "_sd_alg", value]),
                ("name -> issuer", [salt, "issuer", value]),
                ("name -> id", [salt, "id", value]),
                (
                    "name look-alike",
                    [
                        salt,
                        (name or "x").replace("a", "а", 1)
                        + ("" if "a" in (name or "x") else "\u200b"),
                        value,
                    ],
                ),
                ("name dropped (array-element form)", [salt, value]),
                ("four elements", [salt, name, value, "extra"]),
                ("an object", {"salt": salt, "name": name, "value": value}),
                (
                    "other claim's name",
                    [
                        salt,
                        rng.choice(["familyName", "givenName", "birthDate", "passportNumber"]),
                        value,
                    ],
                ),
            ]
            for label, new in variants:
                new_enc = seg_json(new)
                if new_enc != enc:
                    yield Mutation(
                        f"disclosure {i} {label}",
                        join_token(jws, [*disclosures[:i], new_enc, *disclosures[i + 1 :]], kb),
                    )
            spaced = seg_json(array, spaced=True)
            if spaced != enc:
                yield Mutation(
                    f"disclosure {i} re-encoded with other JSON spacing",
                    join_token(jws, [*disclosures[:i], spaced, *disclosures[i + 1 :]], kb),
                )
            ascii_json = b64url(json.dumps(array, ensure_ascii=True).encode())
            if ascii_json not in (enc, spaced):
                yield Mutation(
                    f"disclosure {i} re-encoded with \\u escapes",
                    join_token(jws, [*disclosures[:i], ascii_json, *disclosures[i + 1 :]], kb),
                )

    def gen_disclosure_order(base: str, rng: random.Random, traits: Traits) -> Iterator[Mutation]:
        """Disclosures reversed, rotated, shuffled."""
        jws, disclosures, kb = split_token(base)
        if len(disclosures) < 2:
            return
        why = "RFC 9901: disclosures are found by digest, their order carries nothing"
        orders = [("reversed", disclosures[::-1]), ("rotated", disclosures[1:] + disclosures[:1])]
        for _ in range(4):
            shuffled = rng.sample(disclosures, len(disclosures))
            if shuffled != disclosures:
                orders.append(("shuffled", shuffled))
        for label, order in orders:
            yield Mutation(f"disclosures {label}", join_token(jws, order, kb), Expect.NEUTRAL, why)

    def gen_disclosure_dup(base: str, rng: random.Random, traits: Traits) -> Iterator[Mutation]:
        """Every disclosure given twice (adjacent, at the end)."""
        jws, disclosures, kb = split_token(base)
        for i, d in enumerate(disclosures):
            yield Mutation(
                f"disclosure {i} twice (adjacent)",
                join_token(jws, [*disclosures[: i + 1], d, *disclosures[i + 1 :]], kb),
            )
            yield Mutation(
                f"disclosure {i} again at the end", join_token(jws, [*disclosures, d], kb)
            )

    def gen_disclosure_removal(base: str, rng: random.Random, traits: Traits) -> Iterator[Mutation]:
        """Every disclosure removed; random subsets; all of them."""
        jws, disclosures, kb = split_token(base)
        why = "disclosing less is the holder's choice; what is left must be what was signed"
        for i in range(len(disclosures)):
            yield Mutation(
                f"disclosure {i} removed",
                join_token(jws, disclosures[:i] + disclosures[i + 1 :], kb),
                Expect.EITHER,
                why,
            )
        for _ in range(3):
            keep = [d for d in disclosures if rng.random() < 0.5]
            yield Mutation(
                f"random subset of {len(keep)} kept", join_token(jws, keep, kb), Expect.EITHER, why
            )
        yield Mutation("all removed", join_token(jws, [], kb), Expect.EITHER, why)

    def gen_disclosure_swap(base: str, rng: random.Random, traits: Traits) -> Iterator[Mutation]:
        """Disclosures of another SD-JWT (other salts) swapped in or added; for a presentation,
        disclosures of its own SD-JWT that were not presented added."""
        jws, disclosures, kb = split_token(base)
        other = split_token(ctx.other_token)[1]

        def name_of(enc: str) -> Any:
            arr = json.loads(b64url_decode(enc))
            return arr[1] if len(arr) == 3 else None

        others_by_name = {name_of(d): d for d in other}
        for i, d in enumerate(disclosures):
            twin = others_by_name.get(name_of(d))
            if twin is not None:
                yield Mutation(
                    f"disclosure {i} swapped for the other token's",
                    join_token(jws, [*disclosures[:i], twin, *disclosures[i + 1 :]], kb),
                )
        for d in rng.sample(other, min(4, len(other))):
            yield Mutation(
                f"+ other token's disclosure of {name_of(d)}",
                join_token(jws, [*disclosures, d], kb),
            )
        unseen = [d for d in split_token(ctx.issued_token)[1] if d not in disclosures]
        for d in unseen[:6]:
            yield Mutation(
                f"+ own undisclosed {name_of(d)}",
                join_token(jws, [*disclosures, d], kb),
                Expect.EITHER,
                "disclosing more of one's own credential",
            )

    gens: dict[str, Generator] = {
        "jws-header": gen_jws_header,
        "jws-payload": gen_jws_payload,
        "digest-edit": gen_digest_edit,
        "disclosure-content": gen_disclosure_content,
        "disclosure-order": gen_disclosure_order,
        "disclosure-dup": gen_disclosure_dup,
        "disclosure-removal": gen_disclosure_removal,
        "disclosure-swap": gen_disclosure_swap,
    }
    if ctx.kb:
        gens["kb-jwt"] = gen_kb_jwt
    return gens


def gen_kb_jwt(base: str, rng: random.Random, traits: Traits) -> Iterator[Mutation]:
    """Key Binding JWT: header and claims changed and signed by the holder (the change's own
    expectation), left unsigned, or signed by another key; removed, replaced, doubled."""
    jws, disclosures, kb = split_token(base)
    prefix = join_token(jws, disclosures, "")
    h64, p64, s64 = kb.split(".")
    header = json.loads(b64url_decode(h64))
    claims = json.loads(b64url_decode(p64))
    iat = claims["iat"]
    typ_ok = "typ spelled otherwise (case-insensitive, application/ optional)"
    header_variants: list[tuple[str, Any, Expect, str]] = [
        (
            "alg EdDSA",
            {**header, "alg": "EdDSA"},
            Expect.NEUTRAL,
            "EdDSA is the polymorphic name of Ed25519",
        ),
        *[
            (f"alg {a!r}", {**header, "alg": a}, Expect.FAIL, "")
            for a in ("none", "HS256", "ES256", None)
        ],
        ("typ application/kb+jwt", {**header, "typ": "application/kb+jwt"}, Expect.NEUTRAL, typ_ok),
        ("typ KB+JWT", {**header, "typ": "KB+JWT"}, Expect.NEUTRAL, typ_ok),
        *[
            (f"typ {t!r}", {**header, "typ": t}, Expect.FAIL, "")
            for t in ("jwt", "vc+sd-jwt", "", None)
        ],
        ("typ removed", {"alg": header["alg"]}, Expect.FAIL, ""),
        ("+jwk (attacker)", {**header, "jwk": cw.ATTACKER.public.jwk}, Expect.FAIL, ""),
        ("+crit", {**header, "crit": ["x"]}, Expect.FAIL, ""),
        (
            "+kid",
            {**header, "kid": cw.HOLDER.verification_method},
            Expect.EITHER,
            "kid is not used for the cnf key",
        ),
        (
            "members reordered",
            dict(reversed(list(header.items()))),
            Expect.NEUTRAL,
            "JSON member order",
        ),
    ]
    from kr_ovid.sdjwt.disclosure import sd_hash

    claim_variants: list[tuple[str, Any, Expect, str]] = [
        ("nonce changed", {**claims, "nonce": cw.NONCE + "x"}, Expect.FAIL, ""),
        ("nonce removed", {k: v for k, v in claims.items() if k != "nonce"}, Expect.FAIL, ""),
        ("nonce as a number", {**claims, "nonce": 1}, Expect.FAIL, ""),
        ("nonce with a space", {**claims, "nonce": cw.NONCE + " "}, Expect.FAIL, ""),
        ("aud changed", {**claims, "aud": "other.example"}, Expect.FAIL, ""),
        ("aud upper-case", {**claims, "aud": cw.DOMAIN.upper()}, Expect.FAIL, ""),
        ("aud removed", {k: v for k, v in claims.items() if k != "aud"}, Expect.FAIL, ""),
        (
            "aud as a one-item array",
            {**claims, "aud": [cw.DOMAIN]},
            Expect.EITHER,
            "RFC 7519 allows an aud array",
        ),
        (
            "aud as an array with another",
            {**claims, "aud": ["other.example", cw.DOMAIN]},
            Expect.EITHER,
            "RFC 7519 allows an aud array",
        ),
        ("iat an hour ago", {**claims, "iat": iat - 3600}, Expect.FAIL, ""),
        ("iat an hour ahead", {**claims, "iat": iat + 3600}, Expect.FAIL, ""),
        (
            "iat a minute ago",
            {**claims, "iat": iat - 60},
            Expect.NEUTRAL,
            "within the accepted window",
        ),
        (
            "iat fractional",
            {**claims, "iat": iat + 0.5},
            Expect.EITHER,
            "a NumericDate may have a fraction",
        ),
        ("iat as a string", {**claims, "iat": str(iat)}, Expect.FAIL, ""),
        ("iat removed", {k: v for k, v in claims.items() if k != "iat"}, Expect.FAIL, ""),
        ("iat true", {**claims, "iat": True}, Expect.FAIL, ""),
        (
            "sd_hash of another presentation",
            {**claims, "sd_hash": sd_hash(prefix + "x~")},
            Expect.FAIL,
            "",
        ),
        ("sd_hash removed", {k: v for k, v in claims.items() if k != "sd_hash"}, Expect.FAIL, ""),
        ("sd_hash upper-cased", {**claims, "sd_hash": claims["sd_hash"].upper()}, Expect.FAIL, ""),
        ("sd_hash of the JWS only", {**claims, "sd_hash": sd_hash(jws + "~")}, Expect.FAIL, ""),
        ("+exp in the past", {**claims, "exp": iat - 3600}, Expect.FAIL, ""),
        ("+nbf in the future", {**claims, "nbf": iat + 3600}, Expect.FAIL, ""),
        (
            "+exp in the future",
            {**claims, "exp": iat + 3600},
            Expect.EITHER,
            "a KB-JWT may carry exp",
        ),
        (
            "+unknown claim",
            {**claims, "x-corpus": 1},
            Expect.EITHER,
            "unknown JWT claims are ignored",
        ),
        (
            "claims reordered",
            dict(reversed(list(claims.items()))),
            Expect.NEUTRAL,
            "JSON member order",
        ),
    ]
    for label, new_header, expect, why in header_variants:
        for mlabel, token, mexpect, mwhy in _kb_signings(
            seg_json(new_header), p64, s64, label, expect, why, rng
        ):
            yield Mutation(f"KB {mlabel}", prefix + token, mexpect, mwhy)
    for label, new_claims, expect, why in claim_variants:
        for mlabel, token, mexpect, mwhy in _kb_signings(
            h64, seg_json(new_claims), s64, label, expect, why, rng
        ):
            yield Mutation(f"KB {mlabel}", prefix + token, mexpect, mwhy)
    yield Mutation("KB removed", prefix)
    yield Mutation("KB twice", prefix + kb + "~" + kb)
    yield Mutation(
        "KB of the issued token",
        prefix
        + create_kb_jwt(
            cw.world().issued["rdfc"].sd_jwt, cw.HOLDER, nonce=cw.NONCE, aud=cw.DOMAIN, iat=cw.NOW
        ),
    )
    yield Mutation(
        "KB for another nonce",
        prefix + create_kb_jwt(prefix, cw.HOLDER, nonce="other", aud=cw.DOMAIN, iat=cw.NOW),
    )
    yield Mutation(
        "KB for another audience",
        prefix + create_kb_jwt(prefix, cw.HOLDER, nonce=cw.NONCE, aud="other.example", iat=cw.NOW),
    )
    yield Mutation(
        "KB by the attacker's key",
        prefix + create_kb_jwt(prefix, cw.ATTACKER, nonce=cw.NONCE, aud=cw.DOMAIN, iat=cw.NOW),
    )
    yield Mutation(
        "KB by the issuer's key",
        prefix + create_kb_jwt(prefix, cw.KEY, nonce=cw.NONCE, aud=cw.DOMAIN, iat=cw.NOW),
    )


def _kb_signings(
    h64: str, p64: str, s64: str, label: str, expect: Expect, why: str, rng: random.Random
) -> Iterator[tuple[str, str, Expect, str]]:
    yield f"{label} [holder-signed]", sign_jws(h64, p64, cw.HOLDER), expect, why
    yield f"{label} [unsigned]", f"{h64}.{p64}.{s64}", Expect.FAIL, ""
    other = rng.choice([cw.ATTACKER, cw.KEY])
    yield (
        f"{label} [{'attacker' if other is cw.ATTACKER else 'issuer'}-signed]",
        sign_jws(h64, p64, other),
        Expect.FAIL,
        "",
    )


# --------------------------------------------------------------------------------------------
# Status lists, trust lists, DID documents, presentations
# --------------------------------------------------------------------------------------------


def make_status_generators(revoked_index: int, valid_index: int) -> dict[str, Generator]:
    def gen_bitstring(base: Any, rng: random.Random, traits: Traits) -> Iterator[Mutation]:
        """The list itself: bits flipped (a revocation undone, a valid credential revoked),
        emptied, shortened, not GZIP, other multibase prefixes — all without the issuer's key."""
        encoded = base["credentialSubject"]["encodedList"]
        bits = decode_list(encoded)

        def with_list(value: Any, label: str) -> Mutation:
            doc = copy.deepcopy(base)
            doc["credentialSubject"]["encodedList"] = value
            return Mutation(f"encodedList {label}", doc)

        undone = bits.copy()
        undone.set(revoked_index, 0)
        yield with_list(encode_list(undone), "revocation bit cleared")
        revoked = bits.copy()
        revoked.set(valid_index, 1)
        yield with_list(encode_list(revoked), "a valid credential's bit set")
        yield with_list(encode_list(type(bits)(bits.length)), "all zeros")
        raw = bits.to_bytes()
        yield with_list("u" + b64url(gzip.compress(raw[: len(raw) // 2], mtime=0)), "half the list")
        yield with_list("u" + b64url(raw), "not GZIP")
        yield with_list(
            "u" + b64url(gzip.compress(raw, mtime=1)), "re-compressed (other bytes, same bits)"
        )
        yield with_list("z" + encoded[1:], "'z' prefix")
        yield with_list(encoded[1:], "no prefix")
        yield with_list(
            "u" + b64url(gzip.compress(raw, mtime=0) + gzip.compress(raw, mtime=0)),
            "two GZIP members",
        )

    def gen_status_swap(base: Any, rng: random.Random, traits: Traits) -> Iterator[Mutation]:
        """Another list served in its place: the suspension list, a list revoking nobody that the
        attacker signed, the same list signed by the attacker's did:key as issuer."""
        w = cw.world()
        suspension = next(lst for lst in w.honest_lists if lst["id"].endswith("suspension"))
        yield Mutation("the suspension list served instead", copy.deepcopy(suspension))
        late = next(lst for lst in w.late_lists if lst["id"] == base["id"])
        yield Mutation("the list published after expiry (not yet valid)", copy.deepcopy(late))
        for issuer, label in ((cw.LA.did, "as the mission"), (cw.ATTACKER.controller, "as itself")):
            doc = {k: copy.deepcopy(v) for k, v in base.items() if k != "proof"}
            doc["issuer"] = issuer
            bits = decode_list(doc["credentialSubject"]["encodedList"])
            bits.set(revoked_index, 0)
            doc["credentialSubject"]["encodedList"] = encode_list(bits)
            signer = cw.ATTACKER if issuer != cw.LA.did else cw.ATTACKER_AS_KEY_1
            yield Mutation(
                f"attacker-signed list revoking nobody, {label}",
                add_proof(doc, signer, created=cw.NOW),
            )

    return {"bitstring": gen_bitstring, "status-swap": gen_status_swap}


def gen_trust_entries(base: Any, rng: random.Random, traits: Traits) -> Iterator[Mutation]:
    """Targeted trust-list edits without the root's key: states, windows, types, new entries,
    version and next update, issuer; and the whole list re-signed by the attacker."""
    missions = base["credentialSubject"]["missions"]

    def edit(label: str, fn: Callable[[dict[str, Any]], None]) -> Mutation:
        doc = copy.deepcopy(base)
        fn(doc)
        return Mutation(label, doc)

    def mission(doc: dict[str, Any], code: str) -> dict[str, Any]:
        return next(m for m in doc["credentialSubject"]["missions"] if m["missionCode"] == code)

    yield edit("suspended mission made active", lambda d: mission(d, "cn").update(state="active"))
    yield edit("ended accreditation extended", lambda d: mission(d, "be").pop("validUntil"))
    yield edit(
        "LA may issue another type",
        lambda d: mission(d, "us-losangeles")["credentialTypes"].append("DriverLicenceCredential"),
    )
    attacker = {**missions[0], "missionCode": "attacker", "did": "did:web:attacker.example"}
    yield edit(
        "attacker mission added",
        lambda d: d["credentialSubject"]["missions"].append(copy.deepcopy(attacker)),
    )
    yield edit(
        "LA listed twice",
        lambda d: d["credentialSubject"]["missions"].append(copy.deepcopy(missions[0])),
    )
    yield edit("version bumped", lambda d: d["credentialSubject"].update(version=2))
    yield edit(
        "next update pushed back",
        lambda d: d["credentialSubject"].update(nextUpdate="2099-01-01T00:00:00Z"),
    )
    yield edit("issuer is the attacker", lambda d: d.update(issuer=cw.ATTACKER.controller))
    forged = {k: copy.deepcopy(v) for k, v in base.items() if k != "proof"}
    forged["issuer"] = cw.ATTACKER.controller
    mission_cn = next(
        m for m in forged["credentialSubject"]["missions"] if m["missionCode"] == "cn"
    )
    mission_cn["state"] = "active"
    yield Mutation(
        "re-signed by the attacker as root", add_proof(forged, cw.ATTACKER, created=cw.NOW)
    )
    same_issuer = {k: copy.deepcopy(v) for k, v in base.items() if k != "proof"}
    yield Mutation(
        "root's content signed by the attacker's key",
        add_proof(
            same_issuer,
            cw.ATTACKER.with_verification_method(cw.ROOT.verification_method),
            created=cw.NOW,
        ),
    )


def gen_did_key_swaps(base: Any, rng: random.Random, traits: Traits) -> Iterator[Mutation]:
    """The mission's keys corrupted or re-placed: small-order and non-canonical points, the
    attacker's key under every relationship but assertion, duplicates of ``#key-1``, wrong types,
    controllers and codecs, ``#key-2`` referenced from assertion in spellings that do not match."""
    la = cw.LA.did
    key1, key2 = la + "#key-1", la + "#key-2"
    attacker_mb = cw.multikey(cw.ATTACKER.public_key)
    honest = {m["id"]: m for m in base["verificationMethod"]}

    def doc_with(label: str, fn: Callable[[dict[str, Any]], None]) -> Mutation:
        doc = copy.deepcopy(base)
        fn(doc)
        return Mutation(label, doc)

    def method(doc: dict[str, Any], vm: str) -> dict[str, Any]:
        return next(m for m in doc["verificationMethod"] if m["id"] == vm)

    for i, point in enumerate((*cw.SMALL_ORDER_POINTS, cw.NON_CANONICAL_POINT)):
        yield doc_with(
            f"#key-1 -> weak point {i}",
            lambda d, p=point: method(d, key1).update(publicKeyMultibase=cw.multikey(p)),
        )
    x = {"id": key1, "type": "Multikey", "controller": la, "publicKeyMultibase": attacker_mb}
    for label, extra in (
        ("revoked", {"revoked": "2026-01-01T00:00:00Z"}),
        ("expired before signing", {"expires": "2026-02-28T00:00:00Z"}),
        ("expires malformed", {"expires": "soon"}),
        ("type X25519", {"type": "X25519KeyAgreementKey2020"}),
        ("type secp256k1", {"type": "EcdsaSecp256k1VerificationKey2019"}),
        ("type array", {"type": ["Multikey"]}),
        ("controller attacker", {"controller": cw.ATTACKER.controller}),
        ("controller other mission", {"controller": cw.MISSIONS.by_code("cn").did}),
        (
            "x25519 codec",
            {
                "publicKeyMultibase": cw.encode_multibase_base58btc(
                    b"\xec\x01" + cw.ATTACKER.public_key
                )
            },
        ),
    ):
        yield doc_with(
            f"#key-1 -> attacker key, {label}",
            lambda d, e=extra: method(d, key1).update({**x, **e}),
        )
    yield doc_with(
        "attacker key as a second #key-1", lambda d: d["verificationMethod"].append(dict(x))
    )
    yield doc_with(
        "attacker key as relative '#key-1'",
        lambda d: d["verificationMethod"].append({**x, "id": "#key-1"}),
    )
    yield doc_with(
        "attacker key embedded in assertionMethod as #key-1",
        lambda d: d["assertionMethod"].append(dict(x)),
    )
    yield doc_with(
        "attacker JWK beside the honest multibase",
        lambda d: method(d, key1).update(publicKeyJwk=cw.ATTACKER.public.jwk),
    )
    yield doc_with(
        "#key-1 as JsonWebKey2020 with the attacker's JWK and the honest multibase",
        lambda d: method(d, key1).update(
            type="JsonWebKey2020", publicKeyJwk=cw.ATTACKER.public.jwk
        ),
    )
    for rel in ("authentication", "keyAgreement", "capabilityInvocation", "capabilityDelegation"):

        def embed(d: dict[str, Any], rel: str = rel) -> None:
            d["verificationMethod"] = [m for m in d["verificationMethod"] if m["id"] != key1]
            d[rel] = [r for r in d.get(rel, []) if r != key1] + [dict(x)]

        yield doc_with(f"attacker's #key-1 only embedded in {rel}", embed)
        yield doc_with(f"#key-2 listed in {rel} only", lambda d, rel=rel: d.update({rel: [key2]}))
    for label, refs in (
        ("trailing space", [key1, key2 + " "]),
        ("upper-case fragment", [key1, la + "#KEY-2"]),
        ("double fragment", [key1, key2 + "#"]),
        ("another DID's key-2", [key1, cw.ATTACKER.controller + "#key-2"]),
        ("look-alike DID", [key1, la.replace("ovid", "оvid") + "#key-2"]),
        ("as an id-only object", [key1, {"id": key2}]),
        ("percent-encoded fragment", [key1, la + "#key%2D2"]),
    ):
        yield doc_with(
            f"#key-2 in assertionMethod: {label}", lambda d, r=refs: d.update(assertionMethod=r)
        )
    yield doc_with(
        "assertionMethod as a string naming #key-2", lambda d: d.update(assertionMethod=key2)
    )
    yield doc_with(
        "#key-2 under the assertion IRI",
        lambda d: d.update({"https://w3id.org/security#assertionMethod": [key2]}),
    )
    yield doc_with("#key-2 under @nest", lambda d: d.update({"@nest": {"assertionMethod": [key2]}}))
    yield doc_with("document id of the attacker", lambda d: d.update(id=cw.ATTACKER.controller))
    yield doc_with("document id upper-cased", lambda d: d.update(id=la.upper()))
    yield doc_with(
        "controller: the attacker", lambda d: d.update(controller=cw.ATTACKER.controller)
    )
    yield doc_with(
        "alsoKnownAs the attacker", lambda d: d.update(alsoKnownAs=[cw.ATTACKER.controller])
    )
    assert honest


def legit_authorization(doc: Any, forged_name: str) -> str | None:
    """An independent reading of a DID document: does it really name the forging key as an
    assertion key of the mission? (Then a "forgery" verifying is no forgery.)"""
    la = cw.LA.did
    vm = cw.world().forged[forged_name]["proof"]["verificationMethod"]
    if not isinstance(doc, dict) or doc.get("id") != la or not isinstance(vm, str):
        return None
    methods = [m for m in doc.get("verificationMethod", []) if isinstance(m, dict)]
    matching = [m for m in methods if m.get("id") in (vm, "#" + vm.partition("#")[2])]
    if len(matching) != 1:
        return None
    method = matching[0]
    key = {
        "auth-key-as-assertion": cw.AUTH_KEY.public_key,
        "attacker-key-as-key-1": cw.ATTACKER.public_key,
    }.get(forged_name)
    refs = doc.get("assertionMethod")
    if (
        key is not None
        and method.get("type") == "Multikey"
        and method.get("controller") == la
        and method.get("publicKeyMultibase") == cw.multikey(key)
        and set(method) <= {"id", "type", "controller", "publicKeyMultibase"}
        and isinstance(refs, list)
        and any(r in (vm, "#" + vm.partition("#")[2]) for r in refs if isinstance(r, str))
    ):
        return "the mutated document really names the key as an assertion key"
    return None


def make_vp_generators(suite: str) -> dict[str, Generator]:
    def gen_vp_binding(base: Any, rng: random.Random, traits: Traits) -> Iterator[Mutation]:
        """The holder (or an attacker) re-signs presentations with other credentials, holders,
        challenges, domains, purposes and times."""
        w = cw.world()
        cryptosuite = cw.SUITES[0 if suite == "rdfc" else 1]
        unsigned = cw.unsigned(base)

        def sign(doc: dict[str, Any], signer: Any = cw.HOLDER, **options: Any) -> dict[str, Any]:
            opts = {"challenge": cw.CHALLENGE, "domain": cw.DOMAIN, "created": cw.NOW, **options}
            return add_proof(
                doc,
                signer,
                cryptosuite=cryptosuite,
                proof_purpose=opts.pop("purpose", "authentication"),
                **opts,
            )

        other_suite = w.issued["jcs" if suite == "rdfc" else "rdfc"].credential
        own = w.issued[suite]
        either = "the holder presenting its own valid credentials"
        cases: list[tuple[str, Callable[[], dict[str, Any]], Expect, str]] = [
            (
                "attacker as holder, re-signed by the attacker",
                lambda: sign({**unsigned, "holder": cw.ATTACKER.controller}, cw.ATTACKER),
                Expect.FAIL,
                "",
            ),
            (
                "attacker signs as the holder's did:key",
                lambda: sign(
                    unsigned, cw.ATTACKER.with_verification_method(cw.HOLDER.verification_method)
                ),
                Expect.FAIL,
                "",
            ),
            (
                "re-signed for another challenge",
                lambda: sign(unsigned, challenge="other"),
                Expect.FAIL,
                "",
            ),
            (
                "re-signed for another domain",
                lambda: sign(unsigned, domain="other.example"),
                Expect.FAIL,
                "",
            ),
            (
                "re-signed without challenge",
                lambda: add_proof(
                    unsigned,
                    cw.HOLDER,
                    cryptosuite=cryptosuite,
                    proof_purpose="authentication",
                    domain=cw.DOMAIN,
                    created=cw.NOW,
                ),
                Expect.FAIL,
                "",
            ),
            (
                "re-signed for assertionMethod",
                lambda: sign(unsigned, purpose="assertionMethod"),
                Expect.FAIL,
                "",
            ),
            (
                "re-signed an hour ago",
                lambda: sign(unsigned, created=cw.NOW - timedelta(hours=1)),
                Expect.FAIL,
                "",
            ),
            (
                "re-signed without created",
                lambda: sign(unsigned, include_created=False),
                Expect.FAIL,
                "",
            ),
            (
                "re-signed, expired",
                lambda: sign(
                    unsigned,
                    created=cw.NOW - timedelta(minutes=8),
                    expires=cw.NOW - timedelta(minutes=6),
                ),
                Expect.FAIL,
                "",
            ),
            (
                "other credential, not re-signed",
                lambda: {**copy.deepcopy(base), "verifiableCredential": copy.deepcopy(other_suite)},
                Expect.FAIL,
                "",
            ),
            (
                "revoked credential, re-signed",
                lambda: sign({**unsigned, "verifiableCredential": copy.deepcopy(w.revoked)}),
                Expect.FAIL,
                "",
            ),
            (
                "forged credential, re-signed",
                lambda: sign(
                    {
                        **unsigned,
                        "verifiableCredential": copy.deepcopy(w.forged["auth-key-as-assertion"]),
                    }
                ),
                Expect.FAIL,
                "",
            ),
            (
                "nine credentials, re-signed",
                lambda: sign(
                    {**unsigned, "verifiableCredential": [copy.deepcopy(own.credential)] * 9}
                ),
                Expect.FAIL,
                "",
            ),
            (
                "no credential, re-signed",
                lambda: sign({k: v for k, v in unsigned.items() if k != "verifiableCredential"}),
                Expect.FAIL,
                "",
            ),
            (
                "no holder, re-signed",
                lambda: sign({k: v for k, v in unsigned.items() if k != "holder"}),
                Expect.FAIL,
                "",
            ),
            (
                "typed as a credential, re-signed",
                lambda: sign({**unsigned, "type": ["VerifiableCredential"]}),
                Expect.FAIL,
                "",
            ),
            (
                "enveloped SD-JWT with a changed disclosure, re-signed",
                lambda: sign(
                    {
                        **unsigned,
                        "verifiableCredential": enveloped_credential(
                            own.sd_jwt.replace("~", "~x", 1)
                        ),
                    }
                ),
                Expect.FAIL,
                "",
            ),
            (
                "other suite's credential, re-signed",
                lambda: sign({**unsigned, "verifiableCredential": copy.deepcopy(other_suite)}),
                Expect.EITHER,
                either,
            ),
            (
                "both credentials, re-signed",
                lambda: sign(
                    {
                        **unsigned,
                        "verifiableCredential": [
                            copy.deepcopy(own.credential),
                            copy.deepcopy(other_suite),
                        ],
                    }
                ),
                Expect.EITHER,
                either,
            ),
            (
                "enveloped SD-JWT, re-signed",
                lambda: sign(
                    {**unsigned, "verifiableCredential": enveloped_credential(own.sd_jwt)}
                ),
                Expect.EITHER,
                either,
            ),
            (
                "the credential twice, re-signed",
                lambda: sign(
                    {**unsigned, "verifiableCredential": [copy.deepcopy(own.credential)] * 2}
                ),
                Expect.EITHER,
                either,
            ),
        ]
        for label, build, expect, why in cases:
            try:
                value = build()
            except KrOvidError:
                continue
            yield Mutation(label, value, expect, why)

    return {"vp-binding": gen_vp_binding}


# --------------------------------------------------------------------------------------------
# The targets
# --------------------------------------------------------------------------------------------
_DI_GENERATORS = tuple(JSON_GENERATORS)
_DID_GENERATORS = tuple(g for g in JSON_GENERATORS if g != "value-swap")


def _json_gens(names: tuple[str, ...] = _DI_GENERATORS) -> dict[str, Generator]:
    return {n: JSON_GENERATORS[n] for n in names}


def _traits(signed_as: str, focus: tuple[str | int, ...] = ()) -> Traits:
    return Traits(signed_as, focus, cw.known_contexts(), cw.term_iris())  # type: ignore[arg-type]


def _all_fail(why: str) -> Callable[[str, Mutation], Mutation]:
    return lambda gen, m: m.relabel(Expect.FAIL, why) if m.expect is not Expect.FAIL else m


def di_targets() -> list[Target]:
    w = cw.world()
    out = []
    for suite in ("rdfc", "jcs"):
        cred = w.issued[suite].credential
        other = w.issued["jcs" if suite == "rdfc" else "rdfc"].credential
        proof_ctx = ProofContext(
            suite,
            ("proof",),
            [
                other["proof"]["proofValue"],
                w.revoked["proof"]["proofValue"],
                cw.encode_multibase_base58btc(cw.UNIVERSAL_SIGNATURE),
                "u" + b64url(_b58decode(cred["proof"]["proofValue"])),
            ],
            [other["proof"], w.revoked["proof"]],
            cw.KEY,
        )
        gens = {**_json_gens(), **make_proof_generators(proof_ctx)}
        verifier = w.verifier()
        base_result = verifier.verify_credential(cred)
        assert base_result.verified, base_result.errors
        base_claims = _claims(_result(base_result))
        signed = _value_check(content_check(cred, suite))
        adverse = adverse_check(lambda v, value: v.verify_credential(value), w.adverse())
        oracle = combine(claims_check(base_claims), _value_check(adverse), signed)
        out.append(
            Target(
                f"di-{suite}",
                "Verifier.verify_credential",
                cred,
                lambda value, verifier=verifier: _result(verifier.verify_credential(value)),
                gens,
                _traits(suite),
                oracle=oracle,
                excuse=equivalent_excuse(cred, suite, oracle),
            )
        )
        out.append(
            Target(
                f"di-{suite}",
                "integrity.verify_proof",
                cred,
                lambda value: _result(
                    verify_proof(
                        value,
                        resolver=cw.RESOLVER,
                        clock=FixedClock(cw.NOW),
                        expected_controller=cw.LA.did,
                    )
                ),
                gens,
                _traits(suite),
                oracle=signed,
                excuse=equivalent_excuse(cred, suite, signed),
            )
        )
    return out


def _b58decode(text: str) -> bytes:
    from kr_ovid.keys.multikey import decode_multibase_base58btc

    return decode_multibase_base58btc(text)


def vp_targets() -> list[Target]:
    w = cw.world()
    out = []
    for suite in ("rdfc", "jcs"):
        vp = w.vps[suite]
        cred = w.issued[suite].credential
        cryptosuite = cw.SUITES[0 if suite == "rdfc" else 1]
        verifier = w.verifier()
        base_result = verifier.verify_presentation(vp, challenge=cw.CHALLENGE, domain=cw.DOMAIN)
        assert base_result.verified, base_result.errors
        base_claims = _claims(_result(base_result))

        adverse_verifiers = w.adverse()

        def vp_adverse(
            value: Any, verifier: Any = verifier, adverse: Any = adverse_verifiers
        ) -> str | None:
            for challenge, domain, label in (
                ("other", cw.DOMAIN, "wrong challenge"),
                (cw.CHALLENGE, "other.example", "wrong domain"),
            ):
                if verifier.verify_presentation(value, challenge=challenge, domain=domain).verified:
                    return f"accepted under adverse condition '{label}'"
            return adverse_check(
                lambda v, x: v.verify_presentation(x, challenge=cw.CHALLENGE, domain=cw.DOMAIN),
                adverse,
            )(value)

        verify = lambda value, verifier=verifier: _result(  # noqa: E731
            verifier.verify_presentation(value, challenge=cw.CHALLENGE, domain=cw.DOMAIN)
        )
        signed = _value_check(content_check(vp, suite), skip=("vp-binding",))
        vp_oracle = combine(claims_check(base_claims), _value_check(vp_adverse), signed)
        vp_proof = ProofContext(
            suite,
            ("proof",),
            [
                w.vps["jcs" if suite == "rdfc" else "rdfc"]["proof"]["proofValue"],
                cred["proof"]["proofValue"],
            ],
            [cred["proof"], w.vps["jcs" if suite == "rdfc" else "rdfc"]["proof"]],
            cw.HOLDER,
            proof_purpose="authentication",
            sign_options={"challenge": cw.CHALLENGE, "domain": cw.DOMAIN},
        )
        gens = {**_json_gens(), **make_proof_generators(vp_proof), **make_vp_generators(suite)}
        out.append(
            Target(
                f"vp-{suite}",
                "Verifier.verify_presentation",
                vp,
                verify,
                gens,
                _traits(suite),
                oracle=vp_oracle,
                excuse=equivalent_excuse(vp, suite, vp_oracle),
            )
        )

        # The holder is the attacker: it mutates the credential it holds and re-signs the
        # presentation, so only the credential's own proof stands in the way.
        def resign(gen: str, m: Mutation, cryptosuite: str = cryptosuite) -> Any:
            value = m.value
            if not isinstance(value, dict):
                return value
            try:
                return add_proof(
                    {k: v for k, v in value.items() if k != "proof"},
                    cw.HOLDER,
                    cryptosuite=cryptosuite,
                    proof_purpose="authentication",
                    challenge=cw.CHALLENGE,
                    domain=cw.DOMAIN,
                    created=cw.NOW,
                )
            except (KrOvidError, RecursionError, TypeError, ValueError):
                return value

        cred_proof = ProofContext(
            suite,
            ("verifiableCredential", "proof"),
            [
                w.issued["jcs" if suite == "rdfc" else "rdfc"].credential["proof"]["proofValue"],
                w.revoked["proof"]["proofValue"],
            ],
            [w.revoked["proof"]],
            cw.KEY,
        )
        focus = ("verifiableCredential",)
        out.append(
            Target(
                f"vp-{suite}-holder-resigned",
                "Verifier.verify_presentation",
                vp,
                verify,
                {**_json_gens(), **make_proof_generators(cred_proof)},
                _traits(suite, focus),
                prepare=resign,
                oracle=combine(claims_check(base_claims), _value_check(vp_adverse)),
                excuse=equivalent_excuse(
                    vp,
                    suite,
                    combine(claims_check(base_claims), _value_check(vp_adverse)),
                    inner="verifiableCredential",
                ),
            )
        )
    return out


def enveloped_targets() -> list[Target]:
    """A DI presentation enveloping the issued SD-JWT; the holder tampers with the token and
    re-signs the presentation, so only the SD-JWT's own signature and digests stand in the way."""
    w = cw.world()
    issued = w.issued["rdfc"].sd_jwt
    with cw.deterministic("enveloped"):
        vp = Holder(cw.HOLDER, clock=cw.CLOCK).present(
            [issued], challenge=cw.CHALLENGE, domain=cw.DOMAIN
        )
    verifier = w.verifier()
    base = verifier.verify_presentation(vp, challenge=cw.CHALLENGE, domain=cw.DOMAIN)
    assert base.verified, base.errors
    claims = _claims(_result(base))
    full = _claims(_result(verifier.verify_credential(issued)))

    def envelope(gen: Generator) -> Generator:
        def wrapped(doc: Any, rng: random.Random, traits: Traits) -> Iterator[Mutation]:
            token = unwrap_enveloped(doc["verifiableCredential"])
            for m in gen(token, rng, traits):
                out = copy.deepcopy(doc)
                out["verifiableCredential"]["id"] = (
                    SD_JWT_DATA_PREFIX + m.value if isinstance(m.value, str) else m.value
                )
                yield Mutation(m.detail, out, m.expect, m.why)

        wrapped.__doc__ = gen.__doc__
        return wrapped

    def resign(gen: str, m: Mutation) -> Any:
        value = m.value
        try:
            return add_proof(
                cw.unsigned(value),
                cw.HOLDER,
                proof_purpose="authentication",
                challenge=cw.CHALLENGE,
                domain=cw.DOMAIN,
                created=cw.NOW,
            )
        except (KrOvidError, RecursionError, TypeError, ValueError):
            return value

    def adverse(value: Any) -> str | None:
        for challenge, domain, label in (
            ("other", cw.DOMAIN, "wrong challenge"),
            (cw.CHALLENGE, "other.example", "wrong domain"),
        ):
            if verifier.verify_presentation(value, challenge=challenge, domain=domain).verified:
                return f"accepted under adverse condition '{label}'"
        return adverse_check(
            lambda v, x: v.verify_presentation(x, challenge=cw.CHALLENGE, domain=cw.DOMAIN),
            w.adverse(),
        )(value)

    token_gens = {
        **TOKEN_GENERATORS,
        **make_sd_generators(SdContext(False, w.issued["jcs"].sd_jwt, issued)),
    }
    token_gens.pop("huge-deep")  # a 5 MB data: URL is refused by size before the token is read
    return [
        Target(
            "vp-enveloped-sd-jwt-holder-resigned",
            "Verifier.verify_presentation",
            vp,
            lambda value: _result(
                verifier.verify_presentation(value, challenge=cw.CHALLENGE, domain=cw.DOMAIN)
            ),
            {name: envelope(gen) for name, gen in token_gens.items()},
            _traits("jcs"),
            prepare=resign,
            oracle=combine(claims_check(claims, full), _value_check(adverse)),
        )
    ]


def sd_targets() -> list[Target]:
    w = cw.world()
    issued = w.issued["rdfc"].sd_jwt
    other = w.issued["jcs"].sd_jwt
    verifier = w.verifier()
    traits = _traits("jcs")
    token_gens = dict(TOKEN_GENERATORS)

    def raw_resolve(kid: str, header: Mapping[str, Any]) -> bytes | None:
        """The caller's trust decision: keys of the mission's DID only."""
        if kid.partition("#")[0] != cw.LA.did:
            return None
        return cw.resolve_issuer_key(kid, header)

    full = verifier.verify_credential(issued)
    assert full.verified, full.errors
    full_claims = _claims(_result(full))
    raw_full = verify_sd_jwt(
        issued,
        resolve_key=raw_resolve,
        nonce=None,
        audience=None,
        require_key_binding=False,
        clock=FixedClock(cw.NOW),
    )
    assert raw_full.verified, raw_full.errors
    full_doc = json.loads(cw.dumps(raw_full.document))
    adverse_sd = adverse_check(lambda v, x: v.verify_credential(x), w.adverse())

    def raw_document(base_doc: Any) -> Oracle:
        """NEUTRAL: the same rebuilt document; EITHER: no claim the issuer did not sign."""

        def check(gen: str, m: Mutation, value: Any, outcome: Outcome) -> str | None:
            doc = json.loads(cw.dumps(outcome.result.document))
            if m.expect is Expect.NEUTRAL and doc != base_doc:
                return "accepted with another rebuilt document"
            return (
                None if _subset(doc, full_doc) else "accepted with content the issuer did not sign"
            )

        return check

    out = [
        Target(
            "sd-jwt",
            "Verifier.verify_credential",
            issued,
            lambda value: _result(verifier.verify_credential(value)),
            {**token_gens, **make_sd_generators(SdContext(False, other, issued))},
            traits,
            oracle=combine(claims_check(full_claims, full_claims), _value_check(adverse_sd)),
        ),
        Target(
            "sd-jwt",
            "sdjwt.verify_sd_jwt",
            issued,
            lambda value: _result(
                verify_sd_jwt(
                    value,
                    resolve_key=raw_resolve,
                    nonce=None,
                    audience=None,
                    require_key_binding=False,
                    clock=FixedClock(cw.NOW),
                )
            ),
            {**token_gens, **make_sd_generators(SdContext(False, other, issued))},
            traits,
            oracle=raw_document(full_doc),
        ),
    ]

    kb = w.kb
    base_kb = verifier.verify_presentation(kb, nonce=cw.NONCE, audience=cw.DOMAIN)
    assert base_kb.verified, base_kb.errors
    kb_claims = _claims(_result(base_kb))

    def kb_adverse(value: Any) -> str | None:
        for nonce, aud, label in (
            ("other", cw.DOMAIN, "wrong nonce"),
            (cw.NONCE, "other.example", "wrong audience"),
        ):
            if verifier.verify_presentation(value, nonce=nonce, audience=aud).verified:
                return f"accepted under adverse condition '{label}'"
        return adverse_check(
            lambda v, x: v.verify_presentation(x, nonce=cw.NONCE, audience=cw.DOMAIN), w.adverse()
        )(value)

    prefix = kb.rsplit("~", 1)[0]
    raw_kb = verify_sd_jwt(
        kb,
        resolve_key=raw_resolve,
        nonce=cw.NONCE,
        audience=cw.DOMAIN,
        require_key_binding=True,
        clock=FixedClock(cw.NOW),
    )
    assert raw_kb.verified, raw_kb.errors
    kb_doc = json.loads(cw.dumps(raw_kb.document))

    def relay(gen: str, m: Mutation) -> Mutation:
        """A relay cannot re-bind: whatever changes before the KB-JWT breaks its sd_hash."""
        if (
            isinstance(m.value, str)
            and m.value.rsplit("~", 1)[0] != prefix
            and m.expect is not Expect.FAIL
        ):
            return m.relabel(Expect.FAIL, "the KB-JWT's sd_hash covers it")
        return m

    def rebind(gen: str, m: Mutation) -> Any:
        if gen == "kb-jwt" or not isinstance(m.value, str) or "~" not in m.value:
            return m.value
        if m.value.rsplit("~", 1)[0] == prefix:
            return m.value  # only the KB-JWT changed: re-binding would undo the mutation
        presented = m.value.rsplit("~", 1)[0] + "~"
        try:
            return presented + create_kb_jwt(
                presented, cw.HOLDER, nonce=cw.NONCE, aud=cw.DOMAIN, iat=cw.NOW
            )
        except (KrOvidError, UnicodeEncodeError, ValueError):
            return m.value

    kb_gens = {**token_gens, **make_sd_generators(SdContext(True, other, issued))}

    def kb_verify(value: Any) -> Outcome:
        return _result(verifier.verify_presentation(value, nonce=cw.NONCE, audience=cw.DOMAIN))

    out += [
        Target(
            "sd-jwt+kb",
            "Verifier.verify_presentation",
            kb,
            kb_verify,
            kb_gens,
            traits,
            relabel=relay,
            oracle=combine(claims_check(kb_claims, full_claims), _value_check(kb_adverse)),
        ),
        Target(
            "sd-jwt+kb",
            "sdjwt.verify_sd_jwt",
            kb,
            lambda value: _result(
                verify_sd_jwt(
                    value,
                    resolve_key=raw_resolve,
                    nonce=cw.NONCE,
                    audience=cw.DOMAIN,
                    require_key_binding=True,
                    clock=FixedClock(cw.NOW),
                )
            ),
            kb_gens,
            traits,
            relabel=relay,
            oracle=raw_document(kb_doc),
        ),
        Target(
            "sd-jwt+kb-holder-rebound",
            "Verifier.verify_presentation",
            kb,
            kb_verify,
            {k: v for k, v in kb_gens.items() if k != "kb-jwt"},
            traits,
            prepare=rebind,
            oracle=combine(claims_check(kb_claims, full_claims), _value_check(kb_adverse)),
        ),
    ]
    return out


def status_targets() -> list[Target]:
    w = cw.world()
    revocation = next(lst for lst in w.honest_lists if lst["id"].endswith("/revocation"))
    honest = {lst["id"]: lst for lst in w.honest_lists}
    valid = w.issued["rdfc"]
    valid_index = valid.allocations[0].index
    revoked_index = int(w.revoked["credentialStatus"][0]["statusListIndex"])

    def verify_with(mutated: Any, credential: dict[str, Any]) -> Outcome:
        """A fresh Verifier (no cached list) whose fetcher serves the mutated revocation list at
        its URL, whatever the mutated list now says its id is."""
        fetcher = LocalStatusListFetcher({**honest, revocation["id"]: mutated})
        return _result(w.verifier(fetcher=fetcher).verify_credential(credential))

    proof_ctx = ProofContext(
        "rdfc",
        ("proof",),
        [lst["proof"]["proofValue"] for lst in w.honest_lists if lst is not revocation]
        + [w.revoked["proof"]["proofValue"]],
        [lst["proof"] for lst in w.revoked_lists[:1]],
        cw.KEY,
    )
    gens = {
        **_json_gens(),
        **make_proof_generators(proof_ctx),
        **make_status_generators(revoked_index, valid_index),
    }
    signed = content_check(revocation, "rdfc")

    def still_revoked(value: Any) -> str | None:
        if verify_with(value, w.revoked).verified:
            return "the list it accepted hides a revocation"
        return signed(value)

    status_oracle = _value_check(still_revoked)

    assert verify_with(revocation, valid.credential).verified
    assert not verify_with(revocation, w.revoked).verified
    return [
        Target(
            "status-list",
            "Verifier.verify_credential (valid credential)",
            revocation,
            lambda value: verify_with(value, valid.credential),
            gens,
            _traits("rdfc"),
            oracle=status_oracle,
            excuse=equivalent_excuse(revocation, "rdfc", status_oracle),
        ),
        Target(
            "status-list",
            "Verifier.verify_credential (revoked credential)",
            revocation,
            lambda value: verify_with(value, w.revoked),
            gens,
            _traits("rdfc"),
            relabel=_all_fail(
                "the credential is revoked: no spelling of its list may say otherwise"
            ),
        ),
    ]


def trust_targets() -> list[Target]:
    w = cw.world()
    base = w.trust_list

    def content(trust_list: Any) -> Any:
        return (
            trust_list.issuer,
            trust_list.version,
            trust_list.issued,
            trust_list.next_update,
            frozenset(trust_list.missions),
        )

    reference = content(w.registry.trust_list)
    signed = content_check(base, "rdfc")

    def same_content(gen: str, m: Mutation, value: Any, outcome: Outcome) -> str | None:
        if content(outcome.result) != reference:
            return "accepted a trust list with other content"
        return signed(value)

    def from_trust_list(value: Any) -> Outcome:
        try:
            registry = TrustListRegistry.from_trust_list(
                value, root_did=cw.ROOT.controller, resolver=cw.RESOLVER, clock=cw.CLOCK
            )
        except KrOvidError as exc:
            return _refused(exc)
        return Outcome(True, (), None, registry.trust_list)

    def verify_list(value: Any) -> Outcome:
        res = verify_trust_list(
            value, root_did=cw.ROOT.controller, resolver=cw.RESOLVER, clock=FixedClock(cw.NOW)
        )
        return Outcome(
            res.verified is True,
            tuple(c.value for c in res.codes),
            None,
            res.claims if res.verified else res,
        )

    proof_ctx = ProofContext(
        "rdfc",
        ("proof",),
        [w.issued["rdfc"].credential["proof"]["proofValue"]],
        [w.issued["rdfc"].credential["proof"]],
        cw.ROOT,
    )
    gens = {**_json_gens(), **make_proof_generators(proof_ctx), "trust-entries": gen_trust_entries}
    return [
        Target(
            "trust-list",
            "TrustListRegistry.from_trust_list",
            base,
            from_trust_list,
            gens,
            _traits("rdfc"),
            oracle=same_content,
            excuse=equivalent_excuse(base, "rdfc", same_content),
        ),
        Target(
            "trust-list",
            "trust.verify_trust_list",
            base,
            verify_list,
            gens,
            _traits("rdfc"),
            oracle=same_content,
            excuse=equivalent_excuse(base, "rdfc", same_content),
        ),
    ]


def did_targets() -> list[Target]:
    w = cw.world()
    base = cw.DOC
    honest = w.issued["rdfc"].credential
    gens = {**_json_gens(_DID_GENERATORS), "did-key-swaps": gen_did_key_swaps}

    def local(doc: Any) -> Any:
        return CompositeResolver({"web": LocalDidResolver([doc])})

    def web(doc: Any) -> Any:
        def fetch(url: str, *, timeout: float, max_bytes: int) -> bytes:
            return json.dumps(doc, ensure_ascii=False).encode("utf-8", "surrogatepass")

        return CompositeResolver({"web": WebDidResolver(fetch)})

    def forged_outcome(
        doc: Any, make: Callable[[Any], Any], check: Callable[[Any, Any], Any]
    ) -> Outcome:
        try:
            resolver = make(doc)
        except KrOvidError as exc:
            return _refused(exc)
        verified: list[str] = []
        codes: list[str] = []
        for name, forged in w.forged.items():
            res = check(forged, resolver)
            codes.extend(c.value for c in res.codes)
            if res.verified:
                verified.append(name)
        return Outcome(bool(verified), tuple(codes), None, verified)

    def raw(forged: Any, resolver: Any) -> Any:
        return verify_proof(
            forged, resolver=resolver, clock=FixedClock(cw.NOW), expected_controller=cw.LA.did
        )

    def full(forged: Any, resolver: Any) -> Any:
        return w.verifier(resolver=resolver).verify_credential(forged)

    def excuse(gen: str, m: Mutation, doc: Any, outcome: Outcome) -> str | None:
        reasons = [legit_authorization(doc, name) for name in outcome.result]
        return reasons[0] if reasons and all(reasons) else None

    forged_only = _all_fail("a forgery must not verify under any mutation of the document")

    def honest_outcome(doc: Any) -> Outcome:
        try:
            resolver = local(doc)
        except KrOvidError as exc:
            return _refused(exc)
        return _result(
            verify_proof(
                honest, resolver=resolver, clock=FixedClock(cw.NOW), expected_controller=cw.LA.did
            )
        )

    def honest_label(gen: str, m: Mutation) -> Mutation:
        if m.expect is Expect.FAIL:
            return m.relabel(
                Expect.EITHER,
                "an unsigned document: other content may still publish the honest key",
            )
        return m

    return [
        Target(
            "did-document/forged",
            "integrity.verify_proof via LocalDidResolver",
            base,
            lambda doc: forged_outcome(doc, local, raw),
            gens,
            _traits("none"),
            relabel=forged_only,
            excuse=excuse,
        ),
        Target(
            "did-document/forged",
            "Verifier.verify_credential via WebDidResolver",
            base,
            lambda doc: forged_outcome(doc, web, full),
            gens,
            _traits("none"),
            relabel=forged_only,
            excuse=excuse,
        ),
        Target(
            "did-document/honest",
            "integrity.verify_proof via LocalDidResolver",
            base,
            honest_outcome,
            gens,
            _traits("none"),
            relabel=honest_label,
        ),
    ]


@functools.cache
def all_targets() -> tuple[Target, ...]:
    return tuple(
        [
            *di_targets(),
            *vp_targets(),
            *enveloped_targets(),
            *sd_targets(),
            *status_targets(),
            *trust_targets(),
            *did_targets(),
        ]
    )


# --------------------------------------------------------------------------------------------
# Profiles and the runner
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Profile:
    name: str
    seed: int
    rounds: int  # rounds of every generator (each round draws fresh random values)
    minimum: int  # the run must reach at least this many cases


PROFILES = {
    "default": Profile("default", 20260301, 1, 10_000),
    "large": Profile("large", 20260301, 16, 100_000),
}


def profile_from_env() -> Profile:
    return PROFILES[os.environ.get("KR_OVID_CORPUS", "default").strip().lower() or "default"]


@dataclass(frozen=True)
class KnownBug:
    """A src bug the corpus found. Matching findings are expected failures: listed in the
    summary and reproduced by a strict xfail test each, never silently dropped."""

    key: str
    target_contains: str
    problem: str  # the finding category it produces
    text_contains: str  # in the mutation's detail or the finding's note
    reason: str

    def matches(self, finding: Finding) -> bool:
        return (
            self.target_contains in finding.target
            and finding.problem == self.problem
            and self.text_contains in f"{finding.detail} {finding.note}"
        )


#: Empty: the four bugs this corpus found (a non-string mission state and a lone surrogate
#: raising out of verify_trust_list; a method embedded in one DID relationship authorised for
#: another; RecursionError from LocalDidResolver on a deep document) were fixed in d0daa01 and
#: are regression tests in test_attack_corpus.py. Example entry, should one be needed again:
#: ``KnownBug("key", "trust-list via", "uncaught-exception", "TypeError", "why it is a bug")``.
KNOWN_BUGS: tuple[KnownBug, ...] = ()


@dataclass
class Finding:
    target: str
    generator: str
    detail: str
    expect: str
    problem: str
    codes: tuple[str, ...]
    note: str = ""
    bug: str = ""  # the KNOWN_BUGS key it matched

    def __str__(self) -> str:
        return (
            f"[{self.problem}] {self.target} | {self.generator} | {self.detail} | expected {self.expect}"
            f" | codes={list(self.codes)[:4]}" + (f" | {self.note}" if self.note else "")
        )


@dataclass
class Report:
    profile: Profile
    cases: Counter[tuple[str, str]] = field(default_factory=Counter)  # (instance, generator)
    by_entry: Counter[str] = field(default_factory=Counter)
    outcomes: Counter[str] = field(default_factory=Counter)
    expectations: Counter[str] = field(default_factory=Counter)
    findings: list[Finding] = field(default_factory=list)
    known: list[Finding] = field(default_factory=list)
    excused: list[Finding] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def total(self) -> int:
        return sum(self.cases.values())

    def problems(self, kind: str) -> list[Finding]:
        return [f for f in self.findings if f.problem == kind]

    def summary(self) -> str:
        instances = sorted({i for i, _ in self.cases})
        generators = sorted({g for _, g in self.cases})
        lines = [
            f"attack corpus, profile {self.profile.name} (seed {self.profile.seed}, rounds {self.profile.rounds}): "
            f"{self.total} cases in {self.seconds:.1f} s",
            "by instance kind: "
            + ", ".join(
                f"{i}={sum(n for (k, _), n in self.cases.items() if k == i)}" for i in instances
            ),
            "by entry point: " + ", ".join(f"{e}={n}" for e, n in sorted(self.by_entry.items())),
            "by expectation: "
            + ", ".join(f"{e}={n}" for e, n in sorted(self.expectations.items())),
            "outcomes: " + ", ".join(f"{e}={n}" for e, n in sorted(self.outcomes.items())),
            "by mutation kind: "
            + ", ".join(
                f"{g}={sum(n for (_, k), n in self.cases.items() if k == g)}" for g in generators
            ),
            "by instance kind and mutation kind:",
        ]
        for i in instances:
            row = ", ".join(
                f"{g}={self.cases[(i, g)]}" for g in generators if self.cases.get((i, g))
            )
            lines.append(f"  {i}: {row}")
        if self.excused:
            lines.append(
                f"excused accepts (the signature cannot tell them from the original, the oracle"
                f" holds, or the document really authorises the key): {len(self.excused)}"
            )
            by_note = Counter((f.generator, f.note) for f in self.excused)
            for (generator, note), n in sorted(by_note.items()):
                example = next(
                    f for f in self.excused if (f.generator, f.note) == (generator, note)
                )
                lines.append(f"  {n} x {generator}: {note}; e.g. {example.target} {example.detail}")
        if self.known:
            lines.append(
                f"known src bugs (expected failures, see KNOWN_BUGS): {len(self.known)} cases"
            )
            for key, n in sorted(Counter(f.bug for f in self.known).items()):
                example = next(f for f in self.known if f.bug == key)
                lines.append(f"  {n} x {key}; e.g. {example}")
        if self.findings:
            lines.append(f"FINDINGS: {len(self.findings)}")
            lines.extend(f"  {f}" for f in self.findings[:60])
        return "\n".join(lines)


def _safe(fn: Callable[[], Outcome]) -> Outcome:
    try:
        return fn()
    except Exception as exc:  # noqa: BLE001 — the point is to count what escapes
        return Outcome(False, (), f"{type(exc).__name__}: {str(exc)[:200]}", None)


def run_target(target: Target, profile: Profile, report: Report) -> None:
    for gen_name, mutation in cases_of(target, profile):
        run_case(target, gen_name, mutation, report)


def run_case(target: Target, gen_name: str, m: Mutation, report: Report) -> None:
    value = _prepared(target, gen_name, m)
    outcome = _safe(lambda: target.verify(value))
    report.cases[(target.instance, gen_name)] += 1
    report.by_entry[target.entry.split(" ")[0]] += 1
    report.expectations[m.expect.value] += 1
    problem, note = _judge(target, gen_name, m, value, outcome)
    if problem is None:
        report.outcomes["accepted" if outcome.verified else "refused"] += 1
        return
    finding = Finding(target.name, gen_name, m.detail, m.expect.value, problem, outcome.codes, note)
    bug = next((b for b in KNOWN_BUGS if b.matches(finding)), None)
    if problem == "excused":
        report.excused.append(finding)
    elif bug is not None:
        finding.bug = bug.key
        report.known.append(finding)
        problem = f"known-bug ({problem})"
    else:
        report.findings.append(finding)
    report.outcomes[problem] += 1


def _prepared(target: Target, gen_name: str, m: Mutation) -> Any:
    if target.prepare is None:
        return m.value
    try:
        return target.prepare(gen_name, m)
    except Exception:  # noqa: BLE001 — a value the holder cannot re-sign is sent as it is
        return m.value


def _judge(
    target: Target, gen_name: str, m: Mutation, value: Any, outcome: Outcome
) -> tuple[str | None, str]:
    if outcome.raised is not None:
        return "uncaught-exception", outcome.raised
    if "INTERNAL_ERROR" in outcome.codes:
        return "internal-error", "an exception inside the library was turned into INTERNAL_ERROR"
    if not outcome.verified:
        if not outcome.codes:
            return "refused-without-code", ""
        if m.expect is Expect.NEUTRAL:
            return "neutral-rejection", m.why
        return None, ""
    if m.expect is Expect.FAIL:
        if target.excuse is not None:
            reason = _safe_note(lambda: target.excuse(gen_name, m, value, outcome))  # type: ignore[misc]
            if reason and not reason.startswith("oracle raised"):
                return "excused", reason
        return "false-accept", ""
    if target.oracle is not None:
        problem = _safe_note(lambda: target.oracle(gen_name, m, value, outcome))  # type: ignore[misc]
        if problem:
            return "false-accept", problem
    return None, ""


def _safe_note(fn: Callable[[], str | None]) -> str | None:
    try:
        return fn()
    except Exception as exc:  # noqa: BLE001
        return f"oracle raised {type(exc).__name__}: {exc}"


def run_corpus(profile: Profile, targets: tuple[Target, ...] | None = None) -> Report:
    report = Report(profile)
    start = time.perf_counter()
    for target in targets or all_targets():
        run_target(target, profile, report)
    report.seconds = time.perf_counter() - start
    return report


def cases_of(target: Target, profile: Profile) -> Iterator[tuple[str, Mutation]]:
    """The labelled cases of one target in run order, without no-ops and repeats.

    To reproduce a finding: ``next(m for g, m in cases_of(t, PROFILES["default"]) if g == gen
    and m.detail == detail)`` with ``t`` the target named in the finding, then
    ``t.verify(t.prepare(g, m) if t.prepare else m.value)``.
    """
    base_print = fingerprint(target.base)
    for gen_name in sorted(target.generators):
        rng = random.Random(f"{profile.seed}/{target.name}/{gen_name}")
        seen = {base_print}
        for _ in range(profile.rounds):
            for mutation in target.generators[gen_name](target.base, rng, target.traits):
                printed = fingerprint(mutation.value)
                if printed in seen:
                    continue
                seen.add(printed)
                yield gen_name, target.relabel(gen_name, mutation) if target.relabel else mutation
