"""Run from outside the checkout against the installed wheel: contexts and schemas must ship."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

import kr_ovid
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
    result = verify_proof(signed, now=now)
    if not result.verified:
        sys.exit(f"{suite}: {result.to_dict()}")

print(f"wheel smoke test passed ({here.parent})")
