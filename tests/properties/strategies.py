"""Hypothesis strategies for valid overseas-national ID claim sets.

``overseas_national_ids()`` draws any valid :class:`OverseasNationalId`; ``issuable_ids()`` draws
an (id, issuance date) pair that also meets the issuance rules (14 or over, registration in
effect, passport not expired), which is what an issue → verify property needs.
``credential_for(subject)`` wraps a subject in a schema-valid unsigned credential envelope.
"""

from __future__ import annotations

import base64
import dataclasses
import functools
import unicodedata
from datetime import date, timedelta
from typing import Any

from hypothesis import strategies as st

from kr_ovid.ovid import ID_SCHEMA as OVERSEAS_NATIONAL_ID_SCHEMA
from kr_ovid.ovid import (
    IssuingMission,
    OverseasNationalId,
    country_codes,
    load_missions,
    new_id_number,
)

__all__ = [
    "birth_dates",
    "cities",
    "credential_for",
    "hangul_family_names",
    "hangul_given_names",
    "id_numbers",
    "issuable_ids",
    "issuing_missions",
    "latin_names",
    "overseas_national_ids",
    "passport_numbers",
    "portraits",
    "residence_countries",
]

_HANGUL = st.characters(min_codepoint=0xAC00, max_codepoint=0xD7A3)
_COMMON_FAMILY = [
    "김",
    "이",
    "박",
    "최",
    "정",
    "강",
    "조",
    "윤",
    "장",
    "임",
    "남궁",
    "제갈",
    "선우",
]
_EARLIEST_BIRTH = date(1920, 1, 1)


@functools.cache
def hangul_family_names() -> st.SearchStrategy[str]:
    """Common surnames, rare two-syllable ones, and arbitrary syllables up to the limit."""
    return st.one_of(st.sampled_from(_COMMON_FAMILY), st.text(_HANGUL, min_size=1, max_size=5))


@functools.cache
def hangul_given_names() -> st.SearchStrategy[str]:
    return st.text(_HANGUL, min_size=1, max_size=10)


def decomposed(names: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """The same names in NFD (conjoining jamo), as some input methods and OSes produce."""
    return names.map(lambda s: unicodedata.normalize("NFD", s))


@functools.cache
def latin_names() -> st.SearchStrategy[str]:
    """Passport romanization: uppercase A-Z words joined by one space or hyphen, <= 64 chars."""
    word = st.text(st.sampled_from("ABCDEFGHIJKLMNOPQRSTUVWXYZ"), min_size=1, max_size=12)
    return st.builds(
        lambda first, rest: first + "".join(sep + w for sep, w in rest),
        word,
        st.lists(st.tuples(st.sampled_from([" ", "-"]), word), max_size=3),
    ).filter(lambda s: len(s) <= 64)


def birth_dates(*, latest: date = date(2010, 12, 31)) -> st.SearchStrategy[date]:
    return st.dates(min_value=_EARLIEST_BIRTH, max_value=latest)


@functools.cache
def residence_countries() -> st.SearchStrategy[str]:
    return st.sampled_from(sorted(country_codes() - {"KR"}))


@functools.cache
def cities() -> st.SearchStrategy[str]:
    """Real mission cities plus words in any script (letters only, so never an RRN shape)."""
    letters = st.characters(categories=("Lu", "Ll", "Lo"), max_codepoint=0xFFFF)
    word = st.text(letters, min_size=1, max_size=15)
    generated = st.lists(word, min_size=1, max_size=3).map(" ".join)
    known = st.sampled_from(
        [m.city for m in load_missions()] + ["서울시", "Zürich", "Île-de-France"]
    )
    return st.one_of(known, generated).filter(lambda s: len(unicodedata.normalize("NFC", s)) <= 100)


@functools.cache
def passport_numbers() -> st.SearchStrategy[str]:
    """The three Korean formats: M12345678, MS1234567, M123A4567 (since December 2021)."""
    return st.one_of(
        st.from_regex(r"\A[A-Z][0-9]{8}\Z"),
        st.from_regex(r"\A[A-Z]{2}[0-9]{7}\Z"),
        st.from_regex(r"\A[A-Z][0-9]{3}[A-Z][0-9]{4}\Z"),
    )


@functools.cache
def id_numbers() -> st.SearchStrategy[str]:
    return st.binary(min_size=10, max_size=10).map(lambda b: new_id_number(lambda n: b))


@functools.cache
def portraits() -> st.SearchStrategy[str]:
    """Small JPEG-shaped payloads (SOI ... EOI) as data URIs."""
    return st.binary(max_size=300).map(
        lambda body: (
            "data:image/jpeg;base64,"
            + base64.b64encode(b"\xff\xd8\xff\xe0" + body + b"\xff\xd9").decode()
        )
    )


@functools.cache
def issuing_missions() -> st.SearchStrategy[IssuingMission]:
    return st.sampled_from([m.as_issuing_mission() for m in load_missions()])


@st.composite
def overseas_national_ids(draw: st.DrawFn, *, latest_birth: date = date(2010, 12, 31)) -> Any:
    birth = draw(birth_dates(latest=latest_birth))
    registration = draw(
        st.none() | st.dates(min_value=birth, max_value=max(birth, date(2030, 12, 31)))
    )
    return OverseasNationalId(
        family_name=draw(hangul_family_names()),
        given_name=draw(hangul_given_names()),
        family_name_latin=draw(latin_names()),
        given_name_latin=draw(latin_names()),
        birth_date=birth,
        residence_country=draw(residence_countries()),
        residence_city=draw(st.none() | cities()),
        overseas_registration_date=registration,
        passport_number=draw(st.none() | passport_numbers()),
        passport_expiry=draw(st.dates(min_value=date(2024, 1, 1), max_value=date(2040, 12, 31))),
        portrait=draw(st.none() | portraits()),
        id_number=draw(id_numbers()),
        issuing_mission=draw(issuing_missions()),
    )


@st.composite
def issuable_ids(draw: st.DrawFn) -> Any:
    """(OverseasNationalId, issuance date) such that ``check_issuable(issued)`` passes."""
    issued = draw(st.dates(min_value=date(2024, 7, 3), max_value=date(2030, 12, 31)))
    # Born on this day 14 years earlier (28 February standing in for a missing 29th) is 14.
    leap_day = (issued.month, issued.day) == (2, 29)
    latest_birth = issued.replace(year=issued.year - 14, day=28 if leap_day else issued.day)
    birth = draw(birth_dates(latest=latest_birth))
    base: OverseasNationalId = draw(overseas_national_ids())
    registration = draw(st.dates(min_value=birth, max_value=issued))
    expiry = draw(st.dates(min_value=issued, max_value=issued + timedelta(days=3653)))
    values = {f.name: getattr(base, f.name) for f in dataclasses.fields(OverseasNationalId)}
    values.update(birth_date=birth, overseas_registration_date=registration, passport_expiry=expiry)
    person = OverseasNationalId(**values)
    person.check_issuable(issued)
    return person, issued


def credential_for(subject: dict[str, Any]) -> dict[str, Any]:
    """An unsigned credential around ``subject`` whose issuer is the subject's mission."""
    mission = subject["issuingMission"]
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2", "https://w3id.org/kr-ovid/v1"],
        "id": "urn:uuid:2f1c4a9e-7b3d-4e8a-9c61-0d5e8f7a6b21",
        "type": ["VerifiableCredential", "OverseasNationalIdCredential"],
        "issuer": {"id": mission["id"], "name": mission["nameEn"], "nameKo": mission["nameKo"]},
        "validFrom": "2024-07-03T09:00:00Z",
        "validUntil": "2034-07-03T09:00:00Z",
        "credentialSchema": {"id": OVERSEAS_NATIONAL_ID_SCHEMA, "type": "JsonSchema"},
        "credentialSubject": subject,
        "evidence": [
            {
                "type": ["IdentityProofingEvidence"],
                "proofingMethod": "in-person",
                "documentType": "passport",
                "chipRead": True,
                "verifier": mission["id"],
                "proofedAt": "2024-07-03T08:41:12Z",
            }
        ],
    }
