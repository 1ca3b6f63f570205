"""A hostile caller of the OpenID4VP routes of ``kr-ovid serve`` (security review), in process:
the backend routes behind their token, bodies that are not what a route takes, and forms with
repeated parameters. Every answer is a refusal with its status, never an internal error."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pytest

pytest.importorskip("starlette", reason="the server extra is not installed")
pytest.importorskip("httpx", reason="httpx (test extra) is not installed")

from starlette.testclient import TestClient

from kr_ovid.oid4vp import PresentationService
from kr_ovid.ovid.services import presentation_policies
from kr_ovid.problems import ErrorCode
from kr_ovid.server.app import create_app
from kr_ovid.server.config import load_config
from kr_ovid.server.oid4vp_routes import oid4vp_routes
from kr_ovid.trust.model import Accreditation

BACKEND = "backend-token-for-the-review-91c3"
AUTH = {"Authorization": f"Bearer {BACKEND}"}


class NobodyAccredited:
    def is_accredited(self, issuer_did: str, credential_type: str, at: datetime) -> Accreditation:
        return Accreditation(False, ErrorCode.ISSUER_NOT_ACCREDITED, "nobody is")


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    service = PresentationService(
        base_url="http://127.0.0.1", policies=presentation_policies(NobodyAccredited())
    )
    config = load_config(None, test_mode=True, public_url="https://vc.example.test", port=0)
    app = create_app(config, extra_routes=oid4vp_routes(service, backend_token=BACKEND))
    with TestClient(app, base_url="http://127.0.0.1", raise_server_exceptions=False) as test:
        yield test


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b"[" * 100_000, "PARSING_ERROR"),  # nesting past any parser's recursion limit
        (b'{"policy": "gov24-login", "policy": "age-check"}', "PARSING_ERROR"),  # repeated
        (b"\xff\xfe", "PARSING_ERROR"),
        (b'"gov24-login"', "CONFIGURATION_ERROR"),
        (b'{"policy": "gov24-login", "request_uri_method": {}}', "CONFIGURATION_ERROR"),
    ],
)
def test_backend_create_refuses_a_body_it_does_not_take(
    client: TestClient, body: bytes, code: str
) -> None:
    answer = client.post("/oid4vp/requests", content=body, headers=AUTH)
    assert answer.status_code == 400, answer.text[:200]
    assert answer.json() == {"error": "invalid_request", "error_description": code}


def test_backend_routes_need_the_backend_token(client: TestClient) -> None:
    body = b'{"policy": "gov24-login", "response_mode": "direct_post"}'
    assert client.post("/oid4vp/requests", content=body).status_code == 401
    created = client.post("/oid4vp/requests", content=body, headers=AUTH)
    assert created.status_code == 201
    tx = created.json()["transaction_id"]
    for headers in ({}, {"Authorization": BACKEND}, {"Authorization": f"Bearer {BACKEND}x"}):
        assert client.get(f"/oid4vp/requests/{tx}", headers=headers).status_code == 401
    assert client.get(f"/oid4vp/requests/{tx}", headers=AUTH).status_code == 202


def test_a_response_with_repeated_parameters_is_refused(client: TestClient) -> None:
    answer = client.post("/oid4vp/response", content=b"state=a&state=b&vp_token=%7B%7D")
    assert answer.status_code == 400
    assert answer.json()["error_description"] == "INVALID_TRANSACTION"
