"""The model's clock and oracles: the settable PriceOracleMock and the optional EmaOracle."""

from __future__ import annotations

from dataclasses import dataclass

from softliq.model.events import EventLog
from softliq.model.wad_math import WAD, exp_wad, require


@dataclass
class Clock:
    """block.timestamp of the model (titanoboa does not advance time by itself)."""

    now: int


def median3(a: int, b: int, c: int) -> int:
    """EmaOracle._median: the middle of three."""
    return max(min(a, b), min(max(a, b), c))


class OracleModel:
    """What the AMM and the Auction read: a settable price, optionally behind an EMA
    (contracts/testing/PriceOracleMock.vy, contracts/EmaOracle.vy).

    The EMA folds median(last_price, last_source, source) over the gap since the last
    write, so a one-block print cannot move it (see EmaOracle.vy's NatSpec)."""

    def __init__(self, clock: Clock, price: int, ema_time: int = 0) -> None:
        self.clock = clock
        self.source = price
        self.ema_time = ema_time
        if ema_time:
            require(60 <= ema_time <= 86400, "EmaOracle: ema_time out of range")
            require(price > 0, "EmaOracle: source price is zero")
        self.last_price = price
        self.last_source = price
        self.last_timestamp = clock.now
        self.log = EventLog()

    def set_price(self, price: int) -> None:
        """PriceOracleMock.set_price (the admin's call)."""
        self.source = price
        self.log.emit("oracle", "SetPrice", price=price)

    def _source(self) -> int:
        require(self.source > 0, "EmaOracle: source price is zero")
        return self.source

    def _ema(self, source: int) -> int:
        dt = self.clock.now - self.last_timestamp
        last = self.last_price
        if dt == 0:
            return last
        m = median3(last, self.last_source, source)
        alpha = exp_wad(-(dt * WAD // self.ema_time))
        return (last * alpha + m * (WAD - alpha)) // WAD

    def price(self) -> int:
        """price(): the view (what price_w would return in this block)."""
        if not self.ema_time:
            return self.source
        return self._ema(self._source())

    def price_w(self) -> int:
        """price_w(): once per block the EMA stores its value and records the source."""
        if not self.ema_time:
            return self.source
        source = self._source()
        p = self._ema(source)
        if self.last_timestamp != self.clock.now:
            self.last_price = p
            self.last_source = source
            self.last_timestamp = self.clock.now
            self.log.emit("price_source", "UpdatePrice", source_price=source, ema_price=p)
        return p

    def folded_price(self) -> int:
        """folded_price(): median(last_price, last_source, source)."""
        return median3(self.last_price, self.last_source, self._source())
