"""Bitstring Status List codec: the vectors (tests/vectors/bitstring-status-list/), bit order,
multi-bit entries, the 131,072-entry minimum, bounded inflation and strict decoding."""

from __future__ import annotations

import base64
import gzip
import json
import tracemalloc
import zlib
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kr_ovid.errors import StatusListError
from kr_ovid.problems import ErrorCode
from kr_ovid.status import (
    DEFAULT_MAX_LIST_BYTES,
    MIN_LIST_LENGTH,
    StatusBitstring,
    decode_list,
    encode_list,
    parse_status_list_index,
    parse_status_messages,
    parse_status_size,
)

VECTORS = Path(__file__).resolve().parents[1] / "vectors" / "bitstring-status-list"


def load(name: str) -> Any:
    return json.loads((VECTORS / name).read_text(encoding="utf-8"))


def b64(data: bytes) -> str:
    return "u" + base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def code_of(excinfo: pytest.ExceptionInfo[StatusListError]) -> ErrorCode:
    return excinfo.value.code


# -- vectors --------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["spec-example-all-zero.json", "six-bits-set.json"])
def test_single_bit_vectors_decode_to_the_stated_indexes(name: str) -> None:
    vector = load(name)
    bits = decode_list(vector["encodedList"])
    assert bits.length == vector["entries"] == MIN_LIST_LENGTH
    assert [i for i, _ in bits.nonzero()] == vector["setIndexes"]
    for index in vector["setIndexes"]:
        assert bits.get(index) == 1
    assert decode_list(encode_list(bits)) == bits  # re-encoding may differ byte-wise


def test_status_size_2_vector_decodes_to_the_stated_values() -> None:
    vector = load("status-size-2.json")
    bits = decode_list(vector["encodedList"], status_size=vector["statusSize"])
    assert bits.length == vector["entries"]
    expected = {int(k): v for k, v in vector["values"].items()}
    assert dict(bits.nonzero()) == expected
    assert decode_list(encode_list(bits), status_size=2) == bits


def test_spec_status_list_credentials_carry_the_all_zero_list() -> None:
    expected = load("spec-example-all-zero.json")["encodedList"]
    for name in ("example-status-list-credential.json", "appendix-status-list-credential.json"):
        subject = load(name)["credentialSubject"]
        assert subject["encodedList"] == expected
        assert list(decode_list(subject["encodedList"]).nonzero()) == []


def test_spec_entry_indexes_parse_as_strings() -> None:
    entries = load("example-entry-simple-credential.json")["credentialStatus"]
    assert [parse_status_list_index(e["statusListIndex"]) for e in entries] == [94567, 23452]
    with pytest.raises(StatusListError) as excinfo:
        parse_status_list_index(94567)  # the spec wants a string
    assert code_of(excinfo) == ErrorCode.MALFORMED_VALUE_ERROR
    for bad in ("", "-1", "1.0", " 1", "1" * 21, "١٢"):  # Arabic-Indic digits are not [0-9]
        with pytest.raises(StatusListError):
            parse_status_list_index(bad)


def test_spec_message_example_is_refused_as_incomplete_and_accepted_when_complete() -> None:
    status = load("example-entry-message-credential.json")["credentialStatus"]
    size = parse_status_size(status["statusSize"])
    assert size == 2
    # The spec's example lists 3 of the 4 messages (its "..." line was removed to make JSON).
    with pytest.raises(StatusListError) as excinfo:
        parse_status_messages(status["statusMessage"], status_size=size)
    assert code_of(excinfo) == ErrorCode.MALFORMED_VALUE_ERROR
    completed = [*status["statusMessage"], {"status": "0x3", "message": "undefined"}]
    assert parse_status_messages(completed, status_size=size) == {
        0: "pending_review",
        1: "accepted",
        2: "rejected",
        3: "undefined",
    }


# -- layout -----------------------------------------------------------------------------------


def test_bit_zero_is_the_most_significant_bit_of_byte_zero() -> None:
    bits = StatusBitstring(MIN_LIST_LENGTH)
    bits.set(0, 1)
    bits.set(9, 1)
    bits.set(MIN_LIST_LENGTH - 1, 1)
    raw = bits.to_bytes()
    assert raw[0] == 0b1000_0000
    assert raw[1] == 0b0100_0000
    assert raw[-1] == 0b0000_0001
    assert len(raw) == MIN_LIST_LENGTH // 8


def test_multi_bit_entries_are_big_endian_and_may_straddle_bytes() -> None:
    bits = StatusBitstring(16, status_size=3)
    bits.set(0, 0b101)
    bits.set(2, 0b111)  # bits 6..8: last two bits of byte 0, first bit of byte 1
    assert bits.to_bytes()[:2] == bytes([0b1010_0011, 0b1000_0000])
    assert bits.get(0) == 5 and bits.get(1) == 0 and bits.get(2) == 7
    bits.set(2, 0b010)
    assert bits.to_bytes()[:2] == bytes([0b1010_0001, 0b0000_0000])
    assert dict(bits.nonzero()) == {0: 5, 2: 2}


@given(
    size=st.integers(min_value=1, max_value=8),
    writes=st.lists(st.tuples(st.integers(0, 199), st.integers(0, 255)), max_size=40),
)
def test_get_returns_what_set_wrote(size: int, writes: list[tuple[int, int]]) -> None:
    bits = StatusBitstring(200, status_size=size)
    model = [0] * 200
    for index, value in writes:
        value &= (1 << size) - 1
        bits.set(index, value)
        model[index] = value
    assert [bits.get(i) for i in range(200)] == model
    assert dict(bits.nonzero()) == {i: v for i, v in enumerate(model) if v}
    copy = bits.copy()
    assert copy == bits and copy is not bits


@given(
    size=st.sampled_from([1, 2, 3, 8]),
    writes=st.lists(
        st.tuples(st.integers(0, MIN_LIST_LENGTH - 1), st.integers(1, 255)), max_size=20
    ),
)
def test_encode_decode_round_trip(size: int, writes: list[tuple[int, int]]) -> None:
    bits = StatusBitstring(MIN_LIST_LENGTH, status_size=size)
    for index, value in writes:
        bits.set(index, value & ((1 << size) - 1) or 1)
    encoded = encode_list(bits)
    assert encoded.startswith("u") and "=" not in encoded
    assert decode_list(encoded, status_size=size) == bits


def test_encoding_is_deterministic() -> None:
    bits = StatusBitstring(MIN_LIST_LENGTH)
    bits.set(42, 1)
    assert encode_list(bits) == encode_list(bits.copy())


def test_decoded_length_counts_whole_entries() -> None:
    # 131,073 one-bit entries need 16,385 bytes; decoding cannot know the 7 padding bits.
    bits = StatusBitstring(MIN_LIST_LENGTH + 1)
    bits.set(MIN_LIST_LENGTH, 1)
    decoded = decode_list(encode_list(bits))
    assert decoded.length == MIN_LIST_LENGTH + 8
    assert decoded.get(MIN_LIST_LENGTH) == 1
    # statusSize 3: 49,152 bytes hold exactly 131,072 entries.
    three = StatusBitstring(MIN_LIST_LENGTH, status_size=3)
    assert decode_list(encode_list(three), status_size=3).length == MIN_LIST_LENGTH


# -- ranges and lengths -----------------------------------------------------------------------


@pytest.mark.parametrize("index", [-1, MIN_LIST_LENGTH, 10**12, True, 1.0, "3"])
def test_index_out_of_range_is_a_range_error(index: Any) -> None:
    bits = StatusBitstring(MIN_LIST_LENGTH)
    for call in (lambda: bits.get(index), lambda: bits.set(index, 1)):
        with pytest.raises(StatusListError) as excinfo:
            call()
        assert code_of(excinfo) == ErrorCode.RANGE_ERROR


@pytest.mark.parametrize(("size", "value"), [(1, 2), (2, 4), (1, -1), (1, True)])
def test_value_that_does_not_fit_is_a_range_error(size: int, value: Any) -> None:
    bits = StatusBitstring(16, status_size=size)
    with pytest.raises(StatusListError) as excinfo:
        bits.set(0, value)
    assert code_of(excinfo) == ErrorCode.RANGE_ERROR


def test_short_lists_are_refused_on_encode_and_decode() -> None:
    short = StatusBitstring(MIN_LIST_LENGTH - 8)
    with pytest.raises(StatusListError) as excinfo:
        encode_list(short)
    assert code_of(excinfo) == ErrorCode.STATUS_LIST_LENGTH_ERROR
    with pytest.raises(StatusListError) as excinfo:
        decode_list(b64(gzip.compress(short.to_bytes())))
    assert code_of(excinfo) == ErrorCode.STATUS_LIST_LENGTH_ERROR
    # 16 KiB is 131,072 bits but only 65,536 two-bit entries: too short for statusSize 2.
    sixteen_kib = load("spec-example-all-zero.json")["encodedList"]
    with pytest.raises(StatusListError) as excinfo:
        decode_list(sixteen_kib, status_size=2)
    assert code_of(excinfo) == ErrorCode.STATUS_LIST_LENGTH_ERROR
    with pytest.raises(StatusListError) as excinfo:
        decode_list(b64(gzip.compress(b"")))
    assert code_of(excinfo) == ErrorCode.STATUS_LIST_LENGTH_ERROR


@pytest.mark.parametrize(
    ("value", "code"),
    [
        (0, ErrorCode.MALFORMED_VALUE_ERROR),
        (-1, ErrorCode.MALFORMED_VALUE_ERROR),
        (True, ErrorCode.MALFORMED_VALUE_ERROR),
        ("2", ErrorCode.MALFORMED_VALUE_ERROR),
        (9, ErrorCode.SIZE_LIMIT_ERROR),
    ],
)
def test_status_size_is_validated(value: Any, code: ErrorCode) -> None:
    with pytest.raises(StatusListError) as excinfo:
        parse_status_size(value)
    assert code_of(excinfo) == code
    assert parse_status_size(None) == 1 and parse_status_size(8) == 8


# -- hostile encodedList ----------------------------------------------------------------------


def _gzip_bomb(inflated_mib: int) -> bytes:
    deflater = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    zeros = bytes(1 << 20)
    parts = [deflater.compress(zeros) for _ in range(inflated_mib)]
    return b"".join([*parts, deflater.flush()])


def test_gzip_bomb_is_refused_before_it_fills_memory() -> None:
    bomb = b64(_gzip_bomb(64))  # 64 MiB of zeros in ~65 KB
    assert len(bomb) < 100_000
    tracemalloc.start()
    try:
        with pytest.raises(StatusListError) as excinfo:
            decode_list(bomb)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert code_of(excinfo) == ErrorCode.SIZE_LIMIT_ERROR
    assert peak < DEFAULT_MAX_LIST_BYTES + 4 * 2**20
    with pytest.raises(StatusListError) as excinfo:
        decode_list(bomb, max_bytes=1 << 20)
    assert code_of(excinfo) == ErrorCode.SIZE_LIMIT_ERROR


def test_a_list_exactly_at_the_byte_limit_decodes() -> None:
    bits = StatusBitstring(MIN_LIST_LENGTH)
    assert decode_list(encode_list(bits), max_bytes=MIN_LIST_LENGTH // 8).length == MIN_LIST_LENGTH
    with pytest.raises(StatusListError) as excinfo:
        decode_list(encode_list(bits), max_bytes=MIN_LIST_LENGTH // 8 - 1)
    assert code_of(excinfo) == ErrorCode.SIZE_LIMIT_ERROR


def test_overlong_text_is_refused_without_decoding() -> None:
    with pytest.raises(StatusListError) as excinfo:
        decode_list("u" + "A" * 200_000, max_bytes=100_000)
    assert code_of(excinfo) == ErrorCode.SIZE_LIMIT_ERROR


def _valid() -> tuple[str, bytes]:
    raw = StatusBitstring(MIN_LIST_LENGTH).to_bytes()
    compressed = gzip.compress(raw, mtime=0)
    return b64(compressed), compressed


def _non_canonical() -> str:
    """A valid list whose base64url text has unused bits in its last character, set to 1."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    bits = StatusBitstring(MIN_LIST_LENGTH)
    for index in range(0, MIN_LIST_LENGTH, 4099):
        body = b64(gzip.compress(bits.to_bytes(), mtime=0))[1:]
        if len(body) % 4 in (2, 3):
            unused = 4 if len(body) % 4 == 2 else 2
            last = alphabet[alphabet.index(body[-1]) | ((1 << unused) - 1)]
            assert decode_list("u" + body).length == MIN_LIST_LENGTH
            return "u" + body[:-1] + last
        bits.set(index, 1)
    raise AssertionError("no suitable length found")


def _malformed_cases() -> dict[str, Any]:
    encoded, compressed = _valid()
    body = encoded[1:]
    other_member = gzip.compress(b"\x00" * 10, mtime=0)
    return {
        "z-base58btc prefix": "z" + body,
        "no prefix": body,
        "padding": encoded + "=" * (-len(body) % 4 or 4),
        "standard base64 alphabet": "u" + base64.b64encode(compressed).decode().rstrip("="),
        "whitespace": "u" + body[:10] + "\n" + body[10:],
        "impossible length": "u" + body + "A" * ((1 - len(body)) % 4),
        "non-canonical last character": _non_canonical(),
        "zlib not gzip": b64(zlib.compress(StatusBitstring(MIN_LIST_LENGTH).to_bytes())),
        "raw deflate": b64(zlib.compress(bytes(16384))[2:-4]),
        "truncated": b64(compressed[:-6]),
        "trailing garbage": b64(compressed + b"\x00junk"),
        "second gzip member": b64(compressed + other_member),
        "bad crc": b64(compressed[:-8] + bytes([compressed[-8] ^ 1]) + compressed[-7:]),
        "not a string": compressed,
        "empty": "u",
    }


@pytest.mark.parametrize("case", list(_malformed_cases()))
def test_malformed_encoded_lists_are_refused(case: str) -> None:
    value = _malformed_cases()[case]
    with pytest.raises(StatusListError) as excinfo:
        decode_list(value)
    assert code_of(excinfo) == ErrorCode.MALFORMED_VALUE_ERROR, case
    if case == "non-canonical last character":
        assert "canonical" in str(excinfo.value)


def test_the_valid_baseline_of_the_malformed_cases_decodes() -> None:
    assert decode_list(_valid()[0]).length == MIN_LIST_LENGTH


# -- statusMessage ----------------------------------------------------------------------------


def messages(n: int) -> list[dict[str, str]]:
    return [{"status": hex(i), "message": f"m{i}"} for i in range(n)]


def test_status_messages_default_for_one_bit() -> None:
    assert parse_status_messages(None) == {0: "unset", 1: "set"}
    assert parse_status_messages(messages(2)) == {0: "m0", 1: "m1"}


@pytest.mark.parametrize(
    ("value", "size"),
    [
        (None, 2),  # required when statusSize > 1
        (messages(3), 2),
        (messages(5), 2),
        ("0x0", 1),
        ([{"status": "0x0", "message": "a"}, {"status": "0x0", "message": "b"}], 1),  # repeated
        ([{"status": "0x0", "message": "a"}, {"status": "0x2", "message": "b"}], 1),  # out of range
        ([{"status": "1", "message": "a"}, {"status": "0x1", "message": "b"}], 1),  # no 0x
        ([{"status": "0xg", "message": "a"}, {"status": "0x1", "message": "b"}], 1),
        ([{"status": 0, "message": "a"}, {"status": "0x1", "message": "b"}], 1),
        ([{"status": "0x0"}, {"status": "0x1", "message": "b"}], 1),  # no message
        ([{"status": "0x0", "message": "x" * 2000}, {"status": "0x1", "message": "b"}], 1),
        (["0x0", "0x1"], 1),
    ],
)
def test_bad_status_messages_are_refused(value: Any, size: int) -> None:
    with pytest.raises(StatusListError) as excinfo:
        parse_status_messages(value, status_size=size)
    assert code_of(excinfo) == ErrorCode.MALFORMED_VALUE_ERROR


def test_status_messages_accept_any_order_upper_case_hex_and_extra_members() -> None:
    value = [{"status": f"0x{i:X}", "message": f"m{i}", "extra": True} for i in reversed(range(16))]
    assert parse_status_messages(value, status_size=4) == {i: f"m{i}" for i in range(16)}
