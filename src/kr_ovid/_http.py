"""One bounded, redirect-free HTTP exchange over :mod:`urllib`, shared by the wallet protocols'
real transports (:mod:`kr_ovid.oid4vp.transport`, :mod:`kr_ovid.oid4vci.transport`); each maps
the failures below to its own errors. Nothing calls it unless a caller chose a real transport."""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Mapping

__all__ = ["ResponseTooLarge", "exchange"]


class ResponseTooLarge(Exception):
    """The body is longer than the caller allows."""


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None  # the 3xx comes back as a response: a redirect could lead a secret away


_OPENER = urllib.request.build_opener(_NoRedirect)


def exchange(
    method: str,
    url: str,
    *,
    data: bytes | None,
    headers: Mapping[str, str],
    timeout: float,
    max_bytes: int,
) -> tuple[int, dict[str, str], bytes]:
    """``(status, headers with lower-case names, body)`` for any status the server answers.
    Raises :class:`urllib.error.URLError` or :class:`OSError` when there is no answer, and
    :class:`ResponseTooLarge` past ``max_bytes``."""
    req = urllib.request.Request(  # noqa: S310 — the transports choose the URLs they accept
        url, data=data, headers=dict(headers), method=method
    )
    try:
        with _OPENER.open(req, timeout=timeout) as answer:
            status, items, body = answer.status, answer.headers.items(), answer.read(max_bytes + 1)
    except urllib.error.HTTPError as answer:
        with answer:
            status, items, body = answer.code, answer.headers.items(), answer.read(max_bytes + 1)
    if len(body) > max_bytes:
        raise ResponseTooLarge
    return status, {k.lower(): v for k, v in items}, bytes(body)
