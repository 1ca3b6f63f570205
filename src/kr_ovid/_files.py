"""Files that hold secrets or personal data: created with mode 0600, never loosened later."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["create_private_file"]


def create_private_file(path: Path) -> None:
    """Create ``path`` empty with mode 0600 unless it exists already (a store file another
    process created keeps its mode); raises :class:`OSError` when it cannot be created."""
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:
        return
    os.close(fd)
