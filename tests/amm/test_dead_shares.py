"""Dead shares: the smallest first deposit the Controller accepts in a band, followed by a
donation, cannot make a later depositor in the same bands lose more than a few wei.

Shares are minted as (s + DEAD_SHARES) * dy / (y + 1): with 1000 virtual shares a band's
share price starts at 1/1000 of a collateral unit, so rounding costs a depositor under
one unit per band, and redemption rounds down once more: at most 2 units per band.
"Donations" tried: coins sent straight to the AMM (not booked in any band) and swap fees
paid into the first depositor's bands by a round trip at a constant oracle (booked in the
bands, raising their collateral per share).
"""

import boa
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from softliq import actors

from .helpers import C, MAX_UINT, WAD, balances, fund_trader, set_oracle, units
from .properties import NO_SHRINK, bands_covered_by_balances


def smallest_first_loan(market, n_bands: int) -> int:
    """Least collateral (token units) whose max_borrowable meets the minimum debt (the
    LiquidationPolicy's) and puts more than MIN_BAND_Y in each band."""
    controller = market.controller
    min_debt = max(market.policy.min_debt(), 1)
    c = (C["MIN_BAND_Y"] + 1) * n_bands
    probe = units(market, WAD)
    c = max(c, min_debt * probe // max(controller.max_borrowable(probe, n_bands), 1))
    while controller.max_borrowable(c, n_bands) < min_debt:
        c += c // 1000 + 1
    return c


def _open_at_max(market, who, collateral, n_bands):
    """A loan borrowing exactly max_borrowable (integer), so it starts at the top allowed band."""
    actors.fund_collateral(market, who, collateral)
    debt = market.controller.max_borrowable(collateral, n_bands)
    with boa.env.prank(who):
        market.controller.create_loan(collateral, debt, n_bands)
    return debt


def _churn(market, trader, n1, n2):
    """Buy every unit of collateral in bands n1..n2 and sell it all straight back at the
    same oracle price, set below the bands where their dynamic fee is large: the bands keep
    both fees, so their collateral per share grows (a donation no share was minted for)."""
    amm = market.amm
    p0 = amm.price_oracle()
    set_oracle(market, amm.p_oracle_down(n2) * 95 // 100)
    boa.env.time_travel(seconds=600)
    y_before = [amm.bands_y(n) for n in range(n1, n2 + 1)]
    with boa.env.prank(trader):
        amm.exchange_dy(0, 1, sum(y_before), MAX_UINT)
        amm.exchange(1, 0, balances(market, trader)[1], 0)
    # the walk back ends in a band of the range holding both coins (n1 unless the away fee
    # the purchase paid leaves stablecoin for more than the collateral sold back); the
    # bands below it are all collateral again, more of it than before
    active = amm.active_band()
    assert n1 <= active < n2
    for k, n in enumerate(range(active + 1, n2 + 1), start=active + 1 - n1):
        assert amm.bands_x(n) == 0 and amm.bands_y(n) > y_before[k]
    set_oracle(market, p0)
    boa.env.time_travel(seconds=600)
    return active


@settings(max_examples=6, deadline=None, phases=NO_SHRINK)
@given(
    first_mult=st.floats(1, 3),
    first_n=st.integers(4, 10),
    victim_wad=st.floats(-6, 3).map(lambda e: int(10**e * WAD)),
    victim_n=st.integers(4, 10),
    donate_collateral=st.floats(-9, 6).map(lambda e: int(10**e * WAD)),
    donate_stable=st.floats(-9, 1).map(lambda e: 10**e),
    churn=st.booleans(),
)
def test_later_depositor_loses_at_most_a_few_wei(market_by_decimals, borrowers, arbitrageur, first_mult, first_n,
                                                  victim_wad, victim_n, donate_collateral, donate_stable, churn):
    m = market_by_decimals
    amm = m.amm
    first, victim = borrowers[0], borrowers[1]
    if churn:
        fund_trader(m, arbitrageur, collateral_wad=0)
    c_min = smallest_first_loan(m, first_n)
    c_first = int(c_min * first_mult)
    first_debt = _open_at_max(m, first, c_first, first_n)
    n1, n2 = amm.read_user_tick_numbers(first)

    # donations straight to the AMM: the first depositor sends collateral and part of its loan
    actors.fund_collateral(m, first, units(m, donate_collateral))
    with boa.env.prank(first):
        m.collateral.transfer(amm.address, units(m, donate_collateral))
        m.stablecoin.transfer(amm.address, min(first_debt, int(first_debt * donate_stable)))
    active = _churn(m, arbitrageur, n1, n2) if churn else n1 - 1

    c_victim = units(m, victim_wad)
    assume(m.controller.max_borrowable(c_victim, victim_n) >= m.controller.max_borrowable(c_min, first_n))
    # (below the Controller's minimum loan the victim could not borrow at all)
    _open_at_max(m, victim, c_victim, victim_n)
    v1, v2 = amm.read_user_tick_numbers(victim)
    # the victim shares bands with the first depositor: all of them, or (after the churn
    # left the active band in the range) those below the active band
    assert v1 == max(n1, active + 1) and v1 <= n2
    few = 2 * victim_n
    x, y = amm.get_sum_xy(victim)
    assert x == 0
    assert c_victim - few <= y <= c_victim, f"victim owns {y} of {c_victim} deposited"

    debt = m.controller.debt(victim)
    before = balances(m, victim)
    with boa.env.prank(victim):
        m.controller.repay(debt)
    after = balances(m, victim)
    assert before[0] - after[0] == debt
    assert after[1] - before[1] >= c_victim - few
    bands_covered_by_balances(m)
