"""Who the verify routes trust as issuers, after the data model and the proofs have spoken.

:class:`~kr_ovid.generic_verifier.GenericVerifier` answers what the data model and the securing
mechanism say and leaves trust to the caller (VC DM 2.0 Appendix A.3 Issuer). The service is
that caller; ``[verifier] trust`` decides:

- ``"none"``: no issuer check (the generic VC-API verifier; the client decides whom it trusts);
- ``"trust-list"``: the issuer must be accredited by the root-signed trust list for every type
  the credential declares (besides ``VerifiableCredential``), at the time its issuer signed it;
- ``"test"`` (test mode only): did:key issuers count as trusted, as does the service's own
  issuer; anything else must be on the trust list when one is configured.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from kr_ovid.clock import parse_datetime_stamp
from kr_ovid.credential import credential_types, issuer_id
from kr_ovid.errors import KrOvidError
from kr_ovid.problems import ErrorCode, ProblemDetails
from kr_ovid.results import VerifiedProof
from kr_ovid.trust import TrustRegistry
from kr_ovid.trust.model import Accreditation

__all__ = ["IssuerTrust"]

_BASE_TYPE = "VerifiableCredential"


class IssuerTrust:
    """The ``[verifier] trust`` decision for one service (see the module docstring)."""

    def __init__(self, mode: str, *, own_issuer: str, registry: TrustRegistry | None) -> None:
        self.mode = mode
        self._own = own_issuer
        self._registry = registry

    def is_accredited(self, issuer_did: str, credential_type: str, at: datetime) -> Accreditation:
        """The same decision as a :class:`~kr_ovid.trust.TrustRegistry`, for the verifier
        policies of the OpenID4VP routes: in test mode did:key issuers and the service's own
        count as accredited; otherwise only the trust list's answer counts."""
        if self.mode == "test" and (issuer_did == self._own or issuer_did.startswith("did:key:")):
            return Accreditation(True, None, "test mode: did:key and own issuers are trusted")
        if self._registry is None:
            return Accreditation(
                False, ErrorCode.ISSUER_NOT_ACCREDITED, "this service has no trust list"
            )
        return self._registry.is_accredited(issuer_did, credential_type, at)

    def problems(
        self, credential: Any, proofs: tuple[VerifiedProof, ...], *, path: str = ""
    ) -> list[ProblemDetails]:
        """Nothing when the verified ``credential``'s issuer is trusted, else why not."""
        if self.mode == "none" or not isinstance(credential, dict):
            return []
        issuer = issuer_id(credential)
        where = f"{path}/issuer"
        if issuer is None:
            return [ProblemDetails(ErrorCode.ISSUER_NOT_ACCREDITED, "no issuer", where)]
        if self.mode == "test" and (issuer == self._own or issuer.startswith("did:key:")):
            return []
        if self._registry is None:
            return [
                ProblemDetails(
                    ErrorCode.ISSUER_NOT_ACCREDITED,
                    "this service trusts did:key issuers and its own only (test mode)",
                    where,
                )
            ]
        at = _signed_at(credential, proofs, issuer)
        if at is None:
            return [
                ProblemDetails(
                    ErrorCode.ISSUER_NOT_ACCREDITED,
                    "no issuance time to judge the accreditation at",
                    where,
                )
            ]
        out = []
        for kind in [t for t in credential_types(credential) if t != _BASE_TYPE] or [_BASE_TYPE]:
            try:
                answer = self._registry.is_accredited(issuer, kind, at)
            except KrOvidError as exc:
                return [ProblemDetails(exc.code, str(exc), where)]
            if not answer.accredited:
                code = answer.code or ErrorCode.ISSUER_NOT_ACCREDITED
                out.append(ProblemDetails(code, answer.reason, where))
        return out


def _signed_at(
    credential: dict[str, Any], proofs: tuple[VerifiedProof, ...], issuer: str
) -> datetime | None:
    """When the issuer signed: its ``assertionMethod`` proof's ``created``, else ``validFrom``."""
    for proof in proofs:
        if (
            proof.controller == issuer
            and proof.proof_purpose == "assertionMethod"
            and proof.created is not None
        ):
            return proof.created
    return parse_datetime_stamp(credential.get("validFrom"))
