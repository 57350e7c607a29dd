# pragma version 0.4.3
"""
@title EmaOracle
@notice Exponential moving average of a source oracle that one block's print cannot move.
        Reading at time t, dt = t - last_timestamp > 0 seconds after the last write:
            m     = median(last_price, last_source, source_now)
            alpha = e^(-dt/T)
            ema   = last_price * alpha + m * (1 - alpha)
        where last_price is the average stored at the last write, last_source the source
        price recorded at that write and source_now the source price in this block.
        `price_w()` stores the average and records source_now as last_source, once per block.
@dev Why the median. A plain EMA (ema <- ema * alpha + source_now * (1 - alpha)) folds the
     price of the reading block over the whole gap since the last write: after an hour of
     quiet with T = 600 s, one block's print moves it 1 - e^-6 = 99.75% of the way, enough
     to liquidate a healthy loan in that block. Here a price seen in only one block is either
     last_source (if a write recorded it) or source_now, never both; the third value is the
     honest one on the other side (the stored average, or the source a block later), so the
     median, and with it the average, is never pulled further than the honest value. When
     the honest price equals the average, a one-block print moves the average by zero.
     A persistent move is seen by two consecutive writes (as last_source and as source_now)
     and is followed with one write of delay, like Curve's EMA oracle, which folds the
     previous write's price up to now. A manipulation that lasts across two writes is a
     persistent move to this oracle: it is followed at the EMA's usual pace.
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
last_source: public(uint256)
last_timestamp: public(uint256)


@deploy
def __init__(source: IPriceOracle, ema_time: uint256):
    """
    @notice Follow `source` with time constant `ema_time` seconds (60 .. 86400). The average
            and the recorded source price both start at the source's price now.
    """
    assert ema_time >= 60 and ema_time <= 86400, "EmaOracle: ema_time out of range"
    SOURCE = source
    EMA_TIME = ema_time
    p: uint256 = staticcall source.price()
    assert p > 0, "EmaOracle: source price is zero"
    self.last_price = p
    self.last_source = p
    self.last_timestamp = block.timestamp


@internal
@view
def _source() -> uint256:
    p: uint256 = staticcall SOURCE.price()
    assert p > 0, "EmaOracle: source price is zero"
    return p


@internal
@pure
def _median(a: uint256, b: uint256, c: uint256) -> uint256:
    # the middle of three: exact, no rounding
    return max(min(a, b), min(max(a, b), c))


@internal
@view
def _ema(source: uint256) -> uint256:
    dt: uint256 = block.timestamp - self.last_timestamp
    last: uint256 = self.last_price
    if dt == 0:
        return last
    m: uint256 = self._median(last, self.last_source, source)
    # weight of the old value, e^(-dt/T): the exponent dt/T rounds down (toward zero) and
    # wad_math._exp rounds down, so alpha is at most ~2 wei of WAD below the exact weight
    alpha: uint256 = wad_math._exp(-convert(dt * WAD // EMA_TIME, int256))
    # the mean rounds down; since alpha <= WAD it stays within [min(last, m), max(last, m)]
    # and within a few wei of the exact weighted mean
    return (last * alpha + m * (WAD - alpha)) // WAD


@external
@view
def price() -> uint256:
    """
    @notice The moving average as of this block (WAD): what price_w() would return in this
            block. Reverts if the source returns zero.
    """
    return self._ema(self._source())


@external
def price_w() -> uint256:
    """
    @notice The moving average as of this block (WAD), stored. The first call in a block
            stores the average, records the source price as last_source and logs
            UpdatePrice; later calls in the same block return the stored average and change
            nothing. Reverts if the source returns zero.
    """
    source: uint256 = self._source()
    p: uint256 = self._ema(source)
    if self.last_timestamp != block.timestamp:
        self.last_price = p
        self.last_source = source
        self.last_timestamp = block.timestamp
        log UpdatePrice(source_price=source, ema_price=p)
    return p


@external
@view
def folded_price() -> uint256:
    """
    @notice The value the next fold moves the average toward if the source stays as it is:
            median(last_price, last_source, source now) (WAD). Reverts if the source
            returns zero.
    """
    return self._median(self.last_price, self.last_source, self._source())
