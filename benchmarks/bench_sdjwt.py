"""Issue/s, present/s and verify/s of the overseas-national ID as ``vc+sd-jwt`` (RFC 9901), next
to raw Ed25519 (``cryptography``) measured in the same process, and their ratios.

The credential is the full overseas-ID claim set (with a small portrait) and every personal
claim selectively disclosable, as :class:`kr_ovid.ovid.Issuer` issues it. Two presentations,
each with a Key Binding JWT: an age check (``ageOver19`` only) and a Gov24 login (names, birth
date, ``isOverseasNational``). Figures:

* ``issue_sd_jwt``: the format layer alone (conceal, sign) on the recipe's payload;
* ``issuer.issue_id``: the whole recipe (claims model, eligibility, a status index from an
  in-memory store, JSON Schema, SD-JWT);
* ``present.*``: choose disclosures and sign the KB-JWT;
* ``verify_sd_jwt.*``: the format layer (issuer signature, digests, KB-JWT);
* ``verifier.*``: :class:`kr_ovid.verifier.Verifier` with the service policy (trust list,
  validity, status list from the cache, partial JSON Schema, claims policy).

Issue and present are compared with raw sign/s (one signature each), verify with raw verify/s
(two verifications: issuer JWS and KB-JWT).

    python benchmarks/bench_sdjwt.py [--json] [--min-time SECONDS]
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _timing import rate
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kr_ovid.clock import FixedClock
from kr_ovid.did import CompositeResolver, LocalDidResolver
from kr_ovid.keys import Ed25519Signer
from kr_ovid.keys.multikey import decode_public_multikey
from kr_ovid.ovid import load_missions
from kr_ovid.ovid.issuance import Issuer
from kr_ovid.ovid.services import GOV24, age_check
from kr_ovid.sdjwt import issue_sd_jwt, parse_issued, present, verify_sd_jwt
from kr_ovid.status import InMemoryStatusListStore
from kr_ovid.status.check import LocalStatusListFetcher
from kr_ovid.status.publish import issue_status_list_credential
from kr_ovid.trust import TrustListRegistry, create_trust_list
from kr_ovid.verifier import Verifier

NOW = datetime(2026, 3, 1, 1, 0, tzinfo=UTC)
NONCE = "n-3f9a1c7e2b"
AGE_ONLY = ["/credentialSubject/ageOver19"]
GOV24_LOGIN = [
    "/credentialSubject/familyName",
    "/credentialSubject/givenName",
    "/credentialSubject/birthDate",
    "/credentialSubject/isOverseasNational",
]
PORTRAIT = (
    "data:image/jpeg;base64," + "/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAgGBgcGBQgHBwcJCQgKDBQN" * 40
)


def setup() -> dict[str, Any]:
    missions = load_missions()
    mission = missions.by_code("us-losangeles")
    key = Ed25519Signer.from_seed(b"\x07" * 32, verification_method=mission.did + "#key-1")
    doc = {
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
        "id": mission.did,
        "verificationMethod": [key.public_multikey_document()],
        "assertionMethod": [key.verification_method],
    }
    resolver = CompositeResolver({"web": LocalDidResolver([doc])})
    clock = FixedClock(NOW)
    store = InMemoryStatusListStore(clock=clock)
    issuer = Issuer(mission, key, clock=clock, did_document=doc, status_store=store)
    holder = Ed25519Signer.from_seed(b"\x03" * 32)
    claims = {
        "familyName": "홍",
        "givenName": "길동",
        "familyNameLatin": "HONG",
        "givenNameLatin": "GIL-DONG",
        "birthDate": "1990-02-28",
        "nationality": "KR",
        "residenceCountry": "US",
        "residenceCity": "Los Angeles",
        "overseasRegistrationDate": "2015-03-01",
        "passportNumber": "M123A4567",
        "passportExpiry": "2031-05-20",
        "portrait": PORTRAIT,
        "idNumber": "7K3M-Q9XD-2HRT-VB4N",
        "issuingMission": mission.as_issuing_mission().to_json(),
    }
    token = issuer.issue_id(claims, holder_jwks=[holder.public.jwk], formats=("sd-jwt",))
    sd_jwt = token.sd_jwts[0].sd_jwt
    held = parse_issued(sd_jwt)
    payload = {
        k: v for k, v in held.document.items() if k not in {"iat", "cnf", "_sd_alg"}
    }  # the recipe's (coarsened) payload, with every claim in the clear
    plan = [c.pointer for c in held.claims]

    root = Ed25519Signer.from_seed(b"\x09" * 32)
    trust = create_trust_list(
        missions.trust_rows(),
        root_signer=root,
        version=1,
        issued=NOW - timedelta(days=1),
        next_update=NOW + timedelta(days=30),
    )
    registry = TrustListRegistry.from_trust_list(
        trust, root_did=root.controller, resolver=resolver, clock=clock
    )
    fetcher = LocalStatusListFetcher()
    for list_id in store.list_ids():
        for purpose in ("revocation", "suspension"):
            fetcher.register(
                issue_status_list_credential(
                    store,
                    list_id,
                    purpose,
                    key,
                    base="https://ovid.example/missions/us-losangeles/status",
                    issuer=mission.did,
                    clock=clock,
                )
            )

    def resolve_key(kid: str, _header: dict[str, Any]) -> bytes | None:
        method = resolver.resolve(kid.split("#", 1)[0]).method(kid)
        return None if method is None else decode_public_multikey(method["publicKeyMultibase"])

    return {
        "mission": mission,
        "key": key,
        "issuer": issuer,
        "holder": holder,
        "claims": claims,
        "sd_jwt": sd_jwt,
        "payload": payload,
        "plan": plan,
        "resolve_key": resolve_key,
        "resolver": resolver,
        "verifiers": {
            "age": Verifier(
                age_check(registry, clock=clock), resolver=resolver, status_fetcher=fetcher
            ),
            "gov24": Verifier(
                GOV24.policy(registry, clock=clock), resolver=resolver, status_fetcher=fetcher
            ),
        },
        "audiences": {"age": "https://shop.example", "gov24": "https://gov24.example"},
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--min-time", type=float, default=1.0)
    args = parser.parse_args()
    t = args.min_time

    raw_key = Ed25519PrivateKey.from_private_bytes(bytes(32))
    raw_pub = raw_key.public_key()
    msg = bytes(64)
    sig = raw_key.sign(msg)
    raw_sign = rate(lambda: raw_key.sign(msg), min_time=t)
    raw_verify = rate(lambda: raw_pub.verify(sig, msg), min_time=t)

    s = setup()
    holder, issuer, claims = s["holder"], s["issuer"], s["claims"]
    jwk = holder.public.jwk
    presentations = {
        "age": present(
            s["sd_jwt"],
            AGE_ONLY,
            holder_signer=holder,
            nonce=NONCE,
            aud=s["audiences"]["age"],
            clock=FixedClock(NOW),
        ),
        "gov24": present(
            s["sd_jwt"],
            GOV24_LOGIN,
            holder_signer=holder,
            nonce=NONCE,
            aud=s["audiences"]["gov24"],
            clock=FixedClock(NOW),
        ),
    }
    for name, p in presentations.items():
        fmt = verify_sd_jwt(
            p, resolve_key=s["resolve_key"], nonce=NONCE, audience=s["audiences"][name], clock=FixedClock(NOW)
        )
        full = s["verifiers"][name].verify_presentation(
            p, nonce=NONCE, audience=s["audiences"][name]
        )
        if not (fmt.verified and full.verified):
            raise SystemExit(f"{name}: benchmark presentation does not verify: {full.errors}")

    results: dict[str, dict[str, float]] = {
        "raw-ed25519.sign": {"per_s": raw_sign},
        "raw-ed25519.verify": {"per_s": raw_verify},
    }

    def record(name: str, per_s: float, baseline: float) -> None:
        results[name] = {"per_s": per_s, "ratio_to_raw": per_s / baseline}

    record(
        "issue_sd_jwt",
        rate(
            lambda: issue_sd_jwt(
                s["payload"], s["key"], disclosable=s["plan"], holder_jwk=jwk, iat=NOW
            ),
            min_time=t,
        ),
        raw_sign,
    )
    record(
        "issuer.issue_id",
        rate(lambda: issuer.issue_id(claims, holder_jwks=[jwk], formats=("sd-jwt",)), min_time=t),
        raw_sign,
    )
    for name, chosen in (("age", AGE_ONLY), ("gov24", GOV24_LOGIN)):
        aud = s["audiences"][name]
        record(
            f"present.{name}",
            rate(
                lambda chosen=chosen, aud=aud: present(
                    s["sd_jwt"], chosen, holder_signer=holder, nonce=NONCE, aud=aud, clock=FixedClock(NOW)
                ),
                min_time=t,
            ),
            raw_sign,
        )
    for name, p in presentations.items():
        aud = s["audiences"][name]
        record(
            f"verify_sd_jwt.{name}",
            rate(
                lambda p=p, aud=aud: verify_sd_jwt(
                    p, resolve_key=s["resolve_key"], nonce=NONCE, audience=aud, clock=FixedClock(NOW)
                ),
                min_time=t,
            ),
            raw_verify,
        )
        verifier = s["verifiers"][name]
        record(
            f"verifier.{name}",
            rate(
                lambda p=p, aud=aud, v=verifier: v.verify_presentation(
                    p, nonce=NONCE, audience=aud
                ),
                min_time=t,
            ),
            raw_verify,
        )
    sizes = {
        "sd_jwt_chars": len(s["sd_jwt"]),
        "disclosures": len(s["plan"]),
        "presentation_age_chars": len(presentations["age"]),
        "presentation_gov24_chars": len(presentations["gov24"]),
    }
    if args.json:
        print(json.dumps({"results": results, "sizes": sizes}, indent=2))
        return 0
    print(
        f"SD-JWT of {sizes['sd_jwt_chars']} chars, {sizes['disclosures']} disclosures; "
        f"presentations: age {sizes['presentation_age_chars']}, "
        f"gov24 {sizes['presentation_gov24_chars']} chars"
    )
    print(f"{'':22}{'ops/s':>12}{'ratio to raw':>14}")
    for name, r in results.items():
        ratio = f"{r['ratio_to_raw']:.4f}" if "ratio_to_raw" in r else "1"
        print(f"{name:22}{r['per_s']:12.0f}{ratio:>14}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
