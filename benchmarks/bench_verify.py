"""Verification cost of the overseas-national ID, against raw Ed25519 in the same process.

One run prints: raw Ed25519 verify/s; ``verify_proof`` of the ID (full disclosure, with its
portrait) under eddsa-rdfc-2022 and eddsa-jcs-2022, in the default strict JSON-LD form and, for
comparison, in the pyld-based generic form; the cost of one extra claim (µs, from a credential
with 10 vs 110 claims); a full Gov24 Data Integrity presentation through
:class:`kr_ovid.verifier.Verifier` (trust list, status, schema, policy: two signatures) and an
SD-JWT+KB presentation; and the resident-memory growth over many verifications.

    python benchmarks/bench_verify.py [--json] [--min-time SECONDS] [--memory-runs N]
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _timing import rate
from bench_sdjwt import NOW, setup
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kr_ovid.clock import FixedClock
from kr_ovid.holder import Holder
from kr_ovid.integrity import add_proof, verify_proof
from kr_ovid.jsonld.loader import StaticDocumentLoader
from kr_ovid.keys import Ed25519Signer

CLAIM_CTX = "https://example.test/bench-claims/v1"


def claims_credential(n: int, signer: Ed25519Signer, suite: str) -> tuple[dict[str, Any], Any]:
    names = [f"claim{i}" for i in range(n)]
    loader = StaticDocumentLoader(
        {
            CLAIM_CTX: {
                "@context": {
                    "@protected": True,
                    **{c: f"https://example.test/v#{c}" for c in names},
                }
            }
        }
    )
    doc = {
        "@context": ["https://www.w3.org/ns/credentials/v2", CLAIM_CTX],
        "type": ["VerifiableCredential"],
        "issuer": signer.controller,
        "credentialSubject": {"id": "did:example:s", **{c: f"value {c}" for c in names}},
    }
    return add_proof(doc, signer, cryptosuite=suite, created=NOW, loader=loader), loader


def rss_kib() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--min-time", type=float, default=1.0)
    parser.add_argument("--memory-runs", type=int, default=20_000)
    args = parser.parse_args()
    t = args.min_time

    raw_key = Ed25519PrivateKey.from_private_bytes(bytes(32))
    raw_pub = raw_key.public_key()
    sig = raw_key.sign(bytes(64))
    raw_verify = rate(lambda: raw_pub.verify(sig, bytes(64)), min_time=t)

    s = setup()
    key, issuer, claims, holder = s["key"], s["issuer"], s["claims"], s["holder"]
    resolver = issuer_resolver = s["resolver"]
    out = issuer.issue_id(
        claims, holder=holder.controller, holder_jwks=[holder.public.jwk], formats=("di", "sd-jwt")
    )
    credential = out.credential
    assert credential is not None
    unsigned = {k: v for k, v in credential.items() if k != "proof"}
    when = NOW + timedelta(hours=1)

    results: dict[str, Any] = {"raw_ed25519_verify_per_s": raw_verify}
    for suite in ("eddsa-rdfc-2022", "eddsa-jcs-2022"):
        signed = add_proof(unsigned, key, cryptosuite=suite, created=NOW)
        for mode in ("strict", "generic"):
            r = verify_proof(signed, resolver=resolver, clock=FixedClock(when), mode=mode)
            assert r.verified, r.errors
            per_s = rate(
                lambda signed=signed, mode=mode: verify_proof(
                    signed, resolver=issuer_resolver, clock=FixedClock(when), mode=mode
                ),
                min_time=t,
            )
            results[f"{suite}/{mode}"] = {"verify_per_s": per_s, "ratio": per_s / raw_verify}

        small, small_loader = claims_credential(10, Ed25519Signer.from_seed(bytes(32)), suite)
        big, big_loader = claims_credential(110, Ed25519Signer.from_seed(bytes(32)), suite)
        small_s = rate(
            lambda d=small, ld=small_loader: verify_proof(d, loader=ld, clock=FixedClock(when)), min_time=t
        )
        big_s = rate(lambda d=big, ld=big_loader: verify_proof(d, loader=ld, clock=FixedClock(when)), min_time=t)
        results[f"{suite}/per_claim_us"] = (1 / big_s - 1 / small_s) / 100 * 1e6

    gov24 = s["verifiers"]["gov24"]
    wallet = Holder(holder, clock=FixedClock(NOW))
    challenge, domain = "c-1f2e3d", "https://gov24.example"
    vp = wallet.present([credential], challenge=challenge, domain=domain)
    r = gov24.verify_presentation(vp, challenge=challenge, domain=domain)
    assert r.verified, r.errors
    di_s = rate(
        lambda: gov24.verify_presentation(vp, challenge=challenge, domain=domain), min_time=t
    )
    results["gov24_di_presentation"] = {"verify_per_s": di_s, "ratio": di_s / raw_verify}

    token = wallet.present_sd_jwt(
        out.sd_jwts[0].sd_jwt,
        [
            "/credentialSubject/familyName",
            "/credentialSubject/givenName",
            "/credentialSubject/birthDate",
            "/credentialSubject/isOverseasNational",
        ],
        nonce=challenge,
        audience=domain,
    )
    r = gov24.verify_presentation(token, nonce=challenge, audience=domain)
    assert r.verified, r.errors
    sd_s = rate(
        lambda: gov24.verify_presentation(token, nonce=challenge, audience=domain), min_time=t
    )
    results["gov24_sd_jwt_presentation"] = {"verify_per_s": sd_s, "ratio": sd_s / raw_verify}

    signed = add_proof(unsigned, key, created=NOW)
    before = rss_kib()
    for _ in range(args.memory_runs):
        verify_proof(signed, resolver=resolver, clock=FixedClock(when))
    results["memory"] = {"runs": args.memory_runs, "max_rss_growth_kib": rss_kib() - before}

    if args.json:
        print(json.dumps(results, indent=2))
        return 0
    print(f"raw Ed25519 verify/s: {raw_verify:,.0f}")
    print(f"{'':34}{'verify/s':>10}{'× raw':>8}")
    for name, r in results.items():
        if isinstance(r, dict) and "verify_per_s" in r:
            print(f"{name:34}{r['verify_per_s']:10,.0f}{r['ratio']:8.3f}")
    for suite in ("eddsa-rdfc-2022", "eddsa-jcs-2022"):
        print(f"{suite} cost per extra claim: {results[f'{suite}/per_claim_us']:.1f} µs")
    m = results["memory"]
    print(f"max RSS growth over {m['runs']:,} verifications: {m['max_rss_growth_kib']} KiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
