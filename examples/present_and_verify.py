"""Example presentations: the holder's phone presents the ID to three services.

1. Gov24 (정부24) login — a Data Integrity presentation signed by the wallet's did:key, bound to
   Gov24's one-time challenge and its domain.
2. An online shop's age check — an SD-JWT presentation that discloses only ``ageOver19``, with a
   Key Binding JWT over the shop's nonce and audience.
3. The Gov24 presentation replayed — refused, because the challenge was already used.

Runs offline after ``examples/issue_credential.py`` style set-up (it builds its own demo world in
``--out``, default ``out/``) and writes ``presentation-gov24.json`` and
``presentation-age-check.sd-jwt`` there.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _demo import build, parse_now, parse_seed, sample_person, write_json

from kr_ovid.challenges import InMemoryChallengeStore
from kr_ovid.holder import Holder
from kr_ovid.ovid.services import GOV24, age_check
from kr_ovid.results import VerificationResult
from kr_ovid.verifier import Verifier

GOV24_DOMAIN = "https://www.gov.kr"
SHOP_AUDIENCE = "https://shop.example"


def show(title: str, result: VerificationResult) -> None:
    print(f"\n[{title}]")
    if result.verified:
        print("  결과: 유효 (verified)")
        if result.claims is not None:
            for label, value in result.claims.display("ko"):
                print(f"    {label}: {value}")
    else:
        print("  결과: 거부 (refused)")
        for problem in result.errors:
            print(f"    {problem.code.value} {problem.path or ''}: {problem.detail}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="out")
    parser.add_argument("--seed", help="reproducible keys and ids (hex or any text)")
    parser.add_argument("--now", help="time of issuance and presentation, ISO 8601")
    args = parser.parse_args(argv)

    seed = parse_seed(args.seed)
    demo = build(Path(args.out), state=None, seed=seed, now=parse_now(args.now, seed))
    holder = Holder(demo.holder, clock=demo.clock)
    issued = demo.issuer.issue_id(
        sample_person(demo.mission, demo.random_bytes),
        holder=holder.did,
        holder_jwks=[demo.holder.public.jwk],
        formats=("di", "sd-jwt"),
    )
    if issued.credential is None or not issued.sd_jwts:
        raise SystemExit("issuance produced nothing")
    demo.publish_status()
    challenges = InMemoryChallengeStore(clock=demo.clock)

    # 1. Gov24: the service hands out a one-time challenge; the wallet signs a presentation.
    gov24 = Verifier(
        GOV24.policy(demo.registry, "login", clock=demo.clock),
        resolver=demo.resolver,
        status_fetcher=demo.status_fetcher,
        challenge_store=challenges,
    )
    challenge = challenges.issue(GOV24_DOMAIN)
    presentation = holder.present(
        [issued.credential], challenge=challenge.value, domain=GOV24_DOMAIN
    )
    write_json(demo.out / "presentation-gov24.json", presentation)
    first = gov24.verify_presentation(presentation, challenge=challenge.value, domain=GOV24_DOMAIN)
    show("정부24 로그인 (Gov24 login, Data Integrity)", first)

    # 2. Age check: only ageOver19 leaves the phone.
    shop = Verifier(
        age_check(demo.registry, clock=demo.clock),
        resolver=demo.resolver,
        status_fetcher=demo.status_fetcher,
        challenge_store=challenges,
    )
    nonce = challenges.issue(SHOP_AUDIENCE)
    sd_presentation = holder.present_sd_jwt(
        issued.sd_jwts[0].sd_jwt,
        ["/credentialSubject/ageOver19"],
        nonce=nonce.value,
        audience=SHOP_AUDIENCE,
    )
    (demo.out / "presentation-age-check.sd-jwt").write_text(
        sd_presentation + "\n", encoding="utf-8"
    )
    second = shop.verify_presentation(sd_presentation, nonce=nonce.value, audience=SHOP_AUDIENCE)
    show("성인 인증 (age check, SD-JWT: ageOver19 only)", second)

    # 3. The same Gov24 presentation, replayed.
    replay = gov24.verify_presentation(presentation, challenge=challenge.value, domain=GOV24_DOMAIN)
    show("재전송 공격 (replayed Gov24 presentation)", replay)

    ok = first.verified and second.verified and not replay.verified
    print("\n모든 결과가 예상대로입니다 (all results as expected)" if ok else "\nUNEXPECTED RESULT")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
