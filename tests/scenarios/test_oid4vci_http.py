"""OpenID4VCI end to end over real HTTP on 127.0.0.1: the mission's routes served by uvicorn in
a thread, the library's :class:`Wallet` with its default urllib transport. Valid issuance (batch
copies, every format) verified by the Gov24 verifier, and every refusal with its exact code.

The server runs in this process, so the scenario world's movable clock drives expiry on both
sides; no other address than 127.0.0.1 is ever contacted (``server`` marker)."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

pytest.importorskip("starlette", reason="the oid4vci extra is not installed")
uvicorn = pytest.importorskip("uvicorn", reason="the oid4vci extra is not installed")

from starlette.applications import Starlette  # noqa: E402

from kr_ovid.challenges import SqliteChallengeStore  # noqa: E402
from kr_ovid.cli import main as cli_main  # noqa: E402
from kr_ovid.keys import Ed25519Signer  # noqa: E402
from kr_ovid.keys.ed25519 import SMALL_ORDER_POINTS  # noqa: E402
from kr_ovid.keys.jwk import b64url_encode  # noqa: E402
from kr_ovid.oid4vci import Oid4vciError, SqliteIssuanceStore, make_key_proof  # noqa: E402
from kr_ovid.oid4vci.proofs import PROOF_TYP  # noqa: E402
from kr_ovid.oid4vci.service import IssuanceService  # noqa: E402
from kr_ovid.oid4vci.transport import HttpRequest, UrllibTransport  # noqa: E402
from kr_ovid.oid4vci.wallet import AccessToken, IssuerMetadata, Wallet  # noqa: E402
from kr_ovid.ovid.oid4vci import (  # noqa: E402
    DC_SD_JWT_CONFIGURATION,
    LDP_VC_CONFIGURATION,
    VC_SD_JWT_CONFIGURATION,
    id_issuance_service,
)
from kr_ovid.problems import ErrorCode  # noqa: E402
from kr_ovid.sdjwt.holder import parse_issued  # noqa: E402
from kr_ovid.sdjwt.jws import encode_json, sign_compact_jws  # noqa: E402
from kr_ovid.server.oid4vci_routes import oid4vci_routes  # noqa: E402

from world import World  # noqa: E402

pytestmark = pytest.mark.server  # loopback only
STARTUP_SECONDS = 30
BATCH = 4
LOGIN = ["/familyName", "/givenName", "/birthDate", "/isOverseasNational"]


@dataclass
class Desk:
    """One mission's OpenID4VCI service, running."""

    world: World
    service: IssuanceService
    url: str
    store_path: Path

    def wallet(self) -> Wallet:
        return Wallet(transport=UrllibTransport(), clock=self.world.clock, allow_loopback_http=True)

    def claims(self) -> dict[str, Any]:
        return self.world.person("us-losangeles")


@pytest.fixture
def desk(world: World, tmp_path: Path) -> Iterator[Desk]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    url = f"http://127.0.0.1:{sock.getsockname()[1]}/oid4vci"
    issuer, _ = world.issuer("us-losangeles")
    store_path = tmp_path / "offers.db"
    store = SqliteIssuanceStore(store_path)
    nonces = SqliteChallengeStore(tmp_path / "nonces.db", clock=world.clock)
    service = id_issuance_service(
        issuer,
        credential_issuer=url,
        store=store,
        nonces=nonces,
        batch_size=BATCH,
        allow_loopback_http=True,
    )
    app = Starlette(routes=oid4vci_routes(service))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + STARTUP_SECONDS
    while not server.started and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert server.started, "the test server did not start"
    try:
        yield Desk(world, service, url, store_path)
    finally:
        server.should_exit = True
        thread.join(STARTUP_SECONDS)
        store.close()
        nonces.close()
        sock.close()


def _code(excinfo: pytest.ExceptionInfo[Oid4vciError]) -> ErrorCode:
    return excinfo.value.code


def _post(url: str, body: bytes, content_type: str, token: str | None = None) -> Any:
    """A raw request through the library's transport: the error it maps to, or the JSON."""
    headers = {"Content-Type": content_type}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    answer = UrllibTransport()(HttpRequest("POST", url, headers, body))
    if answer.status >= 300:
        raise Oid4vciError.from_response(answer.status, json.loads(answer.body))
    return json.loads(answer.body)


def _redeemed(desk: Desk, **offer: Any) -> tuple[Wallet, IssuerMetadata, AccessToken]:
    issued = desk.service.create_offer(desk.claims(), **offer)
    wallet = desk.wallet()
    found = wallet.read_offer(issued.link)
    metadata = wallet.fetch_metadata(found.credential_issuer)
    return wallet, metadata, wallet.redeem(found, metadata, tx_code=issued.tx_code)


def _request(desk: Desk, token: AccessToken, proofs: list[str], config: str) -> Any:
    body = {"credential_configuration_id": config, "proofs": {"jwt": proofs}}
    return _post(
        desk.url + "/credential", json.dumps(body).encode(), "application/json", token.value
    )


def _nonce(desk: Desk) -> str:
    return str(_post(desk.url + "/nonce", b"", "application/json")["c_nonce"])


# ---------------------------------------------------------------------------------------------
# issuance that works
# ---------------------------------------------------------------------------------------------
def test_wallet_receives_every_format_and_gov24_accepts(desk: Desk) -> None:
    issued = desk.service.create_offer(desk.claims())
    wallet = desk.wallet()
    received = wallet.receive(issued.link, tx_code=issued.tx_code)
    by_config: dict[str, list[Any]] = {}
    for held in received:
        by_config.setdefault(held.configuration_id, []).append(held)
    assert len(by_config[DC_SD_JWT_CONFIGURATION]) == BATCH
    assert len(by_config[VC_SD_JWT_CONFIGURATION]) == BATCH
    assert len(by_config[LDP_VC_CONFIGURATION]) == 1
    # one fresh key per copy; each copy bound to its own key, with its own status entry
    copies = by_config[DC_SD_JWT_CONFIGURATION]
    assert len({c.key.public_key for c in received}) == len(received)
    statuses = {json.dumps(parse_issued(c.credential).payload["status"]) for c in copies}
    assert len(statuses) == BATCH
    # the issuer kept the credential ids of the offer, and nothing personal once all issued
    assert len(desk.service._store.credential_ids(issued.offer_id)) == 2 * BATCH + 1

    world = desk.world
    for config, prefix in (
        (DC_SD_JWT_CONFIGURATION, ""),
        (VC_SD_JWT_CONFIGURATION, "/credentialSubject"),
    ):
        copy = wallet.take(config)
        nonce = world.challenges.issue(world.domain("gov24/login")).value
        vp = copy.holder(world.clock).present_sd_jwt(
            copy.credential,
            [prefix + p for p in LOGIN],
            nonce=nonce,
            audience=world.domain("gov24/login"),
        )
        result = world.verifier("gov24/login").verify_presentation(
            vp, nonce=nonce, audience=world.domain("gov24/login")
        )
        assert result.verified, result.errors
        assert result.claims["familyName"] == "홍"
    assert wallet.unused(DC_SD_JWT_CONFIGURATION) == BATCH - 1

    ldp = wallet.take(LDP_VC_CONFIGURATION)
    challenge = world.challenges.issue(world.domain("gov24/login")).value
    vp = ldp.holder(world.clock).present(
        [ldp.credential], challenge=challenge, domain=world.domain("gov24/login")
    )
    result = world.verifier("gov24/login").verify_presentation(
        vp, challenge=challenge, domain=world.domain("gov24/login")
    )
    assert result.verified, result.errors
    with pytest.raises(Exception, match="no unused copy"):
        wallet.take(LDP_VC_CONFIGURATION)


def test_metadata_names_the_mission_in_korean_and_english(desk: Desk) -> None:
    metadata = desk.wallet().fetch_metadata(desk.url)
    assert metadata.name("ko") == "주로스앤젤레스 총영사관"
    assert metadata.name("en") is not None and "Los Angeles" in metadata.name("en")
    assert metadata.batch_size == BATCH
    dc = metadata.configurations[DC_SD_JWT_CONFIGURATION]
    assert dc["format"] == "dc+sd-jwt" and dc["vct"].startswith("https://")
    names = {d["locale"]: d["name"] for d in dc["credential_metadata"]["display"]}
    assert names["ko"] == "모바일 재외국민증"
    assert metadata.configurations[LDP_VC_CONFIGURATION][
        "cryptographic_binding_methods_supported"
    ] == ["did:key"]


def test_offer_by_reference_is_served_until_redeemed(desk: Desk) -> None:
    issued = desk.service.create_offer(desk.claims(), [DC_SD_JWT_CONFIGURATION], by_reference=True)
    assert issued.offer_uri is not None
    assert parse_qs(urlsplit(issued.link).query)["credential_offer_uri"] == [issued.offer_uri]
    wallet = desk.wallet()
    assert wallet.read_offer(issued.link).pre_authorized_code == issued.offer.pre_authorized_code
    received = wallet.receive(issued.link, tx_code=issued.tx_code, copies=2)
    assert [h.format for h in received] == ["dc+sd-jwt", "dc+sd-jwt"]
    answer = UrllibTransport()(HttpRequest("GET", issued.offer_uri))
    assert answer.status == 404


def test_offer_made_on_the_command_line_is_redeemed(
    desk: Desk, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    claims = tmp_path / "claims.json"
    claims.write_text(json.dumps(desk.claims(), ensure_ascii=False), encoding="utf-8")
    svg = tmp_path / "offer.svg"
    code = cli_main(
        [
            "offer",
            "--mission",
            "us-losangeles",
            "--claims",
            str(claims),
            "--db",
            str(desk.store_path),
            "--issuer-url",
            desk.url,
            "--svg",
            str(svg),
            "--json",
            "--allow-loopback-http",
        ]
    )
    out = json.loads(capsys.readouterr().out)
    assert code == 0 and svg.read_text().startswith("<?xml")
    received = desk.wallet().receive(out["link"], tx_code=out["txCode"])
    formats = sorted(h.format for h in received)
    assert formats == ["dc+sd-jwt"] * BATCH + ["ldp_vc"] + ["vc+sd-jwt"] * BATCH


# ---------------------------------------------------------------------------------------------
# refusals at the token endpoint
# ---------------------------------------------------------------------------------------------
def test_wrong_pre_authorized_code(desk: Desk) -> None:
    issued = desk.service.create_offer(desk.claims())
    wallet = desk.wallet()
    offer = wallet.read_offer(issued.link)
    metadata = wallet.fetch_metadata(offer.credential_issuer)
    forged = type(offer)(
        offer.credential_issuer, offer.credential_configuration_ids, "x" * 43, offer.tx_code
    )
    with pytest.raises(Oid4vciError) as exc:
        wallet.redeem(forged, metadata, tx_code=issued.tx_code)
    assert _code(exc) is ErrorCode.INVALID_GRANT and exc.value.status == 400


def test_reused_pre_authorized_code_revokes_the_first_token(desk: Desk) -> None:
    issued = desk.service.create_offer(desk.claims())
    wallet = desk.wallet()
    offer = wallet.read_offer(issued.link)
    metadata = wallet.fetch_metadata(offer.credential_issuer)
    token = wallet.redeem(offer, metadata, tx_code=issued.tx_code)
    with pytest.raises(Oid4vciError) as exc:
        wallet.redeem(offer, metadata, tx_code=issued.tx_code)
    assert _code(exc) is ErrorCode.INVALID_GRANT
    with pytest.raises(Oid4vciError) as exc:
        wallet.request_credential(metadata, token, DC_SD_JWT_CONFIGURATION)
    assert _code(exc) is ErrorCode.INVALID_TOKEN and exc.value.status == 401


def test_wrong_and_missing_transaction_code(desk: Desk) -> None:
    issued = desk.service.create_offer(desk.claims())
    assert issued.tx_code is not None and len(issued.tx_code) == 6
    wallet = desk.wallet()
    offer = wallet.read_offer(issued.link)
    metadata = wallet.fetch_metadata(offer.credential_issuer)
    wrong = "000000" if issued.tx_code != "000000" else "111111"
    with pytest.raises(Oid4vciError) as exc:
        wallet.redeem(offer, metadata, tx_code=wrong)
    assert _code(exc) is ErrorCode.INVALID_GRANT
    form = f"grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Apre-authorized_code&pre-authorized_code={offer.pre_authorized_code}"
    with pytest.raises(Oid4vciError) as exc:
        _post(metadata.token_endpoint, form.encode(), "application/x-www-form-urlencoded")
    assert _code(exc) is ErrorCode.INVALID_REQUEST
    # a wrong code does not spend the offer: the right one still works
    assert wallet.redeem(offer, metadata, tx_code=issued.tx_code).value


def test_transaction_code_guessing_voids_the_offer(desk: Desk) -> None:
    issued = desk.service.create_offer(desk.claims())
    wallet = desk.wallet()
    offer = wallet.read_offer(issued.link)
    metadata = wallet.fetch_metadata(offer.credential_issuer)
    guesses = [f"{n:06d}" for n in range(6) if f"{n:06d}" != issued.tx_code][:5]
    for guess in guesses:
        with pytest.raises(Oid4vciError) as exc:
            wallet.redeem(offer, metadata, tx_code=guess)
        assert _code(exc) is ErrorCode.INVALID_GRANT
    with pytest.raises(Oid4vciError) as exc:
        wallet.redeem(offer, metadata, tx_code=issued.tx_code)
    assert _code(exc) is ErrorCode.INVALID_GRANT


def test_expired_offer(desk: Desk) -> None:
    issued = desk.service.create_offer(desk.claims())
    wallet = desk.wallet()
    offer = wallet.read_offer(issued.link)
    metadata = wallet.fetch_metadata(offer.credential_issuer)
    desk.world.clock.advance(timedelta(minutes=16))
    with pytest.raises(Oid4vciError) as exc:
        wallet.redeem(offer, metadata, tx_code=issued.tx_code)
    assert _code(exc) is ErrorCode.INVALID_GRANT


# ---------------------------------------------------------------------------------------------
# refusals at the credential endpoint
# ---------------------------------------------------------------------------------------------
def test_stale_c_nonce(desk: Desk) -> None:
    wallet, metadata, token = _redeemed(desk)
    nonce = _nonce(desk)
    desk.world.clock.advance(timedelta(minutes=6))
    with pytest.raises(Oid4vciError) as exc:
        wallet.request_credential(metadata, token, DC_SD_JWT_CONFIGURATION, nonce=nonce)
    assert _code(exc) is ErrorCode.INVALID_NONCE


def test_reused_c_nonce_and_replayed_proofs(desk: Desk) -> None:
    _wallet, _metadata, token = _redeemed(desk)
    nonce = _nonce(desk)
    key = Ed25519Signer.generate()
    proof = make_key_proof(key, audience=desk.url, nonce=nonce, clock=desk.world.clock)
    assert len(_request(desk, token, [proof], DC_SD_JWT_CONFIGURATION)["credentials"]) == 1
    with pytest.raises(Oid4vciError) as exc:  # the same proof for another configuration
        _request(desk, token, [proof], VC_SD_JWT_CONFIGURATION)
    assert _code(exc) is ErrorCode.INVALID_NONCE
    # a refused request gave its configuration back: a fresh nonce succeeds
    fresh = make_key_proof(key, audience=desk.url, nonce=_nonce(desk), clock=desk.world.clock)
    assert _request(desk, token, [fresh], VC_SD_JWT_CONFIGURATION)["credentials"]


def test_proof_for_another_issuer(desk: Desk) -> None:
    _, _, token = _redeemed(desk)
    proof = make_key_proof(
        Ed25519Signer.generate(),
        audience="https://another-issuer.example",
        nonce=_nonce(desk),
        clock=desk.world.clock,
    )
    with pytest.raises(Oid4vciError) as exc:
        _request(desk, token, [proof], DC_SD_JWT_CONFIGURATION)
    assert _code(exc) is ErrorCode.INVALID_PROOF


def test_proof_signed_by_a_key_other_than_the_one_bound(desk: Desk) -> None:
    _, _, token = _redeemed(desk)
    shown, signing = Ed25519Signer.generate(), Ed25519Signer.generate()
    payload = {
        "aud": desk.url,
        "iat": int(desk.world.clock.now().timestamp()),
        "nonce": _nonce(desk),
    }
    proof = sign_compact_jws(
        encode_json(payload),
        signing,
        header={"typ": PROOF_TYP, "jwk": shown.public.jwk},
        key_header=True,
    )
    with pytest.raises(Oid4vciError) as exc:
        _request(desk, token, [proof], DC_SD_JWT_CONFIGURATION)
    assert _code(exc) is ErrorCode.INVALID_PROOF


def test_small_order_key_is_refused(desk: Desk) -> None:
    _, _, token = _redeemed(desk)
    weak = sorted(SMALL_ORDER_POINTS)[0]
    payload = {
        "aud": desk.url,
        "iat": int(desk.world.clock.now().timestamp()),
        "nonce": _nonce(desk),
    }
    jwk = {"kty": "OKP", "crv": "Ed25519", "x": b64url_encode(weak)}
    proof = sign_compact_jws(
        encode_json(payload),
        Ed25519Signer.generate(),
        header={"typ": PROOF_TYP, "jwk": jwk},
        key_header=True,
    )
    with pytest.raises(Oid4vciError) as exc:
        _request(desk, token, [proof], DC_SD_JWT_CONFIGURATION)
    assert _code(exc) is ErrorCode.INVALID_PROOF


def test_batch_larger_than_allowed(desk: Desk) -> None:
    wallet, metadata, token = _redeemed(desk)
    with pytest.raises(Oid4vciError) as exc:
        wallet.request_credential(metadata, token, DC_SD_JWT_CONFIGURATION, copies=BATCH + 1)
    assert _code(exc) is ErrorCode.INVALID_CREDENTIAL_REQUEST
    # within the limit it is issued
    assert (
        len(wallet.request_credential(metadata, token, DC_SD_JWT_CONFIGURATION, copies=BATCH))
        == BATCH
    )


def test_configuration_issued_once_per_offer(desk: Desk) -> None:
    wallet, metadata, token = _redeemed(desk, configuration_ids=[DC_SD_JWT_CONFIGURATION])
    wallet.request_credential(metadata, token, DC_SD_JWT_CONFIGURATION, copies=1)
    with pytest.raises(Oid4vciError) as exc:
        wallet.request_credential(metadata, token, DC_SD_JWT_CONFIGURATION, copies=1)
    assert _code(exc) is ErrorCode.INVALID_TOKEN  # everything offered was issued: token gone
    _, _, other = _redeemed(desk, configuration_ids=[DC_SD_JWT_CONFIGURATION])
    with pytest.raises(Oid4vciError) as exc:
        wallet.request_credential(metadata, other, LDP_VC_CONFIGURATION)
    assert _code(exc) is ErrorCode.CREDENTIAL_REQUEST_DENIED


def test_missing_access_token_is_a_401_with_www_authenticate(desk: Desk) -> None:
    body = json.dumps({"credential_configuration_id": DC_SD_JWT_CONFIGURATION}).encode()
    answer = UrllibTransport()(
        HttpRequest("POST", desk.url + "/credential", {"Content-Type": "application/json"}, body)
    )
    assert answer.status == 401
    assert answer.headers["www-authenticate"] == 'Bearer error="invalid_token"'
    assert answer.headers["cache-control"] == "no-store"
    assert json.loads(answer.body)["error"] == "invalid_token"
