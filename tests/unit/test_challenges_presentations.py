"""One-time challenges (kr_ovid.challenges), Data Integrity presentations (kr_ovid.presentation)
and the holder role (kr_ovid.holder)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from kr_ovid.challenges import (
    Challenge,
    ChallengeStore,
    InMemoryChallengeStore,
    SqliteChallengeStore,
)
from kr_ovid.clock import FixedClock, format_datetime
from kr_ovid.credential import VC_V2_CONTEXT
from kr_ovid.did import CompositeResolver, LocalDidResolver
from kr_ovid.errors import ConfigurationError
from kr_ovid.holder import Holder
from kr_ovid.integrity import add_proof, verify_proof
from kr_ovid.keys import Ed25519Signer
from kr_ovid.keys.jwk import b64url_decode
from kr_ovid.presentation import (
    SD_JWT_DATA_PREFIX,
    create_presentation,
    enveloped_credential,
    sign_presentation,
    unwrap_enveloped,
)
from kr_ovid.problems import ErrorCode
from kr_ovid.sdjwt import issue_sd_jwt, verify_sd_jwt
from kr_ovid.sdjwt.disclosure import split_sd_jwt

NOW = datetime(2026, 3, 1, 1, 0, tzinfo=UTC)
CLOCK = FixedClock(NOW)
AUD = "gov24.example"
ISSUER_DID = "did:web:ovid.example:missions:us-losangeles"
ISSUER = Ed25519Signer.from_seed(b"\x07" * 32, verification_method=ISSUER_DID + "#key-1")
WALLET = Ed25519Signer.from_seed(b"\x03" * 32)
OTHER_WALLET = Ed25519Signer.from_seed(b"\x04" * 32)
RESOLVER = CompositeResolver(
    {
        "web": LocalDidResolver(
            [
                {
                    "@context": [
                        "https://www.w3.org/ns/did/v1",
                        "https://w3id.org/security/multikey/v1",
                    ],
                    "id": ISSUER_DID,
                    "verificationMethod": [ISSUER.public_multikey_document()],
                    "assertionMethod": [ISSUER.verification_method],
                }
            ]
        )
    }
)


class SteppingClock:
    def __init__(self, start: datetime) -> None:
        self.fixed = FixedClock(start)

    def now(self) -> datetime:
        return self.fixed.now()

    def advance(self, delta: timedelta) -> None:
        self.fixed = self.fixed.advanced(delta)


# --------------------------------------------------------------------------- challenges

StoreFactory = Callable[..., Any]


@pytest.fixture(params=["memory", "sqlite-memory", "sqlite-file"])
def make_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[StoreFactory]:
    made: list[Any] = []

    def factory(**kw: Any) -> Any:
        if request.param == "memory":
            store: Any = InMemoryChallengeStore(**kw)
        elif request.param == "sqlite-memory":
            store = SqliteChallengeStore(":memory:", **kw)
        else:
            store = SqliteChallengeStore(tmp_path / "challenges.db", **kw)
        made.append(store)
        return store

    yield factory
    for store in made:
        if hasattr(store, "close"):
            store.close()


def test_stores_satisfy_the_protocol(make_store: StoreFactory) -> None:
    assert isinstance(make_store(), ChallengeStore)


def test_issue_then_consume_once(make_store: StoreFactory) -> None:
    store = make_store(clock=CLOCK)
    challenge = store.issue(AUD)
    assert isinstance(challenge, Challenge)
    assert challenge.audience == AUD
    assert challenge.expires == NOW + timedelta(minutes=5)
    assert len(b64url_decode(challenge.value)) >= 16  # at least 128 bits
    assert store.consume(challenge.value, AUD) is True
    assert store.consume(challenge.value, AUD) is False


def test_challenges_are_unique(make_store: StoreFactory) -> None:
    store = make_store(clock=CLOCK)
    values = {store.issue(AUD).value for _ in range(200)}
    assert len(values) == 200


def test_wrong_audience_is_refused_and_never_accepted_twice(make_store: StoreFactory) -> None:
    store = make_store(clock=CLOCK)
    challenge = store.issue(AUD)
    assert store.consume(challenge.value, "shop.example") is False
    assert store.consume(challenge.value, AUD) in (True, False)
    assert store.consume(challenge.value, AUD) is False


@pytest.mark.parametrize("value", [None, 5, "", "x" * 100_000, "not-issued", b"bytes"])
def test_unknown_or_malformed_values_are_false(make_store: StoreFactory, value: Any) -> None:
    store = make_store(clock=CLOCK)
    store.issue(AUD)
    assert store.consume(value, AUD) is False


def test_expiry(make_store: StoreFactory) -> None:
    clock = SteppingClock(NOW)
    store = make_store(clock=clock)
    first, second = store.issue(AUD), store.issue(AUD, ttl=timedelta(minutes=1))
    clock.advance(timedelta(minutes=1))
    assert store.consume(second.value, AUD) is True  # the last instant is still valid
    clock.advance(timedelta(minutes=4, seconds=1))
    assert store.consume(first.value, AUD) is False  # 5 min 1 s after issue


def test_default_ttl_is_configurable(make_store: StoreFactory) -> None:
    store = make_store(clock=CLOCK, default_ttl=timedelta(seconds=30))
    assert store.issue(AUD).expires == NOW + timedelta(seconds=30)
    assert store.issue(AUD, ttl=timedelta(hours=1)).expires == NOW + timedelta(hours=1)


@pytest.mark.parametrize("audience", ["", None, 5, "a" * 513])
def test_audience_is_checked_on_issue(make_store: StoreFactory, audience: Any) -> None:
    with pytest.raises(ConfigurationError):
        make_store(clock=CLOCK).issue(audience)


def test_negative_ttl_refused(make_store: StoreFactory) -> None:
    with pytest.raises(ConfigurationError):
        make_store(clock=CLOCK).issue(AUD, ttl=timedelta(seconds=-1))


def test_zero_ttl_refused(make_store: StoreFactory) -> None:
    with pytest.raises(ConfigurationError):
        make_store(clock=CLOCK).issue(AUD, ttl=timedelta(0))


def test_in_memory_limit_purges_expired_then_refuses() -> None:
    clock = SteppingClock(NOW)
    store = InMemoryChallengeStore(clock=clock, max_outstanding=3)
    for _ in range(3):
        store.issue(AUD, ttl=timedelta(seconds=10))
    with pytest.raises(ConfigurationError):
        store.issue(AUD)
    clock.advance(timedelta(seconds=11))
    live = store.issue(AUD)  # the three expired ones were purged
    assert store.consume(live.value, AUD) is True


def _race(consume: list[Callable[[], bool]]) -> list[bool]:
    barrier = threading.Barrier(len(consume))
    results: list[bool] = []
    lock = threading.Lock()

    def run(fn: Callable[[], bool]) -> None:
        barrier.wait()
        outcome = fn()
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=run, args=(fn,)) for fn in consume]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def test_eight_threads_one_winner(make_store: StoreFactory) -> None:
    store = make_store(clock=CLOCK)
    for _ in range(5):
        value = store.issue(AUD).value
        results = _race([lambda value=value: store.consume(value, AUD)] * 8)
        assert sorted(results) == [False] * 7 + [True]


def test_sqlite_file_shared_by_two_stores(tmp_path: Path) -> None:
    path = tmp_path / "shared.db"
    a = SqliteChallengeStore(path, clock=CLOCK)
    b = SqliteChallengeStore(path, clock=CLOCK)
    try:
        challenge = a.issue(AUD)
        assert b.consume(challenge.value, AUD) is True
        assert a.consume(challenge.value, AUD) is False
        other = b.issue(AUD)
        assert a.consume(other.value, AUD) is True
    finally:
        a.close()
        b.close()


def test_sqlite_eight_connections_one_winner(tmp_path: Path) -> None:
    path = tmp_path / "race.db"
    stores = [SqliteChallengeStore(path, clock=CLOCK) for _ in range(8)]
    try:
        challenge = stores[0].issue(AUD)
        results = _race([lambda s=s: s.consume(challenge.value, AUD) for s in stores])
        assert sorted(results) == [False] * 7 + [True]
    finally:
        for s in stores:
            s.close()


def test_sqlite_expiry_seen_by_another_process_clock(tmp_path: Path) -> None:
    path = tmp_path / "expiry.db"
    issuing = SqliteChallengeStore(path, clock=CLOCK)
    at_expiry = SqliteChallengeStore(path, clock=CLOCK.advanced(timedelta(minutes=5)))
    late = SqliteChallengeStore(path, clock=CLOCK.advanced(timedelta(minutes=5, seconds=1)))
    try:
        on_time, too_late = issuing.issue(AUD), issuing.issue(AUD)
        assert at_expiry.consume(on_time.value, AUD) is True
        assert late.consume(too_late.value, AUD) is False
    finally:
        for s in (issuing, at_expiry, late):
            s.close()


def test_sqlite_survives_reopen(tmp_path: Path) -> None:
    path = tmp_path / "reopen.db"
    first = SqliteChallengeStore(path, clock=CLOCK)
    challenge = first.issue(AUD)
    first.close()
    second = SqliteChallengeStore(path, clock=CLOCK)
    try:
        assert second.consume(challenge.value, AUD) is True
    finally:
        second.close()


# --------------------------------------------------------------------------- presentations


def _credential(subject_id: str | None = None) -> dict[str, Any]:
    subject: dict[str, Any] = {"id": subject_id or WALLET.controller}
    credential = {
        "@context": [VC_V2_CONTEXT],
        "id": "urn:uuid:2f1c4a9e-7b3d-4e8a-9c61-0d5e8f7a6b21",
        "type": ["VerifiableCredential"],
        "issuer": ISSUER_DID,
        "validFrom": format_datetime(NOW),
        "credentialSubject": subject,
    }
    return add_proof(credential, ISSUER, created=NOW)


def _sd_jwt(holder: Ed25519Signer = WALLET) -> str:
    payload = {
        "@context": [VC_V2_CONTEXT],
        "type": ["VerifiableCredential"],
        "issuer": ISSUER_DID,
        "credentialSubject": {"name": "홍길동", "ageOver19": True},
    }
    return issue_sd_jwt(
        payload,
        ISSUER,
        disclosable=["/credentialSubject/name", "/credentialSubject/ageOver19"],
        holder_jwk=holder.public.jwk,
        iat=NOW,
    )


def test_create_presentation_shape() -> None:
    credential = _credential()
    vp = create_presentation([credential], holder=WALLET.controller)
    assert vp["@context"] == [VC_V2_CONTEXT]
    assert vp["type"] == ["VerifiablePresentation"]
    assert vp["holder"] == WALLET.controller
    assert vp["id"].startswith("urn:uuid:")
    assert vp["verifiableCredential"] == credential  # one credential: not wrapped in a list
    two = create_presentation([credential, credential], holder=WALLET.controller)
    assert two["verifiableCredential"] == [credential, credential]
    assert (
        create_presentation([credential], holder="did:x:y", presentation_id="urn:x")["id"]
        == "urn:x"
    )


def test_create_presentation_merges_contexts_once() -> None:
    credential = _credential()
    credential["@context"] = [VC_V2_CONTEXT, "https://w3id.org/kr-ovid/v1"]
    vp = create_presentation(
        [credential, credential],
        holder=WALLET.controller,
        extra_contexts=["https://w3id.org/kr-ovid/v1", "https://example.test/ctx/v1"],
    )
    assert vp["@context"] == [
        VC_V2_CONTEXT,
        "https://w3id.org/kr-ovid/v1",
        "https://example.test/ctx/v1",
    ]


def test_create_presentation_needs_a_credential() -> None:
    with pytest.raises(ConfigurationError):
        create_presentation([], holder=WALLET.controller)


def test_enveloped_round_trip() -> None:
    token = _sd_jwt()
    envelope = enveloped_credential(token)
    assert envelope == {
        "@context": VC_V2_CONTEXT,
        "id": SD_JWT_DATA_PREFIX + token,
        "type": "EnvelopedVerifiableCredential",
    }
    assert SD_JWT_DATA_PREFIX == "data:application/vc+sd-jwt,"
    assert unwrap_enveloped(envelope) == token
    vp = create_presentation([token], holder=WALLET.controller)
    assert unwrap_enveloped(vp["verifiableCredential"]) == token


@pytest.mark.parametrize(
    "value",
    [
        None,
        "data:application/vc+sd-jwt,a~b",
        {"type": "VerifiableCredential", "id": SD_JWT_DATA_PREFIX + "a~"},
        {"type": "EnvelopedVerifiableCredential", "id": "data:application/vc,a~"},
        {"type": "EnvelopedVerifiableCredential", "id": 5},
        {"type": ["EnvelopedVerifiableCredential"], "id": SD_JWT_DATA_PREFIX + "a~"},
    ],
)
def test_unwrap_only_sd_jwt_envelopes(value: Any) -> None:
    assert unwrap_enveloped(value) is None


@pytest.mark.parametrize("bad", ["", "no-tilde", None, 5])
def test_enveloped_needs_an_sd_jwt(bad: Any) -> None:
    with pytest.raises(ConfigurationError):
        enveloped_credential(bad)


def test_signed_presentation_verifies_with_its_challenge_and_domain() -> None:
    vp = create_presentation([_credential()], holder=WALLET.controller)
    signed = sign_presentation(vp, WALLET, challenge="c-1", domain=AUD, created=NOW)
    proof = signed["proof"]
    assert proof["proofPurpose"] == "authentication"
    assert proof["challenge"] == "c-1" and proof["domain"] == AUD
    assert proof["verificationMethod"] == WALLET.verification_method
    assert "proof" not in vp  # the input is not modified
    ok = verify_proof(
        signed,
        proof_purpose="authentication",
        challenge="c-1",
        domain=AUD,
        clock=FixedClock(NOW),
        resolver=RESOLVER,
        expected_controller=WALLET.controller,
    )
    assert ok.verified, ok.errors
    for kw, code in (
        ({"challenge": "c-2", "domain": AUD}, ErrorCode.INVALID_CHALLENGE_ERROR),
        ({"challenge": "c-1", "domain": "evil.example"}, ErrorCode.INVALID_DOMAIN_ERROR),
    ):
        bad = verify_proof(
            signed, proof_purpose="authentication", clock=FixedClock(NOW), resolver=RESOLVER, **kw
        )
        assert not bad.verified and bad.has_error(code)


def test_signing_key_must_be_controlled_by_the_holder() -> None:
    vp = create_presentation([_credential()], holder=WALLET.controller)
    with pytest.raises(ConfigurationError, match="holder"):
        sign_presentation(vp, OTHER_WALLET, challenge="c", domain=AUD)
    with pytest.raises(ConfigurationError, match="holder"):
        sign_presentation(
            {**vp, "holder": {"id": OTHER_WALLET.controller}}, WALLET, challenge="c", domain=AUD
        )
    with pytest.raises(ConfigurationError, match="holder"):
        sign_presentation(
            {k: v for k, v in vp.items() if k != "holder"}, WALLET, challenge="c", domain=AUD
        )


def test_holder_object_with_matching_id_can_sign() -> None:
    vp = create_presentation([_credential()], holder=WALLET.controller)
    vp["holder"] = {"id": WALLET.controller}
    signed = sign_presentation(vp, WALLET, challenge="c", domain=AUD, created=NOW)
    assert verify_proof(
        signed, proof_purpose="authentication", challenge="c", domain=AUD, clock=FixedClock(NOW)
    ).verified


@pytest.mark.parametrize(("challenge", "domain"), [("", AUD), ("c", ""), (None, AUD), ("c", None)])
def test_challenge_and_domain_required(challenge: Any, domain: Any) -> None:
    vp = create_presentation([_credential()], holder=WALLET.controller)
    with pytest.raises(ConfigurationError, match="challenge and domain"):
        sign_presentation(vp, WALLET, challenge=challenge, domain=domain)


def test_jcs_presentation() -> None:
    vp = create_presentation([_credential()], holder=WALLET.controller)
    signed = sign_presentation(
        vp, WALLET, challenge="c", domain=AUD, cryptosuite="eddsa-jcs-2022", created=NOW
    )
    assert signed["proof"]["cryptosuite"] == "eddsa-jcs-2022"
    assert verify_proof(
        signed, proof_purpose="authentication", challenge="c", domain=AUD, clock=FixedClock(NOW)
    ).verified


# --------------------------------------------------------------------------- holder


def test_holder_did_is_its_did_key() -> None:
    holder = Holder(WALLET, clock=CLOCK)
    assert holder.did == WALLET.controller
    assert holder.did.startswith("did:key:z6Mk")


def test_holder_presents_di_and_enveloped_sd_jwt() -> None:
    holder = Holder(WALLET, clock=CLOCK)
    token = _sd_jwt()
    vp = holder.present([_credential(), token], challenge="c-9", domain=AUD)
    assert vp["holder"] == holder.did
    assert vp["proof"]["created"] == format_datetime(NOW)
    items = vp["verifiableCredential"]
    assert items[0]["type"] == ["VerifiableCredential"]
    assert unwrap_enveloped(items[1]) == token
    result = verify_proof(
        vp,
        proof_purpose="authentication",
        challenge="c-9",
        domain=AUD,
        clock=FixedClock(NOW),
        resolver=RESOLVER,
        expected_controller=holder.did,
    )
    assert result.verified, result.errors
    inner = verify_sd_jwt(
        unwrap_enveloped(items[1]),
        resolve_key=lambda kid, _h: ISSUER.public_key,
        nonce=None,
        audience=None,
        require_key_binding=False,
        clock=FixedClock(NOW),
    )
    assert inner.verified
    assert inner.document["credentialSubject"] == {"name": "홍길동", "ageOver19": True}


def test_holder_present_requires_challenge_and_domain() -> None:
    holder = Holder(WALLET, clock=CLOCK)
    with pytest.raises(ConfigurationError):
        holder.present([_credential()], challenge="", domain=AUD)
    with pytest.raises(ConfigurationError):
        holder.present([], challenge="c", domain=AUD)


def test_holder_lists_disclosable_claims() -> None:
    holder = Holder(WALLET, clock=CLOCK)
    assert sorted(holder.disclosable(_sd_jwt())) == [
        ("/credentialSubject/ageOver19", True),
        ("/credentialSubject/name", "홍길동"),
    ]


def test_holder_sd_jwt_presentation_round_trip() -> None:
    holder = Holder(WALLET, clock=CLOCK)
    token = _sd_jwt()
    presented = holder.present_sd_jwt(
        token, ["/credentialSubject/ageOver19"], nonce="n-1", audience="shop.example"
    )
    parts = split_sd_jwt(presented)
    assert parts.kb_jwt is not None and len(parts.disclosures) == 1
    assert "홍길동" not in presented
    result = verify_sd_jwt(
        presented,
        resolve_key=lambda kid, _h: ISSUER.public_key,
        nonce="n-1",
        audience="shop.example",
        clock=FixedClock(NOW),
    )
    assert result.verified, result.errors
    assert result.document["credentialSubject"] == {"ageOver19": True}
    wrong = verify_sd_jwt(
        presented,
        resolve_key=lambda kid, _h: ISSUER.public_key,
        nonce="n-2",
        audience="shop.example",
        clock=FixedClock(NOW),
    )
    assert not wrong.verified


def test_holder_sd_jwt_with_a_separate_copy_key() -> None:
    copy_key = Ed25519Signer.from_seed(b"\x05" * 32)
    holder = Holder(WALLET, clock=CLOCK)
    token = _sd_jwt(holder=copy_key)
    with pytest.raises(ConfigurationError, match="cnf"):
        holder.present_sd_jwt(token, [], nonce="n", audience="a")
    presented = holder.present_sd_jwt(token, [], nonce="n", audience="a", key=copy_key)
    result = verify_sd_jwt(
        presented,
        resolve_key=lambda kid, _h: ISSUER.public_key,
        nonce="n",
        audience="a",
        clock=FixedClock(NOW),
    )
    assert result.verified
    assert result.document["credentialSubject"] == {}


def test_holder_refuses_unknown_paths_and_empty_binding() -> None:
    holder = Holder(WALLET, clock=CLOCK)
    token = _sd_jwt()
    with pytest.raises(ConfigurationError):
        holder.present_sd_jwt(token, ["/credentialSubject/birthDate"], nonce="n", audience="a")
    with pytest.raises(ConfigurationError):
        holder.present_sd_jwt(token, [], nonce="", audience="a")
    with pytest.raises(ConfigurationError):
        holder.present_sd_jwt(token, "/credentialSubject/name", nonce="n", audience="a")  # type: ignore[arg-type]
