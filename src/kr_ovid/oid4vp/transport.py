"""The wallet's and CLI's only way onto the network: an injected :data:`Transport`.

The default, :func:`no_network`, refuses every request, so nothing leaves the machine unless
the caller passes :func:`urllib_transport` (or a test's loopback client). Redirects are never
followed: OpenID4VP §14.4 (HTTP Redirects) treats them as errors.
"""

from __future__ import annotations

import urllib.error
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from urllib.parse import urlencode, urlsplit

from kr_ovid._http import ResponseTooLarge, exchange
from kr_ovid.errors import KrOvidError
from kr_ovid.problems import ErrorCode

__all__ = ["HttpRequest", "HttpResponse", "Transport", "no_network", "urllib_transport"]

#: Largest response body read (a Request Object or a response endpoint's JSON).
MAX_BODY = 262_144


@dataclass(frozen=True, slots=True)
class HttpRequest:
    """A GET, or a POST of an ``application/x-www-form-urlencoded`` form."""

    method: str
    url: str
    form: Mapping[str, str] | None = None
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class HttpResponse:
    status: int
    content_type: str
    body: bytes


Transport = Callable[[HttpRequest], HttpResponse]


def no_network(request: HttpRequest) -> HttpResponse:
    """The default transport: refuses, so no network is used unless the caller chooses it."""
    raise KrOvidError(
        f"no transport given: refusing to reach {urlsplit(request.url).netloc}",
        code=ErrorCode.CONFIGURATION_ERROR,
    )


def urllib_transport(timeout: float = 10.0) -> Transport:
    """A real transport over :mod:`urllib` (``https``; ``http`` as the caller's URLs say), no
    redirects, bodies bounded by :data:`MAX_BODY`."""

    def send(request: HttpRequest) -> HttpResponse:
        data = None
        headers = dict(request.headers)
        if request.form is not None:
            data = urlencode(dict(request.form)).encode("utf-8")
            headers["content-type"] = "application/x-www-form-urlencoded"
        try:
            status, answered, body = exchange(
                request.method,
                request.url,
                data=data,
                headers=headers,
                timeout=timeout,
                max_bytes=MAX_BODY,
            )
        except (urllib.error.URLError, OSError) as exc:
            raise KrOvidError(
                f"could not reach {urlsplit(request.url).netloc}: {type(exc).__name__}",
                code=ErrorCode.INVALID_REQUEST,
                retryable=True,
            ) from None
        except ResponseTooLarge:
            raise KrOvidError("response body too large", code=ErrorCode.SIZE_LIMIT_ERROR) from None
        return HttpResponse(status, answered.get("content-type", ""), body)

    return send
