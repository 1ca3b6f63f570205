"""One-time challenges (Data Integrity ``challenge``, SD-JWT ``nonce``) for verifying services.

A service issues a random challenge, the holder signs it into the presentation, and the service
consumes it exactly once when verifying: a replayed presentation then fails with
``INVALID_CHALLENGE_ERROR``. Both stores are safe under threads; the SQLite one also across
processes sharing a file (the consume is a single ``DELETE ... RETURNING`` statement).

This is the verifier's half of VC DM 2.0 §9.5.2 Replay Attack ("the verifier enforces challenge
uniqueness"): VC Data Integrity §4.4 (``challenge``, ``domain``) and RFC 9901 §7.3 (``nonce``,
``aud``) only check that a presentation carries the expected values, not that it is the first
to carry them.
"""

from __future__ import annotations

import secrets
import sqlite3
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Protocol, runtime_checkable

from kr_ovid.clock import Clock, SystemClock
from kr_ovid.errors import ConfigurationError

__all__ = [
    "Challenge",
    "ChallengeStore",
    "InMemoryChallengeStore",
    "SqliteChallengeStore",
]

DEFAULT_TTL = timedelta(minutes=5)
_MAX_LEN = 512


@dataclass(frozen=True, slots=True)
class Challenge:
    """One issued challenge: the random ``value`` the holder signs, the ``audience`` it is for
    (the Data Integrity ``domain``, the KB-JWT ``aud``) and the instant it stops counting."""

    value: str
    audience: str
    expires: datetime


@runtime_checkable
class ChallengeStore(Protocol):
    """What the verifier needs for single-use challenges. Any store fits whose ``consume``
    answers True at most once per value, also under concurrent calls (e.g. a cache shared by
    several service instances)."""

    def issue(self, audience: str, *, ttl: timedelta | None = None) -> Challenge:
        """A fresh random challenge (≥ 128 bits) for ``audience``, valid for ``ttl``."""
        ...

    def consume(self, value: str, audience: str) -> bool:
        """True exactly once for a live challenge issued to ``audience``; False otherwise."""
        ...


def _new_value() -> str:
    return secrets.token_urlsafe(24)  # 192 bits


def _new_challenge(audience: str, ttl: timedelta, now: datetime) -> Challenge:
    if not isinstance(audience, str) or not audience or len(audience) > _MAX_LEN:
        raise ConfigurationError("audience must be a non-empty string")
    if ttl <= timedelta(0):
        raise ConfigurationError("ttl must be positive")
    return Challenge(_new_value(), audience, now + ttl)


class InMemoryChallengeStore:
    """Challenges in a dict behind a lock; expired ones are purged as new ones are issued."""

    def __init__(
        self,
        *,
        clock: Clock | None = None,
        default_ttl: timedelta = DEFAULT_TTL,
        max_outstanding: int = 100_000,
    ) -> None:
        self._clock = clock or SystemClock()
        self._ttl = default_ttl
        self._max = max_outstanding
        self._lock = threading.Lock()
        self._live: dict[str, Challenge] = {}

    def issue(self, audience: str, *, ttl: timedelta | None = None) -> Challenge:
        """Expired challenges are purged only when the table is full, so issuing stays cheap;
        past ``max_outstanding`` live ones it refuses rather than grow, so a flood of requests
        cannot exhaust memory."""
        now = self._clock.now()
        challenge = _new_challenge(audience, self._ttl if ttl is None else ttl, now)
        with self._lock:
            if len(self._live) >= self._max:
                self._live = {k: c for k, c in self._live.items() if c.expires > now}
                if len(self._live) >= self._max:
                    raise ConfigurationError("too many outstanding challenges")
            self._live[challenge.value] = challenge
        return challenge

    def consume(self, value: str, audience: str) -> bool:
        """Removed before it is judged: a value presented once, even to the wrong audience or
        too late, cannot be presented again."""
        if not isinstance(value, str) or len(value) > _MAX_LEN:
            return False
        with self._lock:
            challenge = self._live.pop(value, None)
        if challenge is None:
            return False
        return challenge.audience == audience and self._clock.now() <= challenge.expires


class SqliteChallengeStore:
    """Challenges in SQLite (a file shared by worker processes, or ``:memory:``)."""

    def __init__(
        self,
        path: str | Path = ":memory:",
        *,
        clock: Clock | None = None,
        default_ttl: timedelta = DEFAULT_TTL,
    ) -> None:
        self._clock = clock or SystemClock()
        self._ttl = default_ttl
        self._lock = threading.Lock()
        self._db = sqlite3.connect(
            str(path), timeout=30, isolation_level=None, check_same_thread=False
        )
        if str(path) != ":memory:":
            self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS challenge ("
            " value TEXT PRIMARY KEY, audience TEXT NOT NULL, expires REAL NOT NULL)"
        )

    def issue(self, audience: str, *, ttl: timedelta | None = None) -> Challenge:
        """Expired rows are deleted on every issue, so the table holds only live challenges."""
        now = self._clock.now()
        challenge = _new_challenge(audience, self._ttl if ttl is None else ttl, now)
        with self._lock:
            self._db.execute("DELETE FROM challenge WHERE expires < ?", (now.timestamp(),))
            self._db.execute(
                "INSERT INTO challenge (value, audience, expires) VALUES (?, ?, ?)",
                (challenge.value, audience, challenge.expires.timestamp()),
            )
        return challenge

    def consume(self, value: str, audience: str) -> bool:
        """One ``DELETE … RETURNING``: the row is gone in the statement that reads it, so two
        processes can never both consume one value; as in memory, a wrong audience or a late
        answer spends it too."""
        if not isinstance(value, str) or len(value) > _MAX_LEN:
            return False
        with self._lock:
            row = self._db.execute(
                "DELETE FROM challenge WHERE value = ? RETURNING audience, expires", (value,)
            ).fetchone()
        if row is None:
            return False
        return bool(row[0] == audience and self._clock.now().timestamp() <= row[1])

    def close(self) -> None:
        """Close the database; outstanding challenges in a file survive for other processes."""
        with self._lock:
            self._db.close()
