"""eddsa-jcs-2022: https://www.w3.org/TR/vc-di-eddsa/#eddsa-jcs-2022 (RFC 8785 JCS + Ed25519).

JCS signs the JSON as written, so JSON-LD meaning is not canonicalized; the document is still
expanded in safe mode first, so an undefined term fails here exactly as it does under RDFC.
The signed proof keeps its ``@context`` (as the 2024-12 JCS vectors do).
"""

from __future__ import annotations

from typing import Any, ClassVar

from kr_ovid.jsonld.canon import expand
from kr_ovid.jsonld.jcs import jcs_canonicalize
from kr_ovid.jsonld.loader import StaticDocumentLoader
from kr_ovid.suites.base import EddsaCryptosuite

__all__ = ["EddsaJcs2022"]


class EddsaJcs2022(EddsaCryptosuite):
    name: ClassVar[str] = "eddsa-jcs-2022"
    proof_keeps_context: ClassVar[bool] = True

    def canonicalize(self, document: dict[str, Any], *, loader: StaticDocumentLoader) -> bytes:
        expand(document, loader=loader)  # data-loss detection only; the result is not signed
        return jcs_canonicalize(document)
