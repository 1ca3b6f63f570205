"""Creating a trust list from any missions table (root authority side)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any

from kr_ovid.clock import format_datetime, parse_datetime_stamp
from kr_ovid.did.document import is_did, split_did_url
from kr_ovid.errors import ConfigurationError, Refusal
from kr_ovid.integrity import add_proof
from kr_ovid.jsonld.loader import StaticDocumentLoader
from kr_ovid.keys.signer import Signer
from kr_ovid.suites import DEFAULT_CRYPTOSUITE
from kr_ovid.trust.model import (
    _DATE_RE,
    CREDENTIAL_TYPE,
    CREDENTIALS_V2_CONTEXT,
    DEFAULT_CREDENTIAL_TYPES,
    MISSION_TYPE,
    SUBJECT_TYPE,
    TRUST_CONTEXT,
    MissionEntry,
)
from kr_ovid.trust.parse import _parse_content, _parse_mission

# --------------------------------------------------------------------------------------------
# Creating a trust list from any missions table
# --------------------------------------------------------------------------------------------
_ALIASES: dict[str, tuple[str, ...]] = {
    "missionCode": ("missionCode", "mission_code", "code"),
    "nameKo": ("nameKo", "name_ko", "nameKorean", "korean"),
    "nameEn": ("nameEn", "name_en", "nameEnglish", "english", "name"),
    "country": ("country", "countryCode", "country_code"),
    "city": ("city",),
    "did": ("did",),
    "credentialTypes": ("credentialTypes", "credential_types"),
    "validFrom": (
        "validFrom",
        "valid_from",
        "accreditedFrom",
        "accredited_from",
        "startDate",
        "start_date",
    ),
    "validUntil": ("validUntil", "valid_until", "accreditedUntil", "accredited_until"),
    "state": ("state",),
    "stateSince": ("stateSince", "state_since"),
}


def _pick(row: Mapping[str, Any], field: str) -> Any:
    found = [(k, row[k]) for k in _ALIASES[field] if k in row and row[k] is not None]
    if len({repr(v) for _, v in found}) > 1:
        raise ConfigurationError(f"mission row gives {field} twice: {[k for k, _ in found]}")
    return found[0][1] if found else None


def _as_datetime(value: Any, field: str) -> datetime | None:
    """datetime (aware), date / ``YYYY-MM-DD`` (00:00 UTC), or an XSD dateTimeStamp."""
    if value is None or isinstance(value, datetime):
        if isinstance(value, datetime) and value.tzinfo is None:
            raise ConfigurationError(f"{field} must be timezone-aware")
        return value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    if isinstance(value, str):
        parsed = parse_datetime_stamp(value)
        if parsed is not None:
            return parsed
        if _DATE_RE.match(value):
            try:
                day = date.fromisoformat(value)
            except ValueError:
                pass
            else:
                return datetime(day.year, day.month, day.day, tzinfo=UTC)
    raise ConfigurationError(f"{field} is not a date or dateTimeStamp")


def mission_entry(
    row: Mapping[str, Any],
    *,
    credential_types: Sequence[str] = DEFAULT_CREDENTIAL_TYPES,
    mission_did: Callable[[str], str] | None = None,
) -> MissionEntry:
    """A :class:`MissionEntry` from one row of any missions table.

    Accepts the trust-list names (``missionCode``, ``nameKo``, …) or common aliases (``code``,
    ``name_ko``, ``name``, ``valid_from``, ``startDate`` as in ``ovid/missions.json``…); other
    columns are ignored. ``did``
    defaults to ``mission_did(code)``; ``credentialTypes`` to ``credential_types``; dates may be
    ``YYYY-MM-DD`` (read as 00:00 UTC). The result is validated as a verifier would.
    """
    if not isinstance(row, Mapping):
        raise ConfigurationError("a mission row must be a mapping")
    code = _pick(row, "missionCode")
    did = _pick(row, "did")
    if did is None and mission_did is not None and isinstance(code, str):
        did = mission_did(code)
    types = _pick(row, "credentialTypes")
    entry = {
        "type": MISSION_TYPE,
        "missionCode": code,
        "nameKo": _pick(row, "nameKo"),
        "nameEn": _pick(row, "nameEn"),
        "country": _pick(row, "country"),
        "city": _pick(row, "city"),
        "did": did,
        "credentialTypes": list(types)
        if isinstance(types, list | tuple)
        else list(credential_types),
        "validFrom": _as_datetime(_pick(row, "validFrom"), "validFrom"),
        "validUntil": _as_datetime(_pick(row, "validUntil"), "validUntil"),
        "state": _pick(row, "state") or "active",
        "stateSince": _as_datetime(_pick(row, "stateSince"), "stateSince"),
    }
    raw = {
        k: (format_datetime(v) if isinstance(v, datetime) else v)
        for k, v in entry.items()
        if v is not None
    }
    try:
        return _parse_mission(raw, f"mission {code!r}")
    except Refusal as exc:
        raise ConfigurationError(f"{exc.path}: {exc}") from None


def create_trust_list(
    missions: Iterable[Mapping[str, Any] | MissionEntry],
    *,
    root_signer: Signer,
    version: int,
    issued: datetime,
    next_update: datetime,
    credential_types: Sequence[str] = DEFAULT_CREDENTIAL_TYPES,
    mission_did: Callable[[str], str] | None = None,
    list_id: str | None = None,
    cryptosuite: str = DEFAULT_CRYPTOSUITE,
    loader: StaticDocumentLoader | None = None,
) -> dict[str, Any]:
    """Build and sign a trust list from any table of missions (see :func:`mission_entry`).

    The issuer is the controller of ``root_signer``'s verification method; the proof's
    ``created`` is ``issued``. ``version`` must grow with every list the root publishes: verifiers
    refuse a list older than the one they hold.
    """
    entries = [
        m
        if isinstance(m, MissionEntry)
        else mission_entry(m, credential_types=credential_types, mission_did=mission_did)
        for m in missions
    ]
    issuer = split_did_url(root_signer.verification_method)[0]
    if not is_did(issuer):
        raise ConfigurationError("root_signer's verification method is not a DID URL")
    doc: dict[str, Any] = {"@context": [CREDENTIALS_V2_CONTEXT, TRUST_CONTEXT]}
    if list_id is not None:
        doc["id"] = list_id
    doc["type"] = ["VerifiableCredential", CREDENTIAL_TYPE]
    doc["issuer"] = issuer
    doc["validFrom"] = _timestamp_arg(issued, "issued")
    doc["credentialSubject"] = {
        "type": SUBJECT_TYPE,
        "version": version,
        "nextUpdate": _timestamp_arg(next_update, "next_update"),
        "missions": [e.to_json() for e in entries],
    }
    try:
        _parse_content(doc)
    except Refusal as exc:
        raise ConfigurationError(f"trust list at {exc.path or 'the top level'}: {exc}") from None
    return add_proof(doc, root_signer, cryptosuite=cryptosuite, created=issued, loader=loader)


def _timestamp_arg(value: datetime, name: str) -> str:
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise ConfigurationError(f"{name} must be a timezone-aware datetime")
    return format_datetime(value)
