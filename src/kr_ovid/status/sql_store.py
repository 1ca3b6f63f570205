"""The SQL status-list stores' one implementation; each database supplies a :class:`SqlDialect`.

:class:`SqlStatusListStore` holds every transaction of the
:class:`~kr_ovid.status.store.StatusListStore` contract: allocation (lock, refuse taken ids,
read the current list, walk its keyed permutation, roll over to a new list, compare-and-set the
counter), audited status changes, reads, schema creation and the schema-version check. It
writes its SQL once, with ``?`` placeholders and tables named ``{s}.table``, and converts every
value it reads in one place.

A :class:`SqlDialect` owns the connection and says only what differs between databases: how the
SQL text becomes a driver query (placeholders, schema prefix), how a read or write transaction
begins (SQLite ``BEGIN IMMEDIATE``; PostgreSQL READ COMMITTED plus ``SELECT … FOR UPDATE`` on
the allocator row), which statement finds and locks the current list, the schema DDL, how times
are stored, and how opening a new store is prepared and retried (SQLite: WAL, busy retries).
:class:`~kr_ovid.status.SqliteStatusListStore` and
:class:`~kr_ovid.status.PostgresStatusListStore` are thin subclasses: their constructors check
their options, connect and hand a dialect to :meth:`SqlStatusListStore._open`.
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from datetime import datetime
from types import MappingProxyType
from typing import Any, Final, Protocol, TypeVar

from kr_ovid.clock import Clock
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
    check_purpose,
    check_schema_version,
    check_transition,
    new_permutation_key,
    not_allocated,
    now_utc,
    out_of_range,
)

__all__ = ["SCHEMA_VERSION", "Cursor", "SqlDialect", "SqlStatusListStore", "store_error"]

SCHEMA_VERSION: Final = "2"
"""Both databases' store format (tables, triggers, the permutation): bumped together. Version 2
added ``status_issuances`` (the copies of one issuance); a version 1 store is upgraded in place
when opened (:attr:`SqlDialect.upgrades`)."""

_IN_CHUNK: Final = 500  # ids per "IN (...)" query, well under SQLite's variable limit

_T = TypeVar("_T")


def store_error(database: str, exc: Exception) -> StatusListError:
    """A driver error as the stores report it: ``INTERNAL_ERROR``, naming the database."""
    return StatusListError(
        f"{database} status store failure: {type(exc).__name__}: {exc}",
        code=ErrorCode.INTERNAL_ERROR,
    )


class Cursor(Protocol):
    """The part of a DB-API cursor the shared code uses (``sqlite3`` and psycopg 3 both fit)."""

    @property
    def rowcount(self) -> int: ...

    def execute(self, query: Any, params: Any = ..., /) -> object: ...

    def executemany(self, query: Any, params: Any, /) -> object: ...

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...


class SqlDialect(ABC):
    """What differs between the SQL databases. One object per store; it owns the connection.

    The attributes are SQL text in the shared notation (``?`` placeholders, ``{s}.table``):
    ``ddl`` creates the schema (the shared code adds the version row); ``current_list_sql``
    returns one row, the newest list id (0 while there is none), and must also take the
    allocation lock where the write transaction does not already hold one;
    ``new_list_sql`` (if any) runs with ``(list_id,)`` after a list is created;
    ``row_lock`` is appended to the read that checks a position is allocated before its status
    changes (``" FOR UPDATE"`` where rows can be locked); ``upgrades`` maps an older
    ``schema_version`` to the statements that bring it to :data:`SCHEMA_VERSION`.
    """

    name: str
    """``"SQLite"``, ``"PostgreSQL"``: names the database in error messages."""
    error: type[Exception]
    """The driver's base exception; these become ``StatusListError(INTERNAL_ERROR)``."""
    ddl: Sequence[str]
    current_list_sql: str
    new_list_sql: str | None = None
    row_lock: str = ""
    upgrades: Mapping[str, Sequence[str]] = MappingProxyType({})

    @abstractmethod
    def sql(self, text: str) -> Any:
        """The driver query for shared-notation SQL text."""

    @abstractmethod
    def transaction(self, *, write: bool) -> AbstractContextManager[Cursor]:
        """Begin a transaction (a write one holds or can take the locks it needs), yield a
        cursor, commit; an exception rolls back and propagates unchanged."""

    @abstractmethod
    def schema_exists(self, cur: Cursor) -> bool:
        """First statement of the create-or-check transaction: whether the tables exist.
        Where concurrent first opens are not already serialized, serialize them here."""

    @abstractmethod
    def to_db_time(self, value: datetime) -> object:
        """An aware UTC datetime as the database stores it."""

    @abstractmethod
    def from_db_time(self, value: Any) -> datetime:
        """A stored time back as an aware UTC datetime."""

    @abstractmethod
    def prepare(self) -> None:
        """Ready a fresh connection before the schema transaction (session settings)."""

    def retry(self, action: Callable[[], _T]) -> _T:
        """Run an opening step; a dialect retries it while the database is transiently busy."""
        return action()

    def insert_allocations(self, cur: Cursor, rows: Sequence[tuple[str, int, int]]) -> None:
        """Insert ``(credential_id, list_id, idx)`` rows (a dialect may bulk-load them)."""
        cur.executemany(
            self.sql(
                "INSERT INTO {s}.status_allocations (credential_id, list_id, idx) VALUES (?, ?, ?)"
            ),
            rows,
        )

    @abstractmethod
    def close(self) -> None:
        """Close the connection."""


class SqlStatusListStore(StoreBase):
    """A :class:`~kr_ovid.status.store.StatusListStore` on a SQL database given by a
    :class:`SqlDialect`. One transaction per operation; ``before_commit`` runs last inside each
    write transaction. One object may be shared by threads (a lock serializes its connection).
    """

    _db: SqlDialect

    def __init__(
        self,
        *,
        list_size: int = DEFAULT_LIST_SIZE,
        clock: Clock | None = None,
        before_commit: BeforeCommitHook | None = None,
    ) -> None:
        """Check the shared options; the subclass then connects and calls :meth:`_open`."""
        super().__init__(list_size=list_size, clock=clock, before_commit=before_commit)
        self._lock = threading.Lock()

    def _open(self, db: SqlDialect) -> None:
        """Adopt ``db``: prepare it, then create the schema (first opener) or check its
        version. On failure the connection is closed and the error raised."""
        self._db = db
        try:
            db.prepare()
            db.retry(self._init_schema)
        except BaseException as exc:
            db.close()
            if isinstance(exc, db.error):
                raise store_error(self._db.name, exc) from exc
            raise

    # -- transactions ---------------------------------------------------------------------------

    @contextmanager
    def _tx(self, operation: str | None = None, *, write: bool = False) -> Iterator[Cursor]:
        """One transaction (without ``write``, a read one: a consistent snapshot); the hook
        runs last inside it; driver errors become ``StatusListError(INTERNAL_ERROR)``."""
        try:
            with self._lock, self._db.transaction(write=write) as cur:
                yield cur
                if operation is not None and self._before_commit is not None:
                    self._before_commit(operation)
        except self._db.error as exc:
            raise store_error(self._db.name, exc) from exc

    def _run(self, cur: Cursor, text: str, params: Sequence[object] | None = None) -> None:
        if params is None:  # no parameters: the text is sent as it is ('%' included)
            cur.execute(self._db.sql(text))
        else:
            cur.execute(self._db.sql(text), params)

    def _one(self, cur: Cursor, text: str, params: Sequence[object] | None = None) -> Any:
        self._run(cur, text, params)
        return cur.fetchone()

    def _all(self, cur: Cursor, text: str, params: Sequence[object] | None = None) -> list[Any]:
        self._run(cur, text, params)
        return cur.fetchall()

    def _init_schema(self) -> None:
        """Create the schema, or check its version and upgrade an older one the dialect knows,
        in one write transaction. Raises raw driver errors (the dialect may retry a busy
        database); a rolled-back attempt leaves nothing behind."""
        with self._lock, self._db.transaction(write=True) as cur:
            if self._db.schema_exists(cur):
                row = self._one(
                    cur, "SELECT value FROM {s}.status_meta WHERE key = 'schema_version'"
                )
                found = row[0] if row else None
                upgrade = self._db.upgrades.get(found) if isinstance(found, str) else None
                if upgrade is None:
                    check_schema_version(found, SCHEMA_VERSION)
                    return
                for statement in upgrade:
                    self._run(cur, statement)
                self._run(
                    cur,
                    "UPDATE {s}.status_meta SET value = ? WHERE key = 'schema_version'",
                    (SCHEMA_VERSION,),
                )
                return
            for statement in self._db.ddl:
                self._run(cur, statement)
            self._run(
                cur,
                "INSERT INTO {s}.status_meta (key, value) VALUES ('schema_version', ?)",
                (SCHEMA_VERSION,),
            )

    # -- allocation -----------------------------------------------------------------------------

    def _allocate(self, ids: list[str], one_issuance: bool) -> list[StatusAllocation]:
        """One write transaction: take the allocation lock (``current_list_sql``), refuse ids
        that already have a position, walk the current list's permutation from its counter,
        roll over to a new list with a fresh key when it is full, compare-and-set the counter,
        insert the rows (and, for ``one_issuance``, the rows linking them, named by the first
        id). Counter and rows commit together, so a crash can neither lose a bump (and hand an
        index out twice) nor leave an allocation without its bump."""
        if not ids:
            return []
        with self._tx("allocate", write=True) as cur:
            locked = self._one(cur, self._db.current_list_sql)
            if locked is None:
                raise StatusListError(
                    "status allocator row is missing", code=ErrorCode.INTERNAL_ERROR
                )
            self._refuse_taken(cur, ids)
            list_id = int(locked[0])
            perm: KeyedPermutation | None = None
            size = counter = start_counter = 0
            if list_id:
                row = self._one(
                    cur,
                    "SELECT size, perm_key, next_counter FROM {s}.status_lists WHERE list_id = ?",
                    (list_id,),
                )
                if row is None:
                    raise StatusListError(
                        f"current status list {list_id} is missing", code=ErrorCode.INTERNAL_ERROR
                    )
                size, counter = int(row[0]), int(row[2])
                start_counter = counter
                perm = self._permutation(list_id, bytes(row[1]), size)
            out: list[StatusAllocation] = []
            rows: list[tuple[str, int, int]] = []
            for credential_id in ids:
                if perm is None or counter >= size:
                    if perm is not None:
                        self._bump_counter(cur, list_id, start_counter, counter)
                    list_id, size, counter, start_counter = list_id + 1, self._list_size, 0, 0
                    key = new_permutation_key()
                    created = self._db.to_db_time(now_utc(self._clock))
                    self._run(
                        cur,
                        "INSERT INTO {s}.status_lists"
                        " (list_id, size, perm_key, next_counter, created_at)"
                        " VALUES (?, ?, ?, 0, ?)",
                        (list_id, size, key, created),
                    )
                    if self._db.new_list_sql is not None:
                        self._run(cur, self._db.new_list_sql, (list_id,))
                    perm = self._permutation(list_id, key, size)
                index = perm(counter)
                counter += 1
                out.append(StatusAllocation(list_id, index))
                rows.append((credential_id, list_id, index))
            self._bump_counter(cur, list_id, start_counter, counter)
            self._db.insert_allocations(cur, rows)
            if one_issuance:
                cur.executemany(
                    self._db.sql(
                        "INSERT INTO {s}.status_issuances (credential_id, issuance, ordinal)"
                        " VALUES (?, ?, ?)"
                    ),
                    [(c, ids[0], n) for n, c in enumerate(ids)],
                )
        return out

    def _refuse_taken(self, cur: Cursor, ids: list[str]) -> None:
        """A credential has one position for life; checked in chunks of ``IN (…)`` well below
        SQLite's bound-variable limit."""
        for start in range(0, len(ids), _IN_CHUNK):
            chunk = ids[start : start + _IN_CHUNK]
            marks = ",".join("?" * len(chunk))
            taken = self._one(
                cur,
                f"SELECT credential_id FROM {{s}}.status_allocations WHERE credential_id IN ({marks})",  # noqa: S608 - only '?' marks
                chunk,
            )
            if taken is not None:
                raise ConfigurationError(
                    f"credential_id already has a status allocation: {taken[0]}"
                )

    def _bump_counter(self, cur: Cursor, list_id: int, old: int, new: int) -> None:
        # The compare-and-set is belt and braces: the write transaction already holds the lock.
        self._run(
            cur,
            "UPDATE {s}.status_lists SET next_counter = ? WHERE list_id = ? AND next_counter = ?",
            (new, list_id, old),
        )
        if cur.rowcount != 1:
            raise StatusListError(
                f"status list {list_id} counter moved under the allocation lock; refusing",
                code=ErrorCode.INTERNAL_ERROR,
            )

    def _find(self, credential_id: str) -> StatusAllocation | None:
        with self._tx() as cur:
            row = self._one(
                cur,
                "SELECT list_id, idx FROM {s}.status_allocations WHERE credential_id = ?",
                (credential_id,),
            )
        return StatusAllocation(int(row[0]), int(row[1])) if row else None

    def _issuance_of(self, credential_id: str) -> dict[str, StatusAllocation]:
        with self._tx() as cur:
            rows = self._all(
                cur,
                "SELECT a.credential_id, a.list_id, a.idx FROM {s}.status_issuances i"
                " JOIN {s}.status_allocations a ON a.credential_id = i.credential_id"
                " WHERE i.issuance = (SELECT issuance FROM {s}.status_issuances"
                " WHERE credential_id = ?) ORDER BY i.ordinal",
                (credential_id,),
            )
            if not rows:
                rows = self._all(
                    cur,
                    "SELECT credential_id, list_id, idx FROM {s}.status_allocations"
                    " WHERE credential_id = ?",
                    (credential_id,),
                )
        return {str(r[0]): StatusAllocation(int(r[1]), int(r[2])) for r in rows}

    # -- status ---------------------------------------------------------------------------------

    def _size_of(self, cur: Cursor, list_id: int, index: int) -> int:
        """The size of list ``list_id``; a range error if it or ``index`` does not exist."""
        row = self._one(cur, "SELECT size FROM {s}.status_lists WHERE list_id = ?", (list_id,))
        if row is None:
            raise out_of_range(list_id)
        size = int(row[0])
        if index >= size:
            raise out_of_range(list_id, index)
        return size

    def _value(self, cur: Cursor, list_id: int, index: int, purpose: StatusPurpose) -> int:
        row = self._one(
            cur,
            "SELECT value FROM {s}.status_entries WHERE list_id = ? AND purpose = ? AND idx = ?",
            (list_id, purpose, index),
        )
        return int(row[0]) if row else 0

    def _set_status(
        self,
        list_id: int,
        index: int,
        purpose: StatusPurpose,
        value: int,
        *,
        actor: str,
        reason: str,
    ) -> AuditRecord:
        """One audited write transaction: the position must exist and be allocated (its row
        locked with ``row_lock`` where rows can be locked, so concurrent changes serialize and
        each audit row has the true old value); revocation is never cleared; only non-zero
        values are stored, so publishing costs O(set entries)."""
        with self._tx("set_status", write=True) as cur:
            self._size_of(cur, list_id, index)
            allocated = self._one(
                cur,
                "SELECT 1 FROM {s}.status_allocations WHERE list_id = ? AND idx = ?"  # noqa: S608 - row_lock is a dialect constant
                + self._db.row_lock,
                (list_id, index),
            )
            if allocated is None:
                raise not_allocated(list_id, index)
            old = self._value(cur, list_id, index, purpose)
            check_transition(purpose, old, value)
            if value and not old:
                self._run(
                    cur,
                    "INSERT INTO {s}.status_entries (list_id, purpose, idx, value)"
                    " VALUES (?, ?, ?, ?)",
                    (list_id, purpose, index, value),
                )
            elif old and not value:
                self._run(
                    cur,
                    "DELETE FROM {s}.status_entries WHERE list_id = ? AND purpose = ? AND idx = ?",
                    (list_id, purpose, index),
                )
            record = AuditRecord(
                now_utc(self._clock), list_id, index, purpose, old, value, actor, reason
            )
            self._run(
                cur,
                "INSERT INTO {s}.status_audit"
                " (at, list_id, idx, purpose, old_value, new_value, actor, reason)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    self._db.to_db_time(record.time),
                    list_id,
                    index,
                    purpose,
                    old,
                    value,
                    actor,
                    reason,
                ),
            )
        return record

    def _get_status(self, list_id: int, index: int, purpose: StatusPurpose) -> int:
        with self._tx() as cur:
            self._size_of(cur, list_id, index)
            return self._value(cur, list_id, index, purpose)

    def list_ids(self) -> list[int]:
        with self._tx() as cur:
            rows = self._all(cur, "SELECT list_id FROM {s}.status_lists ORDER BY list_id")
        return [int(r[0]) for r in rows]

    def _bitstring(self, list_id: int, purpose: StatusPurpose) -> StatusBitstring:
        """The list for one purpose, built from its non-zero rows read in one snapshot, ready
        for §3.3 Bitstring Generation (:func:`~kr_ovid.status.bitstring.encode_list`)."""
        with self._tx() as cur:
            bits = StatusBitstring(self._size_of(cur, list_id, 0))
            rows = self._all(
                cur,
                "SELECT idx, value FROM {s}.status_entries WHERE list_id = ? AND purpose = ?",
                (list_id, purpose),
            )
        for index, value in rows:
            bits.set(int(index), int(value))
        return bits

    def audit(self, list_id: int | None = None) -> list[AuditRecord]:
        query = (
            "SELECT at, list_id, idx, purpose, old_value, new_value, actor, reason"
            " FROM {s}.status_audit"
        )
        with self._tx() as cur:
            if list_id is None:
                rows = self._all(cur, query + " ORDER BY seq")
            else:
                rows = self._all(cur, query + " WHERE list_id = ? ORDER BY seq", (list_id,))
        return [
            AuditRecord(
                self._db.from_db_time(r[0]),
                int(r[1]),
                int(r[2]),
                check_purpose(r[3]),
                int(r[4]),
                int(r[5]),
                str(r[6]),
                str(r[7]),
            )
            for r in rows
        ]

    def close(self) -> None:
        with self._lock:
            self._db.close()
