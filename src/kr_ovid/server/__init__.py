"""``kr-ovid serve``: the W3C CCG VC-API service a mission or a government service runs.

Needs the ``server`` extra (``pip install 'kr-ovid[server]'``); the rest of kr_ovid never imports
this package.

Layout, one responsibility a module:

- :mod:`~kr_ovid.server.config`: the TOML file and flags → one frozen :class:`ServiceConfig`,
  checked before anything starts (:class:`~kr_ovid.errors.ConfigurationError` names the key);
- :mod:`~kr_ovid.server.state`: :class:`ServiceState`, what one worker shares;
- :mod:`~kr_ovid.server.app`: :func:`create_app` (routes, middleware, lifespan);
- :mod:`~kr_ovid.server.vcapi`: issue, verify, challenges, status changes;
- :mod:`~kr_ovid.server.publish`: status lists, DID documents, trust list, ``/healthz``;
- :mod:`~kr_ovid.server.status_lists`: the service's own lists, signed from the store, and the
  fetcher that reads them without a network;
- :mod:`~kr_ovid.server.http`, :mod:`~kr_ovid.server.middleware`, :mod:`~kr_ovid.server.logs`,
  :mod:`~kr_ovid.server.tls`: problem responses and operator auth, request bounds, JSON logs,
  client certificates;
- :mod:`~kr_ovid.server.oid4vp_routes`, :mod:`~kr_ovid.server.oid4vci_routes`: OpenID4VP and
  OpenID4VCI, mounted by :func:`~kr_ovid.server.app.protocol_routes` when ``[oid4vp]`` or
  ``[oid4vci]`` is enabled; their services (``state.presentation``, ``state.issuance``) are
  built per worker with the state;
- :mod:`~kr_ovid.server.run`: uvicorn, workers, the ready file, graceful shutdown.

Extension point (other protocols mount their routes here)::

    from starlette.routing import Route
    from kr_ovid.server import ServiceState, create_app
    from kr_ovid.server.http import service_state

    async def my_handler(request):
        state: ServiceState = service_state(request)  # == request.app.state.kr_ovid
        ...  # state.signer, state.store, state.challenges, state.resolver, state.loader,
             # state.context (a VerificationContext), state.status_fetcher, state.config

    app = create_app(config, extra_routes=[Route("/my/route", my_handler, methods=["POST"])])

``ServiceState`` is built per worker in the lifespan startup, so a handler always sees the
worker's own connections; routes raise :class:`~kr_ovid.server.http.HttpProblem` (or return
:func:`~kr_ovid.server.http.problem_response`) for RFC 9457 problem answers.

Why Starlette and uvicorn rather than FastAPI: this is security software, and every dependency
is code that runs on the issuing desk. Starlette (with its one dependency, anyio) gives routing,
requests and responses; uvicorn (h11, click) serves them with TLS, workers and graceful
shutdown. FastAPI would add pydantic (a compiled core) and a request-validation layer whose
coercions (strings to numbers, extra members ignored) are exactly what a verifier must not do:
here every body goes through kr_ovid's own bounded JSON parser and the library's strict checks.
"""

from kr_ovid.server.app import create_app
from kr_ovid.server.config import ServiceConfig, load_config
from kr_ovid.server.state import ServiceState

__all__ = ["ServiceConfig", "ServiceState", "create_app", "load_config"]
