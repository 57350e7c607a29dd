"""Scenario building blocks and property checks shared by the property suites
(default market and the 6/8/18-decimal markets)."""

from __future__ import annotations

import boa
from hypothesis import Phase
from hypothesis import strategies as st

from .helpers import (
    MAX_UINT,
    WAD,
    balances,
    band_numbers,
    fund_trader,
    open_borrowers,
    set_oracle,
    snapshot_bands,
    units,
)

# ---------------------------------------------------------------- strategies

# Every example deploys loans and trades on the EVM (~0.5-2 s); shrinking a failure of
# these properties ran for more than five minutes, so the heavy suites skip it and
# report the failing example as generated (minimal counterexamples are pinned with
# @example where one is known).
NO_SHRINK = (Phase.explicit, Phase.reuse, Phase.generate)

# One loan: collateral (WAD), number of bands, share of max_borrowable. Shares near 1
# put the top band at the oracle price, so moderate oracle moves reach the bands.
# (Shares stop at 0.999: softliq.actors.open_loan_at multiplies max_borrowable by a float,
# and at exactly 1.0 the product can round above max_borrowable and revert.)
loan_specs = st.lists(
    st.tuples(
        st.integers(WAD // 2, 40 * WAD),
        st.integers(4, 12),
        st.floats(0.9, 0.999),
    ),
    min_size=2,
    max_size=3,
)

# Oracle as a fraction of the deployment price: from above every band to well into them.
oracle_factors = st.floats(0.85, 1.02)

# An amount as a power of ten: exponent of WAD-scaled size (stablecoin: 1e-6..1e5.3 coins;
# collateral: 1e-9..1e1.7 coins).
stable_amounts = st.floats(-6, 5.3).map(lambda e: max(1, int(10**e * WAD)))
collateral_wads = st.floats(-9, 1.7).map(lambda e: max(1, int(10**e * WAD)))


def trade_amount(market, i: int, draw_value: float) -> int:
    """Amount of coin i in token units from an exponent drawn by the strategies above."""
    if i == 0:
        return max(1, int(10**draw_value * WAD))
    return max(1, units(market, int(10**draw_value * WAD)))


trades = st.lists(
    st.tuples(st.integers(0, 1), st.floats(-6, 5)),  # (coin in, exponent of size)
    min_size=1,
    max_size=4,
)


def open_scenario(market, borrowers, arbitrageur, specs, factor: float, pre_trade: float | None):
    """Loans from `specs`, a funded arbitrageur, the oracle at `factor` of the start price
    (after a quiet period) and optionally one purchase of collateral of 10**pre_trade
    stablecoin, so that some bands hold both coins. Returns the borrowers (the
    arbitrageur's own funding loan sits ~140 bands below, out of every path here)."""
    open_borrowers(market, borrowers, specs)
    fund_trader(market, arbitrageur)
    users = list(borrowers[: len(specs)])
    set_oracle(market, int(market.amm.price_oracle() * factor))
    boa.env.time_travel(seconds=600)
    if pre_trade is not None:
        with boa.env.prank(arbitrageur):
            market.amm.exchange(0, 1, int(10**pre_trade * WAD), 0)
        boa.env.time_travel(seconds=600)
    return users


# ---------------------------------------------------------------- checks


def exchange_matches_views(market, trader, i: int, amount: int) -> None:
    """get_dy and get_dxdy predict exchange(i, j, amount, 0) to the wei, and the
    balances move by exactly what exchange reports."""
    amm = market.amm
    dy = amm.get_dy(i, 1 - i, amount)
    used, out = amm.get_dxdy(i, 1 - i, amount)
    assert dy == out
    assert used <= amount
    before = balances(market, trader)
    with boa.env.prank(trader):
        result = amm.exchange(i, 1 - i, amount, 0)
    after = balances(market, trader)
    if out == 0:
        assert result == [0, 0] and after == before
        return
    assert result == [used, out]
    assert before[i] - after[i] == used
    assert after[1 - i] - before[1 - i] == out


def exchange_dy_matches_get_dx(market, trader, i: int, want: int) -> None:
    """get_dx(i, j, want) is exactly what exchange_dy takes, and at least `want` comes out;
    when get_dx says the bands cannot supply it, exchange_dy reverts."""
    amm = market.amm
    dx = amm.get_dx(i, 1 - i, want)
    before = balances(market, trader)
    if dx == MAX_UINT:
        with boa.env.prank(trader):
            with boa.reverts("AMM: not enough liquidity"):
                amm.exchange_dy(i, 1 - i, want, MAX_UINT)
        return
    if dx > before[i]:
        return  # the trader cannot afford it; not the AMM's business
    with boa.env.prank(trader):
        paid, got = amm.exchange_dy(i, 1 - i, want, MAX_UINT)
    after = balances(market, trader)
    assert paid == dx
    assert got >= want
    assert before[i] - after[i] == paid
    assert after[1 - i] - before[1 - i] == got


def bands_covered_by_balances(market) -> None:
    """The AMM's coins cover the sum of its bands, coin by coin (DESIGN 5.1)."""
    amm = market.amm
    ns = band_numbers(amm)
    bands = snapshot_bands(amm, ns).values()
    sum_x = sum(x for x, _ in bands)
    sum_y = sum(y for _, y in bands)
    bal_x, bal_y = balances(market, amm.address)
    assert bal_x >= sum_x, f"stablecoin short: {bal_x} < {sum_x}"
    assert bal_y >= sum_y, f"collateral short: {bal_y} < {sum_y}"


def swap_session_matches_views(market, borrowers, arbitrageur, specs, factor, pre, session) -> None:
    """Open the scenario, then run `session` (kind, i, size, oracle move, dt) of exact-in
    (kind 0) and exact-out (kind 1) swaps, each checked against the views; finally the
    AMM's balances must cover its bands."""
    open_scenario(market, borrowers, arbitrageur, specs, factor, pre)
    for kind, i, size, move, dt in session:
        with boa.env.prank(market.admin):
            market.oracle.set_price(int(market.amm.price_oracle() * move))
        if dt:
            boa.env.time_travel(seconds=dt)
        if kind == 0:
            exchange_matches_views(market, arbitrageur, i, trade_amount(market, i, size))
        else:
            # ask for an output of coin j in a size range that sometimes exceeds liquidity
            exchange_dy_matches_get_dx(market, arbitrageur, i, trade_amount(market, 1 - i, size - 3))
    bands_covered_by_balances(market)


def round_trip_profit(market, trader, i: int, amount: int, shift: float, dt: int) -> tuple[int, dict]:
    """Sell `amount` of coin i (0: buy collateral with stablecoin; 1: sell collateral),
    move the oracle by the factor (1 + shift), wait `dt` seconds, and sell back all of
    coin j = 1 - i just received.

    Profit, in units of coin i (stablecoin when i = 0, collateral when i = 1):
        profit = balance_i(end) - balance_i(start)
    where coin j is back at (or, if the bands could not take it all, above) its starting
    balance; any such unsold remainder of coin j is valued at zero. So profit > 0 means the
    trader walked away with more of the coin it started in, without holding less of the
    other: value taken from the borrowers' bands beyond the fees it paid.
    """
    amm = market.amm
    start = balances(market, trader)
    with boa.env.prank(trader):
        _, got = amm.exchange(i, 1 - i, amount, 0)
    p1 = amm.price_oracle()
    set_oracle(market, int(p1 * (1 + shift)))
    if dt:
        boa.env.time_travel(seconds=dt)
    back = (0, 0)
    if got > 0:
        with boa.env.prank(trader):
            back = tuple(amm.exchange(1 - i, i, got, 0))
    end = balances(market, trader)
    assert end[1 - i] >= start[1 - i]
    profit = end[i] - start[i]
    info = dict(i=i, amount=amount, got=got, sold_back=back[0], received=back[1], p1=p1, shift=shift, dt=dt,
                dynamic_fee=amm.dynamic_fee(), leftover=end[1 - i] - start[1 - i])
    return profit, info


def x_down_y_up(amm, users) -> list[tuple[int, int]]:
    return [(amm.get_x_down(u), amm.get_y_up(u)) for u in users]


