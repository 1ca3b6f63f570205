"""The public API is pinned: ``__all__`` of each public module and every exported signature.

An intended change updates the snapshot deliberately:

    .venv/bin/python tests/unit/test_public_api.py --update
"""

from __future__ import annotations

import importlib
import inspect
import json
import sys
from pathlib import Path
from typing import Any

SNAPSHOT = Path(__file__).with_name("public_api.json")
MODULES = (
    "kr_ovid",
    "kr_ovid.context",
    "kr_ovid.credential",
    "kr_ovid.did",
    "kr_ovid.errors",
    "kr_ovid.integrity",
    "kr_ovid.jsonld",
    "kr_ovid.jsonld.canon",
    "kr_ovid.jsonld.strict",
    "kr_ovid.keys",
    "kr_ovid.oid4vci",
    "kr_ovid.ovid",
    "kr_ovid.results",
    "kr_ovid.schema",
    "kr_ovid.sdjwt",
    "kr_ovid.status",
    "kr_ovid.suites",
    "kr_ovid.trust",
    "kr_ovid.verifier",
)


def _default(value: Any) -> str:
    if value is inspect.Parameter.empty:
        return ""
    if isinstance(value, frozenset | set):
        return "=" + repr(sorted(value, key=repr))
    if callable(value):
        return "=" + getattr(value, "__qualname__", type(value).__name__)
    text = repr(value)
    return "=" + (type(value).__name__ if " at 0x" in text else text)


def _describe(obj: Any) -> str:
    target = obj.__init__ if inspect.isclass(obj) else obj
    if not callable(target):
        return type(obj).__name__
    try:
        signature = inspect.signature(target)
    except (TypeError, ValueError):
        return "<no signature>"
    params = [
        f"{p.kind.name}:{p.name}:{p.annotation}{_default(p.default)}"
        for p in signature.parameters.values()
    ]
    return f"({', '.join(params)}) -> {signature.return_annotation}"


def current() -> dict[str, dict[str, str]]:
    api: dict[str, dict[str, str]] = {}
    for name in MODULES:
        module = importlib.import_module(name)
        api[name] = {
            export: _describe(getattr(module, export)) for export in sorted(module.__all__)
        }
    return api


def test_public_api_matches_the_snapshot() -> None:
    pinned = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    now = current()
    changed = {
        f"{module}.{name}": (pinned.get(module, {}).get(name), sig)
        for module, names in now.items()
        for name, sig in names.items()
        if pinned.get(module, {}).get(name) != sig
    }
    removed = [
        f"{module}.{name}"
        for module, names in pinned.items()
        for name in names
        if name not in now.get(module, {})
    ]
    assert not changed and not removed, (
        "public API changed; if intended, run: python tests/unit/test_public_api.py --update\n"
        f"changed: {changed}\nremoved: {removed}"
    )


if __name__ == "__main__" and "--update" in sys.argv:
    SNAPSHOT.write_text(json.dumps(current(), indent=1, ensure_ascii=False) + "\n", "utf-8")
    print(f"wrote {SNAPSHOT}")
