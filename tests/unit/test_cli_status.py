"""``kr-ovid status decode|revoke|suspend|unsuspend|publish`` through ``kr_ovid.cli.main``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from kr_ovid.cli import main
from kr_ovid.did.web import build_did_document
from kr_ovid.errors import StatusListError
from kr_ovid.keys import Ed25519Signer
from kr_ovid.ovid import load_missions
from kr_ovid.problems import ErrorCode
from kr_ovid.sdjwt import parse_issued
from kr_ovid.status import MIN_LIST_LENGTH, SqliteStatusListStore, StatusBitstring, encode_list

MISSION = load_missions().by_code("us-losangeles")
CLAIMS: dict[str, Any] = {
    "familyName": "김",
    "givenName": "영희",
    "familyNameLatin": "KIM",
    "givenNameLatin": "YOUNG HEE",
    "birthDate": "1985-11-03",
    "nationality": "KR",
    "residenceCountry": "US",
    "overseasRegistrationDate": "2010-06-15",
    "passportExpiry": "2034-01-31",
}
BASE = "https://ovid.example/missions/us-losangeles/status"
Capsys = pytest.CaptureFixture[str]


def run(capsys: Capsys, *argv: str | Path) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def write(path: Path, value: Any) -> Path:
    path.write_text(json.dumps(value, ensure_ascii=False), encoding="utf-8")
    return path


class Mission:
    """The LA mission's key, DID document directory and one issuance into a status store."""

    def __init__(self, tmp: Path, capsys: Capsys) -> None:
        self.tmp = tmp
        self.signer = Ed25519Signer.from_seed(
            b"\x01" * 32, verification_method=MISSION.did + "#key-1"
        )
        self.key = tmp / "mission-key.json"
        self.signer.write_key_file(self.key, controller=MISSION.did)
        self.did_dir = tmp / "did"
        self.did_dir.mkdir()
        self.doc = write(self.did_dir / "la.json", build_did_document(MISSION.did, [self.signer]))
        self.db = tmp / "status.db"
        self.out = tmp / "out"
        claims = write(tmp / "claims.json", CLAIMS)
        code, _, err = run(
            capsys, "issue", "--mission", "us-losangeles", "--key", self.key, "--claims", claims,
            "--format", "di", "--format", "sd-jwt", "--batch", "2", "--out", self.out,
            "--db", self.db, "--did-doc", self.doc,
        )  # fmt: skip
        assert code == 0, err
        self.credential = json.loads((self.out / "credential.json").read_text(encoding="utf-8"))
        self.sd_jwt = self.out / "credential-1.sd-jwt"

    def position(self, document: dict[str, Any]) -> tuple[int, int]:
        entry = document["credentialStatus"][0]
        return int(entry["statusListCredential"].split("/")[-2]), int(entry["statusListIndex"])

    def status(self, document: dict[str, Any], purpose: str) -> int:
        with SqliteStatusListStore(self.db) as store:
            return store.get_status(*self.position(document), purpose)


@pytest.fixture
def mission(tmp_path: Path, capsys: Capsys) -> Mission:
    return Mission(tmp_path, capsys)


# --------------------------------------------------------------------------------------------
# decode
# --------------------------------------------------------------------------------------------
def test_decode_literal_list(capsys: Capsys) -> None:
    bits = StatusBitstring(MIN_LIST_LENGTH)
    for i in (0, 7, 94567, MIN_LIST_LENGTH - 1):
        bits.set(i, 1)
    encoded = encode_list(bits)
    assert run(capsys, "status", "decode", encoded) == (
        0,
        f"0\n7\n94567\n{MIN_LIST_LENGTH - 1}\n",
        "",
    )
    code, out, _ = run(capsys, "status", "decode", encoded, "--json")
    assert code == 0
    assert json.loads(out) == {
        "length": MIN_LIST_LENGTH, "statusSize": 1, "set": [0, 7, 94567, MIN_LIST_LENGTH - 1],
    }  # fmt: skip
    empty = encode_list(StatusBitstring(MIN_LIST_LENGTH))
    assert run(capsys, "status", "decode", empty) == (0, "", "")


def test_decode_status_size_two(capsys: Capsys, tmp_path: Path) -> None:
    bits = StatusBitstring(MIN_LIST_LENGTH, status_size=2)
    bits.set(3, 2)
    bits.set(1000, 3)
    path = tmp_path / "list.txt"
    path.write_text(encode_list(bits) + "\n")
    assert run(capsys, "status", "decode", path, "--status-size", "2") == (0, "3: 2\n1000: 3\n", "")
    code, out, _ = run(capsys, "status", "decode", path, "--status-size", "2", "--json")
    assert (code, json.loads(out)["entries"]) == (0, {"3": 2, "1000": 3})


def test_decode_refusals(capsys: Capsys, tmp_path: Path) -> None:
    short = encode_list(StatusBitstring(MIN_LIST_LENGTH))
    cases: list[tuple[list[str | Path], str]] = [
        (["status", "decode", "uAAAA"], "MALFORMED_VALUE_ERROR"),
        (["status", "decode", "zNotBase64url"], "cannot read"),
        (["status", "decode", short, "--status-size", "2"], "STATUS_LIST_LENGTH_ERROR"),
        (["status", "decode", short, "--status-size", "9"], "SIZE_LIMIT_ERROR"),
        (["status", "decode", short, "--status-size", "0"], "MALFORMED_VALUE_ERROR"),
        (["status", "decode", write(tmp_path / "x.json", {"a": 1})], "not a status list"),
        (["status", "decode", tmp_path / "missing.json"], "cannot read"),
    ]
    for argv, message in cases:
        code, out, err = run(capsys, *argv)
        assert (code, out) == (2, ""), (argv, err)
        assert message in err, (argv, err)


# --------------------------------------------------------------------------------------------
# revoke / suspend / unsuspend
# --------------------------------------------------------------------------------------------
def test_revoke_one_copy_only(capsys: Capsys, mission: Mission) -> None:
    cred = mission.out / "credential.json"
    code, out, err = run(
        capsys, "status", "revoke", "--db", mission.db, cred, "--actor", "officer-17",
        "--reason", "lost-device", "--only-this",
    )  # fmt: skip
    assert code == 0, err
    list_id, index = mission.position(mission.credential)
    assert out.startswith(
        f"{mission.credential['id']}: revocation 0 -> 1 (list {list_id} index {index}) at "
    )
    assert "by officer-17 (lost-device)" in out and len(out.splitlines()) == 2
    assert mission.status(mission.credential, "revocation") == 1
    # Again: the store confirms an unchanged value (audited), JSON output.
    code, out, _ = run(
        capsys, "status", "revoke", "--db", mission.db, cred, "--json", "--only-this"
    )
    [record] = json.loads(out)
    assert code == 0
    assert record | {"time": None} == {
        "credentialId": mission.credential["id"], "time": None, "listId": list_id,
        "index": index, "purpose": "revocation", "oldValue": 1, "newValue": 1,
        "actor": "kr-ovid-cli", "reason": "unspecified",
    }  # fmt: skip
    # The other copies of the issuance are untouched.
    copy = parse_issued(mission.sd_jwt.read_text().strip()).document
    assert mission.status(copy, "revocation") == 0


def test_revoke_by_id_reaches_every_copy_of_the_issuance(capsys: Capsys, mission: Mission) -> None:
    """One command, given only the credential id (no file with personal data), revokes the DI
    credential and both SD-JWT copies issued with it."""
    copies = [
        parse_issued((mission.out / f"credential-{n}.sd-jwt").read_text().strip()).document
        for n in (1, 2)
    ]
    code, out, err = run(
        capsys, "status", "revoke", "--db", mission.db, copies[1]["id"], "--reason", "deceased"
    )
    assert code == 0, err
    lines = out.splitlines()
    assert [line.split(": ")[0] for line in lines[:3]] == [
        d["id"] for d in [mission.credential, *copies]
    ]
    assert all("revocation 0 -> 1" in line for line in lines[:3])
    for document in [mission.credential, *copies]:
        assert mission.status(document, "revocation") == 1
    code, out, err = run(capsys, "status", "revoke", "--db", mission.db, "urn:uuid:unknown")
    assert (code, out) == (2, "") and "no credential urn:uuid:unknown" in err


def test_suspend_and_unsuspend_an_sd_jwt_copy(capsys: Capsys, mission: Mission) -> None:
    copy = parse_issued(mission.sd_jwt.read_text().strip()).document
    argv = ["--db", mission.db, mission.sd_jwt, "--only-this"]
    code, out, err = run(capsys, "status", "suspend", *argv)
    assert code == 0 and f"{copy['id']}: suspension 0 -> 1" in out, err
    assert mission.status(copy, "suspension") == 1
    code, out, err = run(capsys, "status", "unsuspend", *argv)
    assert code == 0 and f"{copy['id']}: suspension 1 -> 0" in out, err
    assert mission.status(copy, "suspension") == 0
    assert mission.status(mission.credential, "suspension") == 0
    # Without --only-this: every copy, from the SD-JWT file.
    code, out, err = run(capsys, "status", "suspend", "--db", mission.db, mission.sd_jwt)
    assert code == 0 and out.count("suspension 0 -> 1") == 3, err
    assert mission.status(mission.credential, "suspension") == 1


def test_credential_without_id_falls_back_to_its_status_entries(
    capsys: Capsys, mission: Mission
) -> None:
    anonymous = {k: v for k, v in mission.credential.items() if k != "id"}
    path = write(mission.tmp / "anon.json", anonymous)
    code, out, err = run(capsys, "status", "suspend", "--db", mission.db, path)
    assert code == 0 and out.startswith("(no id): suspension 0 -> 1"), err
    assert mission.status(mission.credential, "suspension") == 1


def test_change_refusals(capsys: Capsys, mission: Mission, tmp_path: Path) -> None:
    cred = mission.out / "credential.json"
    other_db = tmp_path / "other.db"
    SqliteStatusListStore(other_db).close()
    _, index = mission.position(mission.credential)
    moved = json.loads(json.dumps(mission.credential))
    for entry in moved["credentialStatus"]:
        entry["statusListIndex"] = str((index + 1) % MIN_LIST_LENGTH)
    no_status = {k: v for k, v in mission.credential.items() if k not in ("id", "credentialStatus")}
    garbage = tmp_path / "garbage.txt"
    garbage.write_text("hello")
    cases: list[tuple[list[str | Path], str]] = [
        (["status", "revoke", "--db", tmp_path / "nope.db", cred], "no such status store"),
        (["status", "revoke", "--db", other_db, cred], "not issued with this status store"),
        (
            ["status", "revoke", "--db", mission.db, write(tmp_path / "m.json", moved)],
            "another position",
        ),
        (
            ["status", "revoke", "--db", mission.db, write(tmp_path / "n.json", no_status)],
            "no id and no revocation status entry",
        ),
        (["status", "revoke", "--db", mission.db, tmp_path / "missing.json"], "cannot read"),
        (["status", "revoke", "--db", mission.db, garbage], "neither a Data Integrity credential"),
        (["status", "revoke", "--db", mission.db, cred, "--actor", "two\nlines"], "actor must"),
        (["status", "revoke", "--db", mission.db, cred, "--reason", ""], "reason must"),
    ]
    for argv, message in cases:
        code, out, err = run(capsys, *argv)
        assert (code, out) == (2, ""), (argv, err)
        assert message in err, (argv, err)
    assert mission.status(mission.credential, "revocation") == 0


def test_unrevoke_is_impossible(capsys: Capsys, mission: Mission) -> None:
    # Revocation is one-way; "unsuspend" only clears the suspension bit.
    cred = mission.out / "credential.json"
    assert run(capsys, "status", "revoke", "--db", mission.db, cred)[0] == 0
    assert run(capsys, "status", "unsuspend", "--db", mission.db, cred)[0] == 0
    assert mission.status(mission.credential, "revocation") == 1
    assert "unrevoke" not in run(capsys, "status", "--help")[1]
    with SqliteStatusListStore(mission.db) as store:  # beneath the CLI, the store refuses it
        list_id, index = mission.position(mission.credential)
        with pytest.raises(StatusListError) as info:
            store.set_status(list_id, index, "revocation", 0, actor="x", reason="y")
        assert info.value.code is ErrorCode.CREDENTIAL_REVOKED


# --------------------------------------------------------------------------------------------
# publish
# --------------------------------------------------------------------------------------------
def test_publish_writes_signed_lists_that_verify(capsys: Capsys, mission: Mission) -> None:
    cred = mission.out / "credential.json"
    assert run(capsys, "status", "revoke", "--db", mission.db, cred, "--only-this")[0] == 0
    status_dir = mission.tmp / "status"
    code, out, err = run(
        capsys, "status", "publish", "--db", mission.db, "--key", mission.key, "--out", status_dir,
        "--valid-hours", "6",
    )  # fmt: skip
    assert code == 0, err
    files = sorted(p.name for p in status_dir.iterdir())
    assert files == ["1-revocation.json", "1-suspension.json"]
    assert out.splitlines()[0] == f"{status_dir / '1-revocation.json'}  ->  {BASE}/1/revocation"
    listed = json.loads((status_dir / "1-revocation.json").read_text(encoding="utf-8"))
    assert listed["id"] == mission.credential["credentialStatus"][0]["statusListCredential"]
    assert listed["issuer"] == MISSION.did
    # The list credential verifies with the mission's DID document…
    code, out, err = run(
        capsys, "verify", status_dir / "1-revocation.json", "--did-docs", mission.did_dir
    )
    assert code == 0, out + err
    # …and decodes to exactly the revoked index.
    _, index = mission.position(mission.credential)
    code, out, _ = run(capsys, "status", "decode", status_dir / "1-revocation.json", "--json")
    assert (code, json.loads(out)["set"], json.loads(out)["statusPurpose"]) == (
        0, [index], "revocation",
    )  # fmt: skip
    assert run(capsys, "status", "decode", status_dir / "1-suspension.json") == (0, "", "")
    # Republishing replaces the files (they are public; the store is the source of truth).
    code, out, _ = run(
        capsys, "status", "publish", "--db", mission.db, "--key", mission.key, "--out", status_dir,
        "--base", "https://cdn.example/la", "--json",
    )  # fmt: skip
    assert code == 0
    assert [w["url"] for w in json.loads(out)] == [
        "https://cdn.example/la/1/revocation", "https://cdn.example/la/1/suspension",
    ]  # fmt: skip


def test_publish_binds_a_did_key_key_file_and_refusals(
    capsys: Capsys, mission: Mission, tmp_path: Path
) -> None:
    plain = tmp_path / "plain.json"
    Ed25519Signer.from_seed(b"\x01" * 32).write_key_file(plain)  # did:key id, same key
    status_dir = tmp_path / "s"
    code, out, err = run(
        capsys, "status", "publish", "--db", mission.db, "--key", plain, "--out", status_dir,
        "--did-doc", mission.doc, "--json",
    )  # fmt: skip
    assert code == 0, err
    doc = json.loads((status_dir / "1-suspension.json").read_text(encoding="utf-8"))
    assert doc["proof"]["verificationMethod"] == MISSION.did + "#key-1"
    empty = tmp_path / "empty.db"
    SqliteStatusListStore(empty).close()
    code, out, _ = run(
        capsys, "status", "publish", "--db", empty, "--key", mission.key, "--out", status_dir
    )
    assert code == 0 and "nothing to publish" in out
    a_file = write(tmp_path / "file.json", {})
    cases: list[tuple[list[str | Path], str]] = [
        (["status", "publish", "--db", mission.db, "--key", plain, "--out", status_dir],
         "--base is required"),
        (["status", "publish", "--db", tmp_path / "no.db", "--key", mission.key, "--out",
          status_dir], "no such status store"),
        (["status", "publish", "--db", mission.db, "--key", tmp_path / "no.json", "--out",
          status_dir], "no such file"),
        (["status", "publish", "--db", mission.db, "--key", mission.key, "--out", status_dir,
          "--valid-hours", "0"], "--valid-hours"),
        (["status", "publish", "--db", mission.db, "--key", mission.key, "--out", a_file],
         "not a directory"),
        (["status", "publish", "--db", mission.db, "--key", mission.key, "--out", status_dir,
          "--base", "http://insecure.example"], "https"),
    ]  # fmt: skip
    for argv, message in cases:
        code, out, err = run(capsys, *argv)
        assert (code, out) == (2, ""), (argv, err)
        assert message in err, (argv, err)
