"""One verification context: the injected parts, the clock and the bounds, built once.

A verification step needs, besides the document, the same handful of things: a DID resolver, the
context loader, a clock with its allowed skew, the JSON-LD work bounds and the cryptosuites a
policy accepts. The :class:`~kr_ovid.verifier.Verifier` builds one :class:`VerificationContext`
from its policy and hands it down (Data Integrity proofs, status lists), so every layer sees the
same parts and the same time; a call may still pin ``now`` for one verification. Time is always a
:class:`~kr_ovid.clock.Clock` here, read once per verification.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from kr_ovid.clock import Clock, FixedClock, SystemClock
from kr_ovid.did.resolver import DidResolver, default_resolver
from kr_ovid.errors import ConfigurationError
from kr_ovid.jsonld.loader import StaticDocumentLoader, default_loader
from kr_ovid.jsonld.strict import JsonLdLimits

__all__ = ["DEFAULT_SKEW", "VerificationContext"]

#: Allowed difference between the verifier's clock and the times in a document.
DEFAULT_SKEW = timedelta(seconds=300)


def _all_suites() -> frozenset[str]:
    from kr_ovid.suites import SUITES  # the suites import the JSON-LD layer; keep this one light

    return frozenset(SUITES)


@dataclass(frozen=True, slots=True, kw_only=True)
class VerificationContext:
    """What every verification step shares. Immutable; a new deployment part is a new context."""

    resolver: DidResolver = field(default_factory=default_resolver)
    loader: StaticDocumentLoader = field(default_factory=default_loader)
    clock: Clock = field(default_factory=SystemClock)
    skew: timedelta = DEFAULT_SKEW
    limits: JsonLdLimits = field(default_factory=JsonLdLimits)
    allowed_suites: frozenset[str] = field(default_factory=_all_suites)

    def __post_init__(self) -> None:
        if not isinstance(self.loader, StaticDocumentLoader):
            raise ConfigurationError("a VerificationContext needs a StaticDocumentLoader")
        if not hasattr(self.resolver, "resolve") or not hasattr(self.clock, "now"):
            raise ConfigurationError("a VerificationContext needs a DidResolver and a Clock")
        if not isinstance(self.skew, timedelta) or self.skew < timedelta(0):
            raise ConfigurationError("skew must be a non-negative timedelta")
        if not isinstance(self.limits, JsonLdLimits):
            raise ConfigurationError("limits must be a JsonLdLimits")
        suites = frozenset(self.allowed_suites)
        unknown = suites - _all_suites()
        if not suites or unknown:
            raise ConfigurationError(f"unsupported or no cryptosuites: {sorted(unknown)}")
        object.__setattr__(self, "allowed_suites", suites)

    def now(self) -> datetime:
        """The context's current time (timezone-aware, or a ``ConfigurationError``)."""
        when = self.clock.now()
        if when.tzinfo is None:
            raise ConfigurationError("the clock must return timezone-aware times")
        return when

    def at(self, instant: datetime) -> VerificationContext:
        """The same context with its clock stopped at ``instant``: one verification reads the
        time once and checks every part (proofs, status lists) at that same instant."""
        return dataclasses.replace(self, clock=FixedClock(instant))

    def narrowed(self, suites: Iterable[str]) -> VerificationContext:
        """The same context accepting only ``suites``."""
        return VerificationContext(
            resolver=self.resolver,
            loader=self.loader,
            clock=self.clock,
            skew=self.skew,
            limits=self.limits,
            allowed_suites=frozenset(suites),
        )
