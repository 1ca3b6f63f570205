"""Offline JSON-LD: pinned context loading, safe expansion, RDFC-1.0 and JCS canonical forms."""

from kr_ovid.jsonld.canon import canonicalize_rdfc, expand
from kr_ovid.jsonld.jcs import jcs_canonicalize
from kr_ovid.jsonld.loader import ContextEntry, DocumentLoader, StaticDocumentLoader, load_manifest

__all__ = [
    "ContextEntry",
    "DocumentLoader",
    "StaticDocumentLoader",
    "canonicalize_rdfc",
    "expand",
    "jcs_canonicalize",
    "load_manifest",
]
