"""The example scripts run offline and do what their docstrings say."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest

from kr_ovid.sdjwt.disclosure import Disclosure, split_sd_jwt

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def load(name: str) -> ModuleType:
    sys.path.insert(0, str(EXAMPLES))
    try:
        spec = importlib.util.spec_from_file_location(f"example_{name}", EXAMPLES / f"{name}.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path.remove(str(EXAMPLES))


def test_issue_credential_writes_a_verifiable_id(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    assert load("issue_credential").main(["--out", str(out), "--seed", "test"]) == 0
    printed = capsys.readouterr().out
    assert "검증 결과 (verification): 유효" in printed
    assert "생년월일: 1990-05-15" in printed
    for name in (
        "credential.json",
        "credential.sd-jwt",
        "trust-list.json",
        "did/us-losangeles.json",
        "did/root.json",
    ):
        assert (out / name).is_file(), name
    assert sorted(p.name for p in (out / "status").iterdir()) == [
        "1-revocation.json",
        "1-suspension.json",
    ]
    for key in (out / "keys").iterdir():
        assert key.stat().st_mode & 0o777 == 0o600
        assert "DEMO KEY" in json.loads(key.read_text())["note"]
    credential = json.loads((out / "credential.json").read_text())
    assert credential["issuer"]["id"] == "did:web:ovid.example:missions:us-losangeles"

    # --seed: a second run writes the same Data Integrity credential byte for byte.
    again = tmp_path / "again"
    assert load("issue_credential").main(["--out", str(again), "--seed", "test"]) == 0
    assert (again / "credential.json").read_bytes() == (out / "credential.json").read_bytes()
    assert (again / "trust-list.json").read_bytes() == (out / "trust-list.json").read_bytes()


def test_issue_credential_state_dir_reuses_keys(tmp_path: Path) -> None:
    state = tmp_path / "state"
    module = load("issue_credential")
    assert module.main(["--out", str(tmp_path / "a"), "--state", str(state)]) == 0
    assert module.main(["--out", str(tmp_path / "b"), "--state", str(state)]) == 0
    a = json.loads((tmp_path / "a" / "did" / "us-losangeles.json").read_text())
    b = json.loads((tmp_path / "b" / "did" / "us-losangeles.json").read_text())
    assert a == b
    assert (state / "status.sqlite3").is_file()


def test_present_and_verify(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert load("present_and_verify").main(["--out", str(tmp_path)]) == 0
    printed = capsys.readouterr().out
    assert "INVALID_CHALLENGE_ERROR" in printed
    assert "all results as expected" in printed
    token = (tmp_path / "presentation-age-check.sd-jwt").read_text().strip()
    parts = split_sd_jwt(token)
    disclosed = [Disclosure.parse(d).name for d in parts.disclosures]
    assert disclosed == ["ageOver19"]
    assert parts.kb_jwt
