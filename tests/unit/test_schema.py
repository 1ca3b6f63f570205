"""schemas/overseas-national-id.schema.json through kr_ovid.schema: valid credentials pass, each
invalid field is reported at its JSON pointer (never with its value), RRNs have no way in, the
partial (disclosed-subset) variant, and local-only schema resolution."""

from __future__ import annotations

import copy
import json
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from kr_ovid import schema as schema_mod
from kr_ovid._resources import _data_dir
from kr_ovid.errors import SchemaError
from kr_ovid.ovid import ID_SCHEMA as OVERSEAS_NATIONAL_ID_SCHEMA
from kr_ovid.problems import ErrorCode
from kr_ovid.schema import (
    MAX_PROBLEMS,
    check_credential,
    load_schema,
    validate_credential,
)

LA_DID = "did:web:ovid.example:missions:us-losangeles"
JPEG = "data:image/jpeg;base64,/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAgGBgcGBQgHBwcJCQgKDBQNDAsLDBkSEw8U"
RRN = "900101-1234567"


def subject() -> dict[str, Any]:
    return {
        "id": "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK",
        "type": "OverseasNational",
        "familyName": "홍",
        "givenName": "길동",
        "familyNameLatin": "HONG",
        "givenNameLatin": "GIL-DONG",
        "birthDate": "1990-02-28",
        "nationality": "KR",
        "residenceCountry": "US",
        "residenceCity": "Los Angeles",
        "overseasRegistrationDate": "2015-03-01",
        "passportNumber": "M123A4567",
        "passportExpiry": "2031-05-20",
        "portrait": JPEG,
        "idNumber": "7K3M-Q9XD-2HRT-VB4N",
        "issuingMission": {
            "id": LA_DID,
            "type": "DiplomaticMission",
            "missionCode": "us-losangeles",
            "nameKo": "주로스앤젤레스 총영사관",
            "nameEn": "Consulate General of the Republic of Korea in Los Angeles",
        },
        "ageOver14": True,
        "ageOver19": True,
        "ageOver65": False,
        "isOverseasNational": True,
        "predicatesComputedAt": "2024-07-03",
    }


def credential() -> dict[str, Any]:
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2", "https://w3id.org/kr-ovid/v1"],
        "id": "urn:uuid:2f1c4a9e-7b3d-4e8a-9c61-0d5e8f7a6b21",
        "type": ["VerifiableCredential", "OverseasNationalIdCredential"],
        "issuer": {
            "id": LA_DID,
            "name": "Consulate General of the Republic of Korea in Los Angeles",
            "nameKo": "주로스앤젤레스 총영사관",
            "nameEn": "Consulate General of the Republic of Korea in Los Angeles",
        },
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
            },
            {
                "id": "https://ovid.example/missions/us-losangeles/status/2#94567",
                "type": "BitstringStatusListEntry",
                "statusPurpose": "suspension",
                "statusListIndex": "94567",
                "statusListCredential": "https://ovid.example/missions/us-losangeles/status/2",
            },
        ],
        "credentialSubject": subject(),
        "evidence": [
            {
                "type": ["IdentityProofingEvidence"],
                "proofingMethod": "in-person",
                "documentType": "passport",
                "chipRead": True,
                "verifier": LA_DID,
                "proofedAt": "2024-07-03T08:41:12Z",
            }
        ],
        "proof": {
            "type": "DataIntegrityProof",
            "cryptosuite": "eddsa-rdfc-2022",
            "created": "2024-07-03T09:00:00Z",
            "verificationMethod": LA_DID + "#key-1",
            "proofPurpose": "assertionMethod",
            "proofValue": "z3FXQjecWufY46yg5abdVZsXqLhxhueuSoZgNSARiKBk9czhSePTFehP8c3PGfb6a22gkfUKKFr",
        },
    }


def paths(doc: object, **kw: Any) -> list[str | None]:
    kw.setdefault("schema_id", OVERSEAS_NATIONAL_ID_SCHEMA)
    return [p.path for p in validate_credential(doc, **kw)]


def _set(pointer: str, value: object) -> Callable[[dict[str, Any]], None]:
    def mutate(doc: dict[str, Any]) -> None:
        *parents, last = pointer.strip("/").split("/")
        node: Any = doc
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node[part]
        if isinstance(node, list):
            node[int(last)] = value
        else:
            node[last] = value

    return mutate


def _del(pointer: str) -> Callable[[dict[str, Any]], None]:
    def mutate(doc: dict[str, Any]) -> None:
        *parents, last = pointer.strip("/").split("/")
        node: Any = doc
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node[part]
        del node[last]

    return mutate


# ----------------------------------------------------------------------------- valid


def _variants() -> dict[str, dict[str, Any]]:
    full = credential()
    minimal = credential()
    for name in ("id", "residenceCity", "overseasRegistrationDate", "passportNumber", "portrait"):
        del minimal["credentialSubject"][name]
    minimal["credentialSubject"]["isOverseasNational"] = False
    del minimal["credentialStatus"], minimal["proof"]
    forms = credential()
    forms["credentialSubject"]["type"] = ["OverseasNational"]
    forms["evidence"] = forms["evidence"][0]
    forms["evidence"]["type"] = "IdentityProofingEvidence"
    forms["credentialStatus"] = forms["credentialStatus"][0]
    forms["credentialSchema"] = [forms["credentialSchema"]]
    forms["issuer"]["name"] = [
        {"@value": "주로스앤젤레스 총영사관", "@language": "ko"},
        {"@value": "Consulate General in Los Angeles", "@language": "en"},
    ]
    forms["proof"] = [forms["proof"], dict(forms["proof"], cryptosuite="eddsa-jcs-2022")]
    passports = credential()
    passports["credentialSubject"]["passportNumber"] = "M12345678"
    offsets = credential()
    offsets["validFrom"] = "2024-07-03T18:00:00+09:00"
    offsets["validUntil"] = "2031-05-20T23:59:59.999+09:00"
    jose = credential()
    del jose["proof"]
    jose.update({"iss": LA_DID, "iat": 1720000000, "exp": 1936000000, "cnf": {"jwk": {}}})
    long_names = credential()
    long_names["credentialSubject"].update(
        familyName="남궁", givenName="가나다라마바사아자차", givenNameLatin="MARIA JOSE ANNE"
    )
    return {
        "full": full,
        "minimal": minimal,
        "alternative-forms": forms,
        "old-passport-number": passports,
        "offset-datetimes": offsets,
        "vc-jose-claims": jose,
        "long-names": long_names,
    }


@pytest.mark.parametrize("name", list(_variants()))
def test_valid_examples_are_accepted(name: str) -> None:
    doc = _variants()[name]
    assert validate_credential(doc) == []
    assert validate_credential(doc, partial=True) == []
    check_credential(doc)


# ----------------------------------------------------------------------------- invalid

S = "/credentialSubject"
INVALID: list[tuple[str, str, Callable[[dict[str, Any]], None]]] = [
    ("hangul-family-latin-chars", f"{S}/familyName", _set(f"{S}/familyName", "Hong")),
    (
        "hangul-decomposed",
        f"{S}/familyName",
        _set(f"{S}/familyName", unicodedata.normalize("NFD", "홍")),
    ),
    ("hangul-with-space", f"{S}/givenName", _set(f"{S}/givenName", "길 동")),
    ("hangul-too-long", f"{S}/familyName", _set(f"{S}/familyName", "가나다라마바")),
    ("hangul-empty", f"{S}/givenName", _set(f"{S}/givenName", "")),
    ("latin-lowercase", f"{S}/familyNameLatin", _set(f"{S}/familyNameLatin", "Hong")),
    ("latin-trailing-space", f"{S}/familyNameLatin", _set(f"{S}/familyNameLatin", "HONG ")),
    ("latin-trailing-newline", f"{S}/familyNameLatin", _set(f"{S}/familyNameLatin", "HONG\n")),
    ("latin-double-space", f"{S}/givenNameLatin", _set(f"{S}/givenNameLatin", "GIL  DONG")),
    ("latin-accent", f"{S}/givenNameLatin", _set(f"{S}/givenNameLatin", "JOSÉ")),
    ("latin-too-long", f"{S}/givenNameLatin", _set(f"{S}/givenNameLatin", "A" * 65)),
    ("birth-bad-month", f"{S}/birthDate", _set(f"{S}/birthDate", "1990-13-01")),
    ("birth-feb-30", f"{S}/birthDate", _set(f"{S}/birthDate", "1990-02-30")),
    ("birth-basic-format", f"{S}/birthDate", _set(f"{S}/birthDate", "19900228")),
    ("birth-datetime", f"{S}/birthDate", _set(f"{S}/birthDate", "1990-02-28T00:00:00Z")),
    ("nationality-not-kr", f"{S}/nationality", _set(f"{S}/nationality", "US")),
    ("residence-kr", f"{S}/residenceCountry", _set(f"{S}/residenceCountry", "KR")),
    ("residence-unassigned", f"{S}/residenceCountry", _set(f"{S}/residenceCountry", "XX")),
    ("residence-lowercase", f"{S}/residenceCountry", _set(f"{S}/residenceCountry", "us")),
    ("residence-alpha3", f"{S}/residenceCountry", _set(f"{S}/residenceCountry", "USA")),
    ("city-empty", f"{S}/residenceCity", _set(f"{S}/residenceCity", "")),
    ("city-control-char", f"{S}/residenceCity", _set(f"{S}/residenceCity", "Los\tAngeles")),
    ("city-too-long", f"{S}/residenceCity", _set(f"{S}/residenceCity", "x" * 101)),
    (
        "registration-bad",
        f"{S}/overseasRegistrationDate",
        _set(f"{S}/overseasRegistrationDate", "2015-3-1"),
    ),
    ("passport-digits-only", f"{S}/passportNumber", _set(f"{S}/passportNumber", "123456789")),
    ("passport-short", f"{S}/passportNumber", _set(f"{S}/passportNumber", "M1234567")),
    ("passport-lowercase", f"{S}/passportNumber", _set(f"{S}/passportNumber", "m12345678")),
    ("passport-expiry-bad", f"{S}/passportExpiry", _set(f"{S}/passportExpiry", "2031-02-29")),
    ("portrait-png", f"{S}/portrait", _set(f"{S}/portrait", "data:image/png;base64,iVBORw0KGgo=")),
    (
        "portrait-not-jpeg-bytes",
        f"{S}/portrait",
        _set(f"{S}/portrait", "data:image/jpeg;base64,AAAA"),
    ),
    (
        "portrait-bad-base64",
        f"{S}/portrait",
        _set(f"{S}/portrait", "data:image/jpeg;base64,/9j/4A*A"),
    ),
    ("portrait-url", f"{S}/portrait", _set(f"{S}/portrait", "https://example.com/p.jpg")),
    (
        "portrait-too-large",
        f"{S}/portrait",
        _set(f"{S}/portrait", "data:image/jpeg;base64,/9j/" + "A" * 136_536),
    ),
    ("id-number-lowercase", f"{S}/idNumber", _set(f"{S}/idNumber", "7k3m-q9xd-2hrt-vb4n")),
    ("id-number-ambiguous-letter", f"{S}/idNumber", _set(f"{S}/idNumber", "7K3M-Q9XD-2HRT-VB4U")),
    ("id-number-ungrouped", f"{S}/idNumber", _set(f"{S}/idNumber", "7K3MQ9XD2HRTVB4N")),
    (
        "mission-code-bad",
        f"{S}/issuingMission/missionCode",
        _set(f"{S}/issuingMission/missionCode", "US-LA"),
    ),
    (
        "mission-not-did-web",
        f"{S}/issuingMission/id",
        _set(f"{S}/issuingMission/id", "did:key:z6Mk"),
    ),
    ("mission-type", f"{S}/issuingMission/type", _set(f"{S}/issuingMission/type", "Embassy")),
    ("mission-missing-name", f"{S}/issuingMission/nameKo", _del(f"{S}/issuingMission/nameKo")),
    ("mission-as-string", f"{S}/issuingMission", _set(f"{S}/issuingMission", LA_DID)),
    ("age-over-19-string", f"{S}/ageOver19", _set(f"{S}/ageOver19", "yes")),
    ("is-overseas-number", f"{S}/isOverseasNational", _set(f"{S}/isOverseasNational", 1)),
    ("predicates-date-missing", f"{S}/predicatesComputedAt", _del(f"{S}/predicatesComputedAt")),
    ("subject-type", f"{S}/type", _set(f"{S}/type", "Person")),
    ("subject-id-not-did", f"{S}/id", _set(f"{S}/id", "https://example.com/me")),
    ("subject-missing-family-name", f"{S}/familyName", _del(f"{S}/familyName")),
    ("subject-missing-id-number", f"{S}/idNumber", _del(f"{S}/idNumber")),
    ("subject-array", S, _set(S, [subject()])),
    ("subject-unknown-claim", f"{S}/email", _set(f"{S}/email", "hong@example.com")),
    (
        "context-order",
        "/@context/0",
        _set("/@context", ["https://w3id.org/kr-ovid/v1", "https://www.w3.org/ns/credentials/v2"]),
    ),
    (
        "context-extra",
        "/@context",
        _set(
            "/@context",
            [
                "https://www.w3.org/ns/credentials/v2",
                "https://w3id.org/kr-ovid/v1",
                "https://www.w3.org/ns/credentials/examples/v2",
            ],
        ),
    ),
    ("id-not-urn-uuid", "/id", _set("/id", "https://example.com/credentials/1")),
    ("id-uppercase-uuid", "/id", _set("/id", "urn:uuid:2F1C4A9E-7B3D-4E8A-9C61-0D5E8F7A6B21")),
    ("type-missing-ours", "/type", _set("/type", ["VerifiableCredential"])),
    (
        "type-extra",
        "/type",
        _set("/type", ["VerifiableCredential", "OverseasNationalIdCredential", "X"]),
    ),
    ("issuer-string", "/issuer", _set("/issuer", LA_DID)),
    (
        "issuer-did-key",
        "/issuer/id",
        _set("/issuer/id", "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"),
    ),
    ("issuer-no-name", "/issuer/name", _del("/issuer/name")),
    ("valid-from-date-only", "/validFrom", _set("/validFrom", "2024-07-03")),
    ("valid-from-no-zone", "/validFrom", _set("/validFrom", "2024-07-03T09:00:00")),
    ("valid-until-bad-hour", "/validUntil", _set("/validUntil", "2031-05-20T25:00:00Z")),
    ("valid-until-missing", "/validUntil", _del("/validUntil")),
    (
        "schema-other-id",
        "/credentialSchema/id",
        _set("/credentialSchema/id", "https://example.com/s.json"),
    ),
    (
        "schema-type",
        "/credentialSchema/type",
        _set("/credentialSchema/type", "JsonSchemaCredential"),
    ),
    (
        "status-index-leading-zero",
        "/credentialStatus/0/statusListIndex",
        _set("/credentialStatus/0/statusListIndex", "094567"),
    ),
    (
        "status-index-number",
        "/credentialStatus/1/statusListIndex",
        _set("/credentialStatus/1/statusListIndex", 94567),
    ),
    (
        "status-purpose",
        "/credentialStatus/0/statusPurpose",
        _set("/credentialStatus/0/statusPurpose", "expired"),
    ),
    (
        "status-type",
        "/credentialStatus/0/type",
        _set("/credentialStatus/0/type", "StatusList2021Entry"),
    ),
    ("evidence-chip-string", "/evidence/0/chipRead", _set("/evidence/0/chipRead", "true")),
    ("evidence-remote", "/evidence/0/proofingMethod", _set("/evidence/0/proofingMethod", "remote")),
    ("evidence-verifier", "/evidence/0/verifier", _set("/evidence/0/verifier", "Consulate")),
    ("evidence-missing", "/evidence", _del("/evidence")),
    ("proof-without-type", "/proof/type", _del("/proof/type")),
    ("top-level-unknown", "/foo", _set("/foo", "bar")),
]


@pytest.mark.parametrize(("name", "pointer", "mutate"), INVALID, ids=[c[0] for c in INVALID])
def test_each_invalid_field_is_reported_at_its_pointer(
    name: str, pointer: str, mutate: Callable[[dict[str, Any]], None]
) -> None:
    doc = credential()
    mutate(doc)
    problems = validate_credential(doc, schema_id=OVERSEAS_NATIONAL_ID_SCHEMA)
    assert pointer in [p.path for p in problems], [p.detail for p in problems]
    for problem in problems:
        assert problem.code is ErrorCode.MALFORMED_VALUE_ERROR
        assert problem.detail.startswith((problem.path or "") + ": ") or problem.path == ""
    with pytest.raises(SchemaError) as info:
        check_credential(doc, schema_id=OVERSEAS_NATIONAL_ID_SCHEMA)
    assert info.value.code is ErrorCode.MALFORMED_VALUE_ERROR
    assert info.value.path == problems[0].path


@pytest.mark.parametrize(
    "value", ["Hong", "hong@example.com", "HONG\n", "123456789", "XX", "Los\tAngeles", RRN]
)
def test_detail_never_contains_the_value(value: str) -> None:
    doc = credential()
    for claim in (
        "familyName",
        "familyNameLatin",
        "passportNumber",
        "residenceCountry",
        "residenceCity",
        "idNumber",
    ):
        doc["credentialSubject"][claim] = value
    doc["credentialSubject"]["email"] = value
    problems = validate_credential(doc)
    assert problems
    for problem in problems:
        assert value.strip() not in problem.detail
        assert value.strip() not in json.dumps(problem.to_dict(), ensure_ascii=False)


# ----------------------------------------------------------------------------- RRN


@pytest.mark.parametrize(
    "key", ["residentRegistrationNumber", "rrn", "juminNumber", "주민등록번호", "900101-1234567"]
)
def test_rrn_property_anywhere_in_subject_is_rejected(key: str) -> None:
    for target in ("/credentialSubject", "/credentialSubject/issuingMission"):
        doc = credential()
        node = doc["credentialSubject"]
        if target.endswith("issuingMission"):
            node = node["issuingMission"]
        node[key] = RRN
        problems = validate_credential(doc)
        assert problems, target
        expected = f"{target}/{key}" if key.isascii() and key.isalnum() else target
        assert expected in [p.path for p in problems]
        for problem in problems:
            assert RRN not in problem.detail
            assert key.isascii() or key not in problem.detail
        assert validate_credential(doc, partial=True)


def _string_claims(doc: dict[str, Any]) -> list[str]:
    out = []
    for name, value in doc["credentialSubject"].items():
        if isinstance(value, str):
            out.append(f"/credentialSubject/{name}")
    for name, value in doc["credentialSubject"]["issuingMission"].items():
        if isinstance(value, str):
            out.append(f"/credentialSubject/issuingMission/{name}")
    return out


@pytest.mark.parametrize(
    "rrn", [RRN, "9001011234567", "900101 1234567", "９００１０１－１２３４５６７"]
)
def test_rrn_shaped_value_in_any_string_claim_is_rejected(rrn: str) -> None:
    for pointer in _string_claims(credential()):
        for value in (rrn, f"Los Angeles {rrn}", f"{rrn}A"):
            doc = credential()
            _set(pointer, value)(doc)
            assert pointer in paths(doc), (pointer, value)
            assert pointer in paths(doc, partial=True), (pointer, value)


def test_rrn_in_issuer_name_is_rejected() -> None:
    doc = credential()
    doc["issuer"]["name"] = f"Consulate {RRN}"
    assert "/issuer/name" in paths(doc)


def test_thirteen_digits_are_fine_outside_text_claims() -> None:
    # Status indexes and proof values are not personal text; the rule is scoped to text claims.
    doc = credential()
    doc["credentialStatus"][0]["statusListIndex"] = "900101123456"
    doc["credentialStatus"][0]["id"] = "https://ovid.example/s/1#1234567890123"
    assert validate_credential(doc) == []


def test_schema_has_no_property_for_an_rrn() -> None:
    text = json.dumps(load_schema(OVERSEAS_NATIONAL_ID_SCHEMA)).lower()
    for needle in ("resident", "rrn", "jumin", "주민"):
        assert f'"{needle}' not in text


# ----------------------------------------------------------------------------- partial


def test_partial_accepts_a_disclosed_subset() -> None:
    doc = credential()
    del doc["evidence"]
    doc["credentialSubject"] = {
        "type": "OverseasNational",
        "nationality": "KR",
        "issuingMission": subject()["issuingMission"],
        "ageOver19": True,
        "predicatesComputedAt": "2024-07-03",
    }
    assert validate_credential(doc, partial=True) == []
    missing = set(paths(doc))
    assert "/evidence" in missing
    assert {f"{S}/familyName", f"{S}/birthDate", f"{S}/idNumber"} <= missing


@pytest.mark.parametrize("always", ["type", "nationality", "issuingMission"])
def test_partial_still_requires_claims_never_selectively_disclosed(always: str) -> None:
    doc = credential()
    del doc["credentialSubject"][always]
    assert f"{S}/{always}" in paths(doc, partial=True)


def test_partial_requires_the_predicate_date_with_a_predicate() -> None:
    doc = credential()
    doc["credentialSubject"] = {
        "type": "OverseasNational",
        "nationality": "KR",
        "issuingMission": subject()["issuingMission"],
        "ageOver19": True,
    }
    assert paths(doc, partial=True) == [f"{S}/predicatesComputedAt"]


def test_partial_still_checks_values_and_unknown_claims() -> None:
    doc = credential()
    doc["credentialSubject"]["birthDate"] = "1990-02-30"
    doc["credentialSubject"]["residentRegistrationNumber"] = RRN
    assert set(paths(doc, partial=True)) == {
        f"{S}/birthDate",
        f"{S}/residentRegistrationNumber",
    }


def test_partial_keeps_the_envelope_requirements() -> None:
    doc = credential()
    del doc["issuer"], doc["credentialSchema"]
    assert set(paths(doc, partial=True)) == {"/issuer", "/credentialSchema"}


# ----------------------------------------------------------------------------- mechanics


def test_non_object_documents() -> None:
    for doc in (None, [], "credential", 3, {"credentialSubject": None}):
        problems = validate_credential(doc, schema_id=OVERSEAS_NATIONAL_ID_SCHEMA)
        assert problems
        assert all(p.code is ErrorCode.MALFORMED_VALUE_ERROR for p in problems)
    assert paths([]) == [""]


def test_problems_are_sorted_unique_and_bounded() -> None:
    doc = credential()
    doc["credentialStatus"] = [
        {"type": "BitstringStatusListEntry", "statusListIndex": str(i)} for i in range(8)
    ]
    doc["credentialSubject"] = {f"claim{i}": i for i in range(300)}
    problems = validate_credential(doc)
    assert 0 < len(problems) <= MAX_PROBLEMS
    keys = [(p.path, p.detail) for p in problems]
    assert keys == sorted(set(keys))


def test_unsafe_property_names_are_withheld() -> None:
    doc = credential()
    doc["credentialSubject"]["홍길동/../x"] = 1
    problems = validate_credential(doc)
    assert [p.path for p in problems] == [S]
    assert "withheld" in problems[0].detail
    assert "홍길동" not in problems[0].detail


def test_pointer_escaping() -> None:
    assert schema_mod._pointer(["a/b", "c~d", 0]) == "/a~1b/c~0d/0"
    assert schema_mod._pointer([]) == ""


def test_unknown_schema_id_is_refused() -> None:
    with pytest.raises(SchemaError, match="not shipped"):
        validate_credential(credential(), schema_id="https://example.com/schema.json")


def test_remote_ref_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    remote = "https://schemas.example.com/person.json"
    local = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://w3id.org/kr-ovid/schemas/test-remote.json",
        "properties": {"person": {"$ref": remote}},
    }
    real = schema_mod._local_schemas()
    monkeypatch.setattr(schema_mod, "_local_schemas", lambda: {**real, local["$id"]: local})
    schema_mod._validator.cache_clear()
    try:
        with pytest.raises(SchemaError, match=remote.replace(".", r"\.")):
            validate_credential({"person": {}}, schema_id=local["$id"])
        assert schema_mod._validator("https://w3id.org/kr-ovid/schemas/test-remote.json", False)
    finally:
        schema_mod._validator.cache_clear()


def test_refuse_remote_hook_names_the_url() -> None:
    with pytest.raises(SchemaError, match=r"remote schema reference refused: https://x\.example/s"):
        schema_mod._refuse_remote("https://x.example/s")


def test_shipped_schema_files(tmp_path: Path) -> None:
    directory = _data_dir("schemas")
    files = sorted(p.name for p in directory.glob("*.json"))
    assert "overseas-national-id.schema.json" in files
    loaded = schema_mod._read_schemas(directory)
    assert OVERSEAS_NATIONAL_ID_SCHEMA in loaded
    raw = json.loads((directory / "overseas-national-id.schema.json").read_text("utf-8"))
    assert raw["$id"] == OVERSEAS_NATIONAL_ID_SCHEMA
    assert raw["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    # bad schema directories are configuration errors
    (tmp_path / "a.json").write_text('{"type": 3, "$id": "https://x.example/a"}')
    with pytest.raises(Exception, match="not a valid 2020-12 schema"):
        schema_mod._read_schemas(tmp_path)
    (tmp_path / "a.json").write_text('{"type": "object"}')
    with pytest.raises(Exception, match="has no \\$id"):
        schema_mod._read_schemas(tmp_path)


def test_load_schema_returns_a_private_copy() -> None:
    first = load_schema(OVERSEAS_NATIONAL_ID_SCHEMA)
    first["$defs"]["countryCode"]["enum"].clear()
    assert len(load_schema(OVERSEAS_NATIONAL_ID_SCHEMA)["$defs"]["countryCode"]["enum"]) == 249


def test_country_code_list() -> None:
    codes = load_schema(OVERSEAS_NATIONAL_ID_SCHEMA)["$defs"]["countryCode"]["enum"]
    assert len(codes) == len(set(codes)) == 249
    assert codes == sorted(codes)
    assert {"KR", "KP", "US", "NZ", "CN", "VN", "ID", "PH", "BR", "ZA", "CA", "BE"} <= set(codes)
    assert not {"UK", "EU", "XK", "AN"} & set(codes)


def test_partial_variant_does_not_touch_the_shipped_schema() -> None:
    before = copy.deepcopy(load_schema(OVERSEAS_NATIONAL_ID_SCHEMA))
    validate_credential(credential(), partial=True)
    assert load_schema(OVERSEAS_NATIONAL_ID_SCHEMA) == before
    assert "required" in before["$defs"]["credentialSubject"]


@pytest.mark.parametrize(
    ("fmt", "good", "bad"),
    [
        (
            "date",
            ["2024-02-29", "0001-01-01"],
            ["2023-02-29", "2024-2-9", "２０２４-01-01", "2024-01-01 "],
        ),
        (
            "date-time",
            ["2024-07-03T09:00:00Z", "2024-07-03T09:00:00.5+09:00"],
            ["2024-07-03T09:00:00", "2024-07-03 09:00:00Z", "2024-07-03T09:60:00Z"],
        ),
    ],
)
def test_strict_formats(fmt: str, good: list[str], bad: list[str]) -> None:
    checker = schema_mod._format_checker()
    for value in good:
        assert checker.conforms(value, fmt), value
    for value in bad:
        assert not checker.conforms(value, fmt), value


def test_ecma_anchoring() -> None:
    rx = schema_mod._ecma_regex("^[A-Z]+$")
    assert rx.search("HONG") and not rx.search("HONG\n")
    assert schema_mod._ecma_regex(r"^[$]\$x$").pattern == r"^[$]\$x\Z"


def test_the_credential_type_fixes_the_schema() -> None:
    """A shipped schema names the type it governs; validation without a schema id uses it."""
    assert schema_mod.schemas_by_type() == {
        "OverseasNationalIdCredential": OVERSEAS_NATIONAL_ID_SCHEMA
    }
    assert schema_mod.schema_for(
        {"type": ["VerifiableCredential", "OverseasNationalIdCredential"]}
    ) == (OVERSEAS_NATIONAL_ID_SCHEMA)
    with pytest.raises(SchemaError):
        schema_mod.schema_for({"type": ["VerifiableCredential"]})
    with pytest.raises(SchemaError):
        validate_credential({"type": "Unknown"})
