"""Human units in parameter and scenario files: durations ("120s", "45m", "20h", "2d"),
fractions ("0.6%" or 0.006), plain numbers, and their exact WAD (1e18) integers.

Every parser takes the value as TOML or JSON gives it (int, float or str) and the
field's name, and raises UnitError naming the field when the value does not fit.
Decimal arithmetic keeps "0.6%" exactly 6 * 10**15 WAD (no float rounding).
"""

from __future__ import annotations

import math
from decimal import Decimal, InvalidOperation
from typing import Any

WAD = 10**18
DURATION_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


class UnitError(ValueError):
    """A value is not in the unit its field expects (message names the field)."""


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def decimal(value: Any, field: str, what: str = "a number") -> Decimal:
    """`value` (int, float or numeric string) as a finite Decimal."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise UnitError(f"{field} must be {what}, got {value!r}")
    try:
        number = Decimal(repr(value) if isinstance(value, float) else str(value).strip().replace("_", ""))
    except InvalidOperation:
        raise UnitError(f"{field} must be {what}, got {value!r}") from None
    if not number.is_finite():
        raise UnitError(f"{field} must be finite, got {value!r}")
    return number


def duration(value: Any, field: str) -> int:
    """Whole seconds from 120, "120s", "45m", "20h", "2d" or "1w"."""
    what = 'a duration such as 120, "120s", "45m", "20h" or "2d"'
    if isinstance(value, str) and value.strip()[-1:].lower() in DURATION_UNITS:
        text = value.strip()
        seconds = decimal(text[:-1], field, what) * DURATION_UNITS[text[-1].lower()]
    else:
        seconds = decimal(value, field, what)
    if seconds < 0 or seconds != seconds.to_integral_value():
        raise UnitError(f"{field} must be a whole, non-negative number of seconds, got {value!r}")
    return int(seconds)


def fraction(value: Any, field: str) -> Decimal:
    """A fraction from 0.006 or "0.6%"."""
    what = 'a fraction such as 0.006 or "0.6%"'
    if isinstance(value, str) and value.strip().endswith("%"):
        return decimal(value.strip()[:-1], field, what) / 100
    return decimal(value, field, what)


def to_wad(number: Decimal, field: str) -> int:
    """`number` * 1e18 as an exact integer (UnitError if it has finer than wei precision)."""
    scaled = number * WAD
    if scaled != scaled.to_integral_value():
        raise UnitError(f"{field} = {number} has more than 18 decimals")
    return int(scaled)


def per_second_rate(value: Any, field: str) -> int:
    """A borrow rate per second (WAD) from "2% APY" (compounded every second) or a
    plain per-second WAD integer."""
    if isinstance(value, str) and value.upper().replace(" ", "").endswith("APY"):
        apy = fraction(value.upper().replace("APY", "").strip(), field)
        if apy < 0:
            raise UnitError(f"{field} must not be negative, got {value!r}")
        return round((math.exp(math.log1p(float(apy)) / (365 * 86400)) - 1) * WAD)
    if _is_number(value) and value == int(value):
        return int(value)
    raise UnitError(f'{field} must be like "2% APY" or a per-second WAD integer, got {value!r}')


def in_range(value: Any, field: str, low: Any, high: Any, shown: str = "") -> None:
    """UnitError naming `field` unless low <= value <= high (`shown`: the range in the
    file's own units, for the message)."""
    if not low <= value <= high:
        raise UnitError(f"{field} = {value} is out of range {shown or f'[{low}, {high}]'}")
