"""Values of a trust list: constants, missions, the list, the registry protocol."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, NoReturn, Protocol, runtime_checkable

from kr_ovid.clock import format_datetime
from kr_ovid.problems import ErrorCode, ProblemDetails
from kr_ovid.schema import schemas_by_type

CREDENTIALS_V2_CONTEXT = "https://www.w3.org/ns/credentials/v2"
TRUST_CONTEXT = "https://w3id.org/kr-ovid/trust/v1"
CREDENTIAL_TYPE = "TrustListCredential"
SUBJECT_TYPE = "TrustList"
MISSION_TYPE = "TrustedMission"
#: What a mission may issue when its row names nothing: every credential type a shipped JSON
#: Schema governs (the library's own credential types), read from the schemas, not named here.
DEFAULT_CREDENTIAL_TYPES: tuple[str, ...] = tuple(sorted(schemas_by_type()))
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
