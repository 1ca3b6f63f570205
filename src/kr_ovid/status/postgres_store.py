"""A :class:`~kr_ovid.status.store.StatusListStore` in PostgreSQL, for issuance on several machines.

psycopg 3 is an optional extra (``pip install 'kr-ovid[postgres]'``) and is imported only when a
store is created, so the rest of the library works without it.

Concurrency choice: **a row lock on one allocator row** (``SELECT … FOR UPDATE`` on
``status_allocator``), not ``SKIP LOCKED``. Indexes come from a keyed permutation of a per-list
counter (see :mod:`kr_ovid.status.permutation`), so allocating is "read the counter, bump it":
there is nothing to skip to. ``SKIP LOCKED`` would need a table of pre-shuffled free indexes
(131,072 rows per list, deleted as used) to pay for letting allocations run side by side, and
an allocation is one short transaction anyway. The lock is on a single row rather than on the
current list's row because of roll-over: a transaction that waited on list *n* while another
one created list *n+1* would, under READ COMMITTED, still see list *n* full and try to create
*n+1* a second time; the allocator row holds ``current_list_id`` and is updated by the roll-over
itself, so the waiter wakes up reading the new value. Throughput is bounded by commit latency
(hundreds to thousands of allocations per second), far above what passport-checked issuance at
consulates needs. Transactions run at READ COMMITTED explicitly; the counter update is also a
compare-and-set, and triggers refuse index reuse, counter decrease and un-revocation, as in the
SQLite store.

Status changes lock the allocation row of the position (``FOR UPDATE``), so two officers
changing the same credential at once are serialized and both audited with the right old value.
All tables live in one schema (``schema=``, default ``kr_ovid_status``).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC
from typing import TYPE_CHECKING, Any, Final

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

if TYPE_CHECKING:
    import psycopg
    from psycopg import sql

__all__ = ["PostgresStatusListStore"]

SCHEMA_VERSION: Final = "1"
_SCHEMA_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")

_DDL: Final = (
    "CREATE TABLE {s}.status_meta (key text PRIMARY KEY, value text NOT NULL)",
    "CREATE TABLE {s}.status_allocator ("
    " id integer PRIMARY KEY CHECK (id = 1),"
    " current_list_id bigint NOT NULL CHECK (current_list_id >= 0))",
    "CREATE TABLE {s}.status_lists ("
    " list_id bigint PRIMARY KEY CHECK (list_id >= 1),"
    " size integer NOT NULL CHECK (size >= 131072),"
    " perm_key bytea NOT NULL CHECK (octet_length(perm_key) >= 16),"
    " next_counter integer NOT NULL CHECK (next_counter >= 0 AND next_counter <= size),"
    " created_at timestamptz NOT NULL)",
    "CREATE TABLE {s}.status_allocations ("
    " credential_id text CONSTRAINT status_allocations_credential_key PRIMARY KEY,"
    " list_id bigint NOT NULL REFERENCES {s}.status_lists (list_id),"
    " idx integer NOT NULL CHECK (idx >= 0),"
    " CONSTRAINT status_allocations_position_key UNIQUE (list_id, idx))",
    "CREATE TABLE {s}.status_entries ("
    " list_id bigint NOT NULL,"
    " purpose text NOT NULL CHECK (purpose IN ('revocation', 'suspension')),"
    " idx integer NOT NULL,"
    " value smallint NOT NULL CHECK (value > 0),"
    " PRIMARY KEY (list_id, purpose, idx),"
    " FOREIGN KEY (list_id, idx) REFERENCES {s}.status_allocations (list_id, idx))",
    "CREATE TABLE {s}.status_audit ("
    " seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
    " at timestamptz NOT NULL, list_id bigint NOT NULL, idx integer NOT NULL,"
    " purpose text NOT NULL, old_value smallint NOT NULL, new_value smallint NOT NULL,"
    " actor text NOT NULL, reason text NOT NULL)",
    "CREATE INDEX status_audit_list ON {s}.status_audit (list_id, seq)",
    "CREATE FUNCTION {s}.status_refuse() RETURNS trigger LANGUAGE plpgsql AS"
    " $$ BEGIN RAISE EXCEPTION 'kr_ovid: %', TG_ARGV[0]; END $$",
    "CREATE TRIGGER status_allocations_immutable BEFORE UPDATE OR DELETE"
    " ON {s}.status_allocations FOR EACH ROW"
    " EXECUTE FUNCTION {s}.status_refuse('status allocations are immutable')",
    "CREATE TRIGGER status_lists_counter_grows BEFORE UPDATE ON {s}.status_lists FOR EACH ROW"
    " WHEN (NEW.next_counter < OLD.next_counter OR NEW.perm_key IS DISTINCT FROM OLD.perm_key"
    " OR NEW.size IS DISTINCT FROM OLD.size)"
    " EXECUTE FUNCTION {s}.status_refuse('list counters only grow; keys and sizes are fixed')",
    "CREATE TRIGGER status_lists_no_delete BEFORE DELETE ON {s}.status_lists FOR EACH ROW"
    " EXECUTE FUNCTION {s}.status_refuse('status lists are never deleted')",
    "CREATE TRIGGER status_revocation_permanent BEFORE UPDATE OR DELETE ON {s}.status_entries"
    " FOR EACH ROW WHEN (OLD.purpose = 'revocation')"
    " EXECUTE FUNCTION {s}.status_refuse('revocation is permanent')",
    "CREATE TRIGGER status_audit_append_only BEFORE UPDATE OR DELETE ON {s}.status_audit"
    " FOR EACH ROW EXECUTE FUNCTION {s}.status_refuse('the audit trail is append-only')",
    "INSERT INTO {s}.status_allocator (id, current_list_id) VALUES (1, 0)",
)


class PostgresStatusListStore(StoreBase):
    """:class:`~kr_ovid.status.store.StatusListStore` on a PostgreSQL server (psycopg 3).

    Each object owns one connection (shared by threads behind a lock); open one store per
    worker process or thread for parallel issuance. ``schema`` is created if missing.
    ``before_commit`` is a test hook (:data:`~kr_ovid.status.store.BeforeCommitHook`).
    """

    def __init__(
        self,
        dsn: str,
        *,
        schema: str = "kr_ovid_status",
        list_size: int = DEFAULT_LIST_SIZE,
        clock: Clock | None = None,
        connect_timeout: int = 10,
        before_commit: BeforeCommitHook | None = None,
    ) -> None:
        try:
            import psycopg
            from psycopg import sql
        except ImportError as exc:
            raise ConfigurationError(
                "PostgresStatusListStore needs psycopg 3: pip install 'kr-ovid[postgres]'"
            ) from exc
        if not isinstance(schema, str) or _SCHEMA_NAME.fullmatch(schema) is None:
            raise ConfigurationError(
                "schema must be a lower-case SQL identifier ([a-z_][a-z0-9_]*)"
            )
        self._list_size = check_list_size(list_size)
        self._clock: Clock = clock if clock is not None else SystemClock()
        self._before_commit = before_commit
        self._psycopg = psycopg
        self._sql = sql
        self._schema = schema
        self._lock = threading.Lock()
        self._permutations: dict[tuple[int, bytes], KeyedPermutation] = {}
        try:
            self._conn: psycopg.Connection[tuple[Any, ...]] = psycopg.connect(
                dsn, autocommit=True, connect_timeout=connect_timeout
            )
        except psycopg.Error as exc:
            raise _store_error(exc) from exc
        # Explicit: the allocator-row protocol relies on READ COMMITTED re-reading after a wait.
        self._conn.isolation_level = psycopg.IsolationLevel.READ_COMMITTED
        try:
            self._init_schema()
        except BaseException:
            self._conn.close()
            raise

    def _q(self, text: str) -> sql.Composed:
        return self._sql.SQL(text).format(s=self._sql.Identifier(self._schema))

    @contextmanager
    def _tx(self, operation: str | None) -> Iterator[psycopg.Cursor[tuple[Any, ...]]]:
        """One transaction; the hook runs last inside it; any exception rolls it back."""
        with self._lock:
            try:
                with self._conn.transaction(), self._conn.cursor() as cur:
                    yield cur
                    if operation is not None and self._before_commit is not None:
                        self._before_commit(operation)
            except self._psycopg.Error as exc:
                raise _store_error(exc) from exc

    def _init_schema(self) -> None:
        with self._tx(None) as cur:
            # Serializes concurrent first opens of the same schema (CREATE … is not race-free).
            cur.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", ("kr_ovid:" + self._schema,))
            cur.execute(self._q("CREATE SCHEMA IF NOT EXISTS {s}"))
            cur.execute("SELECT to_regclass(%s)", (f'"{self._schema}".status_meta',))
            row = cur.fetchone()
            if row is None or row[0] is None:
                for statement in _DDL:
                    cur.execute(self._q(statement))
                cur.execute(
                    self._q(
                        "INSERT INTO {s}.status_meta (key, value) VALUES ('schema_version', %s)"
                    ),
                    (SCHEMA_VERSION,),
                )
                return
            cur.execute(self._q("SELECT value FROM {s}.status_meta WHERE key = 'schema_version'"))
            version = cur.fetchone()
            check_schema_version(version[0] if version else None, SCHEMA_VERSION)

    def allocate_many(self, credential_ids: Sequence[str]) -> list[StatusAllocation]:
        ids = check_credential_ids(credential_ids)
        if not ids:
            return []
        with self._tx("allocate") as cur:
            cur.execute(
                self._q("SELECT current_list_id FROM {s}.status_allocator WHERE id = 1 FOR UPDATE")
            )
            locked = cur.fetchone()
            if locked is None:
                raise StatusListError(
                    "status allocator row is missing", code=ErrorCode.INTERNAL_ERROR
                )
            cur.execute(
                self._q(
                    "SELECT credential_id FROM {s}.status_allocations"
                    " WHERE credential_id = ANY(%s) LIMIT 1"
                ),
                (ids,),
            )
            taken = cur.fetchone()
            if taken is not None:
                raise ConfigurationError(
                    f"credential_id already has a status allocation: {taken[0]}"
                )
            list_id: int = locked[0]
            perm: KeyedPermutation | None = None
            size = counter = start_counter = 0
            if list_id:
                cur.execute(
                    self._q(
                        "SELECT size, perm_key, next_counter FROM {s}.status_lists WHERE list_id = %s"
                    ),
                    (list_id,),
                )
                row = cur.fetchone()
                if row is None:
                    raise StatusListError(
                        f"current status list {list_id} is missing", code=ErrorCode.INTERNAL_ERROR
                    )
                size, counter = row[0], row[2]
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
                    cur.execute(
                        self._q(
                            "INSERT INTO {s}.status_lists"
                            " (list_id, size, perm_key, next_counter, created_at)"
                            " VALUES (%s, %s, %s, 0, %s)"
                        ),
                        (list_id, size, key, now_utc(self._clock)),
                    )
                    cur.execute(
                        self._q(
                            "UPDATE {s}.status_allocator SET current_list_id = %s WHERE id = 1"
                        ),
                        (list_id,),
                    )
                    perm = self._permutation(list_id, key, size)
                index = perm(counter)
                counter += 1
                out.append(StatusAllocation(list_id, index))
                rows.append((credential_id, list_id, index))
            self._bump_counter(cur, list_id, start_counter, counter)
            if len(rows) == 1:
                cur.execute(
                    self._q(
                        "INSERT INTO {s}.status_allocations (credential_id, list_id, idx)"
                        " VALUES (%s, %s, %s)"
                    ),
                    rows[0],
                )
            else:
                copy_sql = "COPY {s}.status_allocations (credential_id, list_id, idx) FROM STDIN"
                with cur.copy(self._q(copy_sql)) as copy:
                    for item in rows:
                        copy.write_row(item)
        return out

    def _bump_counter(
        self, cur: psycopg.Cursor[tuple[Any, ...]], list_id: int, old: int, new: int
    ) -> None:
        cur.execute(
            self._q(
                "UPDATE {s}.status_lists SET next_counter = %s"
                " WHERE list_id = %s AND next_counter = %s"
            ),
            (new, list_id, old),
        )
        if cur.rowcount != 1:
            raise StatusListError(
                f"status list {list_id} counter moved under the allocator lock; refusing",
                code=ErrorCode.INTERNAL_ERROR,
            )

    def find(self, credential_id: str) -> StatusAllocation | None:
        check_credential_id(credential_id)
        with self._tx(None) as cur:
            cur.execute(
                self._q("SELECT list_id, idx FROM {s}.status_allocations WHERE credential_id = %s"),
                (credential_id,),
            )
            row = cur.fetchone()
        return StatusAllocation(row[0], row[1]) if row else None

    def _list_size_of(self, cur: psycopg.Cursor[tuple[Any, ...]], list_id: int, index: int) -> int:
        cur.execute(self._q("SELECT size FROM {s}.status_lists WHERE list_id = %s"), (list_id,))
        row = cur.fetchone()
        if row is None:
            raise out_of_range(list_id)
        size: int = row[0]
        if index >= size:
            raise out_of_range(list_id, index)
        return size

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
        with self._tx("set_status") as cur:
            self._list_size_of(cur, list_id, index)
            cur.execute(
                self._q(
                    "SELECT 1 FROM {s}.status_allocations WHERE list_id = %s AND idx = %s"
                    " FOR UPDATE"
                ),
                (list_id, index),
            )
            if cur.fetchone() is None:
                raise not_allocated(list_id, index)
            cur.execute(
                self._q(
                    "SELECT value FROM {s}.status_entries"
                    " WHERE list_id = %s AND purpose = %s AND idx = %s"
                ),
                (list_id, checked_purpose, index),
            )
            row = cur.fetchone()
            old = int(row[0]) if row else 0
            check_transition(checked_purpose, old, value)
            if value and not old:
                cur.execute(
                    self._q(
                        "INSERT INTO {s}.status_entries (list_id, purpose, idx, value)"
                        " VALUES (%s, %s, %s, %s)"
                    ),
                    (list_id, checked_purpose, index, value),
                )
            elif old and not value:
                cur.execute(
                    self._q(
                        "DELETE FROM {s}.status_entries"
                        " WHERE list_id = %s AND purpose = %s AND idx = %s"
                    ),
                    (list_id, checked_purpose, index),
                )
            record = AuditRecord(
                now_utc(self._clock), list_id, index, checked_purpose, old, value, actor, reason
            )
            cur.execute(
                self._q(
                    "INSERT INTO {s}.status_audit"
                    " (at, list_id, idx, purpose, old_value, new_value, actor, reason)"
                    " VALUES (%s, %s, %s, %s, %s, %s, %s, %s)"
                ),
                (record.time, list_id, index, checked_purpose, old, value, actor, reason),
            )
        return record

    def get_status(self, list_id: int, index: int, purpose: str) -> int:
        list_id, index = check_position(list_id, index)
        checked_purpose = check_purpose(purpose)
        with self._tx(None) as cur:
            self._list_size_of(cur, list_id, index)
            cur.execute(
                self._q(
                    "SELECT value FROM {s}.status_entries"
                    " WHERE list_id = %s AND purpose = %s AND idx = %s"
                ),
                (list_id, checked_purpose, index),
            )
            row = cur.fetchone()
        return int(row[0]) if row else 0

    def list_ids(self) -> list[int]:
        with self._tx(None) as cur:
            cur.execute(self._q("SELECT list_id FROM {s}.status_lists ORDER BY list_id"))
            return [int(r[0]) for r in cur.fetchall()]

    def bitstring(self, list_id: int, purpose: str) -> StatusBitstring:
        list_id, _ = check_position(list_id, 0)
        checked_purpose = check_purpose(purpose)
        with self._tx(None) as cur:
            bits = StatusBitstring(self._list_size_of(cur, list_id, 0))
            cur.execute(
                self._q(
                    "SELECT idx, value FROM {s}.status_entries WHERE list_id = %s AND purpose = %s"
                ),
                (list_id, checked_purpose),
            )
            for index, value in cur.fetchall():
                bits.set(index, int(value))
        return bits

    def audit(self, list_id: int | None = None) -> list[AuditRecord]:
        query = (
            "SELECT at, list_id, idx, purpose, old_value, new_value, actor, reason"
            " FROM {s}.status_audit"
        )
        with self._tx(None) as cur:
            if list_id is None:
                cur.execute(self._q(query + " ORDER BY seq"))
            else:
                cur.execute(self._q(query + " WHERE list_id = %s ORDER BY seq"), (list_id,))
            rows = cur.fetchall()
        return [
            AuditRecord(
                r[0].astimezone(UTC),
                int(r[1]),
                int(r[2]),
                check_purpose(r[3]),
                int(r[4]),
                int(r[5]),
                r[6],
                r[7],
            )
            for r in rows
        ]

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def __enter__(self) -> PostgresStatusListStore:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:  # the DSN may carry a password: never shown
        return f"PostgresStatusListStore(schema={self._schema!r}, list_size={self._list_size})"


def _store_error(exc: Exception) -> StatusListError:
    return StatusListError(
        f"PostgreSQL status store failure: {type(exc).__name__}: {exc}",
        code=ErrorCode.INTERNAL_ERROR,
    )
