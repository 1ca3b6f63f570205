"""The wallet's HTTP, as one injected function: request in, response out.

The wallet never opens a socket itself: it calls a :data:`Transport`. The default,
:class:`UrllibTransport`, uses the standard library, follows no redirect (a redirect could lead
a token or a code somewhere the wallet did not choose) and reads a bounded body. Tests and apps
pass their own (a platform HTTP stack, a recorder, an in-process service).
"""

from __future__ import annotations

import urllib.error
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Final

from kr_ovid._http import ResponseTooLarge, exchange
from kr_ovid.oid4vci.errors import Oid4vciError
from kr_ovid.problems import ErrorCode

__all__ = ["HttpRequest", "HttpResponse", "Transport", "UrllibTransport", "no_network"]

MAX_RESPONSE_BYTES: Final = 2_000_000


@dataclass(frozen=True, slots=True)
class HttpRequest:
    """One request: method, absolute URL, headers, body."""

    method: str
    url: str
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes | None = None

    def __repr__(self) -> str:  # headers and body may hold a token, a code or a key proof
        return f"HttpRequest({self.method} {self.url.split('?', 1)[0]})"


@dataclass(frozen=True, slots=True)
class HttpResponse:
    """One response; header names in lower case."""

    status: int
    headers: Mapping[str, str]
    body: bytes

    @property
    def media_type(self) -> str:
        """The ``Content-Type`` without parameters, lower case."""
        return self.headers.get("content-type", "").split(";", 1)[0].strip().lower()


#: The wallet's HTTP: answers every status it receives, raises only when there is no answer.
Transport = Callable[[HttpRequest], HttpResponse]


def no_network(request: HttpRequest) -> HttpResponse:
    """The default transport: refuses (``CONFIGURATION_ERROR``), so a wallet reaches no address a
    scanned offer names unless its caller chose a transport (e.g. :class:`UrllibTransport`)."""
    raise Oid4vciError(ErrorCode.CONFIGURATION_ERROR, "no transport given: nothing is fetched")


class UrllibTransport:
    """:data:`Transport` over :mod:`urllib.request`: no redirects, at most ``max_bytes`` of
    body, ``timeout`` seconds. A failure to get any answer raises :class:`Oid4vciError`
    (``INTERNAL_ERROR``, marked retryable)."""

    def __init__(self, *, timeout: float = 10.0, max_bytes: int = MAX_RESPONSE_BYTES) -> None:
        self._timeout = timeout
        self._max = max_bytes

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.url.startswith(("https://", "http://")):
            raise Oid4vciError(ErrorCode.CONFIGURATION_ERROR, "only http(s) URLs are fetched")
        try:
            status, headers, body = exchange(
                request.method,
                request.url,
                data=request.body,
                headers=request.headers,
                timeout=self._timeout,
                max_bytes=self._max,
            )
        except ResponseTooLarge:
            raise Oid4vciError(
                ErrorCode.SIZE_LIMIT_ERROR, "the issuer's answer is too large"
            ) from None
        except (urllib.error.URLError, OSError, ValueError) as exc:
            error = Oid4vciError(
                ErrorCode.INTERNAL_ERROR, f"no answer from the issuer: {type(exc).__name__}"
            )
            error.retryable = True
            raise error from None
        return HttpResponse(status, headers, body)
