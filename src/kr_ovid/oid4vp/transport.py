"""The wallet's and CLI's only way onto the network: an injected :data:`Transport`.

The default, :func:`no_network`, refuses every request, so nothing leaves the machine unless
the caller passes :func:`urllib_transport` (or a test's loopback client). Redirects are never
followed: OpenID4VP §14.4 (HTTP Redirects) treats them as errors.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from urllib.parse import urlencode, urlsplit

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


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def urllib_transport(timeout: float = 10.0) -> Transport:
    """A real transport over :mod:`urllib` (``https``; ``http`` as the caller's URLs say), no
    redirects, bodies bounded by :data:`MAX_BODY`."""
    opener = urllib.request.build_opener(_NoRedirect)

    def send(request: HttpRequest) -> HttpResponse:
        data = None
        headers = dict(request.headers)
        if request.form is not None:
            data = urlencode(dict(request.form)).encode("utf-8")
            headers["content-type"] = "application/x-www-form-urlencoded"
        req = urllib.request.Request(  # noqa: S310 — the caller's own https/http URL
            request.url, data=data, headers=headers, method=request.method
        )
        try:
            with opener.open(req, timeout=timeout) as answer:
                body = answer.read(MAX_BODY + 1)
                status, ctype = answer.status, answer.headers.get("content-type", "")
        except urllib.error.HTTPError as exc:
            body = exc.read(MAX_BODY + 1)
            status, ctype = exc.code, exc.headers.get("content-type", "")
        except (urllib.error.URLError, OSError) as exc:
            raise KrOvidError(
                f"could not reach {urlsplit(request.url).netloc}: {type(exc).__name__}",
                code=ErrorCode.INVALID_REQUEST,
                retryable=True,
            ) from None
        if len(body) > MAX_BODY:
            raise KrOvidError("response body too large", code=ErrorCode.SIZE_LIMIT_ERROR)
        return HttpResponse(status, ctype, body)

    return send
