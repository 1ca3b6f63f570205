"""Offline JSON-LD document loading: only the pinned contexts in ``contexts/`` are served.

pyld's default loader fetches URLs over the network; kr_ovid never lets it run. Every pyld call
goes through :mod:`kr_ovid.jsonld.canon`, which always passes a :class:`StaticDocumentLoader`.
The manifest (``contexts/manifest.json``) records URL → file → sha256; the bytes are checked
against it when a loader is built, so a modified context file cannot be served silently.
"""

from __future__ import annotations

import functools
import hashlib
import json
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any, Protocol

from cachetools import LRUCache

from kr_ovid._resources import _data_dir
from kr_ovid.errors import DocumentLoaderError
from kr_ovid.jsonld.strict import CompiledContexts

__all__ = [
    "ContextEntry",
    "DocumentLoader",
    "StaticDocumentLoader",
    "default_loader",
    "load_manifest",
]

MANIFEST_FILE = "manifest.json"


class DocumentLoader(Protocol):
    """pyld's loader call shape: ``(url, options) -> {'documentUrl', 'document', ...}``."""

    def __call__(self, url: str, options: Mapping[str, Any] | None = None) -> dict[str, Any]: ...


@dataclass(frozen=True, slots=True)
class ContextEntry:
    url: str
    file: str
    sha256: str
    source: str = ""


def load_manifest(directory: Path | None = None) -> tuple[ContextEntry, ...]:
    """Read the context manifest (URL → file → sha256)."""
    base = directory or _data_dir("contexts")
    try:
        raw = json.loads((base / MANIFEST_FILE).read_text(encoding="utf-8"))
        return tuple(
            ContextEntry(e["url"], e["file"], e["sha256"], e.get("source", ""))
            for e in raw["contexts"]
        )
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise DocumentLoaderError(
            f"context manifest in {base} is unreadable: {type(exc).__name__}"
        ) from None


def _read_pinned(path: Path, sha256: str, url: str) -> tuple[bytes, Any]:
    try:
        data = path.read_bytes()
    except OSError:
        raise DocumentLoaderError(f"context file for {url} is missing: {path.name}") from None
    if hashlib.sha256(data).hexdigest() != sha256:
        raise DocumentLoaderError(f"context file for {url} does not match its pinned sha256")
    return data, json.loads(data)


class _LockedLRU(LRUCache):  # type: ignore[type-arg]
    """LRU cache safe to share between threads (cachetools' is not)."""

    def __init__(self, maxsize: int) -> None:
        super().__init__(maxsize=maxsize)
        self._lock = threading.RLock()

    def __getitem__(self, key: Any) -> Any:
        with self._lock:
            return super().__getitem__(key)

    def __setitem__(self, key: Any, value: Any) -> None:
        with self._lock:
            super().__setitem__(key, value)

    def __delitem__(self, key: Any) -> None:
        with self._lock:
            super().__delitem__(key)

    def get(self, key: Any, default: Any = None) -> Any:
        with self._lock:
            return super().get(key, default)


class _PinnedOnlyLRU(_LockedLRU):
    """pyld's shared context cache, keeping served URLs only.

    pyld also caches every *inline* context it resolves, keyed by its canonical JSON; a refused
    request's 850 KB inline context would then stay in memory. Those entries are not kept.
    """

    def __init__(self, maxsize: int, keys: frozenset[str]) -> None:
        super().__init__(maxsize)
        self._keys = keys

    def __setitem__(self, key: Any, value: Any) -> None:
        if key in self._keys:
            super().__setitem__(key, value)


class StaticDocumentLoader:
    """Serves pinned contexts from memory and refuses every other URL.

    ``extra`` adds documents (URL → parsed JSON) for tests or a deployment's own contexts;
    they are served as given. Each loader owns a private cache of processed contexts (handed to
    pyld through its ``contextResolver`` option by :mod:`kr_ovid.jsonld.canon`), so two loaders
    serving different bytes for one URL can never see each other's contexts.
    """

    __slots__ = ("_bytes", "_cache", "_compiled", "_documents", "_pinned_ids", "_processed")

    def __init__(
        self,
        extra: Mapping[str, Any] | None = None,
        *,
        directory: Path | None = None,
        include_default: bool = True,
    ) -> None:
        docs: dict[str, Any] = {}
        pinned: dict[str, bytes] = {}
        if include_default or directory is not None:
            base = directory or _data_dir("contexts")
            for entry in load_manifest(base):
                pinned[entry.url], docs[entry.url] = _read_pinned(
                    base / entry.file, entry.sha256, entry.url
                )
        for url, doc in (extra or {}).items():
            if not isinstance(url, str) or not isinstance(doc, dict):
                raise DocumentLoaderError("extra documents must map URL strings to JSON objects")
            docs[url] = doc
            pinned.pop(url, None)  # served as given: its bytes are not the pinned file's
        self._bytes: Mapping[str, bytes] = MappingProxyType(pinned)
        self._documents: Mapping[str, Any] = MappingProxyType(docs)
        self._pinned_ids = frozenset(_object_ids(docs.values()))
        self._cache = _PinnedOnlyLRU(maxsize=256, keys=frozenset(docs))
        self._processed = _LockedLRU(maxsize=1024)
        self._compiled = CompiledContexts(self._document)

    @property
    def urls(self) -> frozenset[str]:
        return frozenset(self._documents)

    def pinned_bytes(self, url: str) -> bytes | None:
        """The exact bytes of a context served from a manifest-pinned file (its sha256 checked
        when this loader was built), or ``None`` for any other URL, an ``extra`` document
        included: what a ``relatedResource`` digest (VC DM 2.0 §5.3) is compared with."""
        return self._bytes.get(url)

    @property
    def context_cache(self) -> Any:
        """Private processed-context cache, for pyld's ContextResolver."""
        return self._cache

    @property
    def processed_contexts(self) -> Any:
        """Private memo of contexts processed against a finished active context (see canon)."""
        return self._processed

    def is_pinned_object(self, value: object) -> bool:
        """True if ``value`` is (the identical object of) a part of a served document: such
        objects live as long as the loader, so a memo may hold them; a request's own inline
        contexts never are."""
        return id(value) in self._pinned_ids

    @property
    def compiled(self) -> CompiledContexts:
        """This loader's contexts compiled for the strict form (see :mod:`kr_ovid.jsonld.strict`)."""
        return self._compiled

    def _document(self, url: str) -> Any:
        return self(url)["document"]

    def with_documents(self, extra: Mapping[str, Any]) -> StaticDocumentLoader:
        """A new loader serving these documents too (its own cache)."""
        merged = dict(self._documents)
        merged.update(extra)
        loader = StaticDocumentLoader(merged, include_default=False)
        loader._bytes = MappingProxyType(
            {url: data for url, data in self._bytes.items() if url not in extra}
        )
        return loader

    def __call__(self, url: str, options: Mapping[str, Any] | None = None) -> dict[str, Any]:
        doc = self._documents.get(url) if isinstance(url, str) else None
        if doc is None:
            shown = url if isinstance(url, str) and len(url) <= 300 else "<unprintable URL>"
            raise DocumentLoaderError(f"context not available offline: {shown}")
        # 'tag': 'static' lets pyld keep the processed context in the (private) cache.
        return {"contextUrl": None, "documentUrl": url, "document": doc, "tag": "static"}

    def __repr__(self) -> str:
        return f"StaticDocumentLoader({len(self._documents)} documents)"


def _object_ids(values: Any) -> set[int]:
    ids: set[int] = set()
    stack = list(values)
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            ids.add(id(item))
            stack.extend(item.values())
        elif isinstance(item, list):
            ids.add(id(item))
            stack.extend(item)
    return ids


@functools.cache
def default_loader() -> StaticDocumentLoader:
    """The loader over the packaged, pinned contexts, built once per process.

    Sharing it is safe: its documents are immutable and hash-checked, so its cache of processed
    contexts can only ever hold what those exact bytes produce.
    """
    return StaticDocumentLoader()
