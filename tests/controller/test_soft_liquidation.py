"""A position the oracle has moved into and an arbitrageur has partly converted to
stablecoin: what may and may not be done to it, and how a full repay settles it."""

import boa
import pytest

from softliq.actors import collateral_units, fund_collateral, fund_stablecoin, open_loan
from softliq.arbitrage import find_arbitrage
from softliq.params import WAD
from softliq.positions import read_user_ticks

from .helpers import act, health_formula, one_event, snapshot, soft_liquidate

N_BANDS = 10


@pytest.fixture(scope="module")
def in_soft_liquidation(market, borrower, arbitrageur):
    """`borrower` holds 10 collateral at half of max_borrowable over N_BANDS bands, with
    spare collateral approved; `arbitrageur` holds stablecoin and has converted the
    position's top two bands. Module-scoped (set up once, rolled back after every test)."""
    collateral = collateral_units(market, 10 * WAD)
    debt = market.controller.max_borrowable(collateral, N_BANDS) // 2
    open_loan(market, borrower, collateral, debt, N_BANDS)
    fund_collateral(market, borrower, collateral)
    fund_stablecoin(market, arbitrageur, 200_000 * WAD)
    soft_liquidate(market, borrower, arbitrageur, bands_in=2)
    return collateral, debt, N_BANDS


@pytest.fixture
def rich_arbitrageur(arbitrageur, in_soft_liquidation):
    return arbitrageur


def test_position_holds_both_coins(market, borrower, in_soft_liquidation):
    c, amm = market.controller, market.amm
    collateral, debt, n_bands = in_soft_liquidation
    y, x, d, n = c.user_state(borrower)
    n1, n2 = amm.read_user_tick_numbers(borrower)
    assert x > 0 and 0 < y < collateral
    assert (d, n) == (debt, n_bands)
    assert n1 <= amm.active_band() <= n2
    # inside the bands there is no cushion above the top band: full == plain
    h, h_full = health_formula(market, borrower)
    assert h == h_full == c.health(borrower, True) == c.health(borrower)


@pytest.mark.parametrize(
    "method, args",
    [
        ("add_collateral", (WAD,)),
        ("remove_collateral", (1,)),
        ("borrow_more", (0, WAD)),
        ("borrow_more", (WAD, WAD)),
    ],
    ids=["add_collateral", "remove_collateral", "borrow_more", "borrow_more-with-collateral"],
)
def test_changes_revert_in_soft_liquidation(market, borrower, in_soft_liquidation, method, args):
    before = snapshot(market, [borrower])
    with boa.reverts("position in soft liquidation"):
        act(borrower, market.controller, method, *args)
    assert snapshot(market, [borrower]) == before


def test_add_collateral_for_user_in_soft_liquidation_reverts(market, borrower, borrowers, in_soft_liquidation):
    helper = borrowers[0]
    fund_collateral(market, helper, WAD)
    before = snapshot(market, [borrower, helper])
    with boa.reverts("position in soft liquidation"):
        act(helper, market.controller, "add_collateral", WAD, borrower)
    assert snapshot(market, [borrower, helper]) == before


def test_partial_repay_in_soft_liquidation_only_lowers_debt(market, borrower, in_soft_liquidation):
    c, amm, stable = market.controller, market.amm, market.stablecoin
    _, debt, _ = in_soft_liquidation
    ticks, shares = amm.read_user_tick_numbers(borrower), read_user_ticks(amm, borrower)
    xy = amm.get_sum_xy(borrower)
    cash, total = stable.balanceOf(borrower), c.total_debt()
    health = c.health(borrower)
    amount = debt // 4

    _, logs = act(borrower, c, "repay", amount)

    assert c.debt(borrower) == debt - amount
    assert c.total_debt() == total - amount
    assert stable.balanceOf(borrower) == cash - amount
    assert amm.read_user_tick_numbers(borrower) == ticks
    assert read_user_ticks(amm, borrower) == shares
    assert amm.get_sum_xy(borrower) == xy
    assert c.health(borrower) > health
    ev = one_event(logs, "Repay", c)
    assert (ev.user, ev.collateral_decrease, ev.loan_decrease) == (borrower, 0, amount)
    st = one_event(logs, "UserState", c)
    assert (st.user, st.collateral, st.debt, st.n1, st.n2) == (borrower, xy[1], debt - amount, *ticks)


def test_full_repay_uses_stablecoin_in_bands_first(market, borrower, borrowers, in_soft_liquidation):
    """The payer covers only debt - stablecoin in the bands; the borrower gets every
    collateral unit left in the bands."""
    c, amm, stable, col = market.controller, market.amm, market.stablecoin, market.collateral
    _, debt, _ = in_soft_liquidation
    payer = borrowers[0]
    n1, n2 = amm.read_user_tick_numbers(borrower)
    in_x = sum(amm.bands_x(n) for n in range(n1, n2 + 1))  # sole owner of its bands
    in_y = sum(amm.bands_y(n) for n in range(n1, n2 + 1))
    assert 0 < in_x < debt
    with boa.env.prank(borrower):
        stable.transfer(payer, debt)
    with boa.env.prank(payer):
        stable.approve(c.address, 2**256 - 1)
    wallet = (stable.balanceOf(borrower), col.balanceOf(borrower))
    amm_bal = (stable.balanceOf(amm.address), col.balanceOf(amm.address))
    supply, total = stable.totalSupply(), c.total_debt()

    _, logs = act(payer, c, "repay", debt, borrower)

    assert stable.balanceOf(payer) == in_x  # paid debt - in_x of the debt it held
    assert (stable.balanceOf(borrower), col.balanceOf(borrower)) == (wallet[0], wallet[1] + in_y)
    assert (stable.balanceOf(amm.address), col.balanceOf(amm.address)) == (amm_bal[0] - in_x, amm_bal[1] - in_y)
    assert stable.totalSupply() == supply - debt
    assert c.total_debt() == total - debt
    assert not c.loan_exists(borrower)
    ev = one_event(logs, "Repay", c)
    assert (ev.user, ev.collateral_decrease, ev.loan_decrease) == (borrower, in_y, debt)


def test_de_liquidated_position_can_change_again(market, borrower, in_soft_liquidation, rich_arbitrageur):
    """When the oracle returns above the bands and arbitrage converts them back, the
    position holds no stablecoin and may be changed again."""
    c, amm = market.controller, market.amm
    collateral, debt, _ = in_soft_liquidation
    n1, _ = amm.read_user_tick_numbers(borrower)
    price = amm.p_oracle_up(n1 - 2)
    with boa.env.prank(market.admin):
        market.oracle.set_price(price)
    boa.env.time_travel(seconds=600)
    fund_collateral(market, rich_arbitrageur, 10 * WAD)
    arb = find_arbitrage(amm, price, 0, market.collateral.balanceOf(rich_arbitrageur))
    with boa.env.prank(rich_arbitrageur):
        amm.exchange(1, 0, arb.amount, 0)
    assert amm.get_sum_xy(borrower)[0] == 0
    act(borrower, c, "borrow_more", 0, debt // 100)
    assert c.debt(borrower) == debt + debt // 100
