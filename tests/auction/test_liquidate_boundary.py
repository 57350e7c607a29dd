"""Who may be liquidated: health(full) < 0 exactly. A user at health 0 is safe; healthy
and unknown users revert with state unchanged; users_to_liquidate agrees with health."""

import boa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from softliq.actors import open_loan_at

from .helpers import FIXTURE_OK, WAD, act, health_boundary, liquidate, set_price, snapshot, units


@pytest.mark.parametrize(
    "n_bands, share, tier",
    # at 95% of max over 10 bands the boundary fell on a band edge, where x_down's
    # curve-free valuation of the band (one coin, oracle beyond it) meets the curve's,
    # a few wei apart: health steps from -1 to 1 there; 94% lands inside a band
    [(10, 0.94, 2), (20, 0.99, 1)],
    ids=["N10-tier2", "N20-tier1"],
)
def test_health_zero_is_not_liquidatable(market, borrower, keeper, n_bands, share, tier):
    c, amm = market.controller, market.amm
    n1, n2 = open_loan_at(market, borrower, units(market, 10 * WAD), share, n_bands)
    # the oracle price where health(full) turns negative, to the wei
    p = health_boundary(market, borrower, amm.p_oracle_down(n2) // 2, amm.price_oracle())

    # at p health is exactly zero for these loans (health moves by ~4e-4 wei per wei of
    # price here, in floor steps of 1-2 wei, so 0 is hit)
    assert c.health(borrower, True) == 0
    assert borrower not in c.users_to_liquidate()
    before = snapshot(market, [borrower, keeper])
    with boa.reverts("not liquidatable"):
        act(keeper, c, "liquidate", borrower)
    assert snapshot(market, [borrower, keeper]) == before

    # one wei lower the user is liquidatable, and liquidation succeeds
    set_price(market, p - 1)
    assert c.health(borrower, True) < 0
    assert list(c.users_to_liquidate()) == [borrower]
    _, ev, _ = liquidate(market, keeper, borrower)
    assert ev.user == borrower and ev.keeper == keeper
    assert ev.tier == tier
    assert c.loan_exists(borrower) == (tier == 1)


def test_healthy_user_reverts(market, borrower, keeper):
    c = market.controller
    open_loan_at(market, borrower, units(market, 10 * WAD), 0.99, 4)
    assert c.health(borrower, True) > 0
    before = snapshot(market, [borrower, keeper])
    with boa.reverts("not liquidatable"):
        act(keeper, c, "liquidate", borrower)
    assert snapshot(market, [borrower, keeper]) == before


def test_unknown_user_reverts(market, borrowers, keeper):
    before = snapshot(market, [borrowers[5], keeper])
    with boa.reverts("no loan"):
        act(keeper, market.controller, "liquidate", borrowers[5])
    with boa.reverts("no loan"):
        act(keeper, market.controller, "liquidate", "0x0000000000000000000000000000000000000000")
    assert snapshot(market, [borrowers[5], keeper]) == before


def test_closed_loan_cannot_be_liquidated_again(market, keeper, underwater):
    user = underwater[0]
    _, ev, _ = liquidate(market, keeper, user)
    assert ev.tier == 2 and not market.controller.loan_exists(user)
    with boa.reverts("no loan"):
        act(keeper, market.controller, "liquidate", user)


def test_self_liquidation_is_allowed(market, underwater):
    """Anyone may liquidate, the borrower too (and earns the keeper reward)."""
    user = underwater[1]
    before = market.stablecoin.balanceOf(user)
    _, ev, _ = liquidate(market, user, user)
    c = market.controller
    assert market.stablecoin.balanceOf(user) - before == market.policy.tip() + ev.tab * market.policy.chip() // WAD


@settings(max_examples=5, **FIXTURE_OK)
@given(drops=st.lists(st.integers(80, 100), min_size=3, max_size=3))
def test_users_to_liquidate_matches_health(market, borrowers, liquidator, drops):
    """users_to_liquidate lists exactly the loans with health(full) < 0, in loan order,
    and each of them can be liquidated."""
    c, amm = market.controller, market.amm
    users = borrowers[:4]
    for u, n in zip(users, (4, 6, 8, 10)):
        open_loan_at(market, u, units(market, 10 * WAD), 0.97, n)
    n1 = min(amm.read_user_tick_numbers(u)[0] for u in users)
    top = amm.p_oracle_up(n1)
    for d in drops:  # several oracle moves: the view follows the latest
        set_price(market, top * d // 100)
        listed = list(c.users_to_liquidate())
        expected = [c.loans(i) for i in range(c.n_loans()) if c.health(c.loans(i), True) < 0]
        assert listed == expected
        # offset and limit window the same list
        assert list(c.users_to_liquidate(1, 2)) == [
            u for u in (c.loans(1), c.loans(2)) if c.health(u, True) < 0
        ]
    for u in listed:
        liquidate(market, liquidator, u)
    assert list(c.users_to_liquidate()) == []
