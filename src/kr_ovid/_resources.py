"""Where the packaged data lives: inside the wheel, or at the top of a source checkout.

The wheel carries ``contexts/``, ``schemas/`` and ``typemetadata/`` as ``kr_ovid/_data/...``; an editable install
reads them from the repository root instead. Nothing else is ever consulted.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

__all__ = ["_data_dir"]


def _data_dir(name: str) -> Path:
    """Directory of packaged data ``name`` ("contexts", "schemas" or "typemetadata")."""
    packaged = Path(str(resources.files("kr_ovid"))) / "_data" / name
    if packaged.is_dir():
        return packaged
    checkout = Path(__file__).resolve().parents[2] / name
    if checkout.is_dir():
        return checkout
    raise FileNotFoundError(f"kr_ovid data directory {name!r} is missing from the installation")
