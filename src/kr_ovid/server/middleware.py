"""ASGI middleware around every route: access log and test-mode header, request rate, body size.

Plain ASGI classes rather than Starlette's ``BaseHTTPMiddleware``: they see the raw message
stream, so the body bound is enforced while the body arrives (a client cannot make the worker
buffer more than the limit by lying in, or leaving out, ``Content-Length``).
"""

from __future__ import annotations

import logging
import math
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kr_ovid.problems import ErrorCode
from kr_ovid.server.http import problem_response
from kr_ovid.server.logs import ACCESS_LOGGER, FIELDS

__all__ = [
    "TEST_MODE_HEADER",
    "AccessLogMiddleware",
    "BodyLimitMiddleware",
    "RateLimitMiddleware",
]

#: Every response of a service in test mode carries this header (value ``test``).
TEST_MODE_HEADER = "kr-ovid-mode"
_MAX_CLIENTS = 10_000

_access = logging.getLogger(ACCESS_LOGGER)


def _route_template(scope: Scope) -> str:
    """The matched route's path template (``/status/{list_id}/{purpose}``), never the raw path:
    raw paths and queries can carry identifiers."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else "(unmatched)"


class AccessLogMiddleware:
    """One JSON access line per request; in test mode, the test-mode header on every response."""

    def __init__(self, app: ASGIApp, *, test_mode: bool) -> None:
        self.app = app
        self.test_mode = test_mode

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        request_id = uuid.uuid4().hex
        status = 500
        size = 0

        async def send_wrapper(message: Message) -> None:
            nonlocal status, size
            if message["type"] == "http.response.start":
                status = int(message["status"])
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", request_id.encode()))
                if self.test_mode:
                    headers.append((TEST_MODE_HEADER.encode(), b"test"))
                message = {**message, "headers": headers}
            elif message["type"] == "http.response.body":
                size += len(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            fields = {
                "event": "access",
                "request_id": request_id,
                "method": scope.get("method", ""),
                "route": _route_template(scope),
                "status": status,
                "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                "response_bytes": size,
                "operator": scope.get("state", {}).get("operator_kind", ""),
            }
            _access.info("request", extra={FIELDS: fields})


#: Request heads (all header names and values) larger than this are refused with 431.
MAX_HEADER_BYTES = 16 * 1024


class BodyLimitMiddleware:
    """Refuse a body over ``max_bytes`` with 413 (``SIZE_LIMIT_ERROR``): at once when
    ``Content-Length`` says so, else as soon as the streamed body passes the bound. Headers
    past :data:`MAX_HEADER_BYTES` in total are refused with 431 first."""

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = scope.get("headers", [])
        if sum(len(name) + len(value) for name, value in headers) > MAX_HEADER_BYTES:
            response = problem_response(431, "the request headers are too large")
            await response(scope, receive, send)
            return
        for name, value in headers:
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = -1
                if declared < 0 or declared > self.max_bytes:
                    await self._refuse(scope, receive, send)
                    return
        seen = 0
        too_large = False

        async def bounded_receive() -> Message:
            nonlocal seen, too_large
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    too_large = True
                    raise _BodyTooLarge
            return message

        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, bounded_receive, tracking_send)
        except _BodyTooLarge:
            if not started:
                await self._refuse(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = problem_response(
            413,
            f"the request body exceeds {self.max_bytes} bytes",
            ErrorCode.SIZE_LIMIT_ERROR,
            headers={"Connection": "close"},
        )
        await response(scope, receive, send)


class _BodyTooLarge(Exception):
    pass


class _Bucket:
    __slots__ = ("tokens", "updated")

    def __init__(self, tokens: float, updated: float) -> None:
        self.tokens = tokens
        self.updated = updated


class RateLimitMiddleware:
    """A token bucket per client address: ``rate`` requests a second, bursts of ``burst``;
    beyond that 429 with ``Retry-After``. Per worker (N workers allow N times the rate): it
    bounds what one client can make one process do; a deployment that needs a global bound
    sets it at the proxy (``docs/deployment.md``). The addresses live in memory only, in a
    table of at most 10,000 (least recently seen dropped), and are never logged."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        rate: float,
        burst: int,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.app = app
        self.rate = rate
        self.burst = burst
        self._clock = clock
        self._lock = threading.Lock()
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()

    def _take(self, client: str) -> float:
        """0 when a request may pass, else seconds until one token is back."""
        now = self._clock()
        with self._lock:
            bucket = self._buckets.get(client)
            if bucket is None:
                bucket = _Bucket(float(self.burst), now)
                self._buckets[client] = bucket
                while len(self._buckets) > _MAX_CLIENTS:
                    self._buckets.popitem(last=False)
            else:
                self._buckets.move_to_end(client)
                bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.updated) * self.rate)
                bucket.updated = now
            if bucket.tokens >= 1:
                bucket.tokens -= 1
                return 0.0
            return (1 - bucket.tokens) / self.rate

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        key = str(client[0]) if client else "-"
        wait = self._take(key)
        if wait > 0:
            response = problem_response(
                429,
                "too many requests from this client; slow down",
                headers={"Retry-After": str(max(1, math.ceil(wait)))},
            )
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


def mark_operator(scope: MutableMapping[str, Any], kind: str) -> None:
    """Record, for the access log, which kind of operator credential a request used."""
    scope.setdefault("state", {})["operator_kind"] = kind


Handler = Callable[[Scope, Receive, Send], Awaitable[None]]
