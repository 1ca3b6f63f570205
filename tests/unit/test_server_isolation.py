"""The service is an optional extra: the library never imports it (nor Starlette or uvicorn),
and ``kr-ovid serve`` without the extra is one clear line naming the install command."""

from __future__ import annotations

import subprocess
import sys

_IMPORT_EVERYTHING_BUT_THE_SERVER = """
import pkgutil, importlib, sys
import kr_ovid

def walk(package):
    # pkgutil.walk_packages would import kr_ovid.server to look inside: recurse by hand.
    for info in pkgutil.iter_modules(package.__path__, package.__name__ + "."):
        if info.name in ("kr_ovid.server", "kr_ovid.__main__"):
            continue
        module = importlib.import_module(info.name)
        if info.ispkg:
            walk(module)

walk(kr_ovid)
from kr_ovid.cli import build_parser
build_parser()
loaded = sorted(m for m in sys.modules if m.split(".")[0] in ("starlette", "uvicorn", "kr_ovid")
                and (m.startswith(("starlette", "uvicorn")) or m.startswith("kr_ovid.server")))
print(",".join(loaded))
"""

_WITHOUT_THE_EXTRA = """
import sys
sys.modules["starlette"] = None  # as if the extra were not installed
sys.modules["uvicorn"] = None
from kr_ovid.cli import main
sys.exit(main(["serve", "--test-mode", "--port", "0"]))
"""


def test_library_and_cli_never_import_the_server() -> None:
    done = subprocess.run(
        [sys.executable, "-c", _IMPORT_EVERYTHING_BUT_THE_SERVER],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    assert done.stdout.strip() == ""


def test_serve_without_the_extra_names_the_install_command() -> None:
    done = subprocess.run(
        [sys.executable, "-c", _WITHOUT_THE_EXTRA],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "pip install 'kr-ovid[server]'" in lines[0]
