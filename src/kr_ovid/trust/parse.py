"""Parsing a trust list: strict, a member the proof would not protect is refused, not ignored."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from kr_ovid._json import JsonParseError, check_json_value
from kr_ovid.clock import parse_datetime_stamp
from kr_ovid.did.document import is_did
from kr_ovid.errors import KrOvidError, Refusal
from kr_ovid.jsonld.jcs import jcs_canonicalize
from kr_ovid.problems import ErrorCode
from kr_ovid.trust.model import (
    _CODE_RE,
    _COUNTRY_RE,
    _MAX_MISSIONS,
    _MAX_NAME,
    _MISSION_MEMBERS,
    _PROOF_MEMBERS,
    _SUBJECT_MEMBERS,
    _TOP_MEMBERS,
    _TYPE_RE,
    CREDENTIAL_TYPE,
    CREDENTIALS_V2_CONTEXT,
    MISSION_STATES,
    MISSION_TYPE,
    SUBJECT_TYPE,
    TRUST_CONTEXT,
    MissionEntry,
    TrustList,
)


# --------------------------------------------------------------------------------------------
# Parsing (strict: a member the proof would not protect is refused, not ignored)
# --------------------------------------------------------------------------------------------
def _members(
    obj: Any, allowed: frozenset[str], required: Iterable[str], path: str
) -> dict[str, Any]:
    if not isinstance(obj, dict):
        raise Refusal(ErrorCode.TRUST_LIST_ERROR, "must be an object", path)
    unknown = sorted(set(obj) - allowed)
    if unknown:
        raise Refusal(ErrorCode.TRUST_LIST_ERROR, f"unexpected members {unknown[:5]}", path)
    for name in required:
        if name not in obj:
            raise Refusal(ErrorCode.TRUST_LIST_ERROR, f"'{name}' is required", f"{path}/{name}")
    return obj


def _text(
    obj: dict[str, Any], name: str, path: str, *, pattern: re.Pattern[str] | None = None
) -> str:
    value = obj.get(name)
    where = f"{path}/{name}"
    if not isinstance(value, str) or not value.strip() or len(value) > _MAX_NAME:
        raise Refusal(
            ErrorCode.TRUST_LIST_ERROR,
            f"'{name}' must be a non-empty string of at most {_MAX_NAME} characters",
            where,
        )
    if pattern is not None and pattern.match(value) is None:
        raise Refusal(ErrorCode.TRUST_LIST_ERROR, f"'{name}' has an invalid format", where)
    if unicodedata.normalize("NFC", value) != value:
        raise Refusal(ErrorCode.TRUST_LIST_ERROR, f"'{name}' is not Unicode NFC", where)
    return value


def _time(obj: dict[str, Any], name: str, path: str, *, required: bool = True) -> datetime | None:
    if name not in obj and not required:
        return None
    parsed = parse_datetime_stamp(obj.get(name))
    if parsed is None:
        raise Refusal(
            ErrorCode.TRUST_LIST_ERROR, f"'{name}' must be an XSD dateTimeStamp", f"{path}/{name}"
        )
    return parsed


def _parse_mission(raw: Any, path: str) -> MissionEntry:
    m = _members(
        raw,
        _MISSION_MEMBERS,
        (
            "type",
            "missionCode",
            "nameKo",
            "nameEn",
            "country",
            "city",
            "did",
            "credentialTypes",
            "validFrom",
            "state",
        ),
        path,
    )
    if m["type"] != MISSION_TYPE:
        raise Refusal(ErrorCode.TRUST_LIST_ERROR, f"type must be {MISSION_TYPE!r}", f"{path}/type")
    did = m["did"]
    if not is_did(did):
        raise Refusal(
            ErrorCode.TRUST_LIST_ERROR,
            "'did' must be a DID (no path, query or fragment)",
            f"{path}/did",
        )
    types = m["credentialTypes"]
    if (
        not isinstance(types, list)
        or not types
        or len(types) > 32
        or not all(isinstance(t, str) and _TYPE_RE.match(t) for t in types)
        or len(set(types)) != len(types)
    ):
        raise Refusal(
            ErrorCode.TRUST_LIST_ERROR,
            "'credentialTypes' must be a non-empty list of distinct type names",
            f"{path}/credentialTypes",
        )
    state = m["state"]
    if not isinstance(state, str) or state not in MISSION_STATES:
        raise Refusal(
            ErrorCode.TRUST_LIST_ERROR,
            f"'state' must be one of {sorted(MISSION_STATES)}",
            f"{path}/state",
        )
    valid_from = _time(m, "validFrom", path)
    valid_until = _time(m, "validUntil", path, required=False)
    if valid_from is None:  # pragma: no cover — _time(required=True) never returns None
        raise Refusal(ErrorCode.TRUST_LIST_ERROR, "'validFrom' is required", f"{path}/validFrom")
    if valid_until is not None and valid_until <= valid_from:
        raise Refusal(
            ErrorCode.TRUST_LIST_ERROR,
            "'validUntil' must be after 'validFrom'",
            f"{path}/validUntil",
        )
    return MissionEntry(
        mission_code=_text(m, "missionCode", path, pattern=_CODE_RE),
        name_ko=_text(m, "nameKo", path),
        name_en=_text(m, "nameEn", path),
        country=_text(m, "country", path, pattern=_COUNTRY_RE),
        city=_text(m, "city", path),
        did=did,
        credential_types=tuple(types),
        valid_from=valid_from,
        valid_until=valid_until,
        state=state,
        state_since=_time(m, "stateSince", path, required=False),
    )


def _parse_content(doc: Any) -> TrustList:
    top = _members(
        doc, _TOP_MEMBERS, ("@context", "type", "issuer", "validFrom", "credentialSubject"), ""
    )
    if top["@context"] != [CREDENTIALS_V2_CONTEXT, TRUST_CONTEXT]:
        raise Refusal(
            ErrorCode.TRUST_LIST_ERROR,
            f"@context must be exactly [{CREDENTIALS_V2_CONTEXT}, {TRUST_CONTEXT}]",
            "/@context",
        )
    types = top["type"]
    if (
        not isinstance(types, list)
        or sorted(t for t in types if isinstance(t, str))
        != sorted(["VerifiableCredential", CREDENTIAL_TYPE])
        or len(types) != 2
    ):
        raise Refusal(
            ErrorCode.TRUST_LIST_ERROR,
            f"type must be [VerifiableCredential, {CREDENTIAL_TYPE}]",
            "/type",
        )
    if "id" in top and not isinstance(top["id"], str):
        raise Refusal(ErrorCode.TRUST_LIST_ERROR, "'id' must be a string", "/id")
    if "proof" in top:
        proofs = top["proof"] if isinstance(top["proof"], list) else [top["proof"]]
        for i, proof in enumerate(proofs):
            _members(
                proof,
                _PROOF_MEMBERS,
                (),
                f"/proof/{i}" if isinstance(top["proof"], list) else "/proof",
            )
    issuer = top["issuer"]
    if not is_did(issuer):
        raise Refusal(ErrorCode.TRUST_LIST_ERROR, "'issuer' must be a DID string", "/issuer")
    issued = _time(top, "validFrom", "")
    subject = _members(
        top["credentialSubject"],
        _SUBJECT_MEMBERS,
        ("type", "version", "nextUpdate", "missions"),
        "/credentialSubject",
    )
    if subject["type"] != SUBJECT_TYPE:
        raise Refusal(
            ErrorCode.TRUST_LIST_ERROR, f"type must be {SUBJECT_TYPE!r}", "/credentialSubject/type"
        )
    version = subject["version"]
    if not isinstance(version, int) or isinstance(version, bool) or not 1 <= version < 2**53:
        raise Refusal(
            ErrorCode.TRUST_LIST_ERROR,
            "'version' must be a positive integer",
            "/credentialSubject/version",
        )
    next_update = _time(subject, "nextUpdate", "/credentialSubject")
    if issued is None or next_update is None or next_update <= issued:
        raise Refusal(
            ErrorCode.TRUST_LIST_ERROR,
            "'nextUpdate' must be after validFrom",
            "/credentialSubject/nextUpdate",
        )
    raw_missions = subject["missions"]
    if not isinstance(raw_missions, list) or not 1 <= len(raw_missions) <= _MAX_MISSIONS:
        raise Refusal(
            ErrorCode.TRUST_LIST_ERROR,
            f"'missions' must be a list of 1..{_MAX_MISSIONS} entries",
            "/credentialSubject/missions",
        )
    missions = tuple(
        _parse_mission(m, f"/credentialSubject/missions/{i}") for i, m in enumerate(raw_missions)
    )
    for attr in ("mission_code", "did"):
        values = [getattr(m, attr) for m in missions]
        if len(set(values)) != len(values):
            raise Refusal(
                ErrorCode.TRUST_LIST_ERROR,
                f"two missions share a {attr}",
                "/credentialSubject/missions",
            )
    # Content digest, without the proof: a re-signed copy of the same list is the same list.
    try:
        canonical = jcs_canonicalize({k: v for k, v in doc.items() if k != "proof"})
    except KrOvidError as exc:  # e.g. a lone surrogate: no canonical form, so no such list
        raise Refusal(
            ErrorCode.TRUST_LIST_ERROR, f"trust list has no JCS form: {exc}", ""
        ) from None
    digest = hashlib.sha256(canonical).hexdigest()
    return TrustList(issuer, version, issued, next_update, missions, digest)


def parse_trust_list(document: Any) -> TrustList:
    """The content of a trust list, checked for shape only — **no proof check**.

    For display and tooling; a verifier uses :func:`verify_trust_list`. Raises
    :class:`KrOvidError` (``TRUST_LIST_ERROR``) with the JSON pointer of the first problem.
    """
    try:
        check_json_value(document)
        return _parse_content(document)
    except Refusal as exc:
        raise KrOvidError(str(exc), code=ErrorCode.TRUST_LIST_ERROR, path=exc.path) from None
    except (JsonParseError, KrOvidError) as exc:
        raise KrOvidError(f"trust list: {exc}", code=ErrorCode.TRUST_LIST_ERROR) from None
