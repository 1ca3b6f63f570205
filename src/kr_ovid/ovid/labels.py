"""Display labels for the ID's claims, in Korean (the card's own language) and English.

The Korean labels are the ones docs/domain.md gives for the 재외국민증; keys are the credential's
JSON property names, so a wallet or verifier can label any disclosed subset.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Final

from kr_ovid.errors import ConfigurationError

__all__ = ["CLAIM_ORDER", "LABELS", "LABELS_EN", "LABELS_KO", "YES_NO", "labels_for"]

LABELS_KO: Final = MappingProxyType(
    {
        "familyName": "성",
        "givenName": "이름",
        "familyNameLatin": "영문 성",
        "givenNameLatin": "영문 이름",
        "birthDate": "생년월일",
        "nationality": "국적",
        "residenceCountry": "거주국",
        "residenceCity": "거주 도시",
        "overseasRegistrationDate": "재외국민등록일",
        "passportNumber": "여권번호",
        "passportExpiry": "여권 만료일",
        "portrait": "사진",
        "idNumber": "신분증 번호",
        "issuingMission": "발급 공관",
        "ageOver14": "만 14세 이상",
        "ageOver19": "만 19세 이상",
        "ageOver65": "만 65세 이상",
        "isOverseasNational": "재외국민 여부",
        "predicatesComputedAt": "판정 기준일",
    }
)

LABELS_EN: Final = MappingProxyType(
    {
        "familyName": "Family name (Korean)",
        "givenName": "Given name (Korean)",
        "familyNameLatin": "Family name",
        "givenNameLatin": "Given name",
        "birthDate": "Date of birth",
        "nationality": "Nationality",
        "residenceCountry": "Country of residence",
        "residenceCity": "City of residence",
        "overseasRegistrationDate": "Overseas-national registration date",
        "passportNumber": "Passport number",
        "passportExpiry": "Passport expiry",
        "portrait": "Portrait",
        "idNumber": "ID number",
        "issuingMission": "Issuing mission",
        "ageOver14": "Aged 14 or over",
        "ageOver19": "Aged 19 or over",
        "ageOver65": "Aged 65 or over",
        "isOverseasNational": "Registered overseas national",
        "predicatesComputedAt": "Age and status as of",
    }
)

LABELS: Final = MappingProxyType({"ko": LABELS_KO, "en": LABELS_EN})

#: Display order (the card's layout: identity, then residence, documents, derived facts).
CLAIM_ORDER: Final[tuple[str, ...]] = tuple(LABELS_KO)

#: Values for booleans when displayed.
YES_NO: Final = MappingProxyType({"ko": ("예", "아니오"), "en": ("Yes", "No")})


def labels_for(lang: str) -> MappingProxyType[str, str]:
    """Labels for ``lang`` ("ko" or "en"); an unknown language is the caller's mistake."""
    try:
        return LABELS[lang]
    except KeyError:
        raise ConfigurationError(f"no labels for language {lang!r}; use 'ko' or 'en'") from None
