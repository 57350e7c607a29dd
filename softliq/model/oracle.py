"""The model's clock and oracles: the settable PriceOracleMock and the optional EmaOracle."""

from __future__ import annotations

from dataclasses import dataclass

from softliq.model.wad_math import WAD, exp_wad, require


@dataclass
class Clock:
    """block.timestamp of the model (titanoboa does not advance time by itself)."""

    now: int


class OracleModel:
    """What the AMM and the Auction read: a settable price, optionally behind an EMA
    (contracts/testing/PriceOracleMock.vy, contracts/EmaOracle.vy)."""

    def __init__(self, clock: Clock, price: int, ema_time: int = 0) -> None:
        self.clock = clock
        self.source = price
        self.ema_time = ema_time
        if ema_time:
            require(60 <= ema_time <= 86400, "EmaOracle: ema_time out of range")
            require(price > 0, "EmaOracle: source price is zero")
        self.last_price = price
        self.last_timestamp = clock.now

    def set_price(self, price: int) -> None:
        """PriceOracleMock.set_price (the admin's call)."""
        self.source = price

    def _ema(self) -> int:
        require(self.source > 0, "EmaOracle: source price is zero")
        dt = self.clock.now - self.last_timestamp
        if dt == 0:
            return self.last_price
        alpha = exp_wad(-(dt * WAD // self.ema_time))
        return (self.last_price * alpha + self.source * (WAD - alpha)) // WAD

    def price(self) -> int:
        """price(): the view."""
        if not self.ema_time:
            return self.source
        return self._ema()

    def price_w(self) -> int:
        """price_w(): the EMA stores its value once per block."""
        if not self.ema_time:
            return self.source
        p = self._ema()
        if self.last_timestamp != self.clock.now:
            self.last_price = p
            self.last_timestamp = self.clock.now
        return p
