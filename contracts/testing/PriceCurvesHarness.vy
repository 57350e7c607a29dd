# pragma version 0.4.3
"""
@title PriceCurvesHarness
@notice Test-only contract: exposes the internal functions and constants of
        modules/price_curves.vy (tests/modules/test_price_curves.py), plus *_gas
        variants that return the gas one internal call costs (msg.gas before minus after).
@dev The relative import resolves against this file's directory, so
     boa.load("contracts/testing/PriceCurvesHarness.vy") needs no search path.
"""

from ..modules import price_curves


@external
@pure
def kinds() -> (uint256, uint256, uint256):
    return price_curves.LINEAR, price_curves.STAIRSTEP, price_curves.EXPONENTIAL


@external
@pure
def max_duration() -> uint256:
    return price_curves.MAX_DURATION


@external
@pure
def linear(top: uint256, tau: uint256, dur: uint256) -> uint256:
    return price_curves._linear(top, tau, dur)


@external
@pure
def stairstep_exp(top: uint256, cut: uint256, step: uint256, dur: uint256) -> uint256:
    return price_curves._stairstep_exp(top, cut, step, dur)


@external
@pure
def exponential(top: uint256, cut: uint256, dur: uint256) -> uint256:
    return price_curves._exponential(top, cut, dur)


@external
@pure
def price(kind: uint256, top: uint256, a: uint256, b: uint256, dur: uint256) -> uint256:
    return price_curves._price(kind, top, a, b, dur)


@external
@pure
def check_params(kind: uint256, a: uint256, b: uint256) -> bool:
    price_curves._check_params(kind, a, b)
    return True


@external
@view
def linear_gas(top: uint256, tau: uint256, dur: uint256) -> (uint256, uint256):
    g: uint256 = msg.gas
    r: uint256 = price_curves._linear(top, tau, dur)
    return r, g - msg.gas


@external
@view
def stairstep_exp_gas(top: uint256, cut: uint256, step: uint256, dur: uint256) -> (uint256, uint256):
    g: uint256 = msg.gas
    r: uint256 = price_curves._stairstep_exp(top, cut, step, dur)
    return r, g - msg.gas


@external
@view
def exponential_gas(top: uint256, cut: uint256, dur: uint256) -> (uint256, uint256):
    g: uint256 = msg.gas
    r: uint256 = price_curves._exponential(top, cut, dur)
    return r, g - msg.gas


@external
@view
def price_gas(kind: uint256, top: uint256, a: uint256, b: uint256, dur: uint256) -> (uint256, uint256):
    g: uint256 = msg.gas
    r: uint256 = price_curves._price(kind, top, a, b, dur)
    return r, g - msg.gas
