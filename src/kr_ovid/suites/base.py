"""What a Data Integrity cryptosuite is: a few named steps over a document and proof options.

The step names are the algorithm headings of W3C vc-di-eddsa (transformation, proof
configuration, hashing, proof serialization, proof verification), so each intermediate value of
the test vectors can be checked on its own. Everything that depends on the suite (how the
document becomes bytes, which ``@context`` the proof configuration carries, how ``proofValue``
and the verification method's key are decoded) lives here, so a further suite (say
ecdsa-sd-2023) adds a module and leaves the Data Integrity shell in ``integrity.py`` alone.
"""

from __future__ import annotations

import abc
import hashlib
from collections.abc import Mapping
from typing import Any, ClassVar

from kr_ovid.errors import KeyFormatError, ProofGenerationError
from kr_ovid.jsonld.canon import DEFAULT_LIMITS, JsonLdLimits, JsonLdMode
from kr_ovid.jsonld.loader import StaticDocumentLoader
from kr_ovid.keys.methods import method_public_key
from kr_ovid.keys.multikey import (
    decode_multibase_base58btc,
    encode_multibase_base58btc,
)
from kr_ovid.keys.signer import ED25519, Signer, verify_ed25519
from kr_ovid.problems import ErrorCode

__all__ = ["Cryptosuite", "EddsaCryptosuite"]


class Cryptosuite(abc.ABC):
    """A Data Integrity cryptosuite: the algorithm steps the Data Integrity shell calls.

    The JSON-LD-facing steps (proof configuration, verification inputs, hashing) are shared; a
    suite supplies its canonicalization and its signature scheme, so a new suite (ecdsa-sd-2023)
    is a new subclass and leaves ``integrity.py`` alone.
    """

    name: ClassVar[str]
    required_algorithm: ClassVar[str]
    proof_keeps_context: ClassVar[bool] = False

    @abc.abstractmethod
    def canonicalize(
        self,
        document: dict[str, Any],
        *,
        loader: StaticDocumentLoader,
        mode: JsonLdMode = "strict",
        limits: JsonLdLimits = DEFAULT_LIMITS,
    ) -> bytes:
        """The suite's canonical bytes of a JSON-LD document (RDFC-1.0, JCS, …)."""

    @abc.abstractmethod
    def serialize_proof(self, hash_data: bytes, signer: Signer) -> str:
        """Sign ``hash_data`` and encode the signature as ``proofValue``."""

    @abc.abstractmethod
    def decode_proof_value(self, proof_value: object) -> bytes:
        """The signature bytes of a ``proofValue`` (``KeyFormatError`` if malformed)."""

    @abc.abstractmethod
    def verify_decoded(self, hash_data: bytes, signature: bytes, public_key: bytes) -> bool:
        """Check a decoded signature over ``hash_data``."""

    def _check_type(self, options: Mapping[str, Any]) -> None:
        if options.get("type") != "DataIntegrityProof" or options.get("cryptosuite") != self.name:
            raise ProofGenerationError(
                f"proof type/cryptosuite is not DataIntegrityProof/{self.name}",
                code=ErrorCode.PROOF_TRANSFORMATION_ERROR,
            )

    def transform(
        self,
        unsecured_document: dict[str, Any],
        *,
        loader: StaticDocumentLoader,
        mode: JsonLdMode = "strict",
        limits: JsonLdLimits = DEFAULT_LIMITS,
    ) -> bytes:
        """§3.x.3 Transformation: canonical bytes of the document without its proof."""
        return self.canonicalize(unsecured_document, loader=loader, mode=mode, limits=limits)

    def proof_configuration(
        self, proof_options: Mapping[str, Any], unsecured_document: Mapping[str, Any]
    ) -> dict[str, Any]:
        """§3.x.5 Proof Configuration, steps 1-3: the options with the document's ``@context``."""
        self._check_type(proof_options)
        config = {k: v for k, v in proof_options.items() if k != "proofValue"}
        config["@context"] = unsecured_document.get("@context")
        return config

    def configure_proof(
        self,
        proof_options: dict[str, Any],
        unsecured_document: dict[str, Any],
        *,
        loader: StaticDocumentLoader,
        mode: JsonLdMode = "strict",
    ) -> bytes:
        """§3.x.5 Proof Configuration: the configuration, canonicalized."""
        config = self.proof_configuration(proof_options, unsecured_document)
        return self.canonicalize(config, loader=loader, mode=mode)

    def verification_inputs(
        self, unsecured_document: dict[str, Any], proof_options: dict[str, Any]
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """§3.x.2 Verify Proof, up to transformation: (document to transform, proof configuration)."""
        return unsecured_document, self.proof_configuration(proof_options, unsecured_document)

    def hash_data(self, transformed_document: bytes, canonical_proof_config: bytes) -> bytes:
        """§3.x.4 Hashing: SHA-256(proof config) ‖ SHA-256(document), 64 raw bytes."""
        return (
            hashlib.sha256(canonical_proof_config).digest()
            + hashlib.sha256(transformed_document).digest()
        )

    def verification_key(self, method: Mapping[str, Any]) -> bytes:
        """The public key of a verification method (``KeyFormatError`` if none is usable)."""
        return method_public_key(method)

    def verify_signature(self, hash_data: bytes, proof_value: str, public_key: bytes) -> bool:
        """§3.x.7 Proof Verification: decode ``proofValue`` and check the signature."""
        try:
            signature = self.decode_proof_value(proof_value)
        except KeyFormatError:
            return False
        return self.verify_decoded(hash_data, signature, public_key)


class EddsaCryptosuite(Cryptosuite):
    """Steps shared by eddsa-rdfc-2022 and eddsa-jcs-2022; subclasses supply ``canonicalize``."""

    name: ClassVar[str]
    required_algorithm: ClassVar[str] = ED25519

    def serialize_proof(self, hash_data: bytes, signer: Signer) -> str:
        """§3.x.6 Proof Serialization: Ed25519 over hashData, multibase base58btc."""
        if signer.algorithm != self.required_algorithm:
            raise ProofGenerationError(
                f"{self.name} needs an {self.required_algorithm} signer, not {signer.algorithm!r}"
            )
        signature = signer.sign(hash_data)
        if not isinstance(signature, bytes) or len(signature) != 64:
            raise ProofGenerationError("signer returned something that is not a 64-byte signature")
        return encode_multibase_base58btc(signature)

    def decode_proof_value(self, proof_value: object) -> bytes:
        """§3.x.7 step 1: ``proofValue`` as a 64-byte Ed25519 signature (``KeyFormatError``)."""
        signature = decode_multibase_base58btc(proof_value, what="proofValue")
        if len(signature) != 64:
            raise KeyFormatError("proofValue is not a 64-byte Ed25519 signature")
        return signature

    def verify_decoded(self, hash_data: bytes, signature: bytes, public_key: bytes) -> bool:
        """§3.x.7 step 2, on an already decoded ``proofValue``."""
        return verify_ed25519(public_key, signature, hash_data)

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"
