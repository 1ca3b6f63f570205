"""OpenID4VCI as a library, without HTTP: offers and links, key proofs, the offer store, and
every refusal of the token and credential endpoints with its exact code."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from kr_ovid.challenges import InMemoryChallengeStore
from kr_ovid.clock import FixedClock
from kr_ovid.errors import ConfigurationError, StatusListError
from kr_ovid.keys import Ed25519Signer
from kr_ovid.keys.jwk import b64url_encode
from kr_ovid.oid4vci import (
    PRE_AUTHORIZED_GRANT,
    CredentialConfiguration,
    CredentialOffer,
    IssuanceService,
    MadeCredentials,
    Oid4vciError,
    SqliteIssuanceStore,
    TxCode,
    check_key_proof,
    make_key_proof,
    offer_link,
    parse_offer_link,
)
from kr_ovid.oid4vci.proofs import PROOF_TYP, check_key_proofs
from kr_ovid.oid4vci.service import parse_form
from kr_ovid.oid4vci.store import NewOffer, Redemption
from kr_ovid.problems import ErrorCode
from kr_ovid.sdjwt.jws import encode_json, sign_compact_jws

ISSUER = "https://mission.example/oid4vci"
NOW = datetime(2026, 3, 1, 1, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.instant = NOW

    def now(self) -> datetime:
        return self.instant


def _maker(fail: Exception | None = None) -> Any:
    made: list[Sequence[bytes]] = []

    def make(claims: Mapping[str, Any], keys: Sequence[bytes]) -> MadeCredentials:
        if fail is not None:
            raise fail
        made.append(keys)
        return MadeCredentials(
            tuple(f"credential-{k.hex()[:8]}" for k in keys),
            tuple(f"urn:uuid:{i}" for i in range(len(keys))),
        )

    make.made = made  # type: ignore[attr-defined]
    return make


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def service(clock: Clock) -> Iterator[IssuanceService]:
    store = SqliteIssuanceStore()
    yield IssuanceService(
        ISSUER,
        [
            CredentialConfiguration("a", "dc+sd-jwt", _maker(), signing_algorithms=("Ed25519",)),
            CredentialConfiguration(
                "b", "ldp_vc", _maker(), signing_algorithms=("eddsa-rdfc-2022",)
            ),
        ],
        store=store,
        nonces=InMemoryChallengeStore(clock=clock),
        clock=clock,
        batch_size=3,
    )
    store.close()


def _token(service: IssuanceService, **offer: Any) -> str:
    issued = service.create_offer({"name": "x"}, **offer)
    form = [
        ("grant_type", PRE_AUTHORIZED_GRANT),
        ("pre-authorized_code", issued.offer.pre_authorized_code),
    ]
    if issued.tx_code is not None:
        form.append(("tx_code", issued.tx_code))
    return str(service.token(form)["access_token"])


def _proofs(service: IssuanceService, clock: Clock, n: int = 1, **kw: Any) -> list[str]:
    nonce = service.nonce()["c_nonce"]
    return [
        make_key_proof(
            Ed25519Signer.generate(), audience=kw.get("aud", ISSUER), nonce=nonce, clock=clock
        )
        for _ in range(n)
    ]


def _refused(code: ErrorCode, call: Any, *args: Any, **kw: Any) -> Oid4vciError:
    with pytest.raises(Oid4vciError) as exc:
        call(*args, **kw)
    assert exc.value.code is code, exc.value
    return exc.value


# -- offers and links -----------------------------------------------------------------------
def test_offer_link_round_trips_by_value_and_by_reference() -> None:
    offer = CredentialOffer(ISSUER, ("a", "b"), "code-123", TxCode("numeric", 6, "at the desk"))
    assert parse_offer_link(offer_link(offer)) == offer
    assert "code-123" not in repr(offer)
    uri = ISSUER + "/credential-offer/xyz"
    assert parse_offer_link(offer_link(offer_uri=uri)) == uri


@pytest.mark.parametrize(
    "link",
    [
        "openid-credential-offer://?",
        "openid-credential-offer://?credential_offer=%7B%7D&credential_offer_uri=https%3A%2F%2Fa",
        "openid-credential-offer://?credential_offer_uri=http%3A%2F%2Fissuer.example%2Fo",
        "openid-credential-offer://?credential_offer=not-json",
        "openid-credential-offer://?credential_offer="
        + quote(json.dumps({"credential_issuer": ISSUER})),
        "openid-credential-offer://?credential_offer="
        + quote(
            json.dumps(
                {
                    "credential_issuer": "http://issuer.example",
                    "credential_configuration_ids": ["a"],
                    "grants": {},
                }
            )
        ),
        "openid-credential-offer://?credential_offer="
        + quote(
            json.dumps(
                {
                    "credential_issuer": ISSUER,
                    "credential_configuration_ids": ["a", "a"],
                    "grants": {},
                }
            )
        ),
        "openid-credential-offer://?credential_offer="
        + quote(
            json.dumps(
                {
                    "credential_issuer": ISSUER,
                    "credential_configuration_ids": ["a"],
                    "grants": {
                        PRE_AUTHORIZED_GRANT: {
                            "pre-authorized_code": "c",
                            "tx_code": {"input_mode": "voice"},
                        }
                    },
                }
            )
        ),
        "openid-credential-offer://?credential_offer="
        + quote(
            json.dumps(
                {
                    "credential_issuer": ISSUER + "?q=1",
                    "credential_configuration_ids": ["a"],
                    "grants": {},
                }
            )
        ),
        12,
    ],
)
def test_hostile_offer_links_are_refused(link: Any) -> None:
    _refused(ErrorCode.MALFORMED_VALUE_ERROR, parse_offer_link, link)


def test_http_issuer_only_on_loopback_when_allowed() -> None:
    offer = CredentialOffer("http://127.0.0.1:8080", ("a",), "c")
    link = offer_link(offer)
    _refused(ErrorCode.MALFORMED_VALUE_ERROR, parse_offer_link, link)
    assert parse_offer_link(link, allow_loopback_http=True) == offer
    other = offer_link(CredentialOffer("http://10.0.0.1", ("a",), "c"))
    _refused(ErrorCode.MALFORMED_VALUE_ERROR, parse_offer_link, other, allow_loopback_http=True)


def test_metadata(service: IssuanceService) -> None:
    meta = service.metadata()
    assert meta["credential_issuer"] == ISSUER
    assert meta["credential_endpoint"] == ISSUER + "/credential"
    assert meta["nonce_endpoint"] == ISSUER + "/nonce"
    assert meta["batch_credential_issuance"] == {"batch_size": 3}
    conf = meta["credential_configurations_supported"]["a"]
    assert conf["proof_types_supported"]["jwt"]["proof_signing_alg_values_supported"] == [
        "Ed25519",
        "EdDSA",
    ]
    as_meta = service.authorization_server_metadata()
    assert as_meta["grant_types_supported"] == [PRE_AUTHORIZED_GRANT]
    assert as_meta["pre-authorized_grant_anonymous_access_supported"] is True


def test_desk_refuses_claims_and_configurations(clock: Clock) -> None:
    def refuse(claims: Mapping[str, Any]) -> None:
        raise ConfigurationError("not eligible")

    service = IssuanceService(
        ISSUER,
        [CredentialConfiguration("a", "dc+sd-jwt", _maker(), signing_algorithms=("Ed25519",))],
        store=SqliteIssuanceStore(),
        nonces=InMemoryChallengeStore(clock=clock),
        clock=clock,
        check_claims=refuse,
    )
    with pytest.raises(ConfigurationError, match="not eligible"):
        service.create_offer({})
    with pytest.raises(ConfigurationError, match="unknown credential configurations"):
        service.create_offer({}, ["nope"])


# -- token endpoint ---------------------------------------------------------------------------
def test_token_request_errors(service: IssuanceService) -> None:
    issued = service.create_offer({"name": "x"})
    code = issued.offer.pre_authorized_code
    base = [("grant_type", PRE_AUTHORIZED_GRANT), ("pre-authorized_code", code)]
    _refused(ErrorCode.INVALID_REQUEST, service.token, [])
    _refused(
        ErrorCode.UNSUPPORTED_GRANT_TYPE, service.token, [("grant_type", "authorization_code")]
    )
    _refused(ErrorCode.INVALID_REQUEST, service.token, [("grant_type", PRE_AUTHORIZED_GRANT)])
    _refused(
        ErrorCode.INVALID_REQUEST, service.token, [*base, ("grant_type", PRE_AUTHORIZED_GRANT)]
    )
    _refused(ErrorCode.INVALID_REQUEST, service.token, [*base, ("authorization_details", "[]")])
    _refused(ErrorCode.INVALID_REQUEST, service.token, base)  # tx_code missing
    _refused(ErrorCode.INVALID_GRANT, service.token, [*base, ("tx_code", "")])
    _refused(
        ErrorCode.INVALID_GRANT,
        service.token,
        [("grant_type", PRE_AUTHORIZED_GRANT), ("pre-authorized_code", "nope"), ("tx_code", "1")],
    )
    assert service.token([*base, ("tx_code", str(issued.tx_code))])["token_type"] == "Bearer"


def test_tx_code_not_expected(service: IssuanceService) -> None:
    issued = service.create_offer({"name": "x"}, tx_code=False)
    assert issued.tx_code is None and issued.offer.tx_code is None
    form = [
        ("grant_type", PRE_AUTHORIZED_GRANT),
        ("pre-authorized_code", issued.offer.pre_authorized_code),
    ]
    _refused(ErrorCode.INVALID_REQUEST, service.token, [*form, ("tx_code", "123456")])
    assert service.token(form)["access_token"]


def test_parse_form() -> None:
    assert parse_form(b"a=1&b=x%20y") == [("a", "1"), ("b", "x y")]
    assert parse_form(b"") == []
    _refused(ErrorCode.INVALID_REQUEST, parse_form, "a=1&" * 40)
    _refused(ErrorCode.INVALID_REQUEST, parse_form, b"\xff=1")
    _refused(ErrorCode.INVALID_REQUEST, parse_form, "a")


# -- credential endpoint ----------------------------------------------------------------------
def test_credential_request_errors(service: IssuanceService, clock: Clock) -> None:
    token = _token(service)
    bearer = f"Bearer {token}"
    proofs = {"jwt": _proofs(service, clock)}
    _refused(ErrorCode.INVALID_TOKEN, service.credential, None, {})
    _refused(ErrorCode.INVALID_TOKEN, service.credential, f"Basic {token}", {})
    _refused(ErrorCode.INVALID_CREDENTIAL_REQUEST, service.credential, bearer, [])
    _refused(ErrorCode.INVALID_CREDENTIAL_REQUEST, service.credential, bearer, {"proofs": proofs})
    _refused(
        ErrorCode.INVALID_CREDENTIAL_REQUEST,
        service.credential,
        bearer,
        {"credential_identifier": "x", "proofs": proofs},
    )
    _refused(
        ErrorCode.INVALID_ENCRYPTION_PARAMETERS,
        service.credential,
        bearer,
        {"credential_configuration_id": "a", "credential_response_encryption": {}},
    )
    _refused(
        ErrorCode.UNKNOWN_CREDENTIAL_CONFIGURATION,
        service.credential,
        bearer,
        {"credential_configuration_id": "z", "proofs": proofs},
    )
    _refused(
        ErrorCode.INVALID_TOKEN,
        service.credential,
        "Bearer nope",
        {"credential_configuration_id": "a", "proofs": proofs},
    )
    _refused(
        ErrorCode.INVALID_PROOF, service.credential, bearer, {"credential_configuration_id": "a"}
    )
    # none of the refusals spent the configuration
    answer = service.credential(bearer, {"credential_configuration_id": "a", "proofs": proofs})
    assert len(answer["credentials"]) == 1


def test_token_expires(service: IssuanceService, clock: Clock) -> None:
    token = _token(service)
    clock.instant += timedelta(minutes=11)
    proofs = {"jwt": _proofs(service, clock)}
    _refused(
        ErrorCode.INVALID_TOKEN,
        service.credential,
        f"Bearer {token}",
        {"credential_configuration_id": "a", "proofs": proofs},
    )


def test_not_offered_configuration_is_denied(service: IssuanceService, clock: Clock) -> None:
    token = _token(service, configuration_ids=["a"])
    proofs = {"jwt": _proofs(service, clock)}
    _refused(
        ErrorCode.CREDENTIAL_REQUEST_DENIED,
        service.credential,
        f"Bearer {token}",
        {"credential_configuration_id": "b", "proofs": proofs},
    )


@pytest.mark.parametrize(
    ("failure", "code", "status"),
    [
        (ConfigurationError("passport expired"), ErrorCode.CREDENTIAL_REQUEST_DENIED, 400),
        (StatusListError("store down"), ErrorCode.INTERNAL_ERROR, 500),
    ],
)
def test_maker_failure_gives_the_configuration_back(
    clock: Clock, failure: Exception, code: ErrorCode, status: int
) -> None:
    good = _maker()
    maker: list[Any] = [_maker(failure)]

    def switch(claims: Mapping[str, Any], keys: Sequence[bytes]) -> MadeCredentials:
        return maker[0](claims, keys)  # type: ignore[no-any-return]

    service = IssuanceService(
        ISSUER,
        [CredentialConfiguration("a", "dc+sd-jwt", switch, signing_algorithms=("Ed25519",))],
        store=SqliteIssuanceStore(),
        nonces=InMemoryChallengeStore(clock=clock),
        clock=clock,
    )
    token = _token(service)
    error = _refused(
        code,
        service.credential,
        f"Bearer {token}",
        {"credential_configuration_id": "a", "proofs": {"jwt": _proofs(service, clock)}},
    )
    assert error.status == status
    assert error.to_json()["error"] == (
        "server_error" if status == 500 else "credential_request_denied"
    )
    maker[0] = good
    answer = service.credential(
        f"Bearer {token}",
        {"credential_configuration_id": "a", "proofs": {"jwt": _proofs(service, clock)}},
    )
    assert answer["credentials"]


# -- key proofs -------------------------------------------------------------------------------
def _forged(
    header: dict[str, Any], payload: dict[str, Any], signer: Ed25519Signer | None = None
) -> str:
    key = signer or Ed25519Signer.generate()
    return sign_compact_jws(encode_json(payload), key, header=header, key_header=True)


def test_key_proof_checks() -> None:
    key = Ed25519Signer.generate()
    payload = {"aud": ISSUER, "iat": int(NOW.timestamp()), "nonce": "n"}
    good = make_key_proof(key, audience=ISSUER, nonce="n", clock=FixedClock(NOW))
    assert check_key_proof(good, audience=ISSUER, now=NOW).public_key == key.public_key
    by_kid = make_key_proof(key, audience=ISSUER, nonce="n", clock=FixedClock(NOW), key="kid")
    proved = check_key_proof(by_kid, audience=ISSUER, now=NOW)
    assert proved.public_key == key.public_key and proved.did_key == key.controller
    jwk = key.public.jwk
    bad = [
        _forged({"typ": "JWT", "jwk": jwk}, payload, key),
        _forged({"typ": PROOF_TYP}, payload, key),
        _forged({"typ": PROOF_TYP, "jwk": jwk, "kid": key.verification_method}, payload, key),
        _forged({"typ": PROOF_TYP, "jwk": {**jwk, "d": b64url_encode(b"\x00" * 32)}}, payload, key),
        _forged({"typ": PROOF_TYP, "kid": "did:web:x#k"}, payload, key),
        _forged({"typ": PROOF_TYP, "kid": key.controller + "#other"}, payload, key),
        _forged({"typ": PROOF_TYP, "jwk": jwk, "key_attestation": "x"}, payload, key),
        _forged({"typ": PROOF_TYP, "jwk": jwk}, {**payload, "iss": "client"}, key),
        _forged(
            {"typ": PROOF_TYP, "jwk": jwk}, {k: v for k, v in payload.items() if k != "nonce"}, key
        ),
        _forged({"typ": PROOF_TYP, "jwk": jwk}, {**payload, "iat": "now"}, key),
        _forged({"typ": PROOF_TYP, "jwk": jwk}, {**payload, "iat": payload["iat"] - 301}, key),
        _forged({"typ": PROOF_TYP, "jwk": jwk}, {**payload, "iat": payload["iat"] + 61}, key),
        _forged({"typ": PROOF_TYP, "jwk": jwk}, {**payload, "aud": [ISSUER]}, key),
        good[:-4] + "AAAA",
        "not.a.jws",
        None,
        "x" * 5000,
    ]
    for token in bad:
        _refused(ErrorCode.INVALID_PROOF, check_key_proof, token, audience=ISSUER, now=NOW)


def test_key_proofs_shape_and_batch() -> None:
    keys = [Ed25519Signer.generate() for _ in range(3)]
    proofs = [make_key_proof(k, audience=ISSUER, nonce="n", clock=FixedClock(NOW)) for k in keys]
    assert len(check_key_proofs({"jwt": proofs}, audience=ISSUER, now=NOW, max_count=3)) == 3
    _refused(
        ErrorCode.INVALID_CREDENTIAL_REQUEST,
        check_key_proofs,
        {"jwt": proofs},
        audience=ISSUER,
        now=NOW,
        max_count=2,
    )
    same = [proofs[0], make_key_proof(keys[0], audience=ISSUER, nonce="m", clock=FixedClock(NOW))]
    _refused(
        ErrorCode.INVALID_PROOF,
        check_key_proofs,
        {"jwt": same},
        audience=ISSUER,
        now=NOW,
        max_count=3,
    )
    for shape in (
        None,
        {},
        {"jwt": []},
        {"jwt": proofs[0]},
        {"di_vp": [{}]},
        {"jwt": proofs, "attestation": ["x"]},
    ):
        _refused(
            ErrorCode.INVALID_PROOF, check_key_proofs, shape, audience=ISSUER, now=NOW, max_count=3
        )


def test_nonces_are_single_use_per_request(service: IssuanceService, clock: Clock) -> None:
    token = _token(service)
    nonce = service.nonce()["c_nonce"]
    keys = [Ed25519Signer.generate() for _ in range(2)]
    proofs = [make_key_proof(k, audience=ISSUER, nonce=nonce, clock=clock) for k in keys]
    answer = service.credential(
        f"Bearer {token}", {"credential_configuration_id": "a", "proofs": {"jwt": proofs}}
    )
    assert len(answer["credentials"]) == 2  # one nonce serves the batch of one request
    _refused(
        ErrorCode.INVALID_NONCE,
        service.credential,
        f"Bearer {token}",
        {"credential_configuration_id": "b", "proofs": {"jwt": proofs[:1]}},
    )


# -- the store ----------------------------------------------------------------------------------
def test_store_keeps_no_claims_after_issuance_and_purges(tmp_path: Path) -> None:
    path = tmp_path / "offers.db"
    store = SqliteIssuanceStore(path)
    assert path.stat().st_mode & 0o777 == 0o600
    offer = NewOffer("o1", "h1", None, ("a",), {"familyName": "홍"}, NOW + timedelta(minutes=5))
    store.add_offer(offer, now=NOW)
    assert "홍" not in repr(offer)
    args: dict[str, Any] = {
        "token_expires": NOW + timedelta(minutes=10),
        "now": NOW,
        "max_tx_attempts": 5,
    }
    assert store.redeem("h1", None, token_hash="t1", **args) is Redemption.REDEEMED
    assert store.claim("t1", "a", now=NOW).claims == {"familyName": "홍"}
    assert store.claim("t1", "a", now=NOW).refusal == "already-issued"
    store.complete("t1", "a", ["urn:uuid:1"])
    assert store.credential_ids("o1") == ["urn:uuid:1"]
    store.close()  # the last connection checkpoints the WAL into the file
    assert "홍".encode() not in path.read_bytes()  # secure_delete: wiped, not just unlinked
    again = SqliteIssuanceStore(path)
    assert again.claim("t1", "a", now=NOW).refusal == "token"
    # an unredeemed offer is gone after its expiry; a redeemed one loses its claims at token expiry
    again.add_offer(
        NewOffer("o2", "h2", None, ("a",), {"x": 1}, NOW + timedelta(minutes=1)), now=NOW
    )
    again.add_offer(
        NewOffer("o3", "h3", None, ("a",), {"x": 1}, NOW + timedelta(minutes=1)), now=NOW
    )
    assert again.redeem("h3", None, token_hash="t3", **args) is Redemption.REDEEMED
    later = NOW + timedelta(minutes=30)
    again.purge(now=later)
    assert again.redeem("h2", None, token_hash="t2", **{**args, "now": later}) is Redemption.UNKNOWN
    assert again.claim("t3", "a", now=NOW).refusal == "token"
    assert again.credential_ids("o1") == ["urn:uuid:1"]
    again.close()


def test_error_response_is_ascii_and_names_no_value() -> None:
    error = Oid4vciError(ErrorCode.INVALID_GRANT, 'bad "code" — 홍\\')
    body = error.to_json()
    assert body["error"] == "invalid_grant"
    assert all(0x20 <= ord(c) <= 0x7E and c not in '"\\' for c in body["error_description"])
    back = Oid4vciError.from_response(400, body)
    assert back.code is ErrorCode.INVALID_GRANT
    assert Oid4vciError.from_response(502, "gateway").code is ErrorCode.INTERNAL_ERROR
    assert Oid4vciError.from_response(400, {"error": "made_up"}).code is ErrorCode.INTERNAL_ERROR


def test_fixed_clock_is_accepted_for_proofs() -> None:
    key = Ed25519Signer.generate()
    token = make_key_proof(key, audience=ISSUER, nonce="n", clock=FixedClock(NOW))
    assert check_key_proof(token, audience=ISSUER, now=NOW).nonce == "n"
