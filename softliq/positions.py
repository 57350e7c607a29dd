"""A borrower's position as the AMM stores it, read through its two raw getters.

The AMM keeps one word per position (`user_position(user)`):
`a` (collateral per band, 128 bits) | n1 | n2 | v1 | dust (32 bits each, bands offset
by 2**31), and the shares of the explicit bands n1 .. v1 - 1 two per slot
(`user_ticks(user, k)`); every band from v1 holds `DEAD_SHARES * a` shares of the
position (docs/lazy-bands-spec.md). `read_user_ticks` lists them all, as the AMM's
former view of that name did; it works on any handle whose views are method calls
(titanoboa, ape).
"""

from __future__ import annotations

from dataclasses import dataclass
from collections.abc import Iterable
from typing import Any

from softliq.model.wad_math import DEAD_SHARES

_MASK32 = 2**32 - 1
_OFFSET32 = 2**31


@dataclass(frozen=True)
class Position:
    """One `user_position` word, decoded."""

    a: int
    n1: int
    n2: int
    v1: int
    dust: int


def band_at(word: int, at: int) -> int:
    """The band number stored at bit `at` of an AMM storage word (int32, offset by 2**31)."""
    return ((word >> at) & _MASK32) - _OFFSET32


def decode_position(word: int) -> Position | None:
    """The position in `word` (None for 0: no position)."""
    if word == 0:
        return None
    return Position(a=word & (2**128 - 1), n1=band_at(word, 128), n2=band_at(word, 160), v1=band_at(word, 192), dust=word >> 224)


def read_user_ticks(amm: Any, user: str) -> list[int]:
    """`user`'s shares in each of their bands, n1 first ([] without a position)."""
    pos = decode_position(amm.user_position(user))
    if pos is None:
        return []
    explicit = [(amm.user_ticks(user, k // 2) >> (128 * (k % 2))) & (2**128 - 1) for k in range(pos.v1 - pos.n1)]
    return explicit + [DEAD_SHARES * pos.a] * (pos.n2 - pos.v1 + 1)


def total_dust(amm: Any, users: Iterable[str]) -> int:
    """Collateral (token units) the positions of `users` hold in no band: each one's dust,
    under N units (docs/lazy-bands-spec.md)."""
    positions = (decode_position(amm.user_position(who)) for who in users)
    return sum(p.dust for p in positions if p is not None)


__all__ = ["Position", "band_at", "decode_position", "read_user_ticks", "total_dust"]
