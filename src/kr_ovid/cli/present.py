"""``present`` (the wallet): an SD-JWT presentation with a Key Binding JWT (only the chosen
claims), or a signed Data Integrity presentation when the credential is a JSON (DI) credential.
Services check what it makes with ``verify`` (:mod:`kr_ovid.cli.verify`).

With ``--request LINK`` it answers a service's OpenID4VP request instead: it reads the held
credentials and keys (``--wallet DIR``, ``--credential``, ``--holder-key``), fetches and checks
the signed request (the service's DID document from ``--did-documents``: no DID is fetched),
shows what the DCQL query would disclose, asks for consent unless ``--yes``, and posts the
response (``direct_post`` or encrypted ``direct_post.jwt``).

Whether a credential or presentation is Data Integrity (JSON) or an SD-JWT is what ``--format``
says, or (``auto``) what it parses as: see :func:`kr_ovid.cli._common.parse_input`.
"""

from __future__ import annotations

import argparse
import json
import secrets
import sys
from pathlib import Path
from typing import Any

from kr_ovid.cli._common import (
    EXIT_INVALID,
    EXIT_OK,
    CliError,
    add_input_format_argument,
    emit,
    extend_option,
    load_input,
    load_signer,
    parse_input,
    read_bytes,
)
from kr_ovid.errors import ConfigurationError, KeyFormatError, KrOvidError
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
    p.add_argument("--credential", metavar="FILE", help="SD-JWT or DI (.json)")
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
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument(
        "--request",
        metavar="LINK",
        help="answer this OpenID4VP request (openid4vp:// link) with the held credentials",
    )
    p.add_argument(
        "--wallet",
        metavar="DIR",
        help="--request: a directory of held credentials (SD-JWT or DI) and holder key files",
    )
    p.add_argument(
        "--did-documents",
        metavar="DIR",
        help="--request: DID documents to resolve the service's did:web from (did:key needs none)",
    )
    p.add_argument("--yes", action="store_true", help="--request: consent without asking")
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
    if args.request is not None:
        return cmd_present_request(args)
    if args.credential is None:
        raise CliError("present needs --credential FILE (or --request LINK)")
    for option, given in (
        ("--wallet", args.wallet),
        ("--did-documents", args.did_documents),
        ("--yes", args.yes),
    ):
        if given:
            raise CliError(f"{option} goes with --request")
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


# --------------------------------------------------------------------------------------------
# present --request (OpenID4VP wallet)
# --------------------------------------------------------------------------------------------
def _held(args: argparse.Namespace) -> tuple[list[str | dict[str, Any]], list[Any]]:
    """Credentials and holder keys from ``--credential``, ``--holder-key`` and ``--wallet``:
    each wallet file is a key file if it reads as one, else a credential."""
    from kr_ovid.keys import Ed25519Signer

    credentials: list[str | dict[str, Any]] = []
    keys: list[Any] = []
    if args.credential is not None:
        credentials.append(load_input(args.credential, args.input_format, what="credential"))
    if args.holder_key is not None:
        keys.append(load_signer(args.holder_key, "--holder-key"))
    if args.wallet is not None:
        directory = Path(args.wallet)
        if not directory.is_dir():
            raise CliError(f"--wallet {args.wallet}: not a directory")
        for file in sorted(f for f in directory.iterdir() if f.is_file()):
            try:
                keys.append(Ed25519Signer.from_key_file(file))
                continue
            except KeyFormatError:
                pass
            credentials.append(
                parse_input(read_bytes(str(file)), "auto", source=str(file), what="credential")
            )
    if not credentials or not keys:
        raise CliError("--request needs held credentials and their keys (--wallet DIR)")
    return credentials, keys


def _resolver(args: argparse.Namespace) -> Any:
    from kr_ovid.did import CompositeResolver
    from kr_ovid.did.resolver import LocalDidResolver

    if args.did_documents is None:
        return CompositeResolver()
    if not Path(args.did_documents).is_dir():
        raise CliError(f"--did-documents {args.did_documents}: not a directory")
    try:
        return CompositeResolver({"web": LocalDidResolver.from_directory(args.did_documents)})
    except KrOvidError as exc:
        raise CliError(f"--did-documents {args.did_documents}: {exc}") from None


def _claim_label(pointer: str) -> str:
    """The Korean label of the claim a JSON pointer ends in (SD-JWT VC claims are top level)."""
    return labels_for("ko").get(pointer.rsplit("/", 1)[-1], "")


def _disclosures(offer: Any) -> list[dict[str, Any]]:
    out = []
    for sel in offer.selections:
        out.append(
            {
                "query": sel.query_id,
                "format": sel.format,
                "whole": sel.format == "ldp_vc",
                "claims": [
                    {"path": path, "label": _claim_label(path), "value": value}
                    for path, value in sel.shown
                ],
            }
        )
    return out


def _consent(args: argparse.Namespace) -> bool:
    if args.yes:
        return True
    print("이 정보를 제출할까요? (send this?) [y/N] ", end="", file=sys.stderr, flush=True)
    answer = sys.stdin.readline()
    return answer.strip().lower() in ("y", "yes", "예", "네")


def cmd_present_request(args: argparse.Namespace) -> int:
    """OpenID4VP 1.0 as a wallet (§5 read and check, §6.4 match, §8 respond)."""
    from kr_ovid.oid4vp import Wallet, urllib_transport

    for option, given in (("--list", args.list), ("--disclose", args.disclose)):
        if given:
            raise CliError(f"{option} does not go with --request (the service's query decides)")
    credentials, keys = _held(args)
    try:
        wallet = Wallet(credentials, keys, resolver=_resolver(args), transport=urllib_transport())
    except ConfigurationError as exc:
        raise CliError(f"--wallet: {exc}") from None
    read = wallet.read(args.request, wallet_nonce=secrets.token_urlsafe(16))
    if not read.verified:
        raise CliError(
            "the request does not verify: "
            + "; ".join(f"{p.code.value}: {p.detail}" for p in read.errors),
            code=read.errors[0].code if read.errors else None,
        )
    request = read.claims
    offer = wallet.match(request)
    if not offer.possible:
        raise CliError("the wallet cannot answer: " + "; ".join(offer.problems))
    shown = _disclosures(offer)
    summary = {"client_id": request.client_id, "response_mode": request.response_mode}
    if args.json:
        if not args.yes:
            raise CliError("--json answers without asking: add --yes")
    else:
        print(f"요청자 (verifier): {request.client_id}", file=sys.stderr)
        for item in shown:
            whole = " — 자격증명 전체 (the whole credential)" if item["whole"] else ""
            print(f"  [{item['query']}] {item['format']}{whole}", file=sys.stderr)
            for claim in item["claims"]:
                label = f" ({claim['label']})" if claim["label"] else ""
                print(f"    {claim['path']}{label}: {_short(claim['value'])}", file=sys.stderr)
    if not _consent(args):
        answer = wallet.decline(request)
        emit("declined")
        return EXIT_INVALID
    try:
        answer = wallet.respond(request, offer)
    except ConfigurationError as exc:
        raise CliError(str(exc)) from None
    ok = answer.status == 200
    if args.json:
        emit({**summary, "disclosed": shown, "status": answer.status, "answer": dict(answer.body)})
    else:
        detail = answer.body.get("error_description") or answer.body.get("error") or ""
        emit("sent" if ok else f"refused by the service: HTTP {answer.status} {detail}".rstrip())
    return EXIT_OK if ok else EXIT_INVALID
