"""Settlement and keeper incentives.

Tab covered: leftover collateral back to the borrower. Lot exhausted with tab left: the
shortfall is charged to reserves first, the rest booked as bad debt, exactly. The keeper
earns tip + chip * tab per liquidation (and per non-dust redo), which must stay below the
penalty of a minimum-size liquidation; set_liquidation_params enforces a bound."""

import boa

from softliq.actors import open_loan, open_loan_at

from .helpers import (
    WAD,
    arbitrage,
    identity_gap,
    liquidate,
    one_event,
    set_liquidation_params,
    set_price,
    snapshot,
    take,
    units,
)

MAX_RATE = 43959106799


def ceil_div(a, b):
    return -(-a // b)


def _wait_until_lot_below_tab(market, auction_id, margin_pct: int):
    """Advance the clock until the lot is worth less than (100 - margin_pct) % of the tab
    at the current price (still takeable)."""
    a = market.auction
    prec = 10 ** (18 - market.params.collateral_decimals)
    for _ in range(200):
        needs_redo, price, lot, tab = a.status(auction_id)
        assert not needs_redo
        if lot * prec * price // WAD * 100 < tab * (100 - margin_pct):
            return
        boa.env.time_travel(seconds=90)
    raise AssertionError("lot never fell below the tab")


def test_surplus_goes_back_to_the_borrower(market, keeper, underwater, auction_id):
    a, col = market.auction, market.collateral
    user = underwater[0]
    _, price, lot, tab = a.status(auction_id)
    user_col = col.balanceOf(user)
    (bought, paid), logs = take(market, keeper, auction_id, lot)
    settle = one_event(logs, "Settle", a)
    assert paid == tab and bought < lot
    assert (settle.user, settle.collateral_returned, settle.shortfall) == (user, lot - bought, 0)
    assert col.balanceOf(user) == user_col + lot - bought
    assert col.balanceOf(a.address) == 0


def test_shortfall_absorbed_by_reserves(market, keeper, underwater):
    """Three liquidations fill reserves with penalties; the first auction's small
    shortfall comes out of them, bad debt stays 0."""
    c, a = market.controller, market.auction
    ids = [liquidate(market, keeper, u)[0] for u in underwater]
    _wait_until_lot_below_tab(market, ids[0], 2)
    _, price, lot, tab = a.status(ids[0])
    reserves, bad = c.reserves(), c.bad_debt()
    (bought, paid), logs = take(market, keeper, ids[0], lot)
    shortfall = tab - paid
    assert bought == lot and 0 < shortfall <= reserves
    settle = one_event(logs, "Settle", a)
    assert (settle.collateral_returned, settle.shortfall) == (0, shortfall)
    assert c.reserves() == reserves - shortfall
    assert c.bad_debt() == bad == 0
    ev = one_event(logs, "Reserves", c)
    assert (ev.reserves, ev.bad_debt) == (reserves - shortfall, 0)
    assert ids[0] not in a.active_ids() and a.total_tab() == sum(a.status(i)[3] for i in ids[1:])
    assert identity_gap(market) == 0


def test_shortfall_beyond_reserves_becomes_bad_debt(market, keeper, underwater, auction_id):
    c, a = market.controller, market.auction
    _wait_until_lot_below_tab(market, auction_id, 20)
    _, price, lot, tab = a.status(auction_id)
    reserves, bad = c.reserves(), c.bad_debt()
    (bought, paid), logs = take(market, keeper, auction_id, lot)
    shortfall = tab - paid
    assert shortfall > reserves > 0
    assert one_event(logs, "Settle", a).shortfall == shortfall
    assert c.reserves() == 0
    assert c.bad_debt() == bad + shortfall - reserves
    assert a.total_tab() == 0
    assert identity_gap(market) == 0


def test_shortfall_in_steps_is_booked_once(market, keeper, underwater, auction_id):
    """Partial takes do not book anything; the shortfall is booked when the lot runs out."""
    c, a = market.controller, market.auction
    _wait_until_lot_below_tab(market, auction_id, 10)
    raised = 0
    tab0 = a.status(auction_id)[3]
    reserves, bad = c.reserves(), c.bad_debt()
    for _ in range(3):
        (_, paid), logs = take(market, keeper, auction_id, units(market, 2 * WAD))
        raised += paid
        assert c.reserves() == reserves and c.bad_debt() == bad
        boa.env.time_travel(seconds=90)
    (_, paid), logs = take(market, keeper, auction_id, a.status(auction_id)[2])
    raised += paid
    shortfall = one_event(logs, "Settle", a).shortfall
    assert raised + shortfall == tab0
    assert max(0, reserves - shortfall) == c.reserves()
    assert bad + max(0, shortfall - reserves) == c.bad_debt()


def test_shortfall_uses_accrued_interest_first(market, keeper, underwater, auction_id):
    """reserves() counts interest accrued since the last write (docs/accounting.md); a
    shortfall must come out of reserves() before any bad debt is booked.

    Found: Controller._charge_reserves only uses the stored `_reserves`; the accrued
    interest (the `pending` part of reserves()) is ignored, so bad debt is booked while
    reserves() stays positive afterwards."""
    c, a = market.controller, market.auction
    with boa.env.prank(market.admin):
        c.set_rate(MAX_RATE)
    _wait_until_lot_below_tab(market, auction_id, 20)
    _, _, lot, tab = a.status(auction_id)
    reserves, bad = c.reserves(), c.bad_debt()
    (_, paid), _ = take(market, keeper, auction_id, lot)
    shortfall = tab - paid
    assert shortfall > reserves
    assert (c.reserves(), c.bad_debt()) == (0, bad + shortfall - reserves), (
        f"after a shortfall of {shortfall} with reserves() = {reserves}: reserves() = {c.reserves()}, "
        f"bad_debt = {c.bad_debt()} (expected 0 and {bad + shortfall - reserves})"
    )


def test_liquidation_with_no_collateral_left_books_shortfall_at_once(market, borrower, keeper, rich_arbitrageur):
    """A position soft liquidation converted entirely, worth less than its debt: the
    stablecoin repays what it can, the rest is a shortfall at once; no auction, no reward."""
    c, amm, a = market.controller, market.amm, market.auction
    n1, n2 = open_loan_at(market, borrower, units(market, 10 * WAD), 0.99, 4)
    set_price(market, amm.p_oracle_down(n2) * 90 // 100)
    boa.env.time_travel(seconds=600)
    arbitrage(market, rich_arbitrageur)
    with boa.env.prank(rich_arbitrageur):
        amm.exchange(0, 1, 10_000 * WAD, 0)  # buys the last dust of the position too
    x, y = amm.get_sum_xy(borrower)
    debt = c.debt(borrower)
    assert y == 0 and 0 < x < debt
    reserves, bad, keeper_sc, kicks = c.reserves(), c.bad_debt(), market.stablecoin.balanceOf(keeper), a.kicks()
    auction_id, ev, logs = liquidate(market, keeper, borrower)
    assert auction_id == 0 and a.kicks() == kicks
    assert (ev.tier, ev.lot, ev.tab) == (2, 0, ev.debt_to_auction)  # no penalty without collateral
    assert ev.debt_repaid_from_bands + ev.debt_to_auction == debt
    short = ev.debt_to_auction
    assert c.reserves() == max(0, reserves - short)
    assert c.bad_debt() == bad + max(0, short - reserves)
    assert market.stablecoin.balanceOf(keeper) == keeper_sc
    assert not c.loan_exists(borrower)
    assert identity_gap(market) == 0


def test_a_crumb_of_collateral_is_not_auctioned_and_pays_no_reward(market, borrower, keeper, rich_arbitrageur):
    """As above, but the position keeps its dust (collateral under N units that is in no
    band, docs/lazy-bands-spec.md). An auction of a lot worth less than its keeper's reward
    cannot raise what it pays: the reward (tip + chip * tab, out of a penalty no sale can
    raise) would come from reserves or go to bad debt (+333 of bad debt in the
    keeper-outage scenario when such crumbs were kicked). Now the crumb goes back to the
    borrower, the debt moved out is a shortfall at once: no penalty, no auction, no reward."""
    c, amm, a, col = market.controller, market.amm, market.auction, market.collateral
    n1, n2 = open_loan_at(market, borrower, units(market, 10 * WAD) + 3, 0.99, 4)  # 3 units of dust
    set_price(market, amm.p_oracle_down(n2) * 90 // 100)
    boa.env.time_travel(seconds=600)
    arbitrage(market, rich_arbitrageur)
    with boa.env.prank(rich_arbitrageur):
        amm.exchange(0, 1, 10_000 * WAD, 0)  # buys every band empty: the dust is in none
    x, y = amm.get_sum_xy(borrower)
    debt = c.debt(borrower)
    assert y == 3 and 0 < x < debt
    reserves, bad, keeper_sc, kicks = c.reserves(), c.bad_debt(), market.stablecoin.balanceOf(keeper), a.kicks()
    borrower_col = col.balanceOf(borrower)
    auction_id, ev, logs = liquidate(market, keeper, borrower)
    assert auction_id == 0 and a.kicks() == kicks
    assert (ev.tier, ev.lot, ev.tab) == (2, 3, ev.debt_to_auction)  # no penalty without a sale
    assert ev.debt_repaid_from_bands + ev.debt_to_auction == debt
    assert col.balanceOf(borrower) == borrower_col + 3
    short = ev.debt_to_auction
    assert c.reserves() == max(0, reserves - short)
    assert c.bad_debt() == bad + max(0, short - reserves)
    assert market.stablecoin.balanceOf(keeper) == keeper_sc
    assert not c.loan_exists(borrower)
    assert identity_gap(market) == 0


# ---------------------------------------------------------------- keeper incentive


def _min_size_loan(market, user):
    """Open a loan of exactly min_debt (95% of what its collateral allows over 10 bands)."""
    c = market.controller
    probe = units(market, 10 * WAD)
    collateral = probe * market.policy.min_debt() * 100 // (95 * c.max_borrowable(probe, 10)) + 1
    return open_loan(market, user, collateral, market.policy.min_debt(), 10)


def test_keeper_reward_below_penalty_on_min_size_liquidation(market, borrower, keeper):
    c, amm, sc = market.controller, market.amm, market.stablecoin
    n1, _ = _min_size_loan(market, borrower)
    set_price(market, amm.p_oracle_up(n1) * 80 // 100)
    before = sc.balanceOf(keeper)
    _, ev, _ = liquidate(market, keeper, borrower)
    reward = sc.balanceOf(keeper) - before
    assert ev.tier == 2 and ev.debt_to_auction == market.policy.min_debt()
    assert reward == market.policy.tip() + ev.tab * market.policy.chip() // WAD
    penalty = ev.tab - ev.debt_to_auction
    assert reward < market.policy.penalty_tier1() * market.policy.min_debt() // WAD < penalty


def _edge_tip(p1: int, p2: int, min_debt: int, chip: int) -> int:
    """The tip at which the reward on the largest tab of a minimum-size position,
    tip + chip * min_debt * (1 + p2), equals its smallest penalty, p1 * min_debt."""
    return p1 * min_debt // WAD - chip * (min_debt * (WAD + p2) // WAD) // WAD


def test_set_liquidation_params_rejects_reward_at_the_penalty(market):
    pol = market.policy
    p1, p2, min_debt, chip = pol.penalty_tier1(), pol.penalty_tier2(), pol.min_debt(), pol.chip()
    edge_tip = _edge_tip(p1, p2, min_debt, chip)
    before = snapshot(market)
    with boa.reverts("keeper reward above the penalty of a minimum-size position"):
        set_liquidation_params(market, tip=edge_tip)
    largest_tab = min_debt * (WAD + p2) // WAD
    with boa.reverts("keeper reward above the penalty of a minimum-size position"):
        set_liquidation_params(market, chip=(p1 * min_debt // WAD - pol.tip()) * WAD // largest_tab + 1)
    assert snapshot(market) == before
    set_liquidation_params(market, tip=edge_tip - 1)
    assert pol.tip() == edge_tip - 1


def test_bound_counts_the_penalty_in_the_tab(market):
    """The bound holds on the tab a minimum-size liquidation really has (debt plus
    penalty), not on min_debt alone: with p1 = 5%, p2 = 5% + 1 wei, chip = 4.9%, a tip of
    p1 * min_debt - chip * min_debt - 1 would pay ~5.245 for a penalty of ~5.0."""
    min_debt = market.policy.min_debt()
    p1, chip = 5 * 10**16, 49 * 10**15
    tip = p1 * min_debt // WAD - chip * min_debt // WAD - 1
    before = snapshot(market)
    with boa.reverts("keeper reward above the penalty of a minimum-size position"):
        set_liquidation_params(market, penalty_tier1=p1, penalty_tier2=p1 + 1, chip=chip, tip=tip)
    assert snapshot(market) == before


def test_accepted_params_keep_reward_below_min_size_penalty(market, borrower, keeper):
    """At the largest accepted reward, a real minimum-size liquidation still pays the
    keeper less than its penalty, and reserves do not fall."""
    c, amm, sc = market.controller, market.amm, market.stablecoin
    n1, _ = _min_size_loan(market, borrower)
    min_debt = market.policy.min_debt()
    p1, p2, chip = 5 * 10**16, 5 * 10**16 + 1, 45 * 10**15
    set_liquidation_params(market, penalty_tier1=p1, penalty_tier2=p2, chip=chip, tip=_edge_tip(p1, p2, min_debt, chip) - 1)
    set_price(market, amm.p_oracle_up(n1) * 80 // 100)
    reserves, before = c.reserves(), sc.balanceOf(keeper)
    _, ev, _ = liquidate(market, keeper, borrower)
    reward = sc.balanceOf(keeper) - before
    penalty = ev.tab - ev.debt_to_auction
    assert ev.debt_to_auction == min_debt
    assert reward < penalty, f"keeper reward {reward} >= penalty {penalty} on a min-size liquidation"
    assert c.reserves() >= reserves
