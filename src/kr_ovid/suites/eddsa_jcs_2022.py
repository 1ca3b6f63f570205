"""eddsa-jcs-2022: https://www.w3.org/TR/vc-di-eddsa/#eddsa-jcs-2022 (RFC 8785 JCS + Ed25519).

JCS signs the JSON as written, so JSON-LD meaning is not canonicalized; the document must still
be in the strict form (an undefined term or a second spelling fails exactly as under RDFC), which
is a cheap walk instead of a JSON-LD expansion. The signed proof keeps its ``@context``, and
verification uses that ``@context`` (§3.3.2): a document whose contexts were extended after
signing still verifies against the contexts that were signed, and a proof whose ``@context`` was
removed or cut down does not.
"""

from __future__ import annotations

from typing import Any, ClassVar

from kr_ovid.jsonld.canon import DEFAULT_LIMITS, JsonLdLimits, JsonLdMode, check_strict, expand
from kr_ovid.jsonld.jcs import jcs_canonicalize
from kr_ovid.jsonld.loader import StaticDocumentLoader
from kr_ovid.suites.base import EddsaCryptosuite

__all__ = ["EddsaJcs2022"]


class EddsaJcs2022(EddsaCryptosuite):
    name: ClassVar[str] = "eddsa-jcs-2022"
    proof_keeps_context: ClassVar[bool] = True

    def canonicalize(
        self,
        document: dict[str, Any],
        *,
        loader: StaticDocumentLoader,
        mode: JsonLdMode = "strict",
        limits: JsonLdLimits = DEFAULT_LIMITS,
    ) -> bytes:
        if mode == "strict":
            # The strict form has no floats and no integer beyond ±(2^53 − 1): JCS's fast path applies.
            check_strict(document, loader=loader, limits=limits)
            return jcs_canonicalize(document, plain=True)
        # Data-loss detection only; the result is not signed.
        expand(document, loader=loader, limits=limits)
        return jcs_canonicalize(document)

    def verification_inputs(
        self, unsecured_document: dict[str, Any], proof_options: dict[str, Any]
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """§3.3.2 steps 1-6: the proof's own ``@context`` replaces the document's for hashing."""
        self._check_type(proof_options)
        config = {k: v for k, v in proof_options.items() if k != "proofValue"}
        if "@context" not in config:
            return unsecured_document, config
        return {**unsecured_document, "@context": config["@context"]}, config
