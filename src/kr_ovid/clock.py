"""Time, injected: every "now" in the library goes through a :class:`Clock`.

Validity periods (VC DM 2.0 §4.9), proof ``created``/``expires`` (VC Data Integrity §2.1), key
retirement (Controlled Identifiers §2.2) and presentation freshness are all judged against one
injected instant, so a verification can be replayed and tested at any time. Times on the wire
are XML Schema ``dateTimeStamp`` values, the form VC DM 2.0 §4.9 and Controlled Identifiers
require.

One convention, everywhere in the public API:

* Whatever needs the *current* time takes ``clock: Clock | None`` (``None``: the system clock):
  long-lived objects (roles, stores, registries, caches) and one-shot checks alike
  (``verify_proof``, ``verify_trust_list``, ``verify_sd_jwt``, ``present``). To check "as of"
  another instant, pass ``FixedClock(instant)``.
* An instant that is *data* written into a document (``created``, ``iat``, ``issued``, a key
  rotation's ``at``) is a timezone-aware ``datetime`` named for what it is.
* One verification reads its clock once and hands that instant down (``now: datetime`` in the
  private steps, :meth:`~kr_ovid.context.VerificationContext.at` for the spec layers), so every
  check of one document sees the same time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol, runtime_checkable

from kr_ovid.errors import ConfigurationError

__all__ = [
    "Clock",
    "FixedClock",
    "SystemClock",
    "format_datetime",
    "parse_datetime_stamp",
]

# XML Schema dateTimeStamp: a dateTime that must carry a timezone (Z or ±hh:mm).
_DATETIME_STAMP = re.compile(
    r"^(?P<y>-?[0-9]{4,})-(?P<mo>[0-9]{2})-(?P<d>[0-9]{2})T(?P<h>[0-9]{2}):(?P<mi>[0-9]{2}):"
    r"(?P<s>[0-9]{2})(?P<f>\.[0-9]+)?(?P<tz>Z|[+-][0-9]{2}:[0-9]{2})$"
)


@runtime_checkable
class Clock(Protocol):
    """Source of the current time (timezone-aware, UTC)."""

    def now(self) -> datetime:
        """The current instant; it must be timezone-aware (callers refuse a naive one)."""
        ...


@dataclass(frozen=True, slots=True)
class SystemClock:
    """The machine's clock."""

    def now(self) -> datetime:
        """The system time in UTC, aware: the one place the library reads it."""
        return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class FixedClock:
    """A clock that always answers the same instant: tests, replays, reproducible examples."""

    instant: datetime

    def __post_init__(self) -> None:
        if self.instant.tzinfo is None:
            raise ConfigurationError("FixedClock needs a timezone-aware datetime")

    def now(self) -> datetime:
        """The fixed instant, every time."""
        return self.instant

    def advanced(self, delta: timedelta) -> FixedClock:
        """A new clock ``delta`` later; this one stays fixed (a clock may be shared)."""
        return FixedClock(self.instant + delta)


def parse_datetime_stamp(value: object) -> datetime | None:
    """Parse an XSD ``dateTimeStamp`` strictly; ``None`` when the value is not one.

    Strict on purpose: Python's ``fromisoformat`` accepts forms (no timezone, spaces, week dates)
    that the VC data model does not, and a verifier must not be more lenient than the spec.
    """
    if not isinstance(value, str) or len(value) > 64:
        return None
    m = _DATETIME_STAMP.match(value)
    if m is None:
        return None
    try:
        year = int(m["y"])
        if not 1 <= year <= 9999:
            return None
        frac = m["f"] or ""
        micro = int((frac[1:] + "000000")[:6]) if frac else 0
        hour = int(m["h"])
        extra = timedelta(0)
        if hour == 24:  # 24:00:00 is end of day in XSD
            if m["mi"] != "00" or m["s"] != "00" or micro:
                return None
            hour, extra = 0, timedelta(days=1)
        tz = m["tz"]
        if tz == "Z":
            offset = timedelta(0)
        else:
            sign = -1 if tz[0] == "-" else 1
            th, tm = int(tz[1:3]), int(tz[4:6])
            if th > 14 or tm > 59:
                return None
            offset = sign * timedelta(hours=th, minutes=tm)
        naive = datetime(year, int(m["mo"]), int(m["d"]), hour, int(m["mi"]), int(m["s"]), micro)
        return (naive + extra - offset).replace(tzinfo=UTC)
    except (ValueError, OverflowError):
        return None


def format_datetime(value: datetime) -> str:
    """Format as ``YYYY-MM-DDThh:mm:ssZ`` (UTC, second precision), the form credentials use."""
    if value.tzinfo is None:
        raise ValueError("naive datetime: pass a timezone-aware value")
    return value.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")
