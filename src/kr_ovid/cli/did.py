"""``did url|web|resolve|rotate|revoke``: mission DIDs (did:web) and their keys."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from kr_ovid.cli._common import (
    EXIT_INVALID,
    EXIT_OK,
    CliError,
    emit,
    extend_option,
    load_signer,
    parse_at,
    read_json,
)
from kr_ovid.did.document import split_did_url
from kr_ovid.did.resolver import CompositeResolver, LocalDidResolver
from kr_ovid.did.rotation import revoke_key, rotate_key
from kr_ovid.did.web import WebDidResolver, build_did_document, did_web_to_url
from kr_ovid.errors import ResolutionError
from kr_ovid.keys import Ed25519Signer

__all__ = ["did_resolver_from_dir", "parse_at", "register"]


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    group = sub.add_parser(
        "did", help="mission DIDs (did:web): URLs, documents, resolution, key rotation"
    )
    cmds = group.add_subparsers(dest="did_command", required=True, metavar="SUBCOMMAND")

    p = cmds.add_parser("url", help="print the HTTPS URL of a did:web DID's document")
    p.add_argument("did")
    p.set_defaults(func=cmd_url)

    p = cmds.add_parser("web", help="print a did:web DID document for the given key files")
    p.add_argument("--domain", required=True, metavar="HOST[:PORT]")
    extend_option(p, "--path", metavar="SEG", help="path segments; repeatable")
    extend_option(
        p, "--key", required=True, metavar="FILE", help="Ed25519 key files (keygen); repeatable"
    )
    p.set_defaults(func=cmd_web)

    p = cmds.add_parser("resolve", help="resolve a DID offline and print its document")
    p.add_argument("did")
    p.add_argument("--did-docs", metavar="DIR", help="DID documents (*.json) to resolve from")
    p.set_defaults(func=cmd_resolve)

    p = cmds.add_parser("rotate", help="retire the active assertion key, publish a new one")
    p.add_argument("--doc", required=True, metavar="FILE", help="current DID document")
    p.add_argument("--new-key", required=True, metavar="FILE", help="key file of the new key")
    p.add_argument("--at", metavar="ISO", help="retirement time (dateTimeStamp; default now)")
    p.set_defaults(func=cmd_rotate)

    p = cmds.add_parser("revoke", help="mark a key compromised: every proof it made fails")
    p.add_argument("--doc", required=True, metavar="FILE", help="current DID document")
    p.add_argument(
        "--key-id", required=True, metavar="VM", help="verification method id or #fragment"
    )
    p.add_argument("--at", metavar="ISO", help="revocation time (dateTimeStamp; default now)")
    p.set_defaults(func=cmd_revoke)


def did_resolver_from_dir(directory: str | None) -> CompositeResolver:
    """did:key built in; did:web (strictly validated) and other methods from ``directory``."""
    if directory is None:
        return CompositeResolver({"web": WebDidResolver()})
    if not Path(directory).is_dir():
        raise CliError(f"--did-docs {directory}: not a directory")
    return CompositeResolver(
        {"web": WebDidResolver(documents=directory)},
        fallback=LocalDidResolver.from_directory(directory),
    )


def _domain_to_did(domain: str, path: list[str]) -> str:
    host, colon, port = domain.partition(":")
    did = "did:web:" + host + (f"%3A{port}" if colon else "") + "".join(f":{seg}" for seg in path)
    try:
        did_web_to_url(did)
    except ResolutionError as exc:
        raise CliError(f"--domain/--path: {exc}") from None
    return did


def _bind(signer: Ed25519Signer, did: str, taken: set[str]) -> Ed25519Signer:
    """Keep a key file's id when it already belongs to ``did``; else the next free ``#key-N``."""
    if (
        split_did_url(signer.verification_method)[0] == did
        and signer.verification_method not in taken
    ):
        return signer
    n = 1
    while f"{did}#key-{n}" in taken:
        n += 1
    return signer.with_verification_method(f"{did}#key-{n}")


def cmd_url(args: argparse.Namespace) -> int:
    try:
        emit(did_web_to_url(args.did))
    except ResolutionError as exc:
        raise CliError(str(exc)) from None
    return EXIT_OK


def cmd_web(args: argparse.Namespace) -> int:
    did = _domain_to_did(args.domain, args.path)
    signers: list[Ed25519Signer] = []
    taken: set[str] = set()
    for path in args.key:
        signer = _bind(load_signer(path), did, taken)
        taken.add(signer.verification_method)
        signers.append(signer)
    emit(build_did_document(did, signers))
    return EXIT_OK


def cmd_resolve(args: argparse.Namespace) -> int:
    try:
        doc = did_resolver_from_dir(args.did_docs).resolve(args.did)
    except ResolutionError as exc:
        print(f"kr-ovid: {exc.code.value}: {exc}", file=sys.stderr)
        return EXIT_INVALID
    emit(doc.to_json())
    return EXIT_OK


def _read_doc(path: str) -> dict[str, Any]:
    doc = read_json(path)
    if not isinstance(doc, dict) or not isinstance(doc.get("id"), str):
        raise CliError(f"{path}: not a DID document")
    return doc


def cmd_rotate(args: argparse.Namespace) -> int:
    doc = _read_doc(args.doc)
    taken = {m.get("id") for m in doc.get("verificationMethod", []) if isinstance(m, dict)}
    did = doc["id"]
    taken |= {did + str(i) for i in taken if isinstance(i, str) and i.startswith("#")}
    signer = _bind(load_signer(args.new_key, "--new-key"), did, {str(t) for t in taken})
    emit(rotate_key(doc, signer, at=parse_at(args.at)))
    return EXIT_OK


def cmd_revoke(args: argparse.Namespace) -> int:
    emit(revoke_key(_read_doc(args.doc), args.key_id, at=parse_at(args.at)))
    return EXIT_OK
