"""Verifier side of Bitstring Status List v1.0 §3.2 (Validate Algorithm).

Lists come from an injected :class:`StatusListFetcher` (URL → list credential); the default
serves only lists the caller registered and never touches the network. Every fetched list is
fully verified (Data Integrity proof by the *same issuer* as the credential, type, purpose,
validity period, minimum length) before a bit is read, and verified lists are cached until the
earlier of their ``validUntil`` and fetch time + ``ttl``. Fail closed: a list that cannot be had
makes the credential unverified with ``STATUS_RETRIEVAL_ERROR`` and ``retryable`` set.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol, runtime_checkable

from kr_ovid.clock import Clock, SystemClock, parse_datetime_stamp
from kr_ovid.context import DEFAULT_SKEW, VerificationContext
from kr_ovid.credential import check_validity_period, credential_types, issuer_id
from kr_ovid.did.resolver import DidResolver, default_resolver
from kr_ovid.errors import ConfigurationError, KrOvidError, Refusal, StatusListError
from kr_ovid.integrity import verify_proof
from kr_ovid.jsonld.loader import StaticDocumentLoader, default_loader
from kr_ovid.problems import ErrorCode, ProblemDetails
from kr_ovid.status.bitstring import (
    StatusBitstring,
    decode_list,
    parse_status_list_index,
    parse_status_messages,
    parse_status_size,
)

__all__ = [
    "LocalStatusListFetcher",
    "StatusCheckOutcome",
    "StatusChecker",
    "StatusListFetcher",
]

_MAX_ENTRIES = 8
#: Bitstring Status List v1.0 §2.2: the members a status list credential may carry.
_LIST_MEMBERS = frozenset(
    {
        "@context",
        "id",
        "type",
        "issuer",
        "validFrom",
        "validUntil",
        "name",
        "description",
        "credentialSubject",
        "proof",
    }
)
_LIST_SUBJECT_MEMBERS = frozenset({"id", "type", "statusPurpose", "encodedList", "ttl"})
_DEFAULT_TTL = timedelta(minutes=5)


@runtime_checkable
class StatusListFetcher(Protocol):
    """URL → the status list credential (parsed JSON); raise to signal it cannot be had."""

    def __call__(self, url: str) -> Mapping[str, Any]: ...


class LocalStatusListFetcher:
    """Serves list credentials the caller registered (e.g. files written by ``status publish``)."""

    def __init__(self, lists: Mapping[str, Mapping[str, Any]] | None = None) -> None:
        self._lock = threading.Lock()
        self._lists: dict[str, Mapping[str, Any]] = dict(lists or {})

    def register(self, credential: Mapping[str, Any]) -> None:
        """Serve ``credential`` at its own ``id``: the checker only accepts a list whose ``id``
        is the URL it was fetched from (§2.2 allows that ``id``; kr_ovid requires it)."""
        url = credential.get("id")
        if not isinstance(url, str):
            raise StatusListError(
                "a status list credential needs an id", code=ErrorCode.MALFORMED_VALUE_ERROR
            )
        with self._lock:
            self._lists[url] = credential

    def __call__(self, url: str) -> Mapping[str, Any]:
        """The registered list; an unknown URL is ``STATUS_RETRIEVAL_ERROR`` (§3.2 step 4: the
        dereference failed)."""
        with self._lock:
            found = self._lists.get(url)
        if found is None:
            raise StatusListError(
                f"status list not available: {url[:200]}", code=ErrorCode.STATUS_RETRIEVAL_ERROR
            )
        return found


@dataclass(frozen=True, slots=True)
class _VerifiedList:
    bits: StatusBitstring
    purpose: str
    issuer: str
    expires: datetime


@dataclass(frozen=True, slots=True)
class StatusCheckOutcome:
    """What :meth:`StatusChecker.check` found: problems, whether retrying could help (a list
    could not be had), and ``statuses`` (purpose → value) for every entry that was read."""

    errors: tuple[ProblemDetails, ...] = ()
    warnings: tuple[ProblemDetails, ...] = ()
    retryable: bool = False
    statuses: dict[str, int] = field(default_factory=dict)


class StatusChecker:
    """Checks ``credentialStatus`` entries; one instance owns one cache (never shared)."""

    def __init__(
        self,
        fetcher: StatusListFetcher | Callable[[str], Mapping[str, Any]] | None = None,
        *,
        resolver: DidResolver | None = None,
        loader: StaticDocumentLoader | None = None,
        clock: Clock | None = None,
        skew: timedelta = DEFAULT_SKEW,
        default_ttl: timedelta = _DEFAULT_TTL,
        max_cached: int = 256,
        context: VerificationContext | None = None,
    ) -> None:
        """``resolver`` and ``loader`` verify the lists' proofs (or ``context`` supplies them with
        the clock, skew and bounds, as a :class:`~kr_ovid.verifier.Verifier` does);
        ``default_ttl`` bounds caching when a list has no ``ttl``; at most ``max_cached``
        verified lists are kept (LRU)."""
        if context is not None and (
            resolver is not None or loader is not None or clock is not None or skew != DEFAULT_SKEW
        ):
            raise ConfigurationError("pass either a context or resolver/loader/clock/skew")
        if context is None:
            context = VerificationContext(
                resolver=resolver or default_resolver(),
                loader=loader or default_loader(),
                clock=clock or SystemClock(),
                skew=skew,
            )
        self._fetch = fetcher or LocalStatusListFetcher()
        self._context = context
        self._clock = context.clock
        self._skew = context.skew
        self._default_ttl = default_ttl
        self._max = max_cached
        self._lock = threading.Lock()
        self._cache: OrderedDict[tuple[str, str], _VerifiedList] = OrderedDict()

    def check(
        self,
        credential: Mapping[str, Any],
        *,
        now: datetime | None = None,
        require_known: bool = True,
    ) -> StatusCheckOutcome:
        """Every entry of ``credential['credentialStatus']``; never raises on hostile input.

        An entry whose ``type`` is not ``BitstringStatusListEntry`` cannot be checked: with
        ``require_known`` (a policy that requires status) that is an error, never a silent skip,
        since a relay could otherwise hide a revocation behind an unknown type; without it, a
        warning.

        A set ``revocation`` or ``suspension`` entry fails the credential (§2.1: revocation
        cancels validity, suspension prevents acceptance); any other value that has a status
        message is reported as a warning.
        """
        when = now or self._clock.now()
        if not isinstance(credential, Mapping):
            return StatusCheckOutcome(
                (ProblemDetails(ErrorCode.PARSING_ERROR, "a credential must be a JSON object", ""),)
            )
        status = credential.get("credentialStatus")
        if status is None:
            return StatusCheckOutcome()
        entries = status if isinstance(status, list) else [status]
        if (
            not entries
            or len(entries) > _MAX_ENTRIES
            or not all(isinstance(e, dict) for e in entries)
        ):
            return StatusCheckOutcome(
                (
                    ProblemDetails(
                        ErrorCode.MALFORMED_VALUE_ERROR,
                        "credentialStatus is malformed",
                        "/credentialStatus",
                    ),
                )
            )
        issuer = issuer_id(credential)
        errors: list[ProblemDetails] = []
        warnings: list[ProblemDetails] = []
        statuses: dict[str, int] = {}
        retryable = False
        for i, entry in enumerate(entries):
            path = f"/credentialStatus/{i}" if isinstance(status, list) else "/credentialStatus"
            # A type is a string or an array of them (VC DM 2.0 §4.5; one RDF statement per
            # item): an entry that is a BitstringStatusListEntry is checked however it is spelled.
            if "BitstringStatusListEntry" not in credential_types(entry):
                unknown = ProblemDetails(
                    ErrorCode.STATUS_VERIFICATION_ERROR,
                    "status entry type is not BitstringStatusListEntry: it cannot be checked",
                    f"{path}/type",
                )
                (errors if require_known else warnings).append(unknown)
                continue
            try:
                purpose, value, message = self._check_entry(entry, issuer, when, path)
            except Refusal as p:
                errors.append(p.problem)
                retryable = retryable or p.retryable
                continue
            statuses[purpose] = value
            if value and purpose == "revocation":
                errors.append(
                    ProblemDetails(
                        ErrorCode.CREDENTIAL_REVOKED, "the credential has been revoked", path
                    )
                )
            elif value and purpose == "suspension":
                errors.append(
                    ProblemDetails(
                        ErrorCode.CREDENTIAL_SUSPENDED, "the credential is suspended", path
                    )
                )
            elif message is not None:
                warnings.append(
                    ProblemDetails(
                        ErrorCode.STATUS_VERIFICATION_ERROR,
                        f"status message: {message[:200]}",
                        path,
                    )
                )
        return StatusCheckOutcome(tuple(errors), tuple(warnings), retryable, statuses)

    def _check_entry(
        self, entry: Mapping[str, Any], issuer: str | None, now: datetime, path: str
    ) -> tuple[str, int, str | None]:
        """One entry: its §2.1 members first (index, size, messages), so a malformed entry costs
        no fetch; then §3.2 steps 4-10 against its list. An index outside the list is
        ``RANGE_ERROR`` (step 10). Returns ``(purpose, value, message)``."""
        purpose = entry.get("statusPurpose")
        url = entry.get("statusListCredential")
        if not isinstance(purpose, str) or not isinstance(url, str) or len(url) > 2048:
            raise Refusal(
                ErrorCode.MALFORMED_VALUE_ERROR,
                "status entry lacks statusPurpose or statusListCredential",
                path,
            )
        try:
            index = parse_status_list_index(entry.get("statusListIndex"))
            size = parse_status_size(entry.get("statusSize", 1))
            messages = (
                parse_status_messages(entry.get("statusMessage"), status_size=size)
                if "statusMessage" in entry or size > 1
                else {}
            )
        except StatusListError as exc:
            raise Refusal(exc.code, str(exc), path) from None
        if issuer is None:
            raise Refusal(
                ErrorCode.MALFORMED_VALUE_ERROR,
                "credential has no issuer to match the list against",
                path,
            )
        verified = self._verified_list(
            url, purpose=purpose, size=size, issuer=issuer, now=now, path=path
        )
        try:
            value = verified.bits.get(index)
        except StatusListError as exc:
            raise Refusal(exc.code, str(exc), f"{path}/statusListIndex") from None
        return purpose, value, messages.get(value)

    def _verified_list(
        self, url: str, *, purpose: str, size: int, issuer: str, now: datetime, path: str
    ) -> _VerifiedList:
        """The verified list at ``url``, from the cache when still fresh. The cache key includes
        the issuer, so a list verified for one issuer never answers for another's credential;
        a cached list is matched against the entry's purpose and size like a fetched one. Any
        fetch failure is a retryable ``STATUS_RETRIEVAL_ERROR`` (§3.2 step 4)."""
        key = (url, issuer)
        with self._lock:
            cached = self._cache.get(key)
            if cached is not None and cached.expires > now:
                self._cache.move_to_end(key)
                if cached.purpose != purpose or cached.bits.status_size != size:
                    raise Refusal(
                        ErrorCode.STATUS_VERIFICATION_ERROR,
                        "status list purpose or size does not match the entry",
                        path,
                    )
                return cached
        try:
            fetched = self._fetch(url)
        except KrOvidError as exc:
            raise Refusal(
                ErrorCode.STATUS_RETRIEVAL_ERROR,
                f"status list could not be retrieved: {exc}",
                path,
                retryable=True,
            ) from None
        except Exception as exc:  # noqa: BLE001 — an injected fetcher may fail in any way; fail closed
            raise Refusal(
                ErrorCode.STATUS_RETRIEVAL_ERROR,
                f"status list could not be retrieved: {type(exc).__name__}",
                path,
                retryable=True,
            ) from None
        verified = self._verify_list(
            fetched, url, purpose=purpose, size=size, issuer=issuer, now=now, path=path
        )
        with self._lock:
            self._cache[key] = verified
            self._cache.move_to_end(key)
            while len(self._cache) > self._max:
                self._cache.popitem(last=False)
        return verified

    def _verify_list(
        self, doc: Any, url: str, *, purpose: str, size: int, issuer: str, now: datetime, path: str
    ) -> _VerifiedList:
        """§3.2 from step 4 for one fetched list credential: an exact member allow-list; every
        proof verifies (``STATUS_VERIFICATION_ERROR`` otherwise); ``id`` is the URL fetched; the
        type, validity period and subject type are right; the purpose matches (step 5); the
        ``encodedList`` expands and is long enough (steps 8-9).

        §2.2 lets a list's issuer differ from the credential's; kr_ovid requires the same issuer,
        so no other party's key can revoke or reinstate an ID. The list is cached for its
        ``ttl`` (capped at a day; ``default_ttl`` when absent), never past its ``validUntil``.
        """

        def fail(detail: str, code: ErrorCode = ErrorCode.STATUS_VERIFICATION_ERROR) -> Refusal:
            return Refusal(code, detail, path)

        if not isinstance(doc, dict):
            raise fail("status list credential is not a JSON object")
        # An exact member allow-list (as for the trust list): every member the checks below read
        # is in its one signed spelling, and nothing unread can ride along.
        extra = set(doc) - _LIST_MEMBERS
        subject_members = doc.get("credentialSubject")
        if extra or (
            isinstance(subject_members, dict) and set(subject_members) - _LIST_SUBJECT_MEMBERS
        ):
            raise fail("status list credential carries members a status list does not have")
        result = verify_proof(doc, context=self._context.at(now), expected_controller=issuer)
        if not result.verified:
            codes = ", ".join(p.code.value for p in result.errors)
            raise fail(f"status list credential does not verify ({codes})")
        if doc.get("id") != url:
            raise fail("status list credential id is not the URL it was fetched from")
        if "BitstringStatusListCredential" not in credential_types(doc):
            raise fail("not a BitstringStatusListCredential")
        if issuer_id(doc) != issuer:
            raise fail("status list is not issued by the credential's issuer")
        if check_validity_period(doc, now=now, skew=self._skew):
            raise fail("status list credential is outside its validity period")
        subject = doc.get("credentialSubject")
        if not isinstance(subject, dict) or subject.get("type") != "BitstringStatusList":
            raise fail("status list subject is not a BitstringStatusList")
        list_purpose = subject.get("statusPurpose")
        purposes = list_purpose if isinstance(list_purpose, list) else [list_purpose]
        if purpose not in purposes:
            raise fail("status list purpose does not match the entry")
        encoded = subject.get("encodedList")
        if not isinstance(encoded, str):
            raise fail("status list has no encodedList")
        try:
            bits = decode_list(encoded, status_size=size)
        except StatusListError as exc:
            raise Refusal(exc.code, f"encodedList: {exc}", path) from None
        expires = now + self._default_ttl
        ttl = subject.get("ttl")
        if isinstance(ttl, int) and not isinstance(ttl, bool) and ttl >= 0:
            expires = now + min(timedelta(milliseconds=ttl), timedelta(days=1))
        until = parse_datetime_stamp(doc.get("validUntil")) if "validUntil" in doc else None
        if until is not None:
            expires = min(expires, until)
        return _VerifiedList(bits, purpose, issuer, expires)
