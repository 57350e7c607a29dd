"""Collateral with 6, 8 and 18 decimals: a loan's whole life without trades returns
exactly the collateral deposited, and the Controller values collateral in its own units."""

import boa

from softliq.actors import collateral_units, fund_collateral
from softliq.params import WAD
from softliq.positions import decode_position

from .helpers import act, band_value, independent_band_value

N_BANDS = 10


def test_round_trip_returns_exact_collateral(market_by_decimals, borrower):
    m = market_by_decimals
    c, amm, stable, col = m.controller, m.amm, m.stablecoin, m.collateral
    decimals = m.params.collateral_decimals
    assert col.decimals() == decimals
    assert amm.COLLATERAL_PRECISION() == 10 ** (18 - decimals)
    deposit = collateral_units(m, 10 * WAD) + 7  # an amount that does not split evenly
    extra = collateral_units(m, 3 * WAD) + 3
    removed = collateral_units(m, 2 * WAD) + 1
    fund_collateral(m, borrower, deposit + extra)
    wallet = col.balanceOf(borrower)
    amm_col = col.balanceOf(amm.address)

    debt = c.max_borrowable(deposit, N_BANDS) // 3
    act(borrower, c, "create_loan", deposit, debt, N_BANDS)
    more = debt // 2
    act(borrower, c, "borrow_more", extra, more)
    act(borrower, c, "remove_collateral", removed)
    held = deposit + extra - removed
    n1, n2 = amm.read_user_tick_numbers(borrower)
    dust = decode_position(amm.user_position(borrower)).dust  # under N units, in no band
    assert dust < N_BANDS
    assert sum(amm.bands_y(n) for n in range(n1, n2 + 1)) + dust == held
    assert col.balanceOf(borrower) == wallet - held
    owed = c.debt(borrower)
    assert owed == debt + more
    assert stable.balanceOf(borrower) == owed

    act(borrower, c, "repay", owed)

    assert col.balanceOf(borrower) == wallet
    assert col.balanceOf(amm.address) == amm_col
    assert stable.balanceOf(borrower) == 0
    assert not c.loan_exists(borrower)


def test_value_scales_with_decimals(market_by_decimals, borrower):
    """max_borrowable values the token's own units: 10 collateral give the same bands and
    the same debt limit at every decimals."""
    m = market_by_decimals
    c = m.controller
    amount = collateral_units(m, 10 * WAD)
    max_debt = c.max_borrowable(amount, N_BANDS)
    n_top = c.calculate_debt_n1(amount, max_debt, N_BANDS)
    assert max_debt == band_value(m, amount, N_BANDS, n_top)
    # 10 * WAD is a whole number of units at every decimals, so no truncation
    assert amount * 10 ** (18 - m.params.collateral_decimals) == 10 * WAD
    assert abs(max_debt - independent_band_value(m, amount, N_BANDS, n_top)) <= max_debt // 10**12
    fund_collateral(m, borrower, amount)
    with boa.env.prank(borrower):
        c.create_loan(amount, max_debt, N_BANDS)
    assert c.health(borrower) > 0
