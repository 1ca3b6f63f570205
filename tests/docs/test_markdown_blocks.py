"""Every Python block of README.md and of the documentation (docs/**/*.md) runs, as a reader
would paste it: the blocks of one file in order, in one namespace, in an empty directory, with
no network (the suite's autouse fixture). A block that should not run has no place there: there
is no opt-out marker."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
_FENCE = re.compile(r"^```python[ \t]*\n(.*?)^```[ \t]*$", re.DOTALL | re.MULTILINE)


def markdown_files() -> list[Path]:
    return [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]


def python_blocks(path: Path) -> Iterator[tuple[int, str]]:
    """(line number, code) of each ```python block."""
    text = path.read_text(encoding="utf-8")
    for match in _FENCE.finditer(text):
        yield text.count("\n", 0, match.start(1)) + 1, match.group(1)


def test_the_readme_has_a_runnable_quick_start() -> None:
    blocks = list(python_blocks(ROOT / "README.md"))
    assert blocks, "README.md lost its Python quick start"
    code = "".join(c for _, c in blocks)
    for step in ("issue_id(", "present_sd_jwt(", "verify_presentation(", "age_check(",
                 "CREDENTIAL_REVOKED"):  # fmt: skip
        assert step in code, step


@pytest.mark.parametrize(
    "path",
    [p for p in markdown_files() if any(True for _ in python_blocks(p))],
    ids=lambda p: str(p.relative_to(ROOT)),
)
def test_python_blocks_run(path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {"__name__": "__markdown__"}
    for line, code in python_blocks(path):
        compiled = compile(code, f"{path.relative_to(ROOT)}:{line}", "exec")
        exec(compiled, namespace)
