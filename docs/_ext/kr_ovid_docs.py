"""Pages generated from the code at build time, so they cannot drift from it.

* ``_generated/errors.md``: the error reference, one section per :class:`~kr_ovid.ErrorCode`,
  from :data:`kr_ovid.problems.ERROR_REFERENCE` (its spec type URL, whether retrying can help,
  what triggers it, what a service should do);
* ``_generated/cli.md``: the command-line reference, each command's ``--help``.

``tests/unit/test_error_reference.py`` renders the error page too and checks every code is in it.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

_RETRY = {
    "never": "no — the same input gets the same answer",
    "sometimes": "only when the result says `retryable` (data could not be fetched)",
    "always": "yes — the answer depends on data that can be refreshed",
}


def render_error_reference() -> str:
    """The error reference as MyST Markdown: a summary table, then one section per code."""
    from kr_ovid.problems import ERROR_REFERENCE, ErrorCode

    lines = [
        "# Error reference",
        "",
        "Every failed check is a `ProblemDetails` with one of these codes (`result.errors`,",
        "`result.codes`, `kr-ovid … --json`). The `type` URL is the code's name in the namespace",
        "of the specification that defines it (VC Data Model 2.0, VC Data Integrity, Bitstring",
        "Status List), or kr_ovid's own. *Retry* says whether asking again later can change the",
        "answer; for each result, `VerificationResult.retryable` says so exactly. This page is",
        "generated from `kr_ovid.problems.ERROR_REFERENCE`.",
        "",
        "| code | retry | type URL |",
        "|---|---|---|",
    ]
    for code in ErrorCode:
        ref = ERROR_REFERENCE[code]
        lines.append(
            f"| [`{code.value}`](#{code.value.lower().replace('_', '-')}) "
            f"| {ref.retryable} | `{code.type_url}` |"
        )
    for code in ErrorCode:
        ref = ERROR_REFERENCE[code]
        lines += [
            "",
            f"## {code.value}",
            "",
            "Type",
            f": `{code.type_url}`",
            "",
            "Retry",
            f": {_RETRY[ref.retryable]}",
            "",
            "Triggered by",
            f": {ref.trigger}",
            "",
            "What a service should do",
            f": {ref.action}",
        ]
    return "\n".join(lines) + "\n"


def _commands(parser: argparse.ArgumentParser, prefix: str) -> list[tuple[str, str]]:
    """(command line, help text) of ``parser`` and every subcommand below it, depth first."""
    out = [(prefix, parser.format_help())]
    for action in parser._actions:  # argparse keeps subparsers only here
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                out += _commands(sub, f"{prefix} {name}")
    return out


def render_cli_reference() -> str:
    """Every ``kr-ovid`` command's ``--help``, as MyST Markdown."""
    from kr_ovid.cli import build_parser

    lines = [
        "# Command-line reference",
        "",
        "The `--help` of every `kr-ovid` command (generated from the parser). Exit codes: 0",
        "success or valid, 1 invalid (the coded errors are printed), 2 usage or input error.",
    ]
    for command, text in _commands(build_parser(), "kr-ovid")[1:]:
        lines += ["", f"## {command}", "", "```text", text.rstrip(), "```"]
    return "\n".join(lines) + "\n"


def _write_generated(app: Any) -> None:
    out = Path(app.srcdir) / "_generated"
    out.mkdir(exist_ok=True)
    for name, text in (("errors.md", render_error_reference()), ("cli.md", render_cli_reference())):
        path = out / name
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")


def setup(app: Any) -> dict[str, Any]:
    app.connect("builder-inited", _write_generated)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
