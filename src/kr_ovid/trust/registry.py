"""A verified trust list as a TrustRegistry: who may issue what, when."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from typing import Any

from kr_ovid.clock import Clock, SystemClock
from kr_ovid.context import DEFAULT_SKEW
from kr_ovid.did.resolver import DidResolver
from kr_ovid.errors import ConfigurationError
from kr_ovid.jsonld.loader import StaticDocumentLoader
from kr_ovid.problems import ErrorCode, ProblemDetails
from kr_ovid.results import VerificationResult
from kr_ovid.trust.model import (
    DEFAULT_GRACE,
    Accreditation,
    TrustList,
)
from kr_ovid.trust.verify import (
    verify_trust_list,
)


# --------------------------------------------------------------------------------------------
# Registry
# --------------------------------------------------------------------------------------------
class TrustListRegistry:
    """A :class:`TrustRegistry` over the newest verified trust list.

    Built only from a list that verified against the pinned root (:meth:`from_trust_list`).
    :meth:`update` swaps in a newer list atomically and refuses rollback; a list that has gone
    past ``nextUpdate + grace`` (by ``clock``) answers ``TRUST_LIST_EXPIRED`` instead of guessing.
    """

    __slots__ = (
        "_clock",
        "_current",
        "_grace",
        "_loader",
        "_lock",
        "_resolver",
        "_root_did",
        "_skew",
    )

    _root_did: str
    _resolver: DidResolver
    _clock: Clock
    _grace: timedelta
    _skew: timedelta
    _loader: StaticDocumentLoader | None
    _current: TrustList
    _lock: threading.Lock

    def __init__(self) -> None:
        # No public constructor: a registry must never hold a list that was not verified.
        raise TypeError("build a TrustListRegistry with TrustListRegistry.from_trust_list()")

    @classmethod
    def from_trust_list(
        cls,
        document: Any,
        *,
        root_did: str,
        resolver: DidResolver,
        clock: Clock | None = None,
        grace: timedelta = DEFAULT_GRACE,
        previous_version: int | None = None,
        skew: timedelta = DEFAULT_SKEW,
        loader: StaticDocumentLoader | None = None,
    ) -> TrustListRegistry:
        """Verify ``document`` and build a registry; raises ``VerificationFailed`` if it fails.

        ``clock`` (default: system) dates this verification and later freshness checks.
        """
        clock = clock or SystemClock()
        result = verify_trust_list(
            document,
            root_did=root_did,
            resolver=resolver,
            clock=clock,
            grace=grace,
            previous_version=previous_version,
            skew=skew,
            loader=loader,
        ).raise_for_errors()
        self = object.__new__(cls)
        self._root_did = root_did
        self._resolver = resolver
        self._clock = clock
        self._grace = grace
        self._skew = skew
        self._loader = loader
        self._current = result.claims
        self._lock = threading.Lock()
        return self

    @property
    def trust_list(self) -> TrustList:
        return self._current

    @property
    def version(self) -> int:
        return self._current.version

    def update(self, document: Any) -> VerificationResult:
        """Adopt a newer list if it verifies; otherwise keep the current one and say why.

        The same version with the same content is accepted (a re-fetch); the same version with
        other content is refused as ``TRUST_LIST_ROLLBACK`` (a root must bump the version).
        """
        with self._lock:
            current = self._current
            result = verify_trust_list(
                document,
                root_did=self._root_did,
                resolver=self._resolver,
                clock=self._clock,
                grace=self._grace,
                previous_version=current.version,
                skew=self._skew,
                loader=self._loader,
            )
            if not result.verified:
                return result
            new: TrustList = result.claims
            if new.version == current.version and new.digest != current.digest:
                return VerificationResult.failure(
                    ProblemDetails(
                        ErrorCode.TRUST_LIST_ROLLBACK,
                        f"version {new.version} is already held with different content",
                        "/credentialSubject/version",
                    ),
                    checks=result.checks,
                )
            self._current = new
            return result

    def is_accredited(self, issuer_did: str, credential_type: str, at: datetime) -> Accreditation:
        """Listed, ``active``, ``validFrom <= at <= validUntil`` (inclusive, as VC DM validity
        periods), and ``credential_type`` among the mission's types; each "no" says which."""
        if not isinstance(at, datetime) or at.tzinfo is None:
            raise ConfigurationError("'at' must be a timezone-aware datetime (the issuance time)")
        current = self._current
        if self._clock.now() > current.next_update + self._grace:
            return Accreditation(
                False,
                ErrorCode.TRUST_LIST_EXPIRED,
                f"trust list version {current.version} is past nextUpdate plus grace; refresh it",
                retryable=True,
            )
        mission = current.mission(issuer_did) if isinstance(issuer_did, str) else None
        no = ErrorCode.ISSUER_NOT_ACCREDITED
        if mission is None:
            return Accreditation(False, no, "issuer DID is not on the trust list")
        if mission.state != "active":
            return Accreditation(
                False, no, f"mission {mission.mission_code} is {mission.state}", mission
            )
        if at < mission.valid_from:
            return Accreditation(
                False,
                no,
                f"accreditation of {mission.mission_code} had not started at issuance",
                mission,
            )
        if mission.valid_until is not None and at > mission.valid_until:
            return Accreditation(
                False, no, f"accreditation of {mission.mission_code} had ended at issuance", mission
            )
        if credential_type not in mission.credential_types:
            return Accreditation(
                False,
                no,
                f"mission {mission.mission_code} may not issue {str(credential_type)[:100]}",
                mission,
            )
        return Accreditation(True, None, "accredited", mission)

    def __repr__(self) -> str:
        return (
            f"TrustListRegistry(root={self._root_did!r}, version={self._current.version}, "
            f"{len(self._current.missions)} missions)"
        )
