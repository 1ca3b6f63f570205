"""Derived claims: age thresholds and overseas-national status, computed at issuance.

Age is the international "만 나이" the Civil Act prescribes (민법 제158조, in force since
2023-06-28: age is counted in full years, the day of birth included). Because the day of birth
counts, the year of age that began on the birthday ends at the close of the day before the next
birthday (제160조 ②), so a person turns N at 00:00 on their N-th birthday. For a 29 February
birth in a common year there is no such day; the period then ends on the last day of February
(제160조 ③), and the person turns a year older on **1 March**. :func:`age_on` implements exactly
that; it does not use the "28 February" convention of some other jurisdictions.

The predicates name thresholds the way ISO 18013-5 ``age_over_NN`` does: ``ageOver19`` is true
when the age is **19 or more** (19 is the age of majority, 민법 제4조).
"""

from __future__ import annotations

import calendar
from datetime import date

from kr_ovid.errors import ConfigurationError

__all__ = ["AGE_THRESHOLDS", "age_on", "birthday_in", "derive_predicates"]

#: Thresholds for which the ID carries an ``ageOverNN`` claim.
AGE_THRESHOLDS: tuple[int, ...] = (14, 19, 65)


def birthday_in(birth: date, year: int) -> date:
    """The day in ``year`` on which a person born on ``birth`` completes a year of age.

    29 February maps to 1 March in common years (민법 제160조 ③, see the module docstring).
    """
    if birth.month == 2 and birth.day == 29 and not calendar.isleap(year):
        return date(year, 3, 1)
    return date(year, birth.month, birth.day)


def age_on(birth: date, on: date) -> int:
    """Age in completed years (만 나이) on the day ``on``; refuses a day before the birth."""
    if on < birth:
        raise ConfigurationError("age asked for a day before the birth date")
    years = on.year - birth.year
    if on < birthday_in(birth, on.year):
        years -= 1
    return years


def derive_predicates(
    birth: date, on: date, *, overseas_registration: date | None = None
) -> dict[str, bool]:
    """The derived boolean claims as of ``on`` (the issuance date).

    ``isOverseasNational`` is true when an overseas-national registration date is known and
    not after ``on``: a registration dated in the future is not yet in effect.
    """
    age = age_on(birth, on)
    out = {f"ageOver{n}": age >= n for n in AGE_THRESHOLDS}
    out["isOverseasNational"] = overseas_registration is not None and overseas_registration <= on
    return out
