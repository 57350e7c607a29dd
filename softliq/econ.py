"""Borrower economics of the band AMM on the integer-exact model: price paths walked with
a profit-maximising arbitrageur, and the round trip of a trader who knows the next oracle
update. Shared by `bench/econ.py` (tables) and the tests (properties).

Everything runs on `softliq.model.ModelMarket`, which agrees with the contracts to the
wei (tests/model, the fuzz suite's invariant 8); `replay_on_chain` repeats a walk's
trades on titanoboa and compares the borrower's position, so the tables are the
contracts' numbers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from softliq.model.montecarlo import ModelDriver, best_trade
from softliq.model.system import ModelMarket
from softliq.model.wad_math import ModelRevert
from softliq.params import WAD, MarketParams

START_TIME = 1_700_000_000
BORROWER = "borrower"
ARBITRAGEUR = "arbitrageur"
TRADER = "trader"
COLLATERAL = 10 * WAD
"""The borrower's collateral (18 decimals)."""
DEBT_SHARE = 55
"""The borrower's debt, % of max_borrowable."""
LLAMMA_LIKE = MarketParams(amplification=3 * WAD, fee=6 * 10**15, oracle_fee_window=120, away_fee=0, swing_factor=0)
"""softliq's contracts configured as Curve's LLAMMA: k = 3, fee 0.6%, oracle-move fee over
120 s, no away fee, no swing fee."""


@dataclass
class Run:
    """One borrower in a fresh model market, with an arbitrageur."""

    market: ModelMarket
    n1: int
    n2: int
    trades: list[tuple[int, int, int, int]] = field(default_factory=list)
    """(time, oracle price, coin in, amount in) of every arbitrage, for a chain replay."""
    start_index: int = 0
    """How many of `trades` came before the walk's starting value was taken."""

    @property
    def driver(self) -> ModelDriver:
        return ModelDriver(self.market)


def open_run(params: MarketParams, n_bands: int) -> Run:
    """A market with one loan of N = n_bands at DEBT_SHARE % of its max, and a funded
    arbitrageur. The active band is put just above the loan, as the first trade would."""
    m = ModelMarket(params, now=START_TIME, record_events=False)
    d = ModelDriver(m)
    d.fund_stablecoin(ARBITRAGEUR, 10**7 * WAD)
    d.fund_collateral(ARBITRAGEUR, 10**5 * WAD // m.amm.COLLATERAL_PRECISION)
    collateral = COLLATERAL // m.amm.COLLATERAL_PRECISION
    d.fund_collateral(BORROWER, collateral)
    d.create_loan(BORROWER, collateral, m.controller.max_borrowable(collateral, n_bands) * DEBT_SHARE // 100, n_bands)
    n1, n2 = m.amm.read_user_tick_numbers(BORROWER)
    assert m.amm.can_skip_bands(n1 - 1)
    m.amm.active = n1 - 1  # the bands above are empty: what the first trade does
    return Run(m, n1, n2)


def arbitrage(run: Run, rounds: int = 3) -> None:
    """Trade against a market at the source oracle price until nothing pays."""
    m = run.market
    for _ in range(rounds):
        arb = best_trade(m, m.oracle.source)
        if arb is None:
            return
        run.trades.append((m.now, m.oracle.source, arb.i, arb.amount))
        run.driver.exchange(ARBITRAGEUR, arb.i, arb.amount)


def settle_at(run: Run, price: int, wait: int = 600) -> None:
    """Set the oracle to `price`, let `wait` seconds pass and arbitrage."""
    run.market.set_price(price)
    run.market.time_travel(wait)
    arbitrage(run)


def position_value(run: Run, price: int) -> int:
    """The borrower's stablecoin plus collateral valued at `price` (wei)."""
    x, y = run.market.amm.get_sum_xy(BORROWER)
    return x + y * run.market.amm.COLLATERAL_PRECISION * price // WAD


# ---------------------------------------------------------------- paths


def geometric(start: int, end: int, step: float) -> list[int]:
    """Prices from start to end (inclusive), moving by a factor (1 +- step) each time."""
    out = [start]
    up = end > start
    while (out[-1] < end) if up else (out[-1] > end):
        nxt = int(out[-1] * ((1 + step) if up else (1 - step)))
        out.append(min(nxt, end) if up else max(nxt, end))
    return out


def start_and_middle(run: Run) -> tuple[int, int]:
    """2 bands above the loan's top band, and the middle of its bands."""
    amm = run.market.amm
    a = amm.A
    start = amm.p_oracle_up(run.n1) * a * a // ((a - 1) * (a - 1))
    return start, math.isqrt(amm.p_oracle_up(run.n1) * amm.p_oracle_down(run.n2))


def v_shape(run: Run, step: float = 0.01) -> list[int]:
    """Down from 2 bands above the top band to the middle of the bands and back."""
    start, middle = start_and_middle(run)
    return geometric(start, middle, step) + geometric(middle, start, step)[1:]


def w_shape(run: Run, step: float = 0.01) -> list[int]:
    """Two V-shapes: down to the middle, back up to 2% below the start, down, up."""
    start, middle = start_and_middle(run)
    up = geometric(middle, start * 98 // 100, step)[1:]
    down = geometric(up[-1], middle, step)[1:]
    return geometric(start, middle, step) + up + down + geometric(middle, start, step)[1:]


def sawtooth(run: Run, step: float = 0.01, swings: int = 5, amplitude: float = 0.02) -> list[int]:
    """Into the middle of the bands, `swings` oscillations of +amplitude, then back out."""
    start, middle = start_and_middle(run)
    high = int(middle * (1 + amplitude))
    swing = geometric(middle, high, step)[1:] + geometric(high, middle, step)[1:]
    return geometric(start, middle, step) + swing * swings + geometric(middle, start, step)[1:]


def oscillation(run: Run, amplitude: float = 0.015, swings: int = 10) -> list[int]:
    """From the middle of the bands, `swings` times to middle * (1 + a) and to
    middle * (1 - a), then back to the middle: each step reverses the last."""
    _, middle = start_and_middle(run)
    return [middle] + [int(middle * (1 + amplitude)), int(middle * (1 - amplitude))] * swings + [middle]


def one_step_crash(run: Run) -> list[int]:
    """One jump from 2 bands above the top band to the middle of the bands, one jump back."""
    start, middle = start_and_middle(run)
    return [start, middle, start]


def noisy_v(run: Run, seed: int, steps: int = 60, noise: float = 0.006) -> list[int]:
    """A V-shape to the middle of the bands and back with Gaussian noise on every step
    (log-price, `noise` per step, seeded), ending at the start price."""
    start, middle = start_and_middle(run)
    rng = np.random.default_rng(seed)
    drift = math.log(middle / start) / (steps / 2)
    prices, x = [start], 0.0
    for i in range(steps):
        x += (drift if i < steps // 2 else -drift) + float(rng.normal(0, noise))
        prices.append(int(start * math.exp(x)))
    return prices + [start]


@dataclass(frozen=True)
class PricePath:
    """A named path: prices from a run, seconds from each step to its arbitrage."""

    label: str
    prices: Callable[[Run], list[int]]
    wait: int = 60


def walk(run: Run, prices: list[int], wait: int = 60, final_wait: int = 600) -> float:
    """Move the oracle along `prices` (the first is the start and the reference), one
    arbitrage `wait` s after each step, a last one `final_wait` s after the end; returns
    the borrower's loss in % of the position's value at the first price."""
    settle_at(run, prices[0], final_wait)
    run.start_index = len(run.trades)
    start = position_value(run, prices[0])
    for price in prices[1:]:
        settle_at(run, price, wait)
    run.market.time_travel(final_wait)
    arbitrage(run)
    return 100 * (start - position_value(run, prices[0])) / start


def loss(params: MarketParams, path: PricePath, n_bands: int) -> float:
    """Loss (%) of a borrower with N = n_bands on `path` in a fresh market."""
    run = open_run(params, n_bands)
    return walk(run, path.prices(run), wait=path.wait)


def crash_and_stay(params: MarketParams, n_bands: int, minutes: int = 60) -> float:
    """One jump from 2 bands above the top band to the middle, then `minutes` of
    arbitrage every minute at that price: the position's value there, as % lost of its
    value at the start price (the shortfall soft liquidation leaves after a crash)."""
    run = open_run(params, n_bands)
    start, middle = start_and_middle(run)
    settle_at(run, start)
    before = position_value(run, start)
    for _ in range(minutes):
        settle_at(run, middle, 60)
    return 100 * (1 - position_value(run, middle) / before)


# ---------------------------------------------------------------- informed round trips


@dataclass(frozen=True)
class RoundTrip:
    """The best round trip found: profit (wei, valued at the new price) and volume."""

    profit: int
    volume: int
    """Stablecoin value of the first leg (wei)."""

    @property
    def per_volume(self) -> float:
        return self.profit / self.volume if self.volume else 0.0


def _trip(base: ModelMarket, first: int, amount: int, new_price: int, delay: int) -> RoundTrip:
    m = base.copy()
    d = ModelDriver(m)
    p0 = m.oracle.source
    prec = m.amm.COLLATERAL_PRECISION
    stable, coll = m.stable.balance_of(TRADER), m.collateral.balance_of(TRADER)
    try:
        used, out = d.exchange(TRADER, first, amount)
        if out == 0:
            return RoundTrip(0, 0)
        m.time_travel(delay)
        m.set_price(new_price)
        d.exchange(TRADER, 1 - first, out)
    except ModelRevert:
        return RoundTrip(0, 0)
    gained = m.stable.balance_of(TRADER) - stable + (m.collateral.balance_of(TRADER) - coll) * prec * new_price // WAD
    volume = used if first == 0 else used * prec * p0 // WAD
    return RoundTrip(gained, volume)


def informed_round_trip(params: MarketParams, move: float, delay: int, first: int, n_bands: int = 10) -> RoundTrip:
    """A trader who knows that the oracle moves by `move` (e.g. +0.01) `delay` seconds
    from now trades coin `first` into the bands (0: buys collateral, 1: sells it), lets
    the update land, and trades everything back. The bands start at equilibrium at the
    middle of a loan's bands (an arbitrageur has just traded). Returns the most
    profitable size over a geometric grid of 48 sizes."""
    run = open_run(params, n_bands)
    _, middle = start_and_middle(run)
    settle_at(run, middle)
    m = run.market
    m.time_travel(600)
    d = run.driver
    d.fund_stablecoin(TRADER, 10**7 * WAD)
    d.fund_collateral(TRADER, 10**4 * WAD // m.amm.COLLATERAL_PRECISION)
    cap = 10**6 * WAD if first == 0 else 300 * WAD // m.amm.COLLATERAL_PRECISION
    new_price = int(middle * (1 + move))
    best = RoundTrip(0, 0)
    for k in range(48):
        trip = _trip(m, first, max(1, int(cap * 0.6**k)), new_price, delay)
        if trip.volume and (best.volume == 0 or trip.profit > best.profit):
            best = trip
    return best


# ---------------------------------------------------------------- chain replay


def replay_on_chain(params: MarketParams, n_bands: int, path: PricePath) -> tuple[float, float]:
    """Walk `path` on the model, replay the same oracle steps and trades on titanoboa,
    and return both losses (%): they must be equal."""
    import boa

    from softliq.actors import collateral_units, fund_collateral, fund_stablecoin, open_loan
    from softliq.deploy import deploy_boa

    run = open_run(params, n_bands)
    model_loss = walk(run, path.prices(run), wait=path.wait)
    with boa.env.anchor():
        boa.env.evm.patch.timestamp = START_TIME
        market = deploy_boa(params)
        borrower = boa.env.generate_address(BORROWER)
        arbitrageur = boa.env.generate_address(ARBITRAGEUR)
        fund_stablecoin(market, arbitrageur, 10**7 * WAD)
        fund_collateral(market, arbitrageur, collateral_units(market, 10**5 * WAD))
        collateral = collateral_units(market, COLLATERAL)
        debt = market.controller.max_borrowable(collateral, n_bands) * DEBT_SHARE // 100
        open_loan(market, borrower, collateral, debt, n_bands)
        reference = path.prices(run)[0]
        start_value = _chain_value(market, borrower, reference)
        for k, (when, price, i, amount) in enumerate(run.trades):
            if k == run.start_index:
                start_value = _chain_value(market, borrower, reference)
            boa.env.evm.patch.timestamp = when
            with boa.env.prank(market.admin):
                market.oracle.set_price(price)
            with boa.env.prank(arbitrageur):
                market.amm.exchange(i, 1 - i, amount, 0)
        if run.start_index == len(run.trades):
            start_value = _chain_value(market, borrower, reference)
        end_value = _chain_value(market, borrower, reference)
    return model_loss, 100 * (start_value - end_value) / start_value


def _chain_value(market: object, borrower: str, price: int) -> int:
    x, y = market.amm.get_sum_xy(borrower)  # type: ignore[attr-defined]
    return x + y * market.amm.COLLATERAL_PRECISION() * price // WAD  # type: ignore[attr-defined]
