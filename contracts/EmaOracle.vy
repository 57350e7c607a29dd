# pragma version 0.4.3
"""
@title EmaOracle
@notice Exponential moving average of a source oracle, so one block cannot move the
        price far: ema <- ema * e^(-dt/T) + source * (1 - e^(-dt/T)).
"""
from .interfaces import IPriceOracle
from .modules import wad_math

implements: IPriceOracle

event UpdatePrice:
    source_price: uint256
    ema_price: uint256

WAD: constant(uint256) = 10**18

SOURCE: public(immutable(IPriceOracle))
EMA_TIME: public(immutable(uint256))
last_price: public(uint256)
last_timestamp: public(uint256)


@deploy
def __init__(source: IPriceOracle, ema_time: uint256):
    """
    @notice Follow `source` with time constant `ema_time` seconds (60 .. 86400).
    """
    assert ema_time >= 60 and ema_time <= 86400, "EmaOracle: ema_time out of range"
    SOURCE = source
    EMA_TIME = ema_time
    p: uint256 = staticcall source.price()
    assert p > 0, "EmaOracle: source price is zero"
    self.last_price = p
    self.last_timestamp = block.timestamp


@internal
@view
def _ema() -> uint256:
    source: uint256 = staticcall SOURCE.price()
    assert source > 0, "EmaOracle: source price is zero"
    dt: uint256 = block.timestamp - self.last_timestamp
    if dt == 0:
        return self.last_price
    # weight of the old value, e^(-dt/T), rounded down by wad_math
    alpha: uint256 = wad_math._exp(-convert(dt * WAD // EMA_TIME, int256))
    # the weight rounds down and the mean rounds down: within a few wei of the exact mean
    return (self.last_price * alpha + source * (WAD - alpha)) // WAD


@external
@view
def price() -> uint256:
    """
    @notice The moving average as of this block (WAD).
    """
    return self._ema()


@external
def price_w() -> uint256:
    """
    @notice Update the stored average and return it (WAD).
    """
    p: uint256 = self._ema()
    if self.last_timestamp != block.timestamp:
        self.last_price = p
        self.last_timestamp = block.timestamp
        log UpdatePrice(source_price=staticcall SOURCE.price(), ema_price=p)
    return p
