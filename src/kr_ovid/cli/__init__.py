"""``kr-ovid`` command line (also ``python -m kr_ovid``).

Exit codes: 0 success/valid, 1 invalid (verification said no, with the coded errors), 2 usage or
input error. With ``--json`` every outcome is JSON on stdout, usage and input errors included
(``{"errors": [<RFC 9457 problem details>]}``). Each group of subcommands lives in its own
module with a ``register`` function.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import NoReturn

from kr_ovid import __version__
from kr_ovid.cli._common import EXIT_USAGE, CliError, emit
from kr_ovid.errors import KrOvidError
from kr_ovid.problems import ErrorCode, ProblemDetails

__all__ = ["build_parser", "main"]


class _UsageError(CliError):
    """An argparse usage error, raised instead of exiting so ``--json`` can report it."""

    def __init__(self, message: str, usage: str) -> None:
        super().__init__(message)
        self.usage = usage


class _Parser(argparse.ArgumentParser):
    """argparse, except that a usage error is raised (argparse would print and exit)."""

    def error(self, message: str) -> NoReturn:
        raise _UsageError(message, self.format_usage())


def build_parser() -> argparse.ArgumentParser:
    from kr_ovid.cli import (
        core,
        did,
        offer,
        ovid,
        present,
        request,
        serve,
        status,
        trust,
        verify,
    )

    parser = _Parser(
        prog="kr-ovid",
        description="Korea's mobile overseas-national ID (모바일 재외국민증) as W3C Verifiable Credentials.",
        epilog="Exit codes: 0 success or valid, 1 invalid (coded errors printed), 2 usage or input "
        "error. --json gives machine output, errors included.",
    )
    parser.add_argument("--version", action="version", version=f"kr-ovid {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in (core, verify, did, trust, status, ovid, offer, request, present, serve):
        module.register(sub)
    return parser


def _report(exc: KrOvidError, *, as_json: bool) -> None:
    """A usage or input error: problem details on stdout with ``--json``, else one line (and the
    usage line for a command-line mistake) on stderr."""
    if as_json:
        problem = ProblemDetails(exc.code, str(exc), getattr(exc, "path", None))
        extra = [p.to_dict() for p in getattr(exc, "problems", ())]
        emit({"errors": extra or [problem.to_dict()]})
        return
    if isinstance(exc, _UsageError):
        sys.stderr.write(exc.usage)
        print(f"kr-ovid: error: {exc}", file=sys.stderr)
    elif exc.code in (ErrorCode.USAGE_ERROR, ErrorCode.INTERNAL_ERROR):
        print(f"kr-ovid: {exc}", file=sys.stderr)
    else:
        print(f"kr-ovid: {exc} ({exc.code.value})", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    as_json = "--json" in args_list
    parser = build_parser()
    try:
        args = parser.parse_args(args_list)
        code: int = args.func(args)
    except SystemExit as exc:  # --help and --version
        return int(exc.code) if isinstance(exc.code, int) else EXIT_USAGE
    except KrOvidError as exc:
        _report(exc, as_json=as_json)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader (e.g. `| head`) went away: stop quietly, as Unix tools do.
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 — keeps the interpreter's final flush quiet
        return 0
    return code
