"""Issuer-side status-list state: which credential holds which index, and the current bits.

Model. Every credential gets one :class:`StatusAllocation` ``(list_id, index)``; the same
position is used in the mission's *revocation* list and its *suspension* list with that
``list_id`` (so an ID credential carries two ``BitstringStatusListEntry`` values with equal
``statusListIndex``). Indexes are handed out in a keyed pseudo-random order
(:class:`~kr_ovid.status.permutation.KeyedPermutation` of a per-list counter), so they reveal
neither issuance order nor how many credentials a list holds, cost O(1) at any fill level and are
never handed out twice. A full list rolls over to ``list_id + 1``.

Rules every store enforces (the contract tests run them against all implementations):

- ``revocation`` is one-way: setting it back to 0 raises ``CREDENTIAL_REVOKED``;
  ``suspension`` can be set and cleared.
- only allocated positions can change status: a bit set on a free position would be inherited
  by the credential that later receives it;
- every ``set_status`` writes an :class:`AuditRecord` in the same transaction: time (from the
  injected clock), position, purpose, old and new value, ``actor`` and ``reason``;
- the copies of one issuance (a person's Data Integrity credential and SD-JWT copies, allocated
  by one ``allocate_many(..., one_issuance=True)``) stay linked: :meth:`StatusListStore.issuance_of`
  finds all of them from any one id, so a revocation reaches every copy. The link is a row of
  credential ids, nothing about the person.

No personal data. The store keeps credential ids (use ``urn:uuid:`` values, not anything derived
from the person), positions, bits and audit rows. ``actor`` should be a staff or system code and
``reason`` a short code or phrase (``lost-device``, ``reissued``): both are limited to one line of
printable text (``actor`` 128, ``reason`` 200 characters) so that free-text case notes cannot be
pasted in. The per-list permutation keys are the only secrets in the store; whoever reads them
can predict future indexes, nothing more.
"""

from __future__ import annotations

import re
import secrets
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final, Literal, Protocol, Self, runtime_checkable

from kr_ovid.clock import Clock, SystemClock
from kr_ovid.errors import ConfigurationError, StatusListError
from kr_ovid.problems import ErrorCode
from kr_ovid.status.bitstring import MIN_LIST_LENGTH, StatusBitstring
from kr_ovid.status.permutation import KeyedPermutation

__all__ = [
    "DEFAULT_LIST_SIZE",
    "MAX_LIST_SIZE",
    "PURPOSES",
    "AuditRecord",
    "BeforeCommitHook",
    "InMemoryStatusListStore",
    "StatusAllocation",
    "StatusListStore",
    "StatusPurpose",
]

StatusPurpose = Literal["revocation", "suspension"]
PURPOSES: Final[tuple[StatusPurpose, ...]] = ("revocation", "suspension")

DEFAULT_LIST_SIZE: Final = MIN_LIST_LENGTH
MAX_LIST_SIZE: Final = 1 << 24
"""16,777,216 entries (2 MiB per published list): beyond that a list is slow to publish."""

MAX_ACTOR_CHARS: Final = 128
MAX_REASON_CHARS: Final = 200
MAX_CREDENTIAL_ID_CHARS: Final = 256
PERMUTATION_KEY_BYTES: Final = 32

BeforeCommitHook = Callable[[str], None]
"""Called inside each write transaction just before it commits, with the operation name
(``"allocate"`` or ``"set_status"``). For tests and instrumentation: the crash tests kill the
process here; an exception raised by the hook rolls the transaction back."""

_CREDENTIAL_ID = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:[\x21-\x7e]+")


@dataclass(frozen=True, slots=True)
class StatusAllocation:
    """A credential's position: ``index`` in list ``list_id``, for every purpose."""

    list_id: int
    index: int


@dataclass(frozen=True, slots=True)
class AuditRecord:
    """One status change (or confirmation of an unchanged value), as stored.

    ``old_value``/``new_value`` rather than ``old``/``new``: the field names say what they hold.
    """

    time: datetime
    list_id: int
    index: int
    purpose: StatusPurpose
    old_value: int
    new_value: int
    actor: str
    reason: str


@runtime_checkable
class StatusListStore(Protocol):
    """Issuer-side status-list state (see the module docstring for the rules)."""

    @property
    def list_size(self) -> int:
        """Entries per list for lists created from now on (existing lists keep their size)."""
        ...

    def allocate(self, *, credential_id: str) -> StatusAllocation:
        """Give ``credential_id`` a fresh position (one transaction). A credential id can be
        allocated once; a second call raises ``ConfigurationError``."""
        ...

    def allocate_many(
        self, credential_ids: Sequence[str], *, one_issuance: bool = False
    ) -> list[StatusAllocation]:
        """Allocate for a batch in one transaction (all or nothing), in input order. With
        ``one_issuance`` the ids are the copies of one issuance, linked for :meth:`issuance_of`;
        without it a batch is only a faster way to allocate (the ids stay unrelated)."""
        ...

    def find(self, credential_id: str) -> StatusAllocation | None:
        """The allocation recorded for ``credential_id``, if any."""
        ...

    def issuance_of(self, credential_id: str) -> dict[str, StatusAllocation]:
        """Every credential of the issuance ``credential_id`` belongs to (itself included), id →
        allocation in allocation order; just itself when it was allocated alone; empty when the
        store does not know the id."""
        ...

    def set_status(
        self,
        list_id: int,
        index: int,
        purpose: str,
        value: int,
        *,
        actor: str,
        reason: str,
    ) -> AuditRecord:
        """Set one bit (one transaction, audited). Returns the audit record written."""
        ...

    def get_status(self, list_id: int, index: int, purpose: str) -> int:
        """Current value of one entry (0 for a position not yet allocated)."""
        ...

    def list_ids(self) -> list[int]:
        """Every list that exists, ascending: all of them must stay published."""
        ...

    def bitstring(self, list_id: int, purpose: str) -> StatusBitstring:
        """The current list for ``purpose``, ready for :func:`~kr_ovid.status.encode_list`."""
        ...

    def audit(self, list_id: int | None = None) -> list[AuditRecord]:
        """Audit records in the order they were written, optionally for one list."""
        ...

    def close(self) -> None:
        """Release the connection (no-op for the in-memory store)."""
        ...


# -- validation shared by every implementation ------------------------------------------------


def check_list_size(list_size: object) -> int:
    """Between the spec's ``minimumNumberOfEntries`` (131,072; Bitstring Status List v1.0 §3.2
    step 2) and :data:`MAX_LIST_SIZE`: a shorter list would fail every verifier's length check
    and give each credential too small a crowd to hide in."""
    if (
        not isinstance(list_size, int)
        or isinstance(list_size, bool)
        or not MIN_LIST_LENGTH <= list_size <= MAX_LIST_SIZE
    ):
        raise ConfigurationError(
            f"list_size must be an integer in {MIN_LIST_LENGTH}..{MAX_LIST_SIZE} "
            "(the spec's minimum protects herd privacy)"
        )
    return list_size


def check_credential_id(credential_id: object) -> str:
    """A URI without spaces, at most 256 characters; ``urn:uuid:`` is recommended because the
    store keeps the id and must hold nothing derived from the person."""
    if (
        not isinstance(credential_id, str)
        or len(credential_id) > MAX_CREDENTIAL_ID_CHARS
        or _CREDENTIAL_ID.fullmatch(credential_id) is None
    ):
        raise ConfigurationError(
            "credential_id must be a URI without spaces (urn:uuid:... recommended), "
            f"at most {MAX_CREDENTIAL_ID_CHARS} characters"
        )
    return credential_id


def check_credential_ids(credential_ids: Sequence[str]) -> list[str]:
    """Distinct ids; a lone string is refused (it would be taken as a batch of characters)."""
    if isinstance(credential_ids, str):
        raise ConfigurationError("credential_ids must be a sequence of ids, not one string")
    ids = [check_credential_id(c) for c in credential_ids]
    if len(set(ids)) != len(ids):
        raise ConfigurationError("credential_ids contains the same id twice")
    return ids


def check_purpose(purpose: object) -> StatusPurpose:
    """``revocation`` or ``suspension``: the purposes a mission publishes (§2.1 also defines
    ``refresh`` and ``message``, which kr_ovid does not issue)."""
    if purpose == "revocation":
        return "revocation"
    if purpose == "suspension":
        return "suspension"
    raise ConfigurationError(f"status purpose must be one of {', '.join(PURPOSES)}")


def _non_negative(name: str, number: object) -> int:
    if not isinstance(number, int) or isinstance(number, bool) or number < 0:
        raise StatusListError(f"{name} must be a non-negative integer", code=ErrorCode.RANGE_ERROR)
    return number


def check_position(list_id: object, index: object) -> tuple[int, int]:
    """Non-negative integers (``RANGE_ERROR``); whether the position exists is the store's."""
    return _non_negative("list_id", list_id), _non_negative("index", index)


def check_value(value: object) -> int:
    """0 or 1: both purposes are published with ``statusSize`` 1, so no other value fits."""
    if not isinstance(value, int) or isinstance(value, bool) or value not in (0, 1):
        raise StatusListError("status value must be 0 or 1", code=ErrorCode.RANGE_ERROR)
    return value


def _check_line(value: object, name: str, limit: int) -> str:
    if (
        not isinstance(value, str)
        or not value.strip()
        or len(value) > limit
        or not value.isprintable()
    ):
        raise ConfigurationError(
            f"{name} must be one line of printable text, 1..{limit} characters "
            "(a code or short phrase; never personal data)"
        )
    return value


def check_actor(actor: object) -> str:
    """Who changed a status: a staff or system code on one printable line (see the module)."""
    return _check_line(actor, "actor", MAX_ACTOR_CHARS)


def check_reason(reason: object) -> str:
    """Why: a short code or phrase on one printable line, never a free-text case note."""
    return _check_line(reason, "reason", MAX_REASON_CHARS)


def check_transition(purpose: StatusPurpose, old_value: int, new_value: int) -> None:
    """Revocation is permanent (spec: "This status is not reversible")."""
    if purpose == "revocation" and old_value and not new_value:
        raise StatusListError(
            "revocation is permanent; the credential stays revoked",
            code=ErrorCode.CREDENTIAL_REVOKED,
        )


def now_utc(clock: Clock) -> datetime:
    """The injected clock's instant in UTC; a naive one is refused, since audit times written
    by different processes must compare."""
    now = clock.now()
    if now.tzinfo is None:
        raise ConfigurationError("the clock returned a naive datetime; it must be timezone-aware")
    return now.astimezone(UTC)


def out_of_range(list_id: int, index: int | None = None) -> StatusListError:
    """``RANGE_ERROR`` for a list, or a position in it, that does not exist."""
    where = f"list {list_id}" if index is None else f"index {index} of list {list_id}"
    return StatusListError(f"no such status position: {where}", code=ErrorCode.RANGE_ERROR)


def not_allocated(list_id: int, index: int) -> StatusListError:
    """``RANGE_ERROR`` for a free position: a bit set there would pass to the credential that
    later receives it."""
    return StatusListError(
        f"index {index} of list {list_id} is not allocated to a credential; refusing to set it",
        code=ErrorCode.RANGE_ERROR,
    )


def new_permutation_key() -> bytes:
    """A list's permutation key, 32 bytes from ``secrets``: whoever knows it can predict the
    list's next indexes."""
    return secrets.token_bytes(PERMUTATION_KEY_BYTES)


def check_status_change(
    list_id: object, index: object, purpose: object, value: object, *, actor: object, reason: object
) -> tuple[int, int, StatusPurpose, int, str, str]:
    """Validate every argument of ``set_status`` (shared by the implementations)."""
    list_id, index = check_position(list_id, index)
    return (
        list_id,
        index,
        check_purpose(purpose),
        check_value(value),
        check_actor(actor),
        check_reason(reason),
    )


def check_schema_version(found: object, expected: str) -> None:
    """Refuse a database written by another (future or unknown) store format."""
    if found != expected:
        raise StatusListError(
            f"status store schema version {found!r} is not {expected!r}; refusing to use it",
            code=ErrorCode.CONFIGURATION_ERROR,
        )


class StoreBase:
    """What every implementation shares: the options, argument validation (each public method
    checks its arguments here, then calls the implementation's ``_method``), one allocation as
    a batch of one, and a cache of keyed permutations (building one costs milliseconds;
    allocation must not)."""

    def __init__(
        self,
        *,
        list_size: int,
        clock: Clock | None,
        before_commit: BeforeCommitHook | None,
    ) -> None:
        self._list_size = check_list_size(list_size)
        self._clock: Clock = clock if clock is not None else SystemClock()
        self._before_commit = before_commit
        # Keyed by (list_id, key): a list created in a transaction that rolled back, then
        # created again by another process with another key, must not reuse the cached one.
        self._permutations: dict[tuple[int, bytes], KeyedPermutation] = {}

    @property
    def list_size(self) -> int:
        return self._list_size

    def allocate(self, *, credential_id: str) -> StatusAllocation:
        """A batch of one: single and batch allocation share one transaction path."""
        return self.allocate_many([credential_id])[0]

    def allocate_many(
        self, credential_ids: Sequence[str], *, one_issuance: bool = False
    ) -> list[StatusAllocation]:
        if not isinstance(one_issuance, bool):
            raise ConfigurationError("one_issuance must be True or False")
        return self._allocate(check_credential_ids(credential_ids), one_issuance)

    def find(self, credential_id: str) -> StatusAllocation | None:
        return self._find(check_credential_id(credential_id))

    def issuance_of(self, credential_id: str) -> dict[str, StatusAllocation]:
        return self._issuance_of(check_credential_id(credential_id))

    def set_status(
        self,
        list_id: int,
        index: int,
        purpose: str,
        value: int,
        *,
        actor: str,
        reason: str,
    ) -> AuditRecord:
        list_id, index, checked, value, actor, reason = check_status_change(
            list_id, index, purpose, value, actor=actor, reason=reason
        )
        return self._set_status(list_id, index, checked, value, actor=actor, reason=reason)

    def get_status(self, list_id: int, index: int, purpose: str) -> int:
        list_id, index = check_position(list_id, index)
        return self._get_status(list_id, index, check_purpose(purpose))

    def bitstring(self, list_id: int, purpose: str) -> StatusBitstring:
        list_id, _ = check_position(list_id, 0)
        return self._bitstring(list_id, check_purpose(purpose))

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- what an implementation provides, arguments already checked ---------------------------

    def _allocate(self, ids: list[str], one_issuance: bool) -> list[StatusAllocation]:
        raise NotImplementedError

    def _find(self, credential_id: str) -> StatusAllocation | None:
        raise NotImplementedError

    def _issuance_of(self, credential_id: str) -> dict[str, StatusAllocation]:
        raise NotImplementedError

    def _set_status(
        self,
        list_id: int,
        index: int,
        purpose: StatusPurpose,
        value: int,
        *,
        actor: str,
        reason: str,
    ) -> AuditRecord:
        raise NotImplementedError

    def _get_status(self, list_id: int, index: int, purpose: StatusPurpose) -> int:
        raise NotImplementedError

    def _bitstring(self, list_id: int, purpose: StatusPurpose) -> StatusBitstring:
        raise NotImplementedError

    def _permutation(self, list_id: int, key: bytes, size: int) -> KeyedPermutation:
        perm = self._permutations.get((list_id, key))
        if perm is None:
            perm = KeyedPermutation(key, size)
            self._permutations[(list_id, key)] = perm
        return perm


# -- in-memory implementation -----------------------------------------------------------------


@dataclass(slots=True)
class _MemoryList:
    size: int
    permutation: KeyedPermutation
    next_counter: int


class InMemoryStatusListStore(StoreBase):
    """A :class:`StatusListStore` in a Python dict: tests, examples, short-lived tools.

    Thread-safe (one lock). Everything is lost when the object goes; use
    :class:`~kr_ovid.status.SqliteStatusListStore` for anything that issues real credentials.
    """

    def __init__(
        self,
        *,
        list_size: int = DEFAULT_LIST_SIZE,
        clock: Clock | None = None,
        before_commit: BeforeCommitHook | None = None,
        key_source: Callable[[], bytes] | None = None,
    ) -> None:
        """``key_source`` replaces the random per-list permutation key: reproducible examples
        only, since whoever knows the key can predict which index a credential gets."""
        super().__init__(list_size=list_size, clock=clock, before_commit=before_commit)
        self._key_source = key_source or new_permutation_key
        self._lock = threading.Lock()
        self._lists: dict[int, _MemoryList] = {}
        self._by_credential: dict[str, StatusAllocation] = {}
        self._by_position: dict[tuple[int, int], str] = {}
        # credential id → the ids of its issuance (one shared tuple per issuance)
        self._issuances: dict[str, tuple[str, ...]] = {}
        self._entries: dict[tuple[int, StatusPurpose], dict[int, int]] = {}
        self._audit: list[AuditRecord] = []

    def _allocate(self, ids: list[str], one_issuance: bool) -> list[StatusAllocation]:
        with self._lock:
            taken = [c for c in ids if c in self._by_credential]
            if taken:
                raise ConfigurationError(
                    f"credential_id already has a status allocation: {taken[0]}"
                )
            # Work on copies of the counters; publish them only after the hook, as a commit would.
            counters = {list_id: lst.next_counter for list_id, lst in self._lists.items()}
            new_lists: dict[int, _MemoryList] = {}
            current = max(self._lists, default=0)
            out: list[StatusAllocation] = []
            for _ in ids:
                lst = new_lists.get(current) or self._lists.get(current)
                if lst is None or counters[current] >= lst.size:
                    current += 1
                    lst = _MemoryList(
                        self._list_size,
                        KeyedPermutation(self._key_source(), self._list_size),
                        0,
                    )
                    new_lists[current] = lst
                    counters[current] = 0
                out.append(StatusAllocation(current, lst.permutation(counters[current])))
                counters[current] += 1
            if self._before_commit is not None:
                self._before_commit("allocate")
            self._lists.update(new_lists)
            for list_id, counter in counters.items():
                self._lists[list_id].next_counter = counter
            for credential_id, allocation in zip(ids, out, strict=True):
                self._by_credential[credential_id] = allocation
                self._by_position[(allocation.list_id, allocation.index)] = credential_id
            if one_issuance:
                group = tuple(ids)
                self._issuances.update(dict.fromkeys(group, group))
            return out

    def _find(self, credential_id: str) -> StatusAllocation | None:
        with self._lock:
            return self._by_credential.get(credential_id)

    def _issuance_of(self, credential_id: str) -> dict[str, StatusAllocation]:
        with self._lock:
            if credential_id not in self._by_credential:
                return {}
            group = self._issuances.get(credential_id, (credential_id,))
            return {c: self._by_credential[c] for c in group}

    def _list(self, list_id: int) -> _MemoryList:
        lst = self._lists.get(list_id)
        if lst is None:
            raise out_of_range(list_id)
        return lst

    def _set_status(
        self,
        list_id: int,
        index: int,
        purpose: StatusPurpose,
        value: int,
        *,
        actor: str,
        reason: str,
    ) -> AuditRecord:
        with self._lock:
            if index >= self._list(list_id).size:
                raise out_of_range(list_id, index)
            if (list_id, index) not in self._by_position:
                raise not_allocated(list_id, index)
            entries = self._entries.setdefault((list_id, purpose), {})
            old = entries.get(index, 0)
            check_transition(purpose, old, value)
            record = AuditRecord(
                now_utc(self._clock), list_id, index, purpose, old, value, actor, reason
            )
            if self._before_commit is not None:
                self._before_commit("set_status")
            if value:
                entries[index] = value
            else:
                entries.pop(index, None)
            self._audit.append(record)
            return record

    def _get_status(self, list_id: int, index: int, purpose: StatusPurpose) -> int:
        with self._lock:
            if index >= self._list(list_id).size:
                raise out_of_range(list_id, index)
            return self._entries.get((list_id, purpose), {}).get(index, 0)

    def list_ids(self) -> list[int]:
        with self._lock:
            return sorted(self._lists)

    def _bitstring(self, list_id: int, purpose: StatusPurpose) -> StatusBitstring:
        with self._lock:
            bits = StatusBitstring(self._list(list_id).size)
            for index, value in self._entries.get((list_id, purpose), {}).items():
                bits.set(index, value)
            return bits

    def audit(self, list_id: int | None = None) -> list[AuditRecord]:
        with self._lock:
            return [r for r in self._audit if list_id is None or r.list_id == list_id]

    def close(self) -> None:
        """Nothing to release."""

    def __repr__(self) -> str:
        return f"InMemoryStatusListStore(list_size={self._list_size}, lists={len(self._lists)})"
