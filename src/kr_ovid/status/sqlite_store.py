"""The embedded default :class:`~kr_ovid.status.store.StatusListStore`: one SQLite file.

Why it is safe:

- **One transaction per operation**, opened with ``BEGIN IMMEDIATE``: the write lock is taken
  before the counter is read, so two processes on the same file can never read the same counter
  value; the second waits (``busy_timeout``) until the first commits.
- **WAL journal, ``synchronous=FULL``** by default: a committed allocation survives a process
  kill *and* a power cut (with ``NORMAL`` a power cut may drop the last commits, and a dropped
  counter bump would hand an index out twice). A transaction that was not committed leaves no
  trace: the store reopens as if it never started.
- **The database refuses what the code must never do** (triggers): allocations cannot be
  updated or deleted, counters only grow, revocation entries cannot be cleared, audit rows are
  append-only. A bug or a hand-written ``UPDATE`` fails instead of reusing an index.

Layout: ``status_lists`` (one row per list: size, permutation key, counter),
``status_allocations`` (credential id → list and index; unique per position),
``status_entries`` (only the *non-zero* entries, keyed by list, purpose and index) and
``status_audit``. Keeping only set entries makes publication O(set entries) — revocations are
a small fraction of a list — and a status change a single-row write, instead of rewriting a
16 KiB+ blob per change.

The file is created with mode 0600: it holds the permutation keys.

Opening is safe when several processes open a *new* file at once (workers starting together):
the switch to WAL and the schema creation are retried with a short, jittered backoff while
SQLite reports the file busy; retries stop after ``timeout`` seconds. SQLite does not run the
busy handler there: ``PRAGMA journal_mode = WAL`` reads the header under a shared lock and then
upgrades to a write lock, and an upgrading reader gets ``SQLITE_BUSY`` at once (waiting could
deadlock two upgraders). The schema is created once, inside ``BEGIN IMMEDIATE``, with
``IF NOT EXISTS`` statements.
"""

from __future__ import annotations

import os
import random
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from types import MappingProxyType
from typing import Any, Final, Literal, TypeVar

from kr_ovid._files import create_private_file
from kr_ovid.clock import Clock
from kr_ovid.errors import ConfigurationError, StatusListError
from kr_ovid.problems import ErrorCode
from kr_ovid.status.sql_store import Cursor, SqlDialect, SqlStatusListStore, store_error
from kr_ovid.status.store import DEFAULT_LIST_SIZE, BeforeCommitHook

__all__ = ["SqliteStatusListStore"]

# Opening: backoff between attempts while the file is busy (seconds, doubled, jittered).
_OPEN_RETRY_FIRST: Final = 0.002
_OPEN_RETRY_MAX: Final = 0.1
_SQLITE_BUSY: Final = 5
_SQLITE_LOCKED: Final = 6

_T = TypeVar("_T")

# Version 2: the copies of one issuance, linked by the first credential id of the issuance.
_ISSUANCES: Final = """
CREATE TABLE IF NOT EXISTS status_issuances (
    credential_id TEXT PRIMARY KEY REFERENCES status_allocations (credential_id),
    issuance TEXT NOT NULL,
    ordinal INTEGER NOT NULL CHECK (ordinal >= 0)
);
CREATE INDEX IF NOT EXISTS status_issuances_by_issuance ON status_issuances (issuance, ordinal);
CREATE TRIGGER IF NOT EXISTS status_issuances_no_update BEFORE UPDATE ON status_issuances
BEGIN SELECT RAISE(ABORT, 'kr_ovid: issuance links are immutable'); END;
CREATE TRIGGER IF NOT EXISTS status_issuances_no_delete BEFORE DELETE ON status_issuances
BEGIN SELECT RAISE(ABORT, 'kr_ovid: issuance links are never deleted'); END;
"""
_SCHEMA: Final = """
CREATE TABLE IF NOT EXISTS status_meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS status_lists (
    list_id INTEGER PRIMARY KEY CHECK (list_id >= 1),
    size INTEGER NOT NULL CHECK (size >= 131072),
    perm_key BLOB NOT NULL CHECK (length(perm_key) >= 16),
    next_counter INTEGER NOT NULL CHECK (next_counter >= 0 AND next_counter <= size),
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS status_allocations (
    credential_id TEXT PRIMARY KEY,
    list_id INTEGER NOT NULL REFERENCES status_lists (list_id),
    idx INTEGER NOT NULL CHECK (idx >= 0),
    UNIQUE (list_id, idx)
);
CREATE TABLE IF NOT EXISTS status_entries (
    list_id INTEGER NOT NULL,
    purpose TEXT NOT NULL CHECK (purpose IN ('revocation', 'suspension')),
    idx INTEGER NOT NULL,
    value INTEGER NOT NULL CHECK (value > 0),
    PRIMARY KEY (list_id, purpose, idx),
    FOREIGN KEY (list_id, idx) REFERENCES status_allocations (list_id, idx)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS status_audit (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    list_id INTEGER NOT NULL,
    idx INTEGER NOT NULL,
    purpose TEXT NOT NULL,
    old_value INTEGER NOT NULL,
    new_value INTEGER NOT NULL,
    actor TEXT NOT NULL,
    reason TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS status_audit_list ON status_audit (list_id, seq);
CREATE TRIGGER IF NOT EXISTS status_allocations_no_update BEFORE UPDATE ON status_allocations
BEGIN SELECT RAISE(ABORT, 'kr_ovid: status allocations are immutable'); END;
CREATE TRIGGER IF NOT EXISTS status_allocations_no_delete BEFORE DELETE ON status_allocations
BEGIN SELECT RAISE(ABORT, 'kr_ovid: status allocations are never deleted'); END;
CREATE TRIGGER IF NOT EXISTS status_lists_counter_grows BEFORE UPDATE ON status_lists
WHEN NEW.next_counter < OLD.next_counter OR NEW.perm_key IS NOT OLD.perm_key
    OR NEW.size IS NOT OLD.size
BEGIN SELECT RAISE(ABORT, 'kr_ovid: list counters only grow; keys and sizes are fixed'); END;
CREATE TRIGGER IF NOT EXISTS status_lists_no_delete BEFORE DELETE ON status_lists
BEGIN SELECT RAISE(ABORT, 'kr_ovid: status lists are never deleted'); END;
CREATE TRIGGER IF NOT EXISTS status_revocation_no_delete BEFORE DELETE ON status_entries
WHEN OLD.purpose = 'revocation'
BEGIN SELECT RAISE(ABORT, 'kr_ovid: revocation is permanent'); END;
CREATE TRIGGER IF NOT EXISTS status_revocation_no_update BEFORE UPDATE ON status_entries
WHEN OLD.purpose = 'revocation'
BEGIN SELECT RAISE(ABORT, 'kr_ovid: revocation is permanent'); END;
CREATE TRIGGER IF NOT EXISTS status_audit_no_update BEFORE UPDATE ON status_audit
BEGIN SELECT RAISE(ABORT, 'kr_ovid: the audit trail is append-only'); END;
CREATE TRIGGER IF NOT EXISTS status_audit_no_delete BEFORE DELETE ON status_audit
BEGIN SELECT RAISE(ABORT, 'kr_ovid: the audit trail is append-only'); END;
"""


def _statements(script: str) -> tuple[str, ...]:
    """One statement per ";" at a line's end (inside a trigger body ";" is followed by " END")."""
    return tuple(statement for statement in script.split(";\n") if statement.strip())


_DDL: Final = _statements(_SCHEMA) + _statements(_ISSUANCES)


def _is_busy(exc: BaseException) -> bool:
    """``SQLITE_BUSY`` / ``SQLITE_LOCKED`` (any extended code): another connection holds a lock."""
    if not isinstance(exc, sqlite3.OperationalError):
        return False
    code = exc.sqlite_errorcode
    if code is not None and code & 0xFF in (_SQLITE_BUSY, _SQLITE_LOCKED):
        return True
    message = str(exc).lower()
    return "is locked" in message or "busy" in message  # "database [table] is locked"


class _SqliteDialect(SqlDialect):
    """``BEGIN IMMEDIATE`` write transactions (the write lock is the allocation lock), times as
    ISO 8601 text, WAL and busy retries on open."""

    name = "SQLite"
    error = sqlite3.Error
    ddl = _DDL
    upgrades = MappingProxyType({"1": _statements(_ISSUANCES)})
    # BEGIN IMMEDIATE already holds the write lock: the newest list is the current one.
    current_list_sql = "SELECT coalesce(max(list_id), 0) FROM status_lists"

    def __init__(
        self, conn: sqlite3.Connection, *, timeout: float, synchronous: str, wal: bool
    ) -> None:
        self._conn = conn
        self._timeout = timeout
        self._synchronous = synchronous
        self._wal = wal
        # Waiting on locks is bounded by ``timeout`` overall, retries included.
        self._deadline = time.monotonic() + timeout

    def sql(self, text: str) -> str:
        """SQLite has no schemas: the ``{s}.`` prefix is dropped; ``?`` is native."""
        return text.replace("{s}.", "")

    @contextmanager
    def transaction(self, *, write: bool) -> Iterator[Cursor]:
        """``BEGIN IMMEDIATE`` for writes (the write lock before the first read, so two
        processes never read the same counter); a plain ``BEGIN`` gives reads a snapshot."""
        conn = self._conn
        conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")
        try:
            yield conn.cursor()
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise

    def schema_exists(self, cur: Cursor) -> bool:
        """Runs inside ``BEGIN IMMEDIATE``, which already serializes concurrent first opens."""
        cur.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'status_meta'")
        return cur.fetchone() is not None

    def to_db_time(self, value: datetime) -> str:
        """ISO 8601 text with its UTC offset: SQLite has no time type."""
        return value.isoformat()

    def from_db_time(self, value: Any) -> datetime:
        return datetime.fromisoformat(str(value))

    def prepare(self) -> None:
        """Session settings before the schema transaction: busy timeout, WAL (retried, see the
        module docstring), ``synchronous`` and foreign keys, which SQLite leaves off by default
        and the schema relies on."""
        # First statement (``connect(timeout=...)`` already set it; this states it).
        self._conn.execute(f"PRAGMA busy_timeout = {int(self._timeout * 1000)}")
        if self._wal:
            self.retry(self._enable_wal)
        self._conn.execute(f"PRAGMA synchronous = {self._synchronous}")
        self._conn.execute("PRAGMA foreign_keys = ON")

    def retry(self, action: Callable[[], _T]) -> _T:
        """Run ``action`` until it does not fail with busy/locked, or until the deadline: then
        the last busy error propagates. Other errors propagate at once. The jitter keeps
        processes that collided from retrying in lockstep."""
        delay = _OPEN_RETRY_FIRST
        while True:
            try:
                return action()
            except sqlite3.Error as exc:
                remaining = self._deadline - time.monotonic()
                if not _is_busy(exc) or remaining <= 0:
                    raise
            jittered = delay * (0.5 + random.random())  # noqa: S311 - backoff jitter, not a secret
            time.sleep(min(jittered, remaining))
            delay = min(delay * 2, _OPEN_RETRY_MAX)

    def _enable_wal(self) -> None:
        """``PRAGMA journal_mode = WAL`` (persistent: a no-op once any opener has done it).
        SQLite answers ``SQLITE_BUSY`` here without waiting; the caller retries."""
        conn = self._conn
        try:
            conn.execute("PRAGMA journal_mode = WAL").fetchall()
        except sqlite3.Error:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise

    def close(self) -> None:
        self._conn.close()


class SqliteStatusListStore(SqlStatusListStore):
    """:class:`~kr_ovid.status.store.StatusListStore` in a SQLite file (or ``":memory:"``).

    Several processes may open the same file: allocations serialize on SQLite's write lock
    and never collide. ``timeout`` is how long a writer waits for that lock (seconds).
    ``synchronous`` trades durability for speed: keep ``"FULL"`` for real issuance.
    ``list_size`` applies to lists created from now on. ``before_commit`` is a test hook
    (see :data:`~kr_ovid.status.store.BeforeCommitHook`). One object may be shared by threads
    (a lock serializes its connection).
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        list_size: int = DEFAULT_LIST_SIZE,
        clock: Clock | None = None,
        timeout: float = 30.0,
        synchronous: Literal["FULL", "EXTRA", "NORMAL"] = "FULL",
        before_commit: BeforeCommitHook | None = None,
    ) -> None:
        super().__init__(list_size=list_size, clock=clock, before_commit=before_commit)
        if synchronous not in ("FULL", "EXTRA", "NORMAL"):
            raise ConfigurationError("synchronous must be FULL, EXTRA or NORMAL")
        if not isinstance(timeout, int | float) or timeout < 0:
            raise ConfigurationError("timeout must be a non-negative number of seconds")
        in_memory = os.fspath(path) == ":memory:"
        if not in_memory:
            _create_private(Path(path))
        try:
            conn = sqlite3.connect(
                path, timeout=timeout, isolation_level=None, check_same_thread=False
            )
        except sqlite3.Error as exc:
            raise store_error(_SqliteDialect.name, exc) from exc
        self._open(
            _SqliteDialect(conn, timeout=timeout, synchronous=synchronous, wal=not in_memory)
        )

    def __repr__(self) -> str:
        return f"SqliteStatusListStore(list_size={self._list_size})"


def _create_private(path: Path) -> None:
    """Create the database file with mode 0600 if it does not exist yet (it holds keys)."""
    try:
        create_private_file(path)
    except OSError as exc:
        raise StatusListError(
            f"cannot create the status store file: {exc.strerror}", code=ErrorCode.INTERNAL_ERROR
        ) from exc
