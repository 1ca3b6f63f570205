"""Shared test helpers (importable because tests/ holds the root conftest.py)."""

from __future__ import annotations

import json
from datetime import datetime
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


def sample_claims(mission: Any = None, **changes: Any) -> dict[str, Any]:
    """The sample overseas national's claims (a holder of the Los Angeles consulate's ID), with
    ``issuingMission`` when a :class:`~kr_ovid.ovid.Mission` is given, and ``changes`` applied."""
    claims: dict[str, Any] = {
        "familyName": "홍",
        "givenName": "길동",
        "familyNameLatin": "HONG",
        "givenNameLatin": "GIL-DONG",
        "birthDate": "1990-02-28",
        "nationality": "KR",
        "residenceCountry": "US",
        "residenceCity": "Los Angeles",
        "overseasRegistrationDate": "2015-03-01",
        "passportNumber": "M123A4567",
        "passportExpiry": "2031-05-20",
        "idNumber": "7K3M-Q9XD-2HRT-VB4N",
    }
    if mission is not None:
        claims["issuingMission"] = mission.as_issuing_mission().to_json()
    claims.update(changes)
    return claims


def load_json(path: Path | str) -> Any:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def vector_loader() -> StaticDocumentLoader:
    """Production contexts plus the test-only ones the W3C vectors use."""
    extra = {url: load_json(VECTORS / "contexts" / f) for url, f in TEST_CONTEXTS.items()}
    return StaticDocumentLoader(extra)


def loader_with_context(
    context: dict[str, Any], url: str = "https://example.test/ctx/v1"
) -> StaticDocumentLoader:
    return StaticDocumentLoader({url: {"@context": context}})


TEST_CTX_URL = "https://example.test/ctx/v1"
TEST_VOCAB = "https://example.test/vocab#"
TEST_CONTEXT = {
    "@context": {
        "@protected": True,
        "ExampleCredential": TEST_VOCAB + "ExampleCredential",
        "name2": TEST_VOCAB + "name2",
        "score": {"@id": TEST_VOCAB + "score", "@type": "http://www.w3.org/2001/XMLSchema#integer"},
        "nested": TEST_VOCAB + "nested",
        "tags": TEST_VOCAB + "tags",
    }
}


def example_loader() -> StaticDocumentLoader:
    return StaticDocumentLoader({TEST_CTX_URL: TEST_CONTEXT})


def example_credential(**subject: Any) -> dict[str, Any]:
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2", TEST_CTX_URL],
        "id": "urn:uuid:9b7b6a57-2b0f-4a0e-8f5e-0d5b1b0a6c11",
        "type": ["VerifiableCredential", "ExampleCredential"],
        "issuer": "did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp",
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:holder", "name2": "홍길동", **subject},
    }


class NaiveClock:
    """A misconfigured clock (naive datetimes): every entry point must report it, not crash."""

    def now(self) -> datetime:
        return datetime(2026, 1, 1)
