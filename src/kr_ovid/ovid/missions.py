"""The missions (재외공관) that issue the ID: data in ``missions.json``, validated on load.

Why data rather than code: the rollout grows from the 7 pilot missions to every mission, and a
deployment points the DIDs at its own host; adding or changing a mission must be a data change
that cannot silently produce a bad registry. So :func:`load_missions` checks every entry (known
keys only, ISO country, kind, dates, did:web DID) and the whole (unique codes and DIDs) and
raises :class:`~kr_ovid.errors.ConfigurationError` naming the entry and field otherwise.

Codes follow the mission's web-site slug: the country code for an embassy, then ``-<city>`` for
consulates general and branch offices (``us-losangeles``, ``nz-auckland``).
"""

from __future__ import annotations

import enum
import functools
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from importlib.resources import files
from pathlib import Path
from types import MappingProxyType
from typing import Any

from kr_ovid.errors import ConfigurationError
from kr_ovid.ovid.model import (
    DID_WEB,
    MISSION_CODE,
    IssuingMission,
    _check_text,
    country_codes,
)

__all__ = ["Mission", "MissionKind", "MissionRegistry", "load_missions"]

_PHASE = re.compile(r"pilot|wave-[0-9]+|general")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)
_KEYS = ("code", "nameKo", "nameEn", "kind", "country", "city", "did", "phase", "startDate")
_MAX_MISSIONS = 1000


class MissionKind(enum.StrEnum):
    EMBASSY = "embassy"
    CONSULATE_GENERAL = "consulate-general"
    BRANCH_OFFICE = "branch-office"


@dataclass(frozen=True, slots=True, kw_only=True)
class Mission:
    """One diplomatic mission as an ID issuer."""

    code: str
    name_ko: str
    name_en: str
    kind: MissionKind
    country: str
    city: str
    did: str
    phase: str
    start_date: date

    def __post_init__(self) -> None:
        where = f"mission {self.code!r}" if isinstance(self.code, str) else "mission"
        if not isinstance(self.code, str) or not MISSION_CODE.fullmatch(self.code):
            raise ConfigurationError(f"{where}: code is not a lowercase slug")
        if not isinstance(self.country, str) or self.country not in country_codes():
            raise ConfigurationError(f"{where}: country is not an ISO 3166-1 alpha-2 code")
        if self.country == "KR":
            raise ConfigurationError(f"{where}: a mission abroad cannot be in KR")
        prefix, _, suffix = self.code.partition("-")
        if prefix != self.country.lower():
            raise ConfigurationError(f"{where}: code must start with the country code")
        try:
            kind = MissionKind(self.kind)
        except ValueError:
            raise ConfigurationError(f"{where}: unknown kind") from None
        object.__setattr__(self, "kind", kind)
        if (kind is MissionKind.EMBASSY) == bool(suffix):
            raise ConfigurationError(
                f"{where}: an embassy's code is the country code; other kinds add '-<city>'"
            )
        for attr in ("name_ko", "name_en", "city"):
            try:
                object.__setattr__(self, attr, _check_text(getattr(self, attr), f"/{attr}"))
            except ConfigurationError:
                raise ConfigurationError(f"{where}: {attr} is not valid text") from None
        if not isinstance(self.did, str) or not DID_WEB.fullmatch(self.did):
            raise ConfigurationError(f"{where}: did is not a did:web DID")
        if not isinstance(self.phase, str) or not _PHASE.fullmatch(self.phase):
            raise ConfigurationError(f"{where}: phase must be pilot, wave-N or general")
        if type(self.start_date) is not date:
            raise ConfigurationError(f"{where}: start_date must be a datetime.date")

    def as_issuing_mission(self) -> IssuingMission:
        """The ``issuingMission`` claim for IDs this mission issues."""
        return IssuingMission(
            code=self.code, name_ko=self.name_ko, name_en=self.name_en, did=self.did
        )

    def trust_row(self) -> dict[str, Any]:
        """This mission as a row for :func:`kr_ovid.trust.create_trust_list` (trust-list names).

        The missions file and the trust list name things differently (``code`` / ``missionCode``,
        ``startDate`` / ``validFrom``); the mapping lives here, with the product, so the generic
        trust layer reads only its own names.
        """
        return {
            "missionCode": self.code,
            "nameKo": self.name_ko,
            "nameEn": self.name_en,
            "country": self.country,
            "city": self.city,
            "did": self.did,
            "validFrom": self.start_date,
        }

    def to_json(self) -> dict[str, str]:
        """The ``missions.json`` entry (also one row of :meth:`MissionRegistry.to_table`)."""
        return {
            "code": self.code,
            "nameKo": self.name_ko,
            "nameEn": self.name_en,
            "kind": self.kind.value,
            "country": self.country,
            "city": self.city,
            "did": self.did,
            "phase": self.phase,
            "startDate": self.start_date.isoformat(),
        }

    @classmethod
    def from_json(cls, entry: object, *, where: str = "mission") -> Mission:
        if not isinstance(entry, Mapping):
            raise ConfigurationError(f"{where}: expected an object")
        unknown = sorted(str(k) for k in entry if k not in _KEYS)
        if unknown:
            raise ConfigurationError(f"{where}: unknown keys {unknown}")
        missing = [k for k in _KEYS if k not in entry]
        if missing:
            raise ConfigurationError(f"{where}: missing keys {missing}")
        start = entry["startDate"]
        if not isinstance(start, str) or not _DATE.fullmatch(start):
            raise ConfigurationError(f"{where}: startDate is not an ISO date")
        try:
            start_date = date.fromisoformat(start)
        except ValueError:
            raise ConfigurationError(f"{where}: startDate is not an ISO date") from None
        try:
            return cls(
                code=entry["code"],
                name_ko=entry["nameKo"],
                name_en=entry["nameEn"],
                kind=entry["kind"],
                country=entry["country"],
                city=entry["city"],
                did=entry["did"],
                phase=entry["phase"],
                start_date=start_date,
            )
        except ConfigurationError as exc:
            raise ConfigurationError(f"{where}: {exc}") from None


class MissionRegistry:
    """An immutable set of missions with lookup by code and by DID."""

    __slots__ = ("_by_code", "_by_did", "_missions")

    def __init__(self, missions: Iterable[Mission]) -> None:
        ordered = tuple(missions)
        by_code: dict[str, Mission] = {}
        by_did: dict[str, Mission] = {}
        for mission in ordered:
            if not isinstance(mission, Mission):
                raise ConfigurationError("MissionRegistry holds Mission values only")
            if mission.code in by_code:
                raise ConfigurationError(f"duplicate mission code {mission.code!r}")
            if mission.did in by_did:
                raise ConfigurationError(f"duplicate mission DID {mission.did!r}")
            by_code[mission.code] = mission
            by_did[mission.did] = mission
        self._missions = ordered
        self._by_code = MappingProxyType(by_code)
        self._by_did = MappingProxyType(by_did)

    def by_code(self, code: str) -> Mission:
        """The mission with ``code``; an unknown code is a :class:`ConfigurationError`."""
        try:
            return self._by_code[code]
        except (KeyError, TypeError):
            raise ConfigurationError(f"unknown mission code {code!r}") from None

    def by_did(self, did: str) -> Mission:
        """The mission whose DID is ``did`` (a bare DID, no fragment)."""
        try:
            return self._by_did[did]
        except (KeyError, TypeError):
            raise ConfigurationError(f"no mission has DID {did!r}") from None

    def active_on(self, day: date) -> tuple[Mission, ...]:
        """Missions issuing on ``day`` (start date reached)."""
        return tuple(m for m in self._missions if m.start_date <= day)

    def __iter__(self) -> Iterator[Mission]:
        return iter(self._missions)

    def __len__(self) -> int:
        return len(self._missions)

    def __contains__(self, code_or_did: object) -> bool:
        return code_or_did in self._by_code or code_or_did in self._by_did

    def to_table(self) -> list[dict[str, str]]:
        """One JSON-ready row per mission, in file order (what ``kr-ovid missions`` prints)."""
        return [m.to_json() for m in self._missions]

    def trust_rows(self) -> list[dict[str, Any]]:
        """One :meth:`Mission.trust_row` per mission, in file order: the root's input for
        :func:`kr_ovid.trust.create_trust_list`."""
        return [m.trust_row() for m in self._missions]

    def __repr__(self) -> str:
        return f"MissionRegistry({len(self._missions)} missions)"


def load_missions(path: str | Path | None = None) -> MissionRegistry:
    """Load and validate a missions file; default: the ``missions.json`` shipped in the package.

    The packaged registry is read once per process (it is immutable); a ``path`` is read anew.
    """
    return _packaged_missions() if path is None else _load(path)


@functools.cache
def _packaged_missions() -> MissionRegistry:
    return _load(None)


def _load(path: str | Path | None) -> MissionRegistry:
    try:
        if path is None:
            name = "missions.json"
            text = files("kr_ovid.ovid").joinpath(name).read_text(encoding="utf-8")
        else:
            name = Path(path).name
            text = Path(path).read_text(encoding="utf-8")
        raw: Any = json.loads(text)
    except (OSError, ValueError) as exc:
        raise ConfigurationError(f"missions file is unreadable: {type(exc).__name__}") from None
    if not isinstance(raw, Mapping) or raw.get("version") != 1:
        raise ConfigurationError(f"{name}: expected an object with version 1")
    entries = raw.get("missions")
    if not isinstance(entries, list) or not entries or len(entries) > _MAX_MISSIONS:
        raise ConfigurationError(f"{name}: 'missions' must be a non-empty list")
    missions = [Mission.from_json(e, where=f"{name}: missions[{i}]") for i, e in enumerate(entries)]
    return MissionRegistry(missions)
