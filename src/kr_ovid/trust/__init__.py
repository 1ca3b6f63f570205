"""Trust list: which mission DIDs may issue which credential types, and when.

A root authority (configurable; in the deployment kr_ovid was written for, the Ministry of
Foreign Affairs together with the Ministry of the Interior and Safety) signs a
``TrustListCredential`` (VC Data Model 2.0, Data Integrity ``eddsa-rdfc-2022``) listing every
accredited mission. Terms come from ``https://w3id.org/kr-ovid/trust/v1`` (protected, no
``@vocab``), so canonicalization loses nothing.

**The single trust anchor is the root's key, pinned by the verifier.** The verifier decides the
root DID (``root_did``) and supplies a resolver that answers for it from a document it pinned
itself — a :class:`~kr_ovid.did.LocalDidResolver` holding the root's DID document, or a
``did:key`` root, which is its own key. The root's DID must never be resolved from the network
at verification time: whoever could answer that lookup could name any key as the root's.

Refusals carry codes: a list whose proof fails (``PROOF_*``, ``KEY_*``, ``DID_*``), that is not by
the pinned root or is malformed (``TRUST_LIST_ERROR``), expired past ``nextUpdate`` plus a grace
(``TRUST_LIST_EXPIRED``, retryable: fetch a fresh one), or older than the one already held
(``TRUST_LIST_ROLLBACK``). A query the list answers "no" is ``ISSUER_NOT_ACCREDITED``.

Mission states: ``active``; ``suspended`` (temporarily untrusted) and ``withdrawn`` (accreditation
revoked) refuse every credential of the mission whatever its issuance time — as with a revoked
key, an issuance time is written by the issuer and proves nothing once the issuer is in doubt.
The normal end of an accreditation is ``validUntil``: credentials issued before it stay valid.

One module a concern: :mod:`~kr_ovid.trust.model` (values, the ``TrustRegistry`` protocol),
:mod:`~kr_ovid.trust.create` (the root's side), :mod:`~kr_ovid.trust.parse` (strict shape),
:mod:`~kr_ovid.trust.verify` (proof, root, freshness, rollback) and
:mod:`~kr_ovid.trust.registry` (answers "may this DID issue this type at this time?").
"""

from kr_ovid.trust.create import create_trust_list, mission_entry
from kr_ovid.trust.model import (
    CREDENTIALS_V2_CONTEXT,
    DEFAULT_CREDENTIAL_TYPES,
    DEFAULT_GRACE,
    MISSION_STATES,
    TRUST_CONTEXT,
    Accreditation,
    MissionEntry,
    TrustList,
    TrustRegistry,
)
from kr_ovid.trust.parse import parse_trust_list
from kr_ovid.trust.registry import TrustListRegistry
from kr_ovid.trust.verify import verify_trust_list

__all__ = [
    "CREDENTIALS_V2_CONTEXT",
    "DEFAULT_CREDENTIAL_TYPES",
    "DEFAULT_GRACE",
    "MISSION_STATES",
    "TRUST_CONTEXT",
    "Accreditation",
    "MissionEntry",
    "TrustList",
    "TrustListRegistry",
    "TrustRegistry",
    "create_trust_list",
    "mission_entry",
    "parse_trust_list",
    "verify_trust_list",
]
