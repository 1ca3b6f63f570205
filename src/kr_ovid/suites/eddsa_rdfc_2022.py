"""eddsa-rdfc-2022: https://www.w3.org/TR/vc-di-eddsa/#eddsa-rdfc-2022 (RDFC-1.0 + Ed25519)."""

from __future__ import annotations

from typing import Any, ClassVar

from kr_ovid.jsonld.canon import canonicalize_rdfc
from kr_ovid.jsonld.loader import StaticDocumentLoader
from kr_ovid.suites.base import EddsaCryptosuite

__all__ = ["EddsaRdfc2022"]


class EddsaRdfc2022(EddsaCryptosuite):
    name: ClassVar[str] = "eddsa-rdfc-2022"

    def canonicalize(self, document: dict[str, Any], *, loader: StaticDocumentLoader) -> bytes:
        return canonicalize_rdfc(document, loader=loader).encode("utf-8")
