"""The root-signed trust list: creation from any table, verification with codes, the registry."""

from __future__ import annotations

import copy
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from kr_ovid.clock import FixedClock
from kr_ovid.did.resolver import CompositeResolver
from kr_ovid.did.web import WebDidResolver, build_did_document
from kr_ovid.errors import ConfigurationError, KrOvidError, VerificationFailed
from kr_ovid.integrity import add_proof, verify_proof
from kr_ovid.keys import Ed25519Signer
from kr_ovid.problems import ErrorCode
from kr_ovid.trust import (
    Accreditation,
    MissionEntry,
    TrustList,
    TrustListRegistry,
    TrustRegistry,
    create_trust_list,
    mission_entry,
    parse_trust_list,
    verify_trust_list,
)

from support import NaiveClock, example_credential, example_loader

ROOT_DID = "did:web:ovid.example:root"
ROOT = Ed25519Signer.from_seed(b"\x21" * 32).with_verification_method(ROOT_DID + "#root-1")
ROGUE = Ed25519Signer.from_seed(b"\x22" * 32).with_verification_method(ROOT_DID + "#root-1")
LA_DID = "did:web:ovid.example:missions:us-losangeles"
LA_KEY = Ed25519Signer.from_seed(b"\x23" * 32).with_verification_method(LA_DID + "#key-1")
ISSUED = datetime(2024, 7, 1, tzinfo=UTC)
NEXT = ISSUED + timedelta(days=7)
NOW = ISSUED + timedelta(days=2)
ID_TYPE = "OverseasNationalIdCredential"
NESTED: Any = []
for _ in range(100):
    NESTED = [NESTED]

ROWS: list[dict[str, Any]] = [
    {  # a wider table: extra columns (kind, phase) are ignored
        "missionCode": "us-losangeles",
        "nameKo": "주로스앤젤레스 총영사관",
        "nameEn": "Consulate General in Los Angeles",
        "kind": "consulate-general",
        "country": "US",
        "city": "Los Angeles",
        "did": LA_DID,
        "phase": "pilot",
        "validFrom": "2024-07-03",
    },
    {  # explicit window and types
        "missionCode": "nz-auckland",
        "nameKo": "주뉴질랜드 대사관 오클랜드 분관",
        "nameEn": "Auckland Branch Office",
        "country": "NZ",
        "city": "Auckland",
        "did": "did:web:ovid.example:missions:nz-auckland",
        "validFrom": datetime(2024, 7, 3, tzinfo=UTC),
        "validUntil": "2024-12-31T23:59:59Z",
        "credentialTypes": [ID_TYPE, "BitstringStatusListCredential"],
    },
    {  # a date value, suspended
        "missionCode": "cn",
        "nameKo": "주중국 대사관",
        "nameEn": "Embassy in China",
        "country": "CN",
        "city": "Beijing",
        "did": "did:web:ovid.example:missions:cn",
        "validFrom": date(2024, 7, 3),
        "state": "suspended",
        "stateSince": "2024-07-20T00:00:00Z",
    },
    {
        "missionCode": "br-saopaulo",
        "nameKo": "주상파울루 총영사관",
        "nameEn": "Consulate General in São Paulo",
        "country": "BR",
        "city": "São Paulo",
        "did": "did:web:ovid.example:missions:br-saopaulo",
        "validFrom": "2024-07-03",
        "state": "withdrawn",
    },
]


def root_resolver(*signers: Ed25519Signer) -> CompositeResolver:
    """The verifier's pinned root document (plus the mission's, for end-to-end tests)."""
    docs = [
        build_did_document(ROOT_DID, list(signers) or [ROOT]),
        build_did_document(LA_DID, [LA_KEY]),
    ]
    return CompositeResolver({"web": WebDidResolver(documents=docs)})


RESOLVER = root_resolver()


def make(version: int = 1, rows: list[Any] | None = None, **kw: Any) -> dict[str, Any]:
    kw.setdefault("issued", ISSUED)
    kw.setdefault("next_update", NEXT)
    kw.setdefault("root_signer", ROOT)
    return create_trust_list(ROWS if rows is None else rows, version=version, **kw)


def verify(document: Any, **kw: Any) -> Any:
    kw.setdefault("clock", FixedClock(NOW))
    kw.setdefault("resolver", RESOLVER)
    return verify_trust_list(document, root_did=ROOT_DID, **kw)


def registry(document: Any = None, **kw: Any) -> TrustListRegistry:
    kw.setdefault("clock", FixedClock(NOW))
    return TrustListRegistry.from_trust_list(
        make() if document is None else document, root_did=ROOT_DID, resolver=RESOLVER, **kw
    )


class FakeClock:
    def __init__(self, instant: datetime) -> None:
        self.instant = instant

    def now(self) -> datetime:
        return self.instant


# --------------------------------------------------------------------------------------------
# Creating
# --------------------------------------------------------------------------------------------
def test_created_list_verifies() -> None:
    document = make()
    result = verify(document)
    assert result.verified, result.errors
    tl = result.claims
    assert isinstance(tl, TrustList)
    assert (tl.issuer, tl.version, tl.issued, tl.next_update) == (ROOT_DID, 1, ISSUED, NEXT)
    assert [m.mission_code for m in tl.missions] == [
        "us-losangeles",
        "nz-auckland",
        "cn",
        "br-saopaulo",
    ]
    la = tl.mission(LA_DID)
    assert la is not None
    assert la.valid_from == datetime(2024, 7, 3, tzinfo=UTC)
    assert la.credential_types == (ID_TYPE,)
    assert la.valid_until is None and la.state == "active"
    assert document["@context"] == [
        "https://www.w3.org/ns/credentials/v2",
        "https://w3id.org/kr-ovid/trust/v1",
    ]
    assert document["type"] == ["VerifiableCredential", "TrustListCredential"]
    assert document["proof"]["cryptosuite"] == "eddsa-rdfc-2022"
    assert document["proof"]["created"] == "2024-07-01T00:00:00Z"
    assert result.proofs[0].controller == ROOT_DID


def test_mission_entry_from_rows() -> None:
    cn = mission_entry(ROWS[2])
    assert cn == MissionEntry(
        "cn",
        "주중국 대사관",
        "Embassy in China",
        "CN",
        "Beijing",
        "did:web:ovid.example:missions:cn",
        (ID_TYPE,),
        datetime(2024, 7, 3, tzinfo=UTC),
        None,
        "suspended",
        datetime(2024, 7, 20, tzinfo=UTC),
    )
    no_did = {k: v for k, v in ROWS[0].items() if k != "did"}
    entry = mission_entry(no_did, mission_did=lambda code: f"did:web:gov.example:m:{code}")
    assert entry.did == "did:web:gov.example:m:us-losangeles"
    typed = mission_entry(ROWS[0], credential_types=["A", "B"])
    assert typed.credential_types == ("A", "B")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"did": None}, "'did' is required"),
        ({"country": "usa"}, "country"),
        ({"country": "us"}, "country"),
        ({"missionCode": "US LA"}, "missionCode"),
        ({"nameKo": ""}, "nameKo"),
        ({"nameKo": "\u1100\u1161"}, "NFC"),  # decomposed 가
        ({"did": "did:web:x.example#k"}, "'did' must be a DID"),
        ({"validFrom": "03/07/2024"}, "validFrom"),
        ({"validFrom": datetime(2024, 7, 3)}, "timezone"),
        ({"validFrom": None}, "'validFrom' is required"),
        ({"validUntil": "2024-07-01"}, "after 'validFrom'"),
        ({"state": "closed"}, "state"),
        ({"credentialTypes": []}, "credentialTypes"),
        ({"credentialTypes": ["A", "A"]}, "credentialTypes"),
        ({"credentialTypes": ["not a type"]}, "credentialTypes"),
        ({"missionCode": None, "code": "us-losangeles"}, "no missionCode"),
        # another table's names are not guessed: the date is missing, not read from startDate
        ({"validFrom": None, "startDate": "2024-07-03"}, "'validFrom' is required"),
    ],
)
def test_bad_rows_are_refused(change: dict[str, Any], message: str) -> None:
    row = {**ROWS[0], **change}
    with pytest.raises(ConfigurationError, match=message):
        mission_entry(row)


def test_create_refuses_bad_lists() -> None:
    with pytest.raises(ConfigurationError, match="share a did"):
        make(rows=[ROWS[0], {**ROWS[1], "did": LA_DID}])
    with pytest.raises(ConfigurationError, match="share a mission_code"):
        make(rows=[ROWS[0], {**ROWS[1], "missionCode": "us-losangeles"}])
    with pytest.raises(ConfigurationError, match=r"1\.\."):
        make(rows=[])
    with pytest.raises(ConfigurationError, match="version"):
        make(version=0)
    with pytest.raises(ConfigurationError, match="version"):
        make(version=True)
    with pytest.raises(ConfigurationError, match="nextUpdate"):
        make(next_update=ISSUED)
    with pytest.raises(ConfigurationError, match="timezone-aware"):
        make(issued=datetime(2024, 7, 1))
    with pytest.raises(ConfigurationError, match="mapping"):
        make(rows=[["not", "a", "row"]])


def test_create_accepts_entries_and_a_list_id() -> None:
    entries = [mission_entry(r) for r in ROWS[:2]]
    document = make(rows=entries, list_id="https://ovid.example/trust-list/1")
    assert document["id"] == "https://ovid.example/trust-list/1"
    assert verify(document).verified


def test_a_mission_maps_itself_to_trust_list_names() -> None:
    from kr_ovid.ovid import missions

    la = missions.load_missions().by_code("us-losangeles")
    entry = mission_entry(la.trust_row())
    assert (entry.mission_code, entry.did) == (la.code, la.did)
    assert entry.valid_from == datetime(
        la.start_date.year, la.start_date.month, la.start_date.day, tzinfo=UTC
    )


def test_create_from_the_packaged_missions_registry() -> None:
    from kr_ovid.ovid import missions

    table = missions.load_missions().trust_rows()
    document = make(rows=table)
    result = verify(document)
    assert result.verified, result.errors
    assert len(result.claims.missions) == len(table)


def test_parse_trust_list_is_shape_only() -> None:
    document = make()
    document["proof"]["proofValue"] = "zBroken"
    assert parse_trust_list(document).version == 1
    with pytest.raises(KrOvidError) as info:
        parse_trust_list({**document, "extra": 1})
    assert info.value.code is ErrorCode.TRUST_LIST_ERROR and info.value.path == ""


# --------------------------------------------------------------------------------------------
# Verifying
# --------------------------------------------------------------------------------------------
def test_list_signed_by_another_key_is_refused() -> None:
    """Same root DID, a key the pinned document does not hold."""
    assert verify(make(root_signer=ROGUE)).codes == (ErrorCode.PROOF_VERIFICATION_ERROR,)


def test_list_signed_by_another_did_is_refused() -> None:
    other = Ed25519Signer.from_seed(b"\x24" * 32)  # did:key: resolvable, but not the root
    result = verify(make(root_signer=other))
    assert set(result.codes) == {ErrorCode.KEY_NOT_AUTHORIZED, ErrorCode.TRUST_LIST_ERROR}


def test_issuer_must_be_the_root_even_if_the_root_signed() -> None:
    document = make()
    del document["proof"]
    document["issuer"] = LA_DID
    signed = add_proof(document, ROOT, created=ISSUED)
    result = verify(signed)
    assert result.codes == (ErrorCode.TRUST_LIST_ERROR,)
    assert result.errors[0].path == "/issuer"


def test_tampered_list_is_refused() -> None:
    document = make()
    document["credentialSubject"]["missions"][2]["state"] = "active"
    assert verify(document).codes == (ErrorCode.PROOF_VERIFICATION_ERROR,)


def test_unknown_member_is_refused() -> None:
    document = make()
    document["credentialSubject"]["missions"][0]["note"] = "x"
    result = verify(document)
    assert result.codes == (ErrorCode.DATA_LOSS_ERROR, ErrorCode.TRUST_LIST_ERROR)
    assert result.errors[1].path == "/credentialSubject/missions/0"


def test_number_as_string_is_refused_though_rdf_is_equal() -> None:
    """'1' and 1 canonicalize alike under xsd:integer: the strict JSON-LD form (proof) and the
    trust list's own shape check both catch the swap."""
    document = make()
    document["credentialSubject"]["version"] = "1"
    assert verify(document).codes == (ErrorCode.MALFORMED_VALUE_ERROR, ErrorCode.TRUST_LIST_ERROR)


def test_expiry_and_grace() -> None:
    document = make()
    assert verify(
        document, clock=FixedClock(NEXT + timedelta(hours=23))
    ).verified  # default grace: 24 h
    late = verify(document, clock=FixedClock(NEXT + timedelta(hours=25)))
    assert late.codes == (ErrorCode.TRUST_LIST_EXPIRED,)
    assert late.retryable
    assert verify(
        document, clock=FixedClock(NEXT + timedelta(hours=1)), grace=timedelta(0)
    ).codes == (ErrorCode.TRUST_LIST_EXPIRED,)


def test_not_valid_yet() -> None:
    result = verify(make(), clock=FixedClock(ISSUED - timedelta(days=1)))
    assert ErrorCode.TRUST_LIST_ERROR in result.codes


def test_rollback_is_refused() -> None:
    assert verify(make(version=3), previous_version=3).verified
    result = verify(make(version=2), previous_version=3)
    assert result.codes == (ErrorCode.TRUST_LIST_ROLLBACK,)


@pytest.mark.parametrize("hostile", [None, [], "x", 1, {"proof": {}}, {"a": NESTED}])
def test_hostile_input_never_raises(hostile: Any) -> None:
    result = verify(hostile)
    assert not result.verified and result.errors


def test_bad_options_are_reported() -> None:
    assert verify(make(), clock=NaiveClock()).codes == (ErrorCode.CONFIGURATION_ERROR,)
    assert verify(make(), grace=timedelta(-1)).codes == (ErrorCode.CONFIGURATION_ERROR,)
    result = verify_trust_list(make(), root_did="root", resolver=RESOLVER, clock=FixedClock(NOW))
    assert result.codes == (ErrorCode.CONFIGURATION_ERROR,)


def test_verified_result_is_a_private_copy() -> None:
    document = make()
    result = verify(document)
    document["credentialSubject"]["version"] = 99
    assert result.document["credentialSubject"]["version"] == 1


# --------------------------------------------------------------------------------------------
# Registry
# --------------------------------------------------------------------------------------------
def test_registry_is_a_trust_registry() -> None:
    reg = registry()
    assert isinstance(reg, TrustRegistry)
    assert reg.version == 1 and "4 missions" in repr(reg)


def test_registry_only_from_a_verified_list() -> None:
    with pytest.raises(TypeError):
        TrustListRegistry()
    bad = make()
    bad["credentialSubject"]["version"] = 2
    with pytest.raises(VerificationFailed) as info:
        registry(bad)
    assert info.value.code is ErrorCode.PROOF_VERIFICATION_ERROR


ISSUED_AT = datetime(2024, 8, 1, tzinfo=UTC)


def test_accredited() -> None:
    answer = registry(clock=FakeClock(NOW)).is_accredited(LA_DID, ID_TYPE, ISSUED_AT)
    assert answer.accredited and answer.code is None and answer.problem() is None
    assert answer.mission is not None and answer.mission.mission_code == "us-losangeles"


@pytest.mark.parametrize(
    ("did", "ctype", "at", "reason"),
    [
        ("did:web:ovid.example:missions:xx", ID_TYPE, ISSUED_AT, "not on the trust list"),
        (LA_DID, ID_TYPE, datetime(2024, 7, 2, 23, 59, tzinfo=UTC), "had not started"),
        (
            "did:web:ovid.example:missions:nz-auckland",
            ID_TYPE,
            datetime(2025, 1, 1, tzinfo=UTC),
            "had ended",
        ),
        (LA_DID, "BitstringStatusListCredential", ISSUED_AT, "may not issue"),
        ("did:web:ovid.example:missions:cn", ID_TYPE, ISSUED_AT, "suspended"),
        # suspension applies whatever the (issuer-written) issuance time
        (
            "did:web:ovid.example:missions:cn",
            ID_TYPE,
            datetime(2024, 7, 10, tzinfo=UTC),
            "suspended",
        ),
        ("did:web:ovid.example:missions:br-saopaulo", ID_TYPE, ISSUED_AT, "withdrawn"),
    ],
)
def test_not_accredited(did: str, ctype: str, at: datetime, reason: str) -> None:
    answer = registry(clock=FakeClock(NOW)).is_accredited(did, ctype, at)
    assert not answer.accredited
    assert answer.code is ErrorCode.ISSUER_NOT_ACCREDITED
    assert reason in answer.reason
    problem = answer.problem("/issuer")
    assert problem is not None and problem.code is ErrorCode.ISSUER_NOT_ACCREDITED


def test_window_edges_are_inclusive() -> None:
    reg = registry(clock=FakeClock(NOW))
    nz = "did:web:ovid.example:missions:nz-auckland"
    assert reg.is_accredited(nz, ID_TYPE, datetime(2024, 7, 3, tzinfo=UTC)).accredited
    assert reg.is_accredited(nz, ID_TYPE, datetime(2024, 12, 31, 23, 59, 59, tzinfo=UTC)).accredited
    assert reg.is_accredited(nz, "BitstringStatusListCredential", ISSUED_AT).accredited


def test_accreditation_has_no_truth_value() -> None:
    answer = registry().is_accredited("did:web:nobody.example", ID_TYPE, ISSUED_AT)
    with pytest.raises(TypeError):
        bool(answer)
    assert isinstance(answer, Accreditation)


def test_stale_registry_refuses_to_answer() -> None:
    clock = FakeClock(NOW)
    reg = registry(clock=clock)
    clock.instant = NEXT + timedelta(days=2)
    answer = reg.is_accredited(LA_DID, ID_TYPE, ISSUED_AT)
    assert not answer.accredited
    assert answer.code is ErrorCode.TRUST_LIST_EXPIRED and answer.retryable


def test_naive_issuance_time_is_a_caller_error() -> None:
    with pytest.raises(ConfigurationError):
        registry().is_accredited(LA_DID, ID_TYPE, datetime(2024, 8, 1))


def test_update_to_a_newer_list() -> None:
    clock = FakeClock(NOW)
    reg = registry(clock=clock)
    rows = [{**ROWS[2], "state": "active"}, *ROWS[:2]]
    clock.instant = NEXT
    result = reg.update(
        make(
            version=2,
            rows=rows,
            issued=NEXT - timedelta(hours=1),
            next_update=NEXT + timedelta(days=7),
        )
    )
    assert result.verified, result.errors
    assert reg.version == 2
    assert reg.is_accredited("did:web:ovid.example:missions:cn", ID_TYPE, ISSUED_AT).accredited
    assert not reg.is_accredited(
        "did:web:ovid.example:missions:br-saopaulo", ID_TYPE, ISSUED_AT
    ).accredited


def test_update_refuses_rollback_and_keeps_the_current_list() -> None:
    reg = registry(make(version=5))
    older = reg.update(make(version=4))
    assert older.codes == (ErrorCode.TRUST_LIST_ROLLBACK,)
    assert reg.version == 5


def test_update_same_version() -> None:
    reg = registry(make(version=5))
    again = make(version=5)
    again["proof"] = add_proof(
        {k: v for k, v in again.items() if k != "proof"}, ROOT, created=ISSUED + timedelta(hours=1)
    )["proof"]
    assert reg.update(again).verified  # same content, re-signed: a re-fetch
    equivocation = reg.update(make(version=5, rows=ROWS[:1]))
    assert equivocation.codes == (ErrorCode.TRUST_LIST_ROLLBACK,)
    assert len(reg.trust_list.missions) == 4


def test_update_refuses_forged_list() -> None:
    reg = registry()
    assert reg.update(make(version=2, root_signer=ROGUE)).codes == (
        ErrorCode.PROOF_VERIFICATION_ERROR,
    )
    assert reg.version == 1


def test_root_key_rotation_is_followed_through_the_pinned_document() -> None:
    """A verifier that pins a root document with a new key accepts lists signed with it."""
    new_root = Ed25519Signer.from_seed(b"\x25" * 32).with_verification_method(ROOT_DID + "#root-2")
    assert verify(make(root_signer=new_root), resolver=root_resolver(ROOT, new_root)).verified
    assert not verify(make(root_signer=new_root)).verified


# --------------------------------------------------------------------------------------------
# End to end: a mission's credential, its proof time, the registry
# --------------------------------------------------------------------------------------------
def mission_credential(created: datetime, ctype: str = ID_TYPE) -> dict[str, Any]:
    credential = example_credential()
    credential["issuer"] = LA_DID
    return add_proof(credential, LA_KEY, created=created, loader=example_loader())


def accreditation_of(credential: dict[str, Any], ctype: str = ID_TYPE) -> Accreditation:
    result = verify_proof(
        credential,
        resolver=RESOLVER,
        clock=FixedClock(NOW + timedelta(days=60)),
        loader=example_loader(),
        expected_controller=credential["issuer"],
    )
    assert result.verified
    created = result.proofs[0].created
    reg = registry(clock=FakeClock(NOW))
    return reg.is_accredited(credential["issuer"], ctype, created)


def test_credential_issued_inside_the_window_is_accredited() -> None:
    assert accreditation_of(mission_credential(ISSUED_AT)).accredited


def test_credential_issued_before_accreditation_is_not() -> None:
    answer = accreditation_of(mission_credential(datetime(2024, 7, 2, tzinfo=UTC)))
    assert answer.code is ErrorCode.ISSUER_NOT_ACCREDITED


def test_credential_of_a_type_the_mission_may_not_issue() -> None:
    answer = accreditation_of(mission_credential(ISSUED_AT), "BitstringStatusListCredential")
    assert answer.code is ErrorCode.ISSUER_NOT_ACCREDITED


def test_entries_are_values() -> None:
    entry = mission_entry(ROWS[1])
    assert copy.deepcopy(entry) == entry
    assert entry.to_json()["validUntil"] == "2024-12-31T23:59:59Z"
