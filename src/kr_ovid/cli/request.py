"""``request``: the service side of OpenID4VP from the command line.

Asks a running ``kr-ovid serve`` (with ``[oid4vp]`` enabled) to create an Authorization Request
for one of its policies, and prints the ``openid4vp://`` link with a QR code for the wallet to
scan (in the terminal, and as SVG or PNG on request). With ``--wait`` it then polls the
service's backend route until the wallet has answered and prints the verified result.

The backend token is read from a file (mode 0600, like ``[auth] bearer_token_file``), never
from the command line, where other users of the machine could read it in the process list.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from kr_ovid.cli._common import (
    EXIT_INVALID,
    EXIT_OK,
    CliError,
    add_qr_options,
    emit,
    read_bytes,
)
from kr_ovid.ovid.services import NAMED_PURPOSES

__all__ = ["register"]

_RESPONSE_MODES = ("direct_post.jwt", "direct_post")
_MAX_ANSWER = 1_048_576
_MAX_WAIT = 3600
_POLL_SECONDS = 1.0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "request",
        help="ask a running service for an OpenID4VP request (link and QR code for the wallet)",
        description=(
            "Create an OpenID4VP Authorization Request at a running kr-ovid serve ([oid4vp] "
            "enabled) and print its openid4vp:// link and a QR code; the transaction id and "
            "expiry go to stderr. --wait polls until the wallet has answered."
        ),
    )
    p.add_argument("--policy", required=True, choices=list(NAMED_PURPOSES), help="what to ask")
    p.add_argument("--service", required=True, metavar="URL", help="the service's base URL")
    p.add_argument(
        "--token", required=True, metavar="FILE", help="file holding the backend token (0600)"
    )
    p.add_argument(
        "--response-mode", choices=_RESPONSE_MODES, default="direct_post.jwt", help="(encrypted)"
    )
    p.add_argument(
        "--request-uri-method",
        choices=("get", "post"),
        help="how the wallet fetches the signed request (default: get)",
    )
    add_qr_options(p)
    p.add_argument(
        "--wait",
        type=int,
        metavar="SECONDS",
        help="poll until the wallet has answered (at most SECONDS) and print the result",
    )
    p.add_argument("--json", action="store_true", help="machine-readable output on stdout")
    p.set_defaults(func=cmd_request)


def read_token(path: str) -> str:
    """The first token line of ``path``; the file must not be readable by group or others."""
    file = Path(path)
    try:
        mode = file.stat().st_mode
    except OSError:
        raise CliError(f"--token {path}: no such file") from None
    if mode & 0o077:
        raise CliError(f"--token {path}: must not be readable by group or others (chmod 600)")
    text = read_bytes(path).decode("utf-8", "replace")
    for line in text.splitlines():
        token = line.strip()
        if token and not token.startswith("#"):
            return token
    raise CliError(f"--token {path}: holds no token")


def _call(method: str, url: str, token: str, body: Any = None) -> tuple[int, Any]:
    """One backend call: JSON in, (status, JSON) out; no redirects are followed."""
    data = json.dumps(body).encode("utf-8") if body is not None else None
    headers = {"authorization": f"Bearer {token}", "accept": "application/json"}
    if data is not None:
        headers["content-type"] = "application/json"
    request = urllib.request.Request(url, data=data, headers=headers, method=method)  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310 — http(s) checked
            status, raw = answer.status, answer.read(_MAX_ANSWER + 1)
    except urllib.error.HTTPError as exc:
        status, raw = exc.code, exc.read(_MAX_ANSWER + 1)
    except (urllib.error.URLError, OSError) as exc:
        raise CliError(f"--service: cannot reach {urlsplit(url).netloc} ({exc})") from None
    if len(raw) > _MAX_ANSWER:
        raise CliError("--service: the answer is too large")
    try:
        return status, json.loads(raw.decode("utf-8")) if raw else {}
    except (UnicodeDecodeError, ValueError):
        raise CliError(f"--service: HTTP {status} without a JSON answer") from None


def _refusal(status: int, body: Any) -> str:
    if isinstance(body, dict):
        detail = body.get("error_description") or body.get("detail") or body.get("error")
        if detail:
            return f"HTTP {status}: {detail}"
    return f"HTTP {status}"


def cmd_request(args: argparse.Namespace) -> int:
    base = args.service.rstrip("/")
    if urlsplit(base).scheme not in ("https", "http") or not urlsplit(base).netloc:
        raise CliError(f"--service {args.service}: expected an http(s) URL")
    if args.wait is not None and not 1 <= args.wait <= _MAX_WAIT:
        raise CliError(f"--wait must be 1..{_MAX_WAIT} seconds")
    token = read_token(args.token)
    wants_qr = (not args.no_qr and not args.json) or args.svg or args.png
    if wants_qr:
        from kr_ovid.oid4vp import qr  # needs the oid4vp extra (segno)
    body: dict[str, Any] = {"policy": args.policy, "response_mode": args.response_mode}
    if args.request_uri_method is not None:
        body["request_uri_method"] = args.request_uri_method
    status, created = _call("POST", f"{base}/oid4vp/requests", token, body)
    if status != 201 or not isinstance(created, dict) or not isinstance(created.get("link"), str):
        raise CliError(f"--service refused the request: {_refusal(status, created)}")
    link: str = created["link"]
    files = []
    if args.svg:
        Path(args.svg).write_text(qr.qr_svg(link), encoding="utf-8")
        files.append(args.svg)
    if args.png:
        Path(args.png).write_bytes(qr.qr_png(link))
        files.append(args.png)
    out = {
        "link": link,
        "transactionId": created.get("transaction_id"),
        "requestUri": created.get("request_uri"),
        "expires": created.get("expires"),
        "files": files,
    }
    if args.json and args.wait is None:
        emit(out)
        return EXIT_OK
    if not args.json:
        emit(link)
        if not args.no_qr:
            print(qr.qr_text(link), end="")
        print(
            f"요청 (request) {args.policy}, 거래 (transaction) {out['transactionId']}, "
            f"만료 (expires) {out['expires']}",
            file=sys.stderr,
        )
        sys.stdout.flush()
    if args.wait is None:
        return EXIT_OK
    result = _wait(f"{base}/oid4vp/requests/{quote(str(out['transactionId']))}", token, args.wait)
    if args.json:
        emit({**out, "result": result})
    else:
        emit("verified" if result.get("verified") else "NOT verified")
        for qid, views in (result.get("claims") or {}).items():
            for view in views:
                emit(f"  {qid}: {json.dumps(view, ensure_ascii=False)}")
        for problem in result.get("errors") or []:
            emit(f"  {problem.get('code')}: {problem.get('detail')}")
    return EXIT_OK if result.get("verified") else EXIT_INVALID


def _wait(url: str, token: str, seconds: int) -> dict[str, Any]:
    """Poll the backend route until the transaction is answered (HTTP 200)."""
    deadline = time.monotonic() + seconds
    while True:
        status, body = _call("GET", url, token)
        if status == 200 and isinstance(body, dict):
            return body
        if status != 202:
            raise CliError(f"--service: polling failed: {_refusal(status, body)}")
        if time.monotonic() >= deadline:
            raise CliError(f"no answer from the wallet within {seconds} seconds")
        time.sleep(_POLL_SECONDS)
