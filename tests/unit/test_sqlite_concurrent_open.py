"""Several processes open the same *brand-new* SQLite status store at the same instant.

This is what happens when a pool of service workers starts together on an empty volume: each
one creates the file, switches it to WAL and creates the schema. Every open must succeed (no
"database is locked" escaping from the WAL switch or the schema creation) and the allocations
that follow must never collide.

Eight worker processes (``spawn``: no state inherited from the test process) are started once
and run several rounds; in each round a barrier releases them together onto a fresh path, each
opens the store and allocates one index. The race is narrow, so it is run over many fresh files.
"""

from __future__ import annotations

import multiprocessing
import queue
import sqlite3
import stat
import sys
import time
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from kr_ovid.status import SqliteStatusListStore

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX file locking semantics")

WORKERS = 8
ROUNDS = 60
BARRIER_TIMEOUT = 60.0


def _open_and_allocate(barrier: Any, results: Any, worker: int, paths: list[str]) -> None:
    """Worker body (module level so that ``spawn`` can import it)."""
    for round_no, path in enumerate(paths):
        try:
            barrier.wait(BARRIER_TIMEOUT)
        except Exception as exc:  # noqa: BLE001  # reported to the parent, which fails the test
            results.put((round_no, worker, None, f"barrier: {type(exc).__name__}: {exc}"))
            return
        try:
            store = SqliteStatusListStore(path)
            try:
                allocation = store.allocate(credential_id=f"urn:kr-ovid-test:{round_no}:{worker}")
            finally:
                store.close()
        except Exception as exc:  # noqa: BLE001  # reported to the parent, which fails the test
            results.put((round_no, worker, None, f"{type(exc).__name__}: {exc}"))
        else:
            results.put((round_no, worker, (allocation.list_id, allocation.index), None))


def test_processes_opening_a_new_store_together_all_succeed(tmp_path: Path) -> None:
    paths = [str(tmp_path / f"round-{n}" / "status.db") for n in range(ROUNDS)]
    for path in paths:
        Path(path).parent.mkdir()
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(WORKERS)
    results = ctx.Queue()
    procs = [
        ctx.Process(target=_open_and_allocate, args=(barrier, results, w, paths), daemon=True)
        for w in range(WORKERS)
    ]
    for proc in procs:
        proc.start()
    outcomes: dict[tuple[int, int], tuple[tuple[int, int] | None, str | None]] = {}
    deadline = time.monotonic() + 120
    try:
        while len(outcomes) < WORKERS * ROUNDS:
            try:
                round_no, worker, position, error = results.get(timeout=5)
            except queue.Empty:
                dead = [p.exitcode for p in procs if not p.is_alive()]
                assert not dead or len(outcomes) == WORKERS * ROUNDS, f"workers died: {dead}"
                assert time.monotonic() < deadline, "workers did not finish in time"
                continue
            outcomes[(round_no, worker)] = (position, error)
            if error is not None and error.startswith("barrier:"):
                break
    finally:
        barrier.abort()  # workers still waiting (a failed run) stop at once
        for proc in procs:
            proc.join(timeout=30)
            if proc.is_alive():
                proc.kill()
                proc.join()

    failures = sorted(
        (round_no, worker, error)
        for (round_no, worker), (_, error) in outcomes.items()
        if error is not None
    )
    assert not failures, (
        f"{len(failures)} of {WORKERS * ROUNDS} concurrent opens failed: {failures}"
    )
    assert len(outcomes) == WORKERS * ROUNDS
    for round_no in range(ROUNDS):
        positions = [outcomes[(round_no, w)][0] for w in range(WORKERS)]
        assert len(set(positions)) == WORKERS, f"round {round_no}: indexes collided: {positions}"
    # Every store ended up complete and private, whoever created it.
    for round_no, path in enumerate(paths):
        with SqliteStatusListStore(path) as store:
            for w in range(WORKERS):
                found = store.find(f"urn:kr-ovid-test:{round_no}:{w}")
                assert found is not None
                assert (found.list_id, found.index) == outcomes[(round_no, w)][0]
        assert stat.S_IMODE(Path(path).stat().st_mode) == 0o600
        with closing(sqlite3.connect(path)) as conn:
            assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
