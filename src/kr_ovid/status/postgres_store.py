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
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Final, cast

from kr_ovid.clock import Clock
from kr_ovid.errors import ConfigurationError
from kr_ovid.status.sql_store import Cursor, SqlDialect, SqlStatusListStore, store_error
from kr_ovid.status.store import DEFAULT_LIST_SIZE, BeforeCommitHook

if TYPE_CHECKING:
    from types import ModuleType

    import psycopg

__all__ = ["PostgresStatusListStore"]

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
# Version 2: the copies of one issuance, linked by the first credential id of the issuance.
_ISSUANCES: Final = (
    "CREATE TABLE {s}.status_issuances ("
    " credential_id text PRIMARY KEY REFERENCES {s}.status_allocations (credential_id),"
    " issuance text NOT NULL,"
    " ordinal integer NOT NULL CHECK (ordinal >= 0))",
    "CREATE INDEX status_issuances_by_issuance ON {s}.status_issuances (issuance, ordinal)",
    "CREATE TRIGGER status_issuances_immutable BEFORE UPDATE OR DELETE"
    " ON {s}.status_issuances FOR EACH ROW"
    " EXECUTE FUNCTION {s}.status_refuse('issuance links are immutable')",
)


class _PostgresDialect(SqlDialect):
    """READ COMMITTED transactions serialized on the allocator row (``FOR UPDATE``), status
    changes on the allocation row, ``timestamptz`` times, ``COPY`` for batches, one schema."""

    name = "PostgreSQL"
    ddl = _DDL + _ISSUANCES
    upgrades = MappingProxyType({"1": _ISSUANCES})
    current_list_sql = "SELECT current_list_id FROM {s}.status_allocator WHERE id = 1 FOR UPDATE"
    new_list_sql = "UPDATE {s}.status_allocator SET current_list_id = ? WHERE id = 1"
    row_lock = " FOR UPDATE"

    def __init__(
        self, psycopg: ModuleType, conn: psycopg.Connection[tuple[Any, ...]], schema: str
    ) -> None:
        self.error = psycopg.Error
        self._sql = psycopg.sql
        self._isolation = psycopg.IsolationLevel.READ_COMMITTED
        self._conn = conn
        self._schema = schema

    def prepare(self) -> None:
        """READ COMMITTED, set explicitly rather than inherited from the server default."""
        # Explicit: the allocator-row protocol relies on READ COMMITTED re-reading after a wait.
        self._conn.isolation_level = self._isolation

    def sql(self, text: str) -> Any:
        """``?`` becomes ``%s`` and ``{s}`` the quoted schema identifier (``sql.Identifier``), so
        the schema name is never spliced into SQL as text."""
        return self._sql.SQL(text.replace("?", "%s")).format(s=self._sql.Identifier(self._schema))

    @contextmanager
    def transaction(self, *, write: bool) -> Iterator[Cursor]:
        # READ COMMITTED either way: writes take their row locks explicitly.
        with self._conn.transaction(), self._conn.cursor() as cur:
            yield cur

    def schema_exists(self, cur: Cursor) -> bool:
        """Takes a transaction-scoped advisory lock on the schema name before looking, and
        creates the schema if missing."""
        # Serializes concurrent first opens of the same schema (CREATE … is not race-free).
        cur.execute(
            self.sql("SELECT pg_advisory_xact_lock(hashtext(?))"), ("kr_ovid:" + self._schema,)
        )
        cur.execute(self.sql("CREATE SCHEMA IF NOT EXISTS {s}"))
        cur.execute(self.sql("SELECT to_regclass(?)"), (f'"{self._schema}".status_meta',))
        row = cur.fetchone()
        return row is not None and row[0] is not None

    def to_db_time(self, value: datetime) -> datetime:
        return value

    def from_db_time(self, value: Any) -> datetime:
        """``timestamptz`` arrives in the session's time zone: normalised to UTC."""
        if not isinstance(value, datetime):
            raise TypeError(f"expected a timestamptz, got {type(value).__name__}")
        return value.astimezone(UTC)

    def insert_allocations(self, cur: Cursor, rows: Sequence[tuple[str, int, int]]) -> None:
        """``COPY`` for a batch (one round trip for thousands of rows); one row is an INSERT."""
        if len(rows) == 1:
            super().insert_allocations(cur, rows)
            return
        copy_sql = "COPY {s}.status_allocations (credential_id, list_id, idx) FROM STDIN"
        pg_cur = cast("psycopg.Cursor[tuple[Any, ...]]", cur)
        with pg_cur.copy(self.sql(copy_sql)) as copy:
            for item in rows:
                copy.write_row(item)

    def close(self) -> None:
        self._conn.close()


class PostgresStatusListStore(SqlStatusListStore):
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
            import psycopg.sql
        except ImportError as exc:
            raise ConfigurationError(
                "PostgresStatusListStore needs psycopg 3: pip install 'kr-ovid[postgres]'"
            ) from exc
        if not isinstance(schema, str) or _SCHEMA_NAME.fullmatch(schema) is None:
            raise ConfigurationError(
                "schema must be a lower-case SQL identifier ([a-z_][a-z0-9_]*)"
            )
        super().__init__(list_size=list_size, clock=clock, before_commit=before_commit)
        self._schema = schema
        try:
            conn: psycopg.Connection[tuple[Any, ...]] = psycopg.connect(
                dsn, autocommit=True, connect_timeout=connect_timeout
            )
        except psycopg.Error as exc:
            raise store_error(_PostgresDialect.name, exc) from exc
        self._open(_PostgresDialect(psycopg, conn, schema))

    def __repr__(self) -> str:  # the DSN may carry a password: never shown
        return f"PostgresStatusListStore(schema={self._schema!r}, list_size={self._list_size})"
