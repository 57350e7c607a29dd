# pragma version 0.4.3
"""
@title BandMathHarness
@notice Test-only contract: exposes the internal functions of modules/band_math.vy
        (tests/model/test_math_ports.py).
"""

from ..modules import band_math


@external
@pure
def liquidity(x: uint256, y: uint256, sa: uint256, sb: uint256, d: uint256) -> uint256:
    """
    @notice band_math._liquidity.
    """
    return band_math._liquidity(x, y, sa, sb, d)


@external
@pure
def equilibrium(l: uint256, sa: uint256, sb: uint256, sp: uint256) -> (uint256, uint256):
    """
    @notice band_math._equilibrium.
    """
    return band_math._equilibrium(l, sa, sb, sp)
