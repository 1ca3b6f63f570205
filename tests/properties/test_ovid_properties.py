"""Properties of the claims model over generated valid claim sets (issue → verify comes later)."""

from __future__ import annotations

import dataclasses
import unicodedata
from datetime import date, timedelta
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from kr_ovid.ovid import OverseasNationalId, age_on, derive_predicates
from kr_ovid.ovid import model as model_mod
from kr_ovid.ovid.labels import LABELS_EN, LABELS_KO
from kr_ovid.ovid.predicates import birthday_in
from kr_ovid.schema import validate_credential

from strategies import (
    credential_for,
    decomposed,
    hangul_family_names,
    hangul_given_names,
    id_numbers,
    issuable_ids,
    latin_names,
    overseas_national_ids,
    passport_numbers,
)

ALWAYS_DISCLOSED = ("type", "nationality", "issuingMission")
PREDICATES = ("ageOver14", "ageOver19", "ageOver65", "isOverseasNational")


@given(issuable_ids(), st.booleans())
def test_subject_round_trips_and_validates(
    pair: tuple[OverseasNationalId, date], bound: bool
) -> None:
    person, issued = pair
    holder = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK" if bound else None
    subject = person.to_subject(holder=holder, issuance_date=issued)
    assert OverseasNationalId.from_subject(subject) == person
    doc = credential_for(subject)
    assert validate_credential(doc) == []
    assert subject["ageOver14"] is True and subject["isOverseasNational"] is True


@given(overseas_national_ids(), st.dates(min_value=date(2024, 7, 3), max_value=date(2040, 1, 1)))
def test_any_valid_model_gives_a_schema_valid_subject(person: OverseasNationalId, on: date) -> None:
    subject = person.to_subject(holder=None, issuance_date=on)
    assert validate_credential(credential_for(subject)) == []
    assert OverseasNationalId.from_subject(subject) == person


@given(issuable_ids(), st.data())
def test_every_disclosed_subset_validates_as_partial(
    pair: tuple[OverseasNationalId, date], data: st.DataObject
) -> None:
    person, issued = pair
    subject = person.to_subject(holder=None, issuance_date=issued)
    optional = sorted(set(subject) - set(ALWAYS_DISCLOSED) - {"predicatesComputedAt"})
    chosen = data.draw(st.lists(st.sampled_from(optional), unique=True))
    disclosed: dict[str, Any] = {k: subject[k] for k in (*ALWAYS_DISCLOSED, *chosen)}
    if any(k in disclosed for k in PREDICATES):
        disclosed["predicatesComputedAt"] = subject["predicatesComputedAt"]
    doc = credential_for(disclosed)
    del doc["evidence"]
    assert validate_credential(doc, partial=True) == []


@given(hangul_family_names(), hangul_given_names(), overseas_national_ids())
def test_nfd_input_gives_the_nfc_model(family: str, given_: str, base: OverseasNationalId) -> None:
    values = {f.name: getattr(base, f.name) for f in dataclasses.fields(OverseasNationalId)}
    composed = OverseasNationalId(**{**values, "family_name": family, "given_name": given_})
    nfd = {
        "family_name": unicodedata.normalize("NFD", family),
        "given_name": unicodedata.normalize("NFD", given_),
    }
    from_nfd = OverseasNationalId(**{**values, **nfd})
    assert from_nfd == composed
    assert unicodedata.is_normalized("NFC", from_nfd.family_name + from_nfd.given_name)


@given(decomposed(hangul_given_names()))
def test_decomposed_names_are_not_schema_valid_until_normalised(name: str) -> None:
    assert model_mod.HANGUL_GIVEN_NAME.fullmatch(name) is None
    assert model_mod.HANGUL_GIVEN_NAME.fullmatch(unicodedata.normalize("NFC", name))


@given(latin_names(), passport_numbers(), id_numbers())
def test_generated_values_match_the_rules(latin: str, passport: str, number: str) -> None:
    assert model_mod.LATIN_NAME.fullmatch(latin) and len(latin) <= 64
    assert model_mod.PASSPORT_NUMBER.fullmatch(passport)
    assert model_mod.ID_NUMBER.fullmatch(number)
    assert not model_mod.RRN_LIKE.search(number)


def _reference_age(birth: date, on: date) -> int:
    """Count completed years by stepping through birthdays (independent of age_on's shortcut)."""
    age = 0
    while birthday_in(birth, birth.year + age + 1) <= on:
        age += 1
    return age


@given(
    st.dates(min_value=date(1900, 1, 1), max_value=date(2030, 12, 31)),
    st.integers(min_value=0, max_value=120 * 366),
)
def test_age_on_matches_a_reference(birth: date, days: int) -> None:
    on = birth + timedelta(days=days)
    assert age_on(birth, on) == _reference_age(birth, on)


@given(
    st.dates(min_value=date(1900, 1, 1), max_value=date(2030, 12, 31)),
    st.integers(min_value=1, max_value=110),
)
def test_age_increments_exactly_on_the_birthday(birth: date, years: int) -> None:
    day = birthday_in(birth, birth.year + years)
    assert age_on(birth, day) == years
    assert age_on(birth, day - timedelta(days=1)) == years - 1


@given(
    st.dates(min_value=date(1900, 1, 1), max_value=date(2030, 12, 31)),
    st.integers(min_value=0, max_value=120 * 366),
)
def test_predicates_are_nested(birth: date, days: int) -> None:
    p = derive_predicates(birth, birth + timedelta(days=days))
    assert not p["ageOver65"] or p["ageOver19"]
    assert not p["ageOver19"] or p["ageOver14"]


@given(overseas_national_ids(), st.sampled_from(["ko", "en"]))
def test_display_uses_known_labels(person: OverseasNationalId, lang: str) -> None:
    labels = set((LABELS_KO if lang == "ko" else LABELS_EN).values())
    rows = person.display(lang, on=max(person.birth_date, date(2024, 7, 3)))
    assert rows and all(label in labels for label, _ in rows)
    assert all("base64" not in text for _, text in rows)
