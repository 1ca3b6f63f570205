"""Shared pieces of the ``kr-ovid`` command line: exit codes, input, output."""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

from kr_ovid._json import JsonParseError, parse_json
from kr_ovid.clock import SystemClock, parse_datetime_stamp
from kr_ovid.errors import KeyFormatError, KrOvidError
from kr_ovid.jsonld.loader import StaticDocumentLoader, default_loader
from kr_ovid.keys import Ed25519Signer
from kr_ovid.problems import ErrorCode, ProblemDetails
from kr_ovid.results import VerificationResult
from kr_ovid.sdjwt.disclosure import split_sd_jwt
from kr_ovid.sdjwt.jws import SdJwtError, decode_compact_jws

__all__ = [
    "EXIT_INVALID",
    "EXIT_OK",
    "EXIT_USAGE",
    "INPUT_FORMATS",
    "CliError",
    "Progress",
    "add_context_argument",
    "add_input_format_argument",
    "add_qr_options",
    "decode_text",
    "emit",
    "emit_result",
    "extend_option",
    "is_file",
    "load_input",
    "load_signer",
    "loader_from_args",
    "parse_at",
    "parse_input",
    "read_json",
]

EXIT_OK = 0
EXIT_INVALID = 1
EXIT_USAGE = 2


class CliError(KrOvidError):
    """A usage or input problem: reported on stderr (or as problem details with ``--json``)
    with exit code 2. ``problems`` lists several findings reported at once (a claims file)."""

    code = ErrorCode.USAGE_ERROR

    def __init__(
        self,
        message: str,
        *,
        code: ErrorCode | None = None,
        path: str | None = None,
        problems: Sequence[ProblemDetails] = (),
    ) -> None:
        super().__init__(message, code=code, path=path)
        self.problems = tuple(problems)


class Progress:
    """``done/total`` on one rewritten stderr line while stderr is a terminal; silent when it is
    piped or redirected, so logs and scripts see only results."""

    def __init__(self, what: str, *, stream: TextIO | None = None) -> None:
        self._what = what
        self._stream = stream or sys.stderr
        self._shown = False
        try:
            self._live = self._stream.isatty()
        except (AttributeError, ValueError):
            self._live = False

    def __call__(self, done: int, total: int) -> None:
        if self._live and total > 1:
            self._stream.write(f"\r{self._what} {done}/{total}")
            self._stream.flush()
            self._shown = True

    def close(self) -> None:
        if self._shown:
            self._stream.write("\n")
            self._stream.flush()
            self._shown = False


def extend_option(p: argparse.ArgumentParser, *names: str, **kwargs: Any) -> None:
    """A repeatable option that takes one or more values, the same everywhere: ``--x a b c`` and
    ``--x a --x b --x c`` both give ``[a, b, c]``."""
    kwargs.setdefault("default", [])
    p.add_argument(*names, nargs="+", action="extend", **kwargs)


def add_qr_options(p: argparse.ArgumentParser) -> None:
    """``--svg FILE``, ``--png FILE``, ``--no-qr``: where a link's QR code goes besides the
    terminal (``offer``, ``request``)."""
    p.add_argument("--svg", metavar="FILE", help="also write the QR code as SVG")
    p.add_argument("--png", metavar="FILE", help="also write the QR code as PNG")
    p.add_argument("--no-qr", action="store_true", help="print no QR code in the terminal")


def load_signer(path: str, option: str = "--key") -> Ed25519Signer:
    """The signer in key file ``path``; errors name the option and the file, in user terms."""
    if not is_file(path):
        raise CliError(f"{option} {path}: no such file")
    try:
        return Ed25519Signer.from_key_file(path)
    except KeyFormatError as exc:
        raise CliError(f"{option} {path}: not a usable key file ({exc})") from None


def parse_at(value: str | None, option: str = "--at") -> datetime:
    """An XSD dateTimeStamp (``2026-03-01T09:00:00Z``); now when ``value`` is None."""
    if value is None:
        return SystemClock().now()
    parsed = parse_datetime_stamp(value)
    if parsed is None:
        raise CliError(
            f"{option} {value}: not a date and time with a zone (e.g. 2026-03-01T09:00:00Z)"
        )
    return parsed


def add_context_argument(p: argparse.ArgumentParser) -> None:
    extend_option(
        p,
        "--context",
        metavar="URL=FILE",
        help="serve FILE as the JSON-LD context URL (beyond the pinned set; its sha256 is "
        "printed so the choice is on record); repeatable",
    )


def loader_from_args(args: argparse.Namespace) -> tuple[StaticDocumentLoader, list[dict[str, str]]]:
    """The pinned contexts plus every ``--context URL=FILE``, and (url, sha256) of the added ones."""
    extra: dict[str, Any] = {}
    added: list[dict[str, str]] = []
    for spec in getattr(args, "context", None) or []:
        url, sep, path = spec.partition("=")
        if not sep or not url or not path:
            raise CliError(f"--context {spec}: expected URL=FILE")
        raw = read_bytes(path)
        try:
            document = parse_json(decode_text(raw, path))
        except JsonParseError as exc:
            raise CliError(f"--context {path}: {exc}") from None
        if not isinstance(document, dict) or "@context" not in document:
            raise CliError(f"--context {path}: not a JSON-LD context (no @context member)")
        extra[url] = document
        added.append({"url": url, "file": path, "sha256": hashlib.sha256(raw).hexdigest()})
    if not extra:
        return default_loader(), added
    return default_loader().with_documents(extra), added


def read_bytes(path: str) -> bytes:
    try:
        return sys.stdin.buffer.read() if path == "-" else Path(path).read_bytes()
    except OSError as exc:
        raise CliError(f"cannot read {path}: {exc.strerror or 'unreadable'}") from None


def is_file(path: str) -> bool:
    """``Path.is_file`` that answers False for names the OS refuses (e.g. a long token)."""
    try:
        return Path(path).is_file()
    except (OSError, ValueError):
        return False


def decode_text(raw: bytes, source: str) -> str:
    """UTF-8 text; a leading byte order mark belongs to the encoding, not to the content."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CliError(f"{source}: not UTF-8 text") from None


def read_json(path: str) -> Any:
    try:
        return parse_json(decode_text(read_bytes(path), path))
    except JsonParseError as exc:
        raise CliError(f"{path}: {exc}") from None


# --------------------------------------------------------------------------------------------
# Inputs that are either a Data Integrity document (JSON) or an SD-JWT (compact text)
# --------------------------------------------------------------------------------------------
#: ``--format`` choices: the kind of such an input is named, or (``auto``) found by parsing it.
INPUT_FORMATS = ("auto", "di", "sd-jwt")
_SD_JWT_SHAPE = "a compact SD-JWT (<JWS>~<disclosure>~...~[<KB-JWT>])"


class _NotThisKind(Exception):
    """The input did not parse as the kind tried; the message says why."""


def add_input_format_argument(p: argparse.ArgumentParser, what: str) -> None:
    p.add_argument(
        "--format",
        dest="input_format",
        choices=INPUT_FORMATS,
        default="auto",
        help=(
            f"what the {what} is: 'di' (Data Integrity, a JSON object), 'sd-jwt' (compact "
            "SD-JWT), or 'auto' (default): parsed as JSON, and if that fails as an SD-JWT"
        ),
    )


def _json_kind(value: Any) -> str:
    if value is None:
        return "null"
    kinds = ((bool, "boolean"), (str, "string"), (list, "array"))
    return next((name for t, name in kinds if isinstance(value, t)), "number")


def _as_di(text: str) -> dict[str, Any]:
    """The JSON object ``text`` parses to (whitespace around it is JSON's own business)."""
    try:
        value = parse_json(text)
    except JsonParseError as exc:
        raise _NotThisKind(str(exc)) from None
    if not isinstance(value, dict):
        raise _NotThisKind(f"it is a JSON {_json_kind(value)}, not an object")
    return value


def _as_sd_jwt(text: str) -> str:
    """The compact SD-JWT in ``text``, split and its issuer-signed JWS decoded by the library.

    A well-formed token whose JWS header the library refuses (``alg: none``, a ``jwk`` in the
    header) is still an SD-JWT: the verifier reports it with its code (exit 1), not as usage.
    """
    token = text.strip()
    try:
        decode_compact_jws(split_sd_jwt(token).jws)
    except SdJwtError as exc:
        if exc.code is not ErrorCode.CRYPTOGRAPHIC_SECURITY_ERROR:
            raise _NotThisKind(str(exc)) from None
    return token


def parse_input(data: bytes | str, fmt: str, *, source: str, what: str) -> dict[str, Any] | str:
    """A Data Integrity ``what`` (a JSON object) or an SD-JWT (compact text), by ``--format``.

    ``auto`` parses the input as JSON and, when that fails, as an SD-JWT; ``di`` and ``sd-jwt``
    accept only their kind. Whatever does not parse as the kind expected is a :class:`CliError`
    (exit 2) naming what was expected and why the input is not that.
    """
    if fmt not in INPUT_FORMATS:
        raise CliError(f"--format {fmt}: expected one of {', '.join(INPUT_FORMATS)}")
    di_shape = f"a Data Integrity {what} (a JSON object)"
    try:
        text = decode_text(data, source) if isinstance(data, bytes) else data
    except CliError:
        expected = {"di": di_shape, "sd-jwt": _SD_JWT_SHAPE}.get(fmt, f"{di_shape} or an SD-JWT")
        raise CliError(f"{source}: expected {expected}, but it is not UTF-8 text") from None
    if fmt == "di":
        try:
            return _as_di(text)
        except _NotThisKind as exc:
            hint = _hint(text, _as_sd_jwt, "an SD-JWT", "sd-jwt")
            raise CliError(f"{source}: --format di expects {di_shape}, but {exc}{hint}") from None
    if fmt == "sd-jwt":
        try:
            return _as_sd_jwt(text)
        except _NotThisKind as exc:
            hint = _hint(text, _as_di, "a JSON object", "di")
            raise CliError(
                f"{source}: --format sd-jwt expects {_SD_JWT_SHAPE}, but {exc}{hint}"
            ) from None
    try:
        return _as_di(text)
    except _NotThisKind as exc:
        as_json = str(exc)
    try:
        return _as_sd_jwt(text)
    except _NotThisKind as exc:
        raise CliError(
            f"{source}: neither {di_shape} nor {_SD_JWT_SHAPE}: "
            f"as JSON, {as_json}; as an SD-JWT, {exc}"
        ) from None


def _hint(text: str, parse: Callable[[str], object], kind: str, fmt: str) -> str:
    """When the input is of the other kind, say so and which ``--format`` it needs."""
    try:
        parse(text)
    except _NotThisKind:
        return ""
    return f"; it parses as {kind}: use --format {fmt} (or auto)"


def load_input(arg: str, fmt: str, *, what: str, inline: bool = False) -> dict[str, Any] | str:
    """:func:`parse_input` of the file ``arg`` (``-``: stdin). With ``inline``, an argument
    that names no file but parses as an SD-JWT is the token itself, given on the command line."""
    if inline and arg != "-" and not is_file(arg):
        try:
            token = _as_sd_jwt(arg)
        except _NotThisKind:
            pass
        else:
            return parse_input(token, fmt, source="the command-line token", what=what)
    return parse_input(read_bytes(arg), fmt, source=arg, what=what)


def dumps(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False)


def emit(value: Any) -> None:
    sys.stdout.write(value if isinstance(value, str) else dumps(value))
    sys.stdout.write("\n")


def emit_result(
    result: VerificationResult, *, as_json: bool, extra: dict[str, Any] | None = None
) -> int:
    """Print a verification result; exit 0 when verified, 1 otherwise."""
    if as_json:
        out = result.to_dict()
        out.update(extra or {})
        emit(out)
    elif result.verified:
        emit("verified")
        for key, value in (extra or {}).items():
            emit(f"{key}: {value if isinstance(value, str) else dumps(value)}")
    else:
        emit("NOT verified")
        for p in result.errors:
            where = f" at {p.path}" if p.path else ""
            emit(f"  {p.code.value}{where}: {p.detail}")
        if result.retryable:
            emit("  (retryable: the answer may change when the missing data can be fetched)")
    return EXIT_OK if result.verified else EXIT_INVALID
