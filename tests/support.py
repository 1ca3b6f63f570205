"""Shared test helpers (importable because tests/ holds the root conftest.py)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from kr_ovid.jsonld.loader import StaticDocumentLoader

TESTS = Path(__file__).resolve().parent
VECTORS = TESTS / "vectors"

# Contexts the W3C vectors need but production never serves (examples/v2 sets @vocab).
TEST_CONTEXTS = {
    "https://www.w3.org/ns/credentials/examples/v2": "credentials-examples-v2.jsonld",
    "https://w3id.org/citizenship/v4rc1": "citizenship-v4rc1.jsonld",
    "https://www.w3.org/ns/credentials/undefined-terms/v2": "credentials-undefined-terms-v2.jsonld",
    "https://w3id.org/security/data-integrity/v1": "data-integrity-v1.jsonld",
    "https://w3id.org/vc/status-list/2021/v1": "status-list-2021-v1.jsonld",
}


def load_json(path: Path | str) -> Any:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def vector_loader() -> StaticDocumentLoader:
    """Production contexts plus the test-only ones the W3C vectors use."""
    extra = {url: load_json(VECTORS / "contexts" / f) for url, f in TEST_CONTEXTS.items()}
    return StaticDocumentLoader(extra)


def loader_with_context(context: dict[str, Any], url: str = "https://example.test/ctx/v1") -> StaticDocumentLoader:
    return StaticDocumentLoader({url: {"@context": context}})
