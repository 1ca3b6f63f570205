"""``kr-ovid keygen | sign | verify``: outputs, files and exit codes (0 ok, 1 invalid, 2 usage)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from kr_ovid.cli import main
from kr_ovid.cli._common import CliError, parse_input
from kr_ovid.did.web import build_did_document
from kr_ovid.keys import Ed25519Signer
from kr_ovid.sdjwt.jws import sign_compact_jws

CREDENTIAL = {
    "@context": ["https://www.w3.org/ns/credentials/v2"],
    "type": ["VerifiableCredential"],
    "issuer": "did:web:ovid.example:missions:us-losangeles",
    "credentialSubject": {"id": "did:example:subject"},
}
SEED = "00" * 32


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_keygen_writes_0600_and_prints_only_public(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    key = tmp_path / "k.json"
    code, out, _ = run(capsys, "keygen", "--seed", SEED, "--out", str(key), "--jwk")
    assert code == 0
    assert key.stat().st_mode & 0o777 == 0o600
    printed = json.loads(out)
    assert printed["didKey"] == "did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp"
    assert printed["publicJwk"]["x"] == "O2onvM62pC1io6jQKm8Nc2UyFXcd4kOmOsBIoYtZ2ik"
    assert "secretKeyMultibase" not in out
    assert json.loads(key.read_text())["secretKeyMultibase"].startswith("z3u2")
    # refuses to overwrite, bad seeds are usage errors
    assert run(capsys, "keygen", "--out", str(key))[0] == 2
    assert run(capsys, "keygen", "--seed", "zz", "--out", str(tmp_path / "x.json"))[0] == 2
    assert run(capsys, "keygen", "--seed", "00", "--out", str(tmp_path / "y.json"))[0] == 2


def test_sign_and_verify_with_local_did_documents(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    did = CREDENTIAL["issuer"]
    key = tmp_path / "k.json"
    assert (
        run(capsys, "keygen", "--controller", str(did), "--id", f"{did}#key-1", "--out", str(key))[
            0
        ]
        == 0
    )
    signer = Ed25519Signer.from_key_file(key)
    docs = tmp_path / "did"
    docs.mkdir()
    (docs / "la.json").write_text(json.dumps(build_did_document(str(did), [signer])))
    unsigned = tmp_path / "c.json"
    unsigned.write_text(json.dumps(CREDENTIAL))
    for suite in ("eddsa-rdfc-2022", "eddsa-jcs-2022"):
        code, out, _ = run(capsys, "sign", "--key", str(key), "--suite", suite, str(unsigned))
        assert code == 0
        signed = tmp_path / f"{suite}.json"
        signed.write_text(out)
        assert json.loads(out)["proof"]["cryptosuite"] == suite
        code, out, _ = run(capsys, "verify", str(signed), "--did-docs", str(docs), "--json")
        assert code == 0, out
        assert json.loads(out)["verified"] is True
    # without the DID documents the did:web key cannot be resolved: invalid, with its code
    code, out, _ = run(capsys, "verify", str(signed), "--json")
    assert code == 1
    assert json.loads(out)["errors"][0]["code"] == "DID_NOT_FOUND"
    code, out, _ = run(capsys, "verify", str(signed))
    assert code == 1 and "hint: give --did-docs DIR with the issuer's DID document" in out


def test_sign_options_and_tamper(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    key = tmp_path / "k.json"
    run(capsys, "keygen", "--seed", SEED, "--out", str(key))
    doc = dict(CREDENTIAL, issuer="did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp")
    unsigned = tmp_path / "c.json"
    unsigned.write_text(json.dumps(doc))
    code, out, _ = run(
        capsys,
        "sign",
        "--key",
        str(key),
        "--purpose",
        "authentication",
        "--created",
        "none",
        "--challenge",
        "c1",
        "--domain",
        "d.example",
        str(unsigned),
    )
    assert code == 0
    proof = json.loads(out)["proof"]
    assert "created" not in proof and proof["challenge"] == "c1"
    signed = tmp_path / "s.json"
    signed.write_text(out)
    ok = (
        "verify",
        str(signed),
        "--proof-only",
        "--purpose",
        "authentication",
        "--challenge",
        "c1",
        "--domain",
        "d.example",
    )
    assert run(capsys, *ok)[0] == 0
    code, out, _ = run(
        capsys,
        "verify",
        str(signed),
        "--proof-only",
        "--purpose",
        "authentication",
        "--challenge",
        "c2",
        "--domain",
        "d.example",
    )
    assert code == 1 and "INVALID_CHALLENGE_ERROR" in out
    tampered = json.loads(signed.read_text())
    tampered["credentialSubject"]["id"] = "did:example:other"
    signed.write_text(json.dumps(tampered))
    code, out, _ = run(capsys, *ok)
    assert code == 1 and "PROOF_VERIFICATION_ERROR" in out


@pytest.mark.parametrize(
    "argv",
    [
        ["verify", "/nonexistent.json"],
        ["sign", "--key", "/nonexistent.json", "/nonexistent.json"],
        ["verify"],
        ["no-such-command"],
    ],
)
def test_usage_and_input_errors_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2


def test_verify_non_json_input_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    assert main(["verify", str(bad)]) == 2


# --------------------------------------------------------------------------------------------
# The kind of an input (DI JSON object or compact SD-JWT) is decided by parsing, not sniffing
# --------------------------------------------------------------------------------------------
_JWS = sign_compact_jws(
    b'{"iss":"did:example:i"}', Ed25519Signer.from_seed(b"\x05" * 32), header={"typ": "x"}
)
_TOKEN = _JWS + "~"
_BOM = b"\xef\xbb\xbf"


@pytest.mark.parametrize(
    ("data", "fmt", "expected"),
    [
        (b'{"a": 1}', "auto", {"a": 1}),
        (b'{"a": 1}', "di", {"a": 1}),
        (_BOM + b' \r\n\t{"a": 1}\n\n', "auto", {"a": 1}),
        (_BOM + b'\n{"a": 1}', "di", {"a": 1}),
        (_TOKEN.encode(), "auto", _TOKEN),
        (_TOKEN.encode(), "sd-jwt", _TOKEN),
        (_BOM + b"\n  " + _TOKEN.encode() + b" \r\n", "auto", _TOKEN),
        (_BOM + _TOKEN.encode() + b"\n", "sd-jwt", _TOKEN),
        (" " + _TOKEN + "\n", "auto", _TOKEN),  # already text (a token given inline)
    ],
)
def test_parse_input_decides_by_parsing(data: bytes | str, fmt: str, expected: object) -> None:
    assert parse_input(data, fmt, source="in", what="document") == expected


@pytest.mark.parametrize(
    ("data", "fmt", "messages"),
    [
        (_TOKEN.encode(), "di", ["--format di expects", "use --format sd-jwt (or auto)"]),
        (b'{"a": 1}', "sd-jwt", ["--format sd-jwt expects", "use --format di (or auto)"]),
        (b"[1, 2]", "auto", ["neither a Data Integrity document", "a JSON array, not an object"]),
        (b"[1, 2]", "di", ["--format di expects", "a JSON array, not an object"]),
        (b'"text"', "auto", ["neither", "a JSON string, not an object"]),
        (b"null", "auto", ["neither", "a JSON null, not an object"]),
        (b"", "auto", ["neither", "not valid JSON", "not a compact SD-JWT"]),
        (b"\xff\xfe{}", "auto", ["in: expected a Data Integrity document", "not UTF-8 text"]),
        (b"\xff", "sd-jwt", ["expected a compact SD-JWT", "not UTF-8 text"]),
        (_JWS.encode(), "sd-jwt", ["not a compact SD-JWT"]),  # a JWS, but no '~'
        (b"{" + _TOKEN.encode(), "auto", ["neither", "JWS"]),  # a leading '{' decides nothing
        (b'{"a": 1}', "yaml", ["--format yaml"]),
    ],
)
def test_parse_input_refusals_name_the_expectation(
    data: bytes, fmt: str, messages: list[str]
) -> None:
    with pytest.raises(CliError) as caught:
        parse_input(data, fmt, source="in", what="document")
    for message in messages:
        assert message in str(caught.value)


def test_verify_json_that_is_not_an_object_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "list.json"
    path.write_text("[]")
    code, out, err = run(capsys, "verify", str(path))
    assert (code, out) == (2, "")
    assert "neither a Data Integrity document (a JSON object) nor a compact SD-JWT" in err


def test_python_dash_m_entry_point() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "kr_ovid", "--help"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0
    assert "keygen" in done.stdout
