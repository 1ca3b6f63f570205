"""Fuzz the small readers every verification path calls: Multikey, JWK, dateTimeStamp.

``decode_public_multikey`` / ``decode_secret_multikey`` and ``public_key_from_jwk`` return
32 bytes or raise ``KeyFormatError``; ``parse_datetime_stamp`` returns an aware UTC datetime or
``None`` and never raises.
"""

from __future__ import annotations

from datetime import UTC, timedelta
from typing import Any

from fuzzkit import (
    ANY_VALUE,
    INTERESTING_STRINGS,
    mutated_json,
    mutated_text,
    returns_or_raises,
    seeds,
)
from hypothesis import given
from hypothesis import strategies as st

from kr_ovid.clock import format_datetime, parse_datetime_stamp
from kr_ovid.errors import KeyFormatError
from kr_ovid.keys.jwk import public_key_from_jwk
from kr_ovid.keys.multikey import (
    decode_public_multikey,
    decode_secret_multikey,
    encode_public_multikey,
)

ONLY = (KeyFormatError,)
MULTIKEY = seeds().key.public_multikey_document()["publicKeyMultibase"]
JWK = seeds().holder.public.jwk
B58 = st.text(
    st.sampled_from("123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz0OIl"), max_size=4
)

multikeys = (
    st.sampled_from([MULTIKEY, "z3u2" + MULTIKEY[4:]]).flatmap(
        lambda m: mutated_text(m, pieces=B58)
    )
    | st.binary(min_size=30, max_size=40).map(lambda b: "z" + _b58(b"\xed\x01" + b))
    | ANY_VALUE
)


def _b58(data: bytes) -> str:
    import base58

    return base58.b58encode(data).decode("ascii")


@given(multikeys)
def test_fuzz_decode_multikey(value: Any) -> None:
    ok, key = returns_or_raises(decode_public_multikey, value, allowed=ONLY)
    if ok:
        assert len(key) == 32
        assert encode_public_multikey(key) == value  # one key, one spelling
    returns_or_raises(decode_secret_multikey, value, allowed=ONLY)


@given(mutated_json(JWK) | st.just(JWK) | ANY_VALUE)
def test_fuzz_public_key_from_jwk(jwk: Any) -> None:
    ok, key = returns_or_raises(public_key_from_jwk, jwk, allowed=ONLY)
    if ok:
        assert len(key) == 32


stamps = (
    st.sampled_from([s for s in INTERESTING_STRINGS if s[:1].isdigit()]).flatmap(
        lambda s: mutated_text(s, pieces=st.sampled_from(list("0123456789-+:.TZtz ")))
    )
    | st.datetimes(timezones=st.timezones()).map(lambda d: d.isoformat())
    | ANY_VALUE
)


@given(stamps)
def test_fuzz_parse_datetime_stamp(value: Any) -> None:
    parsed = parse_datetime_stamp(value)
    if parsed is not None:
        assert parsed.tzinfo is not None and parsed.utcoffset() == timedelta(0)
        assert parsed.tzinfo == UTC
        format_datetime(parsed)
