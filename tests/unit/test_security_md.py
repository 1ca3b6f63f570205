"""SECURITY.md maps every threat to a test: each test it names must exist."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
REF = re.compile(r"`(tests/[\w/]+\.py)((?:::\w+)?)`|`::(\w+)`")


def test_every_test_named_in_security_md_exists() -> None:
    text = (ROOT / "SECURITY.md").read_text(encoding="utf-8")
    missing = []
    current: Path | None = None
    for match in REF.finditer(text):
        path, name, continued = match.groups()
        if path:
            current = ROOT / path
            if not current.is_file():
                missing.append(path)
                continue
            name = name.removeprefix("::")
        else:
            name = continued
        if (
            name
            and current is not None
            and not re.search(rf"^def {name}\(", current.read_text(encoding="utf-8"), re.M)
        ):
            missing.append(f"{current.relative_to(ROOT)}::{name}")
    assert not missing, missing
