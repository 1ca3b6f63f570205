"""Run from outside the checkout against the installed wheel: contexts and schemas must ship."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

import kr_ovid
from kr_ovid.clock import FixedClock
from kr_ovid.integrity import add_proof, verify_proof
from kr_ovid.keys import Ed25519Signer

here = Path(kr_ovid.__file__).resolve()
if "site-packages" not in str(here):
    sys.exit(f"kr_ovid was imported from the checkout, not the wheel: {here}")

now = datetime(2026, 3, 1, tzinfo=UTC)
signer = Ed25519Signer.generate()
credential = {
    "@context": ["https://www.w3.org/ns/credentials/v2"],
    "type": ["VerifiableCredential"],
    "issuer": signer.controller,
    "validFrom": "2026-01-01T00:00:00Z",
    "credentialSubject": {"id": "did:example:subject"},
}
for suite in ("eddsa-rdfc-2022", "eddsa-jcs-2022"):
    signed = add_proof(credential, signer, cryptosuite=suite, created=now)
    result = verify_proof(signed, clock=FixedClock(now))
    if not result.verified:
        sys.exit(f"{suite}: {result.to_dict()}")

# The product layer: missions data, the kr-ovid context and the JSON Schema must ship too.
from datetime import date  # noqa: E402

from kr_ovid.did.web import build_did_document  # noqa: E402
from kr_ovid.ovid import OverseasNationalId, load_missions  # noqa: E402
from kr_ovid.ovid.issuance import Issuer  # noqa: E402
from kr_ovid.schema import validate_credential  # noqa: E402

mission = load_missions().by_code("us-losangeles")
mission_signer = Ed25519Signer.generate(verification_method=f"{mission.did}#key-1")
issuer = Issuer(mission, mission_signer, did_document=build_did_document(mission.did, [mission_signer]))
person = OverseasNationalId(
    family_name="홍", given_name="길동", family_name_latin="HONG", given_name_latin="GIL-DONG",
    birth_date=date(1990, 5, 15), residence_country="US", passport_expiry=date(2031, 5, 20),
    overseas_registration_date=date(2015, 3, 1),
    id_number="P6PB-Z8JS-6G2V-KHJF", issuing_mission=mission.as_issuing_mission(),
)
issued = issuer.issue_id(person, holder=signer.controller)
assert issued.credential is not None
if validate_credential(issued.credential):
    sys.exit("issued credential does not match the packaged schema")
# dc+sd-jwt reads the ID's vct from the packaged type metadata.
copies = issuer.issue_id(person, holder_jwks=[signer.public.jwk], formats=("dc+sd-jwt",))
if len(copies.sd_jwts) != 1 or copies.sd_jwts[0].format != "dc+sd-jwt":
    sys.exit("dc+sd-jwt issuance from the wheel failed")
print(f"wheel smoke test passed ({here.parent})")
