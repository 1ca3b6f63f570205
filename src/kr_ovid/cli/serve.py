"""``serve``: run the VC-API service (needs the ``server`` extra)."""

from __future__ import annotations

import argparse
from pathlib import Path

from kr_ovid.cli._common import CliError

__all__ = ["register"]

MISSING_EXTRA = (
    "the service needs the server extra (Starlette, uvicorn): pip install 'kr-ovid[server]'"
)
#: Top-level packages of the extra (and what they bring): missing, the extra is not installed.
_EXTRA_PACKAGES = frozenset({"starlette", "uvicorn", "anyio", "h11", "click"})


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "serve",
        help="run the VC-API service (issue, verify, status lists, DID documents)",
        description=(
            "Run the W3C CCG VC-API service over HTTP(S). Flags override the --config file. "
            "Test mode (--test-mode) issues with a did:key, trusts did:key issuers and opens "
            "the operator routes when no credential is configured: never use it in production."
        ),
    )
    p.add_argument("--config", metavar="FILE", help="TOML configuration (see docs/deployment.md)")
    p.add_argument("--host", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, help="port to listen on; 0 picks a free one (default 8443)")
    p.add_argument(
        "--public-url",
        metavar="URL",
        help="the base URL clients reach the service at; status list and DID URLs use it",
    )
    p.add_argument("--tls-cert", metavar="FILE", help="certificate chain (PEM) for HTTPS")
    p.add_argument("--tls-key", metavar="FILE", help="private key (PEM) for HTTPS")
    p.add_argument("--workers", type=int, metavar="N", help="worker processes (default 1)")
    p.add_argument(
        "--ready-file",
        metavar="FILE",
        help="write JSON (url, issuer, publicUrl) here once listening; removed at exit",
    )
    p.add_argument(
        "--test-mode",
        action="store_true",
        default=None,
        help="TEST ONLY: did:key issuer, W3C examples context, did:key issuers trusted",
    )
    p.set_defaults(func=cmd_serve)


def cmd_serve(args: argparse.Namespace) -> int:
    # Imported here only: the extra is optional, and its absence is a usage error, not a crash.
    try:
        from kr_ovid.server.config import load_config
        from kr_ovid.server.run import serve
    except ImportError as exc:
        if (exc.name or "").split(".")[0] in _EXTRA_PACKAGES:
            raise CliError(MISSING_EXTRA) from None
        raise

    config = load_config(
        args.config,
        host=args.host,
        port=args.port,
        public_url=args.public_url,
        tls_cert=args.tls_cert,
        tls_key=args.tls_key,
        workers=args.workers,
        test_mode=args.test_mode,
    )
    return serve(config, ready_file=Path(args.ready_file) if args.ready_file else None)
