"""Issuing the overseas-national ID (모바일 재외국민증) at a mission.

The recipe on top of :class:`~kr_ovid.issuer.CredentialIssuer`: the mission's DID and names as
``issuer``, the ID's context and JSON Schema, evidence of the in-person proofing (passport chip
read at the mission), validity from issuance to the passport's expiry (at most 10 years, ending
at 23:59:59 Korea time), and — for SD-JWT — every personal claim selectively disclosable.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import Any

from kr_ovid.clock import Clock, format_datetime
from kr_ovid.did.document import DidDocument
from kr_ovid.errors import ConfigurationError, ResolutionError
from kr_ovid.issuer import CredentialIssuer, Format, IssuedCredential
from kr_ovid.jsonld.loader import StaticDocumentLoader
from kr_ovid.keys.signer import Signer
from kr_ovid.ovid.missions import Mission
from kr_ovid.ovid.model import ID_SCHEMA, OverseasNationalId
from kr_ovid.schema import check_credential
from kr_ovid.status.publish import default_status_base as status_base_for_did
from kr_ovid.status.store import StatusListStore
from kr_ovid.suites import DEFAULT_CRYPTOSUITE

__all__ = [
    "CONTEXTS",
    "CREDENTIAL_TYPE",
    "DISCLOSABLE_SUBJECT_CLAIMS",
    "KST",
    "Issuer",
    "check_id_claims",
    "default_status_base",
]

CREDENTIAL_TYPE = "OverseasNationalIdCredential"
CONTEXTS = ["https://www.w3.org/ns/credentials/v2", "https://w3id.org/kr-ovid/v1"]
KST = timezone(timedelta(hours=9), "KST")

#: Personal claims a holder discloses one by one (docs/domain.md "disclosable by default").
#: ``nationality``, ``issuingMission``, the subject ``type`` and ``predicatesComputedAt`` stay
#: visible: they say what the credential is, not who the person is.
DISCLOSABLE_SUBJECT_CLAIMS = (
    "familyName",
    "givenName",
    "familyNameLatin",
    "givenNameLatin",
    "birthDate",
    "residenceCountry",
    "residenceCity",
    "overseasRegistrationDate",
    "passportNumber",
    "passportExpiry",
    "portrait",
    "idNumber",
    "ageOver14",
    "ageOver19",
    "ageOver65",
    "isOverseasNational",
)


def default_status_base(mission: Mission) -> str:
    """Where the mission publishes its status lists: beside its did:web DID document."""
    try:
        return status_base_for_did(mission.did)
    except ResolutionError:
        raise ConfigurationError("the mission DID is not a did:web DID") from None


class Issuer(CredentialIssuer):
    """Issues overseas-national IDs for one mission (its DID, its signing key)."""

    def __init__(
        self,
        mission: Mission,
        signer: Signer,
        *,
        clock: Clock | None = None,
        status_store: StatusListStore | None = None,
        status_base_url: str | None = None,
        cryptosuite: str = DEFAULT_CRYPTOSUITE,
        did_document: DidDocument | Mapping[str, Any] | None = None,
        loader: StaticDocumentLoader | None = None,
        id_factory: Callable[[], str] | None = None,
    ) -> None:
        if status_store is not None and status_base_url is None:
            status_base_url = default_status_base(mission)
        super().__init__(
            signer,
            issuer={
                "id": mission.did,
                "name": mission.name_en,
                "nameKo": mission.name_ko,
                "nameEn": mission.name_en,
            },
            clock=clock,
            status_store=status_store,
            status_base_url=status_base_url,
            cryptosuite=cryptosuite,
            did_document=did_document,
            loader=loader,
            id_factory=id_factory,
        )
        self.mission = mission

    def check_claims(
        self, claims: OverseasNationalId | Mapping[str, Any], *, on: date | None = None
    ) -> OverseasNationalId:
        """:func:`check_id_claims` for this mission, on ``on`` (today in Korea by default)."""
        return check_id_claims(self.mission, claims, on or self.clock.now().astimezone(KST).date())

    def issue_id(
        self,
        claims: OverseasNationalId | Mapping[str, Any],
        *,
        holder: str | None = None,
        holder_jwks: Sequence[Mapping[str, Any]] = (),
        valid_from: datetime | None = None,
        valid_until: datetime | None = None,
        formats: Iterable[Format] = ("di",),
        progress: Callable[[int, int], None] | None = None,
    ) -> IssuedCredential:
        """Issue the ID; ``holder`` (the wallet's DID) becomes the Data Integrity subject ``id``,
        ``holder_jwks`` the ``cnf`` keys of the SD-JWT copies (one copy per key). ``formats``
        picks ``"di"``, ``"sd-jwt"`` (``vc+sd-jwt``) and/or ``"dc+sd-jwt"`` (IETF SD-JWT VC
        with the ID's shipped ``vct``); both SD-JWT forms take the same disclosure plan,
        batch unlinkability and time coarsening. Every copy of one call is one issuance in the
        status store, so one revocation reaches them all; ``progress(done, total)`` follows the
        signing of a batch."""
        now = self.clock.now()
        if valid_from is not None and valid_from.tzinfo is None:
            raise ConfigurationError("valid_from must be timezone-aware")
        start = valid_from or now
        # Eligibility and predicates are judged on the day the mission issues (docs/domain.md:
        # validFrom = issuance); a backdated validFrom cannot make an ineligible person eligible.
        issued_on = now.astimezone(KST).date()
        person = self.check_claims(claims, on=issued_on)
        last_day = person.latest_valid_until(issued_on)
        end = valid_until or _end_of_day_kst(last_day)
        if end > _end_of_day_kst(last_day):
            raise ConfigurationError("valid_until is past the passport's expiry or 10 years")
        body: dict[str, Any] = {
            "@context": list(CONTEXTS),
            "type": ["VerifiableCredential", CREDENTIAL_TYPE],
            "credentialSchema": {"id": ID_SCHEMA, "type": "JsonSchema"},
            "credentialSubject": person.to_subject(holder=holder, issuance_date=issued_on),
            "evidence": [
                {
                    "type": ["IdentityProofingEvidence"],
                    "proofingMethod": "in-person",
                    "documentType": "passport",
                    "chipRead": True,
                    "verifier": self.mission.did,
                    "proofedAt": format_datetime(now),
                }
            ],
        }
        # SD-JWT copies carry times coarsened to the UTC day of issuance (see ``unlinkable``):
        # trust-list accreditation windows are dates at 00:00 UTC, so the coarsened time still
        # falls inside the window a mission was issuing in.
        day_start = datetime.combine(start.astimezone(UTC).date(), time(0, 0), UTC)

        def unlinkable(doc: dict[str, Any]) -> dict[str, Any]:
            # Copies of a batch must not be linkable by any byte a service sees: no holder DID
            # (cnf binds the key), times coarsened to the day, validUntil to its month.
            out = dict(doc)
            subject = dict(out["credentialSubject"])
            subject.pop("id", None)
            out["credentialSubject"] = subject
            out["validFrom"] = format_datetime(max(day_start, start) if valid_from else day_start)
            if "validUntil" in out:
                floored = _month_floor(end)
                out["validUntil"] = format_datetime(floored if floored > start else end)
            out["evidence"] = [
                {**e, "proofedAt": format_datetime(day_start)} for e in out["evidence"]
            ]
            return out

        def schema_check(doc: dict[str, Any]) -> None:
            check_credential(doc)

        present = {k for k in person.to_subject(holder=None, issuance_date=issued_on)}
        disclosable = [
            f"/credentialSubject/{k}" for k in DISCLOSABLE_SUBJECT_CLAIMS if k in present
        ]
        return self.issue(
            body,
            valid_from=start,
            valid_until=end,
            formats=formats,
            sd_jwt_body=unlinkable,
            disclosable=[*disclosable, "/evidence"],
            holder_jwks=holder_jwks,
            sd_jwt_iat=day_start,
            check=schema_check,
            progress=progress,
        )


def check_id_claims(
    mission: Mission, claims: OverseasNationalId | Mapping[str, Any], on: date
) -> OverseasNationalId:
    """The claims as ``mission`` would issue them on ``on``: well-formed, naming that mission,
    and eligible (age, registration, passport). Raises
    :class:`~kr_ovid.errors.ConfigurationError`; a desk checks before making an offer, so
    claims that cannot be issued are refused in person rather than at the phone."""
    person = (
        claims
        if isinstance(claims, OverseasNationalId)
        else OverseasNationalId.from_subject(claims)
    )
    if person.issuing_mission.did != mission.did:
        raise ConfigurationError("the claims name another issuing mission")
    person.check_issuable(on)
    return person


def _end_of_day_kst(day: date) -> datetime:
    return datetime.combine(day, time(23, 59, 59), KST).astimezone(UTC)


def _month_floor(end: datetime) -> datetime:
    """The last second before the month of ``end`` began in Korea, unless ``end`` is that month's
    first day already: expiry stays on or before the real one, shared by a month of holders."""
    local = end.astimezone(KST)
    first = datetime.combine(local.date().replace(day=1), time(0, 0), KST)
    floored = first - timedelta(seconds=1)
    return floored.astimezone(UTC) if floored < end else end
