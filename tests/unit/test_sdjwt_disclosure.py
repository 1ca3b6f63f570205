"""RFC 9901 core: disclosures, concealment, serialization and the §7.1 reconstruction rules."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from kr_ovid.errors import ConfigurationError
from kr_ovid.keys.jwk import b64url_decode, b64url_encode
from kr_ovid.problems import ErrorCode
from kr_ovid.sdjwt.disclosure import (
    Disclosure,
    SdJwtLimits,
    SdJwtParts,
    build_sd_payload,
    decoy_digest,
    disclosure_digest,
    format_pointer,
    new_salt,
    parse_pointer,
    reconstruct,
    sd_hash,
    split_sd_jwt,
)
from kr_ovid.sdjwt.jws import SdJwtError


def _raw(array: Any) -> str:
    return b64url_encode(json.dumps(array).encode())


def _err(payload: dict[str, Any], disclosures: list[Any], **kw: Any) -> SdJwtError:
    with pytest.raises(SdJwtError) as info:
        reconstruct(payload, disclosures, **kw)
    return info.value


# -- disclosures ------------------------------------------------------------------------------------
def test_salts_are_128_bit_and_fresh() -> None:
    salts = {new_salt() for _ in range(200)}
    assert len(salts) == 200
    assert all(len(b64url_decode(s)) == 16 for s in salts)
    assert len({decoy_digest() for _ in range(50)}) == 50


def test_create_parse_round_trip_and_digest() -> None:
    d = Disclosure.create({"a": [1, None]}, name="address")
    assert Disclosure.parse(d.encoded) == d
    assert d.digest == disclosure_digest(d.encoded)
    assert len(b64url_decode(d.digest)) == 32
    e = Disclosure.create("KR")
    assert e.is_array_element and json.loads(b64url_decode(e.encoded))[1] == "KR"
    assert Disclosure.create("x", name="n", salt="s").encoded == _raw(["s", "n", "x"])


@pytest.mark.parametrize("name", ["_sd", "...", 1, None.__class__])
def test_create_refuses_reserved_names(name: Any) -> None:
    with pytest.raises(ConfigurationError):
        Disclosure.create("v", name=name)


@pytest.mark.parametrize(
    ("encoded", "code"),
    [
        (_raw(["salt"]), ErrorCode.SD_JWT_ERROR),
        (_raw(["salt", "n", "v", "extra"]), ErrorCode.SD_JWT_ERROR),
        (_raw([]), ErrorCode.SD_JWT_ERROR),
        (_raw({"salt": "s"}), ErrorCode.SD_JWT_ERROR),
        (_raw("string"), ErrorCode.SD_JWT_ERROR),
        (_raw([1, "n", "v"]), ErrorCode.SD_JWT_ERROR),
        (_raw([None, "v"]), ErrorCode.SD_JWT_ERROR),
        (_raw(["s", 5, "v"]), ErrorCode.SD_JWT_ERROR),
        (_raw(["s", None, "v"]), ErrorCode.SD_JWT_ERROR),
        (_raw(["s", "_sd", "v"]), ErrorCode.SD_JWT_ERROR),
        (_raw(["s", "...", "v"]), ErrorCode.SD_JWT_ERROR),
        (_raw(["s", "n", "v"]) + "=", ErrorCode.PARSING_ERROR),
        (base64.urlsafe_b64encode(b'["s", "n", "vv"]').decode(), ErrorCode.PARSING_ERROR),
        (base64.b64encode(b'["s", "n", "\xfb\xff"]').decode(), ErrorCode.PARSING_ERROR),
        (b64url_encode(b'["s", "n", NaN]'), ErrorCode.PARSING_ERROR),
        (b64url_encode(b'["s", "n", {"a": 1, "a": 2}]'), ErrorCode.PARSING_ERROR),
        (b64url_encode(b'["s", "n", "v"'), ErrorCode.PARSING_ERROR),
        (b64url_encode(b"\xff\xfe"), ErrorCode.PARSING_ERROR),
        (
            b64url_encode(b'["s", "n", ' + b"[" * 100 + b"]" * 100 + b"]"),
            ErrorCode.SIZE_LIMIT_ERROR,
        ),
        ("", ErrorCode.PARSING_ERROR),
    ],
)
def test_parse_is_strict(encoded: str, code: ErrorCode | None) -> None:
    with pytest.raises(SdJwtError) as info:
        Disclosure.parse(encoded)
    if code is not None:
        assert info.value.code is code


def test_parse_size_limit() -> None:
    d = Disclosure.create("x" * 1000, name="n")
    with pytest.raises(SdJwtError) as info:
        Disclosure.parse(d.encoded, limits=SdJwtLimits(max_disclosure_chars=100))
    assert info.value.code is ErrorCode.SIZE_LIMIT_ERROR


def test_parse_accepts_any_json_value() -> None:
    for value in (None, True, 0, -1.5, "ü", [], {}, {"_sd": []}, [[1]]):
        assert Disclosure.parse(_raw(["s", "n", value])).value == value
        assert Disclosure.parse(_raw(["s", value])).value == value


# -- JSON pointers -------------------------------------------------------------------------------------
def test_pointers() -> None:
    assert parse_pointer("") == ()
    assert parse_pointer("/a~1b/~0c/0") == ("a/b", "~c", "0")
    assert format_pointer(["a/b", "~c", 0]) == "/a~1b/~0c/0"
    for bad in ("a", "/a~2", "/~"):
        with pytest.raises(ConfigurationError):
            parse_pointer(bad)


# -- concealment ---------------------------------------------------------------------------------------
CLAIMS = {
    "sub": "user",
    "name": "Kim",
    "address": {"street": "1 Main", "city": "Seoul", "country": "KR"},
    "nationalities": ["KR", "US"],
    "list": [{"a": 1}, {"a": 2}],
}


def test_build_flat_and_array() -> None:
    payload, ds = build_sd_payload(CLAIMS, ["/name", "/nationalities/1"], decoys=0)
    assert set(payload) == {"_sd", "sub", "address", "nationalities", "list"}
    assert next(iter(payload)) == "_sd"
    assert payload["nationalities"][0] == "KR"
    assert payload["nationalities"][1] == {"...": ds[1].digest}
    assert payload["_sd"] == [ds[0].digest]
    assert (ds[0].name, ds[0].value, ds[1].name, ds[1].value) == ("name", "Kim", None, "US")
    assert reconstruct(payload, [d.encoded for d in ds]).document == CLAIMS


def test_build_recursive() -> None:
    plan = ["/address", "/address/street", "/address/city", "/list/0", "/list/0/a"]
    payload, ds = build_sd_payload(CLAIMS, plan, decoys=0)
    parent = next(d for d in ds if d.name == "address")
    assert set(parent.value) == {"_sd", "country"}  # children hidden inside the parent
    assert [d.name for d in ds].index("street") < [d.name for d in ds].index("address")
    full = reconstruct(payload, [d.encoded for d in ds])
    assert full.document == CLAIMS
    by_pointer = {c.pointer: c for c in full.claims}
    assert set(by_pointer) == set(plan)
    street = by_pointer["/address/street"]
    assert street.parent is not None
    assert full.claims[street.parent].pointer == "/address"
    # parent only: children stay hidden
    only = reconstruct(payload, [parent.encoded]).document
    assert only["address"] == {"country": "KR"}


def test_build_decoys() -> None:
    payload, ds = build_sd_payload(CLAIMS, ["/name", "/address/city", "/nationalities/0"], decoys=3)
    assert len(payload["_sd"]) == 1 + 3
    assert len(payload["address"]["_sd"]) == 1 + 3
    assert len(payload["nationalities"]) == 2 + 3
    assert reconstruct(payload, [d.encoded for d in ds]).document == CLAIMS
    none = reconstruct(payload, []).document
    assert none["nationalities"] == ["US"] and "name" not in none
    counts = {
        len(build_sd_payload(CLAIMS, ["/name"], decoys=range(0, 6))[0]["_sd"]) for _ in range(60)
    }
    assert counts <= set(range(1, 7)) and len(counts) > 1
    plain, _ = build_sd_payload(CLAIMS, [], decoys=5)
    assert plain == CLAIMS  # no _sd where nothing is disclosable


def test_build_digest_order_and_salt_source() -> None:
    plan = ["/name", "/sub", "/list"]
    salts = {"/name": "s1", "/sub": "s2", "/list": "s3"}
    p1, d1 = build_sd_payload(
        CLAIMS, plan, decoys=0, salt_source=salts.__getitem__, digest_order="sorted"
    )
    p2, d2 = build_sd_payload(
        CLAIMS, plan, decoys=0, salt_source=salts.__getitem__, digest_order="sorted"
    )
    assert p1 == p2 and d1 == d2
    assert p1["_sd"] == sorted(p1["_sd"])
    orders = {tuple(build_sd_payload(CLAIMS, plan, decoys=0)[0]["_sd"]) for _ in range(30)}
    assert len(orders) > 1  # fresh salts each time anyway


@pytest.mark.parametrize(
    ("claims", "plan"),
    [
        (CLAIMS, ["/missing"]),
        (CLAIMS, ["/nationalities/2"]),
        (CLAIMS, ["/nationalities/01"]),
        (CLAIMS, ["/name/x"]),
        (CLAIMS, [""]),
        (CLAIMS, ["name"]),
        (CLAIMS, "/name"),
        ({"_sd": 1}, []),
        ({"a": {"_sd_alg": 1}}, []),
        ({"a": [{"...": "x"}]}, []),
        ({"a": float("inf")}, []),
        ([1], []),
    ],
)
def test_build_refuses(claims: Any, plan: Any) -> None:
    with pytest.raises(ConfigurationError):
        build_sd_payload(claims, plan)


@pytest.mark.parametrize("decoys", [-1, 1001, True, range(0), range(-1, 2), 1.5])
def test_build_refuses_bad_decoys(decoys: Any) -> None:
    with pytest.raises(ConfigurationError):
        build_sd_payload(CLAIMS, ["/name"], decoys=decoys)


# -- compact serialization -------------------------------------------------------------------------
def test_split_and_sd_hash() -> None:
    parts = split_sd_jwt("h.p.s~d1~d2~kb.x.y")
    assert parts == SdJwtParts("h.p.s", ("d1", "d2"), "kb.x.y")
    assert parts.without_kb == "h.p.s~d1~d2~"
    assert parts.serialize() == "h.p.s~d1~d2~kb.x.y"
    assert split_sd_jwt("h.p.s~").kb_jwt is None
    assert split_sd_jwt("h.p.s~").disclosures == ()
    assert sd_hash("h.p.s~d1~") == b64url_encode(
        __import__("hashlib").sha256(b"h.p.s~d1~").digest()
    )


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("h.p.s", ErrorCode.PARSING_ERROR),
        ("h.p.s~~d~", ErrorCode.PARSING_ERROR),
        ("~d~", ErrorCode.PARSING_ERROR),
        ("h.p.s~dü~", ErrorCode.PARSING_ERROR),
        (b"h.p.s~", ErrorCode.PARSING_ERROR),
        ("h.p.s" + "~d" * 600 + "~", ErrorCode.SIZE_LIMIT_ERROR),
        ("x" * 600_000 + "~", ErrorCode.SIZE_LIMIT_ERROR),
    ],
)
def test_split_refuses(text: Any, code: ErrorCode) -> None:
    with pytest.raises(SdJwtError) as info:
        split_sd_jwt(text)
    assert info.value.code is code


# -- reconstruction rules (RFC 9901 §7.1 step 3) ---------------------------------------------------
A = Disclosure.create("va", name="a", salt="salt-a")
B = Disclosure.create("vb", name="b", salt="salt-b")
E = Disclosure.create("ve", salt="salt-e")


def test_sd_alg() -> None:
    assert reconstruct({"_sd_alg": "sha-256", "_sd": [A.digest]}, [A.encoded]).document == {
        "a": "va"
    }
    assert reconstruct({"_sd": [A.digest]}, [A.encoded]).document == {"a": "va"}
    for alg in ("sha-512", "SHA-256", "md5", 1, None):
        assert _err({"_sd_alg": alg, "_sd": []}, []).code is ErrorCode.SD_JWT_ERROR


def test_nested_sd_alg_refused() -> None:
    _err({"x": {"_sd_alg": "sha-256"}}, [])


def test_duplicate_digest_in_payload() -> None:
    _err({"_sd": [A.digest, A.digest]}, [A.encoded])
    _err({"_sd": [decoy := decoy_digest()], "x": {"_sd": [decoy]}}, [])
    _err({"_sd": [E.digest], "x": [{"...": E.digest}]}, [E.encoded])


def test_duplicate_digest_via_disclosure() -> None:
    inner = Disclosure.create({"_sd": [A.digest]}, name="x")
    _err({"_sd": [inner.digest, A.digest]}, [inner.encoded, A.encoded])


def test_same_disclosure_twice() -> None:
    assert "twice" in str(_err({"_sd": [A.digest]}, [A.encoded, A.encoded]))


def test_unreferenced_disclosure() -> None:
    err = _err({"_sd": [A.digest]}, [A.encoded, B.encoded])
    assert "not referenced" in str(err)


def test_wrong_disclosure_kind() -> None:
    _err({"_sd": [E.digest]}, [E.encoded])
    _err({"x": [{"...": A.digest}]}, [A.encoded])


def test_name_already_exists() -> None:
    _err({"a": "plain", "_sd": [A.digest]}, [A.encoded])
    other_a = Disclosure.create("other", name="a")
    _err({"_sd": [A.digest, other_a.digest]}, [A.encoded, other_a.encoded])
    sd_alg = Disclosure.create("sha-256", name="_sd_alg")
    _err({"_sd": [sd_alg.digest]}, [sd_alg.encoded])


def test_reserved_names_inside_disclosures_refused() -> None:
    for name in ("_sd", "..."):
        with pytest.raises(SdJwtError, match=r"claim name is '_sd' or '\.\.\.'") as info:
            reconstruct({"_sd": []}, [_raw(["s", name, 1])])
        assert info.value.code is ErrorCode.SD_JWT_ERROR


@pytest.mark.parametrize(
    "payload",
    [
        {"_sd": "notalist"},
        {"_sd": {"a": 1}},
        {"_sd": [1]},
        {"_sd": [None]},
        {"x": [{"...": 1}]},
        {"x": [{"...": E.digest, "extra": 1}]},
        {"x": {"...": E.digest}},
        {"...": E.digest},
    ],
)
def test_malformed_structure(payload: dict[str, Any]) -> None:
    disclosures = (
        [E.encoded]
        if E.digest in json.dumps(payload) and "extra" not in json.dumps(payload)
        else []
    )
    assert _err(payload, disclosures).code is ErrorCode.SD_JWT_ERROR


def test_decoys_and_undisclosed_vanish() -> None:
    payload = {
        "_sd": [A.digest, decoy_digest()],
        "x": [{"...": E.digest}, {"...": decoy_digest()}, 3],
    }
    assert reconstruct(payload, [A.encoded, E.encoded]).document == {"a": "va", "x": ["ve", 3]}
    assert reconstruct(payload, []).document == {"x": [3]}


def test_depth_limit() -> None:
    value: Any = "leaf"
    disclosures = []
    for i in range(10):
        d = Disclosure.create(value, name=f"n{i}")
        disclosures.append(d.encoded)
        value = {"_sd": [d.digest]}
    assert reconstruct(value, disclosures).document
    err = _err(value, disclosures, limits=SdJwtLimits(max_depth=5))
    assert err.code is ErrorCode.SIZE_LIMIT_ERROR


def test_too_many_disclosures() -> None:
    assert (
        _err({}, ["x"] * 3, limits=SdJwtLimits(max_disclosures=2)).code
        is ErrorCode.SIZE_LIMIT_ERROR
    )


def test_payload_must_be_object() -> None:
    with pytest.raises(SdJwtError, match="payload is not a JSON object") as info:
        reconstruct([], [])  # type: ignore[arg-type]
    assert info.value.code is ErrorCode.PARSING_ERROR
