# pragma version 0.4.3
"""
@title PriceOracleMock
@notice A price oracle whose price the admin sets: for tests, scenarios and benchmarks.
"""
from ..interfaces import IPriceOracle

implements: IPriceOracle

event SetPrice:
    price: uint256

admin: public(address)
_price: uint256


@deploy
def __init__(price: uint256, admin: address):
    """
    @notice Start at `price` (WAD); `admin` may change it.
    """
    self._price = price
    self.admin = admin
    log SetPrice(price=price)


@external
@view
def price() -> uint256:
    """
    @notice The current price (WAD). May be zero if the admin set zero (to test consumers).
    """
    return self._price


@external
def price_w() -> uint256:
    """
    @notice Same as price(); exists so consumers can call the write variant.
    """
    return self._price


@external
def set_price(price: uint256):
    """
    @notice Set the price (WAD). Admin only; zero is allowed so consumers' guards can be tested.
    """
    assert msg.sender == self.admin, "PriceOracleMock: only admin"
    self._price = price
    log SetPrice(price=price)
