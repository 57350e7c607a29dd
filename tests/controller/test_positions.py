"""Changing a loan outside soft liquidation: add_collateral (own and for another user),
remove_collateral, borrow_more, partial and full repay (own and for another user), with
their events and revert paths. The `loan` fixture: half of max_borrowable over 10 bands."""

import boa
import pytest

from softliq.actors import fund_collateral
from softliq.params import WAD

from .helpers import act, events, one_event, snapshot


def _bands(market, user):
    return tuple(market.amm.read_user_tick_numbers(user))


def _bands_y(market, user):
    n1, n2 = _bands(market, user)
    return sum(market.amm.bands_y(n) for n in range(n1, n2 + 1))


def _expect_state_event(logs, market, user, collateral, debt):
    n1, n2 = _bands(market, user)
    ev = one_event(logs, "UserState", market.controller)
    assert (ev.user, ev.collateral, ev.debt, ev.n1, ev.n2, ev.liquidation_discount) == (
        user,
        collateral,
        debt,
        n1,
        n2,
        market.controller.liquidation_discounts(user),
    )


# ---------------------------------------------------------------- add_collateral


def test_add_collateral_moves_position_to_safer_bands(market, borrower, loan):
    c, amm, col = market.controller, market.amm, market.collateral
    collateral, debt, n_bands = loan
    n1, _ = _bands(market, borrower)
    health = c.health(borrower, True)
    amm_col, total = col.balanceOf(amm.address), c.total_debt()
    added = collateral // 2

    _, logs = act(borrower, c, "add_collateral", added)

    new_n1, new_n2 = _bands(market, borrower)
    assert new_n1 > n1 and new_n2 - new_n1 + 1 == n_bands
    assert new_n1 == c.calculate_debt_n1(collateral + added, debt, n_bands)
    assert _bands_y(market, borrower) == collateral + added
    assert col.balanceOf(amm.address) == amm_col + added
    assert col.balanceOf(borrower) == 2 * collateral - collateral - added
    assert c.debt(borrower) == debt and c.total_debt() == total
    # lower bands: soft liquidation starts at a lower price, so the full health rises
    assert c.health(borrower, True) > health
    ev = one_event(logs, "Borrow", c)
    assert (ev.user, ev.collateral_increase, ev.loan_increase) == (borrower, added, 0)
    _expect_state_event(logs, market, borrower, collateral + added, debt)


def test_add_collateral_for_another_user_is_paid_by_caller(market, borrower, borrowers, loan):
    c, col = market.controller, market.collateral
    collateral, debt, _ = loan
    payer = borrowers[0]
    fund_collateral(market, payer, collateral)
    borrower_col = col.balanceOf(borrower)

    _, logs = act(payer, c, "add_collateral", collateral, borrower)

    assert col.balanceOf(payer) == 0
    assert col.balanceOf(borrower) == borrower_col
    assert _bands_y(market, borrower) == 2 * collateral
    assert c.debt(borrower) == debt
    assert not c.loan_exists(payer)
    ev = one_event(logs, "Borrow", c)
    assert (ev.user, ev.collateral_increase, ev.loan_increase) == (borrower, collateral, 0)


def test_add_collateral_reverts(market, borrower, borrowers, loan):
    c = market.controller
    stranger = borrowers[0]
    fund_collateral(market, stranger, WAD)
    users = [borrower, stranger]
    before = snapshot(market, users)
    with boa.reverts("zero collateral"):
        act(borrower, c, "add_collateral", 0)
    with boa.reverts("no loan"):
        act(stranger, c, "add_collateral", WAD)
    with boa.reverts("no loan"):
        act(borrower, c, "add_collateral", WAD, stranger)
    assert snapshot(market, users) == before


# ---------------------------------------------------------------- remove_collateral


def test_remove_collateral_moves_position_up_and_pays_out(market, borrower, loan):
    c, amm, col = market.controller, market.amm, market.collateral
    collateral, debt, n_bands = loan
    n1, _ = _bands(market, borrower)
    wallet, amm_col = col.balanceOf(borrower), col.balanceOf(amm.address)
    removed = collateral // 4

    _, logs = act(borrower, c, "remove_collateral", removed)

    new_n1, _ = _bands(market, borrower)
    assert new_n1 < n1
    assert new_n1 == c.calculate_debt_n1(collateral - removed, debt, n_bands)
    assert _bands_y(market, borrower) == collateral - removed
    assert col.balanceOf(borrower) == wallet + removed
    assert col.balanceOf(amm.address) == amm_col - removed
    assert c.debt(borrower) == debt
    ev = one_event(logs, "RemoveCollateral", c)
    assert (ev.user, ev.collateral_decrease) == (borrower, removed)
    _expect_state_event(logs, market, borrower, collateral - removed, debt)


def test_remove_collateral_up_to_the_limit(market, borrower, loan):
    """The least collateral that still covers the debt may stay; one unit less may not."""
    c = market.controller
    collateral, debt, n_bands = loan
    # smallest collateral with max_borrowable >= debt, by bisection on the view
    lo, hi = 1, collateral
    while lo < hi:
        mid = (lo + hi) // 2
        if c.max_borrowable(mid, n_bands) >= debt:
            hi = mid
        else:
            lo = mid + 1
    least = lo
    before = snapshot(market, [borrower])
    with boa.reverts("debt too high for collateral"):
        act(borrower, c, "remove_collateral", collateral - least + 1)
    assert snapshot(market, [borrower]) == before

    act(borrower, c, "remove_collateral", collateral - least)
    assert _bands_y(market, borrower) == least
    assert c.health(borrower) >= 0


def test_remove_collateral_reverts(market, borrower, borrowers, loan):
    c = market.controller
    collateral, _, _ = loan
    stranger = borrowers[0]
    users = [borrower, stranger]
    before = snapshot(market, users)
    with boa.reverts("zero collateral"):
        act(borrower, c, "remove_collateral", 0)
    with boa.reverts("no loan"):
        act(stranger, c, "remove_collateral", 1)
    with boa.reverts("not enough collateral"):
        act(borrower, c, "remove_collateral", collateral)
    with boa.reverts("debt too high for collateral"):
        act(borrower, c, "remove_collateral", collateral * 9 // 10)
    assert snapshot(market, users) == before


# ---------------------------------------------------------------- borrow_more


@pytest.mark.parametrize("with_collateral", [False, True], ids=["debt-only", "with-collateral"])
def test_borrow_more(market, borrower, loan, with_collateral):
    c, amm, stable, col = market.controller, market.amm, market.stablecoin, market.collateral
    collateral, debt, n_bands = loan
    added = collateral if with_collateral else 0
    extra = debt // 3
    n1, _ = _bands(market, borrower)
    cash, total, supply = stable.balanceOf(borrower), c.total_debt(), stable.totalSupply()
    wallet, amm_col = col.balanceOf(borrower), col.balanceOf(amm.address)

    _, logs = act(borrower, c, "borrow_more", added, extra)

    assert c.debt(borrower) == debt + extra
    assert c.total_debt() == total + extra
    assert stable.balanceOf(borrower) == cash + extra
    assert stable.totalSupply() == supply + extra
    assert col.balanceOf(borrower) == wallet - added
    assert col.balanceOf(amm.address) == amm_col + added
    assert _bands_y(market, borrower) == collateral + added
    new_n1, _ = _bands(market, borrower)
    assert new_n1 == c.calculate_debt_n1(collateral + added, debt + extra, n_bands)
    if not with_collateral:
        assert new_n1 < n1  # more debt on the same collateral: higher (riskier) bands
    ev = one_event(logs, "Borrow", c)
    assert (ev.user, ev.collateral_increase, ev.loan_increase) == (borrower, added, extra)
    _expect_state_event(logs, market, borrower, collateral + added, debt + extra)
    # the AMM saw the position leave its bands whole and come back into the new ones
    w = one_event(logs, "Withdraw", amm)
    assert (w.provider, w.amount_borrowed, w.amount_collateral) == (borrower, 0, collateral)
    d = one_event(logs, "Deposit", amm)
    assert (d.provider, d.amount, d.n1, d.n2) == (borrower, collateral + added, *_bands(market, borrower))
    mint = one_event(logs, "Transfer", stable)
    assert (mint.sender, mint.receiver, mint.value) == ("0x" + "00" * 20, borrower, extra)


def test_borrow_more_reverts(market, admin, borrower, borrowers, loan):
    c = market.controller
    collateral, debt, n_bands = loan
    stranger = borrowers[0]
    users = [borrower, stranger]
    room = c.max_borrowable(collateral, n_bands) - debt
    before = snapshot(market, users)
    with boa.reverts("zero debt"):
        act(borrower, c, "borrow_more", collateral, 0)
    with boa.reverts("no loan"):
        act(stranger, c, "borrow_more", 0, WAD)
    with boa.reverts("debt too high for collateral"):
        act(borrower, c, "borrow_more", 0, room + 1)
    assert snapshot(market, users) == before

    with boa.env.prank(admin):
        c.set_debt_ceiling(c.total_debt() + room // 2)
    before = snapshot(market, users)
    with boa.reverts("debt ceiling exceeded"):
        act(borrower, c, "borrow_more", 0, room // 2 + 1)
    assert snapshot(market, users) == before
    act(borrower, c, "borrow_more", 0, room // 2)
    assert c.total_debt() == c.debt_ceiling()


def test_borrow_more_up_to_max(market, borrower, loan):
    c = market.controller
    collateral, debt, n_bands = loan
    room = c.max_borrowable(collateral, n_bands) - debt
    act(borrower, c, "borrow_more", 0, room)
    assert c.debt(borrower) == c.max_borrowable(collateral, n_bands) == debt + room


# ---------------------------------------------------------------- repay outside soft liquidation


def test_partial_repay_moves_position_to_safer_bands(market, borrower, loan):
    c, amm, stable = market.controller, market.amm, market.stablecoin
    collateral, debt, n_bands = loan
    n1, _ = _bands(market, borrower)
    cash, total, supply = stable.balanceOf(borrower), c.total_debt(), stable.totalSupply()
    health = c.health(borrower, True)
    amount = debt // 2

    _, logs = act(borrower, c, "repay", amount)

    assert c.debt(borrower) == debt - amount
    assert c.total_debt() == total - amount
    assert stable.balanceOf(borrower) == cash - amount
    assert stable.totalSupply() == supply - amount
    new_n1, new_n2 = _bands(market, borrower)
    assert new_n1 > n1 and new_n2 - new_n1 + 1 == n_bands
    assert new_n1 == c.calculate_debt_n1(collateral, debt - amount, n_bands)
    assert _bands_y(market, borrower) == collateral
    assert c.health(borrower, True) > health
    assert c.loan_exists(borrower)
    ev = one_event(logs, "Repay", c)
    assert (ev.user, ev.collateral_decrease, ev.loan_decrease) == (borrower, 0, amount)
    _expect_state_event(logs, market, borrower, collateral, debt - amount)


@pytest.mark.parametrize("overpay", [0, 1, 10**6 * WAD], ids=["exact", "plus-1-wei", "far-above"])
def test_full_repay_returns_all_collateral(market, borrower, borrowers, loan, overpay):
    """A payer other than the borrower closes the loan: only the debt is pulled from the
    payer, whatever `amount` says, and the borrower gets all collateral back."""
    c, amm, stable, col = market.controller, market.amm, market.stablecoin, market.collateral
    collateral, debt, _ = loan
    payer = borrowers[0]
    with boa.env.prank(borrower):
        stable.transfer(payer, debt)
    with boa.env.prank(payer):
        stable.approve(c.address, 2**256 - 1)
    wallet, amm_col, supply, total = col.balanceOf(borrower), col.balanceOf(amm.address), stable.totalSupply(), c.total_debt()
    n1, n2 = _bands(market, borrower)

    _, logs = act(payer, c, "repay", debt + overpay, borrower)

    assert stable.balanceOf(payer) == 0
    assert stable.totalSupply() == supply - debt
    assert col.balanceOf(borrower) == wallet + collateral
    assert col.balanceOf(amm.address) == amm_col - collateral
    assert all(amm.bands_y(n) == 0 and amm.bands_x(n) == 0 for n in range(n1, n2 + 1))
    assert c.total_debt() == total - debt
    assert not c.loan_exists(borrower)
    assert c.debt(borrower) == 0
    assert list(c.user_state(borrower)) == [0, 0, 0, 0]
    assert not amm.has_liquidity(borrower)
    ev = one_event(logs, "Repay", c)
    assert (ev.user, ev.collateral_decrease, ev.loan_decrease) == (borrower, collateral, debt)
    st = one_event(logs, "UserState", c)
    assert (st.user, st.collateral, st.debt, st.n1, st.n2) == (borrower, 0, 0, 0, 0)
    burns = [e for e in events(logs, "Transfer", stable) if e.receiver == "0x" + "00" * 20]
    assert [(e.sender, e.value) for e in burns] == [(payer, debt)]
    w = one_event(logs, "Withdraw", amm)
    assert (w.provider, w.amount_borrowed, w.amount_collateral) == (borrower, 0, collateral)
    out = one_event(logs, "Transfer", col)
    assert (out.sender, out.receiver, out.value) == (amm.address, borrower, collateral)


def test_partial_repay_for_another_user(market, borrower, borrowers, loan):
    c, stable = market.controller, market.stablecoin
    _, debt, _ = loan
    payer = borrowers[0]
    amount = debt // 5
    with boa.env.prank(borrower):
        stable.transfer(payer, amount)
    with boa.env.prank(payer):
        stable.approve(c.address, amount)
    cash = stable.balanceOf(borrower)

    act(payer, c, "repay", amount, borrower)

    assert stable.balanceOf(payer) == 0
    assert stable.allowance(payer, c.address) == 0
    assert stable.balanceOf(borrower) == cash
    assert c.debt(borrower) == debt - amount


def test_partial_repay_may_not_leave_less_than_min_debt(market, borrower, loan):
    c = market.controller
    _, debt, _ = loan
    min_debt = market.policy.min_debt()
    before = snapshot(market, [borrower])
    with boa.reverts("debt below minimum"):
        act(borrower, c, "repay", debt - min_debt + 1)
    assert snapshot(market, [borrower]) == before
    act(borrower, c, "repay", debt - min_debt)
    assert c.debt(borrower) == min_debt


def test_reopen_after_close(market, borrower, loan):
    c = market.controller
    collateral, debt, n_bands = loan
    act(borrower, c, "repay", debt)
    act(borrower, c, "create_loan", collateral, debt, n_bands)
    assert c.debt(borrower) == debt and c.loan_exists(borrower)
    assert _bands_y(market, borrower) == collateral


def test_repay_reverts(market, borrower, borrowers, loan):
    c, stable = market.controller, market.stablecoin
    _, debt, _ = loan
    stranger = borrowers[0]
    users = [borrower, stranger]
    before = snapshot(market, users)
    with boa.reverts("zero amount"):
        act(borrower, c, "repay", 0)
    with boa.reverts("no loan"):
        act(stranger, c, "repay", WAD)
    with boa.reverts("no loan"):
        act(borrower, c, "repay", WAD, stranger)
    # a payer without stablecoin allowance cannot repay someone else's loan
    with boa.reverts("erc20: insufficient allowance"):
        act(stranger, c, "repay", debt, borrower)
    assert snapshot(market, users) == before
    # the borrower spent part of the loan: a full repay needs the whole debt
    with boa.env.prank(borrower):
        stable.transfer(stranger, 1)
    before = snapshot(market, users)
    with boa.reverts("erc20: burn exceeds balance"):
        act(borrower, c, "repay", debt)
    assert snapshot(market, users) == before
