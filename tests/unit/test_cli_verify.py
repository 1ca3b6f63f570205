"""``kr-ovid verify`` of a bare credential (status, validity, --at, trust), ``--context``, and
the command line's common behaviour: ``--version``, ``--json`` for usage errors, messages in
user terms, progress only on a terminal."""

from __future__ import annotations

import hashlib
import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from kr_ovid import __version__
from kr_ovid.cli import main
from kr_ovid.cli._common import Progress
from kr_ovid.did.web import build_did_document
from kr_ovid.keys import Ed25519Signer
from kr_ovid.ovid import load_missions
from kr_ovid.ovid.issuance import Issuer
from kr_ovid.trust import create_trust_list

from support import VECTORS, sample_claims

MISSION = load_missions().by_code("us-losangeles")
EXAMPLES_URL = "https://www.w3.org/ns/credentials/examples/v2"
EXAMPLES_FILE = VECTORS / "contexts" / "credentials-examples-v2.jsonld"
W3C_SIGNED = VECTORS / "vc-di-eddsa" / "eddsa-rdfc-2022" / "signedDataInt.json"
Capsys = pytest.CaptureFixture[str]


def run(capsys: Capsys, *argv: str | Path) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def write(path: Path, value: Any) -> Path:
    path.write_text(json.dumps(value, ensure_ascii=False), encoding="utf-8")
    return path


class Issued:
    """One ID issued by the LA mission into a status store, its lists published."""

    def __init__(self, tmp: Path, capsys: Capsys) -> None:
        self.tmp, self.capsys = tmp, capsys
        signer = Ed25519Signer.from_seed(b"\x01" * 32, verification_method=MISSION.did + "#key-1")
        self.key = tmp / "mission-key.json"
        signer.write_key_file(self.key, controller=MISSION.did)
        self.did_dir = tmp / "did"
        self.did_dir.mkdir()
        write(self.did_dir / "la.json", build_did_document(MISSION.did, [signer]))
        self.db, self.status_dir = tmp / "status.db", tmp / "status"
        code, out, err = run(
            capsys, "issue", "--mission", "us-losangeles", "--key", self.key, "--claims",
            write(tmp / "claims.json", sample_claims()), "--db", self.db, "--did-docs", self.did_dir,
        )  # fmt: skip
        assert code == 0, err
        self.document = json.loads(out)
        self.credential = write(tmp / "credential.json", self.document)
        self.publish()

    def publish(self) -> None:
        code, _, err = run(
            self.capsys, "status", "publish", "--db", self.db, "--key", self.key, "--out",
            self.status_dir,
        )  # fmt: skip
        assert code == 0, err

    def verify(self, *extra: str | Path) -> tuple[int, str, str]:
        return run(
            self.capsys, "verify", self.credential, "--did-docs", self.did_dir, "--status-dir",
            self.status_dir, *extra,
        )  # fmt: skip


@pytest.fixture
def issued(tmp_path: Path, capsys: Capsys) -> Issued:
    return Issued(tmp_path, capsys)


def codes(out: str) -> list[str]:
    return [e["code"] for e in json.loads(out)["errors"]]


# --------------------------------------------------------------------------------------------
# a bare credential is verified in full
# --------------------------------------------------------------------------------------------
def test_a_valid_credential_verifies(issued: Issued) -> None:
    code, out, err = issued.verify()
    assert (code, out, err) == (0, "verified\nchecked: credential\n", "")
    code, out, _ = issued.verify("--json")
    result = json.loads(out)
    assert code == 0 and result["verified"] is True and result["checked"] == "credential"
    assert {"proof", "status"} <= set(result["checks"])


def test_a_revoked_credential_is_refused(issued: Issued, capsys: Capsys) -> None:
    assert run(capsys, "status", "revoke", "--db", issued.db, issued.document["id"])[0] == 0
    issued.publish()
    code, out, _ = issued.verify("--json")
    assert (code, codes(out)) == (1, ["CREDENTIAL_REVOKED"])
    code, out, _ = issued.verify()
    assert code == 1 and out.startswith("NOT verified\n  CREDENTIAL_REVOKED at /credentialStatus/0")


def test_a_suspended_credential_is_refused(issued: Issued, capsys: Capsys) -> None:
    assert run(capsys, "status", "suspend", "--db", issued.db, issued.document["id"])[0] == 0
    issued.publish()
    code, out, _ = issued.verify("--json")
    assert (code, codes(out)) == (1, ["CREDENTIAL_SUSPENDED"])


def test_an_expired_and_a_not_yet_valid_credential_are_refused(issued: Issued) -> None:
    """--at moves the verification instant: after validUntil and before validFrom both fail
    with VALIDITY_PERIOD_ERROR (exit 1)."""
    until = issued.document["validUntil"]
    code, out, _ = issued.verify("--json", "--at", "2040-01-01T00:00:00Z")
    assert code == 1 and "VALIDITY_PERIOD_ERROR" in codes(out), (until, out)
    assert json.loads(out)["at"] == "2040-01-01T00:00:00+00:00"
    # Before issuance the proof itself is from the future: refused as well.
    code, out, _ = issued.verify("--json", "--at", "2020-01-01T00:00:00Z")
    assert (code, codes(out)) == (1, ["PROOF_VERIFICATION_ERROR"])
    # A credential signed today that is valid only from next month.
    now = datetime.now(UTC)
    signer = Ed25519Signer.from_key_file(issued.key)
    doc = json.loads((issued.did_dir / "la.json").read_text())
    later = Issuer(MISSION, signer, did_document=doc).issue_id(
        sample_claims(MISSION), valid_from=now + timedelta(days=30)
    )
    path = write(issued.tmp / "later.json", later.credential)
    code, out, _ = run(issued.capsys, "verify", path, "--did-docs", issued.did_dir, "--json")
    assert (code, codes(out)) == (1, ["VALIDITY_PERIOD_ERROR"])
    code, out, _ = run(
        issued.capsys, "verify", path, "--did-docs", issued.did_dir, "--at",
        (now + timedelta(days=31)).strftime("%Y-%m-%dT%H:%M:%SZ"),
    )  # fmt: skip
    assert code == 0, out
    code, out, err = issued.verify("--at", "yesterday")
    assert (code, out) == (2, "") and "--at yesterday: not a date and time with a zone" in err


def test_status_is_not_skipped_without_the_lists(issued: Issued, capsys: Capsys) -> None:
    code, out, _ = run(capsys, "verify", issued.credential, "--did-docs", issued.did_dir)
    assert code == 1 and "STATUS_RETRIEVAL_ERROR" in out and "retryable" in out
    assert "hint: give --status-dir DIR" in out


def test_a_did_web_issuer_without_its_document_is_explained(issued: Issued, capsys: Capsys) -> None:
    code, out, _ = run(capsys, "verify", issued.credential, "--status-dir", issued.status_dir)
    assert code == 1 and "DID_NOT_FOUND" in out and "unsupported DID method" not in out
    assert "hint: give --did-docs DIR" in out


def test_a_trust_decision_on_a_bare_credential(issued: Issued, capsys: Capsys) -> None:
    root = Ed25519Signer.from_seed(b"\x02" * 32)
    trust = write(
        issued.tmp / "trust.json",
        create_trust_list(
            load_missions().trust_rows(),
            root_signer=root,
            version=1,
            issued=datetime(2026, 1, 1, tzinfo=UTC),
            next_update=datetime(2099, 1, 1, tzinfo=UTC),
        ),
    )
    argv = ["--trust-list", trust, "--root-did", root.controller]
    code, out, err = issued.verify(*argv, "--policy", "any")
    assert code == 0, out + err
    assert out.startswith("verified\npolicy: any\nchecked: credential\n")
    assert "  성: 홍" in out
    other = Ed25519Signer.from_seed(b"\x03" * 32).controller
    code, out, err = issued.verify("--trust-list", trust, "--root-did", other)
    assert (code, out) == (2, "") and "does not verify against" in err
    code, out, err = issued.verify("--policy", "gov24-login")
    assert (code, out) == (2, "") and "needs both --trust-list FILE and --root-did DID" in err


# --------------------------------------------------------------------------------------------
# --context: the W3C vectors from the command line
# --------------------------------------------------------------------------------------------
def test_context_outside_the_pinned_set(capsys: Capsys, tmp_path: Path) -> None:
    code, out, err = run(capsys, "verify", W3C_SIGNED, "--proof-only")
    assert code == 1 and "UNKNOWN_CONTEXT" in out and "--context URL=FILE" in out
    spec = f"{EXAMPLES_URL}={EXAMPLES_FILE}"
    code, out, err = run(capsys, "verify", W3C_SIGNED, "--proof-only", "--context", spec)
    assert (code, out) == (0, "verified\nchecked: proof\n"), err
    digest = hashlib.sha256(EXAMPLES_FILE.read_bytes()).hexdigest()
    assert err == f"context {EXAMPLES_URL} = {EXAMPLES_FILE} (sha256 {digest})\n"
    code, out, _ = run(capsys, "verify", W3C_SIGNED, "--proof-only", "--context", spec, "--json")
    assert code == 0 and json.loads(out)["contexts"] == [
        {"url": EXAMPLES_URL, "file": str(EXAMPLES_FILE), "sha256": digest}
    ]
    for bad, message in (
        ("no-equals-sign", "expected URL=FILE"),
        (f"{EXAMPLES_URL}=/nonexistent.jsonld", "cannot read"),
        (f"{EXAMPLES_URL}={write(tmp_path / 'x.json', {'a': 1})}", "not a JSON-LD context"),
    ):
        code, out, err = run(capsys, "verify", W3C_SIGNED, "--proof-only", "--context", bad)
        assert (code, out) == (2, "") and message in err, err


# --------------------------------------------------------------------------------------------
# the command line's common behaviour
# --------------------------------------------------------------------------------------------
def test_version(capsys: Capsys) -> None:
    code, out, _ = run(capsys, "--version")
    assert (code, out) == (0, f"kr-ovid {__version__}\n")


def test_json_reports_usage_and_input_errors_as_problem_details(
    capsys: Capsys, tmp_path: Path
) -> None:
    code, out, err = run(capsys, "verify", tmp_path / "missing.json", "--json")
    assert (code, err) == (2, "")
    [problem] = json.loads(out)["errors"]
    assert problem["code"] == "USAGE_ERROR"
    assert problem["type"] == "https://w3id.org/kr-ovid/errors#USAGE_ERROR"
    assert "missing.json" in problem["detail"] and "No such file" in problem["detail"]
    code, out, err = run(capsys, "verify", "--json")  # argparse's own error
    assert (code, err) == (2, "")
    assert "required: input" in json.loads(out)["errors"][0]["detail"]
    code, out, err = run(capsys, "verify")  # the same without --json: usage on stderr
    assert (code, out) == (2, "") and err.startswith("usage: kr-ovid verify")


def test_messages_name_options_and_files_not_exceptions(capsys: Capsys, tmp_path: Path) -> None:
    missing = tmp_path / "missing-key.json"
    for argv in (
        ["sign", "--key", missing, W3C_SIGNED],
        ["did", "web", "--domain", "example.org", "--key", missing],
        ["trustlist", "create", "--root-key", missing, "--missions", "builtin"],
    ):
        code, out, err = run(capsys, *argv)
        assert (code, out) == (2, ""), argv
        assert f"{missing}: no such file" in err
        assert "Error" not in err and "Exception" not in err, err
    junk = tmp_path / "junk.json"
    junk.write_text("{not json")
    code, _, err = run(capsys, "sign", "--key", junk, W3C_SIGNED)
    assert code == 2 and "not a JSON key file" in err and "JSONDecodeError" not in err


def test_repeatable_options_take_several_values_or_repeats(capsys: Capsys, tmp_path: Path) -> None:
    keys = []
    for n in (1, 2):
        path = tmp_path / f"k{n}.json"
        Ed25519Signer.from_seed(bytes([n]) * 32).write_key_file(path)
        keys.append(path)
    base = ["did", "web", "--domain", "example.org"]
    _, together, _ = run(capsys, *base, "--key", *keys, "--path", "a", "b")
    _, repeated, _ = run(capsys, *base, "--key", keys[0], "--key", keys[1], "--path", "a",
                         "--path", "b")  # fmt: skip
    assert together == repeated
    assert len(json.loads(together)["verificationMethod"]) == 2
    assert json.loads(together)["id"] == "did:web:example.org:a:b"


def test_progress_only_on_a_terminal() -> None:
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    piped = io.StringIO()
    progress = Progress("signing", stream=piped)
    for n in range(1, 4):
        progress(n, 3)
    progress.close()
    assert piped.getvalue() == ""
    tty = Tty()
    progress = Progress("signing", stream=tty)
    for n in range(1, 4):
        progress(n, 3)
    progress.close()
    assert tty.getvalue() == "\rsigning 1/3\rsigning 2/3\rsigning 3/3\n"
