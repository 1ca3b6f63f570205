"""Credential types as DCQL ``type_values`` compare them (OpenID4VP 1.0 Appendix B.1.1): the
``type`` terms of a Data Integrity credential expanded to IRIs through its pinned contexts."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kr_ovid.errors import KrOvidError
from kr_ovid.jsonld.loader import StaticDocumentLoader

__all__ = ["expanded_types"]


def _definitions(context_urls: list[str], loader: StaticDocumentLoader) -> dict[str, str]:
    """Top-level term → ``@id`` of the pinned contexts, later contexts overriding earlier ones
    (JSON-LD 1.1 §4.1 context processing, for the simple term definitions types use)."""
    terms: dict[str, str] = {}
    for url in context_urls:
        try:
            document = loader(url)["document"]
        except KrOvidError:
            continue
        ctx = document.get("@context") if isinstance(document, dict) else None
        for ctx_item in ctx if isinstance(ctx, list) else [ctx]:
            if not isinstance(ctx_item, dict):
                continue
            for term, definition in ctx_item.items():
                iri = definition.get("@id") if isinstance(definition, dict) else definition
                if isinstance(iri, str) and not term.startswith("@"):
                    terms[term] = iri
    return terms


def expanded_types(credential: Mapping[str, Any], loader: StaticDocumentLoader) -> list[str]:
    """The credential's types as IRIs; a term no context defines stays as it is (B.1.1)."""
    ctx = credential.get("@context")
    urls = [u for u in (ctx if isinstance(ctx, list) else [ctx]) if isinstance(u, str)]
    types = credential.get("type")
    names = [t for t in (types if isinstance(types, list) else [types]) if isinstance(t, str)]
    terms = _definitions(urls, loader)
    return [terms.get(t, t) for t in names]
