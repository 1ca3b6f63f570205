"""``keygen``, ``sign``, ``verify``: keys and Data Integrity proofs."""

from __future__ import annotations

import argparse
from pathlib import Path

from kr_ovid.cli._common import (
    EXIT_OK,
    CliError,
    add_input_format_argument,
    emit,
    emit_result,
    load_input,
    read_json,
)
from kr_ovid.cli.present import (
    add_full_verification_arguments,
    verify_presentation,
    wants_full_verification,
)
from kr_ovid.did.resolver import CompositeResolver, LocalDidResolver
from kr_ovid.integrity import add_proof, verify_proof
from kr_ovid.keys import Ed25519Signer
from kr_ovid.suites import DEFAULT_CRYPTOSUITE, SUITES

__all__ = ["register", "resolver_from_args"]

_VERIFY_DESCRIPTION = """\
Verify a document or a presentation. --format says what the input is:
  di      a Data Integrity document (a JSON object)
  sd-jwt  a compact SD-JWT presentation (<JWS>~<disclosure>~...~<KB-JWT>)
  auto    (the default) parse it as JSON and, if that fails, as an SD-JWT
A DI document has only its proof(s) checked, unless a full-verification option
(--nonce, --aud, --root-did, --trust-list, --status-dir, --policy) is given.
An SD-JWT is always verified in full (trust list, DID documents, status,
policy) and needs those options. Input that is not of the expected kind is a
usage error (exit code 2).
"""


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("keygen", help="write an Ed25519 key file (JSON Multikey, mode 0600)")
    p.add_argument("--seed", help="32-byte seed as 64 hex characters (reproducible keys)")
    p.add_argument("--controller", help="controller DID (default: the key's did:key)")
    p.add_argument(
        "--id", dest="vm_id", help="verification method id (default: <controller>#<multikey>)"
    )
    p.add_argument("--jwk", action="store_true", help="also print the public JWK")
    p.add_argument("--out", required=True, help="key file to write")
    p.set_defaults(func=cmd_keygen)

    p = sub.add_parser("sign", help="add a Data Integrity proof to a JSON-LD document")
    p.add_argument("--key", required=True, help="key file written by keygen")
    p.add_argument("--suite", default=DEFAULT_CRYPTOSUITE, choices=sorted(SUITES))
    p.add_argument("--purpose", default="assertionMethod")
    p.add_argument(
        "--created", default=None, help="ISO dateTimeStamp, or 'none' to omit (default: now)"
    )
    p.add_argument("--challenge")
    p.add_argument("--domain")
    p.add_argument("input", help="JSON file ('-' for stdin)")
    p.set_defaults(func=cmd_sign)

    p = sub.add_parser(
        "verify",
        help="verify a document's Data Integrity proof(s), or an SD-JWT presentation in full",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description=_VERIFY_DESCRIPTION,
    )
    p.add_argument("input", help="JSON or SD-JWT file ('-' for stdin), or the SD-JWT token itself")
    add_input_format_argument(p, "input")
    p.add_argument("--purpose", default="assertionMethod")
    p.add_argument("--challenge")
    p.add_argument("--domain")
    add_did_docs_argument(p)
    p.add_argument("--json", action="store_true", help="machine-readable output")
    # An SD-JWT (by --format or as parsed), or any of these options, selects full verification
    # (trust list, status, policy); otherwise only the Data Integrity proof(s) are checked.
    add_full_verification_arguments(p)
    p.set_defaults(func=cmd_verify)


def add_did_docs_argument(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--did-docs", metavar="DIR", help="resolve non-did:key DIDs from *.json documents in DIR"
    )


def resolver_from_args(args: argparse.Namespace) -> CompositeResolver:
    directory = getattr(args, "did_docs", None)
    if directory is None:
        return CompositeResolver()
    if not Path(directory).is_dir():
        raise CliError(f"--did-docs {directory}: not a directory")
    return CompositeResolver(fallback=LocalDidResolver.from_directory(directory))


def load_signer(path: str) -> Ed25519Signer:
    return Ed25519Signer.from_key_file(path)


def cmd_keygen(args: argparse.Namespace) -> int:
    if args.seed is not None:
        try:
            seed = bytes.fromhex(args.seed)
        except ValueError:
            raise CliError("--seed must be 64 hex characters") from None
        if len(seed) != 32:
            raise CliError("--seed must be 64 hex characters (32 bytes)")
        signer = Ed25519Signer.from_seed(seed)
    else:
        signer = Ed25519Signer.generate()
    controller = args.controller or signer.public.did_key
    vm_id = args.vm_id or f"{controller}#{signer.public.multikey}"
    signer = signer.with_verification_method(vm_id)
    out = Path(args.out)
    if out.exists():
        raise CliError(f"{out} exists; refusing to overwrite a key file")
    signer.write_key_file(out, controller=controller)
    public = signer.public_multikey_document(controller=controller)
    emit(
        {
            "publicKey": public,
            "didKey": signer.public.did_key,
            **({"publicJwk": signer.public.jwk} if args.jwk else {}),
        }
    )
    return EXIT_OK


def cmd_sign(args: argparse.Namespace) -> int:
    signer = load_signer(args.key)
    document = read_json(args.input)
    if not isinstance(document, dict):
        raise CliError("input must be a JSON object")
    omit = args.created is not None and args.created.lower() == "none"
    signed = add_proof(
        document,
        signer,
        cryptosuite=args.suite,
        proof_purpose=args.purpose,
        created=None if omit else args.created,
        include_created=not omit,
        challenge=args.challenge,
        domain=args.domain,
    )
    emit(signed)
    return EXIT_OK


def cmd_verify(args: argparse.Namespace) -> int:
    document = load_input(args.input, args.input_format, what="document", inline=True)
    if isinstance(document, str) or wants_full_verification(args, document):
        return verify_presentation(args, document)  # an SD-JWT is only verifiable in full
    result = verify_proof(
        document,
        proof_purpose=args.purpose,
        challenge=args.challenge,
        domain=args.domain,
        resolver=resolver_from_args(args),
    )
    return emit_result(result, as_json=args.json)
