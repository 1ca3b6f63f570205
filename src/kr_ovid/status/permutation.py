"""A keyed pseudo-random permutation of ``range(size)``, for random status-list indexes.

The Bitstring Status List spec asks issuers to assign indexes randomly (v1.0 §2.1,
``statusListIndex``) so that an index says nothing about when a credential was issued or how
many were issued before it (herd privacy).
Drawing random numbers and retrying on collisions slows down as a list fills up, and needs the
whole set of used indexes. Instead, the store keeps a counter per list and hands out
``permutation(counter)``: O(1) per allocation at any fill level, and never the same index twice,
because a permutation is a bijection.

Construction: an alternating (unbalanced) Feistel network over ``k`` bits, with
``2**k >= size`` and ``k`` minimal, and *cycle walking* (apply the cipher again until the value
lands inside ``range(size)``); since ``2**k < 2 * size`` a walk takes fewer than two steps on
average. The round function is keyed BLAKE2b, so without the key (32 random bytes per list,
kept in the store) the sequence of indexes cannot be predicted from indexes one has seen.

The function is part of the stores' on-disk format: a list's counter persists, so a changed
permutation could map a later counter onto an index an earlier version already handed out.
Changing it needs a new store schema version (a test pins its output).
"""

from __future__ import annotations

import hashlib

from kr_ovid.errors import ConfigurationError

__all__ = ["KeyedPermutation"]

_PERSON = b"kr-ovid-statusix"  # BLAKE2b personalisation (16 bytes): domain separation
_DEFAULT_ROUNDS = 10  # as NIST FF1; margin over the 4 rounds Luby-Rackoff needs
_MAX_SIZE = 1 << 24  # the stores' MAX_LIST_SIZE; keeps the round tables at 2**12 entries


class KeyedPermutation:
    """Bijection of ``range(size)`` onto itself selected by ``key``; ``inverse`` undoes it.

    The round functions map half-blocks of at most 12 bits (lists are at most 2**24 entries),
    so they are tabulated once at construction (10 rounds x 2**12 hashes at most; 10 x 512
    for the default 131,072-entry list): evaluating the permutation is then table look-ups.
    """

    __slots__ = ("_right_bits", "_rounds", "_size", "_tables")

    def __init__(self, key: bytes, size: int, *, rounds: int = _DEFAULT_ROUNDS) -> None:
        if not isinstance(key, bytes) or not 16 <= len(key) <= 64:
            raise ConfigurationError("permutation key must be 16 to 64 bytes")
        if isinstance(size, bool) or not isinstance(size, int) or not 1 <= size <= _MAX_SIZE:
            raise ConfigurationError(f"permutation size must be an integer in 1..{_MAX_SIZE}")
        if isinstance(rounds, bool) or not isinstance(rounds, int) or rounds < 4 or rounds % 2:
            raise ConfigurationError("permutation rounds must be an even number >= 4")
        bits = max(2, (size - 1).bit_length())
        self._size = size
        self._rounds = rounds
        self._right_bits = bits - bits // 2
        # F_i(x) = BLAKE2b_key(size || i || x), truncated to the width of the half it is
        # xored into. The size is hashed in so that one key never yields related permutations
        # for different sizes; the personalisation separates this use of BLAKE2b from others.
        base = hashlib.blake2b(key=key, digest_size=8, person=_PERSON)
        base.update(size.to_bytes(8, "big"))
        self._tables: list[list[int]] = []
        in_bits, out_bits = self._right_bits, bits // 2
        for number in range(rounds):
            prefix = base.copy()
            prefix.update(number.to_bytes(1, "big"))
            mask = (1 << out_bits) - 1
            table = []
            for x in range(1 << in_bits):
                h = prefix.copy()
                h.update(x.to_bytes(8, "big"))
                table.append(int.from_bytes(h.digest(), "big") & mask)
            self._tables.append(table)
            in_bits, out_bits = out_bits, in_bits

    @property
    def size(self) -> int:
        """The list length this permutation covers: inputs and outputs are ``range(size)``."""
        return self._size

    def _encrypt(self, value: int) -> int:
        # Alternating Feistel: (L: a bits, R: b bits) -> (R, L ^ F(R)) swaps the widths each
        # round; an even round count brings them back, so the output is again a k-bit value.
        b = self._right_bits
        left, right = value >> b, value & ((1 << b) - 1)
        for table in self._tables:
            left, right = right, left ^ table[right]
        return (left << b) | right

    def _decrypt(self, value: int) -> int:
        b = self._right_bits  # widths after an even number of rounds are the initial ones
        left, right = value >> b, value & ((1 << b) - 1)
        for table in reversed(self._tables):
            # Round i produced (L', R') = (R, L ^ F_i(R)): so R = L' and L = R' ^ F_i(L').
            left, right = right ^ table[left], left
        return (left << b) | right

    def _check(self, value: int) -> None:
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < self._size:
            raise ConfigurationError(f"permutation input must be in range({self._size})")

    def __call__(self, value: int) -> int:
        """The image of ``value``: cycle-walk until the result falls inside ``range(size)``."""
        self._check(value)
        out = self._encrypt(value)
        while out >= self._size:
            out = self._encrypt(out)
        return out

    def inverse(self, value: int) -> int:
        """The preimage of ``value`` (walks backwards along the same cycle)."""
        self._check(value)
        out = self._decrypt(value)
        while out >= self._size:
            out = self._decrypt(out)
        return out

    def __repr__(self) -> str:  # never show the key or the tables
        return f"KeyedPermutation(size={self._size}, rounds={self._rounds})"
