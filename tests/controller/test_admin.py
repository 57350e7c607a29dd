"""Admin setters of the Controller: bounds, events, effects; non-admin callers; and an
oracle that returns zero."""

import boa
import pytest

from softliq.actors import fund_collateral
from softliq.params import WAD

from .helpers import C, act, one_event, snapshot

N_BANDS = 10


# ---------------------------------------------------------------- non-admin


@pytest.mark.parametrize(
    "method, args",
    [
        ("set_rate", (1,)),
        ("set_debt_ceiling", (1,)),
        ("set_discounts", (2 * 10**17, 10**17)),
        ("set_amm_fee", (10**16,)),
        ("set_admin", ("0x" + "11" * 20,)),
        ("set_auction", ("0x" + "11" * 20,)),
    ],
)
def test_admin_setters_reject_others(market, borrower, liquidator, method, args):
    before = snapshot(market, [])
    for who in (borrower, liquidator):
        with boa.reverts("Only admin"):
            act(who, market.controller, method, *args)
    assert snapshot(market, []) == before


def test_auction_hooks_only_for_the_auction(market, admin, liquidator):
    c = market.controller
    before = snapshot(market, [])
    for who in (admin, liquidator):
        with boa.reverts("only auction"):
            act(who, c, "book_shortfall", WAD)
        with boa.reverts("only auction"):
            act(who, c, "pay_incentive", who, WAD, WAD)
    with boa.reverts("auction already set"):
        act(admin, c, "set_auction", liquidator)
    assert c.auction() == market.auction.address
    assert snapshot(market, []) == before


# ---------------------------------------------------------------- set_rate


def test_set_rate_bounds_and_events(market, admin):
    c, amm = market.controller, market.amm
    max_rate = C("MAX_RATE")
    before = snapshot(market, [])
    with boa.reverts("rate too high"):
        act(admin, c, "set_rate", max_rate + 1)
    assert snapshot(market, []) == before

    _, logs = act(admin, c, "set_rate", max_rate)
    assert c.rate() == max_rate and amm.rate() == max_rate
    assert one_event(logs, "SetRate", c).rate == max_rate
    amm_ev = one_event(logs, "SetRate", amm)
    assert (amm_ev.rate, amm_ev.rate_mul, amm_ev.time) == (max_rate, WAD, boa.env.timestamp)

    _, logs = act(admin, c, "set_rate", 0)
    assert c.rate() == 0 and one_event(logs, "SetRate", c).rate == 0


def test_set_rate_compounds_interest_so_far(market, admin, borrower, loan):
    c, amm = market.controller, market.amm
    _, debt, _ = loan
    rate, dt = C("MAX_RATE") // 3, 86_400 * 30
    act(admin, c, "set_rate", rate)
    rm0 = amm.get_rate_mul()
    boa.env.time_travel(seconds=dt)
    rm1 = rm0 * (WAD + rate * dt) // WAD
    assert amm.get_rate_mul() == rm1
    act(admin, c, "set_rate", rate)  # same rate: compounds, then accrues from rm1
    boa.env.time_travel(seconds=dt)
    rm2 = rm1 * (WAD + rate * dt) // WAD
    assert amm.get_rate_mul() == rm2
    assert c.debt(borrower) == -(-debt * rm2 // rm0)


# ---------------------------------------------------------------- set_debt_ceiling


def test_set_debt_ceiling(market, admin):
    c = market.controller
    for value in (0, 123 * WAD, 2**256 - 1):
        _, logs = act(admin, c, "set_debt_ceiling", value)
        assert c.debt_ceiling() == value
        assert one_event(logs, "SetDebtCeiling", c).debt_ceiling == value


# ---------------------------------------------------------------- set_discounts


def test_set_discounts_bounds(market, admin):
    c = market.controller
    min_ld, max_loan = C("MIN_LIQUIDATION_DISCOUNT"), C("MAX_LOAN_DISCOUNT")
    gap, p1 = C("MIN_DISCOUNT_GAP"), market.policy.penalty_tier1()
    assert p1 >= min_ld  # the tier-1 bound is the binding lower bound of the liquidation discount
    cases = [
        (max_loan, min_ld - 1, "liquidation discount too low"),
        (2 * min_ld, 2 * min_ld, "loan discount must exceed liquidation discount"),
        (2 * min_ld, 2 * min_ld + 1, "loan discount must exceed liquidation discount"),
        (max_loan + 1, min_ld, "loan discount too high"),
        (p1 + 1 + gap - 1, p1 + 1, "discounts too close"),
        (max_loan, max_loan - 1, "discounts too close"),
        (max_loan, p1, "liquidation discount not above tier-1 penalty"),
        (max_loan, min_ld, "liquidation discount not above tier-1 penalty"),
    ]
    before = snapshot(market, [])
    for loan_d, liq_d, reason in cases:
        with boa.reverts(reason):
            act(admin, c, "set_discounts", loan_d, liq_d)
    assert snapshot(market, []) == before

    for loan_d, liq_d in ((max_loan, p1 + 1), (p1 + 1 + gap, p1 + 1), (max_loan, max_loan - gap)):
        _, logs = act(admin, c, "set_discounts", loan_d, liq_d)
        assert (c.loan_discount(), c.liquidation_discount()) == (loan_d, liq_d)
        ev = one_event(logs, "SetDiscounts", c)
        assert (ev.loan_discount, ev.liquidation_discount) == (loan_d, liq_d)


def test_new_discounts_apply_to_a_loan_when_it_next_acts(market, admin, borrower, loan):
    c = market.controller
    collateral, debt, _ = loan
    old_ld = c.liquidation_discount()
    max_before = c.max_borrowable(collateral, N_BANDS)
    health = c.health(borrower)
    new_loan_d, new_ld = c.loan_discount() + 10**16, old_ld + 3 * 10**16
    act(admin, c, "set_discounts", new_loan_d, new_ld)

    assert c.liquidation_discounts(borrower) == old_ld
    assert c.health(borrower) == health
    assert c.max_borrowable(collateral, N_BANDS) < max_before  # a larger loan discount

    act(borrower, c, "add_collateral", collateral // 10)
    assert c.liquidation_discounts(borrower) == new_ld


# ---------------------------------------------------------------- set_amm_fee


def test_set_amm_fee_bounds(market, admin):
    c, amm = market.controller, market.amm
    max_fee = min(C("MAX_FEE"), 4 * WAD // amm.A())
    assert amm.MAX_BASE_FEE() == max_fee
    before = snapshot(market, [])
    for bad in (C("MIN_FEE") - 1, max_fee + 1):
        with boa.reverts("AMM: fee out of range"):
            act(admin, c, "set_amm_fee", bad)
    assert snapshot(market, []) == before

    for fee in (C("MIN_FEE"), max_fee):
        _, logs = act(admin, c, "set_amm_fee", fee)
        assert amm.fee() == fee
        assert one_event(logs, "SetAmmFee", c).fee == fee
        assert one_event(logs, "SetFee", amm).fee == fee


# ---------------------------------------------------------------- set_admin


def test_set_admin_hands_over_the_role(market, admin, liquidator):
    c = market.controller
    before = snapshot(market, [])
    with boa.reverts("Zero admin"):
        act(admin, c, "set_admin", "0x" + "00" * 20)
    assert snapshot(market, []) == before

    _, logs = act(admin, c, "set_admin", liquidator)
    assert c.admin() == liquidator
    assert one_event(logs, "SetAdmin", c).admin == liquidator
    with boa.reverts("Only admin"):
        act(admin, c, "set_debt_ceiling", 0)
    act(liquidator, c, "set_debt_ceiling", 0)
    assert c.debt_ceiling() == 0


# ---------------------------------------------------------------- oracle returning zero


def test_zero_oracle_price_blocks_loans_and_health(market, admin, borrower, borrowers, loan):
    c = market.controller
    newcomer = borrowers[0]
    fund_collateral(market, newcomer, 10 * WAD)
    act(admin, market.oracle, "set_price", 0)
    reason = "AMM: oracle price is zero"
    users = [borrower, newcomer]
    before = snapshot(market, users)
    with boa.reverts(reason):
        act(newcomer, c, "create_loan", 10 * WAD, 1000 * WAD, N_BANDS)
    for full in (False, True):
        with boa.reverts(reason):
            c.health(borrower, full)
    with boa.reverts(reason):
        c.max_borrowable(10 * WAD, N_BANDS)
    with boa.reverts(reason):
        c.calculate_debt_n1(10 * WAD, 1000 * WAD, N_BANDS)
    with boa.reverts(reason):
        act(borrower, c, "borrow_more", 0, WAD)
    assert snapshot(market, users) == before
    # closing a loan needs no price: the borrower can always get out
    _, debt, _ = loan
    act(borrower, c, "repay", debt)
    assert not c.loan_exists(borrower)


def test_loan_keeps_liquidation_discount_rounded_up_to_1e_9(market, admin, borrower, collateral_amount):
    """A loan stores its liquidation discount in units of 1e-9, rounded up (against the
    borrower); health and the UserState event use the stored value."""
    c = market.controller
    ld = c.liquidation_discount() + 1
    act(admin, c, "set_discounts", c.loan_discount(), ld)
    fund_collateral(market, borrower, collateral_amount)
    debt = c.max_borrowable(collateral_amount, N_BANDS) // 2
    _, logs = act(borrower, c, "create_loan", collateral_amount, debt, N_BANDS)
    stored = -(-ld // 10**9) * 10**9
    assert stored > ld
    assert c.liquidation_discounts(borrower) == stored
    assert one_event(logs, "UserState", c).liquidation_discount == stored
    assert c.health(borrower) == market.amm.get_x_down(borrower) * (WAD - stored) // debt - WAD


@pytest.mark.parametrize("ld_offset", [0, 1], ids=["smallest-gap", "smallest-gap-liquidation-discount-not-a-multiple-of-1e-9"])
def test_any_accepted_discounts_keep_a_fresh_loan_healthy(market, admin, borrower, collateral_amount, ld_offset):
    """set_discounts requires loan_discount >= liquidation_discount + MIN_DISCOUNT_GAP: a
    gap one wei smaller is refused ("discounts too close"). With the smallest accepted gap,
    a loan opened at max_borrowable is not liquidatable at once (health >= 0), also when
    the loan stores the liquidation discount rounded up to 1e-9."""
    c = market.controller
    gap = C("MIN_DISCOUNT_GAP")
    ld = c.liquidation_discount() + ld_offset
    with boa.reverts("discounts too close"):
        act(admin, c, "set_discounts", ld + gap - 1, ld)
    act(admin, c, "set_discounts", ld + gap, ld)
    fund_collateral(market, borrower, collateral_amount)
    max_debt = c.max_borrowable(collateral_amount, N_BANDS)
    act(borrower, c, "create_loan", collateral_amount, max_debt, N_BANDS)
    assert c.liquidation_discounts(borrower) <= c.loan_discount(), "stored liquidation discount exceeds loan discount"
    assert c.health(borrower) >= 0


def test_set_discounts_keeps_tier1_penalty_below_liquidation_discount(market, admin):
    """set_liquidation_params requires penalty_tier1 < liquidation_discount (DESIGN.md
    section 4: p1 < liquidation_discount); set_discounts keeps it so and refuses a
    liquidation discount at or below penalty_tier1."""
    c = market.controller
    p1 = market.policy.penalty_tier1()
    assert p1 >= C("MIN_LIQUIDATION_DISCOUNT")  # a liquidation discount of p1 passes its own bound
    before = (c.loan_discount(), c.liquidation_discount())
    with boa.reverts("liquidation discount not above tier-1 penalty"):
        act(admin, c, "set_discounts", c.loan_discount(), p1)
    assert (c.loan_discount(), c.liquidation_discount()) == before
    assert market.policy.penalty_tier1() < c.liquidation_discount()
