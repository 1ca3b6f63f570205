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

**Age check** — shops, venues: only ``ageOver19`` (Korean age of majority, Civil Act art. 4),
which must be true; anything else disclosed is refused, so the service cannot over-collect. Only
SD-JWT can disclose a single claim, so only SD-JWT (``vc+sd-jwt`` or ``dc+sd-jwt``) is accepted.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any

from kr_ovid.errors import ConfigurationError
from kr_ovid.ovid.issuance import CREDENTIAL_TYPE
from kr_ovid.ovid.labels import labels_for
from kr_ovid.ovid.model import display_rows
from kr_ovid.trust import TrustRegistry
from kr_ovid.verifier import VerifierPolicy

__all__ = [
    "AGE_CHECK",
    "ALWAYS_VISIBLE",
    "GOV24",
    "OVERSEAS_KOREANS_365",
    "DisclosedId",
    "ServiceProfile",
    "age_check",
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
class ServiceProfile:
    """A service's needs per purpose (e.g. "login", "certificates")."""

    name: str
    purposes: Mapping[str, frozenset[str]]
    allowed_claims: frozenset[str] | None = None
    required_true: frozenset[str] = frozenset()
    formats: frozenset[str] = frozenset({"di", "sd-jwt", "dc+sd-jwt"})
    overrides: Mapping[str, Any] = field(default_factory=dict)

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
)


def age_check(trust_registry: TrustRegistry, **overrides: Any) -> VerifierPolicy:
    """The age-check policy: accepts only a true ``ageOver19`` predicate."""
    return AGE_CHECK.policy(trust_registry, **overrides)
