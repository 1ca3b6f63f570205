"""``kr-ovid did …`` and ``kr-ovid trustlist …`` through ``kr_ovid.cli.main`` (exit codes 0/1/2)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from kr_ovid.cli import main
from kr_ovid.did.web import validate_did_document
from kr_ovid.keys import Ed25519Signer

MISSION = "did:web:ovid.example:missions:us-losangeles"
ROOT_DID = "did:web:ovid.example:root"
ROWS = [
    {
        "missionCode": "us-losangeles",
        "nameKo": "주로스앤젤레스 총영사관",
        "nameEn": "Consulate General in Los Angeles",
        "country": "US",
        "city": "Los Angeles",
        "did": MISSION,
        "validFrom": "2024-07-03",
    }
]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> Any:
    code, out, err = run(capsys, *argv)
    assert code == 0, err
    return json.loads(out)


def key_file(tmp_path: Path, name: str, seed: int, vm: str | None = None) -> Path:
    signer = Ed25519Signer.from_seed(bytes([seed]) * 32)
    if vm is not None:
        signer = signer.with_verification_method(vm)
    path = tmp_path / name
    signer.write_key_file(path)
    return path


def write(path: Path, value: Any) -> Path:
    path.write_text(json.dumps(value, ensure_ascii=False), encoding="utf-8")
    return path


# --------------------------------------------------------------------------------------------
# did
# --------------------------------------------------------------------------------------------
def test_did_url(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "did", "url", "did:web:example.com%3A3000:user:alice") == (
        0,
        "https://example.com:3000/user/alice/did.json\n",
        "",
    )
    code, out, err = run(capsys, "did", "url", "did:web:127.0.0.1")
    assert (code, out) == (2, "")
    assert "IP addresses" in err


def test_did_web_builds_a_document(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    k1 = key_file(tmp_path, "k1.json", 1)  # keygen default: a did:key id, re-bound to #key-1
    k2 = key_file(tmp_path, "k2.json", 2, vm=MISSION + "#main")  # already this DID's: kept
    doc = run_json(
        capsys,
        "did",
        "web",
        "--domain",
        "ovid.example",
        "--path",
        "missions",
        "us-losangeles",
        "--key",
        str(k1),
        str(k2),
    )
    assert doc["id"] == MISSION
    ids = [m["id"] for m in doc["verificationMethod"]]
    assert ids == [MISSION + "#key-1", MISSION + "#main"]
    assert doc["assertionMethod"] == ids and doc["authentication"] == ids
    validate_did_document(doc)


def test_did_web_with_port(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    doc = run_json(
        capsys,
        "did",
        "web",
        "--domain",
        "localhost:8443",
        "--key",
        str(key_file(tmp_path, "k.json", 1)),
    )
    assert doc["id"] == "did:web:localhost%3A8443"


def test_did_web_refuses_bad_input(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    key = str(key_file(tmp_path, "k.json", 1))
    assert run(capsys, "did", "web", "--domain", "10.0.0.1", "--key", key)[0] == 2
    assert (
        run(capsys, "did", "web", "--domain", "ovid.example", "--path", "..", "--key", key)[0] == 2
    )
    assert (
        run(
            capsys,
            "did",
            "web",
            "--domain",
            "ovid.example",
            "--key",
            str(tmp_path / "missing.json"),
        )[0]
        == 2
    )
    assert run(capsys, "did", "web", "--domain", "ovid.example")[0] == 2  # --key is required


def mission_docs(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> Path:
    doc = run_json(
        capsys,
        "did",
        "web",
        "--domain",
        "ovid.example",
        "--path",
        "missions",
        "us-losangeles",
        "--key",
        str(key_file(tmp_path, "k1.json", 1)),
    )
    docs = tmp_path / "docs"
    docs.mkdir(exist_ok=True)
    write(docs / "us-losangeles.json", doc)
    return docs


def test_did_resolve(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    docs = mission_docs(capsys, tmp_path)
    assert run_json(capsys, "did", "resolve", MISSION, "--did-docs", str(docs))["id"] == MISSION
    did_key = Ed25519Signer.from_seed(b"\x05" * 32).public.did_key
    assert run_json(capsys, "did", "resolve", did_key)["id"] == did_key
    code, out, err = run(
        capsys, "did", "resolve", "did:web:ovid.example:missions:cn", "--did-docs", str(docs)
    )
    assert (code, out) == (1, "")
    assert "DID_NOT_FOUND" in err
    code, _, err = run(capsys, "did", "resolve", MISSION)  # nothing registered, no network
    assert code == 1 and "DID_NOT_FOUND" in err
    code, _, err = run(capsys, "did", "resolve", "did:example:1", "--did-docs", str(docs))
    assert code == 1 and "DID_NOT_FOUND" in err  # the fallback local registry does not know it
    assert run(capsys, "did", "resolve", MISSION, "--did-docs", str(tmp_path / "nope"))[0] == 2


def test_did_rotate_and_revoke(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    docs = mission_docs(capsys, tmp_path)
    new_key = key_file(tmp_path, "k2.json", 2)
    rotated = run_json(
        capsys,
        "did",
        "rotate",
        "--doc",
        str(docs / "us-losangeles.json"),
        "--new-key",
        str(new_key),
        "--at",
        "2025-01-01T00:00:00Z",
    )
    old, new = rotated["verificationMethod"]
    assert old["expires"] == "2025-01-01T00:00:00Z"
    assert new["id"] == MISSION + "#key-2" and "expires" not in new
    assert rotated["assertionMethod"] == [old["id"], new["id"]]
    assert rotated["authentication"] == [new["id"]]

    path = write(tmp_path / "rotated.json", rotated)
    revoked = run_json(
        capsys,
        "did",
        "revoke",
        "--doc",
        str(path),
        "--key-id",
        "#key-1",
        "--at",
        "2025-02-01T00:00:00Z",
    )
    assert revoked["verificationMethod"][0]["revoked"] == "2025-02-01T00:00:00Z"

    # re-using a published key, a bad time, a bad document: usage errors
    assert run(capsys, "did", "rotate", "--doc", str(path), "--new-key", str(new_key))[0] == 2
    assert (
        run(
            capsys,
            "did",
            "rotate",
            "--doc",
            str(path),
            "--new-key",
            str(key_file(tmp_path, "k3.json", 3)),
            "--at",
            "2025-01-01",
        )[0]
        == 2
    )
    assert (
        run(
            capsys,
            "did",
            "rotate",
            "--doc",
            str(write(tmp_path / "x.json", [1])),
            "--new-key",
            str(new_key),
        )[0]
        == 2
    )
    assert run(capsys, "did", "revoke", "--doc", str(path), "--key-id", "#key-9")[0] == 2


def test_did_rotate_defaults_to_now(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    docs = mission_docs(capsys, tmp_path)
    rotated = run_json(
        capsys,
        "did",
        "rotate",
        "--doc",
        str(docs / "us-losangeles.json"),
        "--new-key",
        str(key_file(tmp_path, "k2.json", 2)),
    )
    assert rotated["verificationMethod"][0]["expires"].endswith("Z")


# --------------------------------------------------------------------------------------------
# trustlist
# --------------------------------------------------------------------------------------------
def root_setup(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> tuple[Path, Path]:
    root_key = key_file(tmp_path, "root.json", 7, vm=ROOT_DID + "#root-1")
    docs = tmp_path / "pinned"
    docs.mkdir()
    root_doc = run_json(
        capsys, "did", "web", "--domain", "ovid.example", "--path", "root", "--key", str(root_key)
    )
    write(docs / "root.json", root_doc)
    return root_key, docs


def create(capsys: pytest.CaptureFixture[str], root_key: Path, missions: str, *extra: str) -> Any:
    return run_json(
        capsys,
        "trustlist",
        "create",
        "--root-key",
        str(root_key),
        "--missions",
        missions,
        "--issued",
        "2024-07-01T00:00:00Z",
        "--next-update",
        "2024-07-08T00:00:00Z",
        *extra,
    )


def test_trustlist_create_and_verify(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    root_key, docs = root_setup(capsys, tmp_path)
    signed = create(
        capsys, root_key, str(write(tmp_path / "missions.json", ROWS)), "--version", "3"
    )
    assert signed["issuer"] == ROOT_DID
    assert signed["credentialSubject"]["version"] == 3
    path = write(tmp_path / "trust-list.json", signed)

    code, out, _ = run(
        capsys,
        "trustlist",
        "verify",
        str(path),
        "--root-did",
        ROOT_DID,
        "--did-docs",
        str(docs),
        "--at",
        "2024-07-02T00:00:00Z",
    )
    assert code == 0
    assert out.startswith("verified") and "us-losangeles active" in out

    report = run_json(
        capsys,
        "trustlist",
        "verify",
        str(path),
        "--root-did",
        ROOT_DID,
        "--did-docs",
        str(docs),
        "--at",
        "2024-07-02T00:00:00Z",
        "--json",
    )
    assert report["verified"] is True and report["version"] == 3

    code, out, _ = run(
        capsys,
        "trustlist",
        "verify",
        str(path),
        "--root-did",
        ROOT_DID,
        "--did-docs",
        str(docs),
        "--at",
        "2024-07-02T00:00:00Z",
        "--previous-version",
        "4",
    )
    assert code == 1 and "TRUST_LIST_ROLLBACK" in out

    code, out, _ = run(
        capsys,
        "trustlist",
        "verify",
        str(path),
        "--root-did",
        ROOT_DID,
        "--did-docs",
        str(docs),
        "--at",
        "2024-08-01T00:00:00Z",
    )
    assert code == 1 and "TRUST_LIST_EXPIRED" in out and "retryable" in out

    code, out, _ = run(
        capsys,
        "trustlist",
        "verify",
        str(path),
        "--root-did",
        ROOT_DID,
        "--at",
        "2024-07-02T00:00:00Z",
    )  # root document not pinned: cannot resolve
    assert code == 1 and "DID_NOT_FOUND" in out


def test_trustlist_verify_refuses_tampering_and_other_roots(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    root_key, docs = root_setup(capsys, tmp_path)
    signed = create(capsys, root_key, str(write(tmp_path / "missions.json", {"missions": ROWS})))
    signed["credentialSubject"]["missions"][0]["city"] = "San Diego"
    path = write(tmp_path / "tampered.json", signed)
    report = json.loads(
        run(
            capsys,
            "trustlist",
            "verify",
            str(path),
            "--root-did",
            ROOT_DID,
            "--did-docs",
            str(docs),
            "--at",
            "2024-07-02T00:00:00Z",
            "--json",
        )[1]
    )
    assert report["verified"] is False
    assert [e["code"] for e in report["errors"]] == ["PROOF_VERIFICATION_ERROR"]

    did_key_root = key_file(tmp_path, "dk.json", 8)  # a did:key root needs no pinned document
    other = write(
        tmp_path / "other.json", create(capsys, did_key_root, str(tmp_path / "missions.json"))
    )
    code, out, _ = run(
        capsys,
        "trustlist",
        "verify",
        str(other),
        "--root-did",
        ROOT_DID,
        "--did-docs",
        str(docs),
        "--at",
        "2024-07-02T00:00:00Z",
    )
    assert code == 1 and "KEY_NOT_AUTHORIZED" in out
    did_key = Ed25519Signer.from_seed(bytes([8]) * 32).public.did_key
    assert (
        run(
            capsys,
            "trustlist",
            "verify",
            str(other),
            "--root-did",
            did_key,
            "--at",
            "2024-07-02T00:00:00Z",
        )[0]
        == 0
    )


def test_trustlist_create_from_builtin_registry(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    from kr_ovid.ovid import missions

    root_key, docs = root_setup(capsys, tmp_path)
    signed = create(capsys, root_key, "builtin")
    assert len(signed["credentialSubject"]["missions"]) == len(missions.load_missions())
    path = write(tmp_path / "tl.json", signed)
    assert (
        run(
            capsys,
            "trustlist",
            "verify",
            str(path),
            "--root-did",
            ROOT_DID,
            "--did-docs",
            str(docs),
            "--at",
            "2024-07-02T00:00:00Z",
        )[0]
        == 0
    )


def test_trustlist_create_from_a_missions_file(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """A file in the packaged missions format is validated, then mapped to trust-list names."""
    from kr_ovid.ovid import missions

    la = missions.load_missions().by_code("us-losangeles")
    source = write(tmp_path / "missions.json", {"version": 1, "missions": [la.to_json()]})
    root_key, _ = root_setup(capsys, tmp_path)
    signed = create(capsys, root_key, str(source))
    (entry,) = signed["credentialSubject"]["missions"]
    assert (entry["missionCode"], entry["did"]) == (la.code, la.did)
    assert entry["validFrom"].startswith(la.start_date.isoformat())

    bad = write(tmp_path / "bad.json", {"version": 1, "missions": [{"code": "us-losangeles"}]})
    code, _, err = run(
        capsys,
        "trustlist",
        "create",
        "--root-key",
        str(root_key),
        "--missions",
        str(bad),
        "--version",
        "1",
    )
    assert code == 2 and "missing keys" in err


def test_trustlist_create_with_did_host_and_types(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    root_key, _ = root_setup(capsys, tmp_path)
    rows = [{k: v for k, v in ROWS[0].items() if k != "did"}]
    signed = create(
        capsys,
        root_key,
        str(write(tmp_path / "m.json", rows)),
        "--did-host",
        "gov.example",
        "--credential-type",
        "A",
        "--credential-type",
        "B",
    )
    mission = signed["credentialSubject"]["missions"][0]
    assert mission["did"] == "did:web:gov.example:missions:us-losangeles"
    assert mission["credentialTypes"] == ["A", "B"]


def test_trustlist_create_usage_errors(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    root_key, _ = root_setup(capsys, tmp_path)
    base = ("trustlist", "create", "--root-key", str(root_key), "--missions")
    assert run(capsys, *base, str(write(tmp_path / "a.json", "text")))[0] == 2
    assert run(capsys, *base, str(write(tmp_path / "b.json", [{"code": "x"}])))[0] == 2
    code, _, err = run(
        capsys,
        *base,
        str(write(tmp_path / "c.json", [{k: v for k, v in ROWS[0].items() if k != "did"}])),
    )
    assert code == 2 and "did" in err
    assert run(capsys, *base, str(tmp_path / "missing.json"))[0] == 2
    assert run(capsys, *base, str(tmp_path / "a.json"), "--version", "x")[0] == 2
    assert (
        run(
            capsys,
            "trustlist",
            "verify",
            str(tmp_path / "a.json"),
            "--root-did",
            ROOT_DID,
            "--grace-hours",
            "-1",
        )[0]
        == 2
    )
