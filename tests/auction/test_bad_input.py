"""Bad input: setters out of bounds or by non-admins, an oracle returning 0, and the
Controller/Auction hooks called by anyone else. Each a clear revert, state unchanged."""

import boa
import pytest

from .helpers import (
    EXPONENTIAL,
    LINEAR,
    STAIRSTEP,
    WAD,
    act,
    set_auction_params,
    set_liquidation_params,
    set_price,
    snapshot,
    take,
)

ZERO = "0x0000000000000000000000000000000000000000"
DAY = 86400
MAX_DURATION = 10 * 365 * DAY


def _reverts_unchanged(market, who, contract, method, args, reason, users=(), ids=()):
    before = snapshot(market, users, ids)
    with boa.reverts(reason):
        act(who, contract, method, *args)
    assert snapshot(market, users, ids) == before


# ---------------------------------------------------------------- non-admins


@pytest.mark.parametrize(
    "method, args",
    [
        ("set_curve", (STAIRSTEP, 99 * 10**16, 60)),
        ("set_params", (11 * 10**17, 3600, 5 * 10**17, 10 * WAD)),
        ("set_stopped", (1,)),
        ("set_controller", ("0x000000000000000000000000000000000000dEaD",)),
        ("set_admin", ("0x000000000000000000000000000000000000dEaD",)),
    ],
)
def test_auction_setters_admin_only(market, borrower, liquidator, method, args):
    for who in (borrower, liquidator, market.controller.address):
        _reverts_unchanged(market, who, market.auction, method, args, "Only admin")


def test_controller_set_auction_admin_only(market, borrower, liquidator):
    for who in (borrower, liquidator, market.auction.address):
        _reverts_unchanged(market, who, market.controller, "set_auction", ("0x000000000000000000000000000000000000dEaD",), "Only admin")


@pytest.mark.parametrize(
    "method, args",
    [
        ("set_liquidation_params", (10**16, 4 * 10**16, 5 * 10**16, 100 * WAD, WAD, 10**15, 10**6 * WAD)),
        ("set_controller", ("0x000000000000000000000000000000000000dEaD",)),
        ("set_admin", ("0x000000000000000000000000000000000000dEaD",)),
    ],
)
def test_policy_setters_admin_only(market, borrower, liquidator, method, args):
    for who in (borrower, liquidator, market.auction.address, market.controller.address):
        _reverts_unchanged(market, who, market.policy, method, args, "Only admin")


def test_policy_controller_set_once(market):
    _reverts_unchanged(market, market.admin, market.policy, "set_controller", ("0x000000000000000000000000000000000000dEaD",), "controller already set")


# ---------------------------------------------------------------- Auction bounds


@pytest.mark.parametrize(
    "kind, a, b, reason",
    [
        (3, 1, 0, "price_curves: unknown curve"),
        (2**255, 1, 0, "price_curves: unknown curve"),
        (LINEAR, 0, 0, "price_curves: zero tau"),
        (LINEAR, MAX_DURATION + 1, 0, "price_curves: tau too long"),
        (LINEAR, 3600, 1, "price_curves: unused param not 0"),
        (STAIRSTEP, 0, 90, "price_curves: zero cut"),
        (STAIRSTEP, WAD + 1, 90, "price_curves: cut above 1"),
        (STAIRSTEP, 99 * 10**16, 0, "price_curves: zero step"),
        (STAIRSTEP, 99 * 10**16, MAX_DURATION + 1, "price_curves: step too long"),
        (EXPONENTIAL, 0, 0, "price_curves: zero cut"),
        (EXPONENTIAL, WAD + 1, 0, "price_curves: cut above 1"),
        (EXPONENTIAL, 99 * 10**16, 1, "price_curves: unused param not 0"),
    ],
)
def test_set_curve_bounds(market, kind, a, b, reason):
    _reverts_unchanged(market, market.admin, market.auction, "set_curve", (kind, a, b), reason)


@pytest.mark.parametrize(
    "kind, a, b",
    [(LINEAR, 1, 0), (LINEAR, MAX_DURATION, 0), (STAIRSTEP, 1, 1), (STAIRSTEP, WAD, MAX_DURATION), (EXPONENTIAL, 1, 0), (EXPONENTIAL, WAD, 0)],
)
def test_set_curve_edges_accepted(market, kind, a, b):
    _, logs = act(market.admin, market.auction, "set_curve", kind, a, b)
    assert (market.auction.curve_kind(), market.auction.curve_a(), market.auction.curve_b()) == (kind, a, b)
    ev = [e for e in logs if type(e).__name__ == "SetCurve"][0]
    assert (ev.kind, ev.a, ev.b) == (kind, a, b)


@pytest.mark.parametrize(
    "field, value, reason",
    [
        ("buf", WAD - 1, "Auction: buf out of range"),
        ("buf", 2 * WAD + 1, "Auction: buf out of range"),
        ("buf", 0, "Auction: buf out of range"),
        ("tail", 59, "Auction: tail out of range"),
        ("tail", 7 * DAY + 1, "Auction: tail out of range"),
        ("cusp", WAD // 100 - 1, "Auction: cusp out of range"),
        ("cusp", 99 * WAD // 100 + 1, "Auction: cusp out of range"),
        ("chost", 10**9 * WAD + 1, "Auction: chost out of range"),
    ],
)
def test_set_params_bounds(market, field, value, reason):
    a = market.auction
    values = {"buf": a.buf(), "tail": a.tail(), "cusp": a.cusp(), "chost": a.chost()}
    values[field] = value
    args = (values["buf"], values["tail"], values["cusp"], values["chost"])
    _reverts_unchanged(market, market.admin, a, "set_params", args, reason)


@pytest.mark.parametrize(
    "field, value",
    [("buf", WAD), ("buf", 2 * WAD), ("tail", 60), ("tail", 7 * DAY), ("cusp", WAD // 100), ("cusp", 99 * WAD // 100), ("chost", 0), ("chost", 10**9 * WAD)],
)
def test_set_params_edges_accepted(market, field, value):
    set_auction_params(market, **{field: value})
    assert getattr(market.auction, field)() == value


def test_set_controller_only_once(market):
    _reverts_unchanged(market, market.admin, market.auction, "set_controller", (market.admin,), "Auction: controller already set")
    _reverts_unchanged(market, market.admin, market.auction, "set_controller", (ZERO,), "Auction: controller already set")


def test_set_stopped_bound(market):
    for level in (4, 2**256 - 1):
        _reverts_unchanged(market, market.admin, market.auction, "set_stopped", (level,), "Auction: breaker level out of range")


# ---------------------------------------------------------------- Controller bounds


def _liq_args(market, **changes):
    names = ("penalty_tier1", "penalty_tier2", "target_health", "min_debt", "tip", "chip", "max_in_auction")
    values = {n: getattr(market.policy, n)() for n in names}
    values.update(changes)
    return tuple(values[n] for n in names)


@pytest.mark.parametrize(
    "changes, reason",
    [
        ({"penalty_tier1": 0}, "tier-1 penalty out of range"),
        ({"penalty_tier1": 6 * 10**16}, "tier-1 penalty out of range"),  # == liquidation discount
        ({"penalty_tier1": 5 * 10**16, "penalty_tier2": 5 * 10**16}, "tier-2 penalty out of range"),
        ({"penalty_tier2": 2 * 10**16}, "tier-2 penalty out of range"),  # == tier 1
        ({"penalty_tier2": 3 * WAD // 10 + 1}, "tier-2 penalty out of range"),
        ({"target_health": 0}, "target health out of range"),
        ({"target_health": WAD // 2 + 1}, "target health out of range"),
        ({"min_debt": 0}, "min debt out of range"),
        ({"min_debt": 10**9 * WAD + 1}, "min debt out of range"),
        ({"chip": WAD // 10 + 1}, "chip out of range"),
        ({"tip": 2 * WAD}, "keeper reward above the penalty of a minimum-size position"),
        ({"max_in_auction": 100 * WAD - 1}, "max in auction below min debt"),
    ],
)
def test_set_liquidation_params_bounds(market, changes, reason):
    _reverts_unchanged(market, market.admin, market.policy, "set_liquidation_params", _liq_args(market, **changes), reason)


def test_set_liquidation_params_edges_accepted(market):
    c = market.controller
    ld = c.liquidation_discount()
    set_liquidation_params(market, penalty_tier1=ld - 1, penalty_tier2=3 * WAD // 10, target_health=WAD // 2, chip=0, tip=0)
    assert (market.policy.penalty_tier1(), market.policy.penalty_tier2(), market.policy.target_health()) == (ld - 1, 3 * WAD // 10, WAD // 2)
    set_liquidation_params(market, penalty_tier1=1, penalty_tier2=2, target_health=1, min_debt=10**9 * WAD, chip=0, tip=0, max_in_auction=2**256 - 1)
    assert market.policy.min_debt() == 10**9 * WAD
    _, logs = act(market.admin, market.policy, "set_liquidation_params", *_liq_args(market, max_in_auction=10**9 * WAD))
    assert market.policy.max_in_auction() == 10**9 * WAD  # == min_debt: the smallest cap
    assert [e for e in logs if type(e).__name__ == "SetLiquidationParams"][0].max_in_auction == 10**9 * WAD


def test_set_auction_only_once(market):
    _reverts_unchanged(market, market.admin, market.controller, "set_auction", (market.admin,), "auction already set")


# ---------------------------------------------------------------- oracle at zero


def test_liquidate_with_zero_oracle(market, keeper, underwater):
    set_price(market, 0)
    before = snapshot(market, [underwater[0], keeper])
    with boa.reverts() as _:
        act(keeper, market.controller, "liquidate", underwater[0])
    assert snapshot(market, [underwater[0], keeper]) == before


def test_liquidate_with_zero_oracle_reason(market, keeper, underwater):
    """The revert names the cause: the Controller refreshes the price source first and
    says so."""
    set_price(market, 0)
    with boa.reverts("oracle price is zero"):
        act(keeper, market.controller, "liquidate", underwater[0])


def test_kick_with_zero_oracle(market, underwater):
    """kick checks the oracle itself (reached here by acting as the Controller)."""
    set_price(market, 0)
    _reverts_unchanged(
        market, market.controller.address, market.auction, "kick", (underwater[0], WAD, WAD, underwater[0]),
        "Auction: oracle price is zero",
    )


def test_redo_with_zero_oracle(market, keeper, underwater, auction_id):
    boa.env.time_travel(seconds=market.auction.tail() + 1)
    set_price(market, 0)
    _reverts_unchanged(
        market, keeper, market.auction, "redo", (auction_id,), "Auction: oracle price is zero",
        users=[keeper], ids=[auction_id],
    )


def test_take_does_not_need_the_oracle(market, keeper, underwater, auction_id):
    """Takes price from the auction's own curve: an oracle outage does not stop them."""
    set_price(market, 0)
    (bought, _), _ = take(market, keeper, auction_id, WAD)
    assert bought == WAD


# ---------------------------------------------------------------- hooks


def test_book_shortfall_only_auction(market, borrower, liquidator):
    for who in (borrower, liquidator, market.admin, market.amm.address):
        _reverts_unchanged(market, who, market.controller, "book_shortfall", (WAD,), "only auction")


def test_send_collateral_only_auction(market, underwater, keeper, borrower, liquidator):
    """The lots kept in the AMM move only at the auction's word: nobody else (not even
    the admin, nor the AMM) can have the Controller send them."""
    with boa.env.prank(keeper):
        market.controller.liquidate(underwater[0])  # a live lot in the AMM
    for who in (borrower, liquidator, market.admin, market.amm.address):
        _reverts_unchanged(market, who, market.controller, "send_collateral", (who, 1), "only auction", users=[who])


def test_pay_incentive_only_auction(market, borrower, liquidator):
    for who in (borrower, liquidator, market.admin, market.amm.address):
        _reverts_unchanged(market, who, market.controller, "pay_incentive", (who, 10**6 * WAD, 10**6 * WAD), "only auction", users=[who])


def test_kick_only_controller(market, borrower, liquidator, underwater):
    for who in (borrower, liquidator, market.admin, market.amm.address):
        _reverts_unchanged(
            market, who, market.auction, "kick", (underwater[0], WAD, WAD, who), "Auction: only controller", users=[who]
        )


def test_kick_zero_lot_or_tab(market, underwater):
    for lot, tab in ((0, WAD), (WAD, 0), (0, 0)):
        _reverts_unchanged(
            market, market.controller.address, market.auction, "kick", (underwater[0], lot, tab, underwater[0]),
            "Auction: zero lot or tab",
        )


def test_hooks_from_the_auction_work(market, liquidator):
    """Control: the same hooks called by the auction house do what they say."""
    c = market.controller
    with boa.env.prank(market.auction.address):
        c.pay_incentive(liquidator, 1000 * WAD, 500 * WAD)  # a lot worth half the tab: paid
    reward = market.policy.tip()  # a redo earns the tip
    assert market.stablecoin.balanceOf(liquidator) == reward
    assert c.reserves() == 0 and c.bad_debt() == reward  # reserves were empty
    with boa.env.prank(market.auction.address):
        c.book_shortfall(5)
    assert c.bad_debt() == reward + 5
