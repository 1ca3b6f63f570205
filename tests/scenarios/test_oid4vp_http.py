"""OpenID4VP over real HTTP on 127.0.0.1: the service's routes (Starlette under uvicorn) and the
library's wallet with its urllib transport. A Gov24 login and an age check end to end, with the
QR link, both response modes, and refusals with the code that must fire."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import urllib.request
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest

pytest.importorskip("starlette")
uvicorn = pytest.importorskip("uvicorn")

from oid4vp_world import (  # noqa: E402
    SERVICE_DID,
    issue_both,
    make_service,
    make_wallet,
    service_did_document,
    service_signer,
)
from starlette.applications import Starlette  # noqa: E402

from kr_ovid.oid4vp import urllib_transport  # noqa: E402
from kr_ovid.problems import ErrorCode  # noqa: E402
from kr_ovid.server.oid4vp_routes import oid4vp_routes  # noqa: E402

from world import World  # noqa: E402

pytestmark = pytest.mark.server
TOKEN = "backend-secret-0123456789"


class Running:
    def __init__(self, world: World, *, signed: bool = True) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.base = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.service = make_service(world, base_url=self.base, signed=signed)
        app = Starlette(
            routes=oid4vp_routes(
                self.service,
                backend_token=TOKEN,
                did_document=service_did_document(service_signer()),
                type_metadata_names={
                    "overseas-national-id": "https://w3id.org/kr-ovid/vct/overseas-national-id/v1"
                },
            )
        )
        config = uvicorn.Config(app, log_level="warning", lifespan="off")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(
            target=lambda: asyncio.run(self.server.serve(sockets=[self.sock])), daemon=True
        )
        self.thread.start()
        while not self.server.started:
            threading.Event().wait(0.01)

    def backend(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        req = urllib.request.Request(
            self.base + path,
            data=json.dumps(body).encode() if body is not None else None,
            headers={"authorization": f"Bearer {TOKEN}", "content-type": "application/json"},
            method=method,
        )
        with urllib.request.urlopen(req) as answer:
            return answer.status, json.loads(answer.read())

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join()
        self.sock.close()


@pytest.fixture
def running(world: World) -> Iterator[Running]:
    r = Running(world)
    yield r
    r.stop()


def _create(r: Running, policy: str, **kw: Any) -> dict[str, Any]:
    status, body = r.backend("POST", "/oid4vp/requests", {"policy": policy, **kw})
    assert status == 201
    assert body["qr_svg"].startswith("<svg")
    return body


@pytest.mark.parametrize("mode", ["direct_post", "direct_post.jwt"])
def test_gov24_login_over_http(world: World, running: Running, mode: str) -> None:
    held = issue_both(world)
    wallet = make_wallet(world, [held.dc, held.di], urllib_transport())
    created = _create(running, "gov24-login", response_mode=mode, request_uri_method="post")
    assert created["request_uri"].startswith(running.base + "/oid4vp/request/")
    read = wallet.read(created["link"], wallet_nonce="wallet-nonce-1")
    assert read.verified, read.errors
    request = read.claims
    assert request.client_id == "decentralized_identifier:" + SERVICE_DID
    assert running.backend("GET", f"/oid4vp/requests/{created['transaction_id']}")[0] == 202
    answer = wallet.respond(request, wallet.match(request))
    assert answer.status == 200, answer.body
    status, result = running.backend("GET", f"/oid4vp/requests/{created['transaction_id']}")
    assert status == 200 and result["verified"], result
    assert result["claims"]["id_dc"][0]["familyName"] == "홍"
    assert "passportNumber" not in result["claims"]["id_dc"][0]


def test_age_check_over_http(world: World, running: Running) -> None:
    held = issue_both(world)
    wallet = make_wallet(world, [held.dc], urllib_transport())
    created = _create(running, "age-check")
    request = wallet.read(created["link"]).claims
    offer = wallet.match(request)
    assert [s.disclose for s in offer.selections] == [("/ageOver19",)]
    assert wallet.respond(request, offer).status == 200
    _, result = running.backend("GET", f"/oid4vp/requests/{created['transaction_id']}")
    assert result["verified"] and result["claims"]["id_dc"][0]["ageOver19"] is True


def _refusal(r: Running, created: dict[str, Any]) -> list[str]:
    _, result = r.backend("GET", f"/oid4vp/requests/{created['transaction_id']}")
    assert result["verified"] is False
    return [e["code"] for e in result["errors"]]


def test_refusals_over_http(world: World, running: Running) -> None:
    held = issue_both(world)
    wallet = make_wallet(world, [held.dc], urllib_transport())

    # wrong nonce
    created = _create(running, "gov24-login", response_mode="direct_post")
    request = wallet.read(created["link"]).claims
    offer = wallet.match(request)
    token = wallet.vp_token(replace(request, nonce="not-the-nonce"), offer)
    answer = wallet.post(request, {"vp_token": json.dumps(token), "state": request.state})
    assert answer.body["error_description"] == "INVALID_CHALLENGE_ERROR"
    assert ErrorCode.INVALID_CHALLENGE_ERROR.value in _refusal(running, created)

    # wrong audience
    created = _create(running, "gov24-login", response_mode="direct_post")
    request = wallet.read(created["link"]).claims
    token = wallet.vp_token(replace(request, client_id="redirect_uri:x"), wallet.match(request))
    wallet.post(request, {"vp_token": json.dumps(token), "state": request.state})
    assert ErrorCode.INVALID_DOMAIN_ERROR.value in _refusal(running, created)

    # replayed response
    created = _create(running, "gov24-login")
    request = wallet.read(created["link"]).claims
    form = wallet.response_form(request, wallet.match(request))
    assert wallet.post(request, form).status == 200
    again = wallet.post(request, form)
    assert again.status == 400 and again.body["error_description"] == "INVALID_TRANSACTION"

    # unencrypted response where encryption was required
    created = _create(running, "gov24-login", response_mode="direct_post.jwt")
    request = wallet.read(created["link"]).claims
    token = wallet.vp_token(request, wallet.match(request))
    answer = wallet.post(request, {"vp_token": json.dumps(token), "state": request.state})
    assert answer.body["error_description"] == "ENCRYPTED_RESPONSE_REQUIRED"
    assert _refusal(running, created) == ["ENCRYPTED_RESPONSE_REQUIRED"]

    # a credential the query did not ask for
    created = _create(running, "age-check", response_mode="direct_post")
    request = wallet.read(created["link"]).claims
    token = wallet.vp_token(request, wallet.match(request))
    token["other"] = token["id_dc"]
    wallet.post(request, {"vp_token": json.dumps(token), "state": request.state})
    assert "CREDENTIAL_NOT_REQUESTED" in _refusal(running, created)


def test_backend_routes_need_the_token(running: Running) -> None:
    req = urllib.request.Request(running.base + "/oid4vp/requests", data=b"{}", method="POST")
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(req)
    assert info.value.code == 401


def test_did_document_and_type_metadata_are_served(running: Running) -> None:
    with urllib.request.urlopen(running.base + "/oid4vp/did.json") as answer:
        assert json.loads(answer.read())["id"] == SERVICE_DID
    url = running.base + "/oid4vp/type-metadata/overseas-national-id"
    with urllib.request.urlopen(url) as answer:
        assert json.loads(answer.read())["display"][0]["name"] == "모바일 재외국민증"
