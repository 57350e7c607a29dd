"""Monte Carlo of softliq through the integer-exact model.

Every path starts from one shared loan population (built once per worker and copied per
path). Each step: the oracle moves to the path's market price (the settable oracle, or
the EMA if params.ema_time), time passes, and an arbitrageur makes the
profit-maximising trade against the market price when it is profitable after fees. The
trade size is found band by band in closed form: on a band (F + x)(G + y) = inv with fee
f, buying collateral stays profitable while (1 - f) * inv / B**2 * P > 1 (B = F + x after
the net input), so the optimum is B* = sqrt(inv * (1 - f) * P), and the mirror for
selling; whole bands are taken while their last unit is still profitable. The trade is
then computed and executed by the exact model; its profit is checked exactly. Keepers liquidate loans with health < 0 (checked every
`keeper_every` steps for loans whose top band the active band has reached) and, every
step while an auction is live, take auctions whose price is below the market price,
redoing stale ones.

Keepers (`Keepers`) may see the market late and pay gas: a swap is made only when its
profit beats the swap's gas. The population (`Population`) is a parameter.

Fast paths: a step costs only a float comparison when the oracle moved but no trade can be
profitable (p_o above every band holding collateral on the buy side and below every band
holding stablecoin on the sell side, with a margin of 1e-6), and the exact search skips a
direction that check proves unprofitable; `GasScreen` bounds what a direction's best
trade can earn (along the bands' curves, at each band's least fee) and skips it when that
cannot beat the gas; keepers check a loan's health exactly only when a float estimate
(`HealthScreen`, error < 1e-11) does not clear it by 1e-7; the estimate re-reads only
the bands the swaps since the last round may have written (`HealthMemo` keeps the
others' values). The exact model decides all other cases.
Floats never touch the state: they only decide whether to look, and every skip is one
the exact code would have made (tests/model checks each).

`check_sample_against_chain` replays paths on titanoboa with the same decisions and
compares every action and the final state to the wei.
"""

from __future__ import annotations

import gc
import math
import multiprocessing
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from math import isqrt
from typing import Any, Protocol

import numpy as np

from softliq.keepers.base import gas_cost
from softliq.model.amm import AMMModel, Ctx, Sides, Trade
from softliq.model.system import ModelMarket
from softliq.model.wad_math import WAD, ModelRevert
from softliq.params import MarketParams

ARBITRAGEUR = "arbitrageur"
KEEPER = "keeper"
Population = tuple[tuple[int, int, int], ...]
"""Borrowers: (collateral in WAD, bands N, debt as a share of max_borrowable in 1e-6)."""
POPULATION: Population = tuple(
    (c * WAD, n, share)
    for c, n, share in [(10, 4, 950_000), (5, 10, 900_000), (20, 20, 970_000), (8, 50, 990_000), (3, 6, 850_000), (15, 35, 930_000), (2, 8, 960_000), (12, 15, 800_000)]
)
"""The default population: eight loans over N = 4..50 at 80-99% of max_borrowable."""


def borrower_names(population: Population) -> list[str]:
    """The model's address of each borrower of `population`."""
    return [f"borrower_{i}" for i in range(len(population))]


BORROWERS = borrower_names(POPULATION)


@dataclass(frozen=True)
class Keepers:
    """How the keepers act. `lag_steps`: the arbitrageur and the taker price their trades
    at the market price that many steps back (latency); `gas_price` (wei per gas, the
    gas token valued at the market price, as `softliq.keepers.base.gas_cost`): a swap is
    made only when its profit exceeds `swap_gas` at that price, a lot is taken only
    when its discount to the market exceeds `take_gas`. Liquidations and redos are
    always made (their rewards pay for them). The defaults (no lag, free gas) are the
    ideal keepers of the model's original Monte Carlo."""

    lag_steps: int = 0
    gas_price: int = 0
    swap_gas: int = 150_000
    take_gas: int = 200_000
    every: int = 10
    """Liquidations, takes and redos are looked at every `every` steps."""


IDEAL_KEEPERS = Keepers()
TRADER_STABLE = 5 * 10**6 * WAD
TRADER_COLLATERAL = 5000 * WAD


class Driver(Protocol):
    """What the simulation acts through: the model alone, or a chain twin."""

    model: ModelMarket

    def fund_collateral(self, who: str, amount: int) -> None: ...
    def fund_stablecoin(self, who: str, amount: int) -> None: ...
    def approve_auction(self, who: str) -> None: ...
    def create_loan(self, borrower: str, collateral: int, debt: int, n_bands: int) -> Any: ...
    def set_price(self, price: int) -> None: ...
    def time_travel(self, seconds: int) -> None: ...
    def exchange(self, trader: str, i: int, amount: int, min_amount: int = 0) -> Any: ...
    def liquidate(self, keeper: str, user: str) -> Any: ...
    def take(self, keeper: str, id_: int, max_collateral: int, max_price: int = ...) -> Any: ...
    def redo(self, keeper: str, id_: int) -> Any: ...


class ModelDriver:
    """Driver over the model alone. Swaps skip the transaction rollback copy (they
    cannot revert with min_amount 0); the rarer keeper actions keep it."""

    def __init__(self, model: ModelMarket) -> None:
        self.model = model

    def fund_collateral(self, who: str, amount: int) -> None:
        self.model.mint_collateral(who, amount)

    def fund_stablecoin(self, who: str, amount: int) -> None:
        prec = 10 ** (18 - self.model.params.collateral_decimals)
        collateral = (amount * 4 * WAD // self.model.amm.price_oracle() + WAD) // prec
        self.fund_collateral(who, collateral)
        self.create_loan(who, collateral, amount, 50)

    def approve_auction(self, who: str) -> None:
        pass  # allowances are not modelled

    def create_loan(self, borrower: str, collateral: int, debt: int, n_bands: int) -> None:
        self.model.create_loan(borrower, collateral, debt, n_bands)

    def set_price(self, price: int) -> None:
        self.model.set_price(price)

    def time_travel(self, seconds: int) -> None:
        self.model.time_travel(seconds)

    def exchange(self, trader: str, i: int, amount: int, min_amount: int = 0) -> tuple[int, int]:
        return ModelMarket.exchange.__wrapped__(self.model, trader, i, 1 - i, amount, min_amount)  # type: ignore[attr-defined]

    def liquidate(self, keeper: str, user: str) -> int:
        return self.model.liquidate(keeper, user)

    def take(self, keeper: str, id_: int, max_collateral: int, max_price: int = 2**256 - 1) -> tuple[int, int]:
        return self.model.take(keeper, id_, max_collateral, max_price)

    def redo(self, keeper: str, id_: int) -> None:
        self.model.redo(keeper, id_)


# ---------------------------------------------------------------- population


def setup_population(driver: Driver, borrowers: list[str], arbitrageur: str, keeper: str, population: Population = POPULATION) -> None:
    """Fund the traders and open the loan population (same actions on any driver)."""
    m = driver.model
    prec = 10 ** (18 - m.params.collateral_decimals)
    for who in (arbitrageur, keeper):
        driver.fund_stablecoin(who, TRADER_STABLE)
        driver.fund_collateral(who, TRADER_COLLATERAL // prec)
    driver.approve_auction(keeper)
    for who, (col, n, share) in zip(borrowers, population):
        collateral = col // prec
        driver.fund_collateral(who, collateral)
        debt = m.controller.max_borrowable(collateral, n) * share // 10**6
        driver.create_loan(who, collateral, debt, n)


# ---------------------------------------------------------------- arbitrage


@dataclass
class Arb:
    """A trade the arbitrageur makes: `amount` of coin i in, `trade` as computed."""

    i: int
    amount: int
    trade: Trade
    profit: int


def _optimal_coordinate(sd: Sides, fee: int, pump: bool, market: int) -> int:
    """The band's input coordinate where the marginal trade at `fee` stops paying."""
    if pump:  # out is collateral worth market each: (1 - fee) * inv / B**2 * market == 1
        return isqrt(sd.inv * (WAD - fee) // WAD * market // WAD)
    return isqrt(sd.inv * (WAD - fee) // market)  # out is stablecoin: (1 - fee) * inv / B**2 == market


def _band_optimum(amm: AMMModel, pump: bool, ctx: Ctx, n: int, x: int, y: int, market: int) -> tuple[int, bool]:
    """Gross input (token units) into band n that maximises profit at `market`, and
    whether the whole band is worth taking (then the walk goes on). The toward part (up
    to where arbitrage at p_o stops) and the away part have their own fees, so their
    own optimum."""
    sd = amm.sides(pump, ctx, n, x, y)
    base = sd.in_off + sd.in_bal
    b_star = _optimal_coordinate(sd, sd.fee, pump, market)
    if b_star <= base + sd.cheap_net:
        if b_star <= base:
            return 0, False
        gross18 = (b_star - base) * WAD // (WAD - sd.fee)
    else:
        gross18 = sd.cheap_gross
        b_away = _optimal_coordinate(sd, sd.away_fee, pump, market)
        if b_away > base + sd.cheap_net:
            gross18 += (b_away - base - sd.cheap_net) * WAD // (WAD - sd.away_fee)
    amount = gross18 // sd.in_prec
    take_all = max(amm.input_for(sd, 0), 1)
    if amount >= take_all:
        return take_all, True
    return amount, False


def best_trade(model: ModelMarket, market: int, quiet: tuple[bool, bool] = (False, False)) -> Arb | None:
    """The profit-maximising swap against the market price (WAD), or None if no swap
    is profitable. Walks bands from the active one; each band's optimum is closed-form.
    `quiet` (buying, selling collateral): directions `_quiet_sides` proved
    unprofitable, whose walk would find nothing; they are not walked."""
    amm = model.amm
    p_o = amm.price_oracle()
    ctx = amm.ctx(p_o)
    prec = amm.COLLATERAL_PRECISION
    best: Arb | None = None
    get_x, get_y = amm.bands_x.get, amm.bands_y.get
    for pump in (True, False):
        if quiet[0 if pump else 1]:
            continue
        total = 0
        n = max(amm.active, amm.lo) if pump else min(amm.active, amm.hi)  # no band outside [lo, hi] holds anything
        for _ in range(60):
            x, y = get_x(n, 0), get_y(n, 0)
            out_raw = y if pump else x
            if out_raw > 0:
                amount, whole = _band_optimum(amm, pump, ctx, n, x, y, market)
                total += amount
                if not whole:
                    break
            n += 1 if pump else -1
            if n > amm.hi or n < amm.lo:
                break
        if total <= 0:
            continue
        t = amm.calc_swap_out(pump, total, ctx)
        if t.out_amount == 0:
            continue
        if pump:
            profit = t.out_amount * prec * market // WAD - t.in_amount
        else:
            profit = t.out_amount - t.in_amount * prec * market // WAD
        if profit > 0 and (best is None or profit > best.profit):
            best = Arb(0 if pump else 1, total, t, profit)
    return best


def _quiet(model: ModelMarket, market: float) -> bool:
    """Float pre-check: True when no swap can be profitable (see `_quiet_sides`)."""
    return all(_quiet_sides(model, market))


def _quiet_sides(model: ModelMarket, market: float, p_o_wad: int | None = None, base_wad: int | None = None) -> tuple[bool, bool]:
    """Float pre-check per direction: (no purchase of collateral can be profitable, no
    sale can be), so the exact search skips that direction (and the step, if both).
    On a band the walk's first unit is profitable only if (1 - fee) * market exceeds
    the band's current AMM price when buying (the reverse when selling), and that
    price lies within the band's AMM range at p_o. The buy side starts at the first band at or below the active one (higher n)
    holding collateral, priced at least at its range's low end; the sell side at the first
    band at or above it (lower n) holding stablecoin, priced at most at its range's high
    end. Fees only make trades less profitable, so ignoring them is conservative; a
    relative margin of 1e-6 covers float error (and the integers' roundings, ~1e-18).
    Any doubt (the active band holds both coins) returns False for that direction.
    `p_o_wad` and `base_wad`, when given, are the AMM's price_oracle() and
    get_base_price() now."""
    amm = model.amm
    n = amm.active
    bands_x, bands_y = amm.bands_x, amm.bands_y
    if bands_x.get(n, 0) and bands_y.get(n, 0):
        return False, False
    p_o = (amm.price_oracle() if p_o_wad is None else p_o_wad) / WAD
    k1 = amm.AMPLIFICATION / WAD - 1
    base = (amm.get_base_price() if base_wad is None else base_wad) / WAD
    ratio = (amm.A - 1) / amm.A
    margin = 1e-6
    buy_quiet = sell_quiet = True
    for j in range(n, amm.hi + 1):  # buy side: collateral from band j at >= its low price
        if bands_y.get(j, 0):
            low = p_o * (p_o / (base * ratio**j)) ** k1
            buy_quiet = market < low * (1 - margin)
            break
    for j in range(n, amm.lo - 1, -1):  # sell side: stablecoin from band j at <= its high price
        if bands_x.get(j, 0):
            high = p_o * (p_o / (base * ratio ** (j + 1))) ** k1
            sell_quiet = market > high * (1 + margin)
            break
    return buy_quiet, sell_quiet


# ---------------------------------------------------------------- keepers


HEALTH_MARGIN = 1e-7
"""A loan whose float health estimate exceeds this (as a fraction, WAD = 1) is healthy
without the exact check: the estimate's error is below 1e-11 (see `HealthScreen`)."""


class FloatBands:
    """Float twins of the AMM's band curves at the current oracle price, for screens
    that decide only whether to look (never what happens). Per-round scalars (oracle
    price, base price): after any state change they need a new instance or `at`."""

    def __init__(self, m: ModelMarket, p_o: int | None = None, base_price: int | None = None) -> None:
        """`p_o` and `base_price`, when given, are the AMM's price_oracle() and
        get_base_price() now (a caller that already read them)."""
        amm = m.amm
        self.model = m
        self.la = amm.LOG_A_RATIO / 1e18
        self.hk = amm.HALF_K1 / 1e18
        self.ratio = amm.SB_OVER_SA / 1e18
        self.d = float(amm.CURVE_D)
        self.prec = float(amm.COLLATERAL_PRECISION)
        self.at(amm.price_oracle() if p_o is None else p_o, amm.get_base_price() if base_price is None else base_price)

    def at(self, p_o: int, base_price: int) -> "FloatBands":
        """This screen at the AMM's price_oracle() `p_o` and get_base_price()
        `base_price` (the AMM's immutables, read once, stay)."""
        self.p_o = p_o
        self.base = float(base_price)
        self.sqrt_po = math.sqrt(p_o * 1e18)
        self.ln0 = math.log(p_o / self.base)
        return self

    def curve(self, n: int, x: float, y_units: int) -> tuple[float, float, float]:
        """(sa, sb, L) of band n holding (x, y_units): its sqrt price edges and
        liquidity, as band_math computes them in integers."""
        sa = self.sqrt_po * math.exp(self.hk * (self.ln0 + n * self.la))
        sb = sa * self.ratio
        y = y_units * self.prec
        d = self.d
        if x == 0.0:
            return sa, sb, sa * y / d
        b = sa * y / 1e18 + x * 1e18 / sb
        return sa, sb, (b + math.sqrt(b * b + 4.0 * (d * x / 1e18) * y)) * 1e18 / (2.0 * d)


GAS_MARGIN = 1e-6
"""Relative margin of `GasScreen`'s profit bound over float error (~1e-12)."""
CURVE_ERROR = 1e-12
"""Bound of the float curves' relative error (~1e-14): `GasScreen` adds this much of a
band's coordinates B + m * G to what a trade to a price inside it earns (the square's
two roots cancel)."""
FEE_MARGIN = 1e-9
"""How far below a band's fee (an absolute fraction) `GasScreen` takes it: the float
band edges are within ~1e-14 of the contract's."""


class GasScreen(FloatBands):
    """Skips the exact search of a direction whose trade provably cannot earn more
    than `cost` (the swap's gas; 0 for ideal keepers). Each band the walk takes from (the
    active band on, toward ever dearer bands) is a curve B * G = inv (B = f + x,
    G = g + y, price B / G), and every unit traded in band n pays at least the fee
    phi_n = max(base fee, swing fee, a quarter of the gap between p_o and the band's
    range) (the band's fee; the away fee is larger still), taken FEE_MARGIN lower for
    float error (the swing fee is counted only when the base fee does not settle a
    direction). Buying collateral at a market price m is then buying at
    m_n = m * (1 - phi_n) and paying 1 / (1 - phi_n) more; selling is selling at
    m_n = m / (1 - phi_n). Without fees and roundings (which only take from the trader),
    the most a trade along one band's curve can earn at m_n is what it earns moving the
    band's price to m_n, (sqrt(B) - sqrt(m_n * G))**2 (plus CURVE_ERROR of B + m_n * G,
    for the roots' cancellation), when the band reaches m_n, or what taking the whole
    band earns (its coin at the band's mean price, with a margin of 2 * GAS_MARGIN on
    m_n) when it runs out first. The walk ends at the first band whose price is already
    past m_n (the exact walk finds nothing to take there and stops), or in which the
    price reaches m_n (buying, G falls to
    sqrt(inv / m_n) >= g; selling, B falls to sqrt(inv * m_n) >= f: the exact walk does
    not take that band whole and stops). If the sum over the walk's bands is at most
    `cost`, that direction is quiet.

    With gas, most steps' best trade earns less than the swap costs and is not made,
    so most steps need no exact search. tests/model/test_montecarlo.py checks every
    skip against the exact search."""

    WALK = 60
    """Bands looked through (best_trade's bound); a longer walk is not screened."""

    def quiet(self, market: float, cost: int, known: tuple[bool, bool] = (False, False)) -> tuple[bool, bool]:
        """(buying, selling) collateral cannot earn more than `cost` (stablecoin wei);
        a direction `known` to be quiet is not looked at again."""
        limit = cost * (1 - GAS_MARGIN)
        base_fee = self.model.amm.fee / 1e18
        gain = self.gain
        buy = known[0] or gain(True, market, base_fee, limit) <= limit or self._swing_quiet(True, market, base_fee, limit)
        return buy, known[1] or gain(False, market, base_fee, limit) <= limit or self._swing_quiet(False, market, base_fee, limit)

    def _swing_quiet(self, pump: bool, market: float, base_fee: float, limit: float) -> bool:
        """The walk the base fee did not settle cannot earn more than `limit` at the
        least fee with the swing fee."""
        phi = self.least_fee()
        return phi > base_fee and self.gain(pump, market, phi, limit) <= limit

    def least_fee(self) -> float:
        """The least fee any swap pays now (a fraction): max(base fee, swing fee)."""
        amm = self.model.amm
        if not amm.SWING_FACTOR:
            return amm.fee / 1e18
        return max(amm.fee, amm.swing_fee_of(amm.next_oracle(self.p_o)[4])) / 1e18

    def _fee(self, sa: float, phi: float) -> float:
        """A lower bound of the fee of the band whose sqrt price edges start at `sa`
        (AMM._band_fee at least `phi`)."""
        lo = sa * sa / 1e18
        hi = lo * self.ratio * self.ratio
        p_o = self.p_o
        if p_o < lo:
            gap = (lo - p_o) / lo
        elif p_o > hi:
            gap = (p_o - hi) / p_o
        else:
            return phi
        return max(phi, gap / 4 - FEE_MARGIN)

    def gain(self, pump: bool, market: float, phi: float, limit: float = math.inf) -> float:
        """Upper bound of what the walk buying (pump) or selling collateral at `market`
        can earn, its fees at least `phi`; inf when not bounded (or already above
        `limit`). (`curve` and `_fee` are written out in the loop: the same float
        operations, without two calls a band.)"""
        amm = self.model.amm
        bands_x, bands_y = amm.bands_x, amm.bands_y
        coins = bands_y if pump else bands_x
        n = max(amm.active, amm.lo) if pump else min(amm.active, amm.hi)
        step, end = (1, amm.hi) if pump else (-1, amm.lo)
        sqrt_po, hk, ln0, la, ratio, d, prec, p_o = self.sqrt_po, self.hk, self.ln0, self.la, self.ratio, self.d, self.prec, self.p_o
        exp, sqrt = math.exp, math.sqrt
        total = 0.0
        for _ in range(self.WALK):
            if coins.get(n, 0):
                x, y_units = bands_x.get(n, 0), bands_y.get(n, 0)
                sa = sqrt_po * exp(hk * (ln0 + n * la))  # curve(n, x, y_units)
                sb = sa * ratio
                y = y_units * prec
                if x == 0:
                    l = sa * y / d
                else:
                    b = sa * y / 1e18 + x * 1e18 / sb
                    l = (b + sqrt(b * b + 4.0 * (d * x / 1e18) * y)) * 1e18 / (2.0 * d)
                lo = sa * sa / 1e18  # _fee(sa, phi)
                hi = lo * ratio * ratio
                if p_o < lo:
                    fee = max(phi, (lo - p_o) / lo / 4 - FEE_MARGIN)
                elif p_o > hi:
                    fee = max(phi, (p_o - hi) / p_o / 4 - FEE_MARGIN)
                else:
                    fee = phi
                f, g = l * sa / 1e18, l * 1e18 / sb
                b, c = f + x, g + y
                inv, p = b * c, b / c
                m = market * (1 - fee) if pump else market / (1 - fee)
                if (m <= p * (1 - GAS_MARGIN)) if pump else (m >= p * (1 + GAS_MARGIN)):
                    return total
                inside = m * (1 + GAS_MARGIN) <= inv / (g * g) if pump else m >= f * f / inv * (1 + GAS_MARGIN)
                if inside:
                    gain = (sqrt(b) - sqrt(m * c)) ** 2 * (1 + GAS_MARGIN) + (b + m * c) * CURVE_ERROR
                elif pump:  # all of the band's collateral at its mean price b / g
                    gain = y * (m * (1 + 2 * GAS_MARGIN) - b / g)
                else:  # all of its stablecoin for c * x / f of collateral
                    gain = x * (1 - m * (1 - 2 * GAS_MARGIN) * c / f)
                total += gain / (1 - fee) if pump else gain
                if inside or total > limit:
                    return total
            if n == end:
                return total
            n += step
        return math.inf


class HealthScreen(FloatBands):
    """Float estimates of full health for one keeper round, to skip exact checks of
    loans that are clearly healthy. Mirrors Controller._health(full=True) over
    AMM._user_xy(mode 1) in floats: per band, the sqrt price edges, the liquidity, the
    equilibrium at the oracle and its value with collateral at the band's low oracle
    price; a virgin band (n >= the AMM's V) is the loan's own slice of it alone,
    (0, a) at weight 1, as _user_xy values it. It reads the state when asked; the
    per-round scalars (oracle price, base price) need a new screen after any state
    change (a liquidation).

    Every term is non-negative and only the equilibrium differences cancel, so the
    float x_down is within ~1e-12 (relative) of the exact integers, whose floors cost a
    few wei per band (18-decimal amounts), far inside HEALTH_MARGIN (1e-7). The
    collateral in the full-health term is floored to whole token units per band by the
    contract (coarse for 6-decimal collateral), so the estimate takes one unit off per
    band: it can only understate that term. tests/model/test_montecarlo.py checks the
    estimate against the exact health across parameter sets."""

    def at(self, p_o: int, base_price: int) -> "HealthScreen":
        super().at(p_o, base_price)
        # sa(n) >= sqrt(p_o) iff ln0 + n * la >= 0, and sb(n) = sa(n + 1) (the contract's
        # constants agree to ~1e-18); 0.01 of a band keeps the float away from the edge
        edge = -self.ln0 / self.la
        self.n_below = edge + 0.01  # from here down, p_o is below the band's AMM range
        self.n_above = edge - 1.01  # from here up, p_o is above it
        self.step_down = math.exp(-self.la)  # p_oracle_down(n + 1) / p_oracle_down(n)
        return self

    def _band_value(self, n: int, x: float, y_units: int) -> float:
        """x_down value of band n holding (x, y_units), the general case."""
        sa, sb, l = self.curve(n, x, y_units)
        sqrt_po = self.sqrt_po
        s = sa if sqrt_po < sa else (sb if sqrt_po > sb else sqrt_po)
        ey = l * 1e18 / s - l * 1e18 / sb
        value = l * (s - sa) / 1e18
        if ey > 0.0:
            value += ey * (self.base * math.exp(-(n + 1) * self.la)) / 1e18
        return value

    def health(self, user: str, debt: int, memo: HealthMemo | None = None) -> float | None:
        """Estimated full health of `user` as a fraction (WAD = 1); None when there is
        nothing to estimate (no shares, zero value): then the exact check decides.
        Bands holding one coin away from the oracle's band have closed forms: all
        collateral with p_o below the band's AMM range is valued at the band's low
        oracle price; all stablecoin with p_o above it is worth its x. With a `memo`,
        the closed forms of the loan's outer bands come from it (see `HealthMemo`)."""
        amm = self.model.amm
        n1, _, shares = amm._user_shares(user)
        if not shares or debt <= 0:
            return None
        a = amm.user_lazy[user][1]
        if memo is not None:
            x_down, coll = memo.sums(self, user, n1, shares, a)
        else:
            x_down, coll = self._sums(n1, shares, a)
        if not x_down > 0.0:
            return None
        ld = self.model.controller.liquidation_discounts(user)
        health = x_down * (1e18 - ld) / debt / 1e18 - 1.0
        if n1 > amm.active:
            p_up = self.base * math.exp(-n1 * self.la)
            coll -= len(shares)  # the exact sum floors each band's share to whole units
            if self.p_o > p_up and coll > 0.0:
                health += (self.p_o - p_up) * coll * self.prec / debt / 1e18
        return health

    def _sums(self, n1: int, shares: list[int], a: int) -> tuple[float, float]:
        """(x_down, collateral units) of the loan with `shares` from band n1 and `a`
        in each of its bands."""
        amm = self.model.amm
        get_x, get_y, get_s = amm.bands_x.get, amm.bands_y.get, amm.total_shares.get
        n_below, n_above, prec, virgin = self.n_below, self.n_above, self.prec, amm.virgin
        p_dn = self.base * math.exp(-(n1 + 1) * self.la) / 1e18  # p_oracle_down(n) / 1e18
        step = self.step_down
        x_down = coll = 0.0
        n = n1
        for sh in shares:
            if n >= virgin:  # the loan's own slice alone, whole (AMM._user_band)
                x, y_units, w = 0, a, 1.0
            else:
                x, y_units = get_x(n, 0), get_y(n, 0)
                w = sh / (get_s(n, 0) + 1000.0) if x or y_units else 0.0  # share of the band (DEAD_SHARES)
            if x or y_units:
                if not x and n >= n_below:
                    x_down += y_units * prec * p_dn * w
                elif not y_units and n <= n_above:
                    x_down += x * w
                else:
                    x_down += self._band_value(n, float(x), y_units) * w
                coll += y_units * w
            n += 1
            p_dn *= step
        return x_down, coll

    def surely_healthy(self, user: str, debt: int, memo: HealthMemo | None = None) -> bool:
        """True only when the estimate clears HEALTH_MARGIN: the exact health is >= 0."""
        health = self.health(user, debt, memo)
        return health is not None and health > HEALTH_MARGIN


class HealthMemo:
    """What `HealthScreen` needs of each loan's outer bands, kept across keeper rounds
    of one path, so a round reads only the bands near the oracle's. A loan's bands from
    n1 down to the first holding collateral hold stablecoin alone (or nothing): each is
    worth x * w (w its share of the band) whenever p_o lies above its AMM range. Its
    bands from n2 up to the first holding stablecoin hold collateral alone: each is
    worth y * p_oracle_down(n) * w whenever p_o lies below its range, and
    p_oracle_down(n) = base price * exp(-(n + 1) * ln(A / (A - 1))), so the memo keeps
    y * exp(-(n + 1) * ...) * w and the round multiplies by its base price (which
    interest moves). The memo holds prefix sums of the first kind and suffix sums of the
    second (and of the collateral, y * w); a round uses as many of them as its p_o
    allows (the same `n_above` / `n_below` tests as `HealthScreen`), reads the bands in
    between afresh and extends the sums over what it read.

    A band's sum is valid while the band's x, y and total shares, whether it is virgin,
    and the loan's shares are as when it was read. Between keeper actions only the
    arbitrageur's swaps write bands, and a swap writes only bands between the active
    band before and after it (the walk starts at the active band and ends at the last
    band it takes from, which becomes active; the bands it makes non-virgin, old V to
    that last band, lie in between too, as V > active): `swapped` is told that range
    and the sums over it are dropped before the next use. A keeper action (a liquidation withdraws from bands; takes and
    redos, which do not, for simplicity) `clear`s the memo. The sums are the same terms
    as `HealthScreen._sums` added in another order (relative difference ~1e-16 x the
    band count). tests/model/test_montecarlo.py checks every memo estimate against a
    fresh one and shows that a memo not told of the swaps goes wrong."""

    __slots__ = ("loans", "lo", "hi")

    _EMPTY = 1 << 62

    def __init__(self) -> None:
        self.loans: dict[str, tuple[int, int, list[float], list[float], list[float]]] = {}
        """user -> (n1, bands, head, tail, tail collateral): head[i] is the sum over
        bands n1 .. n1 + i - 1, tail[i] and tail collateral[i] over n2 - i + 1 .. n2."""
        self.lo, self.hi = self._EMPTY, -self._EMPTY
        """The bands swaps may have written since the sums were last trimmed."""

    def swapped(self, a: int, b: int) -> None:
        """A swap moved the active band from a to b (it wrote no band outside them)."""
        if a > b:
            a, b = b, a
        if a < self.lo:
            self.lo = a
        if b > self.hi:
            self.hi = b

    def clear(self) -> None:
        """Forget every sum (the bands or shares changed otherwise than by a swap)."""
        self.loans.clear()
        self.lo, self.hi = self._EMPTY, -self._EMPTY

    def _trim(self) -> None:
        """Drop every sum over a band swaps may have written."""
        lo, hi = self.lo, self.hi
        for n1, bands, head, tail, tail_coll in self.loans.values():
            n2 = n1 + bands - 1
            if hi < n1 or lo > n2:
                continue
            if lo <= n1 + len(head) - 2:
                del head[max(lo - n1, 0) + 1 :]
            if hi >= n2 - len(tail) + 2:
                keep = max(n2 - hi, 0) + 1
                del tail[keep:], tail_coll[keep:]
        self.lo, self.hi = self._EMPTY, -self._EMPTY

    def sums(self, screen: HealthScreen, user: str, n1: int, shares: list[int], a: int) -> tuple[float, float]:
        """`screen._sums(n1, shares, a)` of `user`'s loan, its outer bands from the memo."""
        if self.lo <= self.hi:
            self._trim()
        bands = len(shares)
        n2 = n1 + bands - 1
        entry = self.loans.get(user)
        if entry is None or entry[0] != n1 or entry[1] != bands:
            entry = self.loans[user] = (n1, bands, [0.0], [0.0], [0.0])
        _, _, head, tail, tail_coll = entry
        n_below, n_above = screen.n_below, screen.n_above
        h = min(len(head) - 1, max(math.floor(n_above) - n1 + 1, 0))
        t = min(len(tail) - 1, max(n2 - math.ceil(n_below) + 1, 0), bands - h)
        amm = screen.model.amm
        get_x, get_y, get_s = amm.bands_x.get, amm.bands_y.get, amm.total_shares.get
        prec, la, base, virgin = screen.prec, screen.la, screen.base, amm.virgin
        grow_head = h == len(head) - 1
        grow_tail = t == len(tail) - 1
        read: list[tuple[int, int, int, float]] = []
        x_down = coll = 0.0
        for k in range(h, bands - t):
            n = n1 + k
            if n >= virgin:  # the loan's own slice alone, whole (AMM._user_band)
                x, y_units, w = 0, a, 1.0
            else:
                x, y_units = get_x(n, 0), get_y(n, 0)
                w = shares[k] / (get_s(n, 0) + 1000.0) if x or y_units else 0.0
            if x or y_units:
                if not x and n >= n_below:
                    x_down += y_units * prec * (base * math.exp(-(n + 1) * la) / 1e18) * w
                elif not y_units and n <= n_above:
                    x_down += x * w
                else:
                    x_down += screen._band_value(n, float(x), y_units) * w
                coll += y_units * w
            if grow_head:
                if y_units:
                    grow_head = False
                else:
                    head.append(head[-1] + x * w)
            if grow_tail:
                read.append((n, x, y_units, w))
        if grow_tail:
            for n, x, y_units, w in reversed(read):
                if x:
                    break
                tail.append(tail[-1] + y_units * prec * math.exp(-(n + 1) * la) * w)
                tail_coll.append(tail_coll[-1] + y_units * w)
        return head[h] + x_down + tail[t] * base / 1e18, coll + tail_coll[t]


@dataclass
class Tally:
    """What the keepers did on one path: liquidations by tier (1: part of a position,
    2: the whole of it) and auction takes with their price relative to the market."""

    tier1: int = 0
    tier2: int = 0
    takes: int = 0
    clearing_sum: float = 0.0
    clearing_min: float = math.inf
    clearing_max: float = 0.0

    def took(self, price: int, market: int) -> None:
        ratio = price / market
        self.takes += 1
        self.clearing_sum += ratio
        self.clearing_min = min(self.clearing_min, ratio)
        self.clearing_max = max(self.clearing_max, ratio)


def _keepers(
    driver: Driver, keeper: str, market: int, skip: set[str], tally: Tally | None = None, keepers: Keepers = IDEAL_KEEPERS,
    memo: HealthMemo | None = None,
) -> int:
    """Liquidate unhealthy loans in soft liquidation; take cheap auctions; redo stale
    ones. Returns the number of liquidations. A loan that `HealthScreen` clears is not
    checked exactly (its exact health is not negative); `memo` (kept by the path) spares
    it re-reading bands the swaps since the last round did not write."""
    m = driver.model
    c = m.controller
    tally = tally if tally is not None else Tally()
    liquidated = 0
    screen: HealthScreen | None = None
    for user in list(c.loans):
        if user in skip:
            continue
        n1, _ = m.amm.read_user_tick_numbers(user)
        if n1 > m.amm.active + 1:
            continue
        debt = c.debt(user)
        if not debt:
            continue
        if screen is None:
            screen = HealthScreen(m)
        if not screen.surely_healthy(user, debt, memo) and c._health_now(user, debt, True) < 0:
            screen = None  # the state changes (or the revert is rolled back): start afresh
            if memo is not None:
                memo.clear()
            try:
                driver.liquidate(keeper, user)
                liquidated += 1
                if c.loan_exists(user):
                    tally.tier1 += 1
                else:
                    tally.tier2 += 1
            except ModelRevert:
                c = m.controller  # the market put its state back in new objects: read those
    _auctions(driver, keeper, market, tally, keepers, memo)
    return liquidated


def _auctions(driver: Driver, keeper: str, market: int, tally: Tally, keepers: Keepers, memo: HealthMemo | None = None) -> None:
    """Redo stale auctions; take every lot priced below the market by more than the
    take's gas. Runs every step while an auction is live: a stairstep auction loses
    ~6% of its price in a 600-s step, so looking only at keeper rounds would let every
    auction fall through its cusp unseen."""
    m = driver.model
    prec = m.amm.COLLATERAL_PRECISION
    take_cost = gas_cost(keepers.take_gas, keepers.gas_price, market)
    for id_ in m.auction.active_ids():
        needs_redo, price, lot, _ = m.auction.status(id_)
        act = needs_redo or 0 < price <= market and lot * prec * (market - price) // WAD >= take_cost
        if act and memo is not None:
            memo.clear()
        try:
            if needs_redo:
                driver.redo(keeper, id_)
            elif act:
                driver.take(keeper, id_, lot)
                tally.took(price, market)
        except ModelRevert:
            pass


# ---------------------------------------------------------------- one path


@dataclass
class PathOutcome:
    """Exact results of one path (stablecoin wei), with what the keepers did and the
    borrowers' health sampled along it."""

    bad_debt: int
    borrower_loss: int
    steps: int
    trades: int
    liquidations: int
    losses: tuple[int, ...] = ()
    """Loss of each borrower (see `_borrower_losses`), in population order."""
    tally: Tally = field(default_factory=Tally)
    health: tuple[float, ...] = ()
    """`system_health` every `sample_every` steps (nan once no borrower owes anything)."""


def _oracle_price(p: float) -> int:
    """The oracle price (WAD) set for a market price: rounded to 1e-6."""
    return max(int(round(p * 1e6)) * 10**12, 1)


def _oracle_prices(prices: list[float]) -> list[int]:
    """`_oracle_price` of every price (np.rint rounds half to even, as round does; the
    whole micro-units convert to int64 exactly below 2**62)."""
    micro = np.rint(np.asarray(prices, dtype=float) * 1e6)
    if micro.max() < 2.0**62:
        return [m * 10**12 if m > 0 else 1 for m in micro.astype(np.int64).tolist()]
    return [max(int(m) * 10**12, 1) for m in micro.tolist()]


def _arbitrage(
    driver: Driver, arbitrageur: str, p: float, market: int, keepers: Keepers, memo: HealthMemo | None = None,
    screen: GasScreen | None = None,
) -> int:
    """The arbitrageur's swap of one step at the market price it sees (`p`, and
    `market` as the oracle would round it), made if its profit beats the swap's gas:
    1 if made (`memo` is told the bands it may have written). The float screens skip
    the exact search when it cannot find one (`screen`: the path's GasScreen, moved
    to this step's oracle)."""
    m = driver.model
    amm = m.amm
    p_o, base = amm.price_oracle(), amm.get_base_price()
    quiet = _quiet_sides(m, p, p_o, base)
    if quiet[0] and quiet[1]:
        return 0
    cost = gas_cost(keepers.swap_gas, keepers.gas_price, market)
    screen = GasScreen(m, p_o, base) if screen is None else screen.at(p_o, base)
    quiet = screen.quiet(p, cost, quiet)
    if quiet[0] and quiet[1]:
        return 0
    arb = best_trade(m, market, quiet)
    if arb is None or arb.profit <= cost:
        return 0
    amount = min(arb.amount, (m.collateral if arb.i else m.stable).balance_of(arbitrageur))
    if amount <= 0:  # a deep crash can cost more than the arbitrageur holds
        return 0
    active = m.amm.active
    driver.exchange(arbitrageur, arb.i, amount)
    if memo is not None:
        memo.swapped(active, driver.model.amm.active)
    return 1


def run_path(
    driver: Driver,
    path: np.ndarray,
    step_seconds: int,
    keeper_every: int,
    borrowers: list[str],
    arbitrageur: str,
    keeper: str,
    population: Population = POPULATION,
    keepers: Keepers = IDEAL_KEEPERS,
    sample_every: int = 0,
) -> PathOutcome:
    """Walk one path (market prices, floats) through `driver`. The keepers see the
    market `keepers.lag_steps` steps late (the oracle does not)."""
    m = driver.model
    trades = liquidations = 0
    tally = Tally()
    health: list[float] = []
    prices = np.asarray(path, dtype=float).tolist()
    markets = _oracle_prices(prices)
    memo = HealthMemo()
    screen = GasScreen(m)
    lag = keepers.lag_steps
    direct = type(driver) is ModelDriver and step_seconds >= 0  # its set_price and time_travel, inlined
    for step, market in enumerate(markets):
        if direct:
            m.oracle.set_price(market)
            m.clock.now += step_seconds
        else:
            driver.set_price(market)
            driver.time_travel(step_seconds)
        seen = step - lag if step > lag else 0
        trades += _arbitrage(driver, arbitrageur, prices[seen], markets[seen], keepers, memo, screen)
        if step % keeper_every == keeper_every - 1:
            liquidations += _keepers(driver, keeper, markets[seen], {arbitrageur, keeper}, tally, keepers, memo)
        elif m.auction.sales:
            _auctions(driver, keeper, markets[seen], tally, keepers, memo)
        if sample_every and step % sample_every == sample_every - 1:
            health.append(system_health(m, borrowers, market))
    final = markets[-1]
    losses = _borrower_losses(m, borrowers, population, final)
    return PathOutcome(m.controller.bad_debt, sum(losses), len(prices), trades, liquidations, tuple(losses), tally, tuple(health))


def system_health(m: ModelMarket, borrowers: list[str], price: int) -> float:
    """What the borrowers' positions in the AMM are worth at `price` over what they
    owe, minus 1 (nan when none owes anything)."""
    prec = m.amm.COLLATERAL_PRECISION
    value = debt = 0
    for who in borrowers:
        owed = m.controller.debt(who)
        if owed:
            x, y = m.amm.get_sum_xy(who)
            value += x + y * prec * price // WAD
            debt += owed
    return value / debt - 1.0 if debt else math.nan


def _borrower_losses(m: ModelMarket, borrowers: list[str], population: Population, price: int) -> list[int]:
    """For each borrower, what holding their collateral would be worth at the final
    `price`, minus what they end with (wallet and bands at `price`, less the debt they
    still owe; the minted stablecoin stays in their wallet). Negative: better than
    holding (soft liquidation sold above the final price). Integer floors only."""
    prec = 10 ** (18 - m.params.collateral_decimals)
    losses = []
    for who, (col, _, _) in zip(borrowers, population):
        x, y = m.amm.get_sum_xy(who)
        held = m.stable.balance_of(who) + x + (m.collateral.balance_of(who) + y) * prec * price // WAD
        start = col // prec * prec * price // WAD + m.controller.debt(who)  # debt still owed offsets the minted coins
        losses.append(start - held)
    return losses


# ---------------------------------------------------------------- many paths


@dataclass
class MonteCarloResult:
    """Per-path results (exact ints in stablecoin wei) and timing."""

    bad_debt: list[int]
    borrower_loss: list[int]
    steps: np.ndarray
    trades: np.ndarray
    liquidations: np.ndarray
    wall_seconds: float
    extra: dict[str, Any] = field(default_factory=dict)
    outcomes: list[PathOutcome] = field(default_factory=list)

    @property
    def path_steps_per_second(self) -> float:
        """Throughput: paths x steps per wall second."""
        return float(self.steps.sum()) / self.wall_seconds if self.wall_seconds else 0.0

    @classmethod
    def of(cls, outcomes: list[PathOutcome], wall_seconds: float, extra: dict[str, Any]) -> "MonteCarloResult":
        """The result of `outcomes` (in path order)."""
        return cls(
            bad_debt=[o.bad_debt for o in outcomes],
            borrower_loss=[o.borrower_loss for o in outcomes],
            steps=np.array([o.steps for o in outcomes]),
            trades=np.array([o.trades for o in outcomes]),
            liquidations=np.array([o.liquidations for o in outcomes]),
            wall_seconds=wall_seconds,
            extra=extra,
            outcomes=outcomes,
        )


def validate_paths(prices: np.ndarray) -> np.ndarray:
    """Check a (n_paths, n_steps) array of market prices; clear errors for bad input."""
    arr = np.asarray(prices, dtype=float)
    if arr.ndim != 2:
        raise ValueError(f"prices must have shape (n_paths, n_steps), got shape {arr.shape}")
    if arr.shape[0] == 0 or arr.shape[1] == 0:
        raise ValueError(f"prices is empty: shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError("prices contain a non-finite value (nan or inf)")
    if np.any(arr <= 0):
        raise ValueError(f"prices must be positive; smallest is {arr.min()}")
    if np.any(arr > 1e15):
        raise ValueError(f"prices above 1e15 are out of range; largest is {arr.max()}")
    return arr


_BASES: dict[tuple[MarketParams, Population, int], ModelMarket] = {}


def base_market(params: MarketParams, population: Population = POPULATION, start: int = 1_700_000_000) -> ModelMarket:
    """The shared starting state: a fresh model market with the loan population
    (ModelRevert if the parameters or the population are not what the contracts
    accept)."""
    key = (params, population, start)
    if key not in _BASES:
        model = ModelMarket(params, now=start, record_events=False)
        setup_population(ModelDriver(model), borrower_names(population), ARBITRAGEUR, KEEPER, population)
        _BASES[key] = model
    return _BASES[key]


@dataclass(frozen=True)
class Chunk:
    """Paths to run from one shared start: everything a worker process needs."""

    paths: np.ndarray
    params: MarketParams
    step_seconds: int = 600
    keeper_every: int = 10
    population: Population = POPULATION
    keepers: Keepers = IDEAL_KEEPERS
    sample_every: int = 0


def run_chunk(chunk: Chunk) -> list[PathOutcome]:
    """Every path of `chunk`, each from a copy of the shared start."""
    base = base_market(chunk.params, chunk.population)
    names = borrower_names(chunk.population)
    outcomes = []
    for row in chunk.paths:
        with _collected_after():
            outcomes.append(run_path(
                ModelDriver(base.copy()), row, chunk.step_seconds, chunk.keeper_every, names, ARBITRAGEUR, KEEPER,
                chunk.population, chunk.keepers, chunk.sample_every,
            ))
    return outcomes


@contextmanager
def _collected_after() -> Iterator[None]:
    """No cyclic garbage collection inside (a path allocates millions of short-lived
    objects, and the collector's passes over them cost ~7% of the run); afterwards one
    young-generation pass frees the path's market (its objects refer to each other)."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
        gc.collect(0)


def simulate_paths(
    prices: np.ndarray,
    params: MarketParams,
    seed: int,
    workers: int = 2,
    step_seconds: int = 600,
    keeper_every: int = 10,
    population: Population = POPULATION,
    keepers: Keepers = IDEAL_KEEPERS,
    sample_every: int = 0,
) -> MonteCarloResult:
    """Run every path (rows of `prices`, market prices in stablecoin per collateral)
    from the shared population. `seed` is recorded (the simulation itself is
    deterministic given the paths). Uses `workers` processes (1: in-process)."""
    arr = validate_paths(prices)
    if workers < 1:
        raise ValueError(f"workers must be >= 1, got {workers}")
    if step_seconds < 1:
        raise ValueError(f"step_seconds must be >= 1, got {step_seconds}")
    started = time.perf_counter()
    base_market(params, population)  # built once, before the workers fork
    chunks = [
        Chunk(c, params, step_seconds, keeper_every, population, keepers, sample_every)
        for c in np.array_split(arr, min(workers * 4, len(arr)))
        if len(c)
    ]
    if workers == 1:
        outcomes = [o for c in chunks for o in run_chunk(c)]
    else:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            outcomes = [o for part in pool.map(run_chunk, chunks) for o in part]
    extra = {"seed": seed, "workers": workers, "step_seconds": step_seconds}
    return MonteCarloResult.of(outcomes, time.perf_counter() - started, extra)


def gbm_paths(n_paths: int, n_steps: int, seed: int, start: float = 3000.0, vol_per_step: float = 0.004) -> np.ndarray:
    """Geometric Brownian paths (no drift), the default load for `throughput`."""
    if n_paths < 1 or n_steps < 1:
        raise ValueError(f"need n_paths >= 1 and n_steps >= 1, got {n_paths}, {n_steps}")
    rng = np.random.default_rng(seed)
    steps = rng.normal(-0.5 * vol_per_step**2, vol_per_step, size=(n_paths, n_steps))
    return start * np.exp(np.cumsum(steps, axis=1))


def throughput(n_paths: int, n_steps: int, workers: int = 2, seed: int = 0) -> dict[str, float]:
    """Wall seconds and paths x steps per second on GBM paths with the default params."""
    params = MarketParams()
    base_market(params)  # build the population before timing (workers inherit it)
    result = simulate_paths(gbm_paths(n_paths, n_steps, seed), params, seed, workers)
    return {
        "n_paths": n_paths,
        "n_steps": n_steps,
        "workers": workers,
        "wall_seconds": result.wall_seconds,
        "path_steps_per_second": result.path_steps_per_second,
        "trades": int(result.trades.sum()),
        "liquidations": int(result.liquidations.sum()),
    }


# ---------------------------------------------------------------- chain check


def check_sample_against_chain(
    n_paths: int,
    n_steps: int,
    seed: int,
    step_seconds: int = 600,
    keeper_every: int = 10,
    *,
    paths: np.ndarray | None = None,
    params: MarketParams | None = None,
    population: Population = POPULATION,
    keepers: Keepers = IDEAL_KEEPERS,
) -> bool:
    """Replay `n_paths` paths (the first rows of `paths`, else GBM paths of `n_steps`
    at 1% a step) on titanoboa and on the model with the same decisions; True if every
    action and the final state agree to the wei. (Mismatch details are raised as
    softliq.model.chain.Mismatch.)"""
    import boa

    from softliq import deploy_boa
    from softliq.model.chain import Twin, model_for

    params = params or MarketParams()
    rows = gbm_paths(n_paths, n_steps, seed, vol_per_step=0.01) if paths is None else validate_paths(paths)[:n_paths]
    market = deploy_boa(params)
    borrowers = [str(boa.env.generate_address(name)) for name in borrower_names(population)]
    arbitrageur = str(boa.env.generate_address("arbitrageur"))
    keeper = str(boa.env.generate_address("keeper"))
    for row in rows:
        with boa.env.anchor():
            twin = Twin(market, model_for(market), focus=borrowers)
            setup_population(twin, borrowers, arbitrageur, keeper, population)
            run_path(twin, row, step_seconds, keeper_every, borrowers, arbitrageur, keeper, population, keepers)
            twin.check()
    return True
