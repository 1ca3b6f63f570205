"""The W3C CCG VC-API routes: issue, verify, challenges, status changes."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from kr_ovid.errors import ConfigurationError
from kr_ovid.server.http import http_problem, json_response, service_state

__all__ = ["CHALLENGE_AUDIENCE", "vcapi_routes"]

#: The audience every ``POST /challenges`` challenge is issued for: VC-API challenges are not
#: bound to a domain when issued; the presentation's ``domain`` is checked on its own.
CHALLENGE_AUDIENCE = "vc-api"


async def create_challenge(request: Request) -> Response:
    """``POST /challenges`` (VC-API ``createChallenge``): a fresh one-time challenge, stored
    until it is used once in ``POST /presentations/verify`` or expires."""
    state = service_state(request)
    try:
        challenge = state.challenges.issue(CHALLENGE_AUDIENCE)
    except ConfigurationError:
        raise http_problem(503, "too many outstanding challenges; retry later") from None
    return json_response({"challenge": challenge.value})


def vcapi_routes() -> list[BaseRoute]:
    return [
        Route("/challenges", create_challenge, methods=["POST"]),
    ]
