"""kr_ovid.ovid.missions: the shipped missions data and its validation on load."""

from __future__ import annotations

import json
import unicodedata
from datetime import date
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest

from kr_ovid.errors import ConfigurationError
from kr_ovid.ovid import IssuingMission, Mission, MissionKind, MissionRegistry, load_missions
from kr_ovid.ovid.model import DID_WEB, country_codes

PILOT = {"us-losangeles", "nz-auckland", "cn", "vn", "id", "ph", "br-saopaulo"}
WAVE_2 = {"za", "ca", "be"}


def entries() -> list[dict[str, Any]]:
    raw = json.loads(files("kr_ovid.ovid").joinpath("missions.json").read_text("utf-8"))
    return list(raw["missions"])


def write(tmp_path: Path, missions: list[dict[str, Any]], **top: Any) -> Path:
    path = tmp_path / "missions.json"
    path.write_text(json.dumps({"version": 1, "missions": missions, **top}), encoding="utf-8")
    return path


def test_shipped_missions() -> None:
    registry = load_missions()
    assert len(registry) == 10
    assert {m.code for m in registry} == PILOT | WAVE_2
    assert {m.code for m in registry if m.phase == "pilot"} == PILOT
    assert {m.code for m in registry if m.phase == "wave-2"} == WAVE_2
    assert {m.start_date for m in registry if m.phase == "pilot"} == {date(2024, 7, 3)}
    assert {m.start_date for m in registry if m.phase == "wave-2"} == {date(2024, 8, 1)}


def test_codes_and_dids_are_unique() -> None:
    registry = load_missions()
    codes = [m.code for m in registry]
    dids = [m.did for m in registry]
    assert len(set(codes)) == len(codes)
    assert len(set(dids)) == len(dids)


def test_iso_codes_and_dids_are_valid() -> None:
    for m in load_missions():
        assert m.country in country_codes()
        assert m.code.split("-")[0] == m.country.lower()
        assert DID_WEB.fullmatch(m.did)
        assert m.did == f"did:web:ovid.example:missions:{m.code}"
        assert isinstance(m.kind, MissionKind)
        assert unicodedata.is_normalized("NFC", m.name_ko + m.name_en + m.city)


def test_domain_table() -> None:
    registry = load_missions()
    la = registry.by_code("us-losangeles")
    assert (la.name_ko, la.kind, la.country, la.city) == (
        "주로스앤젤레스 총영사관",
        MissionKind.CONSULATE_GENERAL,
        "US",
        "Los Angeles",
    )
    auckland = registry.by_code("nz-auckland")
    assert auckland.kind is MissionKind.BRANCH_OFFICE
    assert auckland.name_ko == "주뉴질랜드 대사관 오클랜드 분관"
    assert registry.by_code("br-saopaulo").city == "São Paulo"
    assert registry.by_code("be").name_ko == "주벨기에 유럽연합 대사관"
    capitals = {
        "cn": "Beijing",
        "vn": "Hanoi",
        "id": "Jakarta",
        "ph": "Manila",
        "za": "Pretoria",
        "ca": "Ottawa",
        "be": "Brussels",
    }
    for code, city in capitals.items():
        m = registry.by_code(code)
        assert (m.city, m.kind) == (city, MissionKind.EMBASSY)


def test_lookup() -> None:
    registry = load_missions()
    la = registry.by_code("us-losangeles")
    assert registry.by_did(la.did) is la
    assert "us-losangeles" in registry and la.did in registry
    assert "jp" not in registry
    with pytest.raises(ConfigurationError, match="unknown mission code"):
        registry.by_code("jp")
    with pytest.raises(ConfigurationError):
        registry.by_did("did:web:ovid.example:missions:jp")
    with pytest.raises(ConfigurationError):
        registry.by_code(["us"])  # type: ignore[arg-type]
    assert [m.code for m in registry][:2] == ["us-losangeles", "nz-auckland"]
    assert "10 missions" in repr(registry)


def test_active_on() -> None:
    registry = load_missions()
    assert registry.active_on(date(2024, 7, 2)) == ()
    assert {m.code for m in registry.active_on(date(2024, 7, 31))} == PILOT
    assert len(registry.active_on(date(2024, 8, 1))) == 10


def test_to_table_round_trips(tmp_path: Path) -> None:
    registry = load_missions()
    table = registry.to_table()
    assert table == entries()
    assert set(table[0]) == {
        "code",
        "nameKo",
        "nameEn",
        "kind",
        "country",
        "city",
        "did",
        "phase",
        "startDate",
    }
    again = load_missions(write(tmp_path, table))
    assert list(again) == list(registry)
    json.dumps(table, ensure_ascii=False)


def test_as_issuing_mission() -> None:
    la = load_missions().by_code("us-losangeles")
    ref = la.as_issuing_mission()
    assert ref == IssuingMission(code=la.code, name_ko=la.name_ko, name_en=la.name_en, did=la.did)
    assert ref.to_json()["type"] == "DiplomaticMission"


def test_adding_a_mission_is_a_data_change(tmp_path: Path) -> None:
    tokyo = {
        "code": "jp",
        "nameKo": "주일본 대사관",
        "nameEn": "Embassy of the Republic of Korea in Japan",
        "kind": "embassy",
        "country": "JP",
        "city": "Tokyo",
        "did": "did:web:ovid.example:missions:jp",
        "phase": "general",
        "startDate": "2025-01-02",
    }
    registry = load_missions(write(tmp_path, [*entries(), tokyo]))
    assert registry.by_code("jp").kind is MissionKind.EMBASSY
    assert len(registry) == 11


def _mutated(index: int, **changes: Any) -> list[dict[str, Any]]:
    data = entries()
    for key, value in changes.items():
        if value is ...:
            del data[index][key]
        else:
            data[index][key] = value
    return data


@pytest.mark.parametrize(
    ("data", "match"),
    [
        ([*entries(), entries()[0]], "duplicate mission code"),
        (_mutated(1, did="did:web:ovid.example:missions:us-losangeles"), "duplicate mission DID"),
        (_mutated(2, country="XX"), "ISO 3166"),
        (_mutated(2, country="cn"), "ISO 3166"),
        (_mutated(2, country="KR", code="kr"), "cannot be in KR"),
        (_mutated(2, code="jp"), "start with the country code"),
        (_mutated(2, code="CN"), "lowercase slug"),
        (_mutated(2, code="cn-beijing"), "embassy's code"),
        (_mutated(0, code="us"), "embassy's code"),
        (_mutated(0, kind="consulate"), "unknown kind"),
        (_mutated(0, did="did:key:z6Mk"), "did:web"),
        (_mutated(0, phase="wave2"), "phase"),
        (_mutated(0, startDate="2024-02-30"), "startDate"),
        (_mutated(0, startDate="20240703"), "startDate"),
        (_mutated(0, startDate=20240703), "startDate"),
        (_mutated(0, nameKo=""), "name_ko"),
        (_mutated(0, city="Los\nAngeles"), "city"),
        (_mutated(0, nameEn=...), "missing keys"),
        (_mutated(0, address="x"), "unknown keys"),
        ([], "non-empty list"),
        (["us"], "expected an object"),
    ],
)
def test_invalid_data_is_refused(tmp_path: Path, data: list[Any], match: str) -> None:
    with pytest.raises(ConfigurationError, match=match):
        load_missions(write(tmp_path, data))


def test_invalid_files_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "missions.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(ConfigurationError, match="unreadable"):
        load_missions(path)
    with pytest.raises(ConfigurationError, match="unreadable"):
        load_missions(tmp_path / "absent.json")
    path.write_text(json.dumps({"version": 2, "missions": entries()}), encoding="utf-8")
    with pytest.raises(ConfigurationError, match="version 1"):
        load_missions(path)


def test_error_names_the_entry(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match=r"missions\[3\]"):
        load_missions(write(tmp_path, _mutated(3, country="XX")))


def test_registry_from_values() -> None:
    la = load_missions().by_code("us-losangeles")
    registry = MissionRegistry([la])
    assert registry.to_table() == [la.to_json()]
    with pytest.raises(ConfigurationError):
        MissionRegistry([la, la])
    with pytest.raises(ConfigurationError):
        MissionRegistry(["us-losangeles"])  # type: ignore[list-item]


def test_mission_kind_is_normalised() -> None:
    la = load_missions().by_code("us-losangeles")
    m = Mission(**{**_fields(la), "kind": "consulate-general"})
    assert m.kind is MissionKind.CONSULATE_GENERAL
    with pytest.raises(ConfigurationError):
        Mission(**{**_fields(la), "start_date": "2024-07-03"})


def _fields(m: Mission) -> dict[str, Any]:
    return {name: getattr(m, name) for name in Mission.__dataclass_fields__}


def test_missions_json_ships_inside_the_package() -> None:
    resource = files("kr_ovid.ovid").joinpath("missions.json")
    assert resource.is_file()
    assert "src/kr_ovid/ovid" in str(resource).replace("\\", "/") or "kr_ovid/ovid" in str(resource)
