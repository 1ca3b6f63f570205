"""Ready verifier policies for the services that accept the ID at launch, and an age check.

A service is data: which credential type, which claims it needs (for login, for issuing
certificates), the most it may receive, and the usual binding rules. ``profile.policy(registry)``
turns one into a :class:`~kr_ovid.verifier.VerifierPolicy`; a new service is a new
:class:`ServiceProfile`, not new code.

**Gov24 (정부24)** — the government services portal. Login identifies the person to their own
records: Korean family and given name and birth date, plus ``isOverseasNational`` (the account
type differs for overseas nationals). The ID's own number (``idNumber``) is accepted as an
optional account-linking handle — it is random, so it links nothing outside Gov24. Issuing a
certificate (e.g. 재외국민 주민등록표 초본) additionally needs the romanized names as printed on
the passport and the residence country for delivery. Holder binding and a fresh single-use
challenge are always required.

**Overseas Koreans 365 (재외동포365민원포털)** — consular and overseas-Korean civil services.
Login: names, birth date, residence country and overseas-national status (the portal serves
registered overseas nationals). Certificates and consular procedures (passport renewal,
registration certificates) additionally need the passport number and expiry, the romanized names
and the overseas registration date — the passport number is the reason it is disclosable at all.

Each purpose is also an OpenID4VP DCQL query (:meth:`ServiceProfile.dcql`): the required claims of
the ID as ``dc+sd-jwt`` (its ``vct``) or, where the service takes Data Integrity too, as ``ldp_vc``,
one of the two (``credential_sets``); :func:`presentation_policies` pairs each with its verifiers
under the names the CLI and the server use (``gov24-login``, ``age-check``, …).

**Age check** — shops, venues: only ``ageOver19`` (Korean age of majority, Civil Act art. 4),
which must be true; anything else disclosed is refused, so the service cannot over-collect. Only
SD-JWT can disclose a single claim, so only SD-JWT (``vc+sd-jwt`` or ``dc+sd-jwt``) is accepted.
Over OpenID4VP the query offers one alternative (``credential_sets``): ``ageOver19``, or else
``birthDate`` alone, from which the service computes the age on the day of verification in Korea
(:class:`MinimumAge`, the policy's ``claims_check``). The predicate was computed at issuance, so a
holder who came of age since then answers with the birth date; a wallet tries the predicate
first (it discloses less).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from types import MappingProxyType
from typing import Any

from kr_ovid.errors import ConfigurationError
from kr_ovid.oid4vp.dcql import ClaimsQuery, CredentialQuery, CredentialSetQuery, DcqlQuery
from kr_ovid.oid4vp.verifier import PresentationPolicy
from kr_ovid.ovid.issuance import CREDENTIAL_TYPE, KST
from kr_ovid.ovid.labels import labels_for
from kr_ovid.ovid.model import display_rows
from kr_ovid.ovid.predicates import age_on
from kr_ovid.problems import ErrorCode, ProblemDetails
from kr_ovid.sdjwt.vc import vct_for_credential_type
from kr_ovid.trust import TrustRegistry
from kr_ovid.verifier import Verifier, VerifierPolicy

__all__ = [
    "AGE_CHECK",
    "ALWAYS_VISIBLE",
    "BIRTH_DATE_QUERY",
    "GOV24",
    "NAMED_PURPOSES",
    "OVERSEAS_KOREANS_365",
    "DisclosedId",
    "MinimumAge",
    "ServiceProfile",
    "age_check",
    "presentation_policies",
]

#: Subject members every copy shows (they describe the credential, not the person).
ALWAYS_VISIBLE = frozenset({"nationality", "issuingMission", "predicatesComputedAt"})


@dataclass(frozen=True, slots=True)
class DisclosedId:
    """The verified, disclosed claims of an ID: English names, Korean labels on request."""

    claims: Mapping[str, Any]

    def __getitem__(self, name: str) -> Any:
        return self.claims[name]

    def get(self, name: str, default: Any = None) -> Any:
        return self.claims.get(name, default)

    def __contains__(self, name: object) -> bool:
        return name in self.claims

    def labels(self, lang: str = "ko") -> dict[str, str]:
        table = labels_for(lang)
        return {k: table[k] for k in self.claims if k in table}

    def display(self, lang: str = "ko") -> list[tuple[str, str]]:
        return display_rows(self.claims, lang)

    @classmethod
    def from_subject(cls, subject: Mapping[str, Any]) -> DisclosedId:
        return cls({k: v for k, v in subject.items() if k not in {"id", "type"}})


@dataclass(frozen=True, slots=True)
class MinimumAge:
    """A ``claims_check``: the disclosed ``birthDate`` makes the holder ``years`` old or more on
    the day of verification in Korea (UTC+9), in completed years as the Civil Act counts them
    (민법 제158조, 제160조; :func:`~kr_ovid.ovid.predicates.age_on`). The ID's ``ageOverNN``
    predicates are computed at issuance; this answers for a holder who came of age since."""

    years: int

    def __post_init__(self) -> None:
        if isinstance(self.years, bool) or not isinstance(self.years, int):
            raise ConfigurationError("MinimumAge needs a whole number of years")
        if not 0 < self.years <= 150:
            raise ConfigurationError("MinimumAge years must be 1..150")

    def __call__(self, subject: Mapping[str, Any], at: datetime) -> list[ProblemDetails]:
        value = subject.get("birthDate")
        if value is None:
            return [ProblemDetails(ErrorCode.MISSING_CLAIM, "birthDate was not disclosed", _BIRTH)]
        try:
            if not isinstance(value, str) or not _ISO_DATE.fullmatch(value):
                raise ValueError(value)
            birth = date.fromisoformat(value)
        except ValueError:
            return [
                ProblemDetails(ErrorCode.MALFORMED_VALUE_ERROR, "birthDate is not a date", _BIRTH)
            ]
        today = at.astimezone(KST).date()
        if birth > today or age_on(birth, today) < self.years:
            detail = f"younger than {self.years} today (in Korea)"
            return [ProblemDetails(ErrorCode.POLICY_ERROR, detail, _BIRTH)]
        return []


_BIRTH = "/birthDate"
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


@dataclass(frozen=True, slots=True)
class ServiceProfile:
    """A service's needs per purpose (e.g. "login", "certificates")."""

    name: str
    purposes: Mapping[str, frozenset[str]]
    allowed_claims: frozenset[str] | None = None
    required_true: frozenset[str] = frozenset()
    formats: frozenset[str] = frozenset({"di", "sd-jwt", "dc+sd-jwt"})
    overrides: Mapping[str, Any] = field(default_factory=dict)
    #: An age a disclosed ``birthDate`` may prove instead of the ``required_true`` predicates
    #: (OpenID4VP: the ``id_birth`` alternative of :meth:`dcql`, judged by
    #: :meth:`birth_date_policy`).
    birth_date_alternative: int | None = None

    def policy(
        self, trust_registry: TrustRegistry, purpose: str | None = None, **overrides: Any
    ) -> VerifierPolicy:
        """The :class:`VerifierPolicy` for ``purpose`` (default: the first one listed)."""
        key = purpose or next(iter(self.purposes))
        if key not in self.purposes:
            raise ConfigurationError(
                f"{self.name} has no purpose {key!r}; known: {sorted(self.purposes)}"
            )
        base = VerifierPolicy(
            trust_registry=trust_registry,
            name=f"{self.name}:{key}",
            accepted_types=frozenset({CREDENTIAL_TYPE}),
            required_claims=self.purposes[key],
            allowed_claims=self.allowed_claims,
            always_visible=ALWAYS_VISIBLE,
            required_true=self.required_true,
            allowed_formats=self.formats,
            claims_view=DisclosedId.from_subject,
            sd_jwt_time_granularity=timedelta(days=1),  # Issuer.issue_id coarsens to the UTC day
            **dict(self.overrides),
        )
        return replace(base, **overrides) if overrides else base

    def birth_date_policy(self, trust_registry: TrustRegistry, **overrides: Any) -> VerifierPolicy:
        """The policy of the ``birthDate`` alternative: ``birthDate`` and nothing else personal,
        old enough (:class:`MinimumAge`) on the day of verification."""
        if self.birth_date_alternative is None:
            raise ConfigurationError(f"{self.name} has no birth date alternative")
        base = self.policy(trust_registry)
        policy = replace(
            base,
            name=f"{base.name}:birthDate",
            required_claims=frozenset({"birthDate"}),
            allowed_claims=frozenset({"birthDate"}),
            required_true=frozenset(),
            claims_check=MinimumAge(self.birth_date_alternative),
        )
        return replace(policy, **overrides) if overrides else policy

    def dcql(self, purpose: str | None = None) -> DcqlQuery:
        """The purpose as a DCQL query (OpenID4VP 1.0 §6): ``id_dc`` asks for the ID as an SD-JWT
        VC with exactly the purpose's claims (``required_true`` ones with ``values: [true]``);
        ``id_ldp`` for the Data Integrity credential with the same claims; when the service takes
        both, ``credential_sets`` accepts either (the SD-JWT VC, which discloses less, first)."""
        key = purpose or next(iter(self.purposes))
        if key not in self.purposes:
            raise ConfigurationError(f"{self.name} has no purpose {key!r}")
        names = sorted(self.purposes[key] | self.required_true)
        queries = []
        if "dc+sd-jwt" in self.formats:
            queries.append(
                CredentialQuery(
                    "id_dc",
                    "dc+sd-jwt",
                    {"vct_values": (vct_for_credential_type(CREDENTIAL_TYPE),)},
                    tuple(
                        ClaimsQuery((n,), values=(True,) if n in self.required_true else None)
                        for n in names
                    ),
                )
            )
        if "di" in self.formats:
            queries.append(
                CredentialQuery(
                    "id_ldp",
                    "ldp_vc",
                    {"type_values": ((f"{_VOCAB}{CREDENTIAL_TYPE}",),)},
                    tuple(ClaimsQuery(("credentialSubject", n)) for n in names),
                )
            )
        if self.birth_date_alternative is not None and "dc+sd-jwt" in self.formats:
            queries.append(
                CredentialQuery(
                    BIRTH_DATE_QUERY,
                    "dc+sd-jwt",
                    {"vct_values": (vct_for_credential_type(CREDENTIAL_TYPE),)},
                    (ClaimsQuery(("birthDate",)),),
                )
            )
        if not queries:
            raise ConfigurationError(f"{self.name} accepts no OpenID4VP format")
        sets = None
        if len(queries) > 1:
            sets = (CredentialSetQuery(tuple((q.id,) for q in queries)),)
        return DcqlQuery(tuple(queries), sets)


_NAMES = frozenset({"familyName", "givenName", "birthDate"})

GOV24 = ServiceProfile(
    name="gov24",
    purposes={
        "login": _NAMES | {"isOverseasNational"},
        "certificates": _NAMES
        | {"isOverseasNational", "familyNameLatin", "givenNameLatin", "residenceCountry"},
    },
)

OVERSEAS_KOREANS_365 = ServiceProfile(
    name="overseas-koreans-365",
    purposes={
        "login": _NAMES | {"residenceCountry", "isOverseasNational"},
        "certificates": _NAMES
        | {
            "residenceCountry",
            "isOverseasNational",
            "passportNumber",
            "passportExpiry",
            "familyNameLatin",
            "givenNameLatin",
            "overseasRegistrationDate",
        },
    },
)

AGE_CHECK = ServiceProfile(
    name="age-check",
    purposes={"adult": frozenset()},
    allowed_claims=frozenset({"ageOver19"}),
    required_true=frozenset({"ageOver19"}),
    formats=frozenset({"sd-jwt", "dc+sd-jwt"}),
    birth_date_alternative=19,
)


#: The DCQL credential query id of the ``birthDate`` alternative.
BIRTH_DATE_QUERY = "id_birth"

#: The ID's vocabulary: DCQL ``type_values`` name expanded types (OpenID4VP B.1.1).
_VOCAB = "https://w3id.org/kr-ovid/vocab#"


def presentation_policies(
    trust_registry: TrustRegistry, **verifier_parts: Any
) -> dict[str, PresentationPolicy]:
    """Every named service purpose as a :class:`~kr_ovid.oid4vp.PresentationPolicy`: its DCQL
    query, and a :class:`~kr_ovid.verifier.Verifier` under its policy for each credential query.
    ``verifier_parts`` go to each Verifier (``resolver``, ``status_fetcher``, …; no
    ``challenge_store``: the OpenID4VP transaction spends the nonce itself)."""
    policy_overrides = verifier_parts.pop("policy_overrides", {})
    out = {}
    for name, (profile, purpose) in NAMED_PURPOSES.items():
        verifier = Verifier(
            profile.policy(trust_registry, purpose, **policy_overrides), **verifier_parts
        )
        query = profile.dcql(purpose)
        verifiers = {q.id: verifier for q in query.credentials}
        if BIRTH_DATE_QUERY in verifiers:
            verifiers[BIRTH_DATE_QUERY] = Verifier(
                profile.birth_date_policy(trust_registry, **policy_overrides), **verifier_parts
            )
        out[name] = PresentationPolicy(query, verifiers)
    return out


def age_check(trust_registry: TrustRegistry, **overrides: Any) -> VerifierPolicy:
    """The age-check policy: accepts only a true ``ageOver19`` predicate."""
    return AGE_CHECK.policy(trust_registry, **overrides)


#: Policy names for OpenID4VP requests (CLI ``kr-ovid request --policy``, the server's routes).
NAMED_PURPOSES: Mapping[str, tuple[ServiceProfile, str | None]] = MappingProxyType(
    {
        "gov24-login": (GOV24, "login"),
        "gov24-certificates": (GOV24, "certificates"),
        "ok365-login": (OVERSEAS_KOREANS_365, "login"),
        "ok365-certificates": (OVERSEAS_KOREANS_365, "certificates"),
        "age-check": (AGE_CHECK, None),
    }
)
