"""Integer-exact ports of contracts/modules/wad_math.vy and the protocol constants.

Every function returns exactly what the Vyper code returns, including its rounding:
Vyper's signed division (`//` and `unsafe_div` on int256) truncates toward zero, which
`sdiv` reproduces (Python's `//` floors). Arithmetic shifts floor in both languages.
`ModelRevert` carries the contract's revert string.
"""

from __future__ import annotations

from functools import lru_cache
from math import isqrt

WAD = 10**18
IWAD = 10**18
MAX_UINT256 = 2**256 - 1

EXP_MIN_INPUT = -42139678854452767551
EXP_MAX_INPUT = 135305999368893231589
SQRT_MAX_INPUT = MAX_UINT256 // WAD

_Q = 2**120
_LN2_Q = 921350637599661305226344307672478454
_LN_WAD_Q = 55091890229124590634750362065086143195
_SQRT2_Q = 1879812259125035246445576347481445757
_EXP_MARGIN = 2**24
_LN_MARGIN = 2**23


class ModelRevert(Exception):
    """A call the contracts would revert, with the contract's revert reason."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def require(cond: bool, reason: str) -> None:
    """Vyper's `assert cond, reason`."""
    if not cond:
        raise ModelRevert(reason)


def sdiv(a: int, b: int) -> int:
    """int256 division as the EVM does it: truncates toward zero."""
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b > 0) else -q


def sub(a: int, b: int) -> int:
    """Checked uint256 subtraction (Vyper reverts on underflow)."""
    if b > a:
        raise ModelRevert("uint256 underflow")
    return a - b


_EXP_DIVISORS = (19, 18, 17, 16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1)
_EXP_BIAS = 64 * _LN2_Q
_HALF_LN2_Q = _LN2_Q // 2


@lru_cache(maxsize=1 << 16)
def exp_wad(x: int) -> int:
    """wad_math._exp: e**(x/1e18) * 1e18, rounded down.

    The contract divides each Taylor step's product by d * 2**120 truncating toward
    zero. Here t stays in (0, 2 * 2**120) (|r| <= ln2/2 * 2**120), so every product has
    r's sign, and for a >= 0
    floor(a / (d * 2**120)) == (a >> 120) // d: the same integers with a shift and a
    small division."""
    if x <= EXP_MIN_INPUT:
        return 0
    if x >= EXP_MAX_INPUT:
        raise ModelRevert("wad_math: exp overflow")
    if x == 0:
        return WAD
    q = (x << 120) // WAD if x >= 0 else -((-x << 120) // WAD)
    u = q + _EXP_BIAS
    j = (u + _HALF_LN2_Q) // _LN2_Q  # u > 0
    r = u - j * _LN2_Q
    if r >= 0:
        t = _Q + r // 20
        for d in _EXP_DIVISORS:
            t = _Q + ((t * r) >> 120) // d
    else:
        r = -r
        t = _Q - r // 20
        for d in _EXP_DIVISORS:
            t = _Q - ((t * r) >> 120) // d
    v = (t - _EXP_MARGIN) * WAD
    if j >= 184:
        return v << (j - 184)
    return v >> (184 - j)


_LN_COEFS = tuple(_Q // d for d in (33, 31, 29, 27, 25, 23, 21, 19, 17, 15, 13, 11, 9, 7, 5, 3))


@lru_cache(maxsize=1 << 16)
def ln_wad(x: int) -> int:
    """wad_math._ln: ln(x/1e18) * 1e18, rounded down."""
    require(x != 0, "wad_math: ln of zero")
    if x == WAD:
        return 0
    n = x.bit_length() - 1
    m = x << (120 - n) if n <= 120 else x >> (n - 120)
    if m > _SQRT2_Q:
        m >>= 1
        n += 1
    s = sdiv((m - _Q) * _Q, m + _Q)
    z = (s * s) >> 120
    p = _Q // 35
    for coef in _LN_COEFS:
        p = coef + ((p * z) >> 120)
    p = _Q + ((p * z) >> 120)
    total = n * _LN2_Q + ((s * p) >> 119)
    total -= _LN_WAD_Q + _LN_MARGIN
    return (total * 10**18) >> 120


def pow_int(base: int, n: int) -> int:
    """wad_math._pow_int: (base/1e18)**n * 1e18 by square-and-multiply, rounded down."""
    if n == 0:
        return WAD
    b, e = base, n
    if base <= WAD:
        result = WAD
        while True:
            if e & 1:
                result = result * b // WAD
            e >>= 1
            if e == 0:
                break
            b = b * b // WAD
        return result
    while not e & 1:
        b = b * b // WAD
        e >>= 1
    big = b
    e >>= 1
    while e:
        b = b * b // WAD
        if e & 1:
            big = big * b // WAD
        e >>= 1
    require(big <= MAX_UINT256, "uint256 overflow")
    return big


def sqrt_wad(x: int) -> int:
    """wad_math._sqrt: isqrt(x * 1e18)."""
    require(x <= SQRT_MAX_INPUT, "wad_math: sqrt overflow")
    return isqrt(x * WAD)


# contracts/modules/constants.vy
MIN_TICKS = 4
MAX_TICKS = 50
MAX_SKIP_TICKS = 1024
DEAD_SHARES = 1000
MIN_BAND_Y = 100
MIN_FEE = 10**6
MAX_FEE = 10**17
MIN_A = 10
MAX_A = 10000
MIN_AMPLIFICATION = 11 * 10**17
MAX_AMPLIFICATION = 3 * 10**18
MAX_RATE = 43959106799
MIN_ORACLE_FEE_WINDOW = 12
MAX_ORACLE_FEE_WINDOW = 600
MIN_AWAY_FEE = 10**6
MAX_AWAY_FEE = 5 * 10**17
SWING_UNIT = 10**13
MAX_SWING_FACTOR = 10**18
MAX_SWING_FEE = 10**16
MIN_SWING_TIME = 60
MAX_SWING_TIME = 86400
MAX_DYNAMIC_FEE = 10**18 - 1
MIN_LIQUIDATION_DISCOUNT = 10**16
MAX_LOAN_DISCOUNT = 5 * 10**17
MIN_DISCOUNT_GAP = 10**15
MAX_AMOUNT = 2**128 - 1
MAX_BAND_SIZE = 2**110
