"""Crash safety: a child process is killed with SIGKILL *inside* a store transaction.

The child commits some allocations and status changes, then starts one more operation whose
``before_commit`` hook tells the parent "I am inside the transaction" and sleeps; the parent
kills it there. Reopening the store must show everything that was committed, nothing of the
killed transaction, an intact database, and no index handed out twice afterwards.

SQLite is the embedded default and always runs; the PostgreSQL variant (server-side rollback
of a dropped connection, allocator row lock released) runs when ``KR_OVID_TEST_PG_DSN`` is set.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kr_ovid.errors import StatusListError
from kr_ovid.problems import ErrorCode
from kr_ovid.status import (
    MIN_LIST_LENGTH,
    PostgresStatusListStore,
    SqliteStatusListStore,
    StatusAllocation,
)

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")

PG_DSN = os.environ.get("KR_OVID_TEST_PG_DSN")

CHILD = r"""
import json, os, sys, time
from kr_ovid.status import PostgresStatusListStore, SqliteStatusListStore

kind, target, scenario = sys.argv[1:4]
armed = False

def hook(operation):
    if armed:
        print(json.dumps({"event": "in-transaction", "operation": operation}), flush=True)
        time.sleep(120)  # killed here

if kind == "sqlite":
    store = SqliteStatusListStore(target, before_commit=hook)  # default synchronous=FULL
else:
    store = PostgresStatusListStore(os.environ["KR_OVID_TEST_PG_DSN"], schema=target,
                                    before_commit=hook)

if scenario == "roll-over":
    store.allocate_many([f"urn:kr-ovid-crash:{n}" for n in range(store.list_size)])
    done = []
else:
    done = []
    for n in range(20):
        a = store.allocate(credential_id=f"urn:kr-ovid-crash:{n}")
        done.append([f"urn:kr-ovid-crash:{n}", a.list_id, a.index])
    store.set_status(done[0][1], done[0][2], "revocation", 1, actor="officer-1", reason="lost-device")
    store.set_status(done[1][1], done[1][2], "suspension", 1, actor="officer-1", reason="inquiry")
print(json.dumps({"event": "committed", "allocations": done}), flush=True)

armed = True
if scenario in ("allocate", "roll-over"):
    store.allocate(credential_id="urn:kr-ovid-crash:doomed")
elif scenario == "allocate-many":
    store.allocate_many([f"urn:kr-ovid-crash:doomed-{n}" for n in range(50)])
elif scenario == "big-batch":  # larger than SQLite's page cache: uncommitted pages reach the WAL
    store.allocate_many([f"urn:kr-ovid-crash:doomed-{n}" for n in range(60_000)])
elif scenario == "revoke":
    store.set_status(done[2][1], done[2][2], "revocation", 1, actor="officer-2", reason="x")
elif scenario == "unsuspend":
    store.set_status(done[1][1], done[1][2], "suspension", 0, actor="officer-2", reason="y")
print(json.dumps({"event": "not-killed"}), flush=True)
"""


def run_and_kill(kind: str, target: str, scenario: str) -> list[tuple[str, StatusAllocation]]:
    """Run the child until it is inside the transaction, SIGKILL it, return what it committed."""
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD, kind, target, scenario],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    watchdog = threading.Timer(90, proc.kill)  # never hang the suite
    watchdog.start()
    committed: list[tuple[str, StatusAllocation]] | None = None
    inside = False
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            message = json.loads(line)
            if message["event"] == "committed":
                committed = [(c, StatusAllocation(n, i)) for c, n, i in message["allocations"]]
            elif message["event"] == "in-transaction":
                inside = True
                break
        if inside:
            os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        watchdog.cancel()
    stderr = proc.stderr.read() if proc.stderr else ""
    assert inside, f"child never reached the transaction: {stderr}"
    assert proc.returncode == -signal.SIGKILL
    assert committed is not None
    return committed


def check_after_crash(
    store: Any, committed: list[tuple[str, StatusAllocation]], scenario: str
) -> None:
    for credential_id, allocation in committed:
        assert store.find(credential_id) == allocation  # nothing committed is lost
    assert store.find("urn:kr-ovid-crash:doomed") is None
    assert store.find("urn:kr-ovid-crash:doomed-0") is None
    if scenario == "roll-over":
        assert store.list_ids() == [1]
        assert store.allocate(credential_id="urn:kr-ovid-crash:after").list_id == 2
        return
    first, second, third = (a for _, a in committed[:3])
    assert store.get_status(first.list_id, first.index, "revocation") == 1
    assert store.get_status(second.list_id, second.index, "suspension") == 1  # unsuspend lost
    assert store.get_status(third.list_id, third.index, "revocation") == 0  # revoke lost
    audit = store.audit()
    assert [(r.purpose, r.new_value, r.actor, r.reason) for r in audit] == [
        ("revocation", 1, "officer-1", "lost-device"),
        ("suspension", 1, "officer-1", "inquiry"),
    ]
    # Nothing is reused: new allocations avoid every committed position.
    used = {(a.list_id, a.index) for _, a in committed}
    fresh = store.allocate_many([f"urn:kr-ovid-crash:after-{n}" for n in range(300)])
    assert not used & {(a.list_id, a.index) for a in fresh}
    assert len({(a.list_id, a.index) for a in fresh}) == 300
    # The rules still hold after recovery: revocation stays, suspension clears.
    with pytest.raises(StatusListError) as excinfo:
        store.set_status(first.list_id, first.index, "revocation", 0, actor="officer-3", reason="z")
    assert excinfo.value.code == ErrorCode.CREDENTIAL_REVOKED
    store.set_status(second.list_id, second.index, "suspension", 0, actor="officer-3", reason="ok")
    assert store.get_status(second.list_id, second.index, "suspension") == 0
    assert len(store.audit()) == 3


SCENARIOS = ["allocate", "allocate-many", "revoke", "unsuspend"]


@pytest.mark.parametrize("scenario", [*SCENARIOS, "big-batch", "roll-over"])
def test_sqlite_survives_sigkill_inside_a_transaction(tmp_path: Path, scenario: str) -> None:
    path = tmp_path / "status.db"
    committed = run_and_kill("sqlite", str(path), scenario)
    wal = path.with_name(path.name + "-wal")
    if scenario == "big-batch":
        # The killed transaction had spilled pages into the WAL (no commit record): recovery
        # must ignore them.
        assert wal.stat().st_size > 2 * 2**20
    conn = sqlite3.connect(path)  # the database opens and is consistent
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    finally:
        conn.close()
    store = SqliteStatusListStore(path)
    try:
        check_after_crash(store, committed, scenario)
        if scenario == "roll-over":
            assert len(store.bitstring(1, "revocation")) == MIN_LIST_LENGTH
    finally:
        store.close()


@pytest.fixture
def pg_schema() -> Iterator[str]:
    if not PG_DSN:
        pytest.skip("KR_OVID_TEST_PG_DSN is not set (source .ci/postgres.sh)")
    schema = f"t_{uuid.uuid4().hex[:16]}"
    yield schema
    import psycopg

    with psycopg.connect(PG_DSN, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@pytest.mark.postgres
@pytest.mark.parametrize("scenario", SCENARIOS)
def test_postgres_survives_sigkill_inside_a_transaction(pg_schema: str, scenario: str) -> None:
    assert PG_DSN is not None
    committed = run_and_kill("postgres", pg_schema, scenario)
    store = PostgresStatusListStore(PG_DSN, schema=pg_schema)
    try:
        check_after_crash(store, committed, scenario)
    finally:
        store.close()
