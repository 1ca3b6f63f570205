"""Shared pieces of the fuzz targets: the error contract, input strategies and valid seeds.

Inputs are of two kinds:

* **structured**: a valid seed (an issued credential, a presentation, an SD-JWT, N-Quads, a
  status list, a DID document) changed by a few random edits (:func:`mutated_json`,
  :func:`mutated_text`), so that most inputs get past the first checks and reach deep code;
* **raw**: random JSON trees (:data:`JSON`, with the values that trip parsers: lone surrogates,
  huge integers, NaN, keywords, DIDs, timestamps) and random text or bytes.

The contract every target checks: a parser returns or raises one of the library's documented
errors (:data:`DOCUMENTED`); a verifier never raises, and never says "verified" for an input that
is not (equivalent to) a validly signed one.
"""

from __future__ import annotations

import base64
import contextlib
import copy
import functools
import gzip
import json
import math
import random
import secrets
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from unittest import mock

from hypothesis import event
from hypothesis import strategies as st

from kr_ovid._json import JsonParseError
from kr_ovid.clock import FixedClock
from kr_ovid.did import CompositeResolver, LocalDidResolver
from kr_ovid.errors import KrOvidError
from kr_ovid.holder import Holder
from kr_ovid.keys import Ed25519Signer
from kr_ovid.ovid.missions import load_missions
from kr_ovid.ovid.services import GOV24
from kr_ovid.problems import ErrorCode
from kr_ovid.results import VerificationResult
from kr_ovid.status import InMemoryStatusListStore
from kr_ovid.status.bitstring import (
    DEFAULT_MAX_LIST_BYTES,
    MIN_LIST_LENGTH,
    StatusBitstring,
    encode_list,
)
from kr_ovid.status.check import LocalStatusListFetcher
from kr_ovid.status.publish import issue_status_list_credential
from kr_ovid.trust import TrustListRegistry, create_trust_list
from kr_ovid.verifier import Verifier

from support import sample_claims

TESTS = Path(__file__).resolve().parent.parent
VECTORS = TESTS / "vectors"

#: Everything a parser may raise on hostile input: the library's error tree (``errors.py``)
#: and the bounded JSON parser's ``JsonParseError`` (named separately: it has been a plain
#: ``ValueError`` and is now part of the tree).
DOCUMENTED: tuple[type[Exception], ...] = (KrOvidError, JsonParseError)


def returns_or_raises(
    fn: Callable[..., Any], *args: Any, allowed: tuple[type[Exception], ...] = DOCUMENTED, **kw: Any
) -> tuple[bool, Any]:
    """``(True, result)`` or ``(False, error)`` for an allowed error; anything else propagates,
    so Hypothesis reports (and shrinks) each undocumented exception with its own traceback."""
    name = getattr(fn, "__qualname__", "call")
    try:
        result = fn(*args, **kw)
    except allowed as exc:
        event(f"{name}: {type(exc).__name__} {getattr(exc, 'code', '')}".rstrip())
        return False, exc
    event(f"{name}: returned")
    return True, result


def assert_refused_or_legit(result: VerificationResult, legit: bool, what: str) -> None:
    """The verifier contract: a coded answer, no INTERNAL_ERROR, and "verified" only if legit.

    ``INTERNAL_ERROR`` is the verifiers' safety net for an exception they did not foresee: on
    input from the fuzzer (no injected part fails) it means a crash was masked.
    """
    assert isinstance(result, VerificationResult), f"{what}: not a VerificationResult"
    outcome = "verified" if result.verified else "refused"
    event(f"{what}: {outcome} {result.codes[0].value if result.codes else ''}".rstrip())
    assert ErrorCode.INTERNAL_ERROR not in result.codes, f"{what}: masked crash {result.errors}"
    if result.verified:
        assert legit, f"{what}: a changed or garbage input verified"
        assert not result.errors
    else:
        assert result.errors, f"{what}: refused without a reason"
        assert result.document is None


# --------------------------------------------------------------------------- raw strategies

INTERESTING_STRINGS = [
    "",
    " ",
    "\n",
    "\x00",
    "\x7f",
    "\ud800",
    "a\udfffb",
    "\u2028",
    "\u0085",
    "\ufeff",
    "\u202e",
    "홍길동",
    "e\u0301",
    "@context",
    "@id",
    "@type",
    "@vocab",
    "@graph",
    "@list",
    "@set",
    "@value",
    "@language",
    "@direction",
    "@json",
    "@reverse",
    "@nest",
    "@included",
    "@index",
    "@protected",
    "@none",
    "id",
    "type",
    "proof",
    "_sd",
    "_sd_alg",
    "...",
    "sha-256",
    "cnf",
    "VerifiableCredential",
    "VerifiablePresentation",
    "OverseasNationalIdCredential",
    "DataIntegrityProof",
    "eddsa-rdfc-2022",
    "eddsa-jcs-2022",
    "BitstringStatusListEntry",
    "https://www.w3.org/ns/credentials/v2",
    "https://w3id.org/kr-ovid/v1",
    "https://www.w3.org/ns/did/v1",
    "https://w3id.org/security/multikey/v1",
    "https://example.com/",
    "http://a/b c",
    "urn:uuid:00000000-0000-0000-0000-000000000000",
    "_:b0",
    "_:",
    "did:key:",
    "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK",
    "did:web:example.com",
    "did:web:example.com%3A3000:u:bob",
    "did:web:ovid.example:missions:us-losangeles",
    "did:web:ovid.example:missions:us-losangeles#key-1",
    "did:example:123",
    "#key-1",
    "2026-03-01T01:00:00Z",
    "2026-03-01T01:00:00.999999999+14:00",
    "2026-02-30T00:00:00Z",
    "2026-03-01T24:00:00Z",
    "0001-01-01T00:00:00Z",
    "9999-12-31T23:59:59-14:00",
    "2026-03-01",
    "0x0",
    "0x1",
    "0xFFFFFFFF",
    "131072",
    "00000000000000000001",
    "99999999999999999999",
    "-1",
    "1e999",
    "u",
    "z",
    "zz",
    "uH4sIAAAAAAAA",
    "%3A",
    "%2F",
    "..",
    "/",
    "~",
    "~~",
    ".",
    "eyJ9",
    "AAAA",
]
INTERESTING_NUMBERS: list[Any] = [
    0,
    1,
    -1,
    2,
    7,
    8,
    9,
    255,
    256,
    2**31,
    2**53 + 1,
    2**63,
    10**29,
    10**30,
    -(10**30),
    0.0,
    -0.0,
    0.5,
    1.0,
    1e308,
    5e-324,
    True,
    False,
]

#: Text over all of Unicode, lone surrogates included (``parse_json`` returns them for ``\ud800``).
any_text = st.text(
    st.characters(exclude_categories=()) | st.sampled_from(["\ud800", "\udfff", "\x00", "\n"]),
    max_size=40,
)
strings = (
    st.sampled_from(INTERESTING_STRINGS)
    | any_text
    | st.text(st.just("x"), min_size=250, max_size=1100)  # past the usual length limits
)
keys = st.sampled_from(INTERESTING_STRINGS) | st.text(max_size=12)
leaves = (
    st.none()
    | st.booleans()
    | st.sampled_from(INTERESTING_NUMBERS)
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | strings
)
#: Random JSON-shaped trees (what ``parse_json`` can return, lone surrogates included).
JSON = st.recursive(
    leaves,
    lambda kids: st.lists(kids, max_size=4) | st.dictionaries(keys, kids, max_size=4),
    max_leaves=20,
)
#: Python values that are not JSON at all (for entry points that take an object).
NON_JSON = st.sampled_from(
    [
        float("nan"),
        float("inf"),
        10**400,
        b"bytes",
        bytearray(b"x"),
        (1, 2),
        {1, 2},
        {1: "non-string key"},
        {"x": float("-inf")},
        object(),
        "a" * 300_000,
    ]
)
ANY_VALUE = JSON | NON_JSON

#: Random text leaning on the characters compact serializations are built from.
token_text = st.text(
    st.sampled_from('AZaz09-_.~=+/ \n"{}[],:') | st.characters(exclude_categories=()),
    max_size=200,
)


# --------------------------------------------------------------------------- mutations


def paths(value: Any, at: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every location in a JSON tree (``()`` is the root), depth-first."""
    yield at
    if isinstance(value, dict):
        for k, v in value.items():
            yield from paths(v, (*at, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from paths(v, (*at, i))


def _get(doc: Any, path: tuple[Any, ...]) -> Any:
    for step in path:
        doc = doc[step]
    return doc


def _set(doc: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    _get(doc, path[:-1])[path[-1]] = value
    return doc


def _tweak_string(draw: st.DrawFn, s: str) -> str:
    i = draw(st.integers(0, len(s)))
    j = draw(st.integers(i, min(len(s), i + 8)))
    op = draw(st.sampled_from(["cut", "insert", "replace", "truncate", "case", "suffix"]))
    if op == "cut":
        return s[:i] + s[j:]
    if op == "insert":
        return s[:i] + draw(strings) + s[i:]
    if op == "replace":
        return (
            s[:i] + draw(st.text(max_size=3) | st.sampled_from(["\n", "#", ":", "\ud800"])) + s[j:]
        )
    if op == "truncate":
        return s[:i]
    if op == "case":
        return s[:i] + s[i:j].swapcase() + s[j:]
    return s + draw(st.sampled_from(["\n", " ", "#x", "/", ":", "%3A", "~", "=", "\x00"]))


def _tweak_number(draw: st.DrawFn, n: float) -> Any:
    op = draw(st.sampled_from(["inc", "neg", "big", "float", "str", "interesting"]))
    if op == "inc":
        return n + draw(st.sampled_from([1, -1]))
    if op == "neg":
        return -n
    if op == "big":
        return n * 2 ** draw(st.integers(1, 130)) if math.isfinite(n) else n
    if op == "float":
        return float(n) if isinstance(n, int) else int(n) if math.isfinite(n) else 0
    if op == "str":
        return str(n)
    return draw(st.sampled_from(INTERESTING_NUMBERS))


@st.composite
def mutated_json(draw: st.DrawFn, seed: Any, max_steps: int = 3) -> Any:
    """``seed`` after 1..``max_steps`` random edits: replace, delete, insert, duplicate, wrap,
    unwrap, splice a subtree from elsewhere, or tweak a string or number in place."""
    doc = copy.deepcopy(seed)
    for _ in range(draw(st.integers(1, max_steps))):
        locations = list(paths(doc))
        path = draw(st.sampled_from(locations))
        node = _get(doc, path)
        op = draw(
            st.sampled_from(
                ["replace", "delete", "insert", "duplicate", "wrap", "unwrap", "splice", "tweak"]
            )
        )
        if op == "replace":
            doc = _set(doc, path, draw(JSON))
        elif op == "delete" and path:
            parent = _get(doc, path[:-1])
            del parent[path[-1]]
        elif op == "insert" and isinstance(node, dict):
            node[draw(keys)] = draw(JSON)
        elif op == "insert" and isinstance(node, list):
            node.insert(draw(st.integers(0, len(node))), draw(JSON))
        elif op == "duplicate" and isinstance(node, list) and node:
            node.append(copy.deepcopy(draw(st.sampled_from(node))))
        elif op == "duplicate" and isinstance(node, dict) and node:
            node[draw(keys)] = copy.deepcopy(node[draw(st.sampled_from(sorted(node)))])
        elif op == "wrap":
            doc = _set(doc, path, [node])
        elif op == "unwrap" and isinstance(node, list) and node:
            doc = _set(doc, path, node[0])
        elif op == "splice":
            donor = copy.deepcopy(_get(doc, draw(st.sampled_from(locations))))
            doc = _set(doc, path, donor)
        elif op == "tweak" and isinstance(node, str):
            doc = _set(doc, path, _tweak_string(draw, node))
        elif op == "tweak" and isinstance(node, int | float) and not isinstance(node, bool):
            doc = _set(doc, path, _tweak_number(draw, node))
        elif op == "tweak" and isinstance(node, bool):
            doc = _set(doc, path, not node)
        else:
            doc = _set(doc, path, draw(leaves))
    return doc


@st.composite
def mutated_text(
    draw: st.DrawFn,
    seed: str,
    max_steps: int = 3,
    pieces: st.SearchStrategy[str] = token_text,
) -> str:
    """``seed`` after 1..``max_steps`` edits of a short range: cut, insert, replace, copy,
    truncate, swap case, or add a piece at either end."""
    s = seed
    for _ in range(draw(st.integers(1, max_steps))):
        i = draw(st.integers(0, len(s)))
        j = draw(st.integers(i, min(len(s), i + draw(st.sampled_from([1, 4, 40])))))
        op = draw(st.sampled_from(["cut", "insert", "replace", "copy", "truncate", "case", "ends"]))
        if op == "ends":  # boundaries are where anchors and length checks go wrong
            piece = draw(pieces)
            s = s + piece if draw(st.booleans()) else piece + s
        elif op == "cut":
            s = s[:i] + s[j:]
        elif op == "insert":
            s = s[:i] + draw(pieces) + s[i:]
        elif op == "replace":
            s = s[:i] + draw(pieces) + s[j:]
        elif op == "copy":
            s = s[:j] + s[i:j] + s[j:]
        elif op == "truncate":
            s = s[:i]
        else:
            s = s[:i] + s[i:j].swapcase() + s[j:]
    return s


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_json(value: Any) -> str:
    """base64url(JSON) the way a hostile encoder may write it (any value, any surrogate)."""
    text = json.dumps(value, ensure_ascii=False, allow_nan=True)
    return b64url(text.encode("utf-8", "surrogatepass"))


def canonical_json(value: Any) -> str:
    """A type-exact JSON spelling (``1``, ``1.0`` and ``true`` differ) for equality checks."""
    return json.dumps(value, sort_keys=True, ensure_ascii=True, allow_nan=True)


#: Members that VC Data Model 2.0 and Data Integrity let hold one value or an array of them, and
#: that kr_ovid reads either way.
ONE_OR_MORE = frozenset(
    {
        "@context",
        "type",
        "credentialSchema",
        "credentialStatus",
        "evidence",
        "termsOfUse",
        "refreshService",
        "verifiableCredential",
        "proof",
        "domain",
        "previousProof",
    }
)


def facts(doc: Any, one_or_more: frozenset[str] | None = None) -> set[tuple[Any, ...]]:
    """The statements a JSON-LD document makes, roughly: nodes with an ``id`` are merged
    (members may be spread over the places a node is described), arrays are sets, and a value
    equals a one-element array of it for the members in ``one_or_more`` (all members when
    ``None``: the RDF view); ``@context`` is left out. Two documents with the same facts sign the same RDF, so either
    may verify; any other change must not."""
    out: set[tuple[Any, ...]] = set()

    def ref(node: Any, path: tuple[Any, ...]) -> Any:
        if isinstance(node, dict):
            ident = node.get("id")
            return ("node", ident) if isinstance(ident, str) else ("blank", path)
        return ("value", canonical_json(node))

    def walk(node: Any, path: tuple[Any, ...]) -> None:
        if isinstance(node, list):
            for item in node:
                walk(item, (*path, "[]"))
            return
        if not isinstance(node, dict):
            return
        subject = ref(node, path)
        for k, v in node.items():
            if k == "@context":  # makes no statement; a change that matters changes the RDF
                continue
            array = isinstance(v, list) and one_or_more is not None and k not in one_or_more
            for item in v if isinstance(v, list) else [v]:
                out.add((subject, k, array, ref(item, (*path, k))))
                walk(item, (*path, k))

    walk(doc, ())
    return out


def same_facts(a: Any, b: Any, one_or_more: frozenset[str] | None = ONE_OR_MORE) -> bool:
    """``facts(a) == facts(b)``; ``False`` for values that are not JSON at all."""
    try:
        return facts(a, one_or_more) == facts(b, one_or_more)
    except (TypeError, ValueError):
        return False


def di_legit(
    doc: Any, seed: dict[str, Any], one_or_more: frozenset[str] | None = ONE_OR_MORE
) -> bool:
    """Whether ``doc`` may verify as ``seed`` did: the same facts outside ``proof``, and each of
    its proofs one of the seed's (a proof dropped from a proof set leaves the others valid)."""
    if not isinstance(doc, dict):
        return False

    def unsecured(d: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in d.items() if k != "proof"}

    def proofs(d: dict[str, Any]) -> list[Any]:
        value = d.get("proof")
        return value if isinstance(value, list) else [value]

    return same_facts(unsecured(doc), unsecured(seed), one_or_more) and all(
        any(same_facts(p, o, one_or_more) for o in proofs(seed)) for p in proofs(doc)
    )


def sd_jwt_subset(token: object, original: str) -> bool:
    """Whether ``token`` is ``original`` (an SD-JWT without KB-JWT) minus some disclosures."""
    if not isinstance(token, str):
        return False
    parts, orig = token.split("~"), original.split("~")
    disclosures = parts[1:-1]
    return (
        len(parts) >= 2
        and parts[0] == orig[0]
        and parts[-1] == ""
        and len(set(disclosures)) == len(disclosures)
        and set(disclosures) <= set(orig[1:-1])
    )


# --------------------------------------------------------------------------- valid seeds

NOW = datetime(2026, 3, 1, 1, 0, tzinfo=UTC)
CLOCK = FixedClock(NOW)
CHALLENGE = "fuzz-challenge-1"
DOMAIN = "gov24.example"
BASE = "https://ovid.example/missions/us-losangeles/status"
CLAIMS: dict[str, Any] = sample_claims()
LOGIN_CLAIMS = ["/credentialSubject/familyName", "/credentialSubject/givenName"]
LOGIN_CLAIMS += ["/credentialSubject/birthDate", "/credentialSubject/isOverseasNational"]


@dataclass(frozen=True)
class Seeds:
    """One issued world: keys, DID documents, trust list, status lists, credentials."""

    key: Ed25519Signer  # the mission's assertion key
    holder: Ed25519Signer
    root: Ed25519Signer  # the trust list's root (did:key)
    trust_list: dict[str, Any]
    did_document: dict[str, Any]
    resolver: CompositeResolver
    registry: TrustListRegistry
    fetcher: LocalStatusListFetcher
    status_list_credential: dict[str, Any]
    credential: dict[str, Any]  # Data Integrity, eddsa-rdfc-2022
    sd_jwt: str  # as issued: <JWS>~<disclosures>~
    sd_jwt_kb: str  # presented for gov24 login with a KB-JWT
    vp: dict[str, Any]  # DI presentation of the DI credential
    vp_enveloped: dict[str, Any]  # DI presentation of the SD-JWT (EnvelopedVerifiableCredential)

    def verifier(self, **policy: Any) -> Verifier:
        return Verifier(
            GOV24.policy(self.registry, clock=CLOCK, **policy),
            resolver=self.resolver,
            status_fetcher=self.fetcher,
        )


@contextlib.contextmanager
def _deterministic() -> Iterator[None]:
    """Seeded salts, decoys, ids and status-list keys: the same seeds in every process, so a
    failing example Hypothesis saved replays against the same credential."""
    rng = random.Random(20260301)
    with (
        mock.patch.object(secrets, "token_bytes", rng.randbytes),
        mock.patch.object(secrets, "SystemRandom", lambda: random.Random(rng.random())),
        mock.patch.object(uuid, "uuid4", lambda: uuid.UUID(int=rng.getrandbits(128), version=4)),
    ):
        yield


@functools.cache
def seeds() -> Seeds:
    with _deterministic():
        return _build_seeds()


def _build_seeds() -> Seeds:
    from kr_ovid.ovid.issuance import Issuer

    missions = load_missions()
    la = missions.by_code("us-losangeles")
    key = Ed25519Signer.from_seed(b"\x07" * 32, verification_method=la.did + "#key-1")
    root = Ed25519Signer.from_seed(b"\x09" * 32)
    holder = Ed25519Signer.from_seed(b"\x03" * 32)
    doc = {
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
        "id": la.did,
        "verificationMethod": [key.public_multikey_document()],
        "assertionMethod": [key.verification_method],
        "authentication": [key.verification_method],
    }
    resolver = CompositeResolver({"web": LocalDidResolver([doc])})
    trust = create_trust_list(
        missions.trust_rows(),
        root_signer=root,
        version=1,
        issued=NOW - timedelta(days=1),
        next_update=NOW + timedelta(days=30),
    )
    registry = TrustListRegistry.from_trust_list(
        trust, root_did=root.controller, resolver=resolver, clock=CLOCK
    )
    store = InMemoryStatusListStore(clock=CLOCK)
    issuer = Issuer(la, key, clock=CLOCK, did_document=doc, status_store=store)
    out = issuer.issue_id(
        {**CLAIMS, "issuingMission": la.as_issuing_mission().to_json()},
        holder=holder.controller,
        holder_jwks=[holder.public.jwk],
        formats=("di", "sd-jwt"),
    )
    assert out.credential is not None
    fetcher = LocalStatusListFetcher()
    status_lists = []
    for list_id in store.list_ids():
        for purpose in ("revocation", "suspension"):
            status_lists.append(
                issue_status_list_credential(
                    store, list_id, purpose, key, base=BASE, issuer=la.did, clock=CLOCK
                )
            )
            fetcher.register(status_lists[-1])
    wallet = Holder(holder, clock=CLOCK)
    sd_jwt = out.sd_jwts[0].sd_jwt
    return Seeds(
        key=key,
        holder=holder,
        root=root,
        trust_list=trust,
        did_document=doc,
        resolver=resolver,
        registry=registry,
        fetcher=fetcher,
        status_list_credential=status_lists[0],
        credential=out.credential,
        sd_jwt=sd_jwt,
        sd_jwt_kb=wallet.present_sd_jwt(sd_jwt, LOGIN_CLAIMS, nonce=CHALLENGE, audience=DOMAIN),
        vp=wallet.present([out.credential], challenge=CHALLENGE, domain=DOMAIN),
        vp_enveloped=wallet.present([sd_jwt], challenge=CHALLENGE, domain=DOMAIN),
    )


def load_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


#: W3C vc-di-eddsa vectors (did:key, so the default resolver verifies them): a single proof in
#: each suite, proof sets and proof chains.
DI_VECTORS = [
    VECTORS / "vc-di-eddsa" / "eddsa-rdfc-2022" / "signedDataInt.json",
    VECTORS / "vc-di-eddsa" / "eddsa-jcs-2022" / "signedJCS.json",
    VECTORS / "vc-di-eddsa" / "proof-set-chain" / "signedProofSet2.json",
    VECTORS / "vc-di-eddsa" / "proof-set-chain" / "signedProofChain2.json",
]

#: rdf-canon inputs with blank-node structure worth mutating (and test074, the poison graph).
NQUADS_VECTORS = [
    VECTORS / "rdf-canon" / "rdfc10" / f"test{n:03d}-in.nq"
    for n in (2, 16, 20, 21, 44, 46, 53, 60, 63, 70, 74, 76)
]


def nquads_seeds() -> list[str]:
    return [p.read_text(encoding="utf-8") for p in NQUADS_VECTORS if p.exists()]


def status_bitstring(size: int, entries: dict[int, int], length: int = 131_072) -> StatusBitstring:
    bits = StatusBitstring(length, status_size=size)
    for index, value in entries.items():
        bits.set(index % length, value % (1 << size))
    return bits


@functools.cache
def _one_byte_too_many() -> bytes:
    """GZIP of DEFAULT_MAX_LIST_BYTES + 1 zero bytes (a small bomb, 16 KiB compressed)."""
    return gzip.compress(b"\x00" * (DEFAULT_MAX_LIST_BYTES + 1), mtime=0)


@st.composite
def encoded_lists(draw: st.DrawFn) -> tuple[str, int]:
    """A (possibly broken) ``encodedList`` built from a valid list: raw bytes, GZIP framing and
    base64url text each get a chance to be damaged. Returns (encodedList, statusSize)."""
    size = draw(st.sampled_from([1, 1, 2, 4, 8]))
    length = draw(st.sampled_from([131_072, 131_072, 131_071, 131_080, 8, 1 << 18]))
    bits = status_bitstring(
        size,
        draw(st.dictionaries(st.integers(0, 1 << 20), st.integers(0, 255), max_size=5)),
        length,
    )
    raw = bits.to_bytes()
    kind = draw(st.sampled_from(["valid", "raw", "gzip", "framing", "text"]))
    if kind == "valid" and bits.length >= MIN_LIST_LENGTH:
        return encode_list(bits), size
    if kind == "raw":  # odd lengths and contents, compressed correctly
        raw = draw(st.sampled_from([b"", b"\x00", raw[:-1], raw + b"\x01", raw * 2]))
    compressed = gzip.compress(raw, compresslevel=draw(st.integers(0, 9)), mtime=0)
    if kind == "gzip":  # damaged compressed bytes
        data = bytearray(compressed)
        for _ in range(draw(st.integers(1, 3))):
            i = draw(st.integers(0, len(data) - 1))
            data[i] = draw(st.integers(0, 255))
        compressed = bytes(data)
    elif kind == "framing":
        compressed = draw(
            st.sampled_from(
                [
                    compressed + compressed,  # two members
                    compressed + b"\x00",  # trailing garbage
                    compressed[: len(compressed) // 2],  # truncated
                    compressed[:10],  # header only
                    compressed[:-4],  # no ISIZE
                    b"\x1f\x8b" + compressed[2:3],
                    _one_byte_too_many(),
                    b"\x78\x9c" + compressed[10:],  # zlib, not gzip
                ]
            )
        )
    text = "u" + b64url(compressed)
    if kind == "text":
        text = draw(mutated_text(text, max_steps=2))
    return text, size


@st.composite
def with_new_disclosures(draw: st.DrawFn, payload: Any) -> tuple[Any, list[str]]:
    """``payload`` with 1..3 new disclosures (random names and values, nested ``_sd`` and
    ``...`` markers included) whose digests are placed in an ``_sd`` array or as a ``...``
    array element somewhere in it. Returns the payload and the encoded disclosures."""
    from kr_ovid.sdjwt.disclosure import disclosure_digest

    doc = copy.deepcopy(payload)
    added: list[str] = []
    marker = st.sampled_from(["_sd", "...", "_sd_alg"])
    values = (
        JSON
        | st.dictionaries(marker | keys, JSON, max_size=3)
        | st.lists(st.dictionaries(marker, JSON, min_size=1, max_size=1), max_size=2)
    )
    for _ in range(draw(st.integers(1, 3))):
        containers = [
            p
            for p in paths(doc)
            if isinstance(_get(doc, p), dict)
            or (isinstance(_get(doc, p), list) and p[-1:] != ("_sd",))
        ]
        if not containers:
            break
        where = draw(st.sampled_from(containers))
        node = _get(doc, where)
        salt = draw(st.sampled_from(["c2FsdA", "c2FsdB", ""]) | strings)
        if isinstance(node, dict):  # an object property, its digest in the object's _sd
            name = draw(st.sampled_from(["given", "age", "address", "0"]) | keys | marker)
            encoded = b64url_json([salt, name, draw(values)])
            sd = node.setdefault("_sd", [])
            if isinstance(sd, list):
                sd.insert(draw(st.integers(0, len(sd))), disclosure_digest(encoded))
        else:  # an array element
            encoded = b64url_json([salt, draw(values)])
            node.insert(draw(st.integers(0, len(node))), {"...": disclosure_digest(encoded)})
        added.append(encoded)
    return doc, added
