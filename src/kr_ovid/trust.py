"""Trust list: which mission DIDs may issue which credential types, and when.

A root authority (configurable; in the deployment kr_ovid was written for, the Ministry of
Foreign Affairs together with the Ministry of the Interior and Safety) signs a
``TrustListCredential`` (VC Data Model 2.0, Data Integrity ``eddsa-rdfc-2022``) listing every
accredited mission. Terms come from ``https://w3id.org/kr-ovid/trust/v1`` (protected, no
``@vocab``), so canonicalization loses nothing.

**The single trust anchor is the root's key, pinned by the verifier.** The verifier decides the
root DID (``root_did``) and supplies a resolver that answers for it from a document it pinned
itself — a :class:`~kr_ovid.did.LocalDidResolver` holding the root's DID document, or a
``did:key`` root, which is its own key. The root's DID must never be resolved from the network
at verification time: whoever could answer that lookup could name any key as the root's.

Refusals carry codes: a list whose proof fails (``PROOF_*``, ``KEY_*``, ``DID_*``), that is not by
the pinned root or is malformed (``TRUST_LIST_ERROR``), expired past ``nextUpdate`` plus a grace
(``TRUST_LIST_EXPIRED``, retryable: fetch a fresh one), or older than the one already held
(``TRUST_LIST_ROLLBACK``). A query the list answers "no" is ``ISSUER_NOT_ACCREDITED``.

Mission states: ``active``; ``suspended`` (temporarily untrusted) and ``withdrawn`` (accreditation
revoked) refuse every credential of the mission whatever its issuance time — as with a revoked
key, an issuance time is written by the issuer and proves nothing once the issuer is in doubt.
The normal end of an accreditation is ``validUntil``: credentials issued before it stay valid.
"""

from __future__ import annotations

import copy
import hashlib
import re
import threading
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, NoReturn, Protocol, runtime_checkable

from kr_ovid._json import JsonParseError, check_json_value
from kr_ovid.clock import Clock, SystemClock, format_datetime, parse_datetime_stamp
from kr_ovid.did.document import is_did, split_did_url
from kr_ovid.did.resolver import DidResolver
from kr_ovid.errors import ConfigurationError, KrOvidError, Refusal
from kr_ovid.integrity import DEFAULT_SKEW, add_proof, verify_proof
from kr_ovid.jsonld.jcs import jcs_canonicalize
from kr_ovid.jsonld.loader import StaticDocumentLoader
from kr_ovid.keys.signer import Signer
from kr_ovid.problems import ErrorCode, ProblemDetails
from kr_ovid.results import VerificationResult
from kr_ovid.suites import DEFAULT_CRYPTOSUITE

__all__ = [
    "CREDENTIALS_V2_CONTEXT",
    "DEFAULT_CREDENTIAL_TYPES",
    "DEFAULT_GRACE",
    "MISSION_STATES",
    "TRUST_CONTEXT",
    "Accreditation",
    "MissionEntry",
    "TrustList",
    "TrustListRegistry",
    "TrustRegistry",
    "create_trust_list",
    "mission_entry",
    "parse_trust_list",
    "verify_trust_list",
]

CREDENTIALS_V2_CONTEXT = "https://www.w3.org/ns/credentials/v2"
TRUST_CONTEXT = "https://w3id.org/kr-ovid/trust/v1"
CREDENTIAL_TYPE = "TrustListCredential"
SUBJECT_TYPE = "TrustList"
MISSION_TYPE = "TrustedMission"
DEFAULT_CREDENTIAL_TYPES: tuple[str, ...] = ("OverseasNationalIdCredential",)
#: How long past ``nextUpdate`` a list is still used when no fresher one could be fetched.
DEFAULT_GRACE = timedelta(hours=24)
MISSION_STATES = frozenset({"active", "suspended", "withdrawn"})

_TOP_MEMBERS = frozenset(
    {"@context", "id", "type", "issuer", "validFrom", "credentialSubject", "proof"}
)
_SUBJECT_MEMBERS = frozenset({"type", "version", "nextUpdate", "missions"})
# JSON-LD keywords such as "@index" vanish in canonicalization, so a proof carrying one still
# verifies: only the members a Data Integrity proof of a trust list uses are accepted.
_PROOF_MEMBERS = frozenset(
    {
        "id",
        "type",
        "cryptosuite",
        "created",
        "expires",
        "verificationMethod",
        "proofPurpose",
        "proofValue",
        "@context",
    }
)
_MISSION_MEMBERS = frozenset(
    {
        "type",
        "missionCode",
        "nameKo",
        "nameEn",
        "country",
        "city",
        "did",
        "credentialTypes",
        "validFrom",
        "validUntil",
        "state",
        "stateSince",
    }
)
_CODE_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_COUNTRY_RE = re.compile(r"^[A-Z]{2}$")
_DATE_RE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
_TYPE_RE = re.compile(r"^[A-Za-z][A-Za-z0-9]{0,99}$")
_MAX_NAME = 200
_MAX_MISSIONS = 2000


# --------------------------------------------------------------------------------------------
# Values
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class MissionEntry:
    """One accredited mission (재외공관) as the trust list states it."""

    mission_code: str
    name_ko: str
    name_en: str
    country: str
    city: str
    did: str
    credential_types: tuple[str, ...]
    valid_from: datetime
    valid_until: datetime | None = None
    state: str = "active"
    state_since: datetime | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "type": MISSION_TYPE,
            "missionCode": self.mission_code,
            "nameKo": self.name_ko,
            "nameEn": self.name_en,
            "country": self.country,
            "city": self.city,
            "did": self.did,
            "credentialTypes": list(self.credential_types),
            "validFrom": format_datetime(self.valid_from),
        }
        if self.valid_until is not None:
            out["validUntil"] = format_datetime(self.valid_until)
        out["state"] = self.state
        if self.state_since is not None:
            out["stateSince"] = format_datetime(self.state_since)
        return out


@dataclass(frozen=True, slots=True)
class TrustList:
    """A trust list's content after verification (``digest``: SHA-256 of its JCS form)."""

    issuer: str
    version: int
    issued: datetime
    next_update: datetime
    missions: tuple[MissionEntry, ...]
    digest: str

    def mission(self, did: str) -> MissionEntry | None:
        return next((m for m in self.missions if m.did == did), None)


@dataclass(frozen=True, slots=True)
class Accreditation:
    """The answer to "may ``issuer_did`` issue this type, as of ``at``?".

    ``code`` is ``None`` when accredited, else ``ISSUER_NOT_ACCREDITED`` (the list says no) or
    ``TRUST_LIST_EXPIRED`` (the registry's list is too old to answer; ``retryable``). Like
    :class:`~kr_ovid.results.VerificationResult` it has no truth value: test ``.accredited``.
    """

    accredited: bool
    code: ErrorCode | None
    reason: str
    mission: MissionEntry | None = None
    retryable: bool = False

    def __bool__(self) -> NoReturn:
        raise TypeError("Accreditation has no truth value; test .accredited")

    def problem(self, path: str | None = None) -> ProblemDetails | None:
        """The failure as a problem for a verification result (``None`` when accredited)."""
        if self.code is None:
            return None
        return ProblemDetails(self.code, self.reason, path)


@runtime_checkable
class TrustRegistry(Protocol):
    """Is this DID accredited to issue this credential type at this (issuance) time?

    ``at`` is when the credential was issued: its proof's ``created`` (or ``validFrom``).
    """

    def is_accredited(
        self, issuer_did: str, credential_type: str, at: datetime
    ) -> Accreditation: ...


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


# --------------------------------------------------------------------------------------------
# Verification
# --------------------------------------------------------------------------------------------
def verify_trust_list(
    document: Any,
    *,
    root_did: str,
    resolver: DidResolver,
    now: datetime | None = None,
    clock: Clock | None = None,
    grace: timedelta = DEFAULT_GRACE,
    previous_version: int | None = None,
    skew: timedelta = DEFAULT_SKEW,
    loader: StaticDocumentLoader | None = None,
) -> VerificationResult:
    """Verify a trust list against the pinned root; never raises on hostile input.

    Checks, all reported: the proof (every proof by a key of ``root_did`` under
    ``assertionMethod``), the shape, ``issuer == root_did``, ``validFrom`` not in the future,
    ``now <= nextUpdate + grace``, and ``version >= previous_version``. On success
    ``result.claims`` is the :class:`TrustList`.
    """
    checks = ("proof", "trust-list")
    try:
        when = now or (clock or SystemClock()).now()
        if when.tzinfo is None or not isinstance(grace, timedelta) or grace < timedelta(0):
            raise ConfigurationError(
                "now must be timezone-aware and grace a non-negative timedelta"
            )
        if not is_did(root_did):
            raise ConfigurationError("root_did must be a DID")
    except (ConfigurationError, AttributeError, TypeError) as exc:
        return VerificationResult.failure(
            ProblemDetails(ErrorCode.CONFIGURATION_ERROR, f"invalid verifier options: {exc}")
        )
    proof = verify_proof(
        document,
        proof_purpose="assertionMethod",
        resolver=resolver,
        now=when,
        skew=skew,
        loader=loader,
        expected_controller=root_did,
    )
    errors = list(proof.errors)
    retryable = proof.retryable
    trust_list: TrustList | None = None
    try:
        check_json_value(document)
        trust_list = _parse_content(document)
    except Refusal as exc:
        errors.append(ProblemDetails(ErrorCode.TRUST_LIST_ERROR, str(exc), exc.path))
    except (JsonParseError, RecursionError):
        if not errors:  # verify_proof has already reported the parse failure
            errors.append(ProblemDetails(ErrorCode.PARSING_ERROR, "trust list is not plain JSON"))
    if trust_list is not None:
        if trust_list.issuer != root_did:
            errors.append(
                ProblemDetails(
                    ErrorCode.TRUST_LIST_ERROR, "issuer is not the pinned root", "/issuer"
                )
            )
        if trust_list.issued > when + skew:
            errors.append(
                ProblemDetails(
                    ErrorCode.TRUST_LIST_ERROR, "trust list is not valid yet", "/validFrom"
                )
            )
        if when > trust_list.next_update + grace:
            errors.append(
                ProblemDetails(
                    ErrorCode.TRUST_LIST_EXPIRED,
                    "trust list is past nextUpdate plus grace",
                    "/credentialSubject/nextUpdate",
                )
            )
            retryable = True
        if previous_version is not None and trust_list.version < previous_version:
            errors.append(
                ProblemDetails(
                    ErrorCode.TRUST_LIST_ROLLBACK,
                    f"version {trust_list.version} is older than the held version {previous_version}",
                    "/credentialSubject/version",
                )
            )
    if errors:
        return VerificationResult(False, None, tuple(errors), (), retryable, checks)
    return VerificationResult(
        True,
        copy.deepcopy(document),
        (),
        (),
        False,
        checks,
        claims=trust_list,
        proofs=proof.proofs,
    )


# --------------------------------------------------------------------------------------------
# Registry
# --------------------------------------------------------------------------------------------
class TrustListRegistry:
    """A :class:`TrustRegistry` over the newest verified trust list.

    Built only from a list that verified against the pinned root (:meth:`from_trust_list`).
    :meth:`update` swaps in a newer list atomically and refuses rollback; a list that has gone
    past ``nextUpdate + grace`` (by ``clock``) answers ``TRUST_LIST_EXPIRED`` instead of guessing.
    """

    __slots__ = (
        "_clock",
        "_current",
        "_grace",
        "_loader",
        "_lock",
        "_resolver",
        "_root_did",
        "_skew",
    )

    _root_did: str
    _resolver: DidResolver
    _clock: Clock
    _grace: timedelta
    _skew: timedelta
    _loader: StaticDocumentLoader | None
    _current: TrustList
    _lock: threading.Lock

    def __init__(self) -> None:
        # No public constructor: a registry must never hold a list that was not verified.
        raise TypeError("build a TrustListRegistry with TrustListRegistry.from_trust_list()")

    @classmethod
    def from_trust_list(
        cls,
        document: Any,
        *,
        root_did: str,
        resolver: DidResolver,
        now: datetime | None = None,
        clock: Clock | None = None,
        grace: timedelta = DEFAULT_GRACE,
        previous_version: int | None = None,
        skew: timedelta = DEFAULT_SKEW,
        loader: StaticDocumentLoader | None = None,
    ) -> TrustListRegistry:
        """Verify ``document`` and build a registry; raises ``VerificationFailed`` if it fails.

        ``clock`` (default: system) dates later freshness checks; ``now`` only this one.
        """
        clock = clock or SystemClock()
        result = verify_trust_list(
            document,
            root_did=root_did,
            resolver=resolver,
            now=now or clock.now(),
            grace=grace,
            previous_version=previous_version,
            skew=skew,
            loader=loader,
        ).raise_for_errors()
        self = object.__new__(cls)
        self._root_did = root_did
        self._resolver = resolver
        self._clock = clock
        self._grace = grace
        self._skew = skew
        self._loader = loader
        self._current = result.claims
        self._lock = threading.Lock()
        return self

    @property
    def trust_list(self) -> TrustList:
        return self._current

    @property
    def version(self) -> int:
        return self._current.version

    def update(self, document: Any, *, now: datetime | None = None) -> VerificationResult:
        """Adopt a newer list if it verifies; otherwise keep the current one and say why.

        The same version with the same content is accepted (a re-fetch); the same version with
        other content is refused as ``TRUST_LIST_ROLLBACK`` (a root must bump the version).
        """
        with self._lock:
            current = self._current
            result = verify_trust_list(
                document,
                root_did=self._root_did,
                resolver=self._resolver,
                now=now or self._clock.now(),
                grace=self._grace,
                previous_version=current.version,
                skew=self._skew,
                loader=self._loader,
            )
            if not result.verified:
                return result
            new: TrustList = result.claims
            if new.version == current.version and new.digest != current.digest:
                return VerificationResult.failure(
                    ProblemDetails(
                        ErrorCode.TRUST_LIST_ROLLBACK,
                        f"version {new.version} is already held with different content",
                        "/credentialSubject/version",
                    ),
                    checks=result.checks,
                )
            self._current = new
            return result

    def is_accredited(self, issuer_did: str, credential_type: str, at: datetime) -> Accreditation:
        """Listed, ``active``, ``validFrom <= at <= validUntil`` (inclusive, as VC DM validity
        periods), and ``credential_type`` among the mission's types; each "no" says which."""
        if not isinstance(at, datetime) or at.tzinfo is None:
            raise ConfigurationError("'at' must be a timezone-aware datetime (the issuance time)")
        current = self._current
        if self._clock.now() > current.next_update + self._grace:
            return Accreditation(
                False,
                ErrorCode.TRUST_LIST_EXPIRED,
                f"trust list version {current.version} is past nextUpdate plus grace; refresh it",
                retryable=True,
            )
        mission = current.mission(issuer_did) if isinstance(issuer_did, str) else None
        no = ErrorCode.ISSUER_NOT_ACCREDITED
        if mission is None:
            return Accreditation(False, no, "issuer DID is not on the trust list")
        if mission.state != "active":
            return Accreditation(
                False, no, f"mission {mission.mission_code} is {mission.state}", mission
            )
        if at < mission.valid_from:
            return Accreditation(
                False,
                no,
                f"accreditation of {mission.mission_code} had not started at issuance",
                mission,
            )
        if mission.valid_until is not None and at > mission.valid_until:
            return Accreditation(
                False, no, f"accreditation of {mission.mission_code} had ended at issuance", mission
            )
        if credential_type not in mission.credential_types:
            return Accreditation(
                False,
                no,
                f"mission {mission.mission_code} may not issue {str(credential_type)[:100]}",
                mission,
            )
        return Accreditation(True, None, "accredited", mission)

    def __repr__(self) -> str:
        return (
            f"TrustListRegistry(root={self._root_did!r}, version={self._current.version}, "
            f"{len(self._current.missions)} missions)"
        )
