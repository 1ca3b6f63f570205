"""The ASGI application: :func:`create_app` (routes, middleware, lifespan) and
:func:`app_from_environment`, the factory an external ASGI server imports by name.

The application object is cheap and holds no open resources; each worker builds its
:class:`~kr_ovid.server.state.ServiceState` in the lifespan startup (after the worker process
exists, so no connection crosses a fork) and closes it at shutdown, after uvicorn has let the
requests in flight finish.
"""

from __future__ import annotations

import logging
import os
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from kr_ovid.problems import ErrorCode
from kr_ovid.server.config import ServiceConfig, load_config
from kr_ovid.server.http import HttpProblem, http_problem, problem_response
from kr_ovid.server.logs import SERVICE_LOGGER
from kr_ovid.server.middleware import (
    AccessLogMiddleware,
    BodyLimitMiddleware,
    RateLimitMiddleware,
)
from kr_ovid.server.publish import publish_routes
from kr_ovid.server.state import build_state

__all__ = ["CONFIG_ENV", "app_from_environment", "create_app", "protocol_routes"]

#: The environment variable :func:`app_from_environment` reads the configuration file from.
CONFIG_ENV = "KR_OVID_CONFIG"

_log = logging.getLogger(SERVICE_LOGGER)


async def _http_problem(request: Request, exc: Exception) -> Response:
    if isinstance(exc, HttpProblem):
        return exc.response
    return problem_response(500, "internal error")


async def _http_exception(request: Request, exc: Exception) -> Response:
    """Starlette's own 404/405 as problem details too."""
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    detail = {404: "no such route", 405: "method not allowed on this route"}.get(
        status, "request refused"
    )
    headers = getattr(exc, "headers", None)
    return problem_response(status, detail, headers=dict(headers) if headers else None)


async def _internal_error(request: Request, exc: Exception) -> Response:
    """A bug, not the client's fault: logged with its type only, answered without detail."""
    _log.error("unhandled error", exc_info=exc)
    return problem_response(500, "internal error", ErrorCode.INTERNAL_ERROR)


def create_app(
    config: ServiceConfig,
    *,
    extra_routes: Sequence[BaseRoute] = (),
    on_ready: Callable[[], None] | None = None,
) -> Starlette:
    """The service as an ASGI application.

    ``extra_routes`` are mounted after the VC-API routes (other protocols' handlers; they reach
    the shared state as ``request.app.state.kr_ovid``). ``on_ready`` runs once the worker's
    state is built (the runner uses it to write ``--ready-file``).
    """
    from kr_ovid.server.vcapi import vcapi_routes

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        state = build_state(config)
        app.state.kr_ovid = state
        _log.info(
            "worker started",
            extra={"kr_ovid": {"event": "start", "issuer": state.issuer_did}},
        )
        if on_ready is not None:
            on_ready()
        try:
            yield
        finally:
            state.close()
            _log.info("worker stopped", extra={"kr_ovid": {"event": "stop"}})

    limits = config.limits
    middleware = [
        Middleware(AccessLogMiddleware, test_mode=config.test_mode),
        Middleware(RateLimitMiddleware, rate=limits.rate_per_second, burst=limits.rate_burst),
        Middleware(BodyLimitMiddleware, max_bytes=limits.max_body_bytes),
    ]
    routes: list[BaseRoute] = [
        *vcapi_routes(),
        *publish_routes(),
        *protocol_routes(config),
        *extra_routes,
    ]
    handlers: dict[Any, Any] = {
        HttpProblem: _http_problem,
        HTTPException: _http_exception,
        Exception: _internal_error,
    }
    return Starlette(
        routes=routes, middleware=middleware, exception_handlers=handlers, lifespan=lifespan
    )


def protocol_routes(config: ServiceConfig) -> list[BaseRoute]:
    """The OpenID4VP and OpenID4VCI routes ``[oid4vp]`` and ``[oid4vci]`` enable, each reaching
    its worker's service in :class:`~kr_ovid.server.state.ServiceState`."""
    routes: list[BaseRoute] = []
    if config.oid4vp.enabled:
        from kr_ovid.ovid.issuance import CREDENTIAL_TYPE
        from kr_ovid.sdjwt.vc import vct_for_credential_type
        from kr_ovid.server.oid4vp_routes import oid4vp_routes

        vct = vct_for_credential_type(CREDENTIAL_TYPE)
        routes += oid4vp_routes(
            _worker_service("presentation", "OpenID4VP"),
            backend_token_sha256=config.oid4vp.backend_token_sha256,
            open_backend=config.test_mode,
            type_metadata_names={"overseas-national-id": vct} if vct else None,
        )
    if config.oid4vci.enabled:
        from kr_ovid.server.oid4vci_routes import oid4vci_routes

        routes += oid4vci_routes(
            _worker_service("issuance", "OpenID4VCI"), path=config.oid4vci.path
        )
    return routes


def _worker_service(attribute: str, protocol: str) -> Callable[[Request], Any]:
    """The protocol service the request's worker built at startup (``ServiceState.attribute``)."""
    from kr_ovid.server.http import service_state

    def get(request: Request) -> Any:
        service = getattr(service_state(request), attribute)
        if service is None:
            raise http_problem(503, f"{protocol} is not started", ErrorCode.CONFIGURATION_ERROR)
        return service

    return get


def app_from_environment() -> Starlette:
    """``uvicorn --factory kr_ovid.server.app:app_from_environment``: the configuration file
    named by ``$KR_OVID_CONFIG``, for running the service under another ASGI process manager.
    ``kr-ovid serve`` does not need it (it hands each worker its checked configuration)."""
    path = os.environ.get(CONFIG_ENV)
    return create_app(load_config(path))
