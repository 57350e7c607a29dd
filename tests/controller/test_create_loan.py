"""create_loan, calculate_debt_n1, max_borrowable and the debt ceiling, with every revert
path of opening a loan."""

import boa
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from softliq.actors import collateral_units, fund_collateral
from softliq.params import WAD

from .helpers import (
    C,
    act,
    band_value,
    ceil_div,
    events,
    independent_band_value,
    one_event,
    snapshot,
)

N_BANDS = 10


def _open(market, who, collateral, debt, n_bands):
    with boa.env.prank(who):
        market.controller.create_loan(collateral, debt, n_bands)


def test_create_loan_moves_tokens_records_loan_and_logs(market, borrower, collateral_amount):
    c, amm, stable, col = market.controller, market.amm, market.stablecoin, market.collateral
    debt = c.max_borrowable(collateral_amount, N_BANDS) // 2
    fund_collateral(market, borrower, collateral_amount)
    n_loans, total = c.n_loans(), c.total_debt()
    supply, amm_col = stable.totalSupply(), col.balanceOf(amm.address)
    expected_n1 = c.calculate_debt_n1(collateral_amount, debt, N_BANDS)

    _, logs = act(borrower, c, "create_loan", collateral_amount, debt, N_BANDS)

    n1, n2 = amm.read_user_tick_numbers(borrower)
    assert (n1, n2) == (expected_n1, expected_n1 + N_BANDS - 1)
    assert stable.balanceOf(borrower) == debt
    assert stable.totalSupply() == supply + debt
    assert col.balanceOf(borrower) == 0
    assert col.balanceOf(amm.address) == amm_col + collateral_amount
    assert c.debt(borrower) == debt
    assert c.total_debt() == total + debt
    assert c.loan_exists(borrower)
    assert c.n_loans() == n_loans + 1
    assert c.loans(n_loans) == borrower
    assert c.loan_ix(borrower) == n_loans
    assert c.liquidation_discounts(borrower) == c.liquidation_discount()
    # the bands hold exactly the deposit: an equal share each, remainder in the first
    per_band = collateral_amount // N_BANDS
    ys = [amm.bands_y(n) for n in range(n1, n2 + 1)]
    assert ys == [collateral_amount - per_band * (N_BANDS - 1)] + [per_band] * (N_BANDS - 1)
    assert all(amm.bands_x(n) == 0 for n in range(n1, n2 + 1))
    y_owned, x_owned, debt_now, n = c.user_state(borrower)
    assert (x_owned, debt_now, n) == (0, debt, N_BANDS)
    # dead shares keep at most one wei per band away from the owner's view
    assert collateral_amount - N_BANDS <= y_owned <= collateral_amount

    borrow = one_event(logs, "Borrow", c)
    assert (borrow.user, borrow.collateral_increase, borrow.loan_increase) == (borrower, collateral_amount, debt)
    state = one_event(logs, "UserState", c)
    assert (state.user, state.collateral, state.debt, state.n1, state.n2, state.liquidation_discount) == (
        borrower,
        collateral_amount,
        debt,
        n1,
        n2,
        c.liquidation_discount(),
    )
    deposit = one_event(logs, "Deposit", amm)
    assert (deposit.provider, deposit.amount, deposit.n1, deposit.n2) == (borrower, collateral_amount, n1, n2)
    mint = [e for e in events(logs, "Transfer", stable) if e.receiver == borrower]
    assert [(e.sender, e.value) for e in mint] == [("0x" + "00" * 20, debt)]


@settings(deadline=None, max_examples=25)
@given(
    collateral_wad=st.integers(10**17, 10**24),
    share=st.integers(10, 1000),  # per mille of max_borrowable
    n_bands=st.integers(C("MIN_TICKS"), C("MAX_TICKS")),
)
def test_calculate_debt_n1_is_lowest_band_that_covers_the_debt(market, borrower, collateral_wad, share, n_bands):
    c, amm = market.controller, market.amm
    collateral = collateral_units(market, collateral_wad)
    debt = c.max_borrowable(collateral, n_bands) * share // 1000
    assume(debt >= market.policy.min_debt())
    n1 = c.calculate_debt_n1(collateral, debt, n_bands)

    # never above the oracle
    assert amm.p_oracle_up(n1) <= amm.price_oracle()
    # the discounted value of the bands covers the debt; one band lower it would not
    assert band_value(market, collateral, n_bands, n1) >= debt
    assert band_value(market, collateral, n_bands, n1 + 1) < debt
    # the same from the AMM's own band prices (float, so with a relative margin)
    assert independent_band_value(market, collateral, n_bands, n1) >= debt * (1 - 1e-12)
    assert independent_band_value(market, collateral, n_bands, n1 + 1) < debt * (1 + 1e-12)

    fund_collateral(market, borrower, collateral)
    _open(market, borrower, collateral, debt, n_bands)
    assert list(amm.read_user_tick_numbers(borrower)) == [n1, n1 + n_bands - 1]


@settings(deadline=None, max_examples=15)
@given(
    collateral_wad=st.integers(10**17, 10**24),
    n_bands=st.integers(C("MIN_TICKS"), C("MAX_TICKS")),
)
def test_max_borrowable_is_exact_boundary(market, borrower, collateral_wad, n_bands):
    """Without a binding debt ceiling (that case: test_debt_ceiling_caps_...)."""
    c, amm = market.controller, market.amm
    collateral = collateral_units(market, collateral_wad)
    max_debt = c.max_borrowable(collateral, n_bands)
    assume(market.policy.min_debt() <= max_debt < c.debt_ceiling() - c.total_debt())
    n_top = c.calculate_debt_n1(collateral, max_debt, n_bands)
    # the highest band whose top is not above the oracle
    assert amm.p_oracle_up(n_top) <= amm.price_oracle() < amm.p_oracle_up(n_top - 1)
    assert max_debt == band_value(market, collateral, n_bands, n_top)
    fund_collateral(market, borrower, collateral)

    for too_much in (max_debt + 1, max_debt + ceil_div(max_debt, 10**4)):
        before = snapshot(market, [borrower])
        with boa.reverts("debt too high for collateral"):
            _open(market, borrower, collateral, too_much, n_bands)
        assert snapshot(market, [borrower]) == before

    _open(market, borrower, collateral, max_debt, n_bands)
    assert c.debt(borrower) == max_debt
    assert amm.read_user_tick_numbers(borrower)[0] == n_top
    # a loan at the limit is healthy: the loan discount exceeds the liquidation discount
    assert c.health(borrower) > 0


def test_debt_ceiling_caps_max_borrowable_and_create_loan(market, admin, borrower, borrowers, collateral_amount):
    c = market.controller
    first, second = borrowers[0], borrowers[1]
    value = c.max_borrowable(collateral_amount, N_BANDS)
    fund_collateral(market, first, collateral_amount)
    _open(market, first, collateral_amount, value // 4, N_BANDS)
    room = value // 3
    with boa.env.prank(admin):
        c.set_debt_ceiling(c.total_debt() + room)
    assert c.max_borrowable(collateral_amount, N_BANDS) == room

    fund_collateral(market, second, collateral_amount)
    before = snapshot(market, [second, first])
    with boa.reverts("debt ceiling exceeded"):
        _open(market, second, collateral_amount, room + 1, N_BANDS)
    assert snapshot(market, [second, first]) == before

    _open(market, second, collateral_amount, room, N_BANDS)
    assert c.total_debt() == c.debt_ceiling()
    assert c.max_borrowable(collateral_amount, N_BANDS) == 0

    # lowering the ceiling below total debt only blocks new borrowing
    with boa.env.prank(admin):
        c.set_debt_ceiling(0)
    assert c.max_borrowable(collateral_amount, N_BANDS) == 0
    debt = c.debt(second)
    with boa.env.prank(second):
        c.repay(debt)
    assert not c.loan_exists(second)


# ---------------------------------------------------------------- reverts


@pytest.mark.parametrize(
    "collateral_wad, debt_share, n_bands, reason",
    [
        (0, 1, 10, "zero collateral"),
        (10 * WAD, 0, 10, "zero debt"),
        (10 * WAD, 1, C("MIN_TICKS") - 1, "N out of range"),
        (10 * WAD, 1, C("MAX_TICKS") + 1, "N out of range"),
    ],
    ids=["zero-collateral", "zero-debt", "N-below-min", "N-above-max"],
)
def test_create_loan_rejects_bad_input(market, borrower, collateral_wad, debt_share, n_bands, reason):
    collateral = collateral_units(market, collateral_wad)
    debt = 1000 * WAD * debt_share
    fund_collateral(market, borrower, collateral_units(market, 10 * WAD))
    before = snapshot(market, [borrower])
    with boa.reverts(reason):
        _open(market, borrower, collateral, debt, n_bands)
    assert snapshot(market, [borrower]) == before


@pytest.mark.parametrize("n_bands", [C("MIN_TICKS") - 1, C("MAX_TICKS") + 1])
def test_views_reject_N_out_of_range(market, n_bands):
    with boa.reverts("N out of range"):
        market.controller.max_borrowable(10 * WAD, n_bands)
    with boa.reverts("N out of range"):
        market.controller.calculate_debt_n1(10 * WAD, 1000 * WAD, n_bands)


@pytest.mark.parametrize("n_bands", [C("MIN_TICKS"), C("MAX_TICKS")])
def test_N_at_bounds_is_accepted(market, borrower, collateral_amount, n_bands):
    debt = market.controller.max_borrowable(collateral_amount, n_bands) // 2
    fund_collateral(market, borrower, collateral_amount)
    _open(market, borrower, collateral_amount, debt, n_bands)
    assert market.controller.user_state(borrower)[3] == n_bands


def test_calculate_debt_n1_rejects_zero_debt(market):
    with boa.reverts("zero debt"):
        market.controller.calculate_debt_n1(10 * WAD, 0, N_BANDS)


def test_second_loan_for_same_user_reverts(market, borrower, loan):
    collateral, _, n_bands = loan
    before = snapshot(market, [borrower])
    with boa.reverts("loan exists"):
        _open(market, borrower, collateral, 10 * WAD, n_bands)
    assert snapshot(market, [borrower]) == before


def test_debt_below_minimum_reverts(market, borrower, collateral_amount):
    c = market.controller
    min_debt = market.policy.min_debt()
    assert min_debt == market.params.min_debt > 0
    fund_collateral(market, borrower, collateral_amount)
    before = snapshot(market, [borrower])
    with boa.reverts("debt below minimum"):
        _open(market, borrower, collateral_amount, min_debt - 1, N_BANDS)
    assert snapshot(market, [borrower]) == before
    _open(market, borrower, collateral_amount, min_debt, N_BANDS)
    assert c.debt(borrower) == min_debt


@pytest.mark.parametrize("market_by_decimals", [6], indirect=True)
@pytest.mark.parametrize("n_bands", [C("MIN_TICKS"), 10])
def test_collateral_too_small_for_bands_reverts(market_by_decimals, admin, borrower, n_bands):
    """Each band must get more than MIN_BAND_Y units: (MIN_BAND_Y + 1) * N is the least.

    With min_debt in force so few units can carry a loan only if each unit is worth a lot:
    a 6-decimal token priced at 1,000,000 stablecoin."""
    m = market_by_decimals
    c = m.controller
    with boa.env.prank(admin):
        m.oracle.set_price(10**6 * WAD)
    least = (C("MIN_BAND_Y") + 1) * n_bands
    debt = m.policy.min_debt()
    assert c.max_borrowable(least - 1, n_bands) >= debt  # only the band size can fail
    fund_collateral(m, borrower, least)
    before = snapshot(m, [borrower])
    with boa.reverts("AMM: amount too low"):
        _open(m, borrower, least - 1, debt, n_bands)
    assert snapshot(m, [borrower]) == before

    _open(m, borrower, least, debt, n_bands)
    assert c.debt(borrower) == debt
    n1, n2 = m.amm.read_user_tick_numbers(borrower)
    assert min(m.amm.bands_y(n) for n in range(n1, n2 + 1)) == C("MIN_BAND_Y") + 1


def test_create_loan_without_collateral_allowance_reverts(market, borrower, collateral_amount):
    market.collateral.mint(borrower, collateral_amount)  # no approval
    before = snapshot(market, [borrower])
    with boa.reverts("erc20: insufficient allowance"):
        _open(market, borrower, collateral_amount, 1000 * WAD, N_BANDS)
    assert snapshot(market, [borrower]) == before
