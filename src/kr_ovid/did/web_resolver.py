"""Resolving did:web: registered documents by default, a caller-supplied fetch otherwise (never a socket of its own).

did-method-web §2.5.2 Read (Resolve): :func:`~kr_ovid.did.web_url.did_web_to_url` builds the
URL, the injected fetch performs the HTTPS GET (its TLS is the fetcher's duty), and the final
step, that the document's ``id`` is the DID being resolved, is enforced on every answer.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any, Protocol

from kr_ovid._json import JsonLimits, JsonParseError, parse_json
from kr_ovid.did.document import (
    DidDocument,
    is_did,
)
from kr_ovid.did.resolver import did_method
from kr_ovid.did.web_document import (
    _invalid,
    validate_did_document,
)
from kr_ovid.did.web_url import (
    _PREFIX,
    DEFAULT_MAX_BYTES,
    DEFAULT_TIMEOUT,
    did_web_to_url,
)
from kr_ovid.errors import ConfigurationError, KrOvidError, ResolutionError
from kr_ovid.problems import ErrorCode


# --------------------------------------------------------------------------------------------
# Resolution
# --------------------------------------------------------------------------------------------
class DidWebFetch(Protocol):
    """Retrieve a did:web document's bytes.

    The resolver passes its budget: ``timeout`` (seconds) is what the fetcher must give its I/O
    (connect + read), and ``max_bytes`` lets it stop reading once the answer is too large (the
    resolver checks the size again). Report "no such document" (HTTP 404/410) by raising
    :class:`ResolutionError` with ``DID_NOT_FOUND``; any other exception is a retryable
    ``DID_RESOLUTION_ERROR``.
    """

    def __call__(self, url: str, *, timeout: float, max_bytes: int) -> bytes: ...


class WebDidResolver:
    """did:web resolution: local documents first, then the injected ``fetch`` (if any).

    ``documents`` is a mapping DID → document, an iterable of documents, or a directory of
    ``*.json`` files (keyed by each document's ``id``; non-did:web files are ignored). Local
    documents are the caller's pinned copies and win over anything fetched.

    Time budget: no thread is spawned per call (a Python thread cannot be cancelled, so a
    watchdog thread would only leak blocked threads). Instead the fetcher receives ``timeout``
    and is expected to honour it in its own I/O, and the resolver measures the call with
    ``monotonic`` and refuses an answer that arrives after the deadline, so a slow server
    cannot feed a document beyond the budget even through a fetcher that ignores it.
    """

    __slots__ = ("_fetch", "_local", "_max_bytes", "_monotonic", "_timeout")

    def __init__(
        self,
        fetch: DidWebFetch | None = None,
        *,
        documents: Mapping[str, Any] | Iterable[Any] | str | os.PathLike[str] | None = None,
        max_bytes: int = DEFAULT_MAX_BYTES,
        timeout: float = DEFAULT_TIMEOUT,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        if not isinstance(max_bytes, int) or max_bytes < 256:
            raise ConfigurationError("max_bytes must be an integer >= 256")
        if not isinstance(timeout, int | float) or not 0 < timeout <= 300:
            raise ConfigurationError("timeout must be in (0, 300] seconds")
        self._fetch = fetch
        self._max_bytes = max_bytes
        self._timeout = float(timeout)
        self._monotonic = monotonic
        self._local = _local_documents(documents)

    def resolve(self, did: str) -> DidDocument:
        """A registered document, else the fetched one: parsed under the size limit and
        validated with ``expected_id=did``, so a server cannot answer with another DID's
        document. A malformed did:web is refused before any lookup."""
        if not is_did(did):
            raise ResolutionError("not a DID", code=ErrorCode.DID_RESOLUTION_ERROR)
        if did_method(did) != "web":
            raise ResolutionError(
                f"unsupported DID method: {did_method(did)[:40]}",
                code=ErrorCode.UNSUPPORTED_DID_METHOD,
            )
        url = did_web_to_url(did)
        local = self._local.get(did)
        if local is not None:
            return local
        if self._fetch is None:
            raise ResolutionError(
                f"DID not found locally: {did[:200]}", code=ErrorCode.DID_NOT_FOUND
            )
        data = self._fetch_bytes(self._fetch, url)
        try:
            parsed = parse_json(data, limits=JsonLimits(max_bytes=self._max_bytes))
        except JsonParseError as exc:
            raise _invalid(f"DID document at {url} is not acceptable JSON: {exc.reason}") from None
        return validate_did_document(parsed, expected_id=did)

    def _fetch_bytes(self, fetch: DidWebFetch, url: str) -> bytes:
        """One call to the foreign fetcher under the budget: its coded errors pass through,
        anything else it raises is retryable; a late, non-bytes or oversized answer is refused."""
        start = self._monotonic()
        try:
            data = fetch(url, timeout=self._timeout, max_bytes=self._max_bytes)
        except KrOvidError:
            raise  # the fetcher's own verdict (DID_NOT_FOUND, SIZE_LIMIT_ERROR, …)
        # The fetcher is foreign code: any failure of it means "could not fetch", try later.
        except Exception as exc:  # noqa: BLE001
            raise ResolutionError(
                f"fetching {url} failed: {type(exc).__name__}",
                code=ErrorCode.DID_RESOLUTION_ERROR,
                retryable=True,
            ) from None
        if self._monotonic() - start > self._timeout:
            raise ResolutionError(
                f"fetching {url} exceeded the {self._timeout:g} s budget",
                code=ErrorCode.DID_RESOLUTION_ERROR,
                retryable=True,
            )
        if not isinstance(data, bytes | bytearray):
            raise ResolutionError("fetch returned no bytes", code=ErrorCode.DID_RESOLUTION_ERROR)
        if len(data) > self._max_bytes:
            raise ResolutionError(
                f"DID document at {url} exceeds {self._max_bytes} bytes",
                code=ErrorCode.SIZE_LIMIT_ERROR,
            )
        return bytes(data)

    def __contains__(self, did: object) -> bool:
        return did in self._local

    def __repr__(self) -> str:
        mode = "fetch" if self._fetch is not None else "local only"
        return f"WebDidResolver({len(self._local)} local documents, {mode})"


def _local_documents(
    documents: Mapping[str, Any] | Iterable[Any] | str | os.PathLike[str] | None,
) -> dict[str, DidDocument]:
    """Validate the pinned documents up front: a bad one fails construction, not the first
    verification; each must be a did:web document with a well-formed DID, once."""
    out: dict[str, DidDocument] = {}
    if documents is None:
        return out
    pairs: list[tuple[str | None, Any]]
    if isinstance(documents, str | os.PathLike):
        pairs = [(None, d) for d in _read_directory(Path(documents))]
    elif isinstance(documents, Mapping):
        pairs = list(documents.items())
    else:
        pairs = [(None, d) for d in documents]
    for key, raw in pairs:
        data = raw.to_json() if isinstance(raw, DidDocument) else raw
        doc = validate_did_document(data, expected_id=key)
        if did_method(doc.id) != "web":
            raise _invalid(f"not a did:web document: {doc.id[:200]}")
        did_web_to_url(doc.id)
        if doc.id in out:
            raise _invalid(f"two local documents for {doc.id[:200]}")
        out[doc.id] = doc
    return out


def _read_directory(directory: Path) -> list[Any]:
    if not directory.is_dir():
        raise ConfigurationError(f"{directory}: not a directory")
    docs: list[Any] = []
    for path in sorted(directory.glob("*.json")):
        try:
            data = parse_json(path.read_bytes())
        except (OSError, JsonParseError):
            raise _invalid(f"cannot read DID document {path.name}") from None
        # Other methods' documents (e.g. a pinned did:key root) and key files (whose id is a
        # DID URL with a fragment) may share the directory: only did:web documents are taken.
        ident = data.get("id") if isinstance(data, dict) else None
        if isinstance(ident, str) and ident.startswith(_PREFIX) and "#" not in ident:
            docs.append(data)
    return docs
