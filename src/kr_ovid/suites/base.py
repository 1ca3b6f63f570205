"""What a Data Integrity cryptosuite is: a few named steps over a document and proof options.

The step names are the algorithm headings of W3C vc-di-eddsa (transformation, proof
configuration, hashing, proof serialization, proof verification), so each intermediate value of
the test vectors can be checked on its own.
"""

from __future__ import annotations

import hashlib
from typing import Any, ClassVar, Protocol

from kr_ovid.errors import ProofGenerationError
from kr_ovid.jsonld.loader import StaticDocumentLoader
from kr_ovid.keys.multikey import decode_multibase_base58btc, encode_multibase_base58btc
from kr_ovid.keys.signer import ED25519, Signer, verify_ed25519
from kr_ovid.problems import ErrorCode

__all__ = ["Cryptosuite", "EddsaCryptosuite"]


class Cryptosuite(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def required_algorithm(self) -> str: ...

    @property
    def proof_keeps_context(self) -> bool: ...

    def transform(
        self, unsecured_document: dict[str, Any], *, loader: StaticDocumentLoader
    ) -> bytes: ...

    def configure_proof(
        self,
        proof_options: dict[str, Any],
        unsecured_document: dict[str, Any],
        *,
        loader: StaticDocumentLoader,
    ) -> bytes: ...

    def hash_data(self, transformed_document: bytes, canonical_proof_config: bytes) -> bytes: ...

    def serialize_proof(self, hash_data: bytes, signer: Signer) -> str: ...

    def verify_signature(self, hash_data: bytes, proof_value: str, public_key: bytes) -> bool: ...


class EddsaCryptosuite:
    """Steps shared by eddsa-rdfc-2022 and eddsa-jcs-2022; subclasses supply ``canonicalize``."""

    name: ClassVar[str]
    required_algorithm: ClassVar[str] = ED25519
    proof_keeps_context: ClassVar[bool] = False

    def canonicalize(self, document: dict[str, Any], *, loader: StaticDocumentLoader) -> bytes:
        raise NotImplementedError

    def _check_type(self, options: dict[str, Any]) -> None:
        if options.get("type") != "DataIntegrityProof" or options.get("cryptosuite") != self.name:
            raise ProofGenerationError(
                f"proof type/cryptosuite is not DataIntegrityProof/{self.name}",
                code=ErrorCode.PROOF_TRANSFORMATION_ERROR,
            )

    def transform(
        self, unsecured_document: dict[str, Any], *, loader: StaticDocumentLoader
    ) -> bytes:
        """§3.x.3 Transformation: canonical bytes of the document without its proof."""
        return self.canonicalize(unsecured_document, loader=loader)

    def configure_proof(
        self,
        proof_options: dict[str, Any],
        unsecured_document: dict[str, Any],
        *,
        loader: StaticDocumentLoader,
    ) -> bytes:
        """§3.x.5 Proof Configuration: the options get the document's ``@context``, then canonicalize."""
        self._check_type(proof_options)
        config = {k: v for k, v in proof_options.items() if k != "proofValue"}
        config["@context"] = unsecured_document.get("@context")
        return self.canonicalize(config, loader=loader)

    def hash_data(self, transformed_document: bytes, canonical_proof_config: bytes) -> bytes:
        """§3.x.4 Hashing: SHA-256(proof config) ‖ SHA-256(document), 64 raw bytes."""
        return (
            hashlib.sha256(canonical_proof_config).digest()
            + hashlib.sha256(transformed_document).digest()
        )

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

    def verify_signature(self, hash_data: bytes, proof_value: str, public_key: bytes) -> bool:
        """§3.x.7 Proof Verification: decode ``proofValue`` and check the Ed25519 signature."""
        signature = decode_multibase_base58btc(proof_value, what="proofValue")
        return verify_ed25519(public_key, signature, hash_data)

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"
