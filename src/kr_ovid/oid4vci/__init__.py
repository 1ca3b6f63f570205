"""OpenID for Verifiable Credential Issuance 1.0 (final): the Pre-Authorized Code Flow.

Issuer side, as plain functions over values (the HTTP routes in :mod:`kr_ovid.server.oid4vci_routes`
only move bytes; they need the ``[oid4vci]`` extra): :func:`create_offer` at the desk, and an
:class:`IssuanceService` with the metadata, token, nonce and credential endpoints, offers and
tokens in an :class:`IssuanceStore` (SQLite by default), ``c_nonce`` values in a
:class:`~kr_ovid.challenges.ChallengeStore`, credentials made by each
:class:`CredentialConfiguration`'s maker. Wallet side: :class:`Wallet` reads an offer, fetches
metadata, redeems the code, proves one fresh key per copy and keeps the copies, handing out one
per presentation.

Only what a mission's desk needs is implemented: the pre-authorized code grant with a
transaction code, the ``jwt`` key proof type with Ed25519, batch issuance, unsigned metadata.
Not implemented (refused where a request asks for them): the authorization code flow,
``authorization_details``, deferred issuance, notifications, encrypted requests and responses,
key attestations, DPoP.
"""

from kr_ovid.oid4vci.configuration import CredentialConfiguration, CredentialMaker, MadeCredentials
from kr_ovid.oid4vci.errors import Oid4vciError
from kr_ovid.oid4vci.offer import (
    PRE_AUTHORIZED_GRANT,
    CredentialOffer,
    TxCode,
    offer_link,
    parse_offer_link,
)
from kr_ovid.oid4vci.proofs import PROOF_TYP, KeyProof, check_key_proof, make_key_proof
from kr_ovid.oid4vci.service import IssuanceService, IssuedOffer, create_offer
from kr_ovid.oid4vci.store import IssuanceStore, SqliteIssuanceStore

__all__ = [
    "PRE_AUTHORIZED_GRANT",
    "PROOF_TYP",
    "CredentialConfiguration",
    "CredentialMaker",
    "CredentialOffer",
    "IssuanceService",
    "IssuanceStore",
    "IssuedOffer",
    "KeyProof",
    "MadeCredentials",
    "Oid4vciError",
    "SqliteIssuanceStore",
    "TxCode",
    "check_key_proof",
    "create_offer",
    "make_key_proof",
    "offer_link",
    "parse_offer_link",
]
