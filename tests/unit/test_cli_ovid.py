"""``kr-ovid missions`` and ``kr-ovid issue`` through ``kr_ovid.cli.main`` (exit codes 0/1/2)."""

from __future__ import annotations

import json
import stat
import unicodedata
from pathlib import Path
from typing import Any

import pytest

from kr_ovid.cli import main
from kr_ovid.did.web import build_did_document
from kr_ovid.keys import Ed25519Signer, public_key_from_jwk
from kr_ovid.ovid import load_missions
from kr_ovid.sdjwt import parse_issued

MISSION = load_missions().by_code("us-losangeles")
CLAIMS: dict[str, Any] = {
    "familyName": "홍",
    "givenName": "길동",
    "familyNameLatin": "HONG",
    "givenNameLatin": "GIL DONG",
    "birthDate": "1990-02-28",
    "nationality": "KR",
    "residenceCountry": "US",
    "residenceCity": "Los Angeles",
    "overseasRegistrationDate": "2015-03-01",
    "passportNumber": "M123A4567",
    "passportExpiry": "2033-05-20",
}
Capsys = pytest.CaptureFixture[str]


def run(capsys: Capsys, *argv: str | Path) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def write(path: Path, value: Any) -> Path:
    path.write_text(json.dumps(value, ensure_ascii=False), encoding="utf-8")
    return path


def mission_setup(tmp: Path, *, seed: int = 1) -> tuple[Path, Path, Path]:
    """(mission key file bound to the LA DID, its DID document, a claims file)."""
    signer = Ed25519Signer.from_seed(bytes([seed]) * 32, verification_method=MISSION.did + "#key-1")
    key = tmp / "mission-key.json"
    signer.write_key_file(key, controller=MISSION.did)
    doc = write(tmp / "la-did.json", build_did_document(MISSION.did, [signer]))
    return key, doc, write(tmp / "claims.json", CLAIMS)


def width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# --------------------------------------------------------------------------------------------
# missions
# --------------------------------------------------------------------------------------------
def test_missions_table(capsys: Capsys) -> None:
    code, out, err = run(capsys, "missions")
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0].split()[:3] == ["code", "공관명", "name"]
    la = next(line for line in lines if line.startswith("us-losangeles"))
    for text in (MISSION.name_ko, MISSION.name_en, "consulate-general", "US", MISSION.did, "pilot"):
        assert text in la
    assert len(lines) == len(load_missions()) + 1
    # Columns line up although Korean names are double width.
    assert len({width(line[: line.index("did:web:")]) for line in lines[1:]}) == 1


def test_missions_json_and_custom_file(capsys: Capsys, tmp_path: Path) -> None:
    code, out, _ = run(capsys, "missions", "--json")
    rows = json.loads(out)
    assert code == 0 and rows == load_missions().to_table()
    row = dict(rows[0], did="did:web:ids.example.org:la")
    custom = write(tmp_path / "m.json", {"version": 1, "missions": [row]})
    code, out, _ = run(capsys, "missions", "--json", "--missions", custom)
    assert code == 0 and [r["did"] for r in json.loads(out)] == ["did:web:ids.example.org:la"]
    code, out, err = run(capsys, "missions", "--missions", tmp_path / "nope.json")
    assert (code, out) == (2, "") and "no such file" in err
    bad = write(tmp_path / "bad.json", {"version": 1, "missions": [dict(row, country="XX")]})
    code, _, err = run(capsys, "missions", "--missions", bad)
    assert code == 2 and "country" in err


# --------------------------------------------------------------------------------------------
# issue: Data Integrity
# --------------------------------------------------------------------------------------------
def test_issue_di_to_stdout_verifies(capsys: Capsys, tmp_path: Path) -> None:
    key, doc, claims = mission_setup(tmp_path)
    holder = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"
    code, out, err = run(
        capsys, "issue", "--mission", "us-losangeles", "--key", key, "--claims", claims,
        "--holder", holder, "--did-doc", doc, "--no-status",
    )  # fmt: skip
    assert code == 0, err
    credential = json.loads(out)
    subject = credential["credentialSubject"]
    assert credential["issuer"]["id"] == MISSION.did
    assert subject["id"] == holder and subject["familyName"] == "홍"
    assert subject["issuingMission"]["missionCode"] == "us-losangeles"  # filled in
    assert len(subject["idNumber"]) == 19  # issuer-assigned
    assert "credentialStatus" not in credential
    # Korean summary on stderr.
    assert "발급 완료" in err and "성: 홍" in err and "만 19세 이상: 예" in err
    assert f"di: {credential['id']}" in err
    # The credential verifies against the mission's published DID document.
    did_dir = tmp_path / "did"
    did_dir.mkdir()
    doc.rename(did_dir / "la.json")
    cred_file = write(tmp_path / "c.json", credential)
    code, out, err = run(capsys, "verify", cred_file, "--did-docs", did_dir)
    assert (code, out.splitlines()[0]) == (0, "verified"), out + err
    assert "checked: credential" in out


def test_issue_json_summary_files_and_modes(capsys: Capsys, tmp_path: Path) -> None:
    key, doc, claims = mission_setup(tmp_path)
    out_dir = tmp_path / "out"
    code, out, err = run(
        capsys, "issue", "--mission", "us-losangeles", "--key", key, "--claims", claims,
        "--out", out_dir, "--db", tmp_path / "status.db", "--json", "--suite", "eddsa-jcs-2022",
        "--did-doc", doc,
    )  # fmt: skip
    assert (code, err) == (0, "")
    summary = json.loads(out)
    assert summary["mission"] == "us-losangeles" and summary["issuer"] == MISSION.did
    assert summary["files"] == [str(out_dir / "credential.json")]
    [entry] = summary["credentials"]
    assert entry["format"] == "di" and set(entry["status"]) == {"listId", "index"}
    assert {"label": "성", "value": "홍"} in summary["display"]
    credential = json.loads((out_dir / "credential.json").read_text(encoding="utf-8"))
    assert credential["id"] == entry["id"]
    assert credential["proof"]["cryptosuite"] == "eddsa-jcs-2022"
    urls = [s["statusListCredential"] for s in credential["credentialStatus"]]
    base = "https://ovid.example/missions/us-losangeles/status"
    assert urls == [f"{base}/{entry['status']['listId']}/{p}" for p in ("revocation", "suspension")]
    assert mode(out_dir / "credential.json") == 0o600  # personal data
    # A second issuance into the same directory refuses to overwrite.
    code, out, err = run(
        capsys, "issue", "--mission", "us-losangeles", "--key", key, "--claims", claims,
        "--out", out_dir, "--did-doc", doc, "--no-status",
    )  # fmt: skip
    assert (code, out) == (2, "") and "refusing to overwrite" in err


def test_issue_status_base_override(capsys: Capsys, tmp_path: Path) -> None:
    key, doc, claims = mission_setup(tmp_path)
    code, out, err = run(
        capsys, "issue", "--mission", "us-losangeles", "--key", key, "--claims", claims,
        "--db", tmp_path / "s.db", "--status-base", "https://status.example/la", "--did-doc", doc,
    )  # fmt: skip
    assert code == 0, err
    entry = json.loads(out)["credentialStatus"][0]
    assert entry["statusListCredential"].startswith("https://status.example/la/")


# --------------------------------------------------------------------------------------------
# issue: SD-JWT
# --------------------------------------------------------------------------------------------
def test_issue_sd_jwt_batch_writes_demo_holder_keys(capsys: Capsys, tmp_path: Path) -> None:
    key, doc, claims = mission_setup(tmp_path)
    out_dir = tmp_path / "out"
    code, out, err = run(
        capsys, "issue", "--mission", "us-losangeles", "--key", key, "--claims", claims,
        "--format", "sd-jwt", "--batch", "3", "--out", out_dir, "--db", tmp_path / "s.db",
        "--did-doc", doc,
    )  # fmt: skip
    assert code == 0, err
    tokens = [(out_dir / f"credential-{n}.sd-jwt").read_text().strip() for n in (1, 2, 3)]
    keys = [out_dir / "holder-keys" / f"holder-{n}.json" for n in (1, 2, 3)]
    assert out.split() == [str(out_dir / f"credential-{n}.sd-jwt") for n in (1, 2, 3)] + [
        str(k) for k in keys
    ]
    assert not (out_dir / "credential.json").exists()
    assert mode(out_dir / "holder-keys") == 0o700
    ids, indexes = set(), set()
    for token, key_file in zip(tokens, keys, strict=True):
        assert mode(key_file) == 0o600
        data = json.loads(key_file.read_text())
        assert "DEMO KEY" in data["note"]
        assert data["secretKeyMultibase"] not in out + err  # never printed
        held = parse_issued(token)
        cnf = public_key_from_jwk(held.document["cnf"]["jwk"])
        assert cnf == Ed25519Signer.from_key_file(key_file).public_key
        ids.add(held.document["id"])
        indexes.add(held.document["credentialStatus"][0]["statusListIndex"])
    assert len(ids) == len(indexes) == 3  # unlinkable copies: own id and status position
    assert err.count("sd-jwt: urn:uuid:") == 3


def test_issue_sd_jwt_with_holder_keys_to_stdout(capsys: Capsys, tmp_path: Path) -> None:
    key, doc, claims = mission_setup(tmp_path)
    h1 = Ed25519Signer.from_seed(b"\x21" * 32)
    h2 = Ed25519Signer.from_seed(b"\x22" * 32)
    k1 = tmp_path / "h1.json"
    h1.write_key_file(k1)
    k2 = write(tmp_path / "h2.jwk", h2.public.jwk)  # a wallet hands over its public key only
    code, out, err = run(
        capsys, "issue", "--mission", "us-losangeles", "--key", key, "--claims", claims,
        "--format", "sd-jwt", "--holder-key", k1, k2, "--did-doc", doc, "--no-status",
    )  # fmt: skip
    assert code == 0, err
    tokens = out.split()
    assert len(tokens) == 2
    cnfs = [public_key_from_jwk(parse_issued(t).document["cnf"]["jwk"]) for t in tokens]
    assert cnfs == [h1.public_key, h2.public_key]
    # Repeating the option is the same as giving several values.
    code, out, err = run(
        capsys, "issue", "--mission", "us-losangeles", "--key", key, "--claims", claims,
        "--format", "sd-jwt", "--holder-key", k1, "--holder-key", k2, "--did-doc", doc,
        "--no-status",
    )  # fmt: skip
    assert code == 0 and len(out.split()) == 2, err
    # The DI form binds the subject to the did:key of the holder key.
    code, out, err = run(
        capsys, "issue", "--mission", "us-losangeles", "--key", key, "--claims", claims,
        "--holder-key", k1, "--did-doc", doc, "--no-status",
    )  # fmt: skip
    assert code == 0, err
    assert json.loads(out)["credentialSubject"]["id"] == h1.public.did_key


def test_issue_binds_a_did_key_key_file_through_the_did_document(
    capsys: Capsys, tmp_path: Path
) -> None:
    _, doc, claims = mission_setup(tmp_path)
    plain = tmp_path / "plain.json"  # what keygen writes: a did:key id
    Ed25519Signer.from_seed(b"\x01" * 32).write_key_file(plain)
    code, out, err = run(
        capsys, "issue", "--mission", "us-losangeles", "--key", plain, "--claims", claims,
        "--did-doc", doc, "--no-status",
    )  # fmt: skip
    assert code == 0, err
    assert json.loads(out)["proof"]["verificationMethod"] == MISSION.did + "#key-1"
    code, out, err = run(
        capsys, "issue", "--mission", "us-losangeles", "--key", plain, "--claims", claims,
        "--no-status",
    )  # fmt: skip
    assert (code, out) == (2, "") and "--did-doc" in err
    other = tmp_path / "other.json"
    Ed25519Signer.from_seed(b"\x09" * 32).write_key_file(other)
    code, out, err = run(
        capsys, "issue", "--mission", "us-losangeles", "--key", other, "--claims", claims,
        "--did-doc", doc, "--no-status",
    )  # fmt: skip
    assert (code, out) == (2, "") and "not published" in err


# --------------------------------------------------------------------------------------------
# issue: refusals (exit 2, nothing on stdout)
# --------------------------------------------------------------------------------------------
def test_issue_refusals(capsys: Capsys, tmp_path: Path) -> None:
    key, doc, claims = mission_setup(tmp_path)
    base = ["issue", "--mission", "us-losangeles", "--key", key, "--claims", claims,
            "--did-doc", doc, "--no-status"]  # fmt: skip
    rest = ["--did-doc", doc, "--no-status"]
    garbage = tmp_path / "garbage.json"
    garbage.write_text("{not json")
    not_a_key = write(tmp_path / "nokey.json", {"id": "x"})
    other_doc = write(
        tmp_path / "other-did.json",
        build_did_document(
            MISSION.did,
            [Ed25519Signer.from_seed(b"\x07" * 32, verification_method=MISSION.did + "#key-7")],
        ),
    )
    cases: list[tuple[list[str | Path], str]] = [
        (
            ["issue", "--mission", "xx-nowhere", "--key", key, "--claims", claims, *rest],
            "unknown mission",
        ),
        (
            [
                "issue",
                "--mission",
                "us-losangeles",
                "--key",
                key,
                "--claims",
                tmp_path / "no.json",
                *rest,
            ],
            "--claims " + str(tmp_path / "no.json") + ": no such file",
        ),
        (
            [
                "issue",
                "--mission",
                "us-losangeles",
                "--key",
                tmp_path / "no.json",
                "--claims",
                claims,
                *rest,
            ],
            "--key " + str(tmp_path / "no.json") + ": no such file",
        ),
        (
            ["issue", "--mission", "us-losangeles", "--key", garbage, "--claims", claims, *rest],
            "not a JSON key file",
        ),
        (
            ["issue", "--mission", "us-losangeles", "--key", not_a_key, "--claims", claims, *rest],
            "secretKeyMultibase",
        ),
        (
            ["issue", "--mission", "us-losangeles", "--key", key, "--claims", garbage, *rest],
            "garbage",
        ),
        (["issue", "--mission", "us-losangeles", "--key", key, "--claims", claims], "--db FILE"),
        (
            [
                "issue",
                "--mission",
                "us-losangeles",
                "--key",
                key,
                "--claims",
                claims,
                "--no-status",
            ],
            "--did-doc FILE or --did-docs DIR",
        ),
        ([*base, "--db", tmp_path / "x.db"], "do not go together"),
        (["issue", "--key", key], "issue needs --mission, --claims"),
        ([*base, "--format", "sd-jwt"], "needs holder keys"),
        ([*base, "--format", "sd-jwt", "--batch", "2"], "give --out"),
        ([*base, "--format", "sd-jwt", "--batch", "0", "--out", tmp_path / "o"], "--batch must"),
        ([*base, "--format", "sd-jwt", "--batch", "2", "--holder-key", key], "N --holder-key"),
        ([*base, "--batch", "2"], "--batch is for"),
        ([*base, "--format", "di", "--format", "sd-jwt", "--batch", "1"], "needs --out"),
        ([*base, "--format", "di", "sd-jwt", "--batch", "1"], "needs --out"),
        ([*base, "--status-base", "https://s.example/x"], "needs --db"),
        ([*base, "--holder-key", garbage], "garbage"),
        ([*base, "--holder-key", tmp_path / "nope.jwk"], "--holder-key"),
        ([*base, "--holder", "not a did"], "/id"),
        ([*base, "--did-doc", other_doc], "the key is not listed under assertionMethod"),
        ([*base, "--format", "paper"], "invalid choice"),
    ]
    for argv, message in cases:
        code, out, err = run(capsys, *argv)
        assert (code, out) == (2, ""), (argv, err)
        assert message in err, (argv, err)


def test_issue_refuses_bad_claims_naming_the_pointer_not_the_value(
    capsys: Capsys, tmp_path: Path
) -> None:
    key, doc, _ = mission_setup(tmp_path)
    cases: list[tuple[dict[str, Any], str]] = [
        ({**CLAIMS, "familyNameLatin": "Hong-secret"}, "/familyNameLatin"),
        ({**CLAIMS, "birthDate": "2014-01-01"}, "/birthDate"),  # under 14
        ({**CLAIMS, "passportExpiry": "2001-01-01"}, "/passportExpiry"),
        ({**CLAIMS, "residentNumber": "900228-1234567"}, "/residentNumber"),
        ({k: v for k, v in CLAIMS.items() if k != "birthDate"}, "/birthDate"),
        (
            {
                **CLAIMS,
                "issuingMission": load_missions().by_code("cn").as_issuing_mission().to_json(),
            },
            "another issuing mission",
        ),
    ]
    for claims, message in cases:
        path = write(tmp_path / "bad-claims.json", claims)
        code, out, err = run(
            capsys, "issue", "--mission", "us-losangeles", "--key", key, "--claims", path,
            "--did-doc", doc, "--no-status",
        )  # fmt: skip
        assert (code, out) == (2, ""), err
        assert message in err, err
        assert "Hong-secret" not in err and "1234567" not in err
    code, out, err = run(
        capsys, "issue", "--mission", "us-losangeles", "--key", key, "--claims",
        write(tmp_path / "list.json", [CLAIMS]), "--did-doc", doc, "--no-status",
    )  # fmt: skip
    assert code == 2 and "JSON object" in err


def test_issue_reports_every_claim_problem_at_once(capsys: Capsys, tmp_path: Path) -> None:
    """One run names every problem, in user terms (JSON pointers and what the claim holds),
    and --json gives one problem detail each; no value is repeated."""
    key, doc, _ = mission_setup(tmp_path)
    bad = {k: v for k, v in CLAIMS.items() if k not in ("overseasRegistrationDate", "givenName")}
    bad |= {"familyNameLatin": "Hong-secret", "shoeSize": 44}
    path = write(tmp_path / "bad.json", bad)
    argv = ["issue", "--mission", "us-losangeles", "--key", key, "--claims", path,
            "--did-doc", doc, "--no-status"]  # fmt: skip
    code, out, err = run(capsys, *argv)
    assert (code, out) == (2, "")
    assert "4 problem(s); nothing was issued" in err
    for text in (
        "/givenName: required claim is missing: given name in Hangul",
        "/overseasRegistrationDate: required claim is missing",
        "/familyNameLatin: does not match the required pattern (expected: family name as in",
        "/shoeSize: not a claim of the ID",
    ):
        assert text in err, err
    assert "Hong-secret" not in err and "CONFIGURATION_ERROR" not in err
    code, out, err = run(capsys, *argv, "--json")
    assert (code, err) == (2, "")
    errors = json.loads(out)["errors"]
    assert [e["path"] for e in errors] == [
        "/givenName", "/familyNameLatin", "/overseasRegistrationDate", "/shoeSize",
    ]  # fmt: skip
    assert {e["code"] for e in errors} == {"MALFORMED_VALUE_ERROR"}
    assert all(e["type"].endswith("#MALFORMED_VALUE_ERROR") for e in errors)


def test_issue_template_is_a_claims_file_that_issues(capsys: Capsys, tmp_path: Path) -> None:
    key, doc, _ = mission_setup(tmp_path)
    code, out, err = run(capsys, "issue", "--template")
    assert (code, err) == (0, "")
    template = json.loads(out)
    assert template["// overseasRegistrationDate"].startswith("required: ")
    assert template["// portrait"].startswith("optional: ")
    path = write(tmp_path / "claims.json", template)
    code, out, err = run(
        capsys, "issue", "--mission", "us-losangeles", "--key", key, "--claims", path,
        "--did-doc", doc, "--db", tmp_path / "s.db",
    )  # fmt: skip
    assert code == 0, err
    subject = json.loads(out)["credentialSubject"]
    assert not any(k.startswith("//") for k in subject)
    assert subject["familyName"] == "홍"


def test_issue_refuses_a_retired_key(capsys: Capsys, tmp_path: Path) -> None:
    """After a rotation the old key is retired: issuing with it would make credentials that
    no verifier accepts, so it is refused before anything is signed."""
    key, doc, claims = mission_setup(tmp_path)
    new_key = tmp_path / "new.json"
    Ed25519Signer.from_seed(b"\x42" * 32).write_key_file(new_key)
    code, rotated, err = run(
        capsys, "did", "rotate", "--doc", doc, "--new-key", new_key, "--at",
        "2024-01-01T00:00:00Z",
    )  # fmt: skip
    assert code == 0, err
    rotated_doc = write(tmp_path / "rotated.json", json.loads(rotated))
    code, out, err = run(
        capsys, "issue", "--mission", "us-losangeles", "--key", key, "--claims", claims,
        "--did-doc", rotated_doc, "--no-status",
    )  # fmt: skip
    assert (code, out) == (2, "")
    assert f"--key {key}: the key is retired or revoked in the DID document" in err
    # The DID document can also be found in a directory of documents.
    did_dir = tmp_path / "did"
    did_dir.mkdir()
    rotated_doc.rename(did_dir / "la.json")
    code, out, err = run(
        capsys, "issue", "--mission", "us-losangeles", "--key", new_key, "--claims", claims,
        "--did-docs", did_dir, "--no-status",
    )  # fmt: skip
    assert code == 0, err
    assert json.loads(out)["proof"]["verificationMethod"].startswith(MISSION.did + "#")
