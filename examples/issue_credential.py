"""Example issuance: the LA consulate general issues a mobile overseas-national ID (모바일 재외국민증).

Offline, no arguments needed. It creates (or loads from ``--state DIR``) a root authority key and
the pilot missions' keys, writes each mission's DID document, signs the trust list, issues an ID
to a sample person at the Consulate General in Los Angeles (Data Integrity and SD-JWT), publishes
the mission's status lists, verifies the ID as Gov24 would, and writes everything into ``out/``:

    credential.json        the ID, eddsa-rdfc-2022 (full disclosure)
    credential.sd-jwt      the same ID as vc+sd-jwt (selective disclosure, holder-bound)
    did/<code>.json        DID documents of the pilot missions and the root authority
    trust-list.json        the root-signed list of accredited missions
    status/*.json          signed revocation and suspension lists
    keys/                  DEMO keys (mode 0600), unless --state DIR keeps them elsewhere

``--seed`` makes keys, ids, status positions and times reproducible (SD-JWT salts and decoys stay
random on purpose: they are what keeps undisclosed claims hidden).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _demo import build, parse_now, parse_seed, sample_person, write_json

from kr_ovid.ovid import display_rows
from kr_ovid.ovid.services import GOV24
from kr_ovid.verifier import Verifier


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="out", help="output folder (default: out)")
    parser.add_argument("--state", help="keep keys and the SQLite status store here between runs")
    parser.add_argument("--seed", help="reproducible run (hex or any text)")
    parser.add_argument(
        "--now", help="issuance time, ISO 8601 (default: now, or a fixed day with --seed)"
    )
    args = parser.parse_args(argv)

    seed = parse_seed(args.seed)
    demo = build(
        Path(args.out),
        state=Path(args.state) if args.state else None,
        seed=seed,
        now=parse_now(args.now, seed),
    )
    person = sample_person(demo.mission, demo.random_bytes)
    holder_did = demo.holder.public.did_key
    issued = demo.issuer.issue_id(
        person, holder=holder_did, holder_jwks=[demo.holder.public.jwk], formats=("di", "sd-jwt")
    )
    if issued.credential is None or not issued.sd_jwts:
        raise SystemExit("issuance produced nothing")
    write_json(demo.out / "credential.json", issued.credential)
    (demo.out / "credential.sd-jwt").write_text(issued.sd_jwts[0].sd_jwt + "\n", encoding="utf-8")
    status_files = demo.publish_status()

    verifier = Verifier(
        GOV24.policy(demo.registry, "login", clock=demo.clock),
        resolver=demo.resolver,
        status_fetcher=demo.status_fetcher,
    )
    result = verifier.verify_credential(issued.credential)

    subject = issued.credential["credentialSubject"]
    print("모바일 재외국민증 발급 (mobile overseas-national ID issued)")
    print(f"  발급 공관: {demo.mission.name_ko} ({demo.mission.name_en})")
    print(f"  발급 공관 DID: {demo.mission.did}")
    print(f"  소지자 (holder): {holder_did}")
    print(f"  유효기간: {issued.credential['validFrom']} → {issued.credential['validUntil']}")
    for label, value in display_rows(subject, "ko"):
        print(f"  {label}: {value}")
    print(
        f"  상태 목록 (status): list {issued.status.list_id if issued.status else '-'}, {len(status_files)} files"
    )
    if result.verified:
        print(
            "검증 결과 (verification): 유효 — verified (Gov24 login policy: proof, trust list, validity, status, schema)"
        )
    else:
        print("검증 결과 (verification): 실패 — NOT verified")
        for problem in result.errors:
            print(f"  {problem.code.value} {problem.path or ''}: {problem.detail}")
    print(f"출력 (written to): {demo.out.resolve()}")
    return 0 if result.verified else 1


if __name__ == "__main__":
    raise SystemExit(main())
