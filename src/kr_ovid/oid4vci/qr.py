"""The offer link as a QR code (the ``[oid4vci]`` extra: segno), for the desk's screen or a
printed slip: text for a terminal, SVG or PNG for a file.

A QR code shown at a desk can be photographed over the applicant's shoulder; that is what the
transaction code, given on another channel, defends against (OpenID4VCI §13.6.1). The code is
encoded with error correction level M, which keeps an offer passed by value scannable.
"""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

from kr_ovid.errors import ConfigurationError

__all__ = ["qr_terminal", "save_qr"]

_FORMATS = {".svg": "svg", ".png": "png"}


def _segno() -> Any:
    try:
        import segno
    except ImportError:  # pragma: no cover - the extra is installed wherever this is tested
        raise ConfigurationError(
            "QR codes need the oid4vci extra: pip install 'kr-ovid[oid4vci]'"
        ) from None
    return segno


def _qr(link: str) -> Any:
    if not isinstance(link, str) or not link:
        raise ConfigurationError("the QR code encodes a non-empty link")
    return _segno().make(link, error="m", micro=False)


def qr_terminal(link: str, *, compact: bool = True) -> str:
    """The QR code as text for a terminal: half-block characters (two modules a character)
    when ``compact``, else two characters a module; dark modules on a light quiet zone."""
    buffer = io.StringIO()
    _qr(link).terminal(out=buffer, compact=compact)
    return buffer.getvalue()


def save_qr(link: str, path: str | os.PathLike[str], *, scale: int = 8) -> Path:
    """Write the QR code to ``path``, SVG or PNG by its suffix; an existing file is refused
    (the link holds a bearer secret until redeemed: written with mode 0600)."""
    target = Path(path)
    kind = _FORMATS.get(target.suffix.lower())
    if kind is None:
        raise ConfigurationError("the QR file must end in .svg or .png")
    buffer = io.BytesIO()
    _qr(link).save(buffer, kind=kind, scale=scale, border=4)
    try:
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise ConfigurationError(f"{target} exists; refusing to overwrite it") from None
    with os.fdopen(fd, "wb") as f:
        f.write(buffer.getvalue())
    return target
