"""Gas of softliq's user operations as transaction receipts show it, against LLAMMA.

Prints a table and writes reports/bench/gas.json
(bench/results/gas.json, tracked, with --record). Every operation is measured as
its own transaction in a new block (softliq.gas.measure_call: EIP-2929 warm sets
cleared, EIP-2200 original values reset, refund capped, intrinsic gas included),
from a snapshot that is rolled back afterwards, so operations do not warm each
other up.

Setup (the core issue's, as LLAMMA was measured): A = 100, fee 0.6%, 18-decimal
collateral at 3000, no interest; the rest is MarketParams' defaults. Each loan:
10 collateral, 60% of max_borrowable unless placed on a chosen band.

* create_loan_n{4,10}_first: the first loan of a fresh market.
  create_loan_n{4,10}_second: the same collateral, debt and N by another borrower,
  landing in the same bands.
* exchange_*: 20 borrowers (N = 20, top bands staggered over 6 bands, so every
  band crossed holds several users' shares) cover 25 bands. The oracle moves to
  their middle band, then a trade (the arbitrage that follows) buys the collateral
  above it and half of that band's: the active band is there, holding both coins.
  Each measured trade stays inside the active band or crosses exactly 1, 5 or 10
  bands, asserted from active_band before and after. `_up` is i=0 (stablecoin in,
  band index n rises), `_down` is i=1 (collateral in, n falls); the required key is
  the larger of the two. `_1_borrower` keys repeat the rows with one borrower
  holding the same 25 bands: exchange gas must not depend on the number of users.
* repay_full, borrow_more, add_collateral: a loan with N = 10 among 20 loans whose
  top bands are staggered one band apart. add_collateral adds 5% collateral and
  borrow_more 5% debt (no collateral; `_with_collateral`: 5% of each, the bands
  stay), so the position moves a few bands, into bands others hold; the
  `_fresh_bands` keys move it ~35-40 bands, into empty bands. The borrower holds no
  collateral besides the loan (`repay_full_wallet_not_empty`: 1 more in the wallet).
* liquidate_*, take_*, redo (gradual liquidation; bars: liquidate 250k, take 150k, none
  for redo): the same 20 loans with N = 10, the measured one a quarter of the way down.
  The auction house has run one auction before (settled, none live); the keeper holds
  stablecoin and no collateral. liquidate_tier1: the oracle moves into the position's
  last band and the arbitrage follows (then the oracle slips until health < 0), leaving it mostly stablecoin, mildly unhealthy
  and solvent after the penalty. liquidate_tier2: the oracle drops 5% below its bands
  in one step, before any trade (`_auction_live`: after another position's liquidation,
  whose auction is live). The tier is asserted from the Liquidate event, and an auction
  from its lot. take_partial / take_full: the tier-1 auction once its price decayed to
  the oracle's, buying half the lot (the auction stays live) / all of it (the tab is
  paid, surplus collateral goes back to the borrower, the auction ends); redo: that
  auction re-priced a block after `tail` seconds, by the keeper (who earns the
  incentive).

    python bench/gas.py
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import boa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from softliq import WAD, Market, MarketParams, deploy_boa  # noqa: E402
from softliq.actors import fund_collateral, fund_stablecoin, open_loan  # noqa: E402
from softliq.gas import measure_call  # noqa: E402
from softliq.positions import read_user_ticks
sys.path.insert(0, str(Path(__file__).resolve().parent))
from results_dir import add_record, verdict, write_results  # noqa: E402

PARAMS = MarketParams(A=100, fee=6 * 10**15, collateral_decimals=18)
BAR = 0.85
BLOCK_SECONDS = 12

LLAMMA: dict[str, int] = {
    "create_loan_n4_first": 654_585,
    "create_loan_n4_second": 437_725,
    "create_loan_n10_first": 1_016_520,
    "create_loan_n10_second": 594_460,
    "exchange_in_band": 112_912,
    "exchange_1_band": 141_863,
    "exchange_5_bands": 246_467,
    "exchange_10_bands": 377_222,
    "repay_full": 264_038,
    "borrow_more": 458_631,
    "add_collateral": 797_785,
}
"""Curve's LLAMMA on titanoboa, receipt-style (the core issue's table)."""

REQUIRED_KEYS: tuple[str, ...] = tuple(LLAMMA)
CROSSINGS: dict[int, str] = {0: "exchange_in_band", 1: "exchange_1_band", 5: "exchange_5_bands", 10: "exchange_10_bands"}
"""Bands crossed -> result key."""
DIRECTIONS: dict[int, str] = {0: "up", 1: "down"}
"""Coin sold (i) -> key suffix: i=0 walks band index n up, i=1 down."""


@dataclass(frozen=True)
class Config:
    """Sizes of the scenarios; the defaults are the benchmark's."""

    borrowers: int = 20
    """Loans sharing the bands in the exchange and loan-change scenarios."""
    collateral: int = 10 * WAD
    """Collateral per loan (18 decimals)."""
    debt_share: float = 0.6
    """Debt of a created loan, as a share of max_borrowable."""
    exchange_span: int = 25
    """Bands the exchange scenario's liquidity covers; at least 2 * 10 + 1."""
    exchange_stagger: int = 5
    """Top bands of the exchange scenario's borrowers spread over this many + 1 bands."""
    compare_single_borrower: bool = True
    """Also measure the exchange rows with a single borrower (`_1_borrower` keys)."""


# ---------------------------------------------------------------- measuring


def measure_tx(method: Callable[..., Any], *args: Any, sender: str) -> int:
    """Receipt gas of one call sent as its own transaction in a new block."""
    boa.env.time_travel(seconds=BLOCK_SECONDS)
    _, gas = measure_call(method, *args, sender=sender)
    return gas.total


def actor(role: str) -> str:
    """A fresh address named by role."""
    return str(boa.env.generate_address(role))


# ---------------------------------------------------------------- loans


def debt_at_offset(market: Market, collateral: int, n_bands: int, share: float, offset: int) -> int:
    """Debt whose loan starts `offset` bands below where `share` of max_borrowable would.

    Lands exactly on that band: 0.5% below the value the Controller requires there,
    while the band below needs 1% less (A = 100)."""
    ctrl, amm = market.controller, market.amm
    max_debt = ctrl.max_borrowable(collateral, n_bands)
    n_top = ctrl.calculate_debt_n1(collateral, max_debt, n_bands)
    n_base = ctrl.calculate_debt_n1(collateral, int(max_debt * share), n_bands)
    return max_debt * amm.p_oracle_up(n_base + offset) // amm.p_oracle_up(n_top) * 995 // 1000


def open_population(market: Market, role: str, collateral: int, n_bands: int, share: float, offsets: Iterable[int]) -> list[str]:
    """One loan per offset, each starting `offset` bands below the base band; returns borrowers."""
    borrowers = []
    for k, offset in enumerate(offsets):
        who = actor(f"{role}_{k}")
        debt = debt_at_offset(market, collateral, n_bands, share, offset)
        open_loan(market, who, collateral, debt, n_bands)
        borrowers.append(who)
    return borrowers


def staggered(count: int, spread: int) -> list[int]:
    """`count` offsets spread evenly over 0..spread."""
    return [k * spread // max(count - 1, 1) for k in range(count)]


# ---------------------------------------------------------------- create_loan


def measure_create_loan(market: Market, who: str, collateral: int, debt: int, n_bands: int) -> tuple[int, list[int]]:
    """Gas of `who` opening a loan (funded beforehand), and its bands."""
    fund_collateral(market, who, collateral)
    gas = measure_tx(market.controller.create_loan, collateral, debt, n_bands, sender=who)
    return gas, list(market.amm.read_user_tick_numbers(who))


def create_loan_rows(cfg: Config, market: Market) -> dict[str, int]:
    """First loan of an empty market, then a second one into the same bands, for N=4 and 10."""
    out: dict[str, int] = {}
    for n_bands in (4, 10):
        with boa.env.anchor():
            debt = int(market.controller.max_borrowable(cfg.collateral, n_bands) * cfg.debt_share)
            first, bands_first = measure_create_loan(market, actor(f"first_n{n_bands}"), cfg.collateral, debt, n_bands)
            second, bands_second = measure_create_loan(market, actor(f"second_n{n_bands}"), cfg.collateral, debt, n_bands)
        assert bands_first == bands_second, f"second loan not in the same bands: {bands_first} vs {bands_second}"
        out[f"create_loan_n{n_bands}_first"] = first
        out[f"create_loan_n{n_bands}_second"] = second
    return out


# ---------------------------------------------------------------- exchanges


@dataclass
class ExchangeSetup:
    """A market whose active band sits in the middle of its liquidity, and a funded trader."""

    market: Market
    trader: str


def band_coins(market: Market, n: int) -> tuple[int, int]:
    """(stablecoin, collateral) in band n."""
    return market.amm.bands_x(n), market.amm.bands_y(n)


def set_oracle(market: Market, price: int) -> None:
    """Move the oracle, then wait out the oracle-move fee."""
    with boa.env.prank(market.admin):
        market.oracle.set_price(price)
    boa.env.time_travel(seconds=600)


def bring_active_band_to(market: Market, trader: str, n: int) -> None:
    """The arbitrage after the oracle moved into band n: buy the collateral of every band
    above n and half of band n's, so trading resumes in band n with both coins in it."""
    amm = market.amm
    # at most 40 bands per swap (a swap touches at most 50)
    for stop in [*range(amm.min_band() + 40, n, 40), n]:
        out = sum(band_coins(market, k)[1] for k in range(amm.min_band(), stop))
        if stop == n:
            out += band_coins(market, n)[1] // 2
        if out == 0:
            continue
        with boa.env.prank(trader):
            amm.exchange_dy(0, 1, out, 2**256 - 1)
    assert amm.active_band() == n, f"active band {amm.active_band()}, wanted {n}"


def check_liquidity_around_active(setup: ExchangeSetup, reach: int) -> None:
    """Bands within `reach` of the active one hold only the coin a trade there buys."""
    m = setup.market
    n = m.amm.active_band()
    x, y = band_coins(m, n)
    assert x > 0 and y > 0, f"active band {n} is not mixed: x={x} y={y}"
    for k in range(1, reach + 1):
        assert band_coins(m, n + k)[0] == 0 < band_coins(m, n + k)[1], f"band {n + k} should hold only collateral"
        assert band_coins(m, n - k)[1] == 0 < band_coins(m, n - k)[0], f"band {n - k} should hold only stablecoin"


def build_exchange_setup(cfg: Config, market: Market, borrowers: int) -> ExchangeSetup:
    """Borrowers covering `cfg.exchange_span` bands, oracle and active band in their middle."""
    trader = actor("trader")
    total = cfg.collateral * cfg.borrowers
    fund_stablecoin(market, trader, total * market.amm.price_oracle() // WAD)
    fund_collateral(market, trader, total)
    stagger = min(cfg.exchange_stagger, borrowers - 1)
    n_bands = cfg.exchange_span - stagger
    people = open_population(market, "lp", total // borrowers, n_bands, cfg.debt_share, staggered(borrowers, stagger))
    amm = market.amm
    middle = amm.read_user_tick_numbers(people[0])[0] + cfg.exchange_span // 2
    set_oracle(market, math.isqrt(amm.p_oracle_up(middle) * amm.p_oracle_down(middle)))
    bring_active_band_to(market, trader, middle)
    return ExchangeSetup(market, trader)


def exchange_input(market: Market, i: int, crossed: int) -> int:
    """Input of coin i that empties the active band and `crossed - 1` more, then takes
    half of the next band's output coin (or half of the active band's if crossed = 0)."""
    n = market.amm.active_band()
    step = 1 if i == 0 else -1
    out_coin = 1 - i  # 1: collateral comes out (bands_y), 0: stablecoin (bands_x)
    full = sum(band_coins(market, n + step * k)[out_coin] for k in range(crossed))
    out = full + band_coins(market, n + step * crossed)[out_coin] // 2
    return market.amm.get_dx(i, 1 - i, out)


def measure_exchange(setup: ExchangeSetup, i: int, crossed: int) -> int:
    """Gas of one exchange selling coin i that crosses exactly `crossed` bands."""
    amm = setup.market.amm
    with boa.env.anchor():
        before = amm.active_band()
        gas = measure_tx(amm.exchange, i, 1 - i, exchange_input(setup.market, i, crossed), 0, sender=setup.trader)
        moved = amm.active_band() - before
    expected = crossed if i == 0 else -crossed
    assert moved == expected, f"exchange i={i} moved the active band by {moved}, wanted {expected}"
    return gas


def exchange_rows(cfg: Config, market: Market, borrowers: int, suffix: str = "") -> dict[str, int]:
    """Every crossing count in both directions; the bare key is the larger direction."""
    out: dict[str, int] = {}
    with boa.env.anchor():
        setup = build_exchange_setup(cfg, market, borrowers)
        check_liquidity_around_active(setup, max(CROSSINGS))
        for crossed, key in CROSSINGS.items():
            both = {i: measure_exchange(setup, i, crossed) for i in DIRECTIONS}
            for i, direction in DIRECTIONS.items():
                out[f"{key}_{direction}{suffix}"] = both[i]
            out[f"{key}{suffix}"] = max(both.values())
    return out


# ---------------------------------------------------------------- loan changes


@dataclass(frozen=True)
class LoanChange:
    """One operation on the measured loan: a method and how to build its arguments."""

    key: str
    method: str
    args: Callable[[Market, str], tuple[int, ...]]
    lands: Literal["closed", "same", "held", "empty"]
    """Where the position ends: closed, in its old bands, in other bands that other
    loans hold, or in other bands that were empty."""
    wallet: int = 0
    """Collateral the borrower holds besides the loan (else 0: all of it is in the loan,
    so a full repay writes a zero balance slot)."""


def _debt(m: Market, who: str) -> int:
    return m.controller.debt(who)


def _collateral(m: Market, who: str) -> int:
    return m.controller.user_state(who)[0]


LOAN_CHANGES: tuple[LoanChange, ...] = (
    LoanChange("repay_full", "repay", lambda m, w: (_debt(m, w),), "closed"),
    LoanChange("repay_full_wallet_not_empty", "repay", lambda m, w: (_debt(m, w),), "closed", wallet=WAD),
    LoanChange("borrow_more", "borrow_more", lambda m, w: (0, _debt(m, w) // 20), "held"),
    LoanChange(
        "borrow_more_with_collateral",
        "borrow_more",
        lambda m, w: (_collateral(m, w) // 20, _debt(m, w) // 20),
        "same",
    ),
    LoanChange("add_collateral", "add_collateral", lambda m, w: (_collateral(m, w) // 20,), "held"),
    LoanChange("borrow_more_fresh_bands", "borrow_more", lambda m, w: (0, _debt(m, w) * 2 // 5), "empty"),
    LoanChange("add_collateral_fresh_bands", "add_collateral", lambda m, w: (_collateral(m, w) // 2,), "empty"),
)
"""Amounts: 5% of the loan's debt or collateral moves it a few bands, into bands other
loans hold; the `_fresh_bands` variants move it ~35-40 bands, into empty ones."""


def where_it_landed(market: Market, who: str, before: list[int]) -> str:
    """`LoanChange.lands` for `who`'s position now, given its bands before."""
    amm = market.amm
    if not market.controller.loan_exists(who):
        return "closed"
    n1, n2 = amm.read_user_tick_numbers(who)
    assert n2 - n1 == before[1] - before[0], f"N changed: {before} -> {[n1, n2]}"
    if [n1, n2] == before:
        return "same"
    shared = [amm.total_shares(n) > mine for n, mine in zip(range(n1, n2 + 1), read_user_ticks(amm, who))]
    if all(shared):
        return "held"
    return "empty" if not any(shared) else "partly held"


def measure_loan_change(market: Market, who: str, change: LoanChange) -> int:
    """Gas of `change` on `who`'s loan; asserts the position ends where `change` says."""
    with boa.env.anchor():
        args = change.args(market, who)
        paid_in = args[0] if change.method != "repay" else 0
        fund_collateral(market, who, paid_in + change.wallet)
        before = list(market.amm.read_user_tick_numbers(who))
        gas = measure_tx(getattr(market.controller, change.method), *args, sender=who)
        landed = where_it_landed(market, who, before)
    assert landed == change.lands, f"{change.key}: the position ended {landed}, wanted {change.lands}"
    return gas


def loan_change_rows(cfg: Config, market: Market, n_bands: int = 10) -> dict[str, int]:
    """repay / borrow_more / add_collateral on a loan with N = n_bands among others."""
    with boa.env.anchor():
        people = open_population(market, "borrower", cfg.collateral, n_bands, cfg.debt_share, range(cfg.borrowers))
        who = people[len(people) // 4]  # others' bands above and (more) below
        return {c.key: measure_loan_change(market, who, c) for c in LOAN_CHANGES}


# ---------------------------------------------------------------- liquidation


LIQUIDATION_BARS: dict[str, int | None] = {
    "liquidate_tier1": 300_000,
    "liquidate_tier2": 280_000,
    "liquidate_tier1_n50": 450_000,
    "liquidate_tier2_n50": 450_000,
    "liquidate_first_auction": None,  # bar: at most FIRST_AUCTION_EXTRA above liquidate_tier2
    "liquidate_many_10_per_position": 150_000,
    "take_partial": 150_000,
    "take_full": 150_000,
    "redo": None,
}
"""Key -> the most gas it may cost (None: no fixed bar). Reference: Aave v3's
liquidationCall, LLAMMA's liquidate (LLAMMA_LIQUIDATE)."""
LIQUIDATION_KEYS: tuple[str, ...] = tuple(LIQUIDATION_BARS)
LIQUIDATION_EXTRAS: tuple[str, ...] = ("liquidate_tier2_auction_live", "liquidate_tier2_n4", "liquidate_tier2_n50_walked")
"""The rows liquidate positions over N = 10 bands unless named `_n4` / `_n50`."""
FIRST_AUCTION_EXTRA = 20_000
"""The first auction of a market may cost at most this much more than a later one."""
LLAMMA_LIQUIDATE = 324_555
"""Curve's LLAMMA liquidates a whole N = 10 position for this much gas."""
BATCH = 10
"""Positions in the liquidate_many row."""
AAVE_LIQUIDATION_CALL = (360_000, 494_000)
"""Aave v3 liquidationCall, gas (the gradual-liquidation issue's reference)."""


@dataclass
class LiquidationSetup:
    """Loans sharing bands, the measured one among them, and a funded keeper and trader."""

    market: Market
    people: list[str]
    who: str
    keeper: str
    trader: str


def one_event(contract: Any, name: str) -> Any:
    """The one `name` event of `contract`'s latest call (read at once after the call)."""
    found = [e for e in contract.get_logs() if type(e).__name__ == name]
    assert len(found) == 1, f"expected one {name} event, got {found}"
    return found[0]


def live(market: Market, id: int) -> bool:
    return id in list(market.auction.active_ids())


def liquidate(setup: LiquidationSetup, who: str) -> int:
    """`who` liquidated by the keeper, unmeasured; returns the auction id."""
    with boa.env.prank(setup.keeper):
        return setup.market.controller.liquidate(who)


def wait_until_price_at_oracle(market: Market, id: int) -> tuple[int, int]:
    """Let auction `id`'s price decay to the oracle's, where keepers buy; (price, lot)."""
    while True:
        needs_redo, price, lot, _ = market.auction.status(id)
        assert not needs_redo, "auction went stale before its price reached the oracle's"
        if price <= market.amm.price_oracle():
            return price, lot
        boa.env.time_travel(seconds=60)


def settle_earlier_auction(setup: LiquidationSetup, collateral: int) -> None:
    """History: a borrower near the top of the bands was liquidated in an earlier dip and
    its auction taken whole, so the auction house has run an auction (its counter and the
    active list's first slot are no longer zero) and none is live. Every position of the
    population stays untouched (no trade ran in their bands) and the oracle returns."""
    m = setup.market
    early = actor("early_borrower")
    debt = int(m.controller.max_borrowable(collateral, 4) * 0.95)
    _, n2 = open_loan(m, early, collateral, debt, 4)
    price = m.amm.price_oracle()
    set_oracle(m, m.amm.p_oracle_down(n2) * 95 // 100)
    id = liquidate(setup, early)
    assert id > 0 and not m.controller.loan_exists(early), "the earlier liquidation did not start an auction"
    _, lot = wait_until_price_at_oracle(m, id)
    with boa.env.prank(setup.trader):  # another keeper: the measured one holds no collateral
        m.auction.take(id, lot, 2**256 - 1, setup.trader, b"")
    assert m.auction.count() == 0 and m.auction.total_tab() == 0, "the earlier auction is still live"
    set_oracle(m, price)


def build_liquidation_setup(cfg: Config, market: Market, n_bands: int = 10, earlier_auction: bool = True) -> LiquidationSetup:
    """`cfg.borrowers` loans with N = n_bands, top bands one band apart (as for the loan
    changes); the measured one has others' bands above and below. Keeper and trader hold
    stablecoin (the keeper no collateral); one earlier auction has run and settled."""
    keeper, trader = actor("keeper"), actor("liquidation_trader")
    fund_stablecoin(market, keeper, 10**6 * WAD)
    fund_stablecoin(market, trader, 10**6 * WAD)
    for who in (keeper, trader):
        with boa.env.prank(who):
            market.stablecoin.approve(market.auction.address, 2**256 - 1)
            market.stablecoin.approve(market.amm.address, 2**256 - 1)
    people = open_population(market, "debtor", cfg.collateral, n_bands, cfg.debt_share, range(cfg.borrowers))
    setup = LiquidationSetup(market, people, people[len(people) // 4], keeper, trader)
    if earlier_auction:
        settle_earlier_auction(setup, cfg.collateral)
    return setup


def measure_liquidation(setup: LiquidationSetup, who: str, tier: int) -> tuple[int, int]:
    """Gas of the keeper liquidating `who`, asserted to be `tier` with a lot in auction
    (from the Liquidate event); returns (gas, auction id). The state is kept."""
    ctrl = setup.market.controller
    assert ctrl.health(who, True) < 0, "the position is not liquidatable"
    gas = measure_tx(ctrl.liquidate, who, sender=setup.keeper)
    event = one_event(ctrl, "Liquidate")
    assert event.tier == tier, f"liquidation was tier {event.tier}, wanted {tier}"
    assert event.lot > 0 and event.auction_id > 0, "the liquidation started no auction"
    assert ctrl.loan_exists(who) == (tier == 1), "tier 1 must keep the loan, tier 2 close it"
    return gas, event.auction_id


def mild_crash(setup: LiquidationSetup, depth: float = 1.0) -> None:
    """The oracle moves into the measured position's band at `depth` (1: its last band)
    and the arbitrage follows: the position is mostly stablecoin above that band,
    mildly unhealthy, still solvent after the penalty. (Over 50 bands a walk to the last
    band loses too much for tier 1: the wide rows stop halfway.)"""
    m = setup.market
    n1, n2 = m.amm.read_user_tick_numbers(setup.who)
    n = n1 + round((n2 - n1) * depth)
    price = math.isqrt(m.amm.p_oracle_up(n) * m.amm.p_oracle_down(n))
    set_oracle(m, price)
    bring_active_band_to(m, setup.trader, n)
    # at the benchmark's 0.6% fee the bands within ~3% of p_o are not worth arbitraging
    # (fee / (k - 1)), so buying them pays the away fee, which the bands keep: the oracle
    # then slips a little further (no trade) until the position is mildly unhealthy
    while m.controller.health(setup.who, True) >= 0:
        price = price * 998 // 1000
        set_oracle(m, price)


def deep_crash(setup: LiquidationSetup) -> None:
    """The oracle drops in one step 5% below the measured position's bands, before any
    arbitrage: the position is all collateral and insolvent after the penalty."""
    m = setup.market
    n2 = m.amm.read_user_tick_numbers(setup.who)[1]
    set_oracle(m, m.amm.p_oracle_down(n2) * 95 // 100)


def walked_crash(setup: LiquidationSetup) -> None:
    """The arbitrage follows the oracle down through every band of the measured position,
    then the oracle drops 5% below them: no band of it is virgin any more (each is read
    and written one by one), the costliest case for a liquidation of its width."""
    m = setup.market
    n2 = m.amm.read_user_tick_numbers(setup.who)[1]
    set_oracle(m, m.amm.p_oracle_down(n2))
    bring_active_band_to(m, setup.trader, n2)
    deep_crash(setup)


def measure_take(setup: LiquidationSetup, id: int, share: float) -> int:
    """Gas of the keeper buying `share` of auction `id`'s lot, at most at its price now
    (it only falls), for itself without a callback."""
    auction = setup.market.auction
    _, price, lot, _ = auction.status(id)
    return measure_tx(auction.take, id, int(lot * share), price, setup.keeper, b"", sender=setup.keeper)


def auction_rows(setup: LiquidationSetup, id: int) -> dict[str, int]:
    """take_partial, take_full and redo on auction `id` (a tier-1 lot: worth more than its tab)."""
    m, out = setup.market, {}
    with boa.env.anchor():
        boa.env.time_travel(seconds=m.auction.tail())  # measure_tx adds a block: past tail
        assert m.auction.status(id)[0], "redo not due"
        out["redo"] = measure_tx(m.auction.redo, id, sender=setup.keeper)
        assert one_event(m.auction, "Redo").keeper == setup.keeper
        assert m.auction.sales(id).tic == boa.env.timestamp, "redo did not restart the price curve"
        assert not m.auction.status(id)[0], "still stale after redo"
    with boa.env.anchor():
        wait_until_price_at_oracle(m, id)
        with boa.env.anchor():
            out["take_partial"] = measure_take(setup, id, 0.5)
            take = one_event(m.auction, "Take")
            assert take.tab_left > 0 and take.lot_left > 0 and live(m, id), "the partial take ended the auction"
        with boa.env.anchor():
            out["take_full"] = measure_take(setup, id, 1.0)
            settle = one_event(m.auction, "Settle")
            assert settle.shortfall == 0 and settle.collateral_returned > 0, "the tab was not covered with a surplus"
            assert not live(m, id) and m.auction.status(id)[2] == 0, "the full take did not end the auction"
    return out


def small_position_rows(cfg: Config, market: Market) -> dict[str, int]:
    """Tier 2 on a position over 4 bands (much of the cost is per band). (A walk through
    4 bands loses too little for the mild crash to make a tier-1 case.)"""
    out: dict[str, int] = {}
    with boa.env.anchor():
        setup = build_liquidation_setup(cfg, market, n_bands=4)
        deep_crash(setup)
        out["liquidate_tier2_n4"], _ = measure_liquidation(setup, setup.who, tier=2)
    return out


def wide_position_rows(cfg: Config, market: Market) -> dict[str, int]:
    """Both tiers on a position over 50 bands (others' bands one apart, as at N = 10)."""
    out: dict[str, int] = {}
    with boa.env.anchor():
        setup = build_liquidation_setup(cfg, market, n_bands=50)
        with boa.env.anchor():
            mild_crash(setup, depth=0.5)
            out["liquidate_tier1_n50"], _ = measure_liquidation(setup, setup.who, tier=1)
        with boa.env.anchor():
            walked_crash(setup)
            out["liquidate_tier2_n50_walked"], _ = measure_liquidation(setup, setup.who, tier=2)
        deep_crash(setup)
        out["liquidate_tier2_n50"], _ = measure_liquidation(setup, setup.who, tier=2)
    return out


def first_auction_rows(cfg: Config, market: Market) -> dict[str, int]:
    """liquidate_tier2's case in a market that has never run an auction."""
    with boa.env.anchor():
        setup = build_liquidation_setup(cfg, market, earlier_auction=False)
        assert market.auction.kicks() == 0
        deep_crash(setup)
        gas, _ = measure_liquidation(setup, setup.who, tier=2)
    return {"liquidate_first_auction": gas}


def batch_rows(cfg: Config, market: Market) -> dict[str, int]:
    """liquidate_many over BATCH positions (N = 10, top bands one apart) after the oracle
    fell below all their bands in one step: gas per position."""
    with boa.env.anchor():
        setup = build_liquidation_setup(cfg, market)
        users = setup.people[:BATCH]
        lowest = max(market.amm.read_user_tick_numbers(u)[1] for u in users)
        set_oracle(market, market.amm.p_oracle_down(lowest) * 95 // 100)
        assert all(market.controller.health(u, True) < 0 for u in users)
        gas = measure_tx(market.controller.liquidate_many, users, sender=setup.keeper)
        liquidated = [e for e in market.controller.get_logs() if type(e).__name__ == "Liquidate"]
        assert len(liquidated) == BATCH and all(e.lot > 0 and e.auction_id > 0 for e in liquidated), "not every position went to auction"
    return {"liquidate_many_10_per_position": gas // BATCH}


def liquidation_rows(cfg: Config, market: Market) -> dict[str, int]:
    """Both liquidation tiers on one position, then the auction of the tier-1 liquidation;
    the same over 50 bands, the first auction of a market and a batch."""
    out: dict[str, int] = small_position_rows(cfg, market)
    out |= wide_position_rows(cfg, market) | first_auction_rows(cfg, market) | batch_rows(cfg, market)
    with boa.env.anchor():
        setup = build_liquidation_setup(cfg, market)
        with boa.env.anchor():
            mild_crash(setup)
            out["liquidate_tier1"], id = measure_liquidation(setup, setup.who, tier=1)
            auction = auction_rows(setup, id)
        with boa.env.anchor():
            deep_crash(setup)
            with boa.env.anchor():
                out["liquidate_tier2"], _ = measure_liquidation(setup, setup.who, tier=2)
            earlier = liquidate(setup, setup.people[0])  # above the measured one, as deep in the crash
            assert live(market, earlier), "the earlier liquidation left no live auction"
            out["liquidate_tier2_auction_live"], _ = measure_liquidation(setup, setup.who, tier=2)
        out |= auction
    return {k: out[k] for k in LIQUIDATION_KEYS + LIQUIDATION_EXTRAS}


# ---------------------------------------------------------------- report


def run(cfg: Config, market: Market | None = None) -> dict[str, int]:
    """Every row: required keys and extras, gas per key.

    One empty market serves every scenario: each runs inside a snapshot of it and
    leaves it untouched (deploying costs far more time than measuring). The
    benchmark's is a new one with PARAMS; tests may pass another."""
    market = market or deploy_boa(PARAMS)
    assert market.controller.n_loans() == 0, "the benchmark needs an empty market"
    gas: dict[str, int] = {}
    gas |= create_loan_rows(cfg, market)
    gas |= exchange_rows(cfg, market, cfg.borrowers)
    if cfg.compare_single_borrower:
        gas |= exchange_rows(cfg, market, 1, "_1_borrower")
    gas |= loan_change_rows(cfg, market)
    gas |= liquidation_rows(cfg, market)
    return gas


def ratio(key: str, gas: dict[str, int]) -> float:
    return gas[key] / LLAMMA[key]


def liquidation_bar(key: str, gas: dict[str, int]) -> int | None:
    """The most gas `key` may cost (None: no bar)."""
    if key == "liquidate_first_auction":
        return gas["liquidate_tier2"] + FIRST_AUCTION_EXTRA
    return LIQUIDATION_BARS.get(key)


def liquidation_pass(key: str, gas: dict[str, int]) -> bool | None:
    """Whether `key` is within its bar (None: it has none)."""
    bar = liquidation_bar(key, gas)
    return None if bar is None else gas[key] <= bar


def liquidation_table(gas: dict[str, int]) -> str:
    """The gradual-liquidation rows against their bars."""
    head = f"{'liquidation':<32}{'our gas':>11}{'bar':>11}{'ours/bar':>10}   verdict"
    lines = [head, "-" * len(head)]
    for key in LIQUIDATION_KEYS + LIQUIDATION_EXTRAS:
        bar = liquidation_bar(key, gas)
        if bar is None:
            lines.append(f"{key:<32}{gas[key]:>11,}{'-':>11}{'-':>10}   -")
        else:
            verdict = "pass" if liquidation_pass(key, gas) else "FAIL"
            lines.append(f"{key:<32}{gas[key]:>11,}{bar:>11,}{gas[key] / bar:>10.3f}   {verdict}")
    low, high = AAVE_LIQUIDATION_CALL
    lines.append(f"reference: Aave v3 liquidationCall {low:,}-{high:,}; LLAMMA liquidate (N = 10) {LLAMMA_LIQUIDATE:,}")
    return "\n".join(lines)


def table(gas: dict[str, int]) -> str:
    """The comparison with LLAMMA, then the extra keys, then the liquidation rows."""
    head = f"{'operation':<28}{'our gas':>11}{'LLAMMA gas':>12}{'ours/LLAMMA':>13}   bar ({BAR}x)"
    lines = [head, "-" * len(head)]
    for key in REQUIRED_KEYS:
        verdict = "pass" if ratio(key, gas) <= BAR else "FAIL"
        lines.append(f"{key:<28}{gas[key]:>11,}{LLAMMA[key]:>12,}{ratio(key, gas):>13.3f}   {verdict}")
    lines += ["", f"{'extra':<36}{'our gas':>11}", "-" * 47]
    liquidation = set(LIQUIDATION_KEYS + LIQUIDATION_EXTRAS)
    lines += [f"{key:<36}{value:>11,}" for key, value in gas.items() if key not in LLAMMA and key not in liquidation]
    if liquidation <= set(gas):
        lines += ["", liquidation_table(gas)]
    return "\n".join(lines)


def results_json(gas: dict[str, int]) -> dict[str, Any]:
    """Our gas per key; LLAMMA's figures and our ratios under one separate key, the
    liquidation rows' bars under another."""
    reference = {
        "bar": BAR,
        "gas": LLAMMA,
        "ratio": {k: round(ratio(k, gas), 4) for k in REQUIRED_KEYS},
        "pass": {k: ratio(k, gas) <= BAR for k in REQUIRED_KEYS},
    }
    barred = [k for k in LIQUIDATION_BARS if liquidation_bar(k, gas) is not None]
    bars = {
        "bar": {k: liquidation_bar(k, gas) for k in barred},
        "pass": {k: liquidation_pass(k, gas) for k in barred},
        "aave_v3_liquidation_call": list(AAVE_LIQUIDATION_CALL),
        "llamma_liquidate": LLAMMA_LIQUIDATE,
    }
    return {
        **{k: gas[k] for k in REQUIRED_KEYS},
        **{k: v for k, v in gas.items() if k not in LLAMMA},
        "llamma_reference": reference,
        "liquidation_bars": bars,
    }


def bars_held(gas: dict[str, int]) -> dict[str, bool]:
    """Every bar the tables print: each operation within BAR x LLAMMA, each liquidation
    row within its bar."""
    held = {f"{k} <= {BAR}x LLAMMA": ratio(k, gas) <= BAR for k in REQUIRED_KEYS}
    barred = {k: liquidation_bar(k, gas) for k in LIQUIDATION_BARS}
    held.update({f"{k} <= {b:,} gas": bool(liquidation_pass(k, gas)) for k, b in barred.items() if b is not None})
    return held


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_record(ap)
    args = ap.parse_args(argv)
    gas = run(Config())
    print(table(gas))
    write_results("gas", args.record, results_json(gas))
    return verdict(bars_held(gas))


if __name__ == "__main__":
    sys.exit(main())
