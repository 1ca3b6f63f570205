"""``present`` (the wallet) and ``verify-presentation`` (the service, full verification).

``present`` builds an SD-JWT presentation with a Key Binding JWT (only the chosen claims), or a
signed Data Integrity presentation when the credential is a JSON (DI) credential.
``verify-presentation`` runs :class:`~kr_ovid.verifier.Verifier` end to end: trust list pinned to
a root DID, mission DID documents, status lists from files, a service policy.

Whether a credential or presentation is Data Integrity (JSON) or an SD-JWT is what ``--format``
says, or (``auto``) what it parses as: see :func:`kr_ovid.cli._common.parse_input`.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from kr_ovid._json import JsonParseError, parse_json
from kr_ovid.cli._common import (
    EXIT_OK,
    CliError,
    add_input_format_argument,
    emit,
    emit_result,
    is_file,
    load_input,
    read_json,
)
from kr_ovid.cli.did import did_resolver_from_dir
from kr_ovid.did.resolver import DidResolver
from kr_ovid.errors import VerificationFailed
from kr_ovid.holder import Holder
from kr_ovid.keys import Ed25519Signer
from kr_ovid.ovid.labels import CLAIM_ORDER, labels_for
from kr_ovid.ovid.model import display_rows
from kr_ovid.ovid.services import AGE_CHECK, GOV24, OVERSEAS_KOREANS_365, DisclosedId
from kr_ovid.sdjwt import disclosable_claims
from kr_ovid.status.check import LocalStatusListFetcher
from kr_ovid.suites import DEFAULT_CRYPTOSUITE, SUITES
from kr_ovid.trust import TrustListRegistry
from kr_ovid.verifier import Verifier, VerifierPolicy

__all__ = [
    "POLICIES",
    "add_full_verification_arguments",
    "cmd_verify_presentation",
    "read_presentation",
    "register",
    "verify_presentation",
    "wants_full_verification",
]

#: ``--policy`` names: (service profile, purpose); ``any`` accepts any accredited credential.
POLICIES: dict[str, tuple[Any, str] | None] = {
    "any": None,
    "gov24-login": (GOV24, "login"),
    "gov24-certificates": (GOV24, "certificates"),
    "ok365-login": (OVERSEAS_KOREANS_365, "login"),
    "ok365-certificates": (OVERSEAS_KOREANS_365, "certificates"),
    "age-check": (AGE_CHECK, "adult"),
}
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
    p.add_argument(
        "--disclose",
        nargs="+",
        action="extend",
        default=[],
        metavar="PATH",
        help="JSON pointer (/credentialSubject/birthDate) or a bare subject claim (birthDate)",
    )
    p.add_argument("--holder-key", metavar="FILE", help="the holder's key file (the cnf key)")
    p.add_argument("--nonce", "--challenge", dest="nonce", help="the service's nonce/challenge")
    p.add_argument("--aud", "--domain", dest="aud", help="the service's identifier (audience)")
    p.add_argument("--suite", default=DEFAULT_CRYPTOSUITE, choices=sorted(SUITES), help="DI only")
    p.add_argument("--json", action="store_true", help="machine-readable output (--list)")
    p.set_defaults(func=cmd_present)

    p = sub.add_parser(
        "verify-presentation",
        help="fully verify a presentation (trust list, DID documents, status, policy)",
    )
    p.add_argument(
        "input",
        metavar="PRESENTATION",
        help="SD-JWT or DI presentation file ('-' for stdin), or the SD-JWT token itself",
    )
    add_input_format_argument(p, "presentation")
    add_full_verification_arguments(p, aliases=True)
    p.add_argument("--did-docs", metavar="DIR", help="pinned DID documents (*.json)")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=cmd_verify_presentation)


def add_full_verification_arguments(p: argparse.ArgumentParser, *, aliases: bool = False) -> None:
    """The options of full verification; ``aliases`` adds ``--challenge``/``--domain`` (not
    for ``verify``, which has its own for proof-only checks)."""
    p.add_argument(
        "--nonce", *(["--challenge"] if aliases else []), dest="nonce", help="expected nonce"
    )
    p.add_argument(
        "--aud", *(["--domain"] if aliases else []), dest="aud", help="expected audience"
    )
    p.add_argument("--root-did", metavar="DID", help="the pinned root DID of the trust list")
    p.add_argument("--trust-list", metavar="FILE", help="the root-signed trust list")
    p.add_argument("--status-dir", metavar="DIR", help="status list credentials (*.json)")
    p.add_argument("--policy", choices=sorted(POLICIES), help="service policy (default: any)")


def wants_full_verification(args: argparse.Namespace, document: dict[str, Any] | str) -> bool:
    """For ``verify``: the parsed input is an SD-JWT (only verifiable in full), or any
    full-verification option is given; otherwise only the Data Integrity proof(s) are checked."""
    if isinstance(document, str):
        return True
    options = ("nonce", "aud", "root_did", "trust_list", "status_dir", "policy")
    return any(getattr(args, n, None) is not None for n in options)


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
    holder = Holder(Ed25519Signer.from_key_file(args.holder_key))
    if isinstance(credential, str):
        emit(
            holder.present_sd_jwt(
                credential,
                [_pointer(p) for p in args.disclose],
                nonce=args.nonce,
                audience=args.aud,
            )
        )
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


# --------------------------------------------------------------------------------------------
# verify-presentation
# --------------------------------------------------------------------------------------------
def read_presentation(args: argparse.Namespace) -> dict[str, Any] | str:
    """The presentation ``args.input`` names (a file, ``-``, or an SD-JWT token given inline),
    parsed as ``args.input_format`` says: a DI presentation (dict) or an SD-JWT (str)."""
    return load_input(args.input, args.input_format, what="presentation", inline=True)


def _trust_registry(path: str, root_did: str, resolver: DidResolver) -> TrustListRegistry:
    if not is_file(path):
        raise CliError(f"--trust-list {path}: no such file")
    document = read_json(path)
    try:
        return TrustListRegistry.from_trust_list(document, root_did=root_did, resolver=resolver)
    except VerificationFailed as exc:
        problems = "; ".join(f"{p.code.value}: {p.detail}" for p in exc.result.errors)
        raise CliError(
            f"--trust-list {path} does not verify against {root_did}: {problems}"
        ) from None


def _status_fetcher(directory: str | None) -> LocalStatusListFetcher:
    fetcher = LocalStatusListFetcher()
    if directory is None:
        return fetcher
    if not Path(directory).is_dir():
        raise CliError(f"--status-dir {directory}: not a directory")
    for path in sorted(Path(directory).glob("*.json")):
        try:
            doc = parse_json(path.read_bytes())
        except (OSError, JsonParseError):
            raise CliError(f"cannot read status list {path}") from None
        types = doc.get("type") if isinstance(doc, dict) else None
        if isinstance(types, list) and "BitstringStatusListCredential" in types:
            fetcher.register(doc)
    return fetcher


def _policy(name: str | None, registry: TrustListRegistry) -> VerifierPolicy:
    choice = POLICIES[name or "any"]
    if choice is None:
        return VerifierPolicy(
            trust_registry=registry, name="any", claims_view=DisclosedId.from_subject
        )
    profile, purpose = choice
    policy: VerifierPolicy = profile.policy(registry, purpose)
    return policy


def _claims_json(claims: Any) -> Any:
    if isinstance(claims, DisclosedId):
        return dict(claims.claims)
    if isinstance(claims, list):
        return [_claims_json(c) for c in claims]
    return None


def _rows(claims: Mapping[str, Any]) -> list[tuple[str, str]]:
    rows = display_rows(claims)
    rows += [(k, _short(v)) for k, v in claims.items() if k not in CLAIM_ORDER]
    return rows


def cmd_verify_presentation(args: argparse.Namespace) -> int:
    """``verify-presentation``: full verification of the presentation ``args.input``."""
    _check_full_verification_options(args)
    return verify_presentation(args, read_presentation(args))


def _check_full_verification_options(args: argparse.Namespace) -> tuple[str, str]:
    """(nonce, audience); a :class:`CliError` when they or the trust registry are missing."""
    nonce = args.nonce if args.nonce is not None else getattr(args, "challenge", None)
    aud = args.aud if args.aud is not None else getattr(args, "domain", None)
    if not nonce or not aud:
        raise CliError(
            "a presentation is verified against --nonce N and --aud A "
            "(the nonce the service issued and the service's own identifier)"
        )
    if args.trust_list is None or args.root_did is None:
        raise CliError(
            "full verification needs a trust registry: give --trust-list FILE and --root-did DID "
            "(the pinned root that signed it)"
        )
    return nonce, aud


def verify_presentation(args: argparse.Namespace, presentation: dict[str, Any] | str) -> int:
    """Full verification of an already parsed presentation; also what ``verify`` routes an
    SD-JWT (or a document given with full-verification options) to."""
    nonce, aud = _check_full_verification_options(args)
    resolver = did_resolver_from_dir(args.did_docs)
    registry = _trust_registry(args.trust_list, args.root_did, resolver)
    policy = _policy(args.policy, registry)
    verifier = Verifier(policy, resolver=resolver, status_fetcher=_status_fetcher(args.status_dir))
    result = verifier.verify_presentation(presentation, nonce=nonce, audience=aud)
    claims = result.claims if result.verified else None
    if args.json:
        extra: dict[str, Any] = {"policy": policy.name}
        if claims is not None:
            extra["claims"] = _claims_json(claims)
        return emit_result(result, as_json=True, extra=extra)
    code = emit_result(result, as_json=False, extra={"policy": policy.name})
    views = claims if isinstance(claims, list) else [claims] if claims is not None else []
    for n, view in enumerate(views, start=1):
        if len(views) > 1:
            emit(f"credential {n}:")
        if isinstance(view, DisclosedId):
            for label, text in _rows(view.claims):
                emit(f"  {label}: {text}")
    return code
