"""``present`` (the wallet): an SD-JWT presentation with a Key Binding JWT (only the chosen
claims), or a signed Data Integrity presentation when the credential is a JSON (DI) credential.
Services check what it makes with ``verify`` (:mod:`kr_ovid.cli.verify`).

Whether a credential or presentation is Data Integrity (JSON) or an SD-JWT is what ``--format``
says, or (``auto``) what it parses as: see :func:`kr_ovid.cli._common.parse_input`.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from kr_ovid.cli._common import (
    EXIT_OK,
    CliError,
    add_input_format_argument,
    emit,
    extend_option,
    load_input,
    load_signer,
)
from kr_ovid.errors import ConfigurationError
from kr_ovid.holder import Holder
from kr_ovid.ovid.labels import labels_for
from kr_ovid.sdjwt import disclosable_claims
from kr_ovid.suites import DEFAULT_CRYPTOSUITE, SUITES

__all__ = ["register"]

_SHOWN_CHARS = 72


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "present", help="present a credential: SD-JWT with chosen claims + KB-JWT, or DI"
    )
    p.add_argument("--credential", required=True, metavar="FILE", help="SD-JWT or DI (.json)")
    add_input_format_argument(p, "credential")
    p.add_argument(
        "--list", action="store_true", help="list the disclosable claim paths with their values"
    )
    extend_option(
        p,
        "--disclose",
        metavar="PATH",
        help="JSON pointer (/credentialSubject/birthDate) or a bare subject claim (birthDate); "
        "repeatable",
    )
    p.add_argument("--holder-key", metavar="FILE", help="the holder's key file (the cnf key)")
    p.add_argument("--nonce", "--challenge", dest="nonce", help="the service's nonce/challenge")
    p.add_argument("--aud", "--domain", dest="aud", help="the service's identifier (audience)")
    p.add_argument("--suite", default=DEFAULT_CRYPTOSUITE, choices=sorted(SUITES), help="DI only")
    p.add_argument("--json", action="store_true", help="machine-readable output (--list)")
    p.set_defaults(func=cmd_present)


# --------------------------------------------------------------------------------------------
# present
# --------------------------------------------------------------------------------------------
def _pointer(path: str) -> str:
    return path if path.startswith("/") else f"/credentialSubject/{path}"


def _short(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= _SHOWN_CHARS else f"{text[:_SHOWN_CHARS]}… ({len(text)} chars)"


def _label(pointer: str) -> str:
    name = pointer.removeprefix("/credentialSubject/")
    return labels_for("ko").get(name, "") if "/" not in name else ""


def cmd_present(args: argparse.Namespace) -> int:
    credential = load_input(args.credential, args.input_format, what="credential")
    if args.list:
        if args.disclose:
            raise CliError("--list and --disclose do not go together")
        if not isinstance(credential, str):
            raise CliError("a Data Integrity credential is presented whole: nothing to choose")
        claims = disclosable_claims(credential)
        if args.json:
            emit([{"path": p, "label": _label(p), "value": v} for p, v in claims])
        else:
            for p, v in claims:
                label = _label(p)
                emit(f"{p}\t{label + chr(9) if label else ''}{_short(v)}")
        return EXIT_OK
    missing = [
        o
        for o, v in (
            ("--holder-key", args.holder_key),
            ("--nonce", args.nonce),
            ("--aud", args.aud),
        )
        if not v
    ]
    if missing:
        raise CliError(f"a presentation needs {', '.join(missing)}")
    holder = Holder(load_signer(args.holder_key, "--holder-key"))
    if isinstance(credential, str):
        try:
            presented = holder.present_sd_jwt(
                credential,
                [_pointer(p) for p in args.disclose],
                nonce=args.nonce,
                audience=args.aud,
            )
        except ConfigurationError as exc:
            raise CliError(_present_problem(exc, args.holder_key)) from None
        emit(presented)
        return EXIT_OK
    if args.disclose:
        raise CliError("a Data Integrity credential is presented whole; --disclose needs an SD-JWT")
    subject = credential.get("credentialSubject")
    subject_id = subject.get("id") if isinstance(subject, dict) else None
    if subject_id is not None and subject_id != holder.did:
        raise CliError(
            f"the credential's subject is {subject_id}, not the holder key's DID {holder.did}"
        )
    emit(
        holder.present([credential], challenge=args.nonce, domain=args.aud, cryptosuite=args.suite)
    )
    return EXIT_OK


def _present_problem(exc: ConfigurationError, key_path: str) -> str:
    """The library's refusal in the command line's terms (options and files, not parameters)."""
    text = str(exc)
    if "cnf key" in text:
        return (
            f"--holder-key {key_path} is not the key this credential was issued to (its cnf "
            "key): use the wallet key the credential was issued for"
        )
    if "no cnf" in text:
        return "the credential is not bound to a holder key (no cnf): it cannot be presented"
    if exc.path is not None:
        return f"--disclose {exc.path}: the credential has no such disclosable claim"
    return text
