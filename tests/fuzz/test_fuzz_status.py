"""Fuzz the Bitstring Status List readers (``kr_ovid.status.bitstring``).

``decode_list``, ``parse_status_list_index``, ``parse_status_size`` and
``parse_status_messages`` return or raise ``StatusListError`` (a ``KrOvidError``).
"""

from __future__ import annotations

from typing import Any

from fuzzkit import (
    ANY_VALUE,
    JSON,
    encoded_lists,
    mutated_json,
    returns_or_raises,
    seeds,
    status_bitstring,
    token_text,
)
from hypothesis import given
from hypothesis import strategies as st

from kr_ovid.errors import StatusListError
from kr_ovid.status.bitstring import (
    MAX_STATUS_SIZE,
    MIN_LIST_LENGTH,
    decode_list,
    encode_list,
    parse_status_list_index,
    parse_status_messages,
    parse_status_size,
)

ONLY = (StatusListError,)
SEED_LIST = seeds().status_list_credential["credentialSubject"]["encodedList"]
MESSAGES = [{"status": f"0x{i:X}", "message": f"m{i}"} for i in range(4)]
ENTRY = seeds().credential["credentialStatus"][0]

sizes = st.sampled_from([None, 1, 2, 8, 9, 0, -1, True, 1.0, "1", 2**64]) | ANY_VALUE


@given(encoded_lists(), st.sampled_from([None, 1, 2, 8]) | sizes)
def test_fuzz_decode_list(encoded: tuple[str, int], size: Any) -> None:
    text, built_with = encoded
    status_size = built_with if size is None else size
    ok, bits = returns_or_raises(decode_list, text, status_size=status_size, allowed=ONLY)
    if ok:
        assert bits.length >= MIN_LIST_LENGTH
        assert bits.status_size == status_size
        assert decode_list(encode_list(bits), status_size=status_size) == bits


@given(
    ANY_VALUE | token_text | st.just(SEED_LIST),
    st.sampled_from([1, 2, 8, 1024, 10**9, 0, -5, True, "16"]),
)
def test_fuzz_decode_list_raw(encoded: Any, max_bytes: Any) -> None:
    returns_or_raises(decode_list, encoded, max_bytes=max_bytes, allowed=ONLY)


@given(
    st.integers(1, MAX_STATUS_SIZE),
    st.dictionaries(st.integers(0, 1 << 20), st.integers(0, 255), max_size=8),
)
def test_fuzz_status_list_round_trip(size: int, entries: dict[int, int]) -> None:
    bits = status_bitstring(size, entries)
    assert decode_list(encode_list(bits), status_size=size) == bits


@given(
    st.from_regex(r"[0-9]{1,22}", fullmatch=True)
    | st.sampled_from([ENTRY["statusListIndex"], "", "-1", "+1", " 1", "1 ", "1\n", "٣", "0x1"])
    | ANY_VALUE
)
def test_fuzz_parse_status_list_index(value: Any) -> None:
    ok, index = returns_or_raises(parse_status_list_index, value, allowed=ONLY)
    if ok:
        assert isinstance(index, int) and 0 <= index < 10**20
        assert isinstance(value, str) and value.isascii() and int(value) == index


@given(sizes)
def test_fuzz_parse_status_size(value: Any) -> None:
    ok, size = returns_or_raises(parse_status_size, value, allowed=ONLY)
    if ok:
        assert type(size) is int and 1 <= size <= MAX_STATUS_SIZE


@given(
    st.sampled_from([MESSAGES, MESSAGES[:2], None]).flatmap(lambda m: mutated_json(m) | st.just(m))
    | JSON,
    st.sampled_from([1, 2, 3]) | sizes,
)
def test_fuzz_parse_status_messages(value: Any, size: Any) -> None:
    ok, messages = returns_or_raises(parse_status_messages, value, status_size=size, allowed=ONLY)
    if ok:
        assert set(messages) == set(range(1 << parse_status_size(size)))
        assert all(isinstance(m, str) for m in messages.values())
