# pragma version 0.4.3
"""
@title wad_math
@notice Pure fixed-point math on WAD numbers (18 decimals, 1.0 == 10**18):
        exp, ln, integer powers and square root, every result rounded down.
@dev _exp: e**(x/1e18) = 2**k * e**r with k = round(x / ln 2), |r| <= ln(2)/2.
       e**r is a degree-20 Taylor polynomial (Horner form) in Q120 fixed point
       (value * 2**120). Truncation < 8.0e6 ulp, rounding and the error of r
       < 300 ulp, so 2**24 ulp is subtracted before the final floor: the
       result never exceeds the true value, and
         0 <= true - result < 1 + 4e-29 * true
       (so result is floor(true), or floor(true) - 1 when true lies within
       4e-29 * true above an integer).
     _ln: x = m * 2**n with m in [sqrt(1/2), sqrt(2)], ln(m) = 2*atanh(s),
       s = (m - 1)/(m + 1), |s| <= 0.1716; series s*(1 + s**2/3 + ... + s**34/35)
       in Q120. Truncation < 3.5e6 ulp, rounding < 600 ulp; 2**23 ulp is
       subtracted before the final floor (< 1.3e-29 in ln units, i.e. < 1.3e-11
       wei of the WAD result): result <= true and
         0 <= true - result < 1 + 1e-11   (i.e. floor(true) or floor(true) - 1).
     Exact points are exact: _exp(0) == 10**18, _ln(10**18) == 0.
     _pow_int: square-and-multiply, every product rounded down: result <= true,
       true - result <= (n - 1) for base <= WAD, and
       true - result <= (n - 1) * true / 1e18 for base >= WAD.
       Reverts only if the true result exceeds ~2**256 / 1e18 wei (~1.16e59).
     _sqrt: isqrt(x * 1e18), exact floor.
     A contract below contracts/ imports it relatively, e.g. from
     contracts/testing/: `from ..modules import wad_math`; from contracts/:
     `from .modules import wad_math`. No `uses:`/`initializes:` is needed
     (the module has no state).
"""

WAD: constant(uint256) = 10**18

# _exp(x) == 0 for x <= EXP_MIN_INPUT (true value < 1 wei: the floor is 0 anyway).
EXP_MIN_INPUT: constant(int256) = -42139678854452767551
# _exp reverts for x >= EXP_MAX_INPUT = floor(ln((2**255 - 1) / 1e18) * 1e18):
# every result is < 2**255, so it fits an int256 as well.
EXP_MAX_INPUT: constant(int256) = 135305999368893231589
# _sqrt reverts above this (x * 1e18 would overflow uint256).
SQRT_MAX_INPUT: constant(uint256) = max_value(uint256) // 10**18

# Q120 fixed point: 1.0 == 2**120.
_Q: constant(int256) = 2**120
# floor(ln(2) * 2**120)
_LN2_Q: constant(int256) = 921350637599661305226344307672478454
# floor(18 * ln(10) * 2**120) == floor(ln(1e18) * 2**120)
_LN_WAD_Q: constant(int256) = 55091890229124590634750362065086143195
# floor(sqrt(2) * 2**120)
_SQRT2_Q: constant(uint256) = 1879812259125035246445576347481445757
# Safety margins (in Q120 ulp) subtracted before the final floor; see @dev above.
_EXP_MARGIN: constant(int256) = 2**24
_LN_MARGIN: constant(int256) = 2**23


@internal
@pure
def _exp(x: int256) -> uint256:
    """
    @notice e**(x / 1e18) * 1e18, rounded down.
    @dev Returns 0 for x <= EXP_MIN_INPUT, reverts "wad_math: exp overflow" for
         x >= EXP_MAX_INPUT. 0 <= true - result < 1 + 4e-29 * true.
    """
    if x <= EXP_MIN_INPUT:
        return 0
    assert x < EXP_MAX_INPUT, "wad_math: exp overflow"
    if x == 0:
        return WAD

    # |x| < 2**68, so |x * 2**120| < 2**188; sdiv truncates (error < 1 ulp).
    q: int256 = unsafe_div(unsafe_mul(x, _Q), 10**18)
    # x > -42.2e18 > -61 * ln2 * 1e18, so u > 0; u < (136 + 45) * 2**120 < 2**128.
    u: int256 = unsafe_add(q, 64 * _LN2_Q)
    # u > 0, so sdiv is floor and j = round(u / ln2) is in [3, 260]; no overflow.
    j: int256 = unsafe_div(unsafe_add(u, _LN2_Q // 2), _LN2_Q)
    # r = u - j * ln2 in [-ln2/2, ln2/2] (+-1 ulp); j * _LN2_Q < 2**129.
    r: int256 = unsafe_sub(u, unsafe_mul(j, _LN2_Q))

    # Horner: t_n = 1 + r * t_{n+1} / n. Invariant 0 < t < 1.5 * 2**120 < 2**121 and
    # |r| < 0.35 * 2**120 < 2**119, so |t * r| < 2**240 and every step is overflow-free.
    t: int256 = unsafe_add(_Q, unsafe_div(r, 20))  # t_20 = 1 + r/20 (t_21 = 1)
    t = unsafe_add(_Q, unsafe_div(unsafe_mul(t, r), 19 * _Q))  # see invariant above
    t = unsafe_add(_Q, unsafe_div(unsafe_mul(t, r), 18 * _Q))  # see invariant above
    t = unsafe_add(_Q, unsafe_div(unsafe_mul(t, r), 17 * _Q))  # see invariant above
    t = unsafe_add(_Q, unsafe_div(unsafe_mul(t, r), 16 * _Q))  # see invariant above
    t = unsafe_add(_Q, unsafe_div(unsafe_mul(t, r), 15 * _Q))  # see invariant above
    t = unsafe_add(_Q, unsafe_div(unsafe_mul(t, r), 14 * _Q))  # see invariant above
    t = unsafe_add(_Q, unsafe_div(unsafe_mul(t, r), 13 * _Q))  # see invariant above
    t = unsafe_add(_Q, unsafe_div(unsafe_mul(t, r), 12 * _Q))  # see invariant above
    t = unsafe_add(_Q, unsafe_div(unsafe_mul(t, r), 11 * _Q))  # see invariant above
    t = unsafe_add(_Q, unsafe_div(unsafe_mul(t, r), 10 * _Q))  # see invariant above
    t = unsafe_add(_Q, unsafe_div(unsafe_mul(t, r), 9 * _Q))  # see invariant above
    t = unsafe_add(_Q, unsafe_div(unsafe_mul(t, r), 8 * _Q))  # see invariant above
    t = unsafe_add(_Q, unsafe_div(unsafe_mul(t, r), 7 * _Q))  # see invariant above
    t = unsafe_add(_Q, unsafe_div(unsafe_mul(t, r), 6 * _Q))  # see invariant above
    t = unsafe_add(_Q, unsafe_div(unsafe_mul(t, r), 5 * _Q))  # see invariant above
    t = unsafe_add(_Q, unsafe_div(unsafe_mul(t, r), 4 * _Q))  # see invariant above
    t = unsafe_add(_Q, unsafe_div(unsafe_mul(t, r), 3 * _Q))  # see invariant above
    t = unsafe_add(_Q, unsafe_div(unsafe_mul(t, r), 2 * _Q))  # see invariant above
    t = unsafe_add(_Q, unsafe_div(unsafe_mul(t, r), _Q))  # t ~ e**r in [0.70, 1.42] * 2**120

    # t > 0.7 * 2**120 > margin, so e > 0 (convert would revert otherwise).
    e: uint256 = convert(unsafe_sub(t, _EXP_MARGIN), uint256)
    # e < 2**121, so e * 1e18 < 2**181.
    v: uint256 = unsafe_mul(e, WAD)
    # result = v * 2**(k - 120) with k = j - 64; j >= 3 so 184 - j <= 181.
    sh: uint256 = convert(j, uint256)
    if sh >= 184:
        # v * 2**(j-184) <= true result < 2**255 (x < EXP_MAX_INPUT): no bits lost.
        return v << unsafe_sub(sh, 184)
    return v >> unsafe_sub(184, sh)  # 184 - sh in [1, 181]


@internal
@pure
def _ln(x: uint256) -> int256:
    """
    @notice ln(x / 1e18) * 1e18, rounded down.
    @dev Reverts "wad_math: ln of zero" for x == 0. 0 <= true - result < 1 + 1e-11.
    """
    assert x != 0, "wad_math: ln of zero"
    if x == WAD:
        return 0

    # n = floor(log2(x)) by binary search; every shift/add is within 0..255.
    n: uint256 = 0
    y: uint256 = x
    if y >= 2**128:
        y = y >> 128
        n = 128
    if y >= 2**64:
        y = y >> 64
        n = unsafe_add(n, 64)  # n <= 255 throughout
    if y >= 2**32:
        y = y >> 32
        n = unsafe_add(n, 32)  # n <= 255 throughout
    if y >= 2**16:
        y = y >> 16
        n = unsafe_add(n, 16)  # n <= 255 throughout
    if y >= 2**8:
        y = y >> 8
        n = unsafe_add(n, 8)  # n <= 255 throughout
    if y >= 2**4:
        y = y >> 4
        n = unsafe_add(n, 4)  # n <= 255 throughout
    if y >= 2**2:
        y = y >> 2
        n = unsafe_add(n, 2)  # n <= 255 throughout
    if y >= 2:
        n = unsafe_add(n, 1)  # n <= 255 throughout

    # m = x / 2**n in [1, 2) as Q120 (x < 2**(n+1), so m < 2**121; right shift truncates).
    m: uint256 = 0
    if n <= 120:
        m = x << unsafe_sub(120, n)  # 120 - n in [0, 120]
    else:
        m = x >> unsafe_sub(n, 120)  # n - 120 in [1, 135]
    if m > _SQRT2_Q:
        m = m >> 1
        n = unsafe_add(n, 1)  # n <= 256
    # Now m in [sqrt(1/2), sqrt(2)] * 2**120 < 2**121.
    mi: int256 = convert(m, int256)

    # s = (m - 1)/(m + 1): |m - 1| < 2**119, so |(m - 1) * 2**120| < 2**239; m + 1 > 0.
    s: int256 = unsafe_div(unsafe_mul(unsafe_sub(mi, _Q), _Q), unsafe_add(mi, _Q))
    # |s| <= 0.172 * 2**120 < 2**118, so s * s < 2**236; z = s**2 in [0, 0.0295] * 2**120.
    z: int256 = unsafe_mul(s, s) >> 120

    # Horner for atanh(s)/s = sum z**j / (2j + 1), j = 0..17. Invariant 0 <= p < 1.02 * 2**120
    # and z < 2**116, so p * z < 2**237: every step is overflow-free.
    p: int256 = _Q // 35
    p = unsafe_add(_Q // 33, unsafe_mul(p, z) >> 120)  # see invariant above
    p = unsafe_add(_Q // 31, unsafe_mul(p, z) >> 120)  # see invariant above
    p = unsafe_add(_Q // 29, unsafe_mul(p, z) >> 120)  # see invariant above
    p = unsafe_add(_Q // 27, unsafe_mul(p, z) >> 120)  # see invariant above
    p = unsafe_add(_Q // 25, unsafe_mul(p, z) >> 120)  # see invariant above
    p = unsafe_add(_Q // 23, unsafe_mul(p, z) >> 120)  # see invariant above
    p = unsafe_add(_Q // 21, unsafe_mul(p, z) >> 120)  # see invariant above
    p = unsafe_add(_Q // 19, unsafe_mul(p, z) >> 120)  # see invariant above
    p = unsafe_add(_Q // 17, unsafe_mul(p, z) >> 120)  # see invariant above
    p = unsafe_add(_Q // 15, unsafe_mul(p, z) >> 120)  # see invariant above
    p = unsafe_add(_Q // 13, unsafe_mul(p, z) >> 120)  # see invariant above
    p = unsafe_add(_Q // 11, unsafe_mul(p, z) >> 120)  # see invariant above
    p = unsafe_add(_Q // 9, unsafe_mul(p, z) >> 120)  # see invariant above
    p = unsafe_add(_Q // 7, unsafe_mul(p, z) >> 120)  # see invariant above
    p = unsafe_add(_Q // 5, unsafe_mul(p, z) >> 120)  # see invariant above
    p = unsafe_add(_Q // 3, unsafe_mul(p, z) >> 120)  # see invariant above
    p = unsafe_add(_Q, unsafe_mul(p, z) >> 120)  # see invariant above

    # ln(m) = 2 * s * p: |s * p| < 2**118 * 2**121 = 2**239.
    # total = n * ln2 + ln(m) - ln(1e18): n <= 256, so |total| < 2**129.
    total: int256 = unsafe_add(unsafe_mul(convert(n, int256), _LN2_Q), unsafe_mul(s, p) >> 119)
    total = unsafe_sub(total, _LN_WAD_Q + _LN_MARGIN)
    # |total * 1e18| < 2**189; >> is an arithmetic shift, i.e. floor.
    return unsafe_mul(total, 10**18) >> 120


@internal
@pure
def _pow_int(base: uint256, n: uint256) -> uint256:
    """
    @notice (base / 1e18)**n * 1e18 for a WAD base, by square-and-multiply.
    @dev Every product rounds down, so result <= true. 0**0 == WAD.
         Error: true - result <= n - 1 (base <= WAD);
         true - result <= (n - 1) * true / 1e18 (base >= WAD).
         base > WAD uses checked arithmetic: every intermediate product is at most
         true * 1e18, so it reverts only when the true result exceeds ~1.16e59 wei.
    """
    if n == 0:
        return WAD
    b: uint256 = base
    e: uint256 = n
    if base <= WAD:
        # Fast path: every factor is <= WAD, so every product is <= 1e36 < 2**120.
        result: uint256 = WAD
        for _: uint256 in range(256):
            if e & 1 == 1:
                result = unsafe_div(unsafe_mul(result, b), WAD)  # result, b <= WAD: no overflow
            e = e >> 1
            if e == 0:
                break
            b = unsafe_div(unsafe_mul(b, b), WAD)  # b <= WAD: no overflow
        return result

    # base > WAD: checked arithmetic. Skip the trailing zero bits of n by squaring,
    # so the result starts as b itself (no WAD * b product that could overflow).
    for _: uint256 in range(256):
        if e & 1 == 1:
            break
        b = b * b // WAD
        e = e >> 1
    big: uint256 = b
    e = e >> 1
    for _: uint256 in range(256):
        if e == 0:
            break
        b = b * b // WAD
        if e & 1 == 1:
            big = big * b // WAD
        e = e >> 1
    return big


@internal
@pure
def _sqrt(x: uint256) -> uint256:
    """
    @notice sqrt(x / 1e18) * 1e18 == isqrt(x * 1e18), rounded down (exact floor).
    @dev Reverts "wad_math: sqrt overflow" for x > SQRT_MAX_INPUT.
    """
    assert x <= SQRT_MAX_INPUT, "wad_math: sqrt overflow"
    return isqrt(unsafe_mul(x, WAD))  # x <= max_uint256 // 1e18: no overflow
