"""Flash liquidation and re-entrancy.

take() sends the collateral first and, with non-empty data, calls receiver.on_take(
caller, owe, amount, data) before pulling the payment: a taker with no stablecoin can
sell the lot through the AMM inside the callback and repay. Every entry point of the
auction house (take, redo, kick via Controller.liquidate) shares one lock, so re-entry
from the callback reverts."""

import boa
import pytest

from softliq.actors import open_loan_at

from .helpers import (
    WAD,
    arbitrage,
    collateral_holders,
    identity_gap,
    liquidate,
    set_price,
    snapshot,
    stablecoin_holders,
    units,
)

MODE_TAKE, MODE_REDO, MODE_LIQUIDATE, MODE_LIQUIDATE_MANY, MODE_SEND_COLLATERAL = 1, 2, 3, 4, 5
LOCKED_MODES = {"take": MODE_TAKE, "redo": MODE_REDO, "liquidate": MODE_LIQUIDATE, "liquidate_many": MODE_LIQUIDATE_MANY}


@pytest.fixture
def flash_scene(market, borrowers, keeper, rich_arbitrageur):
    """Three borrowers whose upper bands soft liquidation converted to stablecoin (the
    AMM now buys collateral back), and a fourth, opened below them, liquidated with
    nothing converted: its auction sells 10 collateral."""
    amm = market.amm
    lps, target = borrowers[:3], borrowers[3]
    for lp in lps:
        open_loan_at(market, lp, units(market, 30 * WAD), 0.95, 10)
    n1, _ = amm.read_user_tick_numbers(lps[0])
    set_price(market, amm.p_oracle_down(n1 + 3))
    boa.env.time_travel(seconds=600)
    arbitrage(market, rich_arbitrageur)
    assert amm.get_sum_xy(lps[0])[0] > 0
    t1, _ = open_loan_at(market, target, units(market, 10 * WAD), 0.99, 10)
    set_price(market, amm.p_oracle_up(t1) * 85 // 100)
    auction_id, ev, _ = liquidate(market, keeper, target)
    assert ev.tier == 2 and ev.lot == units(market, 10 * WAD)
    return auction_id, target


def test_flash_liquidation_through_the_amm(
    market, borrowers, keeper, rich_arbitrageur, flash_taker_deployer, flash_scene
):
    a, amm, sc, col = market.auction, market.amm, market.stablecoin, market.collateral
    auction_id, target = flash_scene
    with boa.env.prank(keeper):
        taker = flash_taker_deployer.deploy(a.address, amm.address, sc.address, col.address)
    assert sc.balanceOf(taker.address) == 0 and col.balanceOf(taker.address) == 0
    wallets = [*borrowers[:4], keeper, rich_arbitrageur, taker.address]
    col_total, sc_total = collateral_holders(market, wallets), stablecoin_holders(market, wallets)

    # wait until selling the lot to the AMM pays more than the auction asks
    for _ in range(60):
        needs_redo, price, lot, tab = a.status(auction_id)
        assert not needs_redo
        cost = min(-(-lot * price // WAD), tab)
        if amm.get_dy(1, 0, lot) > cost:
            break
        boa.env.time_travel(seconds=90)
    else:
        pytest.fail("the auction never got below the AMM's bid")

    keeper_sc = sc.balanceOf(keeper)
    supply = sc.totalSupply()
    with boa.env.prank(keeper):
        bought, paid = taker.flash(auction_id, lot, price)

    # the callback saw the collateral already delivered and no stablecoin yet
    assert taker.cb_sender() == taker.address
    assert (taker.cb_owe(), taker.cb_lot()) == (paid, bought)
    assert taker.cb_collateral_held() == bought and taker.cb_stable_held() == 0
    assert taker.cb_sold() == bought  # the AMM absorbed all of it
    # the auction was repaid in full from the sale; the keeper keeps the profit
    profit = taker.cb_proceeds() - paid
    assert profit > 0
    assert sc.balanceOf(keeper) == keeper_sc + profit
    assert sc.balanceOf(taker.address) == 0 and col.balanceOf(taker.address) == 0
    assert sc.totalSupply() == supply - paid
    assert (bought, paid) == (lot, cost)
    assert auction_id not in a.active_ids()
    # nothing created or lost
    assert collateral_holders(market, wallets) == col_total
    assert stablecoin_holders(market, wallets) == sc_total - paid
    assert identity_gap(market) == 0


def test_flash_taker_that_cannot_repay_reverts_whole_take(
    market, keeper, flash_taker_deployer, flash_scene
):
    """Right after the kick the auction asks more than the AMM pays: the callback's swap
    (min_out = owe) fails and nothing happens."""
    a, amm, sc, col = market.auction, market.amm, market.stablecoin, market.collateral
    auction_id, target = flash_scene
    with boa.env.prank(keeper):
        taker = flash_taker_deployer.deploy(a.address, amm.address, sc.address, col.address)
    _, price, lot, _ = a.status(auction_id)
    before = snapshot(market, [keeper, target], [auction_id])
    with boa.reverts("AMM: slippage"):
        with boa.env.prank(keeper):
            taker.flash(auction_id, lot, price)
    assert snapshot(market, [keeper, target], [auction_id]) == before


@pytest.fixture
def reentry_scene(market, keeper, underwater, reentrant_taker_deployer):
    """A stale auction (redo due), a fresh one, a liquidatable user, and a ReentrantTaker
    holding stablecoin."""
    c, a = market.controller, market.auction
    with boa.env.prank(keeper):
        stale = c.liquidate(underwater[0])
    boa.env.time_travel(seconds=a.tail() + 1)
    with boa.env.prank(keeper):
        fresh = c.liquidate(underwater[1])
        taker = reentrant_taker_deployer.deploy(a.address, c.address, market.stablecoin.address)
        market.stablecoin.transfer(taker.address, 50_000 * WAD)
    return {"stale": stale, "fresh": fresh, "user": underwater[2], "taker": taker}


def _target(scene, mode):
    return {MODE_TAKE: scene["fresh"], MODE_REDO: scene["stale"]}.get(mode, 0)


@pytest.mark.parametrize("mode", LOCKED_MODES.values(), ids=LOCKED_MODES.keys())
def test_reentry_from_callback_fails(market, keeper, reentry_scene, mode):
    """Recording mode: the inner call fails (an empty revert: the lock), the outer take
    completes; right after, the same call from outside succeeds."""
    a, c = market.auction, market.controller
    taker = reentry_scene["taker"]
    with boa.env.prank(keeper):
        bought, paid = taker.attack(
            reentry_scene["fresh"], WAD, mode, _target(reentry_scene, mode), reentry_scene["user"], False
        )
    assert bought == WAD and paid > 0
    assert taker.attempted() and not taker.inner_success()
    assert taker.inner_revert_data() == b""  # no reason string: the re-entrancy lock
    assert identity_gap(market) == 0
    # the same call outside the callback works
    with boa.env.prank(keeper):
        if mode == MODE_TAKE:
            a.take(reentry_scene["fresh"], 1, 2**255, keeper, b"")
        elif mode == MODE_REDO:
            a.redo(reentry_scene["stale"])
        elif mode == MODE_LIQUIDATE:
            c.liquidate(reentry_scene["user"])
        else:
            assert c.liquidate_many([reentry_scene["user"]])[0] > 0


def test_callback_cannot_move_lot_collateral(market, keeper, reentry_scene):
    """A taker's callback asking the Controller to send it more of the AMM's collateral
    is refused ("only auction"); the take itself completes and pays for what it got."""
    taker = reentry_scene["taker"]
    col = market.collateral
    with boa.env.prank(keeper):
        bought, paid = taker.attack(reentry_scene["fresh"], WAD, MODE_SEND_COLLATERAL, 0, reentry_scene["user"], False)
    assert taker.attempted() and not taker.inner_success()
    assert b"only auction" in taker.inner_revert_data()
    assert col.balanceOf(taker.address) == bought == WAD and paid > 0
    assert identity_gap(market) == 0


@pytest.mark.parametrize("mode", LOCKED_MODES.values(), ids=LOCKED_MODES.keys())
def test_reentry_reverts_the_whole_take(market, keeper, reentry_scene, mode):
    """Strict mode: the inner revert bubbles up and the take leaves no trace."""
    taker = reentry_scene["taker"]
    ids = [reentry_scene["stale"], reentry_scene["fresh"]]
    users = [keeper, reentry_scene["user"], taker.address]
    before = snapshot(market, users, ids)
    with boa.reverts():
        with boa.env.prank(keeper):
            taker.attack(reentry_scene["fresh"], WAD, mode, _target(reentry_scene, mode), reentry_scene["user"], True)
    assert snapshot(market, users, ids) == before
    assert not taker.attempted()
