# pragma version 0.4.3
"""
@title band_math
@notice Pure math of one band: a constant-product curve on virtual reserves.
@dev Inside band n at oracle price p_o the AMM trades between
       a = p_o**k / p_up**(k-1)    (band all collateral)   and
       b = p_o**k / p_down**(k-1)  (band all stablecoin),
     as a concentrated-liquidity range: (f + x)(g + y) = L**2 with
       f = L*sqrt(a), g = L/sqrt(b).
     At p = p_o the band's mix depends only on where p_o sits in [p_down, p_up].
     k = 3 is LLAMMA's curve; a smaller k moves the band price less per oracle step.
     Amounts are WAD-normalised (18 decimals); sqrt prices are WAD.
"""

WAD: constant(uint256) = 10**18


@internal
@pure
def _liquidity(x: uint256, y: uint256, sa: uint256, sb: uint256, d: uint256) -> uint256:
    """
    @notice L of a band holding (x, y) on the range [sa**2, sb**2]; d = 1 - sa/sb (WAD).
    @dev Positive root of L**2*d - L*(sa*y + x/sb) - x*y = 0, rounded down.
    """
    b: uint256 = sa * y // WAD + x * WAD // sb  # rounds down
    if x == 0 or y == 0:
        # one coin (or none): disc = b**2, so the root below is exactly b * WAD // d
        return b * WAD // d  # rounds down
    disc: uint256 = b * b + 4 * (d * x // WAD) * y  # rounds down
    return (b + isqrt(disc)) * WAD // (2 * d)  # rounds down


@internal
@pure
def _equilibrium(l: uint256, sa: uint256, sb: uint256, sp: uint256) -> (uint256, uint256):
    """
    @notice Band content (x, y) on curve L when its price is sp**2, sp clamped to [sa, sb].
    @dev Both round down.
    """
    s: uint256 = min(max(sp, sa), sb)
    x: uint256 = l * unsafe_sub(s, sa) // WAD  # rounds down (s >= sa)
    t1: uint256 = l * WAD // s  # rounds down
    t2: uint256 = (l * WAD + sb - 1) // sb  # rounds up, so y = t1 - t2 rounds down
    y: uint256 = 0
    if t1 > t2:
        y = unsafe_sub(t1, t2)
    return x, y
