"""Sign/s and verify/s of eddsa-rdfc-2022 and eddsa-jcs-2022 on a small VC 2.0 credential,
next to raw Ed25519 (``cryptography``) measured in the same process, and their ratios.

    python benchmarks/bench_suites.py [--json] [--min-time SECONDS]
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _timing import rate
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kr_ovid.clock import FixedClock
from kr_ovid.integrity import add_proof, verify_proof
from kr_ovid.keys import Ed25519Signer

NOW = datetime(2026, 3, 1, tzinfo=UTC)
CREDENTIAL = {
    "@context": ["https://www.w3.org/ns/credentials/v2"],
    "id": "urn:uuid:58172aac-d8ba-11ed-83dd-0b3aef56cc33",
    "type": ["VerifiableCredential"],
    "issuer": {
        "id": "did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp",
        "name": "Example Mission",
    },
    "validFrom": "2026-01-01T00:00:00Z",
    "validUntil": "2036-01-01T00:00:00Z",
    "name": "Sample credential",
    "credentialSubject": {"id": "did:key:z6MkjchhfUsD6mmvni8mCdXHw216Xrm9bQe2mBH1P5RDjVJG"},
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--min-time", type=float, default=1.0)
    args = parser.parse_args()

    raw_key = Ed25519PrivateKey.from_private_bytes(bytes(32))
    raw_pub = raw_key.public_key()
    msg = bytes(64)
    sig = raw_key.sign(msg)
    raw_sign = rate(lambda: raw_key.sign(msg), min_time=args.min_time)
    raw_verify = rate(lambda: raw_pub.verify(sig, msg), min_time=args.min_time)

    signer = Ed25519Signer.from_seed(bytes(32))
    results: dict[str, dict[str, float]] = {
        "raw-ed25519": {"sign_per_s": raw_sign, "verify_per_s": raw_verify}
    }
    for suite in ("eddsa-rdfc-2022", "eddsa-jcs-2022"):
        signed = add_proof(CREDENTIAL, signer, cryptosuite=suite, created=NOW)
        if not verify_proof(signed, clock=FixedClock(NOW)).verified:
            raise SystemExit(f"{suite}: benchmark credential does not verify")
        s = rate(
            lambda suite=suite: add_proof(CREDENTIAL, signer, cryptosuite=suite, created=NOW),
            min_time=args.min_time,
        )
        v = rate(lambda signed=signed: verify_proof(signed, clock=FixedClock(NOW)), min_time=args.min_time)
        results[suite] = {
            "sign_per_s": s,
            "verify_per_s": v,
            "sign_ratio_to_raw": s / raw_sign,
            "verify_ratio_to_raw": v / raw_verify,
        }
    if args.json:
        print(json.dumps(results, indent=2))
        return 0
    print(f"{'':18}{'sign/s':>12}{'verify/s':>12}{'sign ratio':>12}{'verify ratio':>14}")
    for name, r in results.items():
        sr = f"{r['sign_ratio_to_raw']:.4f}" if "sign_ratio_to_raw" in r else "1"
        vr = f"{r['verify_ratio_to_raw']:.4f}" if "verify_ratio_to_raw" in r else "1"
        print(f"{name:18}{r['sign_per_s']:12.0f}{r['verify_per_s']:12.0f}{sr:>12}{vr:>14}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
