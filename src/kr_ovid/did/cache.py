"""A bounded, time-limited cache in front of any DID resolver.

A cached document can be stale: a key retired or revoked since (Controlled Identifiers §2.2) is
seen once its entry's TTL has run out; :meth:`CachingResolver.invalidate` forgets a DID at once.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from datetime import datetime, timedelta

from kr_ovid.clock import Clock, SystemClock
from kr_ovid.did.document import (
    DidDocument,
)
from kr_ovid.did.resolver import DidResolver
from kr_ovid.errors import ConfigurationError


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
        """A cached document younger than ``ttl``, else the inner resolver's answer (cached
        only when it succeeds). An entry stored "in the future" (the clock stepped back) counts
        as expired, so a clock change cannot extend a document's life."""
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
