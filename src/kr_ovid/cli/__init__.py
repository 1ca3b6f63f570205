"""``kr-ovid`` command line (also ``python -m kr_ovid``).

Exit codes: 0 success/valid, 1 invalid (verification said no, with the coded errors), 2 usage or
input error. Each group of subcommands lives in its own module with a ``register`` function.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from kr_ovid.cli._common import EXIT_USAGE, CliError
from kr_ovid.errors import KrOvidError

__all__ = ["build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    from kr_ovid.cli import core, did, offer, ovid, present, serve, status, trust

    parser = argparse.ArgumentParser(
        prog="kr-ovid",
        description="Korea's mobile overseas-national ID (모바일 재외국민증) as W3C Verifiable Credentials.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in (core, did, trust, status, ovid, offer, present, serve):
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on usage errors, 0 for --help
        return int(exc.code) if isinstance(exc.code, int) else EXIT_USAGE
    try:
        code: int = args.func(args)
    except CliError as exc:
        print(f"kr-ovid: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KrOvidError as exc:
        print(f"kr-ovid: {exc.code.value}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader (e.g. `| head`) went away: stop quietly, as Unix tools do.
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 — keeps the interpreter's final flush quiet
        return 0
    return code
