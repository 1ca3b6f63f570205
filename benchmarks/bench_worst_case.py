"""Worst inputs within the default limits, per entry point: time and peak memory.

Each row builds the costliest input the default bounds still let through (or the first one they
refuse), runs the entry point once warm, and reports wall time and the peak of Python
allocations (``tracemalloc``). Tests assert bounds on *work* (statement counts, refusals); this
script measures what that work costs on the machine it runs on.

    python benchmarks/bench_worst_case.py [--json]
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import gzip
import json
import sys
import time
import tracemalloc
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from kr_ovid._json import DEFAULT_LIMITS as JSON_LIMITS
from kr_ovid._json import parse_json
from kr_ovid.clock import FixedClock
from kr_ovid.errors import KrOvidError
from kr_ovid.integrity import add_proof, verify_proof
from kr_ovid.jsonld.canon import DEFAULT_LIMITS, canonicalize_nquads_input, canonicalize_rdfc
from kr_ovid.jsonld.loader import StaticDocumentLoader
from kr_ovid.keys import Ed25519Signer
from kr_ovid.status.bitstring import decode_list

NOW = datetime(2026, 3, 1, tzinfo=UTC)
CTX = "https://example.test/worst/v1"
LOADER = StaticDocumentLoader(
    {
        CTX: {
            "@context": {
                "@protected": True,
                **{f"t{i}": f"https://example.test/v#t{i}" for i in range(32)},
                "node": {"@id": "https://example.test/v#node", "@type": "@id"},
            }
        }
    }
)
SIGNER = Ed25519Signer.from_seed(b"\x55" * 32)


def measure(fn: Callable[[], Any]) -> tuple[float, int, str]:
    with contextlib.suppress(KrOvidError):
        fn()  # warm caches
    tracemalloc.start()
    start = time.perf_counter()
    outcome = "ok"
    try:
        fn()
    except KrOvidError as exc:
        outcome = f"refused {exc.code.value}"
    elapsed = time.perf_counter() - start
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return elapsed, peak, outcome


def widest_document() -> dict[str, Any]:
    """As many statements as the bound allows: 19 arrays of max_array_items strings."""
    n = DEFAULT_LIMITS.max_array_items
    arrays = (DEFAULT_LIMITS.max_statements - 10) // n
    subject = {
        "id": "did:example:s",
        **{f"t{i}": [f"v{i}-{j}" for j in range(n)] for i in range(arrays)},
    }
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2", CTX],
        "type": ["VerifiableCredential"],
        "issuer": SIGNER.controller,
        "credentialSubject": subject,
    }


def deepest_document() -> dict[str, Any]:
    """Nested node objects down to the depth bound (blank nodes all the way)."""
    node: dict[str, Any] = {"t0": "leaf"}
    for _ in range(DEFAULT_LIMITS.max_depth - 3):
        node = {"t1": node}
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2", CTX],
        "type": ["VerifiableCredential"],
        "issuer": SIGNER.controller,
        "credentialSubject": node,
    }


def symmetric_blank_nodes(k: int) -> str:
    """k blank nodes that first-degree hashing cannot tell apart (a ring): the costly labelling."""
    lines = [f"_:b{i} <https://example.test/v#next> _:b{(i + 1) % k} ." for i in range(k)]
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    rows: list[tuple[str, str, float, int, str]] = []

    big_json = json.dumps({"a": ["x" * 1000] * ((JSON_LIMITS.max_bytes // 1004) - 2)})
    rows.append(("parse_json", f"{len(big_json):,} bytes", *measure(lambda: parse_json(big_json))))

    wide = widest_document()
    rows.append(
        (
            "canonicalize_rdfc strict",
            "19,000 statements",
            *measure(lambda: canonicalize_rdfc(wide, loader=LOADER)),
        )
    )
    rows.append(
        (
            "canonicalize_rdfc generic",
            "19,000 statements (refused)",
            *measure(lambda: canonicalize_rdfc(wide, loader=LOADER, mode="generic")),
        )
    )
    generic_worst = {
        **wide,
        "credentialSubject": {
            "id": "did:example:s",
            **{f"t{i}": [f"v{i}-{j}" for j in range(200)] for i in range(9)},
        },
    }
    rows.append(
        (
            "canonicalize_rdfc generic",
            "1,800 statements (arrays of 200)",
            *measure(lambda: canonicalize_rdfc(generic_worst, loader=LOADER, mode="generic")),
        )
    )
    deep = deepest_document()
    rows.append(
        (
            "canonicalize_rdfc strict",
            f"depth {DEFAULT_LIMITS.max_depth - 3}",
            *measure(lambda: canonicalize_rdfc(deep, loader=LOADER)),
        )
    )
    signed = add_proof(wide, SIGNER, created=NOW, loader=LOADER)
    rows.append(
        (
            "verify_proof",
            "19,000 statements",
            *measure(lambda: verify_proof(signed, loader=LOADER, clock=FixedClock(NOW))),
        )
    )
    over = {**wide, "credentialSubject": {**wide["credentialSubject"], "t31": ["x"] * 1001}}
    rows.append(
        (
            "verify_proof",
            "array of 1,001 (refused)",
            *measure(lambda: canonicalize_rdfc(over, loader=LOADER)),
        )
    )
    for k in (6, 8):
        ring = symmetric_blank_nodes(k)
        rows.append(
            (
                "RDFC-1.0 labelling",
                f"{k} indistinguishable blank nodes",
                *measure(lambda ring=ring: canonicalize_nquads_input(ring)),
            )
        )
    bomb = "u" + base64.urlsafe_b64encode(
        gzip.compress(b"\x00" * (64 * 1024 * 1024))
    ).decode().rstrip("=")
    rows.append(("decode_list", "64 MiB gzip bomb (refused)", *measure(lambda: decode_list(bomb))))

    if args.json:
        print(
            json.dumps(
                [
                    dict(
                        zip(("entry", "input", "seconds", "peak_bytes", "outcome"), r, strict=True)
                    )
                    for r in rows
                ],
                indent=2,
            )
        )
        return 0
    print(f"{'entry point':28}{'worst input':36}{'time':>10}{'peak mem':>12}  outcome")
    for entry, what, seconds, peak, outcome in rows:
        print(f"{entry:28}{what:36}{seconds * 1000:8.1f}ms{peak / 1e6:10.1f}MB  {outcome}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
