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
    """A :class:`MissionEntry` from one row of a missions table, in the trust list's names.

    The row uses the trust-list member names (``missionCode``, ``nameKo``, ``validFrom``, …;
    a product maps its own table first, e.g. ``MissionRegistry.trust_rows()``); other columns
    are ignored, so a wider table can be passed as is. ``did`` defaults to
    ``mission_did(missionCode)``; ``credentialTypes`` to ``credential_types``; dates may be
    datetimes, dates or ``YYYY-MM-DD`` (read as 00:00 UTC). The result is validated as a
    verifier would, and a row without a ``missionCode`` is refused by name.
    """
    if not isinstance(row, Mapping):
        raise ConfigurationError("a mission row must be a mapping")
    if row.get("missionCode") is None:
        raise ConfigurationError(
            f"a mission row has no missionCode (columns: {sorted(map(str, row))[:12]})"
        )
    code = row.get("missionCode")
    did = row.get("did")
    if did is None and mission_did is not None and isinstance(code, str):
        did = mission_did(code)
    types = row.get("credentialTypes")
    entry = {
        "type": MISSION_TYPE,
        "missionCode": code,
        "nameKo": row.get("nameKo"),
        "nameEn": row.get("nameEn"),
        "country": row.get("country"),
        "city": row.get("city"),
        "did": did,
        "credentialTypes": list(types)
        if isinstance(types, list | tuple)
        else list(credential_types),
        "validFrom": _as_datetime(row.get("validFrom"), "validFrom"),
        "validUntil": _as_datetime(row.get("validUntil"), "validUntil"),
        "state": row.get("state") or "active",
        "stateSince": _as_datetime(row.get("stateSince"), "stateSince"),
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
