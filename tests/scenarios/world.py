"""The scenario world: a root authority, its signed trust list, the missions with their did:web
documents and keys, per-mission status stores with a republishing fetcher, a challenge store,
holders with did:key wallets, and one movable clock that every component reads.

Expensive, immutable pieces (the missions registry, the signed trust list) are cached per
process; each test gets a fresh :class:`World` so cases never see each other's state.

The trust list deliberately differs from ``missions.json``:

* ``be`` (Brussels): accreditation ended at :data:`BE_ACCREDITATION_END` (00:00 KST);
* ``ca`` (Ottawa): accredited from :data:`CA_ACCREDITATION_START` (00:00 KST) rather than the
  ``startDate`` of missions.json (00:00 UTC);
* ``cn`` (Beijing): ``suspended``; ``vn`` (Hanoi): ``withdrawn``;
* ``za`` (Pretoria): not on the list at all (its DID still resolves and its keys still sign).
"""

from __future__ import annotations

import copy
import functools
import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from kr_ovid.challenges import InMemoryChallengeStore, SqliteChallengeStore
from kr_ovid.clock import FixedClock
from kr_ovid.did import CompositeResolver
from kr_ovid.did.rotation import revoke_key, rotate_key
from kr_ovid.did.web import WebDidResolver, build_did_document, url_to_did_web
from kr_ovid.errors import ResolutionError
from kr_ovid.holder import Holder
from kr_ovid.issuer import IssuedCredential
from kr_ovid.keys import Ed25519Signer
from kr_ovid.ovid.issuance import Issuer, default_status_base
from kr_ovid.ovid.missions import Mission, MissionRegistry, load_missions
from kr_ovid.ovid.services import AGE_CHECK, GOV24, OVERSEAS_KOREANS_365, ServiceProfile
from kr_ovid.problems import ErrorCode
from kr_ovid.status import InMemoryStatusListStore, SqliteStatusListStore, StatusListStore
from kr_ovid.status.publish import issue_status_list_credential
from kr_ovid.trust import TrustListRegistry, create_trust_list
from kr_ovid.verifier import Verifier, VerifierPolicy

#: The world's "now" when a test starts: 2026-03-01 10:00 KST.
START = datetime(2026, 3, 1, 1, 0, tzinfo=UTC)
TRUST_LIST_ISSUED = START - timedelta(days=1)
TRUST_LIST_NEXT_UPDATE = START + timedelta(days=90)
KST = timezone(timedelta(hours=9), "KST")
#: Accreditation windows as a Korean root states them: midnight Korea time.
BE_ACCREDITATION_END = datetime(2026, 1, 31, 0, 0, tzinfo=KST)  # 2026-01-30T15:00Z
CA_ACCREDITATION_START = datetime(2024, 8, 1, 0, 0, tzinfo=KST)  # 2024-07-31T15:00Z
MISSION_STATE_SINCE = datetime(2026, 2, 1, 0, 0, tzinfo=UTC)
NOT_LISTED = "za"

#: Service name → (profile, purpose, the service's own identifier used as domain/audience).
SERVICES: dict[str, tuple[ServiceProfile, str | None, str]] = {
    "gov24/login": (GOV24, "login", "gov24.example"),
    "gov24/certificates": (GOV24, "certificates", "gov24.example"),
    "ok365/login": (OVERSEAS_KOREANS_365, "login", "ok365.example"),
    "ok365/certificates": (OVERSEAS_KOREANS_365, "certificates", "ok365.example"),
    "age-check": (AGE_CHECK, None, "shop.example"),
}

_DURATION = re.compile(r"^([+-]?)(\d+)(ms|s|m|h|d)$")
_UNITS = {"ms": "milliseconds", "s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


def duration(text: str | int | float) -> timedelta:
    """``"300s"``, ``"-5m"``, ``"2h"``, ``"10d"`` (or a number of seconds) as a timedelta."""
    if isinstance(text, int | float) and not isinstance(text, bool):
        return timedelta(seconds=text)
    m = _DURATION.match(str(text).strip())
    if m is None:
        raise ValueError(f"not a duration: {text!r}")
    value = int(m[2]) * (-1 if m[1] == "-" else 1)
    return timedelta(**{_UNITS[m[3]]: value})


def seed(label: str) -> bytes:
    return hashlib.sha256(f"kr_ovid scenarios/{label}".encode()).digest()


class MovableClock:
    """A :class:`FixedClock` that a scenario can move; every component holds this one object."""

    def __init__(self, start: datetime) -> None:
        self._fixed = FixedClock(start)

    def now(self) -> datetime:
        return self._fixed.now()

    def advance(self, delta: timedelta) -> None:
        self._fixed = self._fixed.advanced(delta)

    def set(self, instant: datetime) -> None:
        self._fixed = FixedClock(instant)

    def __repr__(self) -> str:
        return f"MovableClock({self._fixed.instant.isoformat()})"


# ---------------------------------------------------------------------------------------------
# Cached, immutable pieces
# ---------------------------------------------------------------------------------------------
@functools.cache
def missions() -> MissionRegistry:
    return load_missions()


@functools.cache
def root_signer() -> Ed25519Signer:
    """The root authority (MOFA/MOIS): a did:key, pinned by every verifier."""
    return Ed25519Signer.from_seed(seed("root"))


def mission_signer(code: str, generation: int) -> Ed25519Signer:
    did = missions().by_code(code).did
    return Ed25519Signer.from_seed(
        seed(f"mission/{code}/{generation}"), verification_method=f"{did}#key-{generation}"
    )


def trust_table(changes: Mapping[str, Mapping[str, Any]] | None = None) -> list[dict[str, Any]]:
    """missions.json rows as the root lists them (see the module docstring), plus ``changes``."""
    rows = []
    for row in missions().trust_rows():
        code = row["missionCode"]
        if code == NOT_LISTED:
            continue
        out: dict[str, Any] = dict(row)
        if code == "be":
            out["validUntil"] = BE_ACCREDITATION_END
        elif code == "ca":
            out.update(validFrom=CA_ACCREDITATION_START)
        elif code == "cn":
            out.update(state="suspended", stateSince=MISSION_STATE_SINCE)
        elif code == "vn":
            out.update(state="withdrawn", stateSince=MISSION_STATE_SINCE)
        out.update((changes or {}).get(code, {}))
        rows.append(out)
    return rows


@functools.cache
def base_trust_list() -> dict[str, Any]:
    return create_trust_list(
        trust_table(),
        root_signer=root_signer(),
        version=1,
        issued=TRUST_LIST_ISSUED,
        next_update=TRUST_LIST_NEXT_UPDATE,
    )


def default_person(mission: Mission) -> dict[str, Any]:
    """The default ID holder's claims (no subject id/type, no derived predicates)."""
    return {
        "familyName": "홍",
        "givenName": "길동",
        "familyNameLatin": "HONG",
        "givenNameLatin": "GIL-DONG",
        "birthDate": "1990-02-28",
        "nationality": "KR",
        "residenceCountry": mission.country,
        "residenceCity": mission.city,
        "overseasRegistrationDate": "2015-03-01",
        "passportNumber": "M123A4567",
        "passportExpiry": "2031-05-20",
        "idNumber": "7K3M-Q9XD-2HRT-VB4N",
        "issuingMission": mission.as_issuing_mission().to_json(),
    }


# ---------------------------------------------------------------------------------------------
# The world
# ---------------------------------------------------------------------------------------------
@dataclass
class HolderWallet:
    """A phone: its did:key (also the cnf key of SD-JWT copy 0) and extra keys for batch copies."""

    name: str
    signer: Ed25519Signer
    clock: MovableClock

    @property
    def did(self) -> str:
        return self.signer.controller

    def copy_signer(self, index: int) -> Ed25519Signer:
        if index == 0:
            return self.signer
        return Ed25519Signer.from_seed(seed(f"holder/{self.name}/copy/{index}"))

    def wallet(self, copy_index: int = 0) -> Holder:
        return Holder(self.copy_signer(copy_index), clock=self.clock)


@dataclass
class Issued:
    """One issuance: which mission and key, and the library's result."""

    mission: str
    holder: str
    result: IssuedCredential
    signer: Ed25519Signer

    @property
    def credential(self) -> dict[str, Any]:
        assert self.result.credential is not None, "no Data Integrity credential was issued"
        return self.result.credential

    def sd_jwt(self, copy_index: int = 0) -> str:
        return self.result.sd_jwts[copy_index].sd_jwt

    def allocation(self, copy_index: int | None) -> tuple[int, int]:
        alloc = (
            self.result.status
            if copy_index is None or not self.result.sd_jwts
            else self.result.sd_jwts[copy_index].status
        )
        assert alloc is not None, "the credential has no status entry"
        return alloc.list_id, alloc.index


@dataclass
class World:
    clock: MovableClock
    registry: TrustListRegistry
    challenges: Any
    holders: dict[str, HolderWallet]
    status_stores: dict[str, StatusListStore]
    did_documents: dict[str, dict[str, Any]] = field(default_factory=dict)
    keys: dict[str, list[Ed25519Signer]] = field(default_factory=dict)
    unavailable_status: set[str] = field(default_factory=set)
    unavailable_did: set[str] = field(default_factory=set)
    frozen_status: set[str] = field(default_factory=set)
    forged_status: dict[str, str] = field(default_factory=dict)
    trust_list_version: int = 1
    _published: dict[tuple[str, int, datetime], dict[str, Any]] = field(default_factory=dict)
    _generation: int = 0
    status_fetches: int = 0

    # -- DIDs and keys ---------------------------------------------------------------------------
    @property
    def resolver(self) -> CompositeResolver:
        return CompositeResolver({"web": WebDidResolver(self._fetch_did_document)})

    def _fetch_did_document(self, url: str, *, timeout: float, max_bytes: int) -> bytes:
        did = url_to_did_web(url)
        code = missions().by_did(did).code if did in missions() else None
        if code in self.unavailable_did:
            raise OSError("mission web server unreachable")
        doc = self.did_documents.get(did)
        if doc is None:
            raise ResolutionError(f"no document at {url}", code=ErrorCode.DID_NOT_FOUND)
        return json.dumps(doc).encode()

    def mission(self, code: str) -> Mission:
        return missions().by_code(code)

    def signer(self, code: str) -> Ed25519Signer:
        """The mission's current (newest) key."""
        return self.keys[code][-1]

    def rotate_key(self, code: str) -> Ed25519Signer:
        """Retire the current key now and publish the next generation."""
        new = mission_signer(code, len(self.keys[code]) + 1)
        did = self.mission(code).did
        self.did_documents[did] = rotate_key(self.did_documents[did], new, at=self.clock.now())
        self.keys[code].append(new)
        self._changed()
        return new

    def compromise_key(self, code: str, vm_id: str) -> None:
        """The key ``vm_id`` leaked: revoke it now; the mission rotates to a fresh key first if
        it is the current one (a mission must keep an active key to publish status lists)."""
        if vm_id == self.signer(code).verification_method:
            self.rotate_key(code)
        did = self.mission(code).did
        self.did_documents[did] = revoke_key(self.did_documents[did], vm_id, at=self.clock.now())
        self._changed()

    # -- issuance --------------------------------------------------------------------------------
    def person(self, code: str, overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
        out = default_person(self.mission(code))
        for k, v in (overrides or {}).items():
            if v is None:
                out.pop(k, None)
            else:
                out[k] = v
        return out

    def issuer(self, code: str, *, key: str = "current") -> tuple[Issuer, Ed25519Signer]:
        """The mission's issuer; ``key="retired"`` signs with the previous key (a misconfigured
        or rogue issuer: the library's own check against the DID document is bypassed)."""
        mission = self.mission(code)
        if key == "current":
            signer = self.signer(code)
            doc: dict[str, Any] | None = self.did_documents[mission.did]
        elif key == "retired":
            assert len(self.keys[code]) >= 2, "rotate the key before signing with a retired one"
            signer, doc = self.keys[code][-2], None
        else:
            raise ValueError(f"unknown key choice {key!r}")
        issuer = Issuer(
            mission,
            signer,
            clock=self.clock,
            status_store=self.status_stores[code],
            did_document=doc,
        )
        return issuer, signer

    def issue(
        self,
        *,
        mission: str = "us-losangeles",
        holder: str = "alice",
        person: Mapping[str, Any] | None = None,
        formats: Iterable[str] = ("di",),
        copies: int = 1,
        valid_from: datetime | None = None,
        valid_until: datetime | None = None,
        key: str = "current",
    ) -> Issued:
        issuer, signer = self.issuer(mission, key=key)
        wallet = self.holders[holder]
        result = issuer.issue_id(
            self.person(mission, person),
            holder=wallet.did,
            holder_jwks=[wallet.copy_signer(i).public.jwk for i in range(copies)],
            valid_from=valid_from,
            valid_until=valid_until,
            formats=tuple(formats),  # type: ignore[arg-type]
        )
        return Issued(mission, holder, result, signer)

    # -- status ----------------------------------------------------------------------------------
    def set_status(self, issued: Issued, purpose: str, value: int, copy_index: int | None) -> None:
        list_id, index = issued.allocation(copy_index)
        self.status_stores[issued.mission].set_status(
            list_id, index, purpose, value, actor="scenario", reason=f"{purpose}={value}"
        )
        self._changed()

    def status_base(self, code: str) -> str:
        return default_status_base(self.mission(code))

    def fetch_status_list(self, url: str) -> Mapping[str, Any]:
        """The mission's web server: the list as the store holds it now, signed with the
        mission's current key (republished after every change and whenever the clock moves)."""
        self.status_fetches += 1
        code = next(
            (c for c in self.keys if url.startswith(self.status_base(c) + "/")),
            None,
        )
        if code is None:
            raise LookupError(f"no mission publishes {url}")
        if code in self.unavailable_status:
            raise ConnectionError("status list server unreachable")
        frozen = code in self.frozen_status
        key = (url, -1 if frozen else self._generation, self.clock.now())
        if frozen:
            key = next((k for k in self._published if k[0] == url), key)
        if key not in self._published:
            list_id, purpose = url[len(self.status_base(code)) + 1 :].split("/")
            signing = self.forged_status.get(code, code)
            self._published[key] = issue_status_list_credential(
                self.status_stores[code],
                int(list_id),
                purpose,
                self.signer(signing),
                base=self.status_base(code),
                issuer=self.mission(signing).did,
                clock=self.clock,
            )
        return self._published[key]

    def freeze_status(self, code: str) -> None:
        """The mission's status server stops updating: it keeps serving the lists it has now."""
        for list_id in self.status_stores[code].list_ids():
            for purpose in ("revocation", "suspension"):
                self.fetch_status_list(f"{self.status_base(code)}/{list_id}/{purpose}")
        self.frozen_status.add(code)

    def _changed(self) -> None:
        self._generation += 1

    # -- trust list ------------------------------------------------------------------------------
    def update_trust_list(self, changes: Mapping[str, Mapping[str, Any]]) -> None:
        """The root publishes the next version with ``changes`` per mission code."""
        self.trust_list_version += 1
        now = self.clock.now()
        doc = create_trust_list(
            trust_table(changes),
            root_signer=root_signer(),
            version=self.trust_list_version,
            issued=now,
            next_update=now + timedelta(days=90),
        )
        self.registry.update(doc).raise_for_errors()

    # -- services --------------------------------------------------------------------------------
    def policy(self, service: str, **overrides: Any) -> VerifierPolicy:
        profile, purpose, _ = SERVICES[service]
        return profile.policy(self.registry, purpose, clock=self.clock, **overrides)

    def domain(self, service: str) -> str:
        return SERVICES[service][2]

    def verifier(self, service: str, **overrides: Any) -> Verifier:
        """A fresh verifier (fresh status cache) as the service would run it."""
        return Verifier(
            self.policy(service, **overrides),
            resolver=self.resolver,
            status_fetcher=self.fetch_status_list,
            challenge_store=self.challenges,
        )


def build_world(
    *,
    tmp_path: Path | None = None,
    start: datetime = START,
    challenge_store: str = "memory",
) -> World:
    clock = MovableClock(start)
    registry = TrustListRegistry.from_trust_list(
        copy.deepcopy(base_trust_list()),
        root_did=root_signer().controller,
        resolver=CompositeResolver(),  # did:key root: its own key, nothing fetched
        clock=clock,
    )
    stores: dict[str, StatusListStore] = {}
    for m in missions():
        if m.code == "us-losangeles" and tmp_path is not None:
            stores[m.code] = SqliteStatusListStore(
                tmp_path / "us-losangeles-status.db", clock=clock
            )
        else:
            stores[m.code] = InMemoryStatusListStore(clock=clock)
    challenges: Any
    if challenge_store == "sqlite":
        challenges = SqliteChallengeStore(clock=clock)
    else:
        challenges = InMemoryChallengeStore(clock=clock)
    holders = {
        name: HolderWallet(name, Ed25519Signer.from_seed(seed(f"holder/{name}")), clock)
        for name in ("alice", "bob")
    }
    world = World(clock, registry, challenges, holders, stores)
    for m in missions():
        signer = mission_signer(m.code, 1)
        world.keys[m.code] = [signer]
        world.did_documents[m.did] = build_did_document(m.did, [signer])
    return world
