"""The ``encodedList`` codec of W3C Bitstring Status List v1.0 (https://www.w3.org/TR/vc-bitstring-status-list/).

Layout (spec §2.2 ``encodedList``, §7.1 "Bitstring Encoding"): entry ``i`` of a list whose entries
are ``status_size`` bits wide occupies bits ``i * status_size`` to ``i * status_size + status_size - 1``;
bit 0 is the most significant (left-most) bit of byte 0, and a multi-bit entry reads big-endian,
its first bit being the most significant. ``encodedList`` is ``"u"`` (multibase base64url, no
padding) followed by base64url(GZIP(bitstring)).

Both directions refuse lists shorter than 131,072 entries (``STATUS_LIST_LENGTH_ERROR``): a short
list gives each credential a small crowd to hide in. Decoding is hostile-input safe: the
base64url text must be canonical, the GZIP stream must be a single member with nothing after it,
and inflation stops with ``SIZE_LIMIT_ERROR`` as soon as the output would pass ``max_bytes``, so a
gzip bomb costs at most ``max_bytes`` of memory.
"""

from __future__ import annotations

import base64
import binascii
import gzip
import re
import zlib
from collections.abc import Iterator, Mapping, Sequence

from kr_ovid.errors import StatusListError
from kr_ovid.problems import ErrorCode

__all__ = [
    "DEFAULT_MAX_LIST_BYTES",
    "MAX_STATUS_SIZE",
    "MIN_LIST_LENGTH",
    "StatusBitstring",
    "decode_list",
    "encode_list",
    "parse_status_list_index",
    "parse_status_messages",
    "parse_status_size",
]

MIN_LIST_LENGTH = 131_072
"""Minimum number of entries (spec §3.2 step 2, ``minimumNumberOfEntries``): herd privacy."""

MAX_STATUS_SIZE = 8
"""Largest ``statusSize`` accepted. A list with ``statusSize`` n must come with 2**n status
messages; beyond 8 bits (256 messages) that is no realistic credential, only a resource risk."""

DEFAULT_MAX_LIST_BYTES = 16 * 1024 * 1024
"""Default cap on the *uncompressed* bitstring: 16 MiB = 134 million one-bit entries."""

_INFLATE_CHUNK = 64 * 1024
_B64URL = re.compile(r"[A-Za-z0-9_-]*")
_INDEX = re.compile(r"[0-9]{1,20}")
_HEX_STATUS = re.compile(r"0x[0-9a-fA-F]{1,8}")
_MAX_MESSAGE_CHARS = 1024


def _error(code: ErrorCode, message: str) -> StatusListError:
    return StatusListError(message, code=code)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def parse_status_size(value: object = None) -> int:
    """``statusSize`` from a status entry: absent means 1 (spec §2.1); else an integer 1..8.

    ``MALFORMED_VALUE_ERROR`` for a non-integer or a value < 1; ``SIZE_LIMIT_ERROR`` above
    :data:`MAX_STATUS_SIZE`.
    """
    if value is None:
        return 1
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise _error(ErrorCode.MALFORMED_VALUE_ERROR, "statusSize must be an integer > 0")
    if value > MAX_STATUS_SIZE:
        raise _error(ErrorCode.SIZE_LIMIT_ERROR, f"statusSize above {MAX_STATUS_SIZE} is refused")
    return value


def parse_status_list_index(value: object) -> int:
    """``statusListIndex``: a base-10 integer >= 0 *as a string* (spec §2.1); bounded length."""
    if not isinstance(value, str) or _INDEX.fullmatch(value) is None:
        raise _error(
            ErrorCode.MALFORMED_VALUE_ERROR,
            "statusListIndex must be a string of base-10 digits (at most 20)",
        )
    return int(value)


def parse_status_messages(value: object, *, status_size: int = 1) -> dict[int, str]:
    """Validate a ``statusMessage`` array and return ``{status value: message}``.

    Spec §2.1: the array must have exactly 2**statusSize elements, each an object with a
    ``status`` string (hexadecimal, ``0x`` prefix) and a ``message`` string; it must be present
    when ``statusSize`` > 1. Here every value 0 .. 2**statusSize-1 must appear exactly once, so
    that every possible entry has a meaning. Absent with ``statusSize`` 1: the spec's defaults
    ``{0: "unset", 1: "set"}``. Raises ``MALFORMED_VALUE_ERROR``.
    """
    size = parse_status_size(status_size)
    if value is None:
        if size == 1:
            return {0: "unset", 1: "set"}
        raise _error(
            ErrorCode.MALFORMED_VALUE_ERROR, "statusMessage is required when statusSize > 1"
        )
    expected = 1 << size
    if not isinstance(value, Sequence) or isinstance(value, str | bytes | bytearray):
        raise _error(ErrorCode.MALFORMED_VALUE_ERROR, "statusMessage must be an array")
    if len(value) != expected:
        raise _error(
            ErrorCode.MALFORMED_VALUE_ERROR,
            f"statusMessage must have {expected} elements for statusSize {size}, has {len(value)}",
        )
    out: dict[int, str] = {}
    for position, item in enumerate(value):
        where = f"statusMessage[{position}]"
        if not isinstance(item, Mapping):
            raise _error(ErrorCode.MALFORMED_VALUE_ERROR, f"{where} must be an object")
        status, message = item.get("status"), item.get("message")
        if not isinstance(status, str) or _HEX_STATUS.fullmatch(status) is None:
            raise _error(ErrorCode.MALFORMED_VALUE_ERROR, f"{where}.status must be a 0x-hex string")
        if not isinstance(message, str) or len(message) > _MAX_MESSAGE_CHARS:
            raise _error(ErrorCode.MALFORMED_VALUE_ERROR, f"{where}.message must be a short string")
        number = int(status[2:], 16)
        if number >= expected:
            raise _error(ErrorCode.MALFORMED_VALUE_ERROR, f"{where}.status is out of range")
        if number in out:
            raise _error(ErrorCode.MALFORMED_VALUE_ERROR, f"{where}.status repeats {status}")
        out[number] = message
    return out


class StatusBitstring:
    """A mutable list of ``length`` status entries, ``status_size`` bits each, spec bit order.

    The constructor accepts any positive length so that the class can serve scratch work; the
    131,072-entry minimum is enforced where a list crosses a trust boundary: :func:`encode_list`
    and :func:`decode_list`. Indexes outside ``range(length)`` raise ``RANGE_ERROR`` (negative
    indexes too: no Python-style wrap-around).
    """

    __slots__ = ("_data", "_length", "_status_size")

    def __init__(self, length: int, *, status_size: int = 1) -> None:
        size = parse_status_size(status_size)
        if not _is_int(length) or length < 1:
            raise _error(ErrorCode.RANGE_ERROR, "a status list needs at least one entry")
        self._status_size = size
        self._length = length
        self._data = bytearray((length * size + 7) // 8)

    @classmethod
    def from_bytes(cls, data: bytes | bytearray, *, status_size: int = 1) -> StatusBitstring:
        """Wrap an uncompressed bitstring; its length is ``len(data) * 8 // status_size``."""
        size = parse_status_size(status_size)
        length = len(data) * 8 // size
        if length == 0:
            raise _error(ErrorCode.STATUS_LIST_LENGTH_ERROR, "the bitstring holds no entry")
        out = cls(length, status_size=size)
        out._data[:] = data
        return out

    @property
    def length(self) -> int:
        """Number of entries (not bits); §3.2 step 9 compares it with the minimum."""
        return self._length

    @property
    def status_size(self) -> int:
        """Bits per entry (``statusSize``, spec §2.1), 1..8."""
        return self._status_size

    def __len__(self) -> int:
        return self._length

    def _check_index(self, index: int) -> None:
        if not _is_int(index) or not 0 <= index < self._length:
            raise _error(
                ErrorCode.RANGE_ERROR, f"status index outside 0..{self._length - 1}: {index!r}"
            )

    def get(self, index: int) -> int:
        """Value of entry ``index`` (0 .. 2**status_size - 1)."""
        self._check_index(index)
        size = self._status_size
        if size == 1:
            return (self._data[index >> 3] >> (7 - (index & 7))) & 1
        first_bit = index * size
        first, last = first_bit >> 3, (first_bit + size - 1) >> 3
        word = int.from_bytes(self._data[first : last + 1], "big")
        shift = (last - first + 1) * 8 - (first_bit & 7) - size
        return (word >> shift) & ((1 << size) - 1)

    def set(self, index: int, value: int) -> None:
        """Set entry ``index`` to ``value``; ``RANGE_ERROR`` if the value does not fit."""
        self._check_index(index)
        size = self._status_size
        if not _is_int(value) or not 0 <= value < (1 << size):
            raise _error(ErrorCode.RANGE_ERROR, f"status value must fit in {size} bit(s)")
        if size == 1:
            mask = 1 << (7 - (index & 7))
            if value:
                self._data[index >> 3] |= mask
            else:
                self._data[index >> 3] &= ~mask & 0xFF
            return
        first_bit = index * size
        first, last = first_bit >> 3, (first_bit + size - 1) >> 3
        width = last - first + 1
        word = int.from_bytes(self._data[first : last + 1], "big")
        shift = width * 8 - (first_bit & 7) - size
        mask = ((1 << size) - 1) << shift
        word = (word & ~mask) | (value << shift)
        self._data[first : last + 1] = word.to_bytes(width, "big")

    def nonzero(self) -> Iterator[tuple[int, int]]:
        """``(index, value)`` for every entry that is not 0, in index order.

        Scans for non-zero bytes with the regex engine (C speed), so a sparse million-entry
        list costs a fraction of a millisecond plus the set entries.
        """
        size = self._status_size
        seen = -1
        for match in re.finditer(rb"[^\x00]", self._data):
            byte = match.start()
            for bit in range(byte * 8, byte * 8 + 8):
                index = bit // size
                if index <= seen or index >= self._length:
                    continue
                seen = index
                value = self.get(index)
                if value:
                    yield index, value

    def to_bytes(self) -> bytes:
        """The uncompressed bitstring (unused trailing bits of the last byte are zero)."""
        return bytes(self._data)

    def copy(self) -> StatusBitstring:
        """An independent copy: the bits are mutable, a snapshot must not follow later sets."""
        out = StatusBitstring(self._length, status_size=self._status_size)
        out._data[:] = self._data
        return out

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, StatusBitstring):
            return NotImplemented
        return (
            self._length == other._length
            and self._status_size == other._status_size
            and self._data == other._data
        )

    __hash__ = None  # type: ignore[assignment]  # mutable

    def __repr__(self) -> str:
        return f"StatusBitstring(length={self._length}, status_size={self._status_size})"


def encode_list(bits: StatusBitstring) -> str:
    """``encodedList`` for ``bits``: ``"u"`` + base64url-no-pad(GZIP(bitstring)) (spec §3.3).

    The GZIP header carries mtime 0, so equal lists encode to equal strings (cache-friendly,
    reproducible publication); other encoders may differ byte-wise and still be correct.
    Level 9: a list is encoded once per publication and downloaded by every verifier.
    """
    if not isinstance(bits, StatusBitstring):
        raise _error(ErrorCode.MALFORMED_VALUE_ERROR, "encode_list needs a StatusBitstring")
    if bits.length < MIN_LIST_LENGTH:
        raise _error(
            ErrorCode.STATUS_LIST_LENGTH_ERROR,
            f"a status list needs at least {MIN_LIST_LENGTH} entries, this one has {bits.length}",
        )
    compressed = gzip.compress(bits.to_bytes(), compresslevel=9, mtime=0)
    return "u" + base64.urlsafe_b64encode(compressed).rstrip(b"=").decode("ascii")


def _max_encoded_chars(max_bytes: int) -> int:
    # Worst case of DEFLATE is stored blocks: 5 bytes per 65,535; plus the GZIP header/trailer
    # and slack for optional header fields. Anything longer cannot inflate within max_bytes.
    compressed = max_bytes + 5 * (max_bytes // 65_535 + 1) + 1024
    return 1 + (compressed * 4 + 2) // 3


def _inflate_gzip(compressed: bytes, max_bytes: int) -> bytes:
    if compressed[:2] != b"\x1f\x8b":
        raise _error(ErrorCode.MALFORMED_VALUE_ERROR, "encodedList is not GZIP data")
    inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)  # GZIP wrapper only
    out = bytearray()
    pending = compressed
    try:
        while not inflater.eof:
            chunk = inflater.decompress(pending, _INFLATE_CHUNK)
            if len(out) + len(chunk) > max_bytes:
                raise _error(
                    ErrorCode.SIZE_LIMIT_ERROR,
                    f"encodedList inflates beyond {max_bytes} bytes; refused",
                )
            out += chunk
            pending = inflater.unconsumed_tail
            if not chunk and not pending and not inflater.eof:
                raise _error(ErrorCode.MALFORMED_VALUE_ERROR, "encodedList GZIP data is truncated")
    except zlib.error as exc:
        raise _error(ErrorCode.MALFORMED_VALUE_ERROR, "encodedList GZIP data is corrupt") from exc
    if inflater.unused_data:
        raise _error(ErrorCode.MALFORMED_VALUE_ERROR, "encodedList has data after the GZIP stream")
    return bytes(out)


def decode_list(
    encoded: str, *, status_size: int = 1, max_bytes: int = DEFAULT_MAX_LIST_BYTES
) -> StatusBitstring:
    """Parse ``encodedList`` into a :class:`StatusBitstring` (spec §3.4 expansion, §3.2 step 9).

    Errors (all :class:`~kr_ovid.errors.StatusListError`): ``MALFORMED_VALUE_ERROR`` for a
    non-``u`` multibase prefix, padding, characters outside base64url, a non-canonical final
    character, non-GZIP or corrupt data (CRC/ISIZE are checked), trailing bytes or a second
    GZIP member; ``SIZE_LIMIT_ERROR`` when the text or its inflation would exceed ``max_bytes``;
    ``STATUS_LIST_LENGTH_ERROR`` when the list has fewer than 131,072 entries of
    ``status_size`` bits.
    """
    size = parse_status_size(status_size)
    if not _is_int(max_bytes) or max_bytes < 1:
        raise _error(ErrorCode.CONFIGURATION_ERROR, "max_bytes must be a positive integer")
    if not isinstance(encoded, str):
        raise _error(ErrorCode.MALFORMED_VALUE_ERROR, "encodedList must be a string")
    if len(encoded) > _max_encoded_chars(max_bytes):
        raise _error(ErrorCode.SIZE_LIMIT_ERROR, "encodedList is too long; refused")
    if not encoded.startswith("u"):
        raise _error(
            ErrorCode.MALFORMED_VALUE_ERROR,
            "encodedList must be multibase base64url without padding ('u' prefix)",
        )
    body = encoded[1:]
    if _B64URL.fullmatch(body) is None or len(body) % 4 == 1:
        raise _error(
            ErrorCode.MALFORMED_VALUE_ERROR, "encodedList is not base64url without padding"
        )
    try:
        compressed = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    except (binascii.Error, ValueError) as exc:
        raise _error(ErrorCode.MALFORMED_VALUE_ERROR, "encodedList is not base64url") from exc
    if base64.urlsafe_b64encode(compressed).rstrip(b"=").decode("ascii") != body:
        # Non-zero unused bits in the last character: two strings for one value. Refused so
        # that an encodedList has exactly one spelling.
        raise _error(ErrorCode.MALFORMED_VALUE_ERROR, "encodedList base64url is not canonical")
    raw = _inflate_gzip(compressed, max_bytes)
    entries = len(raw) * 8 // size
    if entries < MIN_LIST_LENGTH:
        raise _error(
            ErrorCode.STATUS_LIST_LENGTH_ERROR,
            f"status list has {entries} entries of {size} bit(s); at least {MIN_LIST_LENGTH} needed",
        )
    return StatusBitstring.from_bytes(raw, status_size=size)
