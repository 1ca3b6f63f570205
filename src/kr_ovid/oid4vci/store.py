"""Where a mission keeps its credential offers between the desk and the phone.

One row per offer: the hash of its pre-authorized code, the hash of its transaction code, the
configurations offered, the applicant's claims (until the credentials are issued), its expiry,
and once redeemed the hash of the access token and which configurations were issued under it
with which credential ids. Codes and tokens are stored only as SHA-256 hashes, so reading the
database does not let anyone redeem an offer or use a token; the transaction code is hashed
with the pre-authorized code, which is not stored, so it cannot be guessed offline either.

Every state change is one transaction that reads and writes the row (SQLite ``BEGIN
IMMEDIATE``), so an offer is redeemed at most once and a configuration issued at most once per
offer even when several service processes share the file.

Personal data: the claims stay only until every offered configuration was issued, or until the
offer or its access token expires (:meth:`SqliteIssuanceStore.purge`, run on every new offer);
then the row keeps only hashes, times and credential ids (random ``urn:uuid`` values), which
let the mission revoke what an offer produced. The file is created with mode 0600, and
``secure_delete`` overwrites wiped claims rather than leaving them in free pages.
"""

from __future__ import annotations

import enum
import json
import os
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from kr_ovid._files import create_private_file
from kr_ovid.errors import ConfigurationError, KrOvidError
from kr_ovid.problems import ErrorCode

__all__ = [
    "Claim",
    "IssuanceStore",
    "NewOffer",
    "Redemption",
    "SqliteIssuanceStore",
]


@dataclass(frozen=True, slots=True)
class NewOffer:
    """An offer as the store keeps it. ``tx_code_hash`` is ``None`` when no transaction code
    is asked for; ``offer_json`` is kept only for an offer passed by reference (§4.1.3), and
    dropped once the offer is redeemed."""

    offer_id: str
    code_hash: str
    tx_code_hash: str | None
    configuration_ids: tuple[str, ...]
    claims: dict[str, Any]
    expires: datetime
    offer_json: dict[str, Any] | None = None

    def __repr__(self) -> str:  # never the claims
        return f"NewOffer({self.offer_id!r}, {list(self.configuration_ids)!r})"


class Redemption(enum.Enum):
    """How a redemption of a pre-authorized code ended (OpenID4VCI §6.3 maps each to an error)."""

    REDEEMED = "redeemed"
    UNKNOWN = "unknown"  # no such code
    EXPIRED = "expired"
    USED = "used"  # redeemed before: the token issued then is revoked (RFC 6749 §4.1.2)
    TX_CODE_MISSING = "tx-code-missing"
    TX_CODE_UNEXPECTED = "tx-code-unexpected"
    TX_CODE_WRONG = "tx-code-wrong"
    TX_CODE_LOCKED = "tx-code-locked"  # too many wrong codes: the offer is gone


@dataclass(frozen=True, slots=True)
class Claim:
    """The right to issue one configuration under an access token, taken by
    :meth:`IssuanceStore.claim`: ``claims`` when taken, else ``refusal`` says why not."""

    claims: dict[str, Any] | None
    refusal: str | None = None  # "token" (unknown/expired), "not-offered", "already-issued"

    def __repr__(self) -> str:
        return f"Claim(taken={self.claims is not None}, refusal={self.refusal!r})"


@runtime_checkable
class IssuanceStore(Protocol):
    """What :class:`~kr_ovid.oid4vci.service.IssuanceService` needs from its offer storage.
    Each method is one atomic step; times come from the caller's clock."""

    def add_offer(self, offer: NewOffer, *, now: datetime) -> None:
        """Keep a new offer (and purge what has expired)."""
        ...

    def offer_by_reference(self, offer_id: str, *, now: datetime) -> dict[str, Any] | None:
        """The offer object of a live, unredeemed offer passed by reference; else ``None``."""
        ...

    def redeem(
        self,
        code_hash: str,
        tx_code_hash: str | None,
        *,
        token_hash: str,
        token_expires: datetime,
        now: datetime,
        max_tx_attempts: int,
    ) -> Redemption:
        """Exchange a live code (and the right transaction code) for the access token whose
        hash is given, at most once. A wrong transaction code counts towards
        ``max_tx_attempts``, after which the offer is deleted."""
        ...

    def claim(self, token_hash: str, configuration_id: str, *, now: datetime) -> Claim:
        """Take the right to issue ``configuration_id`` under a live token, at most once."""
        ...

    def release(self, token_hash: str, configuration_id: str) -> None:
        """Give a claim back after issuance failed on the issuer's side, so the wallet can
        try again."""
        ...

    def complete(
        self, token_hash: str, configuration_id: str, credential_ids: Sequence[str]
    ) -> None:
        """Record what a claim produced; the claims are wiped once every configuration is."""
        ...

    def credential_ids(self, offer_id: str) -> list[str]:
        """The ids of every credential issued under an offer (to revoke them together)."""
        ...

    def purge(self, *, now: datetime) -> None:
        """Delete expired offers and wipe the claims of expired tokens."""
        ...

    def close(self) -> None:
        """Release the database."""
        ...


class StoreFailure(KrOvidError):
    """The offer database failed (not the request): ``INTERNAL_ERROR``."""

    code = ErrorCode.INTERNAL_ERROR


_DDL = """
CREATE TABLE IF NOT EXISTS oid4vci_offer (
    offer_id TEXT PRIMARY KEY,
    code_hash TEXT NOT NULL UNIQUE,
    tx_code_hash TEXT,
    tx_failures INTEGER NOT NULL DEFAULT 0,
    configuration_ids TEXT NOT NULL,
    claims TEXT,
    offer_json TEXT,
    expires REAL NOT NULL,
    token_hash TEXT UNIQUE,
    token_expires REAL,
    pending TEXT NOT NULL DEFAULT '[]',
    issued TEXT NOT NULL DEFAULT '[]',
    credential_ids TEXT NOT NULL DEFAULT '[]',
    state TEXT NOT NULL DEFAULT 'offered'
)
"""


def _dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


class SqliteIssuanceStore:
    """:class:`IssuanceStore` in SQLite: a file shared by the desk's ``kr-ovid offer`` and the
    service processes, or ``":memory:"``. One object may be shared by threads."""

    def __init__(self, path: str | os.PathLike[str] = ":memory:", *, timeout: float = 30.0) -> None:
        in_memory = os.fspath(path) == ":memory:"
        if not in_memory:
            try:  # it holds personal data until issuance
                create_private_file(Path(path))
            except OSError as exc:
                raise StoreFailure(f"cannot create the offer store file: {exc.strerror}") from exc
        self._lock = threading.Lock()
        try:
            self._db = sqlite3.connect(
                path, timeout=timeout, isolation_level=None, check_same_thread=False
            )
            # Wiped claims are overwritten on disk, not left in free pages.
            self._db.execute("PRAGMA secure_delete = ON")
            if not in_memory:
                self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute(_DDL)
        except sqlite3.Error as exc:
            raise StoreFailure(f"the offer store cannot be opened: {exc}") from exc

    def __repr__(self) -> str:
        return "SqliteIssuanceStore()"

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        """One ``BEGIN IMMEDIATE`` transaction: the write lock is taken before the first read,
        so two processes never both see an offer unredeemed."""
        with self._lock:
            db = self._db
            try:
                db.execute("BEGIN IMMEDIATE")
                try:
                    yield db
                    db.execute("COMMIT")
                except BaseException:
                    if db.in_transaction:
                        db.execute("ROLLBACK")
                    raise
            except sqlite3.Error as exc:
                raise StoreFailure(f"offer store failure: {type(exc).__name__}") from exc

    def add_offer(self, offer: NewOffer, *, now: datetime) -> None:
        """Insert the offer after purging what expired by ``now``."""
        if not offer.configuration_ids:
            raise ConfigurationError("an offer names at least one credential configuration")
        self.purge(now=now)
        with self._tx() as db:
            db.execute(
                "INSERT INTO oid4vci_offer (offer_id, code_hash, tx_code_hash, configuration_ids,"
                " claims, offer_json, expires) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    offer.offer_id,
                    offer.code_hash,
                    offer.tx_code_hash,
                    _dump(list(offer.configuration_ids)),
                    _dump(offer.claims),
                    None if offer.offer_json is None else _dump(offer.offer_json),
                    offer.expires.timestamp(),
                ),
            )

    def offer_by_reference(self, offer_id: str, *, now: datetime) -> dict[str, Any] | None:
        if not isinstance(offer_id, str) or len(offer_id) > 128:
            return None
        with self._tx() as db:
            row = db.execute(
                "SELECT offer_json FROM oid4vci_offer WHERE offer_id = ? AND state = 'offered'"
                " AND expires >= ?",
                (offer_id, now.timestamp()),
            ).fetchone()
        if row is None or row[0] is None:
            return None
        value: dict[str, Any] = json.loads(row[0])
        return value

    def redeem(
        self,
        code_hash: str,
        tx_code_hash: str | None,
        *,
        token_hash: str,
        token_expires: datetime,
        now: datetime,
        max_tx_attempts: int,
    ) -> Redemption:
        """One transaction: read the row, judge, write the outcome (see :class:`Redemption`)."""
        with self._tx() as db:
            row = db.execute(
                "SELECT offer_id, tx_code_hash, tx_failures, expires, state FROM oid4vci_offer"
                " WHERE code_hash = ?",
                (code_hash,),
            ).fetchone()
            if row is None:
                return Redemption.UNKNOWN
            offer_id, expected_tx, failures, expires, state = row
            if state != "offered":
                # A code presented twice: revoke what the first redemption obtained.
                db.execute(
                    "UPDATE oid4vci_offer SET state = 'revoked', token_hash = NULL, claims = NULL"
                    " WHERE offer_id = ?",
                    (offer_id,),
                )
                return Redemption.USED
            if now.timestamp() > expires:
                db.execute("DELETE FROM oid4vci_offer WHERE offer_id = ?", (offer_id,))
                return Redemption.EXPIRED
            if expected_tx is None and tx_code_hash is not None:
                return Redemption.TX_CODE_UNEXPECTED
            if expected_tx is not None and tx_code_hash is None:
                return Redemption.TX_CODE_MISSING
            if expected_tx is not None and tx_code_hash != expected_tx:
                if failures + 1 >= max_tx_attempts:
                    db.execute("DELETE FROM oid4vci_offer WHERE offer_id = ?", (offer_id,))
                    return Redemption.TX_CODE_LOCKED
                db.execute(
                    "UPDATE oid4vci_offer SET tx_failures = tx_failures + 1 WHERE offer_id = ?",
                    (offer_id,),
                )
                return Redemption.TX_CODE_WRONG
            db.execute(
                "UPDATE oid4vci_offer SET state = 'redeemed', token_hash = ?, token_expires = ?,"
                " offer_json = NULL WHERE offer_id = ?",
                (token_hash, token_expires.timestamp(), offer_id),
            )
            return Redemption.REDEEMED

    def claim(self, token_hash: str, configuration_id: str, *, now: datetime) -> Claim:
        with self._tx() as db:
            row = db.execute(
                "SELECT offer_id, configuration_ids, claims, token_expires, pending, issued"
                " FROM oid4vci_offer WHERE token_hash = ? AND state = 'redeemed'",
                (token_hash,),
            ).fetchone()
            if row is None or row[2] is None or now.timestamp() > row[3]:
                return Claim(None, "token")
            offer_id, offered, claims, _, pending, issued = row
            if configuration_id not in json.loads(offered):
                return Claim(None, "not-offered")
            pending_ids, issued_ids = json.loads(pending), json.loads(issued)
            if configuration_id in pending_ids or configuration_id in issued_ids:
                return Claim(None, "already-issued")
            db.execute(
                "UPDATE oid4vci_offer SET pending = ? WHERE offer_id = ?",
                (_dump([*pending_ids, configuration_id]), offer_id),
            )
            value: dict[str, Any] = json.loads(claims)
            return Claim(value)

    def release(self, token_hash: str, configuration_id: str) -> None:
        with self._tx() as db:
            row = db.execute(
                "SELECT offer_id, pending FROM oid4vci_offer WHERE token_hash = ?", (token_hash,)
            ).fetchone()
            if row is None:
                return
            pending = [c for c in json.loads(row[1]) if c != configuration_id]
            db.execute(
                "UPDATE oid4vci_offer SET pending = ? WHERE offer_id = ?", (_dump(pending), row[0])
            )

    def complete(
        self, token_hash: str, configuration_id: str, credential_ids: Sequence[str]
    ) -> None:
        with self._tx() as db:
            row = db.execute(
                "SELECT offer_id, configuration_ids, pending, issued, credential_ids"
                " FROM oid4vci_offer WHERE token_hash = ?",
                (token_hash,),
            ).fetchone()
            if row is None:
                raise StoreFailure("the offer of a completed issuance is gone")
            offer_id, offered, pending, issued, ids = row
            issued_ids = [*json.loads(issued), configuration_id]
            done = set(issued_ids) >= set(json.loads(offered))
            db.execute(
                "UPDATE oid4vci_offer SET pending = ?, issued = ?, credential_ids = ?"
                " WHERE offer_id = ?",
                (
                    _dump([c for c in json.loads(pending) if c != configuration_id]),
                    _dump(issued_ids),
                    _dump([*json.loads(ids), *credential_ids]),
                    offer_id,
                ),
            )
            if done:  # nothing left to issue: the claims go, and the token with them
                db.execute(
                    "UPDATE oid4vci_offer SET claims = NULL, token_hash = NULL, state = 'issued'"
                    " WHERE offer_id = ?",
                    (offer_id,),
                )

    def credential_ids(self, offer_id: str) -> list[str]:
        with self._tx() as db:
            row = db.execute(
                "SELECT credential_ids FROM oid4vci_offer WHERE offer_id = ?", (offer_id,)
            ).fetchone()
        ids: list[str] = [] if row is None else json.loads(row[0])
        return ids

    def purge(self, *, now: datetime) -> None:
        """Unredeemed offers past their expiry go; a token past its expiry loses its claims
        (and the row goes unless it produced credentials, whose ids it keeps)."""
        at = now.timestamp()
        with self._tx() as db:
            db.execute("DELETE FROM oid4vci_offer WHERE state = 'offered' AND expires < ?", (at,))
            db.execute(
                "UPDATE oid4vci_offer SET claims = NULL, token_hash = NULL, state = 'expired'"
                " WHERE state = 'redeemed' AND token_expires < ?",
                (at,),
            )
            db.execute("DELETE FROM oid4vci_offer WHERE claims IS NULL AND credential_ids = '[]'")

    def close(self) -> None:
        with self._lock:
            self._db.close()
