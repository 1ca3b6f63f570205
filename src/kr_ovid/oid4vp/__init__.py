"""OpenID for Verifiable Presentations 1.0 with DCQL, both sides, for ``dc+sd-jwt`` and
``ldp_vc`` (Data Integrity) credentials.

* service (verifier): :class:`PresentationService` creates requests (link, QR, transaction id),
  serves signed Request Objects, receives ``direct_post``/``direct_post.jwt`` responses and
  validates them with :func:`verify_vp_token` through the existing
  :class:`~kr_ovid.verifier.Verifier` and its policies;
* wallet (holder): :class:`Wallet` reads and validates a request, matches the DCQL query
  against the held credentials (what would be disclosed, before consent), builds and posts the
  response.

Encrypted responses need the ``[oid4vp]`` extra (joserfc); QR codes need it too (segno); both
are imported only when used. Nothing here opens a socket unless the caller passes a transport.
"""

from kr_ovid.oid4vp.dcql import ClaimsQuery, CredentialQuery, CredentialSetQuery, DcqlQuery
from kr_ovid.oid4vp.request import (
    REQUEST_TYP,
    RESPONSE_MODES,
    AuthorizationRequest,
    request_link,
    sign_request,
    verify_request,
)
from kr_ovid.oid4vp.transport import HttpRequest, HttpResponse, no_network, urllib_transport
from kr_ovid.oid4vp.verifier import (
    CreatedRequest,
    PresentationPolicy,
    PresentationService,
    verify_vp_token,
)
from kr_ovid.oid4vp.wallet import Offer, Selection, Wallet, WalletAnswer

__all__ = [
    "REQUEST_TYP",
    "RESPONSE_MODES",
    "AuthorizationRequest",
    "ClaimsQuery",
    "CreatedRequest",
    "CredentialQuery",
    "CredentialSetQuery",
    "DcqlQuery",
    "HttpRequest",
    "HttpResponse",
    "Offer",
    "PresentationPolicy",
    "PresentationService",
    "Selection",
    "Wallet",
    "WalletAnswer",
    "no_network",
    "request_link",
    "sign_request",
    "urllib_transport",
    "verify_request",
    "verify_vp_token",
]
