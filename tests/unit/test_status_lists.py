"""Published status lists (kr_ovid.status.publish) and the verifier-side checker
(kr_ovid.status.check): revocation and suspension round trips, every way a list can be wrong,
bounded decoding, fail-closed retrieval, the TTL cache, multi-bit statuses, hostile entries."""

from __future__ import annotations

import base64
import copy
import gzip
import tracemalloc
import zlib
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from kr_ovid.clock import FixedClock, format_datetime
from kr_ovid.credential import VC_V2_CONTEXT
from kr_ovid.did import CompositeResolver, LocalDidResolver
from kr_ovid.errors import ConfigurationError, KrOvidError, StatusListError
from kr_ovid.integrity import add_proof, verify_proof
from kr_ovid.keys import Ed25519Signer
from kr_ovid.ovid.issuance import Issuer
from kr_ovid.ovid.missions import load_missions
from kr_ovid.problems import ErrorCode
from kr_ovid.status import (
    MIN_LIST_LENGTH,
    InMemoryStatusListStore,
    StatusAllocation,
    StatusBitstring,
    decode_list,
    encode_list,
)
from kr_ovid.status.check import LocalStatusListFetcher, StatusChecker
from kr_ovid.status.publish import (
    DEFAULT_LIST_TTL,
    issue_status_list_credential,
    status_entries,
    status_list_url,
)

MISSIONS = load_missions()
LA = MISSIONS.by_code("us-losangeles")
KEY = Ed25519Signer.from_seed(b"\x07" * 32, verification_method=LA.did + "#key-1")
ROGUE_DID = "did:web:ovid.example:missions:rogue"
ROGUE = Ed25519Signer.from_seed(b"\x0b" * 32, verification_method=ROGUE_DID + "#key-1")
NOW = datetime(2026, 3, 1, 1, 0, tzinfo=UTC)
CLOCK = FixedClock(NOW)
BASE = "https://ovid.example/missions/us-losangeles/status"
MSG_URL = BASE + "/9/message"


def _doc(did: str, signer: Ed25519Signer) -> dict[str, Any]:
    return {
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
        "id": did,
        "verificationMethod": [signer.public_multikey_document()],
        "assertionMethod": [signer.verification_method],
    }


RESOLVER = CompositeResolver({"web": LocalDidResolver([_doc(LA.did, KEY), _doc(ROGUE_DID, ROGUE)])})
CLAIMS: dict[str, Any] = {
    "familyName": "홍",
    "givenName": "길동",
    "familyNameLatin": "HONG",
    "givenNameLatin": "GIL-DONG",
    "birthDate": "1990-02-28",
    "nationality": "KR",
    "residenceCountry": "US",
    "overseasRegistrationDate": "2015-03-01",
    "passportExpiry": "2031-05-20",
    "idNumber": "7K3M-Q9XD-2HRT-VB4N",
    "issuingMission": LA.as_issuing_mission().to_json(),
}


class SteppingClock:
    """A clock whose instant the test moves (each step a FixedClock advanced from the last)."""

    def __init__(self, start: datetime) -> None:
        self.fixed = FixedClock(start)

    def now(self) -> datetime:
        return self.fixed.now()

    def advance(self, delta: timedelta) -> None:
        self.fixed = self.fixed.advanced(delta)


class CountingFetcher:
    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.calls: list[str] = []

    def __call__(self, url: str) -> Any:
        self.calls.append(url)
        return self.inner(url)


class World:
    """A mission with a status store, one issued ID and helpers to publish and check."""

    def __init__(self) -> None:
        self.store = InMemoryStatusListStore(clock=CLOCK)
        issuer = Issuer(LA, KEY, clock=CLOCK, status_store=self.store)
        out = issuer.issue_id(CLAIMS)
        assert out.credential is not None and out.status is not None
        self.credential: dict[str, Any] = out.credential
        self.status: StatusAllocation = out.status

    def publish(self, purpose: str, **kw: Any) -> dict[str, Any]:
        kw.setdefault("issuer", LA.did)
        kw.setdefault("clock", CLOCK)
        signer = kw.pop("signer", KEY)
        return issue_status_list_credential(
            self.store, self.status.list_id, purpose, signer, base=BASE, **kw
        )

    def lists(self, **kw: Any) -> list[dict[str, Any]]:
        return [self.publish(p, **kw) for p in ("revocation", "suspension")]

    def set(self, purpose: str, value: int) -> None:
        self.store.set_status(
            self.status.list_id, self.status.index, purpose, value, actor="ops-7", reason="test"
        )

    def check(
        self,
        lists: list[dict[str, Any]] | None = None,
        credential: dict[str, Any] | None = None,
        **kw: Any,
    ) -> Any:
        fetcher = LocalStatusListFetcher({c["id"]: c for c in (lists or self.lists())})
        checker = StatusChecker(fetcher, resolver=RESOLVER, clock=CLOCK)
        return checker.check(credential or self.credential, **kw)


@pytest.fixture
def world() -> World:
    return World()


def codes(outcome: Any) -> list[ErrorCode]:
    return [p.code for p in outcome.errors]


def resign(credential: dict[str, Any], signer: Ed25519Signer = KEY) -> dict[str, Any]:
    unsigned = {k: v for k, v in credential.items() if k != "proof"}
    return add_proof(unsigned, signer, created=NOW)


def encoded(raw: bytes) -> str:
    return "u" + base64.urlsafe_b64encode(gzip.compress(raw, mtime=0)).rstrip(b"=").decode()


def list_credential(encoded_list: str, *, purpose: str = "message", url: str = MSG_URL) -> Any:
    """A hand-built list credential signed by the mission."""
    credential = {
        "@context": [VC_V2_CONTEXT],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": LA.did,
        "validFrom": format_datetime(NOW - timedelta(hours=1)),
        "validUntil": format_datetime(NOW + timedelta(days=1)),
        "credentialSubject": {
            "id": url + "#list",
            "type": "BitstringStatusList",
            "statusPurpose": purpose,
            "encodedList": encoded_list,
        },
    }
    return add_proof(credential, KEY, created=NOW)


def holder_of(index: int, url: str = MSG_URL, **entry: Any) -> dict[str, Any]:
    """A (partial) credential by the mission with one entry; the checker reads only these."""
    return {
        "issuer": {"id": LA.did},
        "credentialStatus": [
            {
                "id": f"{url}#{index}",
                "type": "BitstringStatusListEntry",
                "statusPurpose": "message",
                "statusListIndex": str(index),
                "statusListCredential": url,
                **entry,
            }
        ],
    }


# --------------------------------------------------------------------------- publish


def test_status_list_url_layout() -> None:
    assert status_list_url(BASE, 3, "revocation") == BASE + "/3/revocation"
    assert status_list_url(BASE + "/", 3, "suspension") == BASE + "/3/suspension"
    with pytest.raises(ConfigurationError):
        status_list_url(BASE, 1, "message")
    for bad in ("http://ovid.example/status", "ovid.example/status", "", "https://a b/"):
        with pytest.raises(ConfigurationError):
            status_list_url(bad, 1, "revocation")


@pytest.mark.parametrize(
    "bad", ["https://", "https:///status", "https://x.example/s?v=1", "https://x.example/s#f"]
)
def test_status_base_without_host_or_with_query_or_fragment_refused(bad: str) -> None:
    with pytest.raises(ConfigurationError):
        status_list_url(bad, 1, "revocation")


def test_status_entries_one_per_purpose_with_string_index() -> None:
    entries = status_entries(StatusAllocation(2, 4711), BASE)
    assert entries == [
        {
            "id": f"{BASE}/2/{p}#4711",
            "type": "BitstringStatusListEntry",
            "statusPurpose": p,
            "statusListIndex": "4711",
            "statusListCredential": f"{BASE}/2/{p}",
        }
        for p in ("revocation", "suspension")
    ]


def test_published_list_credential(world: World) -> None:
    world.set("suspension", 1)
    for purpose in ("revocation", "suspension"):
        cred = world.publish(purpose)
        url = f"{BASE}/{world.status.list_id}/{purpose}"
        assert cred["id"] == url
        assert cred["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
        assert cred["issuer"] == LA.did
        assert cred["validFrom"] == format_datetime(NOW)
        assert cred["validUntil"] == format_datetime(NOW + timedelta(days=2))
        subject = cred["credentialSubject"]
        assert subject["id"] == url + "#list"
        assert subject["type"] == "BitstringStatusList"
        assert subject["statusPurpose"] == purpose
        assert subject["ttl"] == int(DEFAULT_LIST_TTL.total_seconds() * 1000)
        bits = decode_list(subject["encodedList"])
        assert bits == world.store.bitstring(world.status.list_id, purpose)
        assert bits.get(world.status.index) == (purpose == "suspension")
        assert cred["proof"]["cryptosuite"] == "eddsa-rdfc-2022"
        assert verify_proof(
            cred, resolver=RESOLVER, clock=FixedClock(NOW), expected_controller=LA.did
        ).verified


def test_publish_defaults_issuer_to_the_signer_did(world: World) -> None:
    cred = issue_status_list_credential(world.store, 1, "revocation", KEY, base=BASE, clock=CLOCK)
    assert cred["issuer"] == LA.did


def test_publish_unknown_list_refused(world: World) -> None:
    with pytest.raises(ConfigurationError):
        issue_status_list_credential(world.store, 99, "revocation", KEY, base=BASE, clock=CLOCK)


def test_local_fetcher_needs_an_id() -> None:
    fetcher = LocalStatusListFetcher()
    with pytest.raises(StatusListError):
        fetcher.register({"type": "BitstringStatusListCredential"})
    with pytest.raises(StatusListError) as info:
        fetcher("https://nowhere.example/1/revocation")
    assert info.value.code is ErrorCode.STATUS_RETRIEVAL_ERROR


# --------------------------------------------------------------------------- round trips


def test_fresh_credential_is_ok(world: World) -> None:
    outcome = world.check()
    assert outcome.errors == () and outcome.warnings == ()
    assert outcome.statuses == {"revocation": 0, "suspension": 0}
    assert not outcome.retryable


def test_issue_revoke_fails(world: World) -> None:
    world.set("revocation", 1)
    outcome = world.check()
    assert codes(outcome) == [ErrorCode.CREDENTIAL_REVOKED]
    assert outcome.errors[0].path == "/credentialStatus/0"
    assert outcome.statuses == {"revocation": 1, "suspension": 0}


def test_suspend_then_unsuspend(world: World) -> None:
    world.set("suspension", 1)
    outcome = world.check()
    assert codes(outcome) == [ErrorCode.CREDENTIAL_SUSPENDED]
    assert outcome.errors[0].path == "/credentialStatus/1"
    world.set("suspension", 0)
    assert world.check().errors == ()


def test_revoked_and_suspended_reports_both(world: World) -> None:
    world.set("suspension", 1)
    world.set("revocation", 1)
    assert codes(world.check()) == [ErrorCode.CREDENTIAL_REVOKED, ErrorCode.CREDENTIAL_SUSPENDED]


def test_other_positions_do_not_affect_the_credential(world: World) -> None:
    other = world.store.allocate(credential_id="urn:uuid:5e7c1f0a-1111-4c3b-9d7e-3a2b1c0d9e8f")
    world.store.set_status(other.list_id, other.index, "revocation", 1, actor="a", reason="r")
    assert world.check().errors == ()


# --------------------------------------------------------------------------- bad lists


def test_list_signed_by_another_issuer(world: World) -> None:
    rogue = world.publish("revocation", signer=ROGUE, issuer=ROGUE_DID)
    outcome = world.check([rogue, world.publish("suspension")])
    assert codes(outcome) == [ErrorCode.STATUS_VERIFICATION_ERROR]
    assert outcome.errors[0].path == "/credentialStatus/0"


def test_list_naming_the_issuer_but_signed_by_another_did(world: World) -> None:
    forged = world.publish("revocation", signer=ROGUE, issuer=LA.did)
    assert codes(world.check([forged, world.publish("suspension")])) == [
        ErrorCode.STATUS_VERIFICATION_ERROR
    ]


def test_list_signed_with_a_key_the_issuer_did_not_publish(world: World) -> None:
    impostor = Ed25519Signer.from_seed(b"\x0c" * 32, verification_method=KEY.verification_method)
    forged = world.publish("revocation", signer=impostor)
    assert codes(world.check([forged, world.publish("suspension")])) == [
        ErrorCode.STATUS_VERIFICATION_ERROR
    ]


def test_wrong_purpose(world: World) -> None:
    revocation = world.publish("revocation")
    swapped = copy.deepcopy(revocation)
    swapped["credentialSubject"]["statusPurpose"] = "suspension"
    outcome = world.check([resign(swapped), world.publish("suspension")])
    assert codes(outcome) == [ErrorCode.STATUS_VERIFICATION_ERROR]
    assert "purpose" in outcome.errors[0].detail


def test_list_served_at_another_url(world: World) -> None:
    suspension = world.publish("suspension")
    at_wrong_url = {f"{BASE}/{world.status.list_id}/revocation": suspension}
    checker = StatusChecker(LocalStatusListFetcher(at_wrong_url), resolver=RESOLVER, clock=CLOCK)
    outcome = checker.check(world.credential)
    assert ErrorCode.STATUS_VERIFICATION_ERROR in codes(outcome)


def test_not_a_status_list_credential(world: World) -> None:
    revocation = world.publish("revocation")
    revocation["type"] = ["VerifiableCredential"]
    outcome = world.check([resign(revocation), world.publish("suspension")])
    assert codes(outcome) == [ErrorCode.STATUS_VERIFICATION_ERROR]


def test_list_expired(world: World) -> None:
    lists = world.lists(valid_for=timedelta(hours=1))
    assert world.check(lists, now=NOW + timedelta(minutes=59)).errors == ()
    outcome = world.check(lists, now=NOW + timedelta(hours=2))
    assert codes(outcome) == [ErrorCode.STATUS_VERIFICATION_ERROR] * 2
    assert all("validity" in p.detail for p in outcome.errors)


def test_list_not_yet_valid(world: World) -> None:
    later = FixedClock(NOW + timedelta(hours=1))
    lists = world.lists(clock=later)
    outcome = world.check(lists)
    assert codes(outcome) == [ErrorCode.STATUS_VERIFICATION_ERROR] * 2


def test_tampered_list_fails_its_proof(world: World) -> None:
    world.set("revocation", 1)
    revocation = world.publish("revocation")
    bits = world.store.bitstring(world.status.list_id, "revocation")
    bits.set(world.status.index, 0)  # hide the revocation without re-signing
    revocation["credentialSubject"]["encodedList"] = encode_list(bits)
    outcome = world.check([revocation, world.publish("suspension")])
    assert codes(outcome) == [ErrorCode.STATUS_VERIFICATION_ERROR]
    assert ErrorCode.CREDENTIAL_REVOKED not in codes(outcome)
    stripped = world.publish("revocation")
    del stripped["proof"]
    assert codes(world.check([stripped, world.publish("suspension")])) == [
        ErrorCode.STATUS_VERIFICATION_ERROR
    ]


def test_index_out_of_range(world: World) -> None:
    credential = copy.deepcopy(world.credential)
    for entry in credential["credentialStatus"]:
        entry["statusListIndex"] = str(MIN_LIST_LENGTH)
    outcome = world.check(credential=credential)
    assert codes(outcome) == [ErrorCode.RANGE_ERROR] * 2
    assert outcome.errors[0].path == "/credentialStatus/0/statusListIndex"
    for entry in credential["credentialStatus"]:
        entry["statusListIndex"] = str(MIN_LIST_LENGTH - 1)
    assert world.check(credential=credential).errors == ()


def test_list_too_short() -> None:
    short = list_credential(encoded(bytes(MIN_LIST_LENGTH // 8 - 1)))
    checker = StatusChecker(LocalStatusListFetcher({MSG_URL: short}), resolver=RESOLVER)
    outcome = checker.check(holder_of(5), now=NOW)
    assert codes(outcome) == [ErrorCode.STATUS_LIST_LENGTH_ERROR]
    exact = list_credential(encoded(bytes(MIN_LIST_LENGTH // 8)))
    checker = StatusChecker(LocalStatusListFetcher({MSG_URL: exact}), resolver=RESOLVER)
    outcome = checker.check(holder_of(5), now=NOW)
    assert outcome.errors == () and outcome.statuses == {"message": 0}


@pytest.mark.parametrize(
    "bad",
    [
        "zNotBase64url",
        "u" + base64.urlsafe_b64encode(zlib.compress(bytes(20000))).rstrip(b"=").decode(),
        "u" + base64.urlsafe_b64encode(b"\x1f\x8b\x08\x00garbage").rstrip(b"=").decode(),
        "u!!!",
    ],
)
def test_malformed_encoded_list(bad: str) -> None:
    checker = StatusChecker(
        LocalStatusListFetcher({MSG_URL: list_credential(bad)}), resolver=RESOLVER
    )
    outcome = checker.check(holder_of(5), now=NOW)
    assert codes(outcome) == [ErrorCode.MALFORMED_VALUE_ERROR]


def test_gzip_bomb_is_refused_without_inflating_it() -> None:
    squeeze = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = bytes(1 << 20)
    bomb = b"".join(squeeze.compress(block) for _ in range(64)) + squeeze.flush()  # 64 MiB
    assert len(bomb) < 100_000
    text = "u" + base64.urlsafe_b64encode(bomb).rstrip(b"=").decode()
    checker = StatusChecker(
        LocalStatusListFetcher({MSG_URL: list_credential(text)}), resolver=RESOLVER
    )
    tracemalloc.start()
    try:
        outcome = checker.check(holder_of(5), now=NOW)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert codes(outcome) == [ErrorCode.SIZE_LIMIT_ERROR]
    assert peak < 40 * 1024 * 1024  # the 16 MiB bound (+ working copies), never the 64 MiB


# --------------------------------------------------------------------------- retrieval


@pytest.mark.parametrize(
    "failure", [OSError("connection reset"), TimeoutError(), KrOvidError("upstream 503")]
)
def test_fetcher_raising_fails_closed_and_retryable(world: World, failure: Exception) -> None:
    def fetch(url: str) -> Any:
        raise failure

    outcome = StatusChecker(fetch, resolver=RESOLVER, clock=CLOCK).check(world.credential)
    assert codes(outcome) == [ErrorCode.STATUS_RETRIEVAL_ERROR] * 2
    assert outcome.retryable is True
    assert outcome.statuses == {}


def test_unregistered_list_fails_closed(world: World) -> None:
    outcome = StatusChecker(resolver=RESOLVER, clock=CLOCK).check(world.credential)
    assert codes(outcome) == [ErrorCode.STATUS_RETRIEVAL_ERROR] * 2
    assert outcome.retryable is True


@pytest.mark.parametrize("junk", [None, [], "list", 42, {"id": "x"}])
def test_fetcher_returning_junk_is_not_retryable(world: World, junk: Any) -> None:
    outcome = StatusChecker(lambda url: junk, resolver=RESOLVER, clock=CLOCK).check(
        world.credential
    )
    assert codes(outcome) == [ErrorCode.STATUS_VERIFICATION_ERROR] * 2
    assert outcome.retryable is False


def test_failures_are_not_cached(world: World) -> None:
    lists = {c["id"]: c for c in world.lists()}
    state = {"up": False}

    def flaky(url: str) -> Any:
        if not state["up"]:
            raise OSError("down")
        return lists[url]

    checker = StatusChecker(flaky, resolver=RESOLVER, clock=CLOCK)
    assert checker.check(world.credential).retryable
    state["up"] = True
    assert checker.check(world.credential).errors == ()


# --------------------------------------------------------------------------- cache


def test_cache_honours_ttl(world: World) -> None:
    lists = world.lists(ttl=timedelta(minutes=15))
    fetcher = CountingFetcher(LocalStatusListFetcher({c["id"]: c for c in lists}))
    clock = SteppingClock(NOW)
    checker = StatusChecker(fetcher, resolver=RESOLVER, clock=clock)
    assert checker.check(world.credential).errors == ()
    assert len(fetcher.calls) == 2
    clock.advance(timedelta(minutes=14))
    assert checker.check(world.credential).errors == ()
    assert len(fetcher.calls) == 2  # within ttl: served from the cache
    clock.advance(timedelta(minutes=2))
    assert checker.check(world.credential).errors == ()
    assert len(fetcher.calls) == 4  # past ttl: both lists fetched again


def test_cache_serves_stale_bits_within_ttl_then_sees_the_revocation(world: World) -> None:
    published = {c["id"]: c for c in world.lists()}
    clock = SteppingClock(NOW)
    checker = StatusChecker(lambda url: published[url], resolver=RESOLVER, clock=clock)
    assert checker.check(world.credential).errors == ()
    world.set("revocation", 1)
    published.update({c["id"]: c for c in world.lists()})
    clock.advance(timedelta(minutes=5))
    assert checker.check(world.credential).errors == ()  # cached until the ttl runs out
    clock.advance(DEFAULT_LIST_TTL)
    assert codes(checker.check(world.credential)) == [ErrorCode.CREDENTIAL_REVOKED]


def test_cache_never_outlives_valid_until(world: World) -> None:
    lists = world.lists(valid_for=timedelta(minutes=5), ttl=timedelta(hours=1))
    fetcher = CountingFetcher(LocalStatusListFetcher({c["id"]: c for c in lists}))
    clock = SteppingClock(NOW)
    checker = StatusChecker(fetcher, resolver=RESOLVER, clock=clock, skew=timedelta(0))
    assert checker.check(world.credential).errors == ()
    clock.advance(timedelta(minutes=6))
    outcome = checker.check(world.credential)
    assert len(fetcher.calls) == 4
    assert codes(outcome) == [ErrorCode.STATUS_VERIFICATION_ERROR] * 2


def test_cache_without_ttl_uses_the_default(world: World) -> None:
    lists = []
    for cred in world.lists():
        del cred["credentialSubject"]["ttl"]
        lists.append(resign(cred))
    fetcher = CountingFetcher(LocalStatusListFetcher({c["id"]: c for c in lists}))
    clock = SteppingClock(NOW)
    checker = StatusChecker(
        fetcher, resolver=RESOLVER, clock=clock, default_ttl=timedelta(minutes=1)
    )
    checker.check(world.credential)
    clock.advance(timedelta(seconds=59))
    checker.check(world.credential)
    assert len(fetcher.calls) == 2
    clock.advance(timedelta(seconds=2))
    checker.check(world.credential)
    assert len(fetcher.calls) == 4


def test_cache_is_per_issuer(world: World) -> None:
    fetcher = CountingFetcher(LocalStatusListFetcher({c["id"]: c for c in world.lists()}))
    checker = StatusChecker(fetcher, resolver=RESOLVER, clock=CLOCK)
    assert checker.check(world.credential).errors == ()
    claimed = {**world.credential, "issuer": ROGUE_DID}
    outcome = checker.check(claimed)  # same URLs, another issuer: not served from the cache
    assert codes(outcome) == [ErrorCode.STATUS_VERIFICATION_ERROR] * 2
    assert len(fetcher.calls) == 4


def test_cache_is_bounded(world: World) -> None:
    fetcher = CountingFetcher(LocalStatusListFetcher({c["id"]: c for c in world.lists()}))
    checker = StatusChecker(fetcher, resolver=RESOLVER, clock=CLOCK, max_cached=1)
    for _ in range(3):
        assert checker.check(world.credential).errors == ()
    assert len(fetcher.calls) == 6  # two lists, room for one: each check evicts the other


# --------------------------------------------------------------------------- statusSize > 1

MESSAGES = [
    {"status": "0x0", "message": "valid"},
    {"status": "0x1", "message": "pending review"},
    {"status": "0x2", "message": "under investigation"},
    {"status": "0x3", "message": "withdrawn"},
]


@pytest.fixture(scope="module")
def two_bit_list() -> dict[str, Any]:
    bits = StatusBitstring(MIN_LIST_LENGTH, status_size=2)
    bits.set(5, 2)
    bits.set(6, 3)
    bits.set(7, 1)
    return list_credential(encode_list(bits))


def test_status_size_two_with_messages(two_bit_list: dict[str, Any]) -> None:
    checker = StatusChecker(LocalStatusListFetcher({MSG_URL: two_bit_list}), resolver=RESOLVER)
    for index, value in [(4, 0), (5, 2), (6, 3), (7, 1)]:
        outcome = checker.check(holder_of(index, statusSize=2, statusMessage=MESSAGES), now=NOW)
        assert outcome.errors == ()
        assert outcome.statuses == {"message": value}
        assert [w.detail for w in outcome.warnings] == [
            f"status message: {MESSAGES[value]['message']}"
        ]


def test_status_size_two_needs_messages(two_bit_list: dict[str, Any]) -> None:
    checker = StatusChecker(LocalStatusListFetcher({MSG_URL: two_bit_list}), resolver=RESOLVER)
    assert codes(checker.check(holder_of(5, statusSize=2), now=NOW)) == [
        ErrorCode.MALFORMED_VALUE_ERROR
    ]
    assert codes(
        checker.check(holder_of(5, statusSize=2, statusMessage=MESSAGES[:3]), now=NOW)
    ) == [ErrorCode.MALFORMED_VALUE_ERROR]


def test_status_size_must_match_the_cached_list(two_bit_list: dict[str, Any]) -> None:
    checker = StatusChecker(LocalStatusListFetcher({MSG_URL: two_bit_list}), resolver=RESOLVER)
    assert checker.check(holder_of(5, statusSize=2, statusMessage=MESSAGES), now=NOW).errors == ()
    assert codes(checker.check(holder_of(5), now=NOW)) == [ErrorCode.STATUS_VERIFICATION_ERROR]


# --------------------------------------------------------------------------- hostile entries

_GOOD = {
    "type": "BitstringStatusListEntry",
    "statusPurpose": "message",
    "statusListIndex": "5",
    "statusListCredential": MSG_URL,
}
HOSTILE: list[Any] = [
    "x",
    5,
    True,
    [],
    ["x"],
    [None],
    [[_GOOD]],
    [{"type": "BitstringStatusListEntry"}],
    [{**_GOOD, "statusListIndex": 5}],
    [{**_GOOD, "statusListIndex": "-1"}],
    [{**_GOOD, "statusListIndex": "0x10"}],
    [{**_GOOD, "statusListIndex": "9" * 25}],
    [{**_GOOD, "statusListIndex": "99999999999999999999"}],
    [{**_GOOD, "statusPurpose": ["message"]}],
    [{**_GOOD, "statusPurpose": None}],
    [{**_GOOD, "statusListCredential": 7}],
    [{**_GOOD, "statusListCredential": "https://x.example/" + "a" * 5000}],
    [{**_GOOD, "statusSize": 0}],
    [{**_GOOD, "statusSize": 99}],
    [{**_GOOD, "statusSize": "2"}],
    [{**_GOOD, "statusSize": True}],
    [{**_GOOD, "statusSize": 2, "statusMessage": "x"}],
    [{**_GOOD, "statusSize": 2, "statusMessage": [{"status": "zz"}] * 4}],
    [{**_GOOD, "statusMessage": [{"status": "0x0", "message": 5}] * 2}],
    [_GOOD] * 100,
    [{**_GOOD, "statusListIndex": str(i)} for i in range(100)],
]


@pytest.mark.parametrize("entries", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_entries_never_raise_and_never_pass(
    two_bit_list: dict[str, Any], entries: Any
) -> None:
    single_bit = list_credential(encode_list(StatusBitstring(MIN_LIST_LENGTH)))
    for listed in (two_bit_list, single_bit):
        checker = StatusChecker(LocalStatusListFetcher({MSG_URL: listed}), resolver=RESOLVER)
        outcome = checker.check({"issuer": LA.did, "credentialStatus": entries}, now=NOW)
        assert outcome.errors, entries
        assert all(p.code is not ErrorCode.INTERNAL_ERROR for p in outcome.errors)


@pytest.mark.parametrize(
    "credential",
    [
        {"credentialStatus": [_GOOD]},  # no issuer to match the list against
        {"issuer": 5, "credentialStatus": [_GOOD]},
        {"issuer": {"id": ["x"]}, "credentialStatus": [_GOOD]},
        {"issuer": ROGUE_DID, "credentialStatus": _GOOD},
    ],
)
def test_credentials_without_a_usable_issuer(credential: dict[str, Any]) -> None:
    checker = StatusChecker(
        LocalStatusListFetcher(
            {MSG_URL: list_credential(encode_list(StatusBitstring(MIN_LIST_LENGTH)))}
        ),
        resolver=RESOLVER,
    )
    outcome = checker.check(credential, now=NOW)
    assert outcome.errors


def test_no_status_and_unknown_types(world: World) -> None:
    checker = StatusChecker(resolver=RESOLVER, clock=CLOCK)
    assert checker.check({"issuer": LA.did}) == checker.check({"issuer": LA.did})
    assert checker.check({"issuer": LA.did}).errors == ()
    unknown = {"issuer": LA.did, "credentialStatus": [{"type": "OtherStatus"}]}
    # Required status: an entry that cannot be checked is an error, never a silent skip.
    outcome = checker.check(unknown)
    assert [e.code for e in outcome.errors] == [ErrorCode.STATUS_VERIFICATION_ERROR]
    assert outcome.errors[0].path == "/credentialStatus/0/type"
    # Status not required: the unknown entry is reported as a warning.
    outcome = checker.check(unknown, require_known=False)
    assert outcome.errors == ()
    assert [w.code for w in outcome.warnings] == [ErrorCode.STATUS_VERIFICATION_ERROR]
