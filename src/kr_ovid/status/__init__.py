"""W3C Bitstring Status List: the ``encodedList`` codec and the issuer-side stores.

- :mod:`~kr_ovid.status.bitstring`: :class:`StatusBitstring`, :func:`encode_list`,
  :func:`decode_list` (bounded inflation), ``statusSize``/``statusMessage`` helpers.
- :mod:`~kr_ovid.status.store`: the :class:`StatusListStore` protocol, its value types and
  :class:`InMemoryStatusListStore`; :class:`SqliteStatusListStore` (embedded default) and
  :class:`PostgresStatusListStore` (needs the ``postgres`` extra; psycopg is imported only when
  one is created).

How it maps to Bitstring Status List v1.0: :mod:`~kr_ovid.status.bitstring` is §3.3 Bitstring
Generation and §3.4 Bitstring Expansion; :mod:`~kr_ovid.status.publish` writes §2.1 entries and
runs §3.1 Generate Algorithm (the signed §2.2 list credential); :mod:`~kr_ovid.status.check` is
§3.2 Validate Algorithm; the stores hold the issuer's state and assign indexes randomly, as
§2.1 advises (:mod:`~kr_ovid.status.permutation`).
"""

from kr_ovid.status.bitstring import (
    DEFAULT_MAX_LIST_BYTES,
    MAX_STATUS_SIZE,
    MIN_LIST_LENGTH,
    StatusBitstring,
    decode_list,
    encode_list,
    parse_status_list_index,
    parse_status_messages,
    parse_status_size,
)
from kr_ovid.status.permutation import KeyedPermutation
from kr_ovid.status.postgres_store import PostgresStatusListStore
from kr_ovid.status.sqlite_store import SqliteStatusListStore
from kr_ovid.status.store import (
    DEFAULT_LIST_SIZE,
    MAX_LIST_SIZE,
    PURPOSES,
    AuditRecord,
    BeforeCommitHook,
    InMemoryStatusListStore,
    StatusAllocation,
    StatusListStore,
    StatusPurpose,
)

__all__ = [
    "DEFAULT_LIST_SIZE",
    "DEFAULT_MAX_LIST_BYTES",
    "MAX_LIST_SIZE",
    "MAX_STATUS_SIZE",
    "MIN_LIST_LENGTH",
    "PURPOSES",
    "AuditRecord",
    "BeforeCommitHook",
    "InMemoryStatusListStore",
    "KeyedPermutation",
    "PostgresStatusListStore",
    "SqliteStatusListStore",
    "StatusAllocation",
    "StatusBitstring",
    "StatusListStore",
    "StatusPurpose",
    "decode_list",
    "encode_list",
    "parse_status_list_index",
    "parse_status_messages",
    "parse_status_size",
]
