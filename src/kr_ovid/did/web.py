"""did:web (W3C CCG did-method-web): DID ↔ URL mapping, DID documents, a resolver, a cache.

https://w3c-ccg.github.io/did-method-web/ — the method-specific id is ``host[%3Aport][:seg]*``;
the document lives at ``https://host[:port]/seg/.../did.json``, or at
``https://host[:port]/.well-known/did.json`` without a path.

The mapping is strict, so that one DID names one URL and back: https only; a DNS host name
(the spec says the identifier "MUST NOT include IP addresses", so IP literals are refused);
``%3A`` (upper case) is the only percent-encoding allowed in the host; no empty, ``.`` or ``..``
segments; no userinfo, query or fragment.

:class:`WebDidResolver` never opens a socket itself. By default it answers only from documents
the caller registered (a mapping or a directory); given a ``fetch`` callable it asks that for
the bytes, under a size limit and a time budget (see :class:`DidWebFetch`).
"""

from __future__ import annotations

import os
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Protocol, runtime_checkable
from urllib.parse import unquote

from kr_ovid._json import JsonLimits, JsonParseError, parse_json
from kr_ovid.clock import Clock, SystemClock, parse_datetime_stamp
from kr_ovid.did.document import (
    DID_CONTEXT,
    MULTIKEY_CONTEXT,
    RELATIONSHIPS,
    DidDocument,
    is_did,
    split_did_url,
)
from kr_ovid.did.resolver import DidResolver, did_method
from kr_ovid.errors import ConfigurationError, KeyFormatError, KrOvidError, ResolutionError
from kr_ovid.keys.multikey import decode_public_multikey, encode_public_multikey
from kr_ovid.problems import ErrorCode

__all__ = [
    "DEFAULT_MAX_BYTES",
    "DEFAULT_TIMEOUT",
    "CachingResolver",
    "DidWebFetch",
    "KeyInput",
    "PublicKeySource",
    "WebDidResolver",
    "build_did_document",
    "did_web_to_url",
    "multikey_method",
    "url_to_did_web",
    "validate_did_document",
]

DEFAULT_MAX_BYTES = 64 * 1024
DEFAULT_TIMEOUT = 10.0
_PREFIX = "did:web:"
_WELL_KNOWN = "/.well-known/did.json"
_DOC_NAME = "/did.json"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_HOST_RE = re.compile(rf"^{_LABEL}(?:\.{_LABEL})*$")
_PORT_RE = re.compile(r"^[1-9][0-9]{0,4}$")
# A segment as both a DID idchar run and a URL path segment: unreserved (minus "~") + pct-encoded.
_SEGMENT_RE = re.compile(r"^(?:[A-Za-z0-9._-]|%[0-9A-F]{2})+$")
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
_FRAGMENT_RE = re.compile(r"^[A-Za-z0-9._-]{1,128}$")


# --------------------------------------------------------------------------------------------
# DID ↔ URL
# --------------------------------------------------------------------------------------------
def _bad_did(reason: str) -> ResolutionError:
    return ResolutionError(f"invalid did:web DID: {reason}", code=ErrorCode.DID_RESOLUTION_ERROR)


def _host_problem(host: str) -> str | None:
    if len(host) > 253 or _HOST_RE.match(host) is None:
        return "host is not a DNS name"
    # A numeric last label makes URL parsers read the host as IPv4 ("127.0.0.1", "0x7f.1").
    if host.rsplit(".", 1)[-1].isdigit():
        return "IP addresses are not allowed"
    return None


def _segment_problem(segment: str) -> str | None:
    if _SEGMENT_RE.match(segment) is None:
        return "path segment has characters outside [A-Za-z0-9._-] and %XX"
    for encoded in re.findall(r"%([0-9A-F]{2})", segment):
        if chr(int(encoded, 16)) in _UNRESERVED:
            return "path segment percent-encodes an unreserved character"
    decoded = unquote(segment)
    if (
        decoded in {".", ".."}
        or any(c in decoded for c in "/\\")
        or any(ord(c) < 0x20 or ord(c) == 0x7F for c in decoded)
    ):
        return "path segment is '.', '..' or decodes to a separator or control character"
    return None


def did_web_to_url(did: str) -> str:
    """The HTTPS URL of a did:web DID's document (did-method-web §3.2 "Read (Resolve)").

    Raises :class:`ResolutionError` (``DID_RESOLUTION_ERROR``) for anything that is not a
    well-formed did:web DID.
    """
    if not isinstance(did, str) or not did.startswith(_PREFIX) or not is_did(did):
        raise _bad_did("not a did:web DID")
    parts = did[len(_PREFIX) :].split(":")
    if any(not p for p in parts):
        raise _bad_did("empty segment")
    host, _, port = parts[0].partition("%3A")
    problem = _host_problem(host)
    if problem is None and port and (_PORT_RE.match(port) is None or int(port) > 65535):
        problem = "port is not 1..65535"
    if problem is None and "%3A" in parts[0] and not port:
        problem = "empty port"
    for segment in parts[1:]:
        problem = problem or _segment_problem(segment)
    if problem is not None:
        raise _bad_did(problem)
    authority = f"{host}:{port}" if port else host
    if len(parts) == 1:
        return f"https://{authority}{_WELL_KNOWN}"
    return f"https://{authority}/{'/'.join(parts[1:])}{_DOC_NAME}"


def url_to_did_web(url: str) -> str:
    """The did:web DID whose document lives at ``url`` (the inverse of :func:`did_web_to_url`).

    Raises :class:`ConfigurationError` when the URL is not one a did:web DID maps to.
    """
    if not isinstance(url, str) or len(url) > 2048 or not url.startswith("https://"):
        raise ConfigurationError("a did:web document URL starts with https://")
    if any(c in url for c in "?#@") or any(ord(c) <= 0x20 or ord(c) >= 0x7F for c in url):
        raise ConfigurationError("did:web URLs carry no userinfo, query, fragment or non-ASCII")
    authority, slash, path = url[len("https://") :].partition("/")
    if not slash:
        raise ConfigurationError("URL has no path")
    host, colon, port = authority.partition(":")
    problem = _host_problem(host)
    if problem is None and colon and (_PORT_RE.match(port) is None or int(port) > 65535):
        problem = "port is not 1..65535"
    if problem is not None:
        raise ConfigurationError(f"URL host: {problem}")
    path = "/" + path
    if path == _WELL_KNOWN:
        segments: list[str] = []
    elif path.endswith(_DOC_NAME) and len(path) > len(_DOC_NAME):
        segments = path[1 : -len(_DOC_NAME)].split("/")
        if segments[0] == ".well-known":
            # did:web:h:.well-known would map to the same URL as did:web:h: refuse the ambiguity.
            raise ConfigurationError("a path starting with /.well-known/ is not a did:web path")
        for segment in segments:
            problem = "empty path segment" if not segment else _segment_problem(segment)
            if problem is not None:
                raise ConfigurationError(f"URL path: {problem}")
    else:
        raise ConfigurationError("a did:web URL ends with /did.json (or is /.well-known/did.json)")
    did = _PREFIX + ":".join([host + (f"%3A{port}" if colon else ""), *segments])
    if did_web_to_url(did) != url:  # the two functions must stay each other's inverse
        raise ConfigurationError("URL does not map to a did:web DID and back")
    return did


# --------------------------------------------------------------------------------------------
# DID documents
# --------------------------------------------------------------------------------------------
@runtime_checkable
class PublicKeySource(Protocol):
    """A key that can be published: its verification-method id and raw Ed25519 public key.

    :class:`~kr_ovid.keys.Ed25519Signer` is one; an HSM-backed signer can be another.
    """

    @property
    def verification_method(self) -> str: ...

    @property
    def public_key(self) -> bytes: ...


#: A key for a DID document: a signer-like object, ``(vm_id, multikey or raw bytes)``, or a
#: verification-method object (type Multikey).
KeyInput = PublicKeySource | tuple[str, str | bytes] | Mapping[str, Any]


def _invalid(message: str) -> ResolutionError:
    return ResolutionError(message, code=ErrorCode.INVALID_DID_DOCUMENT)


def _method_id(did: str, vm_id: object) -> str:
    if not isinstance(vm_id, str):
        raise ConfigurationError("verification method id must be a string")
    absolute = did + vm_id if vm_id.startswith("#") else vm_id
    base, fragment = split_did_url(absolute)
    if base != did or fragment is None or _FRAGMENT_RE.match(fragment) is None:
        raise ConfigurationError(
            f"verification method id must be {did}#<fragment> ([A-Za-z0-9._-]); "
            "re-bind the key with Ed25519Signer.with_verification_method()"
        )
    return absolute


def multikey_method(did: str, key: KeyInput) -> dict[str, Any]:
    """A ``Multikey`` verification method controlled by ``did`` for ``key``."""
    try:
        if isinstance(key, Mapping):
            vm = dict(key)
            vm["id"] = _method_id(did, vm.get("id"))
            if vm.get("type") != "Multikey" or vm.setdefault("controller", did) != did:
                raise ConfigurationError(
                    "verification method must be a Multikey controlled by the DID"
                )
            decode_public_multikey(vm.get("publicKeyMultibase"))
            return vm
        if isinstance(key, tuple):
            if len(key) != 2:
                raise ConfigurationError("a key tuple is (verification method id, public key)")
            vm_id, public = key
            multikey = (
                encode_public_multikey(bytes(public))
                if isinstance(public, bytes | bytearray)
                else public
            )
        elif isinstance(key, PublicKeySource):
            vm_id, multikey = key.verification_method, encode_public_multikey(key.public_key)
        else:
            raise ConfigurationError(f"cannot use {type(key).__name__} as a DID document key")
        decode_public_multikey(multikey)
    except KeyFormatError as exc:
        raise ConfigurationError(f"key: {exc}") from None
    return {
        "id": _method_id(did, vm_id),
        "type": "Multikey",
        "controller": did,
        "publicKeyMultibase": multikey,
    }


def _select(choice: bool | Iterable[str], did: str, all_ids: list[str]) -> list[str]:
    if choice is True:
        return list(all_ids)
    if choice is False:
        return []
    chosen = [_method_id(did, c) for c in choice]
    missing = [c for c in chosen if c not in all_ids]
    if missing:
        raise ConfigurationError(f"relationship names keys the document does not have: {missing}")
    return chosen


def build_did_document(
    did: str,
    keys: Sequence[KeyInput],
    *,
    authentication: bool | Iterable[str] = True,
    assertion: bool | Iterable[str] = True,
) -> dict[str, Any]:
    """A DID document (DID v1 + Multikey contexts) publishing ``keys``.

    ``authentication`` / ``assertion``: ``True`` lists every key, ``False`` none, or name the
    verification-method ids (``"#key-1"`` or absolute). The result passes
    :func:`validate_did_document`; building and validating share one definition of "valid".
    """
    if not is_did(did):
        raise ConfigurationError("not a DID")
    if not keys:
        raise ConfigurationError("a DID document needs at least one key")
    methods = [multikey_method(did, k) for k in keys]
    ids = [m["id"] for m in methods]
    doc: dict[str, Any] = {
        "@context": [DID_CONTEXT, MULTIKEY_CONTEXT],
        "id": did,
        "verificationMethod": methods,
    }
    for name, choice in (("authentication", authentication), ("assertionMethod", assertion)):
        selected = _select(choice, did, ids)
        if selected:
            doc[name] = selected
    try:
        validate_did_document(doc, expected_id=did)
    except ResolutionError as exc:
        raise ConfigurationError(str(exc)) from None
    return doc


def validate_did_document(data: object, *, expected_id: str | None = None) -> DidDocument:
    """:meth:`DidDocument.from_json` plus the rules kr_ovid holds every published document to.

    Every verification method is ``<DID>#<fragment>`` and controlled by the DID itself (a key
    another party controls cannot speak for a mission); ids are unique; relationships reference
    only methods of this document, each once; ``expires``/``revoked`` are dateTimeStamps;
    Multikey values decode as Ed25519; a document with Multikey methods carries the Multikey
    context. Raises :class:`ResolutionError` with ``INVALID_DID_DOCUMENT``.
    """
    doc = DidDocument.from_json(data, expected_id=expected_id)
    raw = doc.data
    context = raw.get("@context")
    contexts = context if isinstance(context, list) else [context]
    for vm_id, vm in doc.methods.items():
        base, fragment = split_did_url(vm_id)
        if base != doc.id or fragment is None or _FRAGMENT_RE.match(fragment) is None:
            raise _invalid("verification method id is not <DID>#<fragment>")
        if vm.get("controller") != doc.id:
            raise _invalid("verification method controller is not the DID")
        for member in ("expires", "revoked"):
            if member in vm and parse_datetime_stamp(vm[member]) is None:
                raise _invalid(f"verification method '{member}' is not an XSD dateTimeStamp")
        if vm.get("type") == "Multikey":
            try:
                decode_public_multikey(vm.get("publicKeyMultibase"))
            except KeyFormatError:
                raise _invalid("Multikey verification method has no valid Ed25519 key") from None
            if context is not None and MULTIKEY_CONTEXT not in contexts:
                raise _invalid("Multikey verification methods need the Multikey context")
    for rel in RELATIONSHIPS:
        refs = doc.relationship(rel)
        if len(set(refs)) != len(refs):
            raise _invalid(f"'{rel}' lists a verification method twice")
        if any(ref not in doc.methods for ref in refs):
            raise _invalid(f"'{rel}' references a verification method this document lacks")
    return doc


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


class CachingResolver:
    """TTL + LRU cache in front of another resolver.

    The cache belongs to this instance: two resolvers configured differently (other local
    documents, another fetcher) can never answer from each other's entries. Only successful
    resolutions are cached; failures (often retryable) are asked again. Thread-safe; the inner
    resolver is called outside the lock, so one slow fetch does not block cache hits.
    """

    __slots__ = ("_clock", "_entries", "_inner", "_lock", "_max_entries", "_ttl")

    def __init__(
        self,
        inner: DidResolver,
        *,
        ttl: timedelta = timedelta(minutes=5),
        max_entries: int = 256,
        clock: Clock | None = None,
    ) -> None:
        if not isinstance(ttl, timedelta) or ttl <= timedelta(0):
            raise ConfigurationError("ttl must be a positive timedelta")
        if not isinstance(max_entries, int) or max_entries < 1:
            raise ConfigurationError("max_entries must be a positive integer")
        self._inner = inner
        self._ttl = ttl
        self._max_entries = max_entries
        self._clock: Clock = clock or SystemClock()
        self._entries: OrderedDict[str, tuple[DidDocument, datetime]] = OrderedDict()
        self._lock = threading.Lock()

    def resolve(self, did: str) -> DidDocument:
        now = self._clock.now()
        with self._lock:
            entry = self._entries.get(did)
            if entry is not None:
                doc, stored = entry
                if stored <= now < stored + self._ttl:  # a clock stepping back also expires
                    self._entries.move_to_end(did)
                    return doc
                del self._entries[did]
        doc = self._inner.resolve(did)
        with self._lock:
            self._entries[did] = (doc, now)
            self._entries.move_to_end(did)
            while len(self._entries) > self._max_entries:
                self._entries.popitem(last=False)
        return doc

    def invalidate(self, did: str) -> None:
        """Forget one DID (e.g. after its controller announced a rotation)."""
        with self._lock:
            self._entries.pop(did, None)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    def __repr__(self) -> str:
        return f"CachingResolver({self._inner!r}, ttl={self._ttl}, max_entries={self._max_entries})"
