"""The deployment the attack corpus attacks, built once per process.

One root authority (did:key) signs a small trust list (Los Angeles active, Beijing suspended,
Brussels with an ended accreditation); the Los Angeles mission publishes a did:web document with
``#key-1`` (assertion and authentication) and ``#key-2`` (authentication only) and issues the
overseas-national ID in both Data Integrity suites and as SD-JWT; a holder wallet (did:key)
presents them. Status lists are published three times: honest now, honest after every credential
has expired, and with every valid credential revoked (the last two serve the "adverse" checks).

Everything a test could want to reproduce is deterministic: keys come from fixed seeds, the
clock is fixed, credential and presentation ids, status positions, SD-JWT salts and digest order
come from seeded generators (patched in only while the instances are built).
"""

from __future__ import annotations

import contextlib
import copy
import functools
import hashlib
import json
import random
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any
from unittest import mock

import kr_ovid.presentation as presentation_module
import kr_ovid.sdjwt.disclosure as disclosure_module
from kr_ovid.clock import FixedClock
from kr_ovid.did import CompositeResolver, LocalDidResolver
from kr_ovid.did.resolver import resolve_verification_method
from kr_ovid.did.web import build_did_document
from kr_ovid.errors import KeyFormatError, KrOvidError
from kr_ovid.holder import Holder
from kr_ovid.integrity import add_proof
from kr_ovid.jsonld.loader import default_loader
from kr_ovid.keys import Ed25519Signer
from kr_ovid.keys.multikey import decode_public_multikey, encode_multibase_base58btc
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

NOW = datetime(2026, 3, 1, 1, 0, tzinfo=UTC)
CLOCK = FixedClock(NOW)
#: After every credential of the world has expired (the DI ID ends 2031-05-20 KST).
LATE = datetime(2031, 6, 2, 0, 0, tzinfo=UTC)
CHALLENGE = "corpus-challenge-5c1e9a"
NONCE = "corpus-nonce-0b7d42"
DOMAIN = "gov24.example"
BASE = "https://ovid.example/missions/us-losangeles/status"
LOGIN_CLAIMS = (
    "/credentialSubject/familyName",
    "/credentialSubject/givenName",
    "/credentialSubject/birthDate",
    "/credentialSubject/isOverseasNational",
)
SUITES = ("eddsa-rdfc-2022", "eddsa-jcs-2022")
SHORT = {"eddsa-rdfc-2022": "rdfc", "eddsa-jcs-2022": "jcs"}


def _seed(label: str) -> bytes:
    return hashlib.sha256(f"kr_ovid attack corpus/{label}".encode()).digest()


MISSIONS = load_missions()
LA = MISSIONS.by_code("us-losangeles")
KEY = Ed25519Signer.from_seed(_seed("mission key 1"), verification_method=LA.did + "#key-1")
AUTH_KEY = Ed25519Signer.from_seed(_seed("mission key 2"), verification_method=LA.did + "#key-2")
ROOT = Ed25519Signer.from_seed(_seed("root"))
HOLDER = Ed25519Signer.from_seed(_seed("holder"))
ATTACKER = Ed25519Signer.from_seed(_seed("attacker"))
#: The attacker's key, claiming to be the mission's ``#key-1``.
ATTACKER_AS_KEY_1 = ATTACKER.with_verification_method(LA.did + "#key-1")

DOC = build_did_document(LA.did, [KEY, AUTH_KEY], authentication=True, assertion=["#key-1"])

#: The neutral element of edwards25519 (a small-order point) and the "universal" signature
#: (R = neutral element, S = 0) that a cofactorless verifier accepts under it for any message.
IDENTITY_POINT = bytes([1]) + bytes(31)
SMALL_ORDER_POINTS = (
    IDENTITY_POINT,
    bytes.fromhex("ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"),
    bytes(32),
    bytes.fromhex("26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05"),
    bytes.fromhex("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a"),
)
NON_CANONICAL_POINT = bytes.fromhex(
    "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"
)
UNIVERSAL_SIGNATURE = IDENTITY_POINT + bytes(32)


def multikey(raw: bytes) -> str:
    """``z`` + base58btc(ed25519-pub header + key), without any check of the key."""
    return encode_multibase_base58btc(b"\xed\x01" + raw)


CLAIMS: dict[str, Any] = sample_claims(LA)


def trust_rows(la_state: str = "active") -> list[dict[str, Any]]:
    rows = []
    for row in MISSIONS.trust_rows():
        out: dict[str, Any] = dict(row)
        if row["missionCode"] == "us-losangeles":
            if la_state != "active":
                out.update(state=la_state, stateSince=NOW - timedelta(days=30))
        elif row["missionCode"] == "cn":
            out.update(state="suspended", stateSince=NOW - timedelta(days=30))
        elif row["missionCode"] == "be":
            out["validUntil"] = NOW - timedelta(days=30)
        else:
            continue
        rows.append(out)
    return rows


def make_trust_list(la_state: str = "active") -> dict[str, Any]:
    return create_trust_list(
        trust_rows(la_state),
        root_signer=ROOT,
        version=1,
        issued=NOW - timedelta(days=1),
        next_update=NOW + timedelta(days=3650),
    )


class _SeededSecrets:
    """Stands in for ``secrets`` inside :mod:`kr_ovid.sdjwt.disclosure` while issuing."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng

    def token_bytes(self, n: int) -> bytes:
        return self._rng.randbytes(n)

    def SystemRandom(self) -> random.Random:  # the name it stands in for
        return self._rng


@contextlib.contextmanager
def deterministic(label: str) -> Iterator[None]:
    rng = random.Random(f"kr_ovid attack corpus/{label}")
    patches = []
    if hasattr(disclosure_module, "secrets"):
        patches.append(mock.patch.object(disclosure_module, "secrets", _SeededSecrets(rng)))
    if hasattr(presentation_module, "uuid"):
        fake_uuid = SimpleNamespace(uuid4=lambda: uuid.UUID(bytes=rng.randbytes(16), version=4))
        patches.append(mock.patch.object(presentation_module, "uuid", fake_uuid))
    with contextlib.ExitStack() as stack:
        for p in patches:
            stack.enter_context(p)
        yield


def _ids(label: str) -> Any:
    rng = random.Random(f"kr_ovid attack corpus/ids/{label}")
    return lambda: f"urn:uuid:{uuid.UUID(bytes=rng.randbytes(16), version=4)}"


@dataclass(frozen=True)
class Issued:
    suite: str
    credential: dict[str, Any]
    sd_jwt: str
    allocations: tuple[Any, ...]  # StatusAllocation of the DI credential and the SD-JWT copy


@dataclass
class World:
    registry: TrustListRegistry
    untrusted_registry: TrustListRegistry
    trust_list: dict[str, Any]
    store: InMemoryStatusListStore
    issued: dict[str, Issued]  # by short suite name
    revoked: dict[str, Any]  # a revoked DI credential (rdfc)
    honest_lists: list[dict[str, Any]]
    late_lists: list[dict[str, Any]]
    revoked_lists: list[dict[str, Any]]
    vps: dict[str, dict[str, Any]]  # by short suite name
    kb: str  # SD-JWT+KB presentation of the rdfc issuer's SD-JWT
    forged: dict[str, dict[str, Any]]  # forgeries for the DID document corpus

    # ---------------------------------------------------------------------------------------
    def fetcher(self, lists: list[dict[str, Any]] | None = None) -> LocalStatusListFetcher:
        fetcher = LocalStatusListFetcher()
        for lst in self.honest_lists if lists is None else lists:
            fetcher.register(lst)
        return fetcher

    def verifier(
        self,
        *,
        lists: list[dict[str, Any]] | None = None,
        at: datetime = NOW,
        registry: TrustListRegistry | None = None,
        resolver: Any = None,
        fetcher: Any = None,
    ) -> Verifier:
        policy = GOV24.policy(registry or self.registry, clock=FixedClock(at))
        return Verifier(
            policy,
            resolver=resolver or RESOLVER,
            status_fetcher=fetcher if fetcher is not None else self.fetcher(lists),
        )

    def adverse(self) -> dict[str, Verifier]:
        """Verifiers under which every instance of the world is refused."""
        return {
            "expired": self.verifier(lists=self.late_lists, at=LATE),
            "revoked": self.verifier(lists=self.revoked_lists),
            "issuer-suspended": self.verifier(registry=self.untrusted_registry),
        }


RESOLVER = CompositeResolver({"web": LocalDidResolver([DOC])})


def resolve_issuer_key(
    kid: str, header: Mapping[str, Any], resolver: Any = RESOLVER
) -> bytes | None:
    """The raw SD-JWT verifier's key lookup, as the Verifier does it (assertion keys only)."""
    doc, method = resolve_verification_method(kid, resolver)
    if not doc.authorizes(kid, "assertionMethod"):
        raise KrOvidError("not an assertion key", code=ErrorCode.KEY_NOT_AUTHORIZED)
    try:
        return decode_public_multikey(method.get("publicKeyMultibase"))
    except KeyFormatError:
        return None


def unsigned(document: Mapping[str, Any]) -> dict[str, Any]:
    return {k: copy.deepcopy(v) for k, v in document.items() if k != "proof"}


def _publish(store: InMemoryStatusListStore, at: datetime) -> list[dict[str, Any]]:
    return [
        issue_status_list_credential(
            store, list_id, purpose, KEY, base=BASE, issuer=LA.did, clock=FixedClock(at)
        )
        for list_id in store.list_ids()
        for purpose in ("revocation", "suspension")
    ]


@functools.cache
def world() -> World:
    trust_list = make_trust_list()
    registry = TrustListRegistry.from_trust_list(
        trust_list, root_did=ROOT.controller, resolver=RESOLVER, clock=CLOCK
    )
    untrusted = TrustListRegistry.from_trust_list(
        make_trust_list("suspended"),
        root_did=ROOT.controller,
        resolver=RESOLVER,
        clock=CLOCK,
    )
    key_rng = random.Random("kr_ovid attack corpus/status keys")
    store = InMemoryStatusListStore(clock=CLOCK, key_source=lambda: key_rng.randbytes(32))
    issued: dict[str, Issued] = {}
    with deterministic("issuance"):
        for suite in SUITES:
            issuer = Issuer(
                LA,
                KEY,
                clock=CLOCK,
                did_document=DOC,
                status_store=store,
                cryptosuite=suite,
                id_factory=_ids(suite),
            )
            out = issuer.issue_id(
                CLAIMS,
                holder=HOLDER.controller,
                holder_jwks=[HOLDER.public.jwk],
                formats=("di", "sd-jwt"),
            )
            assert out.credential is not None and out.status is not None
            sd_status = out.sd_jwts[0].status
            assert sd_status is not None
            issued[SHORT[suite]] = Issued(
                suite, out.credential, out.sd_jwts[0].sd_jwt, (out.status, sd_status)
            )
        revoker = Issuer(
            LA, KEY, clock=CLOCK, did_document=DOC, status_store=store, id_factory=_ids("revoked")
        )
        revoked_out = revoker.issue_id(CLAIMS, holder=HOLDER.controller, formats=("di",))
        assert revoked_out.credential is not None and revoked_out.status is not None

        def revoke(allocation: Any) -> None:
            store.set_status(
                allocation.list_id,
                allocation.index,
                "revocation",
                1,
                actor="corpus",
                reason="corpus",
            )

        revoke(revoked_out.status)
        honest = _publish(store, NOW)
        late = _publish(store, LATE)
        for item in issued.values():
            for allocation in item.allocations:
                revoke(allocation)
        revoked_lists = _publish(store, NOW)

        holder = Holder(HOLDER, clock=CLOCK)
        vps = {
            SHORT[suite]: holder.present(
                [issued[SHORT[suite]].credential],
                challenge=CHALLENGE,
                domain=DOMAIN,
                cryptosuite=suite,
            )
            for suite in SUITES
        }
        kb = holder.present_sd_jwt(
            issued["rdfc"].sd_jwt, LOGIN_CLAIMS, nonce=NONCE, audience=DOMAIN
        )

    base = unsigned(issued["rdfc"].credential)
    weak = copy.deepcopy(issued["rdfc"].credential)
    weak["proof"]["proofValue"] = encode_multibase_base58btc(UNIVERSAL_SIGNATURE)
    forged = {
        # A real key of the mission, but published for authentication only.
        "auth-key-as-assertion": add_proof(base, AUTH_KEY, created=NOW),
        # The attacker's own key, claiming the mission's assertion key id.
        "attacker-key-as-key-1": add_proof(base, ATTACKER_AS_KEY_1, created=NOW),
        # The universal signature of a small-order key, claiming the mission's key id.
        "small-order-signature": weak,
    }
    return World(
        registry=registry,
        untrusted_registry=untrusted,
        trust_list=trust_list,
        store=store,
        issued=issued,
        revoked=revoked_out.credential,
        honest_lists=honest,
        late_lists=late,
        revoked_lists=revoked_lists,
        vps=vps,
        kb=kb,
        forged=forged,
    )


@functools.cache
def known_contexts() -> tuple[str, ...]:
    return tuple(sorted(default_loader().urls))


@functools.cache
def term_iris() -> dict[str, tuple[str, ...]]:
    """Term -> the absolute IRIs the pinned contexts map it to (any scope)."""
    loader = default_loader()
    found: dict[str, set[str]] = {}

    def scan(ctx: Any, prefixes: dict[str, str]) -> None:
        if isinstance(ctx, list):
            for item in ctx:
                scan(item, prefixes)
            return
        if not isinstance(ctx, dict):
            return
        local = dict(prefixes)
        local.update(
            {k: v for k, v in ctx.items() if isinstance(v, str) and v.endswith(("#", "/"))}
        )
        for term, definition in ctx.items():
            if term.startswith("@"):
                continue
            iri = definition if isinstance(definition, str) else None
            if isinstance(definition, dict):
                iri = definition.get("@id")
                scan(definition.get("@context"), local)
            if not isinstance(iri, str) or iri.startswith("@"):
                continue
            prefix, sep, rest = iri.partition(":")
            if sep and prefix in local and not rest.startswith("//"):
                iri = local[prefix] + rest
            if iri.startswith(("http://", "https://")):
                found.setdefault(term, set()).add(iri)

    for url in sorted(loader.urls):
        scan(loader(url)["document"].get("@context"), {})
    return {term: tuple(sorted(iris)) for term, iris in found.items()}


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)
