"""eddsa-rdfc-2022: https://www.w3.org/TR/vc-di-eddsa/#eddsa-rdfc-2022 (RDFC-1.0 + Ed25519).

The default ``strict`` mode signs and verifies only the plain compacted form of pinned contexts,
whose RDF is built without pyld (:mod:`kr_ovid.jsonld.strict`): the JSON the verifier reads is
then the only JSON spelling of the RDF that was signed.
"""

from __future__ import annotations

from typing import Any, ClassVar

from kr_ovid.jsonld.canon import DEFAULT_LIMITS, JsonLdLimits, JsonLdMode, canonicalize_rdfc
from kr_ovid.jsonld.loader import StaticDocumentLoader
from kr_ovid.suites.base import EddsaCryptosuite

__all__ = ["EddsaRdfc2022"]


class EddsaRdfc2022(EddsaCryptosuite):
    name: ClassVar[str] = "eddsa-rdfc-2022"

    def canonicalize(
        self,
        document: dict[str, Any],
        *,
        loader: StaticDocumentLoader,
        mode: JsonLdMode = "strict",
        limits: JsonLdLimits = DEFAULT_LIMITS,
    ) -> bytes:
        return canonicalize_rdfc(document, loader=loader, mode=mode, limits=limits).encode("utf-8")
