"""Run the fuzz targets of ``tests/fuzz`` for longer than CI does.

CI runs every target under the suite's Hypothesis profile (30 examples each). This runner runs
the same targets with as many examples as you ask for::

    .venv/bin/python fuzz/run.py --examples 100000                  # every target
    .venv/bin/python fuzz/run.py --examples 100000 --target nquads  # targets matching "nquads"
    .venv/bin/python fuzz/run.py --examples 20000 --jobs 4          # one process per target
    .venv/bin/python fuzz/run.py --list                             # target names

``--target`` takes a substring of a target's name (repeatable); ``--seed`` fixes Hypothesis'
seed; ``--stats`` prints Hypothesis' statistics (the outcome events each target records).
Failures are shrunk and saved in Hypothesis' example database (``.hypothesis/``), so a plain
``pytest tests/fuzz`` replays them afterwards.

Coverage-guided fuzzing with atheris (optional: ``pip install atheris``; the Linux x86-64 wheels
need no compiler) drives one target's Hypothesis strategy from libFuzzer's byte stream, so the
structured inputs stay structured; arguments after ``--`` go to libFuzzer::

    .venv/bin/python fuzz/run.py --engine atheris --target test_fuzz_parse_nquads -- -max_total_time=600
"""

from __future__ import annotations

import argparse
import concurrent.futures
import importlib
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
FUZZ_TESTS = ROOT / "tests" / "fuzz"


def collect() -> list[str]:
    """Node ids of every fuzz target (``tests/fuzz/test_fuzz_x.py::test_fuzz_y``)."""
    out = subprocess.run(  # noqa: S603 — our own interpreter running pytest
        [sys.executable, "-m", "pytest", "--collect-only", "-q", str(FUZZ_TESTS)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    ids = [line for line in out.stdout.splitlines() if "::" in line]
    if not ids:
        sys.exit(f"no fuzz targets collected:\n{out.stdout}{out.stderr}")
    return [i for i in ids if "::test_fuzz_" in i]


def select(ids: list[str], patterns: list[str]) -> list[str]:
    if not patterns:
        return ids
    chosen = [i for i in ids if any(p in i for p in patterns)]
    if not chosen:
        sys.exit(f"no target matches {patterns}; see --list")
    return chosen


def run_pytest(ids: list[str], args: argparse.Namespace, *, capture: bool) -> tuple[int, str]:
    env = {**os.environ, "KR_OVID_FUZZ_EXAMPLES": str(args.examples)}
    command = [sys.executable, "-m", "pytest", "-q", "-rxXfE", *ids]
    if args.seed is not None:
        command.append(f"--hypothesis-seed={args.seed}")
    if args.stats:
        command.append("--hypothesis-show-statistics")
    done = subprocess.run(  # noqa: S603 — our own interpreter running pytest
        command, cwd=ROOT, env=env, capture_output=capture, text=True, check=False
    )
    return done.returncode, (done.stdout + done.stderr) if capture else ""


def hypothesis_engine(ids: list[str], args: argparse.Namespace) -> int:
    start = time.monotonic()
    if args.jobs <= 1:
        code, _ = run_pytest(ids, args, capture=False)
    else:
        code = 0
        with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
            futures = {pool.submit(run_pytest, [i], args, capture=True): i for i in ids}
            for future in concurrent.futures.as_completed(futures):
                rc, output = future.result()
                print(f"===== {futures[future]}: exit {rc}\n{output}", flush=True)
                code = code or rc
    print(f"{len(ids)} target(s), {args.examples} examples each, {time.monotonic() - start:.0f} s")
    return code


def _no_network() -> None:
    """Under pytest the suite's autouse fixture forbids sockets; outside it, do the same."""

    def refuse(*_args: Any, **_kwargs: Any) -> Any:
        raise ConnectionError("fuzz targets must not use the network")

    socket.socket.connect = refuse  # type: ignore[method-assign]
    socket.socket.connect_ex = refuse  # type: ignore[method-assign]
    socket.getaddrinfo = refuse
    socket.create_connection = refuse


def atheris_engine(ids: list[str], args: argparse.Namespace) -> int:
    if len(ids) != 1:
        sys.exit(f"--engine atheris runs one target; {len(ids)} match: {ids}")
    try:
        import atheris  # type: ignore[import-not-found]
    except ImportError:
        sys.exit("atheris is not installed: .venv/bin/pip install atheris")
    path, name = ids[0].split("::")
    sys.path[:0] = [str(FUZZ_TESTS), str(ROOT / "tests")]
    _no_network()
    with atheris.instrument_imports(include=["kr_ovid"]):
        module = importlib.import_module(Path(path).stem)
    target = getattr(module, name)
    atheris.Setup([sys.argv[0], *args.libfuzzer], target.hypothesis.fuzz_one_input)
    atheris.Fuzz()
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    extra: list[str] = []
    if "--" in argv:
        cut = argv.index("--")
        argv, extra = argv[:cut], argv[cut + 1 :]
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--examples", type=int, default=10_000, help="examples per target")
    parser.add_argument("--target", action="append", default=[], help="substring of a target")
    parser.add_argument("--seed", type=int, help="Hypothesis seed (reproducible run)")
    parser.add_argument("--jobs", type=int, default=1, help="targets run in parallel")
    parser.add_argument("--stats", action="store_true", help="print Hypothesis statistics")
    parser.add_argument("--list", action="store_true", help="list the targets and exit")
    parser.add_argument("--engine", choices=["hypothesis", "atheris"], default="hypothesis")
    args = parser.parse_args(argv)
    args.libfuzzer = extra
    if args.examples < 1:
        parser.error("--examples must be at least 1")
    ids = select(collect(), args.target)
    if args.list:
        print("\n".join(ids))
        return 0
    if args.engine == "atheris":
        return atheris_engine(ids, args)
    return hypothesis_engine(ids, args)


if __name__ == "__main__":
    sys.exit(main())
