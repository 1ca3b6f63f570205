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
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Final, Literal, TypeVar

from kr_ovid.clock import Clock, SystemClock
from kr_ovid.errors import ConfigurationError, StatusListError
from kr_ovid.problems import ErrorCode
from kr_ovid.status.bitstring import StatusBitstring
from kr_ovid.status.permutation import KeyedPermutation
from kr_ovid.status.store import (
    DEFAULT_LIST_SIZE,
    AuditRecord,
    BeforeCommitHook,
    StatusAllocation,
    StatusPurpose,
    StoreBase,
    check_credential_id,
    check_credential_ids,
    check_list_size,
    check_position,
    check_purpose,
    check_schema_version,
    check_status_change,
    check_transition,
    new_permutation_key,
    not_allocated,
    now_utc,
    out_of_range,
)

__all__ = ["SqliteStatusListStore"]

SCHEMA_VERSION: Final = "1"
_IN_CHUNK: Final = 500  # ids per "IN (...)" query, well under SQLite's variable limit
# Opening: backoff between attempts while the file is busy (seconds, doubled, jittered).
_OPEN_RETRY_FIRST: Final = 0.002
_OPEN_RETRY_MAX: Final = 0.1
_SQLITE_BUSY: Final = 5
_SQLITE_LOCKED: Final = 6

_T = TypeVar("_T")

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


def _store_error(exc: sqlite3.Error) -> StatusListError:
    return StatusListError(f"SQLite status store failure: {exc}", code=ErrorCode.INTERNAL_ERROR)


def _is_busy(exc: sqlite3.Error) -> bool:
    """``SQLITE_BUSY`` / ``SQLITE_LOCKED`` (any extended code): another connection holds a lock."""
    if not isinstance(exc, sqlite3.OperationalError):
        return False
    code = exc.sqlite_errorcode
    if code is not None and code & 0xFF in (_SQLITE_BUSY, _SQLITE_LOCKED):
        return True
    message = str(exc).lower()
    return "is locked" in message or "busy" in message  # "database [table] is locked"


def _retry_busy(action: Callable[[], _T], deadline: float) -> _T:
    """Run ``action`` until it does not fail with busy/locked, or until ``deadline``
    (``time.monotonic()``): then the last busy error propagates. Other errors propagate at once.
    The jitter keeps processes that collided from retrying in lockstep."""
    delay = _OPEN_RETRY_FIRST
    while True:
        try:
            return action()
        except sqlite3.Error as exc:
            remaining = deadline - time.monotonic()
            if not _is_busy(exc) or remaining <= 0:
                raise
        jittered = delay * (0.5 + random.random())  # noqa: S311 - backoff jitter, not a secret
        time.sleep(min(jittered, remaining))
        delay = min(delay * 2, _OPEN_RETRY_MAX)


class SqliteStatusListStore(StoreBase):
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
        self._list_size = check_list_size(list_size)
        self._clock: Clock = clock if clock is not None else SystemClock()
        self._before_commit = before_commit
        if synchronous not in ("FULL", "EXTRA", "NORMAL"):
            raise ConfigurationError("synchronous must be FULL, EXTRA or NORMAL")
        if not isinstance(timeout, int | float) or timeout < 0:
            raise ConfigurationError("timeout must be a non-negative number of seconds")
        self._lock = threading.Lock()
        # Keyed by (list_id, key): a list created in a transaction that rolled back, then
        # created again by another process with another key, must not reuse the cached one.
        self._permutations: dict[tuple[int, bytes], KeyedPermutation] = {}
        in_memory = os.fspath(path) == ":memory:"
        if not in_memory:
            _create_private(Path(path))
        try:
            self._conn = sqlite3.connect(
                path, timeout=timeout, isolation_level=None, check_same_thread=False
            )
        except sqlite3.Error as exc:
            raise _store_error(exc) from exc
        # Waiting on locks is bounded by ``timeout`` overall, retries included.
        deadline = time.monotonic() + timeout
        try:
            # First statement (``connect(timeout=...)`` already set it; this states it).
            self._conn.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
            if not in_memory:
                _retry_busy(self._enable_wal, deadline)
            self._conn.execute(f"PRAGMA synchronous = {synchronous}")
            self._conn.execute("PRAGMA foreign_keys = ON")
            _retry_busy(self._init_schema, deadline)
        except (sqlite3.Error, StatusListError) as exc:
            self._conn.close()
            if isinstance(exc, sqlite3.Error):
                raise _store_error(exc) from exc
            raise

    # -- transactions ---------------------------------------------------------------------------

    @contextmanager
    def _write(self, operation: str | None) -> Iterator[sqlite3.Connection]:
        """``BEGIN IMMEDIATE`` … hook … ``COMMIT``; any exception rolls back and propagates."""
        with self._lock:
            try:
                self._conn.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as exc:
                raise _store_error(exc) from exc
            try:
                yield self._conn
                if operation is not None and self._before_commit is not None:
                    self._before_commit(operation)
                self._conn.execute("COMMIT")
            except BaseException as exc:
                if self._conn.in_transaction:
                    self._conn.execute("ROLLBACK")
                if isinstance(exc, sqlite3.Error):
                    raise _store_error(exc) from exc
                raise

    @contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        """A read transaction: one consistent snapshot for multi-statement reads."""
        with self._lock:
            try:
                self._conn.execute("BEGIN")
                try:
                    yield self._conn
                finally:
                    if self._conn.in_transaction:
                        self._conn.execute("COMMIT")
            except sqlite3.Error as exc:
                raise _store_error(exc) from exc

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

    def _init_schema(self) -> None:
        """Create the schema (first opener) or check its version, in one ``BEGIN IMMEDIATE``
        transaction. Raises raw ``sqlite3`` errors so that the caller can retry a busy file;
        a rolled-back attempt leaves nothing behind, and every statement is ``IF NOT EXISTS``."""
        conn = self._conn
        with self._lock:
            conn.execute("BEGIN IMMEDIATE")
            try:
                exists = conn.execute(
                    "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'status_meta'"
                ).fetchone()
                if exists is None:
                    for statement in _split_statements(_SCHEMA):
                        conn.execute(statement)
                    conn.execute(
                        "INSERT OR IGNORE INTO status_meta (key, value)"
                        " VALUES ('schema_version', ?)",
                        (SCHEMA_VERSION,),
                    )
                else:
                    row = conn.execute(
                        "SELECT value FROM status_meta WHERE key = 'schema_version'"
                    ).fetchone()
                    check_schema_version(row[0] if row else None, SCHEMA_VERSION)
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise

    # -- protocol -------------------------------------------------------------------------------

    def allocate_many(self, credential_ids: Sequence[str]) -> list[StatusAllocation]:
        ids = check_credential_ids(credential_ids)
        if not ids:
            return []
        with self._write("allocate") as conn:
            for start in range(0, len(ids), _IN_CHUNK):
                chunk = ids[start : start + _IN_CHUNK]
                marks = ",".join("?" * len(chunk))
                taken = conn.execute(
                    f"SELECT credential_id FROM status_allocations WHERE credential_id IN ({marks})",  # noqa: S608 - only '?' marks
                    chunk,
                ).fetchone()
                if taken is not None:
                    raise ConfigurationError(
                        f"credential_id already has a status allocation: {taken[0]}"
                    )
            row = conn.execute(
                "SELECT list_id, size, perm_key, next_counter FROM status_lists "
                "ORDER BY list_id DESC LIMIT 1"
            ).fetchone()
            list_id, size, counter = (row[0], row[1], row[3]) if row else (0, 0, 0)
            start_counter = counter
            perm = self._permutation(row[0], row[2], row[1]) if row else None
            out: list[StatusAllocation] = []
            rows: list[tuple[str, int, int]] = []
            for credential_id in ids:
                if perm is None or counter >= size:
                    if perm is not None:
                        self._bump_counter(conn, list_id, start_counter, counter)
                    list_id, size, counter, start_counter = list_id + 1, self._list_size, 0, 0
                    key = new_permutation_key()
                    conn.execute(
                        "INSERT INTO status_lists (list_id, size, perm_key, next_counter, created_at)"
                        " VALUES (?, ?, ?, 0, ?)",
                        (list_id, size, key, now_utc(self._clock).isoformat()),
                    )
                    perm = self._permutation(list_id, key, size)
                index = perm(counter)
                counter += 1
                out.append(StatusAllocation(list_id, index))
                rows.append((credential_id, list_id, index))
            self._bump_counter(conn, list_id, start_counter, counter)
            conn.executemany(
                "INSERT INTO status_allocations (credential_id, list_id, idx) VALUES (?, ?, ?)",
                rows,
            )
        return out

    @staticmethod
    def _bump_counter(conn: sqlite3.Connection, list_id: int, old: int, new: int) -> None:
        # The compare-and-set is belt and braces: BEGIN IMMEDIATE already excludes writers.
        cursor = conn.execute(
            "UPDATE status_lists SET next_counter = ? WHERE list_id = ? AND next_counter = ?",
            (new, list_id, old),
        )
        if cursor.rowcount != 1:
            raise StatusListError(
                f"status list {list_id} counter moved under a write lock; refusing to allocate",
                code=ErrorCode.INTERNAL_ERROR,
            )

    def find(self, credential_id: str) -> StatusAllocation | None:
        check_credential_id(credential_id)
        with self._read() as conn:
            row = conn.execute(
                "SELECT list_id, idx FROM status_allocations WHERE credential_id = ?",
                (credential_id,),
            ).fetchone()
        return StatusAllocation(row[0], row[1]) if row else None

    def set_status(
        self,
        list_id: int,
        index: int,
        purpose: str,
        value: int,
        *,
        actor: str,
        reason: str,
    ) -> AuditRecord:
        list_id, index, checked_purpose, value, actor, reason = check_status_change(
            list_id, index, purpose, value, actor=actor, reason=reason
        )
        with self._write("set_status") as conn:
            self._check_index(conn, list_id, index)
            allocated = conn.execute(
                "SELECT 1 FROM status_allocations WHERE list_id = ? AND idx = ?", (list_id, index)
            ).fetchone()
            if allocated is None:
                raise not_allocated(list_id, index)
            row = conn.execute(
                "SELECT value FROM status_entries WHERE list_id = ? AND purpose = ? AND idx = ?",
                (list_id, checked_purpose, index),
            ).fetchone()
            old = row[0] if row else 0
            check_transition(checked_purpose, old, value)
            if value and not old:
                conn.execute(
                    "INSERT INTO status_entries (list_id, purpose, idx, value) VALUES (?, ?, ?, ?)",
                    (list_id, checked_purpose, index, value),
                )
            elif old and not value:
                conn.execute(
                    "DELETE FROM status_entries WHERE list_id = ? AND purpose = ? AND idx = ?",
                    (list_id, checked_purpose, index),
                )
            record = AuditRecord(
                now_utc(self._clock), list_id, index, checked_purpose, old, value, actor, reason
            )
            conn.execute(
                "INSERT INTO status_audit (at, list_id, idx, purpose, old_value, new_value, actor,"
                " reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    record.time.isoformat(),
                    list_id,
                    index,
                    checked_purpose,
                    old,
                    value,
                    actor,
                    reason,
                ),
            )
        return record

    @staticmethod
    def _check_index(conn: sqlite3.Connection, list_id: int, index: int) -> int:
        row = conn.execute("SELECT size FROM status_lists WHERE list_id = ?", (list_id,)).fetchone()
        if row is None:
            raise out_of_range(list_id)
        size: int = row[0]
        if index >= size:
            raise out_of_range(list_id, index)
        return size

    def get_status(self, list_id: int, index: int, purpose: str) -> int:
        list_id, index = check_position(list_id, index)
        checked_purpose = check_purpose(purpose)
        with self._read() as conn:
            self._check_index(conn, list_id, index)
            row = conn.execute(
                "SELECT value FROM status_entries WHERE list_id = ? AND purpose = ? AND idx = ?",
                (list_id, checked_purpose, index),
            ).fetchone()
        return int(row[0]) if row else 0

    def list_ids(self) -> list[int]:
        with self._read() as conn:
            return [r[0] for r in conn.execute("SELECT list_id FROM status_lists ORDER BY list_id")]

    def bitstring(self, list_id: int, purpose: str) -> StatusBitstring:
        list_id, _ = check_position(list_id, 0)
        checked_purpose = check_purpose(purpose)
        with self._read() as conn:
            size = self._check_index(conn, list_id, 0)
            bits = StatusBitstring(size)
            for index, value in conn.execute(
                "SELECT idx, value FROM status_entries WHERE list_id = ? AND purpose = ?",
                (list_id, checked_purpose),
            ):
                bits.set(index, value)
        return bits

    def audit(self, list_id: int | None = None) -> list[AuditRecord]:
        query = "SELECT at, list_id, idx, purpose, old_value, new_value, actor, reason FROM status_audit"
        with self._read() as conn:
            if list_id is None:
                rows = conn.execute(query + " ORDER BY seq").fetchall()
            else:
                rows = conn.execute(
                    query + " WHERE list_id = ? ORDER BY seq", (list_id,)
                ).fetchall()
        return [
            AuditRecord(
                datetime.fromisoformat(r[0]), r[1], r[2], _purpose(r[3]), r[4], r[5], r[6], r[7]
            )
            for r in rows
        ]

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def __enter__(self) -> SqliteStatusListStore:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"SqliteStatusListStore(list_size={self._list_size})"


def _purpose(value: str) -> StatusPurpose:
    return check_purpose(value)


def _split_statements(script: str) -> list[str]:
    """Split the schema into statements (``;`` ends one, except inside a trigger body)."""
    out: list[str] = []
    current: list[str] = []
    in_trigger = False
    for line in script.strip().splitlines():
        current.append(line)
        stripped = line.strip()
        if stripped.startswith("CREATE TRIGGER"):
            in_trigger = True
        if stripped.endswith(";") and (not in_trigger or stripped.endswith("END;")):
            out.append("\n".join(current))
            current, in_trigger = [], False
    return out


def _create_private(path: Path) -> None:
    """Create the database file with mode 0600 if it does not exist yet (it holds keys)."""
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:
        return
    except OSError as exc:
        raise StatusListError(
            f"cannot create the status store file: {exc.strerror}", code=ErrorCode.INTERNAL_ERROR
        ) from exc
    os.close(fd)
