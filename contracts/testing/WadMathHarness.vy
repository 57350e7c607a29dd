# pragma version 0.4.3
"""
@title WadMathHarness
@notice Test-only contract: exposes the internal functions of modules/wad_math.vy
        (tests/modules/test_wad_math.py), plus *_gas variants that return the
        gas one internal call costs (msg.gas before minus after).
@dev The relative import resolves against this file's directory, so
     boa.load("contracts/testing/WadMathHarness.vy") needs no search path.
"""

from ..modules import wad_math


@external
@pure
def exp(x: int256) -> uint256:
    return wad_math._exp(x)


@external
@pure
def ln(x: uint256) -> int256:
    return wad_math._ln(x)


@external
@pure
def pow_int(base: uint256, n: uint256) -> uint256:
    return wad_math._pow_int(base, n)


@external
@pure
def sqrt(x: uint256) -> uint256:
    return wad_math._sqrt(x)


@external
@view
def exp_gas(x: int256) -> (uint256, uint256):
    g: uint256 = msg.gas
    r: uint256 = wad_math._exp(x)
    return r, g - msg.gas


@external
@view
def ln_gas(x: uint256) -> (int256, uint256):
    g: uint256 = msg.gas
    r: int256 = wad_math._ln(x)
    return r, g - msg.gas


@external
@view
def pow_int_gas(base: uint256, n: uint256) -> (uint256, uint256):
    g: uint256 = msg.gas
    r: uint256 = wad_math._pow_int(base, n)
    return r, g - msg.gas


@external
@view
def sqrt_gas(x: uint256) -> (uint256, uint256):
    g: uint256 = msg.gas
    r: uint256 = wad_math._sqrt(x)
    return r, g - msg.gas
