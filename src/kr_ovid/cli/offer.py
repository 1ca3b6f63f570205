"""``offer``: the desk's step after in-person proofing: a single-use OpenID4VCI credential offer.

The offer goes into the mission's offer store (``--db``, the SQLite file the service's
OpenID4VCI routes read), and the command prints what the applicant needs: the offer link, a QR
code to scan (in the terminal, and as an SVG or PNG file on request), and the transaction code
to give them separately (read aloud or printed; never on the same screen as the QR code in
front of others). The claims are checked as the mission would issue them today, so a problem
shows at the desk, not on the phone. Nothing is signed here: the service signs at redemption.
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime, timedelta
from typing import Any

from kr_ovid.cli._common import EXIT_OK, CliError, add_qr_options, emit
from kr_ovid.cli.ovid import read_claims, registry
from kr_ovid.errors import ConfigurationError
from kr_ovid.oid4vci.service import create_offer
from kr_ovid.oid4vci.store import SqliteIssuanceStore
from kr_ovid.ovid.issuance import KST, check_id_claims
from kr_ovid.ovid.oid4vci import CONFIGURATION_IDS

__all__ = ["register"]

_MAX_TTL_MINUTES = 24 * 60


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "offer",
        help="make an OpenID4VCI credential offer (link, QR code, transaction code)",
        description=(
            "After in-person proofing: store a single-use credential offer with the "
            "pre-authorized code grant for the service to redeem, and print its link, a QR "
            "code and the transaction code to hand to the applicant separately."
        ),
    )
    p.add_argument("--mission", required=True, metavar="CODE", help="issuing mission code")
    p.add_argument(
        "--claims",
        required=True,
        metavar="FILE",
        help="JSON object of the stated claims (credentialSubject form), as for 'issue'",
    )
    p.add_argument(
        "--db", required=True, metavar="FILE", help="the offer store the service reads (SQLite)"
    )
    p.add_argument(
        "--issuer-url",
        required=True,
        metavar="URL",
        help="the Credential Issuer Identifier the service answers at (https)",
    )
    p.add_argument(
        "--config",
        dest="configs",
        action="append",
        choices=CONFIGURATION_IDS,
        help="offer this credential configuration (repeat; default: all)",
    )
    p.add_argument("--ttl", type=int, default=15, metavar="MINUTES", help="lifetime (15)")
    p.add_argument("--no-tx-code", action="store_true", help="ask no transaction code")
    p.add_argument(
        "--tx-code-description",
        metavar="TEXT",
        help="tells the wallet where the code comes from (at most 300 characters)",
    )
    p.add_argument(
        "--by-reference",
        action="store_true",
        help="the link holds only the URL to fetch the offer from (a smaller QR code)",
    )
    add_qr_options(p)
    p.add_argument(
        "--allow-loopback-http",
        action="store_true",
        help="TEST ONLY: accept an http issuer URL on a loopback address",
    )
    p.add_argument("--missions", metavar="FILE", help="missions file (default: the packaged one)")
    p.add_argument("--json", action="store_true", help="machine-readable output on stdout")
    p.set_defaults(func=cmd_offer)


def cmd_offer(args: argparse.Namespace) -> int:
    if not 1 <= args.ttl <= _MAX_TTL_MINUTES:
        raise CliError(f"--ttl must be 1..{_MAX_TTL_MINUTES} minutes")
    mission = registry(args.missions).by_code(args.mission)
    claims = read_claims(args.claims, mission)
    try:
        check_id_claims(mission, claims, datetime.now(KST).date())
    except ConfigurationError as exc:
        where = f" ({exc.path})" if exc.path else ""
        raise CliError(f"{args.claims}: the ID cannot be issued: {exc}{where}") from None
    wants_qr = (not args.no_qr and not args.json) or args.svg or args.png
    qr: Any = None
    if wants_qr:
        from kr_ovid.oid4vci import qr  # needs the oid4vci extra (segno)

    store = SqliteIssuanceStore(args.db)
    try:
        issued = create_offer(
            store,
            credential_issuer=args.issuer_url,
            configuration_ids=args.configs or list(CONFIGURATION_IDS),
            claims=claims,
            ttl=timedelta(minutes=args.ttl),
            tx_code=not args.no_tx_code,
            tx_code_description=args.tx_code_description,
            by_reference=args.by_reference,
            allow_loopback_http=args.allow_loopback_http,
        )
    finally:
        store.close()

    files = [str(qr.save_qr(issued.link, path)) for path in (args.svg, args.png) if path]
    if args.json:
        emit(
            {
                "link": issued.link,
                "txCode": issued.tx_code,
                "offerId": issued.offer_id,
                "offerUri": issued.offer_uri,
                "expires": issued.expires.isoformat(),
                "configurations": list(issued.offer.credential_configuration_ids),
                "files": files,
            }
        )
        return EXIT_OK
    emit(issued.link)
    if not args.no_qr:
        print(qr.qr_terminal(issued.link), end="")
    lines = [
        f"제안 (offer) {issued.offer_id}, 만료 (expires) {issued.expires.astimezone(KST):%Y-%m-%d %H:%M} KST",
        *(f"  {c}" for c in issued.offer.credential_configuration_ids),
        *(f"  QR: {f}" for f in files),
    ]
    if issued.tx_code is not None:
        lines.append(f"거래 코드 (transaction code): {issued.tx_code}  — 신청인에게 따로 전달")
    print("\n".join(lines), file=sys.stderr)
    return EXIT_OK
