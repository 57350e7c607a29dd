"""Full repay of a loan whose bands were all converted to stablecoin by arbitrage.

Kept apart from test_soft_liquidation.py, whose module-scoped fixture leaves the oracle
inside another position's bands for every test of that module."""

import boa

from softliq.actors import fund_stablecoin, open_loan
from softliq.params import WAD

from .helpers import act, one_event


def test_full_repay_returns_stablecoin_beyond_debt(market, borrowers, arbitrageur):
    """A small loan whose bands were all converted holds more stablecoin than it owes:
    repay(debt) takes nothing from the borrower and hands the excess over."""
    c, amm, stable, col = market.controller, market.amm, market.stablecoin, market.collateral
    small = borrowers[0]
    collateral, n_bands = WAD, 4
    debt = c.max_borrowable(collateral, n_bands) // 2
    fund_stablecoin(market, arbitrageur, 200_000 * WAD)
    n1, n2 = open_loan(market, small, collateral, debt, n_bands)
    with boa.env.prank(market.admin):
        market.oracle.set_price(amm.p_oracle_down(n2))
    boa.env.time_travel(seconds=600)
    # the oracle is at the bottom of the bands: buy all of the position's collateral (the
    # arbitrageur's own bands lie further down, so the walk stops before them)
    assert amm.read_user_tick_numbers(arbitrageur)[0] > n2
    with boa.env.prank(arbitrageur):
        amm.exchange_dy(0, 1, collateral, 2**256 - 1)
    in_x = sum(amm.bands_x(n) for n in range(n1, n2 + 1))
    assert sum(amm.bands_y(n) for n in range(n1, n2 + 1)) == 0
    assert amm.get_x_down(small) >= in_x * 99 // 100 and in_x > debt
    cash, coll = stable.balanceOf(small), col.balanceOf(small)
    supply = stable.totalSupply()

    _, logs = act(small, c, "repay", debt)

    assert stable.balanceOf(small) == cash + in_x - debt
    assert col.balanceOf(small) == coll
    assert stable.totalSupply() == supply - debt
    assert not c.loan_exists(small)
    ev = one_event(logs, "Repay", c)
    assert (ev.user, ev.collateral_decrease, ev.loan_decrease) == (small, 0, debt)
