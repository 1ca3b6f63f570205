"""StatusListStore contract, run against every implementation (in-memory, SQLite, PostgreSQL),
plus the keyed permutation behind random indexes and store-specific concurrency checks.

PostgreSQL cases need ``KR_OVID_TEST_PG_DSN`` (``.ci/postgres.sh`` starts a throwaway server);
without it they are skipped. Each PostgreSQL test works in its own schema, dropped afterwards.

Roll-over is tested for real: the minimum list size (131,072) is not lowered for tests; a list
is filled through ``allocate_many`` (one transaction), which costs well under a second in memory
and in SQLite because the permutation is table-driven.
"""

from __future__ import annotations

import json
import os
import sqlite3
import stat
import subprocess
import sys
import threading
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from kr_ovid.clock import FixedClock
from kr_ovid.errors import ConfigurationError, StatusListError
from kr_ovid.problems import ErrorCode
from kr_ovid.status import (
    MAX_LIST_SIZE,
    MIN_LIST_LENGTH,
    AuditRecord,
    InMemoryStatusListStore,
    KeyedPermutation,
    PostgresStatusListStore,
    SqliteStatusListStore,
    StatusAllocation,
    StatusListStore,
    decode_list,
    encode_list,
)

PG_DSN = os.environ.get("KR_OVID_TEST_PG_DSN")
NOW = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)

StoreFactory = Callable[..., Any]


def cid(n: int | None = None) -> str:
    """A credential id: random, or the n-th of a cheap deterministic series (for bulk fills)."""
    if n is None:
        return f"urn:uuid:{uuid.uuid4()}"
    return f"urn:uuid:00000000-0000-4000-8000-{n:012x}"


def drop_schema(schema: str) -> None:
    import psycopg

    assert PG_DSN is not None
    with psycopg.connect(PG_DSN, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@pytest.fixture(
    params=[
        "memory",
        "sqlite",
        pytest.param("postgres", marks=pytest.mark.postgres),
    ]
)
def make_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[StoreFactory]:
    """A factory: calling it twice opens the *same* store again (not for the in-memory one)."""
    kind: str = request.param
    if kind == "postgres" and not PG_DSN:
        pytest.skip("KR_OVID_TEST_PG_DSN is not set (source .ci/postgres.sh)")
    schema = f"t_{uuid.uuid4().hex[:16]}"
    opened: list[Any] = []

    def factory(**kwargs: Any) -> Any:
        kwargs.setdefault("clock", FixedClock(NOW))
        if kind == "memory":
            store: Any = InMemoryStatusListStore(**kwargs)
        elif kind == "sqlite":
            # NORMAL: same crash safety for a killed process (WAL), no fsync per commit; the
            # default FULL is exercised by the multi-process and crash tests.
            kwargs.setdefault("synchronous", "NORMAL")
            store = SqliteStatusListStore(tmp_path / "status.db", **kwargs)
        else:
            assert PG_DSN is not None
            store = PostgresStatusListStore(PG_DSN, schema=schema, **kwargs)
        opened.append(store)
        return store

    factory.kind = kind  # type: ignore[attr-defined]
    yield factory
    for store in opened:
        store.close()
    if kind == "postgres":
        drop_schema(schema)


@pytest.fixture
def store(make_store: StoreFactory) -> Any:
    return make_store()


def reopenable(make_store: StoreFactory) -> None:
    if make_store.kind == "memory":  # type: ignore[attr-defined]
        pytest.skip("the in-memory store does not persist")


# -- allocation -------------------------------------------------------------------------------


def test_stores_implement_the_protocol(store: Any) -> None:
    assert isinstance(store, StatusListStore)
    assert store.list_size == MIN_LIST_LENGTH
    assert store.list_ids() == []


def test_allocations_are_distinct_random_and_findable(store: Any) -> None:
    ids = [cid() for _ in range(300)]
    allocations = [store.allocate(credential_id=c) for c in ids]
    assert {a.list_id for a in allocations} == {1}
    indexes = [a.index for a in allocations]
    assert len(set(indexes)) == 300
    assert all(0 <= i < MIN_LIST_LENGTH for i in indexes)
    # Not handed out in order: issuance order must not show in the index.
    assert indexes != sorted(indexes)
    assert max(indexes) > 10 * 300
    for c, a in zip(ids, allocations, strict=True):
        assert store.find(c) == a
    assert store.find(cid()) is None
    assert store.list_ids() == [1]


def test_each_list_has_its_own_secret_order(make_store: StoreFactory, tmp_path: Path) -> None:
    """Two stores (two lists, two random keys) hand out different index sequences."""
    store = make_store()
    other = SqliteStatusListStore(tmp_path / "other.db")
    try:
        seq_a = [store.allocate(credential_id=cid(n)).index for n in range(20)]
        seq_b = [other.allocate(credential_id=cid(n)).index for n in range(20)]
    finally:
        other.close()
    assert seq_a != seq_b


def test_a_credential_id_is_allocated_once(store: Any) -> None:
    c = cid()
    first = store.allocate(credential_id=c)
    with pytest.raises(ConfigurationError):
        store.allocate(credential_id=c)
    assert store.find(c) == first


def test_allocate_many_is_all_or_nothing(store: Any) -> None:
    existing = cid()
    store.allocate(credential_id=existing)
    fresh = [cid() for _ in range(5)]
    with pytest.raises(ConfigurationError):
        store.allocate_many([*fresh, existing])
    with pytest.raises(ConfigurationError):
        store.allocate_many([fresh[0], fresh[0]])
    assert all(store.find(c) is None for c in fresh)
    got = store.allocate_many(fresh)
    assert [store.find(c) for c in fresh] == got
    assert store.allocate_many([]) == []


@pytest.mark.parametrize(
    "bad",
    ["", "no-scheme", "urn:uuid:has space", "urn:uuid:\n1", "x:" + "a" * 300, 42, None, "한국:1"],
)
def test_credential_ids_are_validated(store: Any, bad: Any) -> None:
    with pytest.raises(ConfigurationError):
        store.allocate(credential_id=bad)
    with pytest.raises(ConfigurationError):
        store.allocate_many([bad])
    assert store.list_ids() == []


def test_allocate_many_refuses_a_bare_string(store: Any) -> None:
    with pytest.raises(ConfigurationError):
        store.allocate_many("urn:uuid:1")


def test_one_issuance_links_its_copies_and_nothing_else(store: Any) -> None:
    """A person's DI credential and SD-JWT copies, allocated as one issuance, are found from
    any one of them; a plain batch and a lone allocation stay unlinked."""
    copies = [cid() for _ in range(4)]
    linked = store.allocate_many(copies, one_issuance=True)
    unrelated = [cid(), cid()]
    store.allocate_many(unrelated)
    alone = cid()
    single = store.allocate(credential_id=alone)
    expected = dict(zip(copies, linked, strict=True))
    for c in copies:
        found = store.issuance_of(c)
        assert found == expected and list(found) == copies  # allocation order
    assert store.issuance_of(unrelated[0]) == {unrelated[0]: store.find(unrelated[0])}
    assert store.issuance_of(alone) == {alone: single}
    assert store.issuance_of(cid()) == {}
    second = [cid(), cid()]
    store.allocate_many(second, one_issuance=True)
    assert set(store.issuance_of(second[1])) == set(second)  # issuances do not merge


def test_issuance_arguments_are_validated(store: Any) -> None:
    with pytest.raises(ConfigurationError):
        store.issuance_of("not a uri")
    with pytest.raises(ConfigurationError):
        store.allocate_many([cid()], one_issuance="yes")
    taken = cid()
    store.allocate(credential_id=taken)
    fresh = cid()
    with pytest.raises(ConfigurationError):
        store.allocate_many([fresh, taken], one_issuance=True)
    assert store.issuance_of(fresh) == {}  # all or nothing, the links included


def test_issuance_links_survive_reopening(make_store: StoreFactory) -> None:
    reopenable(make_store)
    copies = [cid() for _ in range(3)]
    first = make_store()
    linked = first.allocate_many(copies, one_issuance=True)
    first.close()
    again = make_store()
    assert again.issuance_of(copies[2]) == dict(zip(copies, linked, strict=True))


@pytest.mark.parametrize("size", [MIN_LIST_LENGTH - 1, 0, MAX_LIST_SIZE + 1, True, 131072.0])
def test_list_size_below_the_spec_minimum_is_refused(make_store: StoreFactory, size: Any) -> None:
    with pytest.raises(ConfigurationError):
        make_store(list_size=size)


def test_full_list_rolls_over_and_is_a_permutation(make_store: StoreFactory) -> None:
    store = make_store()
    size = MIN_LIST_LENGTH
    first = store.allocate_many([cid(n) for n in range(size - 2)])
    first += [
        store.allocate(credential_id=cid(size - 2)),
        store.allocate(credential_id=cid(size - 1)),
    ]
    assert {a.list_id for a in first} == {1}
    assert sorted(a.index for a in first) == list(range(size))  # every index, each once
    nxt = store.allocate(credential_id=cid(size))
    assert nxt.list_id == 2
    assert store.list_ids() == [1, 2]
    assert store.bitstring(2, "revocation").length == size
    # A batch straddling the next boundary is split across lists inside one transaction.
    assert store.find(cid(size)) == nxt


def test_batch_straddling_a_boundary(make_store: StoreFactory) -> None:
    store = make_store()
    size = MIN_LIST_LENGTH
    store.allocate_many([cid(n) for n in range(size - 3)])
    batch = store.allocate_many([cid(size + n) for n in range(6)])
    assert [a.list_id for a in batch] == [1, 1, 1, 2, 2, 2]
    assert len({a.index for a in batch[3:]}) == 3


def test_new_list_size_applies_to_new_lists_only(make_store: StoreFactory) -> None:
    store = make_store(list_size=MIN_LIST_LENGTH + 1000)
    a = store.allocate(credential_id=cid())
    assert store.bitstring(a.list_id, "suspension").length == MIN_LIST_LENGTH + 1000
    assert (
        decode_list(encode_list(store.bitstring(a.list_id, "revocation"))).length >= MIN_LIST_LENGTH
    )


# -- status changes ---------------------------------------------------------------------------


def test_revocation_is_set_published_and_permanent(store: Any) -> None:
    a = store.allocate(credential_id=cid())
    other = store.allocate(credential_id=cid())
    record = store.set_status(
        a.list_id, a.index, "revocation", 1, actor="officer-17", reason="lost-device"
    )
    assert record == AuditRecord(
        NOW, a.list_id, a.index, "revocation", 0, 1, "officer-17", "lost-device"
    )
    assert store.get_status(a.list_id, a.index, "revocation") == 1
    assert store.get_status(a.list_id, a.index, "suspension") == 0
    assert store.get_status(other.list_id, other.index, "revocation") == 0
    published = decode_list(encode_list(store.bitstring(a.list_id, "revocation")))
    assert list(published.nonzero()) == [(a.index, 1)]
    assert list(store.bitstring(a.list_id, "suspension").nonzero()) == []
    with pytest.raises(StatusListError) as excinfo:
        store.set_status(a.list_id, a.index, "revocation", 0, actor="officer-17", reason="mistake")
    assert excinfo.value.code == ErrorCode.CREDENTIAL_REVOKED
    assert store.get_status(a.list_id, a.index, "revocation") == 1
    assert len(store.audit()) == 1  # the refused attempt wrote nothing


def test_suspension_can_be_set_and_cleared(make_store: StoreFactory) -> None:
    clock = FixedClock(NOW)
    store = make_store(clock=clock)
    a = store.allocate(credential_id=cid())
    store.set_status(a.list_id, a.index, "suspension", 1, actor="officer-1", reason="investigation")
    assert store.get_status(a.list_id, a.index, "suspension") == 1
    assert list(store.bitstring(a.list_id, "suspension").nonzero()) == [(a.index, 1)]
    store.set_status(a.list_id, a.index, "suspension", 0, actor="officer-2", reason="cleared")
    assert store.get_status(a.list_id, a.index, "suspension") == 0
    assert list(store.bitstring(a.list_id, "suspension").nonzero()) == []
    # Suspending a revoked credential is allowed (pointless, harmless); un-revoking is not.
    store.set_status(a.list_id, a.index, "revocation", 1, actor="officer-2", reason="reissued")
    store.set_status(a.list_id, a.index, "suspension", 1, actor="officer-2", reason="x")
    store.set_status(a.list_id, a.index, "suspension", 0, actor="officer-2", reason="y")
    assert store.get_status(a.list_id, a.index, "revocation") == 1


def test_every_change_is_audited_in_order(make_store: StoreFactory) -> None:
    ticks = iter(range(100))

    class StepClock:
        def now(self) -> datetime:
            return NOW + timedelta(minutes=next(ticks))

    store = make_store(clock=StepClock())
    a = store.allocate(credential_id=cid())
    written = [
        store.set_status(
            a.list_id, a.index, "suspension", 1, actor="officer-1", reason="분실 신고"
        ),
        store.set_status(a.list_id, a.index, "suspension", 1, actor="officer-1", reason="repeat"),
        store.set_status(a.list_id, a.index, "suspension", 0, actor="officer-2", reason="found"),
    ]
    rows = store.audit()
    assert rows == written
    assert [(r.purpose, r.old_value, r.new_value, r.actor, r.reason) for r in rows] == [
        ("suspension", 0, 1, "officer-1", "분실 신고"),
        ("suspension", 1, 1, "officer-1", "repeat"),  # unchanged value, still recorded
        ("suspension", 1, 0, "officer-2", "found"),
    ]
    assert rows[0].time < rows[1].time < rows[2].time
    assert all(r.time.utcoffset() == timedelta(0) for r in rows)
    assert store.audit(a.list_id) == rows
    assert store.audit(a.list_id + 1) == []


@pytest.mark.parametrize(
    ("actor", "reason"),
    [
        ("officer-1", "line one\nline two"),
        ("officer-1", "tab\there"),
        ("officer-1", "x" * 201),
        ("officer-1", ""),
        ("officer-1", "   "),
        ("officer-1", "paragraph\u2029separator"),
        ("", "lost-device"),
        ("a" * 129, "lost-device"),
        ("officer\r1", "lost-device"),
        (None, "lost-device"),
        ("officer-1", 7),
    ],
)
def test_actor_and_reason_must_be_short_single_lines(store: Any, actor: Any, reason: Any) -> None:
    a = store.allocate(credential_id=cid())
    with pytest.raises(ConfigurationError):
        store.set_status(a.list_id, a.index, "suspension", 1, actor=actor, reason=reason)
    assert store.get_status(a.list_id, a.index, "suspension") == 0
    assert store.audit() == []


def test_bad_purpose_and_value(store: Any) -> None:
    a = store.allocate(credential_id=cid())
    for purpose in ("message", "Revocation", "", None):
        with pytest.raises(ConfigurationError):
            store.set_status(a.list_id, a.index, purpose, 1, actor="o", reason="r")
        with pytest.raises(ConfigurationError):
            store.get_status(a.list_id, a.index, purpose)
        with pytest.raises(ConfigurationError):
            store.bitstring(a.list_id, purpose)
    for value in (2, -1, True, "1"):
        with pytest.raises(StatusListError) as excinfo:
            store.set_status(a.list_id, a.index, "revocation", value, actor="o", reason="r")
        assert excinfo.value.code == ErrorCode.RANGE_ERROR
    assert store.audit() == []


def test_positions_outside_lists_are_range_errors(store: Any) -> None:
    a = store.allocate(credential_id=cid())
    free = next(i for i in range(MIN_LIST_LENGTH) if i != a.index)
    cases: list[tuple[Any, Any]] = [
        (a.list_id + 1, 0),  # no such list
        (0, 0),
        (a.list_id, MIN_LIST_LENGTH),
        (a.list_id, -1),
        (-1, a.index),
        (a.list_id, True),
    ]
    for list_id, index in cases:
        with pytest.raises(StatusListError) as excinfo:
            store.get_status(list_id, index, "revocation")
        assert excinfo.value.code == ErrorCode.RANGE_ERROR, (list_id, index)
        with pytest.raises(StatusListError) as excinfo:
            store.set_status(list_id, index, "revocation", 1, actor="o", reason="r")
        assert excinfo.value.code == ErrorCode.RANGE_ERROR, (list_id, index)
    with pytest.raises(StatusListError) as excinfo:
        store.bitstring(a.list_id + 1, "revocation")
    assert excinfo.value.code == ErrorCode.RANGE_ERROR
    # A free position reads 0 but cannot be set: its future owner would be born revoked.
    assert store.get_status(a.list_id, free, "revocation") == 0
    with pytest.raises(StatusListError) as excinfo:
        store.set_status(a.list_id, free, "revocation", 1, actor="o", reason="r")
    assert excinfo.value.code == ErrorCode.RANGE_ERROR
    assert "not allocated" in str(excinfo.value)
    assert store.audit() == []


def test_naive_clock_is_refused(make_store: StoreFactory) -> None:
    naive = [False]

    class FlakyClock:
        def now(self) -> datetime:
            return NOW.replace(tzinfo=None) if naive[0] else NOW

    store = make_store(clock=FlakyClock())
    a = store.allocate(credential_id=cid())
    naive[0] = True
    with pytest.raises(ConfigurationError):
        store.set_status(a.list_id, a.index, "revocation", 1, actor="o", reason="r")
    assert store.get_status(a.list_id, a.index, "revocation") == 0
    assert store.audit() == []


# -- transactions -----------------------------------------------------------------------------


class Boom(RuntimeError):
    pass


def test_failure_inside_the_transaction_rolls_back(make_store: StoreFactory) -> None:
    armed: set[str] = set()

    def hook(operation: str) -> None:
        if operation in armed:
            raise Boom(operation)

    store = make_store(before_commit=hook)
    kept = store.allocate(credential_id=cid())
    armed.add("allocate")
    lost = cid()
    with pytest.raises(Boom):
        store.allocate(credential_id=lost)
    with pytest.raises(Boom):
        store.allocate_many([cid(), cid()])
    assert store.find(lost) is None
    armed.clear()
    after = store.allocate(credential_id=lost)
    assert after != kept and after.list_id == 1
    armed.add("set_status")
    with pytest.raises(Boom):
        store.set_status(kept.list_id, kept.index, "revocation", 1, actor="o", reason="r")
    assert store.get_status(kept.list_id, kept.index, "revocation") == 0
    assert store.audit() == []
    armed.clear()
    store.set_status(kept.list_id, kept.index, "revocation", 1, actor="o", reason="r")
    assert len(store.audit()) == 1


def test_rolled_back_roll_over_creates_the_list_again(make_store: StoreFactory) -> None:
    armed = [False]

    def hook(operation: str) -> None:
        if armed[0]:
            raise Boom(operation)

    store = make_store(before_commit=hook)
    store.allocate_many([cid(n) for n in range(MIN_LIST_LENGTH)])
    armed[0] = True
    with pytest.raises(Boom):
        store.allocate(credential_id=cid())
    assert store.list_ids() == [1]
    armed[0] = False
    assert store.allocate(credential_id=cid()).list_id == 2
    assert store.list_ids() == [1, 2]


def test_reopened_store_keeps_everything_and_reuses_nothing(make_store: StoreFactory) -> None:
    reopenable(make_store)
    first = make_store()
    ids = [cid() for _ in range(50)]
    before = first.allocate_many(ids)
    first.set_status(before[0].list_id, before[0].index, "revocation", 1, actor="o", reason="r")
    first.close()
    again = make_store()
    assert [again.find(c) for c in ids] == before
    assert again.get_status(before[0].list_id, before[0].index, "revocation") == 1
    more = again.allocate_many([cid() for _ in range(500)])
    assert not {(a.list_id, a.index) for a in more} & {(a.list_id, a.index) for a in before}
    assert len(again.audit()) == 1


def test_threads_sharing_one_store_get_distinct_indexes(store: Any) -> None:
    results: list[StatusAllocation] = []
    lock = threading.Lock()

    def work() -> None:
        mine = [store.allocate(credential_id=cid()) for _ in range(50)]
        with lock:
            results.extend(mine)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len({(a.list_id, a.index) for a in results}) == 200


# -- SQLite specifics -------------------------------------------------------------------------

CHILD_ALLOCATE = """
import json, sys
from kr_ovid.status import SqliteStatusListStore
path, worker, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
# NORMAL: the same locking as FULL without an fsync per commit (this test is about exclusion).
store = SqliteStatusListStore(path, timeout=60, synchronous="NORMAL")
out = [store.allocate(credential_id=f"urn:kr-ovid-test:{worker}:{n}") for n in range(count)]
store.close()
print(json.dumps([[a.list_id, a.index] for a in out]))
"""


def _run_allocators(jobs: list[tuple[Path, int, int]]) -> list[list[tuple[int, int]]]:
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", CHILD_ALLOCATE, str(path), str(worker), str(count)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for path, worker, count in jobs
    ]
    outputs = [p.communicate(timeout=120) for p in procs]
    for p, (_, err) in zip(procs, outputs, strict=True):
        assert p.returncode == 0, err
    return [[(x[0], x[1]) for x in json.loads(out)] for out, _ in outputs]


def test_processes_sharing_one_sqlite_file_never_collide(tmp_path: Path) -> None:
    path = tmp_path / "shared.db"
    SqliteStatusListStore(path).close()
    results = _run_allocators([(path, w, 500) for w in range(4)])
    shared = [position for result in results for position in result]
    assert len(shared) == 2000 and len(set(shared)) == 2000
    store = SqliteStatusListStore(path)
    assert store.find("urn:kr-ovid-test:3:499") == StatusAllocation(*results[3][-1])
    store.close()


def test_processes_racing_to_create_the_schema(tmp_path: Path) -> None:
    path = tmp_path / "fresh.db"
    results = _run_allocators([(path, w, 20) for w in range(4)])
    assert len({position for result in results for position in result}) == 80


def test_sqlite_file_is_private_and_in_wal_mode(tmp_path: Path) -> None:
    path = tmp_path / "status.db"
    SqliteStatusListStore(path).close()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_sqlite_in_memory_works(tmp_path: Path) -> None:
    store = SqliteStatusListStore(":memory:")
    a = store.allocate(credential_id=cid())
    store.set_status(a.list_id, a.index, "suspension", 1, actor="o", reason="r")
    assert store.get_status(a.list_id, a.index, "suspension") == 1
    store.close()
    assert not list(tmp_path.iterdir())


def test_sqlite_refuses_what_the_code_never_does(tmp_path: Path) -> None:
    """Triggers: a stray UPDATE/DELETE fails instead of reusing an index or un-revoking."""
    path = tmp_path / "status.db"
    store = SqliteStatusListStore(path)
    a = store.allocate(credential_id=cid())
    store.allocate_many([cid(), cid()], one_issuance=True)
    store.set_status(a.list_id, a.index, "revocation", 1, actor="o", reason="r")
    store.close()
    statements = [
        "UPDATE status_allocations SET idx = idx + 1",
        "DELETE FROM status_allocations",
        "UPDATE status_lists SET next_counter = 0",
        "UPDATE status_lists SET perm_key = zeroblob(32)",
        "DELETE FROM status_lists",
        "DELETE FROM status_entries WHERE purpose = 'revocation'",
        "UPDATE status_entries SET value = 0",
        "UPDATE status_audit SET reason = 'edited'",
        "DELETE FROM status_audit",
        "UPDATE status_issuances SET issuance = 'urn:x:other'",
        "DELETE FROM status_issuances",
    ]
    conn = sqlite3.connect(path)
    try:
        for statement in statements:
            with pytest.raises(sqlite3.DatabaseError, match=r"kr_ovid|constraint"):
                conn.execute(statement)
    finally:
        conn.close()
    store = SqliteStatusListStore(path)
    assert store.get_status(a.list_id, a.index, "revocation") == 1
    store.close()


def test_sqlite_unknown_schema_version_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "status.db"
    SqliteStatusListStore(path).close()
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE status_meta SET value = '99' WHERE key = 'schema_version'")
    with pytest.raises(StatusListError) as excinfo:
        SqliteStatusListStore(path)
    assert excinfo.value.code == ErrorCode.CONFIGURATION_ERROR


def test_sqlite_version_1_store_is_upgraded_in_place(tmp_path: Path) -> None:
    """A store written before issuances were linked opens, keeps its allocations and links
    the issuances allocated from then on."""
    path = tmp_path / "status.db"
    store = SqliteStatusListStore(path)
    old_id = cid()
    old = store.allocate(credential_id=old_id)
    store.close()
    with sqlite3.connect(path) as conn:  # what a version 1 store looks like
        for name in ("status_issuances_no_update", "status_issuances_no_delete"):
            conn.execute(f"DROP TRIGGER {name}")
        conn.execute("DROP TABLE status_issuances")
        conn.execute("UPDATE status_meta SET value = '1' WHERE key = 'schema_version'")
    store = SqliteStatusListStore(path)
    assert store.find(old_id) == old and store.issuance_of(old_id) == {old_id: old}
    copies = [cid(), cid()]
    linked = store.allocate_many(copies, one_issuance=True)
    assert store.issuance_of(copies[1]) == dict(zip(copies, linked, strict=True))
    store.close()
    with sqlite3.connect(path) as conn:
        row = conn.execute("SELECT value FROM status_meta WHERE key = 'schema_version'").fetchone()
    assert row == ("2",)


def test_sqlite_options_are_validated(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError):
        SqliteStatusListStore(tmp_path / "a.db", synchronous="OFF")  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError):
        SqliteStatusListStore(tmp_path / "b.db", timeout=-1)


def test_sqlite_unopenable_path_is_a_status_list_error(tmp_path: Path) -> None:
    with pytest.raises(StatusListError):
        SqliteStatusListStore(tmp_path / "missing-dir" / "status.db")


# -- PostgreSQL specifics ---------------------------------------------------------------------


@pytest.fixture
def pg_schema() -> Iterator[str]:
    if not PG_DSN:
        pytest.skip("KR_OVID_TEST_PG_DSN is not set (source .ci/postgres.sh)")
    schema = f"t_{uuid.uuid4().hex[:16]}"
    yield schema
    drop_schema(schema)


def _pg_concurrent(schema: str, workers: int, per_worker: int) -> list[StatusAllocation]:
    assert PG_DSN is not None
    results: list[StatusAllocation] = []
    errors: list[BaseException] = []
    lock = threading.Lock()
    barrier = threading.Barrier(workers)

    def work(w: int) -> None:
        try:
            store = PostgresStatusListStore(PG_DSN, schema=schema)  # own connection
            try:
                barrier.wait()
                mine = [
                    store.allocate(credential_id=f"urn:t:{w}:{n}:{uuid.uuid4()}")
                    for n in range(per_worker)
                ]
            finally:
                store.close()
            with lock:
                results.extend(mine)
        except BaseException as exc:  # noqa: BLE001  # collected and re-raised in the main thread
            with lock:
                errors.append(exc)

    threads = [threading.Thread(target=work, args=(w,)) for w in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    return results


@pytest.mark.postgres
def test_pg_concurrent_connections_never_collide(pg_schema: str) -> None:
    results = _pg_concurrent(pg_schema, workers=8, per_worker=100)
    assert len({(a.list_id, a.index) for a in results}) == 800


@pytest.mark.postgres
def test_pg_concurrent_roll_over_creates_one_new_list(pg_schema: str) -> None:
    assert PG_DSN is not None
    store = PostgresStatusListStore(PG_DSN, schema=pg_schema)
    store.allocate_many([cid(n) for n in range(MIN_LIST_LENGTH - 20)])
    store.close()
    results = _pg_concurrent(pg_schema, workers=8, per_worker=10)
    assert len({(a.list_id, a.index) for a in results}) == 80
    assert sum(1 for a in results if a.list_id == 1) == 20
    assert sum(1 for a in results if a.list_id == 2) == 60
    store = PostgresStatusListStore(PG_DSN, schema=pg_schema)
    assert store.list_ids() == [1, 2]
    store.close()


@pytest.mark.postgres
def test_pg_refuses_what_the_code_never_does(pg_schema: str) -> None:
    import psycopg

    assert PG_DSN is not None
    store = PostgresStatusListStore(PG_DSN, schema=pg_schema)
    a = store.allocate(credential_id=cid())
    store.allocate_many([cid(), cid()], one_issuance=True)
    store.set_status(a.list_id, a.index, "revocation", 1, actor="o", reason="r")
    store.close()
    statements = [
        "UPDATE {s}.status_allocations SET idx = idx + 1",
        "DELETE FROM {s}.status_allocations",
        "UPDATE {s}.status_lists SET next_counter = 0",
        "DELETE FROM {s}.status_lists",
        "DELETE FROM {s}.status_entries WHERE purpose = 'revocation'",
        "UPDATE {s}.status_audit SET reason = 'edited'",
        "DELETE FROM {s}.status_issuances",
    ]
    with psycopg.connect(PG_DSN, autocommit=True) as conn:
        for statement in statements:
            with pytest.raises(psycopg.Error, match="kr_ovid"):
                conn.execute(statement.replace("{s}", f'"{pg_schema}"'))


@pytest.mark.postgres
def test_pg_version_1_store_is_upgraded_in_place(pg_schema: str) -> None:
    import psycopg

    assert PG_DSN is not None
    store = PostgresStatusListStore(PG_DSN, schema=pg_schema)
    old_id = cid()
    old = store.allocate(credential_id=old_id)
    store.close()
    with psycopg.connect(PG_DSN, autocommit=True) as conn:  # what a version 1 store looks like
        conn.execute(f'DROP TABLE "{pg_schema}".status_issuances')
        conn.execute(
            f"UPDATE \"{pg_schema}\".status_meta SET value = '1' WHERE key = 'schema_version'"
        )
    store = PostgresStatusListStore(PG_DSN, schema=pg_schema)
    assert store.issuance_of(old_id) == {old_id: old}
    copies = [cid(), cid()]
    linked = store.allocate_many(copies, one_issuance=True)
    assert store.issuance_of(copies[0]) == dict(zip(copies, linked, strict=True))
    store.close()


@pytest.mark.postgres
def test_pg_schema_name_is_validated(pg_schema: str) -> None:
    assert PG_DSN is not None
    for bad in ("Upper", "has-dash", 'x"; DROP TABLE y; --', "", "9lives"):
        with pytest.raises(ConfigurationError):
            PostgresStatusListStore(PG_DSN, schema=bad)


@pytest.mark.postgres
def test_pg_unreachable_server_is_a_status_list_error() -> None:
    with pytest.raises(StatusListError) as excinfo:
        PostgresStatusListStore("postgresql://nobody:secret@127.0.0.1:1/none", connect_timeout=2)
    assert excinfo.value.code == ErrorCode.INTERNAL_ERROR
    assert "secret" not in str(excinfo.value)


def test_postgres_store_without_psycopg_says_how_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "psycopg", None)
    with pytest.raises(ConfigurationError, match=r"kr-ovid\[postgres\]"):
        PostgresStatusListStore("postgresql://127.0.0.1/none")


def test_status_package_imports_without_psycopg() -> None:
    code = (
        "import sys; sys.modules['psycopg'] = None\n"
        "import kr_ovid.status as s\n"
        "print(s.SqliteStatusListStore.__name__)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "SqliteStatusListStore"


# -- the keyed permutation --------------------------------------------------------------------


@pytest.mark.parametrize("size", [1, 2, 3, 7, 64, 1000, 4097])
def test_permutation_is_a_bijection_with_an_inverse(size: int) -> None:
    perm = KeyedPermutation(bytes(range(32)), size)
    image = [perm(i) for i in range(size)]
    assert sorted(image) == list(range(size))
    assert [perm.inverse(y) for y in image] == list(range(size))


def test_permutation_is_pinned() -> None:
    """The function is part of the store format: counters persist, so a changed permutation
    could hand out an index that an earlier version already gave away. Changing it needs a new
    store schema version."""
    key = bytes(range(32))
    perm = KeyedPermutation(key, MIN_LIST_LENGTH)
    assert [perm(i) for i in range(8)] == [130678, 52396, 36488, 95060, 64914, 78065, 84990, 121687]
    walked = KeyedPermutation(key, 1000)  # 1000 < 2**10: exercises cycle walking
    assert [walked(i) for i in range(8)] == [792, 887, 233, 589, 275, 586, 320, 624]


def test_permutation_depends_on_the_key() -> None:
    a = KeyedPermutation(b"a" * 32, MIN_LIST_LENGTH)
    b = KeyedPermutation(b"b" * 32, MIN_LIST_LENGTH)
    assert [a(i) for i in range(16)] != [b(i) for i in range(16)]
    assert repr(a) == f"KeyedPermutation(size={MIN_LIST_LENGTH}, rounds=10)"  # no key material


@pytest.mark.parametrize(
    ("key", "size", "rounds"),
    [
        (b"short", 10, 10),
        (b"k" * 65, 10, 10),
        (b"k" * 32, 0, 10),
        (b"k" * 32, 1 << 25, 10),
        (b"k" * 32, 10, 3),
        (b"k" * 32, 10, 5),
        ("k" * 32, 10, 10),
    ],
)
def test_permutation_arguments_are_validated(key: Any, size: int, rounds: int) -> None:
    with pytest.raises(ConfigurationError):
        KeyedPermutation(key, size, rounds=rounds)


def test_permutation_inputs_are_validated() -> None:
    perm = KeyedPermutation(b"k" * 32, 100)
    for bad in (-1, 100, True, 1.5):
        with pytest.raises(ConfigurationError):
            perm(bad)  # type: ignore[arg-type]
        with pytest.raises(ConfigurationError):
            perm.inverse(bad)  # type: ignore[arg-type]
