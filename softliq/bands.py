"""The AMM's bands as they stand, decoded from raw storage in one walk.

The AMM's views `bands_x`, `bands_y` and `total_shares` are exact, but a virgin band's
(docs/lazy-bands-spec.md) sums the pending withdrawals from the frontier V up to it, so
reading every band of a wide market through them is quadratic. This module reads the
same storage the views do and walks from V once:

- `_band_range`: active | lo | hi | V (int32 each, offset 2**31) | carry (128 bits);
- `_bands[n]`: x (low 128 bits) | y (high); for a virgin band start[n] | gross y;
- `_total_shares[n >> 1]`: bands 2m (low half) and 2m + 1 (high); for a virgin band
  the half holds end[n] + 1 once a deposit reached it (0 before).

A virgin band's collateral is gross y - W(n), W(n) = carry + start[V..n] - end[V..n-1],
and its shares are DEAD_SHARES per unit. `tests/amm/test_lazy_bands.py` checks that this
decoding agrees with the views.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from softliq.model.wad_math import DEAD_SHARES
from softliq.positions import band_at

Band = tuple[int, int, int]  # (x, y in collateral units, shares)

_HALF = 2**128 - 1


@dataclass(frozen=True)
class BandRange:
    """The AMM's `_band_range` word, decoded."""

    active: int
    lo: int
    hi: int
    virgin: int
    carry: int


def decode_range(word: int) -> BandRange:
    """The fields of a `_band_range` word."""
    return BandRange(
        active=band_at(word, 0), lo=band_at(word, 32), hi=band_at(word, 64), virgin=band_at(word, 96), carry=word >> 128
    )


class BandReader:
    """Bands of one AMM read from raw storage. `storage` has `get(name)` and
    `get_map(name, key)` (softliq.fuzz.storage.Storage); the reading is of the state as it
    is when a method is called."""

    def __init__(self, storage: Any) -> None:
        self.storage = storage

    def band_range(self) -> BandRange:
        """Active band, lowest and highest band with liquidity, V and the carry."""
        return decode_range(self.storage.get("_band_range"))

    def _stored(self, n: int) -> tuple[int, int]:
        """(the band word, the band's half of its pair-share word)."""
        word = self.storage.get_map("_bands", n)
        pair = self.storage.get_map("_total_shares", n >> 1)  # n >> 1 floors, as the AMM's pair key
        return word, (pair >> ((n & 1) * 128)) & _HALF

    def bands(self, lo: int, hi: int) -> dict[int, Band]:
        """(x, y, shares) of every band lo..hi (inclusive), one storage read each."""
        r = self.band_range()
        out: dict[int, Band] = {}
        w = r.carry
        for n in range(min(lo, r.virgin), hi + 1):
            word, half = self._stored(n) if n >= lo or n >= r.virgin else (0, 0)
            if n < r.virgin or n > r.hi:  # materialised, or past every deposit (empty slots)
                if n >= lo:
                    out[n] = (word & _HALF, word >> 128, half)
                continue
            w += word & _HALF  # + start[n]
            y = (word >> 128) - w  # gross y - W(n)
            w -= max(half, 1) - 1  # - end[n]: it takes effect after band n
            if n >= lo:
                out[n] = (0, y, y * DEAD_SHARES)
        return out

    def band(self, n: int) -> Band:
        """(x, y, shares) of band n."""
        return self.bands(n, n)[n]

    def reader(self) -> Callable[[int], Band]:
        """A function of n giving the bands of the whole liquid range as they are now (one
        walk, then lookups; for a caller that reads many bands of one state)."""
        r = self.band_range()
        cache = self.bands(r.lo, r.hi) if r.hi >= r.lo else {}

        def read(n: int) -> Band:
            return cache[n] if n in cache else self.band(n)

        return read


def reader_for(amm: Any) -> BandReader:
    """A BandReader over an AMM deployed on pyrevm (softliq.revm, whose handles carry their
    env) or titanoboa."""
    from softliq.fuzz.storage import Storage

    env = getattr(amm, "env", None)
    if env is not None and hasattr(env, "get_storage"):
        return BandReader(Storage(amm, env.get_storage))
    import boa
    from boa.util.abi import Address

    return BandReader(Storage(amm, lambda address, slot: int(boa.env.evm.get_storage(Address(address), slot))))


__all__ = ["Band", "BandRange", "BandReader", "reader_for", "decode_range"]
