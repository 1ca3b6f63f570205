"""``keygen`` and ``sign``: keys and Data Integrity proofs."""

from __future__ import annotations

import argparse
from pathlib import Path

from kr_ovid.cli._common import EXIT_OK, CliError, emit, load_signer, read_json
from kr_ovid.integrity import add_proof
from kr_ovid.keys import Ed25519Signer
from kr_ovid.suites import DEFAULT_CRYPTOSUITE, SUITES

__all__ = ["register"]


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
