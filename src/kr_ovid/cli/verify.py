"""``verify``: one command for a credential, a presentation or any signed document.

What is checked follows from the input and the options:

* a **credential** (a JSON object typed ``VerifiableCredential``, or an issued SD-JWT) is
  verified in full: proof, data model, validity period, status (``--status-dir``), schema; with
  ``--trust-list``/``--root-did`` also the issuer's accreditation and a service ``--policy``
  (:class:`~kr_ovid.verifier.Verifier`), without them
  :class:`~kr_ovid.generic_verifier.GenericVerifier` (no trust decision);
* a **presentation** (``VerifiablePresentation``, or an SD-JWT with a KB-JWT) likewise, against
  ``--nonce``/``--aud`` (aliases ``--challenge``/``--domain``);
* any other Data Integrity document, or any input with ``--proof-only``, has only its proofs
  checked (:func:`~kr_ovid.integrity.verify_proof`).

``--at TIME`` verifies at another instant (a :class:`~kr_ovid.clock.FixedClock`);
``--context URL=FILE`` serves an extra JSON-LD context and prints its sha256.
``verify-presentation`` is the same command, kept for scripts written before ``verify``
understood presentations.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from kr_ovid._json import JsonParseError, parse_json
from kr_ovid.cli._common import (
    CliError,
    add_context_argument,
    add_input_format_argument,
    emit,
    emit_result,
    is_file,
    load_input,
    loader_from_args,
    parse_at,
    read_json,
)
from kr_ovid.cli.did import did_resolver_from_dir
from kr_ovid.clock import Clock, FixedClock, SystemClock
from kr_ovid.context import VerificationContext
from kr_ovid.did.resolver import DidResolver
from kr_ovid.errors import VerificationFailed
from kr_ovid.generic_verifier import GenericVerifier
from kr_ovid.integrity import verify_proof
from kr_ovid.jsonld.loader import StaticDocumentLoader
from kr_ovid.ovid.labels import CLAIM_ORDER
from kr_ovid.ovid.model import display_rows
from kr_ovid.ovid.services import AGE_CHECK, GOV24, OVERSEAS_KOREANS_365, DisclosedId
from kr_ovid.problems import ErrorCode
from kr_ovid.results import VerificationResult
from kr_ovid.status.check import LocalStatusListFetcher
from kr_ovid.trust import TrustListRegistry
from kr_ovid.verifier import Verifier, VerifierPolicy

__all__ = ["POLICIES", "input_kind", "register"]

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

_DESCRIPTION = """\
Verify a credential, a presentation or any Data Integrity document; the input
says which (--format: 'di' a JSON object, 'sd-jwt' a compact SD-JWT, 'auto'
the default: JSON first, then SD-JWT).

  credential    proof, data model, validity period, status, schema; with
                --trust-list and --root-did also accreditation and --policy
  presentation  the same for every credential, plus the holder's proof
                against --nonce/--challenge and --aud/--domain
  other JSON    its proof(s) only (also any input with --proof-only)

A credential with a status entry needs its status lists (--status-dir DIR of
published lists): without them it is not verified (STATUS_RETRIEVAL_ERROR).
Exit code 0 verified, 1 not verified (coded errors printed), 2 usage or input
error.
"""


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    for name, helptext in (
        ("verify", "verify a credential, presentation or signed document (kind from the input)"),
        ("verify-presentation", "the same as verify (kept for existing scripts)"),
    ):
        p = sub.add_parser(
            name,
            help=helptext,
            formatter_class=argparse.RawDescriptionHelpFormatter,
            description=_DESCRIPTION,
        )
        p.add_argument(
            "input", help="JSON or SD-JWT file ('-' for stdin), or the SD-JWT token itself"
        )
        add_input_format_argument(p, "input")
        p.add_argument(
            "--nonce", "--challenge", dest="nonce", help="the challenge the service issued"
        )
        p.add_argument("--aud", "--domain", dest="aud", help="the service's own identifier")
        p.add_argument(
            "--did-docs", metavar="DIR", help="DID documents (*.json) to resolve issuers from"
        )
        p.add_argument(
            "--status-dir", metavar="DIR", help="published status list credentials (*.json)"
        )
        p.add_argument("--trust-list", metavar="FILE", help="the root-signed trust list")
        p.add_argument("--root-did", metavar="DID", help="the pinned root DID of the trust list")
        p.add_argument(
            "--policy",
            choices=sorted(POLICIES),
            help="service policy, with --trust-list (default: any)",
        )
        p.add_argument("--at", metavar="TIME", help="verify as of this time (2026-03-01T09:00:00Z)")
        add_context_argument(p)
        p.add_argument(
            "--proof-only", action="store_true", help="check the Data Integrity proof(s) only"
        )
        p.add_argument("--purpose", default=None, help="expected proofPurpose (with --proof-only)")
        p.add_argument("--json", action="store_true", help="machine-readable output")
        p.set_defaults(func=cmd_verify)


# --------------------------------------------------------------------------------------------
# what the input is
# --------------------------------------------------------------------------------------------
def input_kind(document: dict[str, Any] | str) -> str:
    """``credential``, ``presentation`` or ``document`` (any other signed JSON-LD).

    An SD-JWT ending in ``~`` is an issued credential; one ending in a KB-JWT is a presentation.
    """
    if isinstance(document, str):
        return "credential" if document.endswith("~") else "presentation"
    types = document.get("type")
    names = set(types) if isinstance(types, list) else {types}
    if "VerifiablePresentation" in names:
        return "presentation"
    if "VerifiableCredential" in names:
        return "credential"
    return "document"


# --------------------------------------------------------------------------------------------
# the parts a verification needs, from the options
# --------------------------------------------------------------------------------------------
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
            raise CliError(f"--status-dir: cannot read status list {path}") from None
        types = doc.get("type") if isinstance(doc, dict) else None
        if (
            isinstance(types, list)
            and "BitstringStatusListCredential" in types
            and isinstance(doc.get("id"), str)
        ):
            fetcher.register(doc)
    return fetcher


def _trust_registry(
    path: str,
    root_did: str,
    resolver: DidResolver,
    clock: Clock,
    loader: StaticDocumentLoader,
) -> TrustListRegistry:
    if not is_file(path):
        raise CliError(f"--trust-list {path}: no such file")
    document = read_json(path)
    try:
        return TrustListRegistry.from_trust_list(
            document, root_did=root_did, resolver=resolver, clock=clock, loader=loader
        )
    except VerificationFailed as exc:
        problems = "; ".join(f"{p.code.value}: {p.detail}" for p in exc.result.errors)
        raise CliError(
            f"--trust-list {path} does not verify against {root_did}: {problems}"
        ) from None


def _policy(name: str | None, registry: TrustListRegistry, clock: Clock) -> VerifierPolicy:
    choice = POLICIES[name or "any"]
    if choice is None:
        return VerifierPolicy(
            trust_registry=registry, name="any", claims_view=DisclosedId.from_subject, clock=clock
        )
    profile, purpose = choice
    policy: VerifierPolicy = profile.policy(registry, purpose)
    return dataclasses.replace(policy, clock=clock)


# --------------------------------------------------------------------------------------------
# verify
# --------------------------------------------------------------------------------------------
def cmd_verify(args: argparse.Namespace) -> int:
    loader, contexts = loader_from_args(args)
    at = parse_at(args.at) if args.at is not None else None
    clock: Clock = FixedClock(at) if at is not None else SystemClock()
    document = load_input(args.input, args.input_format, what="document", inline=True)
    kind = input_kind(document)
    resolver = did_resolver_from_dir(args.did_docs)
    trusted = any(v is not None for v in (args.trust_list, args.root_did, args.policy))
    if args.purpose is not None and not args.proof_only:
        raise CliError("--purpose goes with --proof-only")
    extra: dict[str, Any] = {}
    policy_name: str | None = None

    if args.proof_only or kind == "document":
        if isinstance(document, str):
            raise CliError("--proof-only checks Data Integrity proofs; an SD-JWT has none")
        if trusted or args.status_dir is not None:
            raise CliError(
                "a document that is neither a credential nor a presentation (or --proof-only) "
                "has only its proofs checked: --trust-list, --root-did, --policy and "
                "--status-dir do not apply"
            )
        kind = "proof"
        result = verify_proof(
            document,
            proof_purpose=args.purpose or "assertionMethod",
            challenge=args.nonce,
            domain=args.aud,
            resolver=resolver,
            loader=loader,
            clock=clock,
        )
    elif trusted:
        if args.trust_list is None or args.root_did is None:
            raise CliError(
                "a trust decision needs both --trust-list FILE and --root-did DID (the pinned "
                "root that signed the list)"
            )
        registry = _trust_registry(args.trust_list, args.root_did, resolver, clock, loader)
        policy = _policy(args.policy, registry, clock)
        policy_name = policy.name
        verifier = Verifier(
            policy,
            resolver=resolver,
            status_fetcher=_status_fetcher(args.status_dir),
            loader=loader,
        )
        if kind == "credential":
            result = verifier.verify_credential(document)
        else:
            _require_challenge(args)
            result = verifier.verify_presentation(document, nonce=args.nonce, audience=args.aud)
    else:
        if isinstance(document, str):
            raise CliError(
                "an SD-JWT is verified against the trust list of its issuers: give "
                "--trust-list FILE and --root-did DID"
            )
        generic = GenericVerifier(
            context=VerificationContext(resolver=resolver, loader=loader, clock=clock),
            status_fetcher=_status_fetcher(args.status_dir),
        )
        if kind == "credential":
            result = generic.verify_credential(document)
        else:
            result = generic.verify_presentation(document, challenge=args.nonce, domain=args.aud)

    if policy_name is not None:
        extra["policy"] = policy_name
    extra["checked"] = kind
    if at is not None:
        extra["at"] = at.isoformat()
    if contexts:
        extra["contexts"] = contexts
    return _emit(result, args, extra)


def _require_challenge(args: argparse.Namespace) -> None:
    if not args.nonce or not args.aud:
        raise CliError(
            "a presentation is verified against --nonce N and --aud A (the challenge the "
            "service issued and the service's own identifier)"
        )


def _emit(result: VerificationResult, args: argparse.Namespace, extra: dict[str, Any]) -> int:
    claims = result.claims if result.verified else None
    if args.json:
        if claims is not None:
            extra["claims"] = _claims_json(claims)
        return emit_result(result, as_json=True, extra=extra)
    for c in extra.pop("contexts", []):
        print(f"context {c['url']} = {c['file']} (sha256 {c['sha256']})", file=sys.stderr)
    code = emit_result(result, as_json=False, extra=extra)
    views = claims if isinstance(claims, list) else [claims] if claims is not None else []
    for n, view in enumerate(views, start=1):
        if len(views) > 1:
            emit(f"credential {n}:")
        if isinstance(view, DisclosedId):
            for label, text in _rows(view.claims):
                emit(f"  {label}: {text}")
    if not result.verified:
        for hint in _hints(result, args):
            emit(f"  hint: {hint}")
    return code


def _hints(result: VerificationResult, args: argparse.Namespace) -> list[str]:
    """What the options could change, for the codes a missing option causes."""
    hints: list[str] = []
    codes = set(result.codes)
    if args.did_docs is None and codes & {
        ErrorCode.DID_NOT_FOUND,
        ErrorCode.UNSUPPORTED_DID_METHOD,
        ErrorCode.DID_RESOLUTION_ERROR,
    }:
        hints.append(
            "give --did-docs DIR with the issuer's DID document (did:web is resolved "
            "offline, from the documents given)"
        )
    if args.status_dir is None and ErrorCode.STATUS_RETRIEVAL_ERROR in codes:
        hints.append("give --status-dir DIR with the issuer's published status lists")
    if ErrorCode.UNKNOWN_CONTEXT in codes:
        hints.append("a context outside the pinned set can be served with --context URL=FILE")
    return hints


def _claims_json(claims: Any) -> Any:
    if isinstance(claims, DisclosedId):
        return dict(claims.claims)
    if isinstance(claims, list):
        return [_claims_json(c) for c in claims]
    return None


def _short(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= _SHOWN_CHARS else f"{text[:_SHOWN_CHARS]}… ({len(text)} chars)"


def _rows(claims: Mapping[str, Any]) -> list[tuple[str, str]]:
    rows = display_rows(claims)
    rows += [(k, _short(v)) for k, v in claims.items() if k not in CLAIM_ORDER]
    return rows
