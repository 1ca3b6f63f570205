"""Status-list scale figures: encode/decode a 1,000,000-entry list, allocate 100,000 indexes
from SQLite (one transaction each, file in a temp dir), check 100,000 statuses against a
decoded (cached) list. Shows that allocation does not slow down as a list fills.

    python benchmarks/bench_status.py [--json] [--allocations N] [--synchronous FULL|NORMAL]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _timing import rate

from kr_ovid.status import (
    MIN_LIST_LENGTH,
    InMemoryStatusListStore,
    SqliteStatusListStore,
    StatusBitstring,
    decode_list,
    encode_list,
)

ENTRIES = 1_000_000
WINDOW = 10_000


def codec(min_time: float) -> dict[str, Any]:
    rng = random.Random(5)
    bits = StatusBitstring(ENTRIES)
    for index in rng.sample(range(ENTRIES), ENTRIES // 100):  # 1 % revoked
        bits.set(index, 1)
    encoded = encode_list(bits)
    if decode_list(encoded) != bits:
        raise SystemExit("codec round trip failed")
    encode_s = 1 / rate(lambda: encode_list(bits), min_time=min_time)
    decode_s = 1 / rate(lambda: decode_list(encoded), min_time=min_time)
    cached = decode_list(encoded)
    probes = [rng.randrange(ENTRIES) for _ in range(100_000)]
    start = time.perf_counter()
    revoked = sum(cached.get(i) for i in probes)
    check_s = time.perf_counter() - start
    return {
        "entries": ENTRIES,
        "set_entries": ENTRIES // 100,
        "uncompressed_bytes": ENTRIES // 8,
        "encoded_chars": len(encoded),
        "encode_ms": encode_s * 1e3,
        "decode_ms": decode_s * 1e3,
        "checks": len(probes),
        "checks_revoked": revoked,
        "check_total_ms": check_s * 1e3,
        "check_us_each": check_s / len(probes) * 1e6,
    }


def _windows(durations: list[float]) -> dict[str, float]:
    first, last = durations[:WINDOW], durations[-WINDOW:]
    return {
        "first_10k_mean_us": statistics.fmean(first) * 1e6,
        "last_10k_mean_us": statistics.fmean(last) * 1e6,
        "first_10k_median_us": statistics.median(first) * 1e6,
        "last_10k_median_us": statistics.median(last) * 1e6,
        "first_10k_p99_us": statistics.quantiles(first, n=100)[98] * 1e6,
        "last_10k_p99_us": statistics.quantiles(last, n=100)[98] * 1e6,
        "last_over_first": statistics.fmean(last) / statistics.fmean(first),
        "last_over_first_median": statistics.median(last) / statistics.median(first),
    }


def _allocate(store: Any, count: int) -> list[float]:
    durations = []
    perf = time.perf_counter
    for n in range(count):
        credential_id = f"urn:uuid:00000000-0000-4000-8000-{n:012x}"
        start = perf()
        store.allocate(credential_id=credential_id)
        durations.append(perf() - start)
    return durations


def sqlite_allocation(count: int, synchronous: str) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        store = SqliteStatusListStore(Path(tmp) / "status.db", synchronous=synchronous)  # type: ignore[arg-type]
        start = time.perf_counter()
        durations = _allocate(store, count)
        total = time.perf_counter() - start
        lists = store.list_ids()
        store.close()
    return {
        "allocations": count,
        "synchronous": synchronous,
        "list_size": MIN_LIST_LENGTH,
        "fill_at_end": min(count, MIN_LIST_LENGTH) / MIN_LIST_LENGTH,
        "lists": len(lists),
        "total_s": total,
        "per_s": count / total,
        **_windows(durations),
    }


def memory_full_list() -> dict[str, Any]:
    """A whole list, 0 % to 100 % full, without I/O: the permutation's cost alone."""
    store = InMemoryStatusListStore()
    durations = _allocate(store, MIN_LIST_LENGTH)
    return {"allocations": MIN_LIST_LENGTH, "fill_at_end": 1.0, **_windows(durations)}


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--allocations", type=int, default=100_000)
    parser.add_argument("--synchronous", choices=["FULL", "NORMAL"], default="FULL")
    parser.add_argument("--min-time", type=float, default=1.0)
    args = parser.parse_args()
    if args.allocations < 2 * WINDOW:
        parser.error(f"--allocations must be at least {2 * WINDOW}")

    results = {
        "codec_1m": codec(args.min_time),
        "sqlite_allocate": sqlite_allocation(args.allocations, args.synchronous),
        "memory_allocate_full_list": memory_full_list(),
    }
    if args.json:
        print(json.dumps(results, indent=2))
        return 0
    c, s, m = results["codec_1m"], results["sqlite_allocate"], results["memory_allocate_full_list"]
    lines = [
        f"1,000,000-entry list, 1 % set: {c['uncompressed_bytes']:,} B raw, "
        f"{c['encoded_chars']:,} chars encoded",
        f"  encode {c['encode_ms']:.1f} ms, decode {c['decode_ms']:.2f} ms",
        f"  {c['checks']:,} status checks on the decoded (cached) list: "
        f"{c['check_total_ms']:.1f} ms, {c['check_us_each']:.2f} us each",
        f"SQLite: {s['allocations']:,} allocations, one transaction each, "
        f"synchronous={s['synchronous']}, list {s['fill_at_end']:.0%} full at the end",
        f"  {s['total_s']:.1f} s, {s['per_s']:,.0f} allocations/s",
    ]
    for name, r in (("SQLite", s), ("in-memory, a whole list 0 -> 100 % full", m)):
        if r is m:
            lines.append(f"{name}: {r['allocations']:,} allocations")
        lines.append(
            f"  first 10k: median {r['first_10k_median_us']:.1f} us, mean "
            f"{r['first_10k_mean_us']:.1f} us, p99 {r['first_10k_p99_us']:.1f} us"
        )
        lines.append(
            f"  last 10k:  median {r['last_10k_median_us']:.1f} us, mean "
            f"{r['last_10k_mean_us']:.1f} us, p99 {r['last_10k_p99_us']:.1f} us "
            f"(last/first median {r['last_over_first_median']:.2f})"
        )
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
