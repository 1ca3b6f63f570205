"""Usage errors of ``kr-ovid request`` and ``kr-ovid present --request``, before any network:
each exits 2 with the option it is about (problem details with ``--json``). The working
commands run against a ``kr-ovid serve`` process in ``tests/server/test_protocols.py``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kr_ovid.cli import main
from kr_ovid.keys import Ed25519Signer


def _token(tmp_path: Path, mode: int = 0o600, text: str = "backend-token-0123456789\n") -> str:
    path = tmp_path / "token"
    path.write_text(text, encoding="utf-8")
    path.chmod(mode)
    return str(path)


def _request(*extra: str) -> list[str]:
    return ["request", "--policy", "gov24-login", "--service", "https://gov24.example", *extra]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (lambda t: _request("--token", _token(t, 0o644)), "must not be readable by group"),
        (lambda t: _request("--token", str(t / "absent")), "no such file"),
        (lambda t: _request("--token", _token(t, text="# only a comment\n")), "holds no token"),
        (lambda t: _request("--token", _token(t), "--wait", "0"), "--wait must be"),
        (
            lambda t: [
                "request",
                "--policy",
                "gov24-login",
                "--service",
                "ftp://x",
                "--token",
                _token(t),
            ],
            "expected an http(s) URL",
        ),
        (lambda t: ["present"], "present needs --credential FILE (or --request LINK)"),
        (lambda t: ["present", "--request", "openid4vp://?client_id=x"], "--wallet DIR"),
        (
            lambda t: [
                "present",
                "--request",
                "openid4vp://?client_id=x",
                "--wallet",
                str(t / "nowhere"),
            ],
            "not a directory",
        ),
        (
            lambda t: ["present", "--request", "openid4vp://?client_id=x", "--disclose", "/a"],
            "--disclose does not go with --request",
        ),
        (lambda t: ["present", "--credential", "c.json", "--yes"], "--yes goes with --request"),
    ],
)
def test_usage_errors_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args, message: str
) -> None:
    assert main([*args(tmp_path), "--json"]) == 2
    errors = json.loads(capsys.readouterr().out)["errors"]
    assert errors[0]["code"] == "USAGE_ERROR"
    assert message in errors[0]["detail"]


def test_present_request_refuses_an_unsigned_link_it_cannot_check(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A link with neither request nor request_uri from a DID client: refused by the wallet's
    checks (no transport was needed), nothing sent."""
    wallet = tmp_path / "wallet"
    wallet.mkdir()
    key = Ed25519Signer.generate()
    key.write_key_file(wallet / "key.json")
    (wallet / "credential.json").write_text(
        json.dumps(
            {
                "@context": ["https://www.w3.org/ns/credentials/v2"],
                "type": ["VerifiableCredential"],
                "issuer": "did:example:issuer",
                "credentialSubject": {"id": key.controller},
            }
        )
    )
    link = "openid4vp://?client_id=decentralized_identifier%3Adid%3Aweb%3Agov24.example"
    code = main(["present", "--request", link, "--wallet", str(wallet), "--yes", "--json"])
    assert code == 2
    errors = json.loads(capsys.readouterr().out)["errors"]
    assert errors[0]["code"] == "INVALID_REQUEST"
    assert "the request does not verify" in errors[0]["detail"]
