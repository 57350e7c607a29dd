"""Breaker levels: 0 none, 1 no new liquidations (kick), 2 also no redo, 3 also no take.
Each level blocks exactly its functions, with its reason and no state change, and
nothing else: borrowers, traders, views and the admin keep working."""

import boa
import pytest

from softliq.actors import fund_collateral

from .helpers import WAD, act, identity_gap, snapshot, take, units

# function -> lowest level that blocks it, and its reason
BLOCKED_FROM = {
    "liquidate": (1, "Auction: liquidations stopped"),
    "redo": (2, "Auction: redo stopped"),
    "take": (3, "Auction: takes stopped"),
}


@pytest.fixture
def breaker_scene(market, keeper, underwater):
    """A stale auction (redo due), a fresh one (takeable) and a liquidatable user."""
    c, a = market.controller, market.auction
    with boa.env.prank(keeper):
        stale = c.liquidate(underwater[0])
    boa.env.time_travel(seconds=a.tail() + 1)
    with boa.env.prank(keeper):
        fresh = c.liquidate(underwater[1])
    assert a.status(stale)[0] and not a.status(fresh)[0]
    assert underwater[2] in c.users_to_liquidate()
    return {"stale": stale, "fresh": fresh, "user": underwater[2]}


def _call(market, keeper, scene, fn):
    if fn == "liquidate":
        return act(keeper, market.controller, "liquidate", scene["user"])
    if fn == "redo":
        return act(keeper, market.auction, "redo", scene["stale"])
    return take(market, keeper, scene["fresh"], WAD)


def _set_level(market, level):
    with boa.env.prank(market.admin):
        market.auction.set_stopped(level)
    assert market.auction.stopped() == level


@pytest.mark.parametrize("level", [0, 1, 2, 3])
@pytest.mark.parametrize("fn", ["liquidate", "redo", "take"])
def test_breaker_blocks_exactly_its_functions(market, keeper, breaker_scene, level, fn):
    _set_level(market, level)
    lowest, reason = BLOCKED_FROM[fn]
    ids = [breaker_scene["stale"], breaker_scene["fresh"]]
    if level >= lowest:
        before = snapshot(market, [keeper, breaker_scene["user"]], ids)
        with boa.reverts(reason):
            _call(market, keeper, breaker_scene, fn)
        assert snapshot(market, [keeper, breaker_scene["user"]], ids) == before
    else:
        _call(market, keeper, breaker_scene, fn)
        assert identity_gap(market) == 0


@pytest.mark.parametrize("level", [1, 2, 3])
def test_breaker_leaves_everything_else_working(market, keeper, borrowers, rich_arbitrageur, breaker_scene, level):
    c, amm, a = market.controller, market.amm, market.auction
    _set_level(market, level)
    # views
    assert a.status(breaker_scene["fresh"])[3] > 0
    assert set(a.active_ids()) == {breaker_scene["stale"], breaker_scene["fresh"]}
    assert breaker_scene["user"] in c.users_to_liquidate()
    assert c.health(breaker_scene["user"], True) < 0
    # a borrower opens, repays and closes a loan
    newcomer = borrowers[7]
    collateral = units(market, 10 * WAD)
    fund_collateral(market, newcomer, collateral)
    with boa.env.prank(newcomer):
        c.create_loan(collateral, 1000 * WAD, 10)
        c.repay(100 * WAD)
        c.repay(2**255)
    assert not c.loan_exists(newcomer)
    # the unhealthy borrower may still save itself by repaying
    user = breaker_scene["user"]
    with boa.env.prank(user):
        market.stablecoin.approve(c.address, 2**256 - 1)
    debt = c.debt(user)
    with boa.env.prank(rich_arbitrageur):
        market.stablecoin.transfer(user, debt)
    with boa.env.prank(user):
        c.repay(debt)
    assert not c.loan_exists(user)
    # traders still trade
    with boa.env.prank(rich_arbitrageur):
        amm.exchange(0, 1, 100 * WAD, 0)
    # the admin still administers, and lifts the breaker
    with boa.env.prank(market.admin):
        a.set_params(a.buf(), a.tail(), a.cusp(), a.chost())
        market.policy.set_liquidation_params(
            market.policy.penalty_tier1(), market.policy.penalty_tier2(), market.policy.target_health(), market.policy.min_debt(), market.policy.tip(), market.policy.chip(), market.policy.max_in_auction()
        )
    _set_level(market, 0)
    for fn in ("redo", "take"):
        _call(market, keeper, breaker_scene, fn)
    assert identity_gap(market) == 0


def test_breaker_level_out_of_range(market):
    before = snapshot(market)
    with boa.reverts("Auction: breaker level out of range"):
        with boa.env.prank(market.admin):
            market.auction.set_stopped(4)
    assert snapshot(market) == before


def test_set_stopped_logs(market):
    a = market.auction
    _, logs = act(market.admin, a, "set_stopped", 2)
    ev = [e for e in logs if type(e).__name__ == "SetStopped"]
    assert len(ev) == 1 and ev[0].level == 2
