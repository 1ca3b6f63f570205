"""``kr-ovid present`` and ``kr-ovid verify-presentation`` end to end through ``kr_ovid.cli.main``:
issue (mission key, status store) → publish status → present → verify with trust list, DID
documents and status lists; revocation and suspension make verification fail with exit 1."""

from __future__ import annotations

import base64
import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from kr_ovid.cli import main
from kr_ovid.cli.verify import input_kind
from kr_ovid.did.web import build_did_document
from kr_ovid.keys import Ed25519Signer
from kr_ovid.ovid import load_missions
from kr_ovid.trust import create_trust_list

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
GOV24_LOGIN = ["familyName", "givenName", "birthDate", "isOverseasNational"]
Capsys = pytest.CaptureFixture[str]


def run(capsys: Capsys, *argv: str | Path) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def write(path: Path, value: Any) -> Path:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    path.write_text(text, encoding="utf-8")
    return path


class World:
    """Root authority (did:key), the LA mission (did:web), a signed trust list, one ID issued
    as DI + two SD-JWT copies into a status store, and the published status lists."""

    def __init__(self, tmp: Path, capsys: Capsys) -> None:
        self.tmp, self.capsys = tmp, capsys
        root = Ed25519Signer.from_seed(b"\x02" * 32)
        self.root_did = root.controller
        signer = Ed25519Signer.from_seed(b"\x01" * 32, verification_method=MISSION.did + "#key-1")
        self.key = tmp / "mission-key.json"
        signer.write_key_file(self.key, controller=MISSION.did)
        self.did_dir = tmp / "did"
        self.did_dir.mkdir()
        self.doc = write(self.did_dir / "la.json", build_did_document(MISSION.did, [signer]))
        now = datetime.now(UTC)
        trust = create_trust_list(
            load_missions().trust_rows(),
            root_signer=root,
            version=1,
            issued=now - timedelta(days=1),
            next_update=now + timedelta(days=6),
        )
        self.trust_list = write(tmp / "trust-list.json", trust)
        self.db, self.out, self.status_dir = tmp / "status.db", tmp / "out", tmp / "status"
        code, _, err = run(
            capsys, "issue", "--mission", "us-losangeles", "--key", self.key,
            "--claims", write(tmp / "claims.json", CLAIMS), "--format", "di", "--format", "sd-jwt",
            "--batch", "2", "--out", self.out, "--db", self.db, "--did-doc", self.doc,
        )  # fmt: skip
        assert code == 0, err
        self.sd_jwt = self.out / "credential-1.sd-jwt"
        self.holder_key = self.out / "holder-keys" / "holder-1.json"
        self.di = self.out / "credential.json"
        self.publish()

    def publish(self) -> None:
        code, _, err = run(
            self.capsys, "status", "publish", "--db", self.db, "--key", self.key,
            "--out", self.status_dir,
        )  # fmt: skip
        assert code == 0, err

    def present(self, *disclose: str, nonce: str = "n-1", aud: str = "gov24", **kw: Path) -> Path:
        code, out, err = run(
            self.capsys, "present", "--credential", kw.get("credential", self.sd_jwt),
            "--holder-key", kw.get("holder_key", self.holder_key), "--nonce", nonce,
            "--aud", aud, *(["--disclose", *disclose] if disclose else []),
        )  # fmt: skip
        assert code == 0, err
        return write(self.tmp / "presentation.txt", out)

    def verify(
        self, presentation: Path | str, *extra: str, **opts: str | Path
    ) -> tuple[int, str, str]:
        args: dict[str, str | Path] = {
            "--nonce": "n-1",
            "--aud": "gov24",
            "--root-did": self.root_did,
            "--trust-list": self.trust_list,
            "--did-docs": self.did_dir,
            "--status-dir": self.status_dir,
        }
        args.update({f"--{k.replace('_', '-')}": v for k, v in opts.items()})
        flat = [x for k, v in args.items() if v != "" for x in (k, v)]
        return run(self.capsys, "verify-presentation", presentation, *flat, *extra)


@pytest.fixture
def world(tmp_path: Path, capsys: Capsys) -> World:
    return World(tmp_path, capsys)


# --------------------------------------------------------------------------------------------
# present --list
# --------------------------------------------------------------------------------------------
def test_list_disclosable_claims(capsys: Capsys, world: World) -> None:
    code, out, err = run(capsys, "present", "--list", "--credential", world.sd_jwt)
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert "/credentialSubject/familyName\t성\t홍" in lines
    assert "/credentialSubject/ageOver19\t만 19세 이상\ttrue" in lines
    assert any(line.startswith("/evidence\t[") and "chars)" in line for line in lines)
    code, out, _ = run(capsys, "present", "--list", "--credential", world.sd_jwt, "--json")
    listed = {c["path"]: c for c in json.loads(out)}
    assert code == 0
    assert listed["/credentialSubject/passportNumber"] == {
        "path": "/credentialSubject/passportNumber", "label": "여권번호", "value": "M123A4567",
    }  # fmt: skip
    assert "/credentialSubject/nationality" not in listed  # always visible, not a choice
    code, out, err = run(capsys, "present", "--list", "--credential", world.di)
    assert (code, out) == (2, "") and "presented whole" in err


# --------------------------------------------------------------------------------------------
# SD-JWT presentation → verification
# --------------------------------------------------------------------------------------------
def test_gov24_login_sees_only_what_was_disclosed(capsys: Capsys, world: World) -> None:
    presentation = world.present(*GOV24_LOGIN)
    token = presentation.read_text().strip()
    assert token.count("~") == 5 and "M123A4567" not in token
    code, out, err = world.verify(presentation, policy="gov24-login")
    assert (code, err) == (0, ""), out
    lines = out.splitlines()
    assert lines[:2] == ["verified", "policy: gov24:login"]
    for row in ("성: 홍", "이름: 길동", "생년월일: 1990-02-28", "재외국민 여부: 예", "국적: KR"):
        assert f"  {row}" in lines
    assert "M123A4567" not in out and "HONG" not in out and "영문" not in out
    code, out, _ = world.verify(presentation, "--json", policy="gov24-login")
    result = json.loads(out)
    assert code == 0 and result["verified"] is True
    assert set(result["claims"]) == {
        *GOV24_LOGIN, "nationality", "issuingMission", "predicatesComputedAt",
    }  # fmt: skip


def test_presentation_on_the_command_line_and_pointer_paths(capsys: Capsys, world: World) -> None:
    token = world.present("/credentialSubject/ageOver19", aud="shop").read_text().strip()
    code, out, err = world.verify(token, aud="shop", policy="age-check")
    assert code == 0, out + err
    assert "  만 19세 이상: 예" in out.splitlines()


def test_policy_refusals_exit_1_with_codes(capsys: Capsys, world: World) -> None:
    too_much = world.present("ageOver19", "familyName")
    code, out, _ = world.verify(too_much, policy="age-check")
    assert code == 1 and out.startswith("NOT verified")
    assert "CLAIM_NOT_ALLOWED at /credentialSubject/familyName" in out
    too_little = world.present("familyName")
    code, out, _ = world.verify(too_little, "--json", policy="gov24-certificates")
    result = json.loads(out)
    assert code == 1 and result["verified"] is False and "claims" not in result
    assert {e["code"] for e in result["errors"]} == {"MISSING_CLAIM"}


def test_binding_nonce_audience_and_tampering(capsys: Capsys, world: World) -> None:
    presentation = world.present(*GOV24_LOGIN)
    code, out, _ = world.verify(presentation, nonce="n-2")
    assert code == 1 and "INVALID_CHALLENGE_ERROR" in out
    code, out, _ = world.verify(presentation, aud="other-service")
    assert code == 1 and "INVALID_DOMAIN_ERROR" in out
    token = presentation.read_text().strip()
    jws, rest = token.split("~", 1)
    header, payload, signature = jws.split(".")
    flipped = signature[:10] + ("A" if signature[10] != "A" else "B") + signature[11:]
    code, out, _ = world.verify(write(world.tmp / "t.txt", f"{header}.{payload}.{flipped}~{rest}"))
    assert code == 1 and "NOT verified" in out
    # The KB-JWT must be signed by this copy's cnf key: presenting with another key is refused.
    code, out, err = run(
        capsys, "present", "--credential", world.sd_jwt, "--holder-key",
        world.out / "holder-keys" / "holder-2.json", "--nonce", "n", "--aud", "a",
    )  # fmt: skip
    assert (code, out) == (2, "") and "cnf" in err


def test_revoked_suspended_and_restored(capsys: Capsys, world: World) -> None:
    presentation = world.present(*GOV24_LOGIN)
    assert world.verify(presentation)[0] == 0
    # Suspend → publish → exit 1 with the code; unsuspend → publish → verifies again.
    assert run(capsys, "status", "suspend", "--db", world.db, world.sd_jwt)[0] == 0
    world.publish()
    code, out, _ = world.verify(presentation)
    assert code == 1 and "CREDENTIAL_SUSPENDED" in out
    assert run(capsys, "status", "unsuspend", "--db", world.db, world.sd_jwt)[0] == 0
    world.publish()
    assert world.verify(presentation)[0] == 0
    # Revoke this copy only → publish → exit 1 with CREDENTIAL_REVOKED (JSON and text).
    assert run(capsys, "status", "revoke", "--db", world.db, world.sd_jwt, "--only-this")[0] == 0
    world.publish()
    code, out, _ = world.verify(presentation)
    assert code == 1 and "CREDENTIAL_REVOKED at /credentialStatus/0" in out
    code, out, _ = world.verify(presentation, "--json")
    assert code == 1 and [e["code"] for e in json.loads(out)["errors"]] == ["CREDENTIAL_REVOKED"]
    # The second copy of the batch is not affected…
    other = world.present(
        *GOV24_LOGIN,
        credential=world.out / "credential-2.sd-jwt",
        holder_key=world.out / "holder-keys" / "holder-2.json",
    )
    assert world.verify(other)[0] == 0
    # …until the whole issuance is revoked, by the id alone.
    first_id = json.loads(world.di.read_text())["id"]
    assert run(capsys, "status", "revoke", "--db", world.db, first_id)[0] == 0
    world.publish()
    code, out, _ = world.verify(other)
    assert code == 1 and "CREDENTIAL_REVOKED" in out


def test_status_fails_closed_without_lists(capsys: Capsys, world: World) -> None:
    presentation = world.present(*GOV24_LOGIN)
    code, out, _ = world.verify(presentation, status_dir="")
    assert code == 1 and "STATUS_RETRIEVAL_ERROR" in out and "retryable" in out
    empty = world.tmp / "empty"
    empty.mkdir()
    code, out, _ = world.verify(presentation, "--json", status_dir=empty)
    assert code == 1 and json.loads(out)["retryable"] is True


def test_unknown_mission_key_or_untrusted_issuer(capsys: Capsys, world: World) -> None:
    presentation = world.present(*GOV24_LOGIN)
    code, out, _ = world.verify(presentation, did_docs="")
    assert code == 1 and "DID_NOT_FOUND" in out
    # A trust list from which the LA mission is missing: the issuer is not accredited.
    root = Ed25519Signer.from_seed(b"\x02" * 32)
    now = datetime.now(UTC)
    rows = [r for r in load_missions().trust_rows() if r["missionCode"] != "us-losangeles"]
    smaller = create_trust_list(
        rows, root_signer=root, version=2, issued=now - timedelta(hours=1),
        next_update=now + timedelta(days=1),
    )  # fmt: skip
    code, out, _ = world.verify(presentation, trust_list=write(world.tmp / "tl2.json", smaller))
    assert code == 1 and "ISSUER_NOT_ACCREDITED" in out


# --------------------------------------------------------------------------------------------
# Data Integrity presentation
# --------------------------------------------------------------------------------------------
def test_di_presentation(capsys: Capsys, world: World) -> None:
    code, out, err = run(
        capsys, "present", "--credential", world.di, "--holder-key", world.holder_key,
        "--challenge", "c-1", "--domain", "ok365",
    )  # fmt: skip
    assert code == 0, err
    vp = json.loads(out)
    assert vp["type"] == ["VerifiablePresentation"]
    assert vp["proof"]["challenge"] == "c-1" and vp["proof"]["domain"] == "ok365"
    path = write(world.tmp / "vp.json", vp)
    code, out, err = world.verify(
        path, "--json", nonce="", aud="", challenge="c-1", domain="ok365", policy="ok365-login"
    )
    result = json.loads(out)
    assert code == 0, out + err
    assert result["policy"] == "overseas-koreans-365:login"
    assert result["claims"]["passportNumber"] == "M123A4567"  # DI discloses everything
    code, out, _ = world.verify(path, nonce="", aud="", challenge="c-2", domain="ok365")
    assert code == 1 and "INVALID_CHALLENGE_ERROR" in out
    # age-check accepts SD-JWT only.
    code, out, _ = world.verify(
        path, nonce="", aud="", challenge="c-1", domain="ok365", policy="age-check"
    )
    assert code == 1 and "POLICY_ERROR" in out


def test_di_present_refusals(capsys: Capsys, world: World) -> None:
    other = world.tmp / "other-holder.json"
    Ed25519Signer.from_seed(b"\x33" * 32).write_key_file(other)
    base = ["present", "--credential", world.di, "--nonce", "n", "--aud", "a"]
    cases: list[tuple[list[str | Path], str]] = [
        ([*base, "--holder-key", other], "not the holder key's DID"),
        ([*base, "--holder-key", world.holder_key, "--disclose", "familyName"], "presented whole"),
        (["present", "--credential", world.di, "--holder-key", world.holder_key, "--nonce", "n"],
         "needs --aud"),
        (["present", "--credential", world.sd_jwt], "needs --holder-key, --nonce, --aud"),
        (["present", "--credential", world.sd_jwt, "--holder-key", world.holder_key, "--nonce",
          "n", "--aud", "a", "--disclose", "favouriteColour"], "no such disclosable claim"),
        (["present", "--list", "--credential", world.sd_jwt, "--disclose", "x"], "--list and"),
        (["present", "--credential", world.tmp / "missing"], "cannot read"),
        (["present", "--credential", write(world.tmp / "junk.txt", "hello"), "--list"],
         "neither a Data Integrity credential (a JSON object) nor a compact SD-JWT"),
        (["present", "--credential", world.sd_jwt, "--holder-key", world.trust_list, "--nonce",
          "n", "--aud", "a"], "secretKeyMultibase"),
    ]  # fmt: skip
    for argv, message in cases:
        code, out, err = run(capsys, *argv)
        assert (code, out) == (2, ""), (argv, err)
        assert message in err, (argv, err)


# --------------------------------------------------------------------------------------------
# verify-presentation: usage and input errors (exit 2)
# --------------------------------------------------------------------------------------------
def test_verify_presentation_usage_errors(capsys: Capsys, world: World) -> None:
    presentation = world.present(*GOV24_LOGIN)
    other_root = Ed25519Signer.from_seed(b"\x44" * 32).controller
    cases: list[tuple[dict[str, str | Path], str]] = [
        ({"trust_list": ""}, "needs both --trust-list FILE and --root-did DID"),
        ({"root_did": ""}, "needs both --trust-list FILE and --root-did DID"),
        ({"nonce": ""}, "--nonce N and --aud A"),
        ({"root_did": other_root}, "does not verify against"),
        ({"trust_list": world.tmp / "missing.json"}, "no such file"),
        ({"trust_list": world.key}, "does not verify"),
        ({"status_dir": world.tmp / "missing"}, "not a directory"),
        ({"did_docs": world.tmp / "missing"}, "not a directory"),
    ]
    for opts, message in cases:
        code, out, err = world.verify(presentation, **opts)
        assert (code, out) == (2, ""), (opts, err)
        assert message in err, (opts, err)
    for bad in (world.tmp / "missing.txt", write(world.tmp / "junk.txt", "not a presentation")):
        code, out, err = world.verify(bad)
        assert (code, out) == (2, "") and ("cannot read" in err or "neither" in err), err
    code, _, err = world.verify(presentation, policy="everything")
    assert code == 2 and "invalid choice" in err


# --------------------------------------------------------------------------------------------
# ``kr-ovid verify`` (core.py): the input kind is named by --format or found by parsing it;
# an SD-JWT, or any full-verification option, routes to full verification
# --------------------------------------------------------------------------------------------
def _full(world: World, *extra: str) -> list[str]:
    return [
        "--nonce", "n-1", "--aud", "gov24", "--root-did", world.root_did, "--trust-list",
        str(world.trust_list), "--did-docs", str(world.did_dir), "--status-dir",
        str(world.status_dir), *extra,
    ]  # fmt: skip


def test_core_verify_routing(capsys: Capsys, world: World) -> None:
    presentation = world.present(*GOV24_LOGIN)
    token = presentation.read_text().strip()
    di = json.loads(world.di.read_text())
    # The decision is made on the parsed input: what it is, not what the file is called.
    assert input_kind(token) == "presentation"  # a KB-JWT after the last '~'
    assert input_kind(token[: token.rindex("~") + 1]) == "credential"  # an issued SD-JWT
    assert input_kind(di) == "credential"
    assert input_kind({**di, "type": ["VerifiablePresentation"]}) == "presentation"
    assert input_kind({"id": "did:example:1", "proof": {}}) == "document"
    # ... and the real command line routes the same way.
    code, out, err = run(capsys, "verify", presentation, *_full(world, "--policy", "gov24-login"))
    assert (code, err) == (0, "")
    assert out.startswith("verified\npolicy: gov24:login\n")
    # An SD-JWT needs the trust list of its issuers, a presentation its nonce and audience.
    code, out, err = run(capsys, "verify", presentation)
    assert (code, out) == (2, "") and "give --trust-list FILE and --root-did DID" in err
    code, out, err = run(
        capsys, "verify", presentation, "--trust-list", world.trust_list, "--root-did",
        world.root_did,
    )  # fmt: skip
    assert (code, out) == (2, "") and "--nonce N and --aud A" in err
    # A DI presentation with core's own --challenge/--domain plus a trust list.
    code, out, err = run(
        capsys, "present", "--credential", world.di, "--holder-key", world.holder_key,
        "--nonce", "c-9", "--aud", "gov24",
    )  # fmt: skip
    assert code == 0, err
    vp = write(world.tmp / "vp.json", out)
    code, out, err = run(
        capsys, "verify", vp, "--challenge", "c-9", "--domain", "gov24", "--root-did",
        world.root_did, "--trust-list", world.trust_list, "--did-docs", world.did_dir,
        "--status-dir", world.status_dir,
    )  # fmt: skip
    assert (code, err) == (0, ""), out


def test_verify_auto_and_explicit_formats(capsys: Capsys, world: World) -> None:
    presentation = world.present(*GOV24_LOGIN)
    for fmt in ([], ["--format", "auto"], ["--format", "sd-jwt"]):
        code, out, err = run(capsys, "verify", presentation, *_full(world), *fmt)
        assert (code, err) == (0, ""), (fmt, out)
        code, out, err = run(capsys, "verify-presentation", presentation, *_full(world), *fmt)
        assert (code, err) == (0, ""), (fmt, out)
    for fmt in ([], ["--format", "auto"], ["--format", "di"]):
        code, out, err = run(
            capsys, "verify", world.di, "--did-docs", world.did_dir, "--status-dir",
            world.status_dir, *fmt,
        )  # fmt: skip
        assert (code, out, err) == (0, "verified\nchecked: credential\n", ""), fmt


def test_explicit_format_di_on_an_sd_jwt_is_a_usage_error(capsys: Capsys, world: World) -> None:
    presentation = world.present(*GOV24_LOGIN)
    token = presentation.read_text().strip()
    for argv in (
        ["verify", presentation, "--format", "di", *_full(world)],
        ["verify", presentation, "--format", "di"],
        ["verify-presentation", presentation, "--format", "di", *_full(world)],
        ["verify-presentation", token, "--format", "di", *_full(world)],  # the token inline
    ):
        code, out, err = run(capsys, *argv)
        assert (code, out) == (2, ""), argv
        assert "--format di expects a Data Integrity" in err and "(a JSON object)" in err, err
        assert "document is not valid JSON" in err
        assert "it parses as an SD-JWT: use --format sd-jwt" in err
    code, out, err = run(
        capsys, "present", "--list", "--format", "di", "--credential", world.sd_jwt
    )
    assert (code, out) == (2, "") and "--format di expects a Data Integrity credential" in err
    code, out, err = run(
        capsys, "status", "revoke", "--db", world.db, "--format", "di", world.sd_jwt
    )
    assert (code, out) == (2, "") and "--format di expects a Data Integrity credential" in err


def test_explicit_format_sd_jwt_on_json_is_a_usage_error(capsys: Capsys, world: World) -> None:
    for argv in (
        ["verify", world.di, "--format", "sd-jwt"],
        ["verify", world.di, "--format", "sd-jwt", *_full(world)],
        ["verify-presentation", world.di, "--format", "sd-jwt", *_full(world)],
        ["present", "--list", "--format", "sd-jwt", "--credential", world.di],
        ["status", "revoke", "--db", world.db, "--format", "sd-jwt", world.di],
    ):
        code, out, err = run(capsys, *argv)
        assert (code, out) == (2, ""), argv
        assert "--format sd-jwt expects a compact SD-JWT" in err, err
        assert "it parses as a JSON object: use --format di" in err, err


def test_neither_kind_names_both_expectations(capsys: Capsys, world: World) -> None:
    cases = {
        "array.json": (b"[]", "as JSON, it is a JSON array, not an object"),
        "truncated.json": (b'{"a": ', "as JSON, document is not valid JSON"),
        "latin1.txt": (b"caf\xe9~", "not UTF-8 text"),
        "jws-only.txt": (b"aaa.bbb.ccc", "as an SD-JWT, not a compact SD-JWT"),
        "bad-jws.txt": (b"aaa.bbb~", "as an SD-JWT, JWS compact serialization has 3 parts"),
    }
    for name, (data, reason) in cases.items():
        path = world.tmp / name
        path.write_bytes(data)
        for argv in (["verify", path], ["verify-presentation", path, *_full(world)]):
            code, out, err = run(capsys, *argv)
            assert (code, out) == (2, ""), (name, argv)
            assert reason in err, (name, err)
            if name != "latin1.txt":
                assert "neither a Data Integrity" in err and "nor a compact SD-JWT" in err, err
            else:
                assert "a Data Integrity" in err and "or an SD-JWT" in err, err


def test_whitespace_and_bom_are_handled_by_parsing(capsys: Capsys, world: World) -> None:
    """A byte order mark and surrounding whitespace do not change the kind of an input (the
    former sniffing of leading bytes sent a JSON file with a BOM to full verification)."""
    presentation = world.present(*GOV24_LOGIN)
    token = presentation.read_text().strip()
    di = world.di.read_text()
    padded_di = world.tmp / "padded-di.json"
    padded_di.write_bytes(b"\xef\xbb\xbf" + b" \r\n\t" * 40 + di.encode() + b"\n\n")
    padded_sd = world.tmp / "padded.sd-jwt"
    padded_sd.write_bytes(b"\xef\xbb\xbf\n  " + token.encode() + b"  \r\n")
    for fmt in ([], ["--format", "di"]):
        code, out, err = run(
            capsys, "verify", padded_di, "--did-docs", world.did_dir, "--proof-only", *fmt
        )
        assert (code, out, err) == (0, "verified\nchecked: proof\n", ""), fmt
    for fmt in ([], ["--format", "sd-jwt"]):
        code, out, err = run(capsys, "verify", padded_sd, *_full(world), *fmt)
        assert (code, err) == (0, ""), (fmt, out)
    code, out, err = run(capsys, "present", "--list", "--credential", padded_di)
    assert (code, out) == (2, "") and "presented whole" in err  # parsed as DI, not as junk
    # Whitespace inside a token is not "around" it: the token no longer parses.
    broken = write(world.tmp / "broken.sd-jwt", token.replace("~", " ~", 1))
    code, out, err = run(capsys, "verify", broken, *_full(world))
    assert (code, out) == (2, "") and "nor a compact SD-JWT" in err


def test_verify_reads_either_kind_from_stdin(
    capsys: Capsys, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    presentation = world.present(*GOV24_LOGIN)

    def stdin(data: bytes) -> None:
        monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(data)))

    stdin(presentation.read_bytes())
    code, out, err = run(capsys, "verify", "-", *_full(world))
    assert (code, err) == (0, ""), out
    stdin(world.di.read_bytes())
    code, out, err = run(
        capsys, "verify", "-", "--did-docs", world.did_dir, "--status-dir", world.status_dir
    )
    assert (code, out, err) == (0, "verified\nchecked: credential\n", "")
    stdin(world.di.read_bytes())
    code, out, err = run(capsys, "verify", "-", "--format", "sd-jwt")
    assert (code, out) == (2, "") and err.startswith("kr-ovid: -: --format sd-jwt expects")


def test_a_refused_jws_header_is_still_an_sd_jwt(capsys: Capsys, world: World) -> None:
    """An SD-JWT whose header the library refuses (alg none) is verified and fails with its
    code (exit 1): it is an invalid SD-JWT, not a usage error."""
    token = world.present(*GOV24_LOGIN).read_text().strip()
    header = base64.urlsafe_b64encode(b'{"alg":"none","typ":"vc+sd-jwt"}').rstrip(b"=").decode()
    forged = write(world.tmp / "forged.sd-jwt", header + token[token.index(".") :])
    for fmt in ([], ["--format", "sd-jwt"]):
        code, out, err = run(capsys, "verify", forged, *_full(world), "--json", *fmt)
        assert (code, err) == (1, ""), fmt
        assert "CRYPTOGRAPHIC_SECURITY_ERROR" in {e["code"] for e in json.loads(out)["errors"]}


def test_format_option_in_help(capsys: Capsys) -> None:
    for command in (["verify"], ["verify-presentation"], ["present"], ["status", "revoke"]):
        assert main([*command, "--help"]) == 0
        out = " ".join(capsys.readouterr().out.split())
        assert "--format {auto,di,sd-jwt}" in out, command
        assert "'auto' (default)" in out, command
