"""health(user, full): the formula recomputed from views, the cushion `full` adds above
the top band, how the oracle moves it, and its reverts."""

import boa
from hypothesis import given, settings
from hypothesis import strategies as st

from softliq.actors import collateral_units, fund_collateral
from softliq.params import WAD

from .helpers import C, act, health_formula


def test_health_formula_from_views(market, borrower, loan):
    c, amm = market.controller, market.amm
    debt = c.debt(borrower)
    x_down = amm.get_x_down(borrower)
    ld = c.liquidation_discounts(borrower)
    assert c.health(borrower) == x_down * (WAD - ld) // debt - WAD
    assert c.health(borrower, False) == c.health(borrower)
    assert (c.health(borrower), c.health(borrower, True)) == health_formula(market, borrower)


def test_full_health_adds_cushion_above_top_band(market, borrower, loan):
    c, amm = market.controller, market.amm
    n1, _ = amm.read_user_tick_numbers(borrower)
    assert n1 > amm.active_band() and amm.price_oracle() > amm.p_oracle_up(n1)
    cushion = (amm.price_oracle() - amm.p_oracle_up(n1)) * amm.get_sum_xy(borrower)[1] // c.debt(borrower)
    assert cushion > 0
    assert c.health(borrower, True) == c.health(borrower) + cushion


@settings(deadline=None, max_examples=10)
@given(
    share=st.integers(50, 1000),  # per mille of max_borrowable
    # x_down costs ~6 ms per band on py-evm: a few band counts up to the maximum
    n_bands=st.sampled_from(sorted({C("MIN_TICKS"), 7, 13, C("MAX_TICKS")})),
    drop=st.integers(0, 95),  # % of the way from the oracle down to the top band
)
def test_health_matches_formula_as_oracle_falls(market, borrower, share, n_bands, drop):
    c, amm = market.controller, market.amm
    collateral = collateral_units(market, 10 * WAD)
    debt = c.max_borrowable(collateral, n_bands) * share // 1000
    fund_collateral(market, borrower, collateral)
    act(borrower, c, "create_loan", collateral, debt, n_bands)
    n1, _ = amm.read_user_tick_numbers(borrower)
    full_before = c.health(borrower, True)
    p_o, p_up = amm.price_oracle(), amm.p_oracle_up(n1)
    with boa.env.prank(market.admin):
        market.oracle.set_price(p_o - (p_o - p_up) * drop // 100)

    h, h_full = c.health(borrower), c.health(borrower, True)
    assert (h, h_full) == health_formula(market, borrower)
    assert h <= h_full <= full_before
    # the oracle is still above the bands, and every fresh loan is healthy
    # (loan_discount > liquidation_discount)
    assert h > 0


def test_health_of_unknown_user_reverts(market, borrowers):
    for full in (False, True):
        with boa.reverts("no loan"):
            market.controller.health(borrowers[0], full)
