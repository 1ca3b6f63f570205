"""kr_ovid.ovid: the claims model, predicates, labels, and the kr-ovid/v1 JSON-LD context."""

from __future__ import annotations

import base64
import dataclasses
import json
import re
import unicodedata
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pyld import jsonld

from kr_ovid.errors import CanonicalizationError, ConfigurationError, SchemaError
from kr_ovid.ovid import ID_SCHEMA as OVERSEAS_NATIONAL_ID_SCHEMA
from kr_ovid.ovid import (
    LABELS_EN,
    LABELS_KO,
    IssuingMission,
    OverseasNationalId,
    age_on,
    country_codes,
    derive_predicates,
    display_rows,
    load_missions,
    new_id_number,
)
from kr_ovid.ovid import model as model_mod
from kr_ovid.ovid.predicates import birthday_in
from kr_ovid.schema import load_schema, validate_credential

ROOT = Path(__file__).resolve().parents[2]
CONTEXTS = ROOT / "contexts"
KR_OVID_V1 = "https://w3id.org/kr-ovid/v1"
CREDENTIALS_V2 = "https://www.w3.org/ns/credentials/v2"
VOCAB = "https://w3id.org/kr-ovid/vocab#"
XSD = "http://www.w3.org/2001/XMLSchema#"
ISSUED = date(2024, 7, 3)
JPEG_BYTES = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"
JPEG = "data:image/jpeg;base64," + base64.b64encode(JPEG_BYTES).decode()
HOLDER = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"


def mission() -> IssuingMission:
    return load_missions().by_code("us-losangeles").as_issuing_mission()


def person(**changes: Any) -> OverseasNationalId:
    values: dict[str, Any] = {
        "family_name": "홍",
        "given_name": "길동",
        "family_name_latin": "HONG",
        "given_name_latin": "GIL DONG",
        "birth_date": date(1990, 2, 28),
        "residence_country": "US",
        "residence_city": "Los Angeles",
        "overseas_registration_date": date(2015, 3, 1),
        "passport_number": "M123A4567",
        "passport_expiry": date(2031, 5, 20),
        "portrait": JPEG,
        "id_number": "7K3M-Q9XD-2HRT-VB4N",
        "issuing_mission": mission(),
    }
    values.update(changes)
    return OverseasNationalId(**values)


def credential_for(subject: dict[str, Any]) -> dict[str, Any]:
    la = mission()
    return {
        "@context": [CREDENTIALS_V2, KR_OVID_V1],
        "id": "urn:uuid:2f1c4a9e-7b3d-4e8a-9c61-0d5e8f7a6b21",
        "type": ["VerifiableCredential", "OverseasNationalIdCredential"],
        "issuer": {"id": la.did, "name": la.name_en, "nameKo": la.name_ko, "nameEn": la.name_en},
        "validFrom": "2024-07-03T09:00:00Z",
        "validUntil": "2031-05-20T14:59:59Z",
        "credentialSchema": {"id": OVERSEAS_NATIONAL_ID_SCHEMA, "type": "JsonSchema"},
        "credentialStatus": [
            {
                "id": "https://ovid.example/missions/us-losangeles/status/1#94567",
                "type": "BitstringStatusListEntry",
                "statusPurpose": "revocation",
                "statusListIndex": "94567",
                "statusListCredential": "https://ovid.example/missions/us-losangeles/status/1",
            }
        ],
        "credentialSubject": subject,
        "evidence": [
            {
                "id": "urn:uuid:0b0e7c1a-8f55-4b8e-a3a4-7a1d2c3b4e5f",
                "type": ["IdentityProofingEvidence"],
                "proofingMethod": "in-person",
                "documentType": "passport",
                "chipRead": True,
                "verifier": la.did,
                "proofedAt": "2024-07-03T08:41:12Z",
            }
        ],
        "proof": {
            "type": "DataIntegrityProof",
            "cryptosuite": "eddsa-rdfc-2022",
            "created": "2024-07-03T09:00:00Z",
            "verificationMethod": la.did + "#key-1",
            "proofPurpose": "assertionMethod",
            "proofValue": "z3FXQjecWufY46yg5abdVZsXqLhxhueuSoZgNSARiKBk9czhSePTFehP8c3PGf",
        },
    }


# ----------------------------------------------------------------------------- construction


def test_valid_person_and_nationality() -> None:
    p = person()
    assert p.nationality == "KR"
    assert p.family_name == "홍"


def test_decomposed_hangul_names_are_normalised_to_nfc() -> None:
    nfd_family = unicodedata.normalize("NFD", "홍")
    nfd_given = unicodedata.normalize("NFD", "길동")
    assert len(nfd_family) == 3
    p = person(family_name=nfd_family, given_name=nfd_given)
    assert p.family_name == "홍" and p.given_name == "길동"
    assert unicodedata.is_normalized("NFC", p.family_name)
    assert p == person()
    subject = p.to_subject(holder=None, issuance_date=ISSUED)
    assert subject["familyName"] == "홍"
    assert validate_credential(credential_for(subject)) == []


def test_city_is_normalised_to_nfc() -> None:
    p = person(residence_city=unicodedata.normalize("NFD", "São Paulo"), residence_country="BR")
    assert p.residence_city == "São Paulo"
    assert unicodedata.is_normalized("NFC", p.residence_city)


@pytest.mark.parametrize(
    ("field", "value", "pointer"),
    [
        ("family_name", "Hong", "/familyName"),
        ("family_name", "", "/familyName"),
        ("family_name", "가나다라마바", "/familyName"),
        ("family_name", "ㅎ", "/familyName"),  # compatibility jamo, not a syllable
        ("given_name", "길 동", "/givenName"),
        ("given_name", "길·동", "/givenName"),
        ("given_name", 7, "/givenName"),
        ("family_name_latin", "Hong", "/familyNameLatin"),
        ("family_name_latin", "HONG ", "/familyNameLatin"),
        ("family_name_latin", "HONG\n", "/familyNameLatin"),
        ("given_name_latin", "GIL--DONG", "/givenNameLatin"),
        ("given_name_latin", "A" * 65, "/givenNameLatin"),
        ("birth_date", "1990-02-28", "/birthDate"),
        ("birth_date", datetime(1990, 2, 28), "/birthDate"),
        ("birth_date", date(1899, 12, 31), "/birthDate"),
        ("passport_expiry", None, "/passportExpiry"),
        ("overseas_registration_date", date(1989, 1, 1), "/overseasRegistrationDate"),
        ("residence_country", "KR", "/residenceCountry"),
        ("residence_country", "XX", "/residenceCountry"),
        ("residence_country", ["US"], "/residenceCountry"),
        ("residence_city", "", "/residenceCity"),
        ("residence_city", "x" * 101, "/residenceCity"),
        ("residence_city", "Los\nAngeles", "/residenceCity"),
        ("passport_number", "12345678", "/passportNumber"),
        ("passport_number", "M1234A567", "/passportNumber"),
        ("id_number", "7K3M-Q9XD-2HRT-VB4", "/idNumber"),
        ("id_number", "7K3M-Q9XD-2HRT-VB4I", "/idNumber"),
        ("portrait", "data:image/png;base64,iVBORw0KGgo=", "/portrait"),
        ("portrait", "data:image/jpeg;base64,AAAA", "/portrait"),
        ("portrait", "data:image/jpeg;base64,/9j/*", "/portrait"),
        (
            "portrait",
            "data:image/jpeg;base64," + base64.b64encode(b"\xff\xd8\xff" + bytes(102_400)).decode(),
            "/portrait",
        ),
        ("issuing_mission", "us-losangeles", "/issuingMission"),
    ],
)
def test_invalid_values_are_refused_with_a_pointer(field: str, value: Any, pointer: str) -> None:
    with pytest.raises(ConfigurationError) as info:
        person(**{field: value})
    assert info.value.path == pointer
    if isinstance(value, str) and len(value) > 1:
        assert value.strip() not in str(info.value)


@pytest.mark.parametrize("number", ["M12345678", "MS1234567", "M123A4567"])
def test_passport_number_formats(number: str) -> None:
    assert person(passport_number=number).passport_number == number


def test_optional_claims() -> None:
    p = person(
        residence_city=None, passport_number=None, portrait=None, overseas_registration_date=None
    )
    claims = p.claims()
    for name in ("residenceCity", "passportNumber", "portrait", "overseasRegistrationDate"):
        assert name not in claims
    subject = p.to_subject(holder=None, issuance_date=ISSUED)
    assert subject["isOverseasNational"] is False
    assert validate_credential(credential_for(subject)) == []


def test_unknown_keyword_is_refused() -> None:
    with pytest.raises(TypeError):
        person(resident_registration_number="900101-1234567")
    with pytest.raises(TypeError):
        person(email="hong@example.com")


def test_no_rrn_field_exists() -> None:
    names = {f.name for f in dataclasses.fields(OverseasNationalId)}
    assert not {n for n in names if re.search("resident|rrn|jumin|registration_number", n)}
    assert "residentRegistrationNumber" not in LABELS_KO


@pytest.mark.parametrize(
    "city",
    ["900101-1234567", "LA 9001011234567", "LA 900101 1234567", "９００１０１－１２３４５６７"],
)
def test_rrn_shaped_text_is_refused(city: str) -> None:
    with pytest.raises(ConfigurationError, match="resident registration") as info:
        person(residence_city=city)
    assert info.value.path == "/residenceCity"
    assert city not in str(info.value)


def test_repr_withholds_personal_data() -> None:
    p = person()
    text = repr(p) + str(p)
    for value in ("홍", "HONG", "M123A4567", "7K3M", "1990", "base64"):
        assert value not in text
    assert "us-losangeles" in text


def test_frozen() -> None:
    p = person()
    with pytest.raises(dataclasses.FrozenInstanceError):
        p.family_name = "김"  # type: ignore[misc]


def test_model_patterns_equal_the_schema_patterns() -> None:
    defs = load_schema(OVERSEAS_NATIONAL_ID_SCHEMA)["$defs"]
    pairs = {
        "hangulFamilyName": model_mod.HANGUL_FAMILY_NAME,
        "hangulGivenName": model_mod.HANGUL_GIVEN_NAME,
        "latinName": model_mod.LATIN_NAME,
        "passportNumber": model_mod.PASSPORT_NUMBER,
        "idNumber": model_mod.ID_NUMBER,
        "missionCode": model_mod.MISSION_CODE,
        "didWeb": model_mod.DID_WEB,
    }
    for name, rx in pairs.items():
        assert defs[name]["pattern"] == f"^{rx.pattern}$", name
    assert defs["text"]["not"]["pattern"] == model_mod.RRN_LIKE.pattern
    assert defs["subjectClaims"]["properties"]["id"]["$ref"] == "#/$defs/did"
    assert defs["did"]["pattern"] == f"^{model_mod.DID.pattern}$"
    assert defs["latinName"]["maxLength"] == model_mod._LATIN_MAX
    assert defs["text"]["maxLength"] == model_mod._TEXT_MAX
    city = defs["subjectClaims"]["properties"]["residenceCity"]["allOf"]
    assert {"maxLength": model_mod._CITY_MAX} in city
    portrait_max = defs["portrait"]["maxLength"]
    prefix = len("data:image/jpeg;base64,")
    assert portrait_max == prefix + 4 * -(-model_mod.PORTRAIT_MAX_BYTES // 3)
    assert country_codes() == frozenset(defs["countryCode"]["enum"])


# ----------------------------------------------------------------------------- id numbers


def test_new_id_number() -> None:
    numbers = {new_id_number() for _ in range(200)}
    assert len(numbers) == 200
    assert all(model_mod.ID_NUMBER.fullmatch(n) for n in numbers)
    assert new_id_number(lambda n: bytes(n)) == "0000-0000-0000-0000"
    assert new_id_number(lambda n: b"\xff" * n) == "ZZZZ-ZZZZ-ZZZZ-ZZZZ"
    with pytest.raises(ConfigurationError):
        new_id_number(lambda n: b"short")


# ----------------------------------------------------------------------------- subject


def test_to_subject_and_back() -> None:
    p = person()
    subject = p.to_subject(holder=HOLDER, issuance_date=ISSUED)
    assert subject["id"] == HOLDER
    assert subject["type"] == "OverseasNational"
    assert subject["nationality"] == "KR"
    assert subject["birthDate"] == "1990-02-28"
    assert subject["predicatesComputedAt"] == "2024-07-03"
    assert (subject["ageOver14"], subject["ageOver19"], subject["ageOver65"]) == (True, True, False)
    assert subject["isOverseasNational"] is True
    assert subject["issuingMission"]["id"] == "did:web:ovid.example:missions:us-losangeles"
    assert OverseasNationalId.from_subject(subject) == p
    assert validate_credential(credential_for(subject)) == []
    json.dumps(subject)


def test_to_subject_without_holder() -> None:
    subject = person().to_subject(holder=None, issuance_date=ISSUED)
    assert "id" not in subject


def test_to_subject_refuses_bad_arguments() -> None:
    with pytest.raises(ConfigurationError):
        person().to_subject(holder="not a did", issuance_date=ISSUED)
    with pytest.raises(ConfigurationError):
        person().to_subject(holder=None, issuance_date=datetime(2024, 7, 3, 9))
    with pytest.raises(ConfigurationError):
        person().to_subject(holder=None, issuance_date=date(1980, 1, 1))


def _subject(**changes: Any) -> dict[str, Any]:
    subject = person().to_subject(holder=HOLDER, issuance_date=ISSUED)
    for key, value in changes.items():
        if value is ...:
            del subject[key]
        else:
            subject[key] = value
    return subject


@pytest.mark.parametrize(
    ("changes", "pointer"),
    [
        ({"familyName": ...}, "/familyName"),
        ({"familyName": "Hong"}, "/familyName"),
        ({"birthDate": "1990-02-30"}, "/birthDate"),
        ({"birthDate": "19900228"}, "/birthDate"),
        ({"passportExpiry": 20310520}, "/passportExpiry"),
        ({"nationality": "US"}, "/nationality"),
        ({"nationality": ...}, "/nationality"),
        ({"type": "Person"}, "/type"),
        ({"residentRegistrationNumber": "900101-1234567"}, "/residentRegistrationNumber"),
        ({"ageOver19": False}, "/ageOver19"),
        ({"ageOver65": True}, "/ageOver65"),
        ({"ageOver14": 1}, "/ageOver14"),
        ({"isOverseasNational": False}, "/isOverseasNational"),
        ({"predicatesComputedAt": ...}, "/predicatesComputedAt"),
        ({"predicatesComputedAt": "1980-01-01"}, "/predicatesComputedAt"),
        ({"issuingMission": "did:web:ovid.example:missions:us-losangeles"}, "/issuingMission"),
        ({"residenceCity": "Los\u0000Angeles"}, "/residenceCity"),
    ],
)
def test_from_subject_errors_carry_pointers(changes: dict[str, Any], pointer: str) -> None:
    with pytest.raises(SchemaError) as info:
        OverseasNationalId.from_subject(_subject(**changes))
    assert info.value.path == pointer


def test_from_subject_mission_errors() -> None:
    subject = _subject()
    subject["issuingMission"] = dict(subject["issuingMission"], nameKo="")
    with pytest.raises(SchemaError) as info:
        OverseasNationalId.from_subject(subject)
    assert info.value.path == "/issuingMission/nameKo"
    subject["issuingMission"] = dict(_subject()["issuingMission"], rrn="x")
    with pytest.raises(SchemaError) as info:
        OverseasNationalId.from_subject(subject)
    assert info.value.path == "/issuingMission/rrn"
    subject["issuingMission"] = dict(_subject()["issuingMission"], type="Embassy")
    with pytest.raises(SchemaError) as info:
        OverseasNationalId.from_subject(subject)
    assert info.value.path == "/issuingMission/type"


def test_from_subject_withholds_odd_property_names() -> None:
    with pytest.raises(SchemaError) as info:
        OverseasNationalId.from_subject(_subject(**{"주민등록번호": "900101-1234567"}))
    assert info.value.path == ""
    assert "주민" not in str(info.value)


def test_from_subject_without_predicates() -> None:
    subject = _subject()
    for name in ("ageOver14", "ageOver19", "ageOver65", "isOverseasNational", "id", "type"):
        del subject[name]
    assert OverseasNationalId.from_subject(subject) == person()


# ----------------------------------------------------------------------------- issuance rules


def test_check_issuable() -> None:
    person().check_issuable(ISSUED)
    cases = [
        (person(birth_date=date(2010, 7, 4)), "/birthDate"),  # 13 on 2024-07-03
        (person(birth_date=date(2025, 1, 1), overseas_registration_date=None), "/birthDate"),
        (person(overseas_registration_date=None), "/overseasRegistrationDate"),
        (person(overseas_registration_date=date(2024, 7, 4)), "/overseasRegistrationDate"),
        (person(passport_expiry=date(2024, 7, 2)), "/passportExpiry"),
    ]
    for p, pointer in cases:
        with pytest.raises(ConfigurationError) as info:
            p.check_issuable(ISSUED)
        assert info.value.path == pointer
    person(birth_date=date(2010, 7, 3)).check_issuable(ISSUED)  # 14th birthday
    person(passport_expiry=ISSUED, overseas_registration_date=ISSUED).check_issuable(ISSUED)


def test_latest_valid_until() -> None:
    assert person().latest_valid_until(ISSUED) == date(2031, 5, 20)
    far = person(passport_expiry=date(2040, 1, 1))
    assert far.latest_valid_until(ISSUED) == date(2034, 7, 3)
    assert far.latest_valid_until(date(2024, 2, 29)) == date(2034, 2, 28)


# ----------------------------------------------------------------------------- predicates


@pytest.mark.parametrize(
    ("birth", "on", "age"),
    [
        (date(2000, 7, 3), date(2019, 7, 2), 18),
        (date(2000, 7, 3), date(2019, 7, 3), 19),
        (date(2000, 7, 3), date(2000, 7, 3), 0),
        (date(2000, 12, 31), date(2001, 12, 30), 0),
        (date(2000, 12, 31), date(2001, 12, 31), 1),
        (date(2000, 1, 1), date(2000, 12, 31), 0),
        # 29 February: one year older on 1 March in common years (민법 제160조 ③)
        (date(2004, 2, 29), date(2023, 2, 28), 18),
        (date(2004, 2, 29), date(2023, 3, 1), 19),
        (date(2004, 2, 29), date(2024, 2, 28), 19),
        (date(2004, 2, 29), date(2024, 2, 29), 20),
        (date(2004, 2, 29), date(2005, 2, 28), 0),
        (date(2004, 2, 29), date(2005, 3, 1), 1),
        (date(2004, 3, 1), date(2005, 2, 28), 0),
        (date(2004, 3, 1), date(2005, 3, 1), 1),
        (date(2003, 2, 28), date(2004, 2, 28), 1),
    ],
)
def test_age_on(birth: date, on: date, age: int) -> None:
    assert age_on(birth, on) == age


def test_age_on_refuses_days_before_birth() -> None:
    with pytest.raises(ConfigurationError):
        age_on(date(2000, 1, 2), date(2000, 1, 1))


def test_birthday_in() -> None:
    assert birthday_in(date(2004, 2, 29), 2023) == date(2023, 3, 1)
    assert birthday_in(date(2004, 2, 29), 2028) == date(2028, 2, 29)
    assert birthday_in(date(2004, 2, 28), 2023) == date(2023, 2, 28)


@pytest.mark.parametrize("threshold", [14, 19, 65])
def test_age_predicates_flip_exactly_on_the_birthday(threshold: int) -> None:
    for birth in (date(1950, 7, 3), date(1952, 2, 29), date(1959, 12, 31), date(2005, 1, 1)):
        boundary = birthday_in(birth, birth.year + threshold)
        before = derive_predicates(birth, boundary - timedelta(days=1))
        on = derive_predicates(birth, boundary)
        assert before[f"ageOver{threshold}"] is False, (birth, threshold)
        assert on[f"ageOver{threshold}"] is True, (birth, threshold)


def test_is_overseas_national() -> None:
    birth, reg = date(1990, 1, 1), date(2015, 3, 1)
    assert derive_predicates(birth, reg, overseas_registration=reg)["isOverseasNational"] is True
    day_before = reg - timedelta(days=1)
    assert (
        derive_predicates(birth, day_before, overseas_registration=reg)["isOverseasNational"]
        is False
    )
    assert derive_predicates(birth, reg)["isOverseasNational"] is False
    assert set(derive_predicates(birth, reg)) == {
        "ageOver14",
        "ageOver19",
        "ageOver65",
        "isOverseasNational",
    }


# ----------------------------------------------------------------------------- labels, display


def test_labels_ko() -> None:
    labels = person().labels_ko()
    assert labels["familyName"] == "성"
    assert labels["givenName"] == "이름"
    assert labels["issuingMission"] == "발급 공관"
    assert "ageOver19" not in labels  # derived claims are labelled when shown with a date
    assert list(labels) == [k for k in LABELS_KO if k in labels]
    sparse = person(portrait=None, residence_city=None).labels_ko()
    assert "portrait" not in sparse and "residenceCity" not in sparse
    assert LABELS_KO["ageOver19"] == "만 19세 이상"
    assert set(LABELS_KO) == set(LABELS_EN)


def test_display() -> None:
    rows = dict(person().display())
    assert rows["성"] == "홍"
    assert rows["발급 공관"] == "주로스앤젤레스 총영사관"
    assert rows["사진"] == "(사진 첨부)"
    assert "만 19세 이상" not in rows
    dated = dict(person().display(on=ISSUED))
    assert dated["만 19세 이상"] == "예" and dated["만 65세 이상"] == "아니오"
    english = dict(person().display("en", on=ISSUED))
    assert english["Issuing mission"].startswith("Consulate General")
    assert english["Aged 19 or over"] == "Yes"
    assert english["Portrait"] == "(portrait attached)"
    with pytest.raises(ConfigurationError):
        person().display("ja")


def test_display_rows_for_a_disclosed_subset() -> None:
    rows = display_rows({"ageOver19": True, "nationality": "KR", "unknown": "x"})
    assert rows == [("국적", "KR"), ("만 19세 이상", "예")]


# ----------------------------------------------------------------------------- JSON-LD context


def _static_loader(url: str, options: Any = None) -> dict[str, Any]:
    """Serve the two contexts from contexts/ and nothing else (the lead's loader replaces this)."""
    files = {CREDENTIALS_V2: "credentials-v2.jsonld", KR_OVID_V1: "kr-ovid-v1.jsonld"}
    if url not in files:
        raise AssertionError(f"unexpected context request: {url}")
    document = json.loads((CONTEXTS / files[url]).read_text(encoding="utf-8"))
    return {"contextUrl": None, "documentUrl": url, "document": document}


def _expand(doc: dict[str, Any]) -> tuple[list[Any], list[str | None]]:
    dropped: list[str | None] = []
    expanded = jsonld.expand(
        doc, {"documentLoader": _static_loader}, on_property_dropped=dropped.append
    )
    return expanded, dropped


def _walk(node: Any, types: list[str], props: list[str]) -> None:
    if isinstance(node, list):
        for item in node:
            _walk(item, types, props)
    elif isinstance(node, dict):
        for key, value in node.items():
            if key == "@type" and "@value" not in node:
                types.extend(value)
            elif key == "@type":
                types.append(value)
            elif not key.startswith("@"):
                props.append(key)
            _walk(value, types, props)


ALLOWED_NAMESPACES = (
    "https://www.w3.org/2018/credentials#",
    "https://www.w3.org/ns/credentials/status#",
    "https://w3id.org/security#",
    "https://schema.org/",
    "http://purl.org/dc/terms/",
    "http://www.w3.org/2001/XMLSchema#",
    VOCAB,
)


def test_context_defines_every_term_used() -> None:
    subject = person().to_subject(holder=HOLDER, issuance_date=ISSUED)
    doc = credential_for(subject)
    assert validate_credential(doc) == []
    expanded, dropped = _expand(doc)
    assert dropped == []
    types: list[str] = []
    props: list[str] = []
    _walk(expanded, types, props)
    assert types and props
    for iri in types + props:
        assert iri.startswith(ALLOWED_NAMESPACES), iri
    assert f"{VOCAB}OverseasNationalIdCredential" in types
    assert f"{VOCAB}OverseasNational" in types
    assert f"{VOCAB}DiplomaticMission" in types
    assert f"{VOCAB}IdentityProofingEvidence" in types
    assert f"{XSD}date" in types and f"{XSD}boolean" in types and f"{XSD}dateTime" in types


def test_context_drops_what_it_does_not_define() -> None:
    doc = credential_for(person().to_subject(holder=None, issuance_date=ISSUED))
    doc["credentialSubject"]["residentRegistrationNumber"] = "x"
    _, dropped = _expand(doc)
    assert dropped == ["residentRegistrationNumber"]


def test_expanded_values_have_the_declared_datatypes() -> None:
    doc = credential_for(person().to_subject(holder=None, issuance_date=ISSUED))
    expanded, _ = _expand(doc)
    subject = expanded[0]["https://www.w3.org/2018/credentials#credentialSubject"][0]
    assert subject["https://schema.org/birthDate"] == [
        {"@type": f"{XSD}date", "@value": "1990-02-28"}
    ]
    assert subject[f"{VOCAB}ageOver19"] == [{"@type": f"{XSD}boolean", "@value": True}]
    assert subject[f"{VOCAB}predicatesComputedAt"][0]["@type"] == f"{XSD}date"
    assert subject["https://schema.org/familyName"] == [{"@value": "홍"}]
    mission_node = subject[f"{VOCAB}issuingMission"][0]
    assert mission_node["@id"] == "did:web:ovid.example:missions:us-losangeles"
    names = {v["@language"]: v["@value"] for v in mission_node["https://schema.org/name"]}
    assert names == {"ko": "주로스앤젤레스 총영사관", "en": mission().name_en}


def _context() -> dict[str, Any]:
    return json.loads((CONTEXTS / "kr-ovid-v1.jsonld").read_text(encoding="utf-8"))["@context"]


def test_context_shape() -> None:
    ctx = _context()
    assert ctx["@version"] == 1.1
    assert ctx["@protected"] is True
    assert "@vocab" not in ctx
    assert "@json" not in json.dumps(ctx)
    for term, definition in ctx.items():
        if term.startswith("@") or term in ("id", "type"):
            continue
        iri = definition if isinstance(definition, str) else definition["@id"]
        assert iri.startswith((VOCAB, "https://schema.org/")), term
        if term.endswith(("Date", "Expiry", "ComputedAt")):
            assert definition["@type"] == f"{XSD}date", term
        if term.startswith(("ageOver", "isOverseas")) or term == "chipRead":
            assert definition["@type"] == f"{XSD}boolean", term
    v2 = json.loads((CONTEXTS / "credentials-v2.jsonld").read_text(encoding="utf-8"))["@context"]
    assert not ({"name", "description", "evidence"} & set(ctx))
    for term in set(ctx) & set(v2):
        assert ctx[term] == v2[term], term  # only identical redefinitions (id, type, @protected)


def test_every_schema_property_is_a_context_term() -> None:
    ctx = _context()
    v2 = json.loads((CONTEXTS / "credentials-v2.jsonld").read_text(encoding="utf-8"))["@context"]
    defs = load_schema(OVERSEAS_NATIONAL_ID_SCHEMA)["$defs"]
    for def_name in ("subjectClaims", "diplomaticMission", "identityProofingEvidence", "issuer"):
        for prop in defs[def_name]["properties"]:
            assert prop in ctx or prop in v2, (def_name, prop)


def test_context_is_protected() -> None:
    doc = credential_for(person().to_subject(holder=None, issuance_date=ISSUED))
    doc["@context"] = [*doc["@context"], {"familyName": "https://example.com/surname"}]
    with pytest.raises(jsonld.JsonLdError) as info:
        _expand(doc)
    assert "protected term redefinition" in repr(info.value.code) + str(info.value)


def test_safe_mode_never_trips_on_our_credential() -> None:
    """The production path (pinned loader, safe-mode expansion, RDFC) accepts a full ID."""
    from kr_ovid.jsonld.canon import canonicalize_rdfc, expand
    from kr_ovid.jsonld.loader import default_loader

    doc = credential_for(person().to_subject(holder=HOLDER, issuance_date=ISSUED))
    expand(doc, loader=default_loader())
    nquads = canonicalize_rdfc(doc, loader=default_loader())
    assert f"<{VOCAB}ageOver19>" in nquads
    doc["credentialSubject"]["residentRegistrationNumber"] = "x"
    with pytest.raises(CanonicalizationError):
        canonicalize_rdfc(doc, loader=default_loader())
