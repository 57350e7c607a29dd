"""Tier selection of Controller.liquidate.

Tier 1 (mildly unhealthy, solvent after the tier-1 penalty, remainder not dust): only
the share of the position that brings the rest back to target_health; the loan stays
open; the stablecoin of the withdrawn share repays debt first; only collateral goes to
auction, tab = debt moved to it * (1 + p1). Tier 2 (deeper, or dust remainder): the whole
position, tab = (debt - stablecoin) * (1 + p2), the loan closes."""

import boa
from hypothesis import assume, event, given, settings
from hypothesis import strategies as st

from softliq.actors import open_loan_at

from .helpers import (
    FIXTURE_OK,
    WAD,
    arbitrage,
    expected_fraction,
    identity_gap,
    liquidate,
    one_event,
    set_liquidation_params,
    set_price,
    units,
)


def _liquidate_and_check(market, keeper, user):
    """Liquidate `user` and check every documented effect of the tier it got. Returns
    the Liquidate event."""
    c, amm, a, sc, col = market.controller, market.amm, market.auction, market.stablecoin, market.collateral
    debt = c.debt(user)
    x, y = amm.get_sum_xy(user)
    n1, n2 = amm.read_user_tick_numbers(user)
    n_bands = n2 - n1 + 1
    frac = expected_fraction(market, user)
    user_sc, user_col = sc.balanceOf(user), col.balanceOf(user)
    amm_sc = sc.balanceOf(amm.address)
    reserves = c.reserves()
    keeper_sc = sc.balanceOf(keeper)

    auction_id, ev, logs = liquidate(market, keeper, user)
    withdrawn = one_event(logs, "Withdraw", amm)

    assert ev.tier == (1 if frac else 2)
    assert ev.lot == withdrawn.amount_collateral
    # the withdrawn stablecoin repays debt first (x <= debt here: see the dedicated test
    # of a fully converted position); nothing of it goes to the borrower
    assert ev.debt_repaid_from_bands == withdrawn.amount_borrowed
    assert amm_sc - sc.balanceOf(amm.address) == withdrawn.amount_borrowed
    assert sc.balanceOf(user) == user_sc and col.balanceOf(user) == user_col
    penalty = ev.tab - ev.debt_to_auction
    if ev.tier == 1:
        assert 0 < withdrawn.amount_collateral < y
        assert penalty == ev.debt_to_auction * market.policy.penalty_tier1() // WAD
        # only collateral value goes to auction: at most the lot at p_o*(1-ld)/(1+p1)
        v = amm.price_oracle() * (WAD - c.liquidation_discounts(user)) // (WAD + market.policy.penalty_tier1())
        assert ev.debt_to_auction <= ev.lot * v // WAD
        # the rest of the position stays in its bands, healthy again
        assert c.loan_exists(user)
        assert c.debt(user) == debt - ev.debt_repaid_from_bands - ev.debt_to_auction
        assert c.debt(user) >= market.policy.min_debt()
        assert amm.get_sum_xy(user)[1] == y - ev.lot
        assert c.health(user) >= market.policy.target_health()
        assert c.health(user, True) >= market.policy.target_health()
    else:
        # the whole position (get_sum_xy rounds each band down; the last holder's
        # withdrawal also takes the dust the dead shares kept in the band)
        assert 0 <= withdrawn.amount_collateral - y <= y // 10**12 + 2 * n_bands
        assert 0 <= withdrawn.amount_borrowed - x <= x // 10**12 + 2 * n_bands
        assert penalty == ev.debt_to_auction * market.policy.penalty_tier2() // WAD
        assert ev.debt_to_auction == debt - withdrawn.amount_borrowed
        assert not c.loan_exists(user)
        assert amm.get_sum_xy(user) == [0, 0]
    # the auction holds exactly the lot and the tab
    assert auction_id > 0
    _, _, lot, tab = a.status(auction_id)
    assert (lot, tab) == (ev.lot, ev.tab)
    # the keeper is paid tip + chip * tab from reserves, which got the penalty
    reward = market.policy.tip() + ev.tab * market.policy.chip() // WAD
    assert sc.balanceOf(keeper) - keeper_sc == reward
    assert c.reserves() == reserves + penalty - reward
    assert identity_gap(market) == 0
    return ev


def _first_unhealthy_depth(market, user, top: int, bottom: int) -> int:
    """Smallest depth (per mille of the position's price range below its top, 0..1500)
    at which health(full) < 0, by bisection."""
    lo, hi = 0, 1500  # healthy at lo, unhealthy at hi

    def unhealthy(d):
        set_price(market, top - (top - bottom) * d // 1000)
        return market.controller.health(user, True) < 0

    assert not unhealthy(lo) and unhealthy(hi)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if unhealthy(mid):
            hi = mid
        else:
            lo = mid
    return hi


# x_down over many bands is slow on py-evm: a few band counts. Tier 1 lives in a narrow
# window of oracle prices just past health 0 (deeper, the position is insolvent after
# the penalty): the oracle lands `beyond` per mille of the range past that point.
@settings(max_examples=10, **FIXTURE_OK)
@given(
    n_bands=st.sampled_from([14, 20, 26]),
    share=st.integers(85, 99),  # % of max_borrowable
    soft_bands=st.sampled_from([0, 0, 2]),  # bands converted by the arbitrageur first
    beyond=st.integers(0, 50),
)
def test_tier_follows_rule_and_tier1_restores_target(
    market, borrower, keeper, rich_arbitrageur, n_bands, share, soft_bands, beyond
):
    c, amm = market.controller, market.amm
    n1, n2 = open_loan_at(market, borrower, units(market, 10 * WAD), share / 100, n_bands)
    if soft_bands:
        set_price(market, amm.p_oracle_down(n1 + soft_bands - 1))
        boa.env.time_travel(seconds=600)
        arbitrage(market, rich_arbitrageur)
    top, bottom = amm.p_oracle_up(n1), amm.p_oracle_down(n2)
    depth = _first_unhealthy_depth(market, borrower, top, bottom) + beyond
    set_price(market, top - (top - bottom) * depth // 1000)
    assert c.health(borrower, True) < 0
    x, _ = amm.get_sum_xy(borrower)
    assume(x <= c.debt(borrower))  # x > debt: test_tier1_fully_converted_position
    ev = _liquidate_and_check(market, keeper, borrower)
    event(f"tier {ev.tier}")


def test_tier1_stablecoin_in_bands_repays_first(market, borrower, keeper, rich_arbitrageur):
    """A position in soft liquidation (both coins in its bands) that turns unhealthy:
    tier 1; the stablecoin of the liquidated share repays debt, only collateral is sold."""
    c, amm = market.controller, market.amm
    n1, n2 = open_loan_at(market, borrower, units(market, 10 * WAD), 0.99, 20)
    set_price(market, amm.p_oracle_down(n1 + 2))
    boa.env.time_travel(seconds=600)
    arbitrage(market, rich_arbitrageur)
    x, y = amm.get_sum_xy(borrower)
    assert x > 0 and y > 0
    for n in range(n1 + 3, n2 + 1):  # fall further without trades, band by band
        set_price(market, amm.p_oracle_down(n))
        if c.health(borrower, True) < 0:
            break
    assert c.health(borrower, True) < 0 and expected_fraction(market, borrower) > 0
    ev = _liquidate_and_check(market, keeper, borrower)
    assert ev.tier == 1 and ev.debt_repaid_from_bands > 0


def test_tier2_after_deep_crash(market, borrower, keeper):
    amm = market.amm
    n1, n2 = open_loan_at(market, borrower, units(market, 10 * WAD), 0.95, 20)
    set_price(market, amm.p_oracle_down(n2) * 7 // 10)
    assert expected_fraction(market, borrower) == 0  # insolvent after the penalty
    ev = _liquidate_and_check(market, keeper, borrower)
    assert ev.tier == 2 and ev.lot == units(market, 10 * WAD)


def test_tier2_when_remainder_would_be_dust(market, borrower, keeper):
    """The same position that goes tier 1 (test above) goes tier 2 once min_debt is so
    high that the tier-1 remainder would fall below it."""
    c, amm = market.controller, market.amm
    n1, n2 = open_loan_at(market, borrower, units(market, 10 * WAD), 0.99, 20)
    top, bottom = amm.p_oracle_up(n1), amm.p_oracle_down(n2)
    set_price(market, top - (top - bottom) * 60 // 100)
    assert c.health(borrower, True) < 0
    f = expected_fraction(market, borrower)
    assert f > 0
    # a remainder of (1 - f) of the debt, roughly: make it dust
    set_liquidation_params(market, min_debt=c.debt(borrower) * (WAD - f) // WAD * 11 // 10, tip=0)
    assert expected_fraction(market, borrower) == 0
    ev = _liquidate_and_check(market, keeper, borrower)
    assert ev.tier == 2


def test_tier1_fully_converted_position(market, borrower, keeper, rich_arbitrageur):
    """A position soft liquidation converted entirely to stablecoin, whose AMM losses
    left it just below health 0 though its stablecoin exceeds its debt (x > debt).
    Tier 1 applies (solvent after the penalty) and must bring the rest to target_health.

    Found: the Controller repays only min(out_x, debt * frac) and hands the rest of the
    withdrawn stablecoin to the borrower, so the remaining position keeps the same
    (negative) health: tier 1 restores nothing, and the keeper's tip is paid for a dust
    auction (a few wei of collateral)."""
    c, amm = market.controller, market.amm
    n1, n2 = open_loan_at(market, borrower, units(market, 10 * WAD), 0.99, 4)
    set_price(market, amm.p_oracle_down(n2) * 98 // 100)
    boa.env.time_travel(seconds=600)
    arbitrage(market, rich_arbitrageur)
    arbitrage(market, rich_arbitrageur)
    x, y = amm.get_sum_xy(borrower)
    debt = c.debt(borrower)
    assert x > debt and y * 10**9 < units(market, 10 * WAD)  # converted: x > debt
    assert c.health(borrower, True) < 0
    assert expected_fraction(market, borrower) > 0
    auction_id, ev, _ = liquidate(market, keeper, borrower)
    assert ev.tier == 1
    assert c.loan_exists(borrower)
    assert c.health(borrower) >= market.policy.target_health(), (
        f"tier 1 left health {c.health(borrower) / 1e18:.6f} < target {market.policy.target_health() / 1e18}; "
        f"repaid {ev.debt_repaid_from_bands} of debt {debt} though the bands held {x}"
    )

