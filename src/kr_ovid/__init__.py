"""kr_ovid: Korea's mobile overseas-national ID (모바일 재외국민증) as W3C Verifiable Credentials.

The safe, high-level API is re-exported here: the three roles (:class:`Issuer` for a mission,
:class:`Holder` for a wallet, :class:`Verifier` with its :class:`VerifierPolicy` for a service,
:class:`GenericVerifier` for any W3C credential with no trust list or service policy),
the result and error types, and the protocols a deployment plugs its own parts into. The spec
layers underneath (``kr_ovid.integrity``, ``kr_ovid.suites``, ``kr_ovid.jsonld``, ``kr_ovid.sdjwt``,
``kr_ovid.status``, ``kr_ovid.did``) are public too, but bypass policy: prefer the roles.
"""

from kr_ovid.challenges import ChallengeStore, InMemoryChallengeStore, SqliteChallengeStore
from kr_ovid.clock import Clock, FixedClock, SystemClock
from kr_ovid.context import VerificationContext
from kr_ovid.did.resolver import DidResolver
from kr_ovid.errors import (
    CanonicalizationError,
    ConfigurationError,
    DocumentLoaderError,
    KeyFormatError,
    KrOvidError,
    ProofGenerationError,
    ResolutionError,
    SchemaError,
    StatusListError,
    VerificationFailed,
)
from kr_ovid.generic_verifier import GenericVerifier
from kr_ovid.holder import Holder
from kr_ovid.jsonld.loader import DocumentLoader, StaticDocumentLoader
from kr_ovid.jsonld.strict import JsonLdLimits
from kr_ovid.keys import Ed25519Signer, Signer
from kr_ovid.ovid.issuance import Issuer
from kr_ovid.problems import ErrorCode, ProblemDetails
from kr_ovid.results import VerificationResult
from kr_ovid.status.check import StatusListFetcher
from kr_ovid.status.store import StatusListStore
from kr_ovid.trust import TrustRegistry
from kr_ovid.verifier import Verifier, VerifierPolicy

__version__ = "0.1.0"

__all__ = [
    "CanonicalizationError",
    "ChallengeStore",
    "Clock",
    "ConfigurationError",
    "DidResolver",
    "DocumentLoader",
    "DocumentLoaderError",
    "Ed25519Signer",
    "ErrorCode",
    "FixedClock",
    "GenericVerifier",
    "Holder",
    "InMemoryChallengeStore",
    "Issuer",
    "JsonLdLimits",
    "KeyFormatError",
    "KrOvidError",
    "ProblemDetails",
    "ProofGenerationError",
    "ResolutionError",
    "SchemaError",
    "Signer",
    "SqliteChallengeStore",
    "StaticDocumentLoader",
    "StatusListError",
    "StatusListFetcher",
    "StatusListStore",
    "SystemClock",
    "TrustRegistry",
    "VerificationContext",
    "VerificationFailed",
    "VerificationResult",
    "Verifier",
    "VerifierPolicy",
    "__version__",
]
