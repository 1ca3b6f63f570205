"""SD-JWT (RFC 9901) securing VC Data Model 2.0 credentials as ``vc+sd-jwt`` (W3C VC-JOSE-COSE),
and the IETF SD-JWT VC form ``dc+sd-jwt`` (:mod:`~kr_ovid.sdjwt.vc`).

The format layer, Ed25519 only, by role:

* :func:`issue_sd_jwt`, :func:`issue_batch` — conceal the claims of an explicit plan, bind a
  holder key (``cnf``), sign;
* :func:`disclosable_claims`, :func:`present` — list and choose claims, add a Key Binding JWT;
* :func:`verify_sd_jwt` — signature, ``typ``, digests and disclosures, key binding; returns a
  :class:`~kr_ovid.results.VerificationResult` whose ``document`` holds the disclosed claims.

Trust (which key may sign), VC validity, status and schema are the caller's: the issuer key
comes in through a :data:`KeyResolver`, and the rebuilt document is returned for those checks.
Lower-level pieces (disclosures, reconstruction, compact JWS) live in the submodules.

How it maps to RFC 9901: :mod:`~kr_ovid.sdjwt.disclosure` is §4 (disclosures, digests, decoys,
the compact form) and the payload rebuild of §7.1 step 3; :mod:`~kr_ovid.sdjwt.holder` is §7.2
and the Key Binding JWT of §4.3; :mod:`~kr_ovid.sdjwt.verifier` is §7.1 and §7.3;
:mod:`~kr_ovid.sdjwt.jws` is the RFC 7515 part. The ``vc+sd-jwt`` typing is VC-JOSE-COSE §3.2.1.
"""

from kr_ovid.sdjwt.disclosure import (
    KB_JWT_TYP,
    VC_SD_JWT_TYP,
    Disclosure,
    SdJwtLimits,
    reconstruct,
    sd_hash,
)
from kr_ovid.sdjwt.holder import HeldSdJwt, disclosable_claims, parse_issued, present
from kr_ovid.sdjwt.issuer import NON_DISCLOSABLE_CLAIMS, issue_batch, issue_sd_jwt
from kr_ovid.sdjwt.jws import ACCEPTED_ALGORITHMS, KeyResolver, SdJwtError
from kr_ovid.sdjwt.vc import DC_SD_JWT_TYP, type_metadata
from kr_ovid.sdjwt.verifier import verify_sd_jwt

__all__ = [
    "ACCEPTED_ALGORITHMS",
    "DC_SD_JWT_TYP",
    "KB_JWT_TYP",
    "NON_DISCLOSABLE_CLAIMS",
    "VC_SD_JWT_TYP",
    "Disclosure",
    "HeldSdJwt",
    "KeyResolver",
    "SdJwtError",
    "SdJwtLimits",
    "disclosable_claims",
    "issue_batch",
    "issue_sd_jwt",
    "parse_issued",
    "present",
    "reconstruct",
    "sd_hash",
    "type_metadata",
    "verify_sd_jwt",
]
