"""The pinned contexts: every file's sha256 matches the manifest, and nothing else is served."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from kr_ovid._resources import _data_dir
from kr_ovid.errors import DocumentLoaderError
from kr_ovid.jsonld.loader import StaticDocumentLoader, default_loader, load_manifest
from kr_ovid.problems import ErrorCode

REQUIRED = {
    "https://www.w3.org/ns/credentials/v2",
    "https://www.w3.org/2018/credentials/v1",
    "https://w3id.org/security/data-integrity/v2",
    "https://w3id.org/security/multikey/v1",
    "https://w3id.org/security/suites/ed25519-2020/v1",
    "https://www.w3.org/ns/did/v1",
}


def test_every_manifest_hash_matches_its_file() -> None:
    directory = _data_dir("contexts")
    entries = load_manifest()
    assert entries
    for entry in entries:
        data = (directory / entry.file).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry.sha256, entry.url
        json.loads(data)


def test_every_context_file_is_in_the_manifest() -> None:
    directory = _data_dir("contexts")
    listed = {e.file for e in load_manifest()}
    on_disk = {p.name for p in directory.glob("*.jsonld")}
    assert on_disk == listed


def test_required_contexts_are_served() -> None:
    assert default_loader().urls >= REQUIRED


def test_w3c_published_digests() -> None:
    """Digests published in the W3C Recommendations (VC DM 2.0, VC Data Integrity, Bitstring
    Status List: each Recommendation lists its context's SHA-256)."""
    published = {
        "https://www.w3.org/ns/credentials/v2": "59955ced6697d61e03f2b2556febe5308ab16842846f5b586d7f1f7adec92734",
        "https://w3id.org/security/data-integrity/v2": "67f21e6e33a6c14e5ccfd2fc7865f7474fb71a04af7e94136cb399dfac8ae8f4",
        "https://w3id.org/security/multikey/v1": "ba2c182de2d92f7e47184bcca8fcf0beaee6d3986c527bf664c195bbc7c58597",
    }
    by_url = {e.url: e.sha256 for e in load_manifest()}
    for url, digest in published.items():
        assert by_url[url] == digest


def test_vc_11_context_is_the_w3c_repository_copy() -> None:
    """VC DM 1.1 publishes no digest for its context: the pinned file is the W3C repository's
    copy (w3c/vc-data-model ``contexts/credentials/v1`` @ 979c4af), byte for byte; VC 1.1
    credentials (and their relatedResource digests) depend on exactly these bytes."""
    by_url = {e.url: e for e in load_manifest()}
    entry = by_url["https://www.w3.org/2018/credentials/v1"]
    assert entry.sha256 == "ab4ddd9a531758807a79a5b450510d61ae8d147eab966cc9a200c07095b0cdcc"
    assert "979c4af1cfe2224ed7b0ee5ec4d7a009a465812b" in entry.source
    data = default_loader().pinned_bytes(entry.url)
    assert data is not None and hashlib.sha256(data).hexdigest() == entry.sha256


@pytest.mark.parametrize(
    "url",
    [
        "https://example.com/context",
        "https://www.w3.org/ns/credentials/examples/v2",
        "http://www.w3.org/ns/did/v1",
        "",
    ],
)
def test_other_urls_are_refused_naming_the_url(url: str) -> None:
    with pytest.raises(DocumentLoaderError) as info:
        default_loader()(url)
    assert info.value.code is ErrorCode.UNKNOWN_CONTEXT
    assert url in str(info.value)


def test_modified_context_file_is_refused(tmp_path: Path) -> None:
    directory = _data_dir("contexts")
    for f in directory.iterdir():
        (tmp_path / f.name).write_bytes(f.read_bytes())
    target = tmp_path / "credentials-v2.jsonld"
    target.write_bytes(
        target.read_bytes().replace(b"VerifiableCredential", b"VerifiableCredentiaX", 1)
    )
    with pytest.raises(DocumentLoaderError, match="sha256"):
        StaticDocumentLoader(directory=tmp_path)


def test_loaders_do_not_share_processed_contexts() -> None:
    a = StaticDocumentLoader()
    b = StaticDocumentLoader()
    assert a.context_cache is not b.context_cache
