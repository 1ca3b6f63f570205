"""``trustlist create|verify``: the root-signed list of accredited missions."""

from __future__ import annotations

import argparse
from datetime import timedelta
from typing import Any

from kr_ovid.cli._common import (
    EXIT_OK,
    CliError,
    emit,
    emit_result,
    extend_option,
    load_signer,
    parse_at,
    read_json,
)
from kr_ovid.cli.did import did_resolver_from_dir
from kr_ovid.clock import FixedClock
from kr_ovid.errors import ConfigurationError
from kr_ovid.trust import (
    DEFAULT_CREDENTIAL_TYPES,
    DEFAULT_GRACE,
    create_trust_list,
    verify_trust_list,
)

__all__ = ["register"]

_DEFAULT_PERIOD = timedelta(days=7)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    group = sub.add_parser(
        "trustlist", help="create or verify the root-signed trust list of missions"
    )
    cmds = group.add_subparsers(dest="trustlist_command", required=True, metavar="SUBCOMMAND")

    p = cmds.add_parser("create", help="sign a trust list from a missions table")
    p.add_argument(
        "--root-key", required=True, metavar="FILE", help="the root authority's key file"
    )
    p.add_argument(
        "--missions",
        required=True,
        metavar="FILE",
        help="a missions file (the packaged format), or a JSON list of rows in trust-list names (missionCode, validFrom, …); 'builtin' = the packaged registry",
    )
    p.add_argument("--version", type=int, default=1, help="list version; must grow with every list")
    p.add_argument("--issued", metavar="ISO", help="issuance time (default now)")
    p.add_argument("--next-update", metavar="ISO", help="next update (default issued + 7 days)")
    extend_option(
        p,
        "--credential-type",
        metavar="TYPE",
        help=f"type missions may issue when a row names none (default {', '.join(DEFAULT_CREDENTIAL_TYPES)})",
    )
    p.add_argument(
        "--did-host", metavar="HOST", help="rows without 'did' get did:web:HOST:missions:CODE"
    )
    p.set_defaults(func=cmd_create)

    p = cmds.add_parser("verify", help="verify a trust list against the pinned root DID")
    p.add_argument("input", help="trust list JSON ('-' for stdin)")
    p.add_argument("--root-did", required=True, help="the pinned root authority DID")
    p.add_argument(
        "--did-docs", metavar="DIR", help="pinned DID documents (the root's, if not did:key)"
    )
    p.add_argument("--previous-version", type=int, help="version already held (rollback check)")
    p.add_argument("--at", metavar="ISO", help="verification time (default now)")
    p.add_argument("--grace-hours", type=float, default=DEFAULT_GRACE.total_seconds() / 3600)
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=cmd_verify)


def _missions_table(source: str) -> list[Any]:
    """Rows in trust-list names: the packaged registry, a missions file, or a JSON table."""
    from kr_ovid.ovid.missions import load_missions

    if source == "builtin":
        return load_missions().trust_rows()
    table = read_json(source)
    if isinstance(table, dict) and "version" in table:
        # A missions file (the packaged format): validated, then mapped to trust-list names.
        try:
            return load_missions(source).trust_rows()
        except ConfigurationError as exc:
            raise CliError(str(exc)) from None
    if isinstance(table, dict):
        table = table.get("missions")
    if not isinstance(table, list) or not all(isinstance(row, dict) for row in table):
        raise CliError(
            f"{source}: expected a missions file, or a JSON list of rows in trust-list names"
            " (missionCode, nameKo, nameEn, country, city, did, validFrom, …)"
        )
    return table


def cmd_create(args: argparse.Namespace) -> int:
    root = load_signer(args.root_key, "--root-key")
    issued = parse_at(args.issued)
    next_update = parse_at(args.next_update) if args.next_update else issued + _DEFAULT_PERIOD
    host = args.did_host
    try:
        signed = create_trust_list(
            _missions_table(args.missions),
            root_signer=root,
            version=args.version,
            issued=issued,
            next_update=next_update,
            credential_types=tuple(args.credential_type or DEFAULT_CREDENTIAL_TYPES),
            mission_did=(lambda code: f"did:web:{host}:missions:{code}") if host else None,
        )
    except ConfigurationError as exc:
        raise CliError(str(exc)) from None
    emit(signed)
    return EXIT_OK


def cmd_verify(args: argparse.Namespace) -> int:
    document = read_json(args.input)
    if args.grace_hours < 0:
        raise CliError("--grace-hours must not be negative")
    result = verify_trust_list(
        document,
        root_did=args.root_did,
        resolver=did_resolver_from_dir(args.did_docs),
        clock=FixedClock(parse_at(args.at)),
        grace=timedelta(hours=args.grace_hours),
        previous_version=args.previous_version,
    )
    extra: dict[str, Any] = {}
    if result.verified:
        tl = result.claims
        extra = {
            "version": tl.version,
            "nextUpdate": tl.next_update.isoformat(),
            "missions": [f"{m.mission_code} {m.state} {m.did}" for m in tl.missions],
        }
    return emit_result(result, as_json=args.json, extra=extra)
