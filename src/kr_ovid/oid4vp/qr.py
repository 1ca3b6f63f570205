"""QR codes for the ``openid4vp://`` request link (OpenID4VP 1.0 §5.7, cross-device flow)
through segno (the ``[oid4vp]`` extra, imported only here when a code is drawn)."""

from __future__ import annotations

import io
from typing import Any

from kr_ovid.errors import ConfigurationError

__all__ = ["qr_png", "qr_svg", "qr_text"]


def _qr(link: str) -> Any:
    try:
        import segno
    except ImportError:
        raise ConfigurationError(
            "QR codes need the oid4vp extra: pip install 'kr-ovid[oid4vp]'"
        ) from None
    if not isinstance(link, str) or not link or len(link) > 2048:
        raise ConfigurationError("a request link of at most 2048 characters is expected")
    return segno.make(link, error="m", micro=False)


def qr_svg(link: str, *, scale: int = 4) -> str:
    """The link as an SVG document (for the service's web page)."""
    out = io.BytesIO()
    _qr(link).save(out, kind="svg", scale=scale, xmldecl=False)
    return out.getvalue().decode("utf-8")


def qr_png(link: str, *, scale: int = 6) -> bytes:
    """The link as a PNG image."""
    out = io.BytesIO()
    _qr(link).save(out, kind="png", scale=scale)
    return out.getvalue()


def qr_text(link: str) -> str:
    """The link as text for a terminal (the CLI): two rows of modules per line of blocks."""
    out = io.StringIO()
    _qr(link).terminal(out=out, compact=True)
    return out.getvalue()
