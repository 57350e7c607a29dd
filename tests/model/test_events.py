"""Events as part of the model (issue 14): the swap, loan and auction events carry the
values the call returned and the balances moved, field by field.

Runs a fuzz `World` on titanoboa's py-evm, so every action also goes through invariant 8
(`World.attempt`: the chain's decoded logs must equal the model's events, in order). The
expectations here are computed independently of the model: from return values, balances
and the contracts' views read before and after.

Actors by role: borrower, liquidator (who liquidates, takes and redoes), arbitrageur,
keeper, admin."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from softliq.fuzz.evm import BoaFuzzEvm
from softliq.fuzz.world import World
from softliq.model.events import ZERO_ADDRESS, Event
from softliq.model.wad_math import ModelRevert
from softliq.params import SMALL_LOANS, WAD, MarketParams

MAX_PRICE = 2**255
COLLATERAL = 10 * WAD
N_BANDS = 10


@pytest.fixture(scope="module")
def world() -> World:
    """A funded market on py-evm with its model (deployed in fixture set-up)."""
    return World.deploy(MarketParams(**SMALL_LOANS), evm=BoaFuzzEvm(), model=True)


@pytest.fixture
def w(world: World) -> Iterator[World]:
    """One test's world: starts from the funded market, rolled back afterwards."""
    with world.example():
        yield world


def act(w: World, who: str, contract: Any, method: str, *args: Any) -> tuple[Any, list[Event]]:
    """Call as `who` (which must go through, with the model agreeing on its events);
    returns (result, the chain's decoded events)."""
    outcome = w.attempt(who, contract, method, *args)
    return outcome.result, w.chain_events(outcome.logs)


def only(events: list[Event], role: str, name: str) -> dict[str, Any]:
    """The fields of the only `name` event `role` logged."""
    found = [fields for r, n, fields in events if (r, n) == (role, name)]
    assert len(found) == 1, f"expected one {role}.{name}, got {found}"
    return found[0]


def open_loan(w: World, borrower: str, share: int = 90) -> tuple[int, list[Event]]:
    """`borrower` borrows `share` % of max against COLLATERAL over N_BANDS; (debt, events)."""
    c = w.market.controller
    collateral = COLLATERAL // w.precision
    w.mint_collateral(borrower, collateral)
    debt = c.max_borrowable(collateral, N_BANDS) * share // 100
    _, events = act(w, borrower, c, "create_loan", collateral, debt, N_BANDS)
    return debt, events


def underwater(w: World, borrower: str) -> None:
    """`borrower`'s loan, then the oracle falls to 90% of its top band (no trade)."""
    open_loan(w, borrower, 95)
    n1, _ = w.market.amm.read_user_tick_numbers(borrower)
    w.set_price(w.market.amm.p_oracle_up(n1) * 90 // 100)


def liquidated(w: World, borrower: str, liquidator: str) -> int:
    """`borrower` made liquidatable and liquidated by `liquidator`; the auction id."""
    underwater(w, borrower)
    auction_id, _ = act(w, liquidator, w.market.controller, "liquidate", borrower)
    assert auction_id > 0
    return auction_id


# ---------------------------------------------------------------- swap


def test_swap_logs_token_exchange_with_what_moved(w: World) -> None:
    m, arbitrageur, borrower = w.market, w.arbitrageur, w.borrowers[0]
    open_loan(w, borrower)
    n1, _ = m.amm.read_user_tick_numbers(borrower)
    w.set_price(m.amm.p_oracle_up(n1) * 97 // 100)
    stable, coll = w.balance("stablecoin", arbitrageur), w.balance("collateral", arbitrageur)
    (used, out), events = act(w, arbitrageur, m.amm, "exchange", 0, 1, 1_000 * WAD, 0)
    assert out > 0
    assert only(events, "amm", "TokenExchange") == {
        "buyer": arbitrageur, "sold_id": 0, "tokens_sold": used, "bought_id": 1, "tokens_bought": out,
    }
    assert (stable - w.balance("stablecoin", arbitrageur), w.balance("collateral", arbitrageur) - coll) == (used, out)
    assert only(events, "stablecoin", "Transfer") == {"sender": arbitrageur, "receiver": str(m.amm.address), "value": used}
    assert only(events, "collateral", "Transfer") == {"sender": str(m.amm.address), "receiver": arbitrageur, "value": out}
    assert [name for _, name, _ in events] == ["Transfer", "Transfer", "TokenExchange"]


# ---------------------------------------------------------------- loans


def test_create_loan_logs_borrow_and_user_state(w: World) -> None:
    m, borrower = w.market, w.borrowers[0]
    debt, events = open_loan(w, borrower)
    collateral = COLLATERAL // w.precision
    n1, n2 = m.amm.read_user_tick_numbers(borrower)
    assert only(events, "controller", "Borrow") == {"user": borrower, "collateral_increase": collateral, "loan_increase": debt}
    assert only(events, "controller", "UserState") == {
        "user": borrower, "collateral": collateral, "debt": debt, "n1": n1, "n2": n2,
        "liquidation_discount": m.controller.liquidation_discounts(borrower),
    }
    assert only(events, "amm", "Deposit") == {"provider": borrower, "amount": collateral, "n1": n1, "n2": n2}
    assert only(events, "stablecoin", "Transfer") == {"sender": ZERO_ADDRESS, "receiver": borrower, "value": debt}
    assert w.balance("stablecoin", borrower) == debt


def test_remove_collateral_and_repay_log_what_moved(w: World) -> None:
    m, borrower = w.market, w.borrowers[0]
    debt, _ = open_loan(w, borrower, 50)
    part = COLLATERAL // w.precision // 10
    _, events = act(w, borrower, m.controller, "remove_collateral", part)
    assert only(events, "controller", "RemoveCollateral") == {"user": borrower, "collateral_decrease": part}
    assert w.balance("collateral", borrower) == part
    state = only(events, "controller", "UserState")
    assert (state["collateral"], state["debt"]) == (COLLATERAL // w.precision - part, m.controller.debt(borrower))

    amount, owed = debt // 4, m.controller.debt(borrower)
    _, events = act(w, borrower, m.controller, "repay", amount)
    assert only(events, "controller", "Repay") == {"user": borrower, "collateral_decrease": 0, "loan_decrease": amount}
    assert only(events, "controller", "UserState")["debt"] == owed - amount
    assert w.balance("stablecoin", borrower) == debt - amount

    w.give_stablecoin(borrower, debt)  # enough for the rest
    owed, held = m.controller.debt(borrower), w.balance("collateral", borrower)
    _, events = act(w, borrower, m.controller, "repay", 2 * debt)
    returned = w.balance("collateral", borrower) - held
    assert returned == COLLATERAL // w.precision - part
    assert only(events, "controller", "Repay") == {"user": borrower, "collateral_decrease": returned, "loan_decrease": owed}
    assert only(events, "controller", "UserState") == {
        "user": borrower, "collateral": 0, "debt": 0, "n1": 0, "n2": 0, "liquidation_discount": 0,
    }


def test_liquidate_logs_liquidate_user_state_and_kick(w: World) -> None:
    m, borrower, liquidator = w.market, w.borrowers[0], w.liquidator
    underwater(w, borrower)
    debt = m.controller.debt(borrower)
    auction_id, events = act(w, liquidator, m.controller, "liquidate", borrower)
    sale = m.auction.sales(auction_id)
    lq = only(events, "controller", "Liquidate")
    assert (lq["user"], lq["keeper"], lq["auction_id"]) == (borrower, liquidator, auction_id)
    assert (lq["tab"], lq["lot"]) == (sale[2], sale[1])
    remaining = m.controller.debt(borrower) if m.controller.loan_exists(borrower) else 0
    assert lq["debt_repaid_from_bands"] + lq["debt_to_auction"] + remaining == debt
    assert lq["tier"] in (1, 2) and lq["tab"] > lq["debt_to_auction"]
    state = only(events, "controller", "UserState")
    assert (state["user"], state["debt"], state["collateral"]) == (borrower, remaining, m.controller.user_state(borrower)[0])
    assert only(events, "auction", "Kick") == {
        "id": auction_id, "user": borrower, "top": sale[3], "tab": sale[2], "lot": sale[1], "keeper": liquidator,
    }


# ---------------------------------------------------------------- auctions


def test_take_logs_take_with_what_was_paid(w: World) -> None:
    m, liquidator = w.market, w.liquidator
    auction_id = liquidated(w, w.borrowers[0], liquidator)
    _, price, lot, tab = m.auction.status(auction_id)
    stable = w.balance("stablecoin", liquidator)
    (amount, owe), events = act(w, liquidator, m.auction, "take", auction_id, lot // 4, MAX_PRICE, liquidator, b"")
    _, _, lot_left, tab_left = m.auction.status(auction_id)
    assert only(events, "auction", "Take") == {
        "id": auction_id, "keeper": liquidator, "price": price, "owe": owe, "amount": amount,
        "tab_left": tab_left, "lot_left": lot_left,
    }
    assert (tab - tab_left, lot - lot_left) == (owe, amount)
    assert stable - w.balance("stablecoin", liquidator) == owe


def test_take_that_covers_the_tab_logs_settle(w: World) -> None:
    m, borrower, liquidator = w.market, w.borrowers[0], w.liquidator
    auction_id = liquidated(w, borrower, liquidator)
    held = w.balance("collateral", borrower)
    (amount, owe), events = act(w, liquidator, m.auction, "take", auction_id, 2**128, MAX_PRICE, liquidator, b"")
    take = only(events, "auction", "Take")
    assert (take["tab_left"], take["owe"], take["amount"]) == (0, owe, amount)
    assert only(events, "auction", "Settle") == {
        "id": auction_id, "user": borrower, "collateral_returned": take["lot_left"], "shortfall": 0,
    }
    assert w.balance("collateral", borrower) - held == take["lot_left"]
    assert m.auction.status(auction_id) == (False, 0, 0, 0)


def test_redo_logs_the_new_top(w: World) -> None:
    m, keeper = w.market, w.keeper
    auction_id = liquidated(w, w.borrowers[0], w.liquidator)
    w.time_travel(m.auction.tail())
    assert m.auction.status(auction_id)[0]
    _, events = act(w, keeper, m.auction, "redo", auction_id)
    user, lot, tab, top, tic, _ = m.auction.sales(auction_id)
    assert tic == w.evm.timestamp
    assert only(events, "auction", "Redo") == {"id": auction_id, "top": top, "tab": tab, "lot": lot, "keeper": keeper}


def test_admin_setters_log_their_values(w: World) -> None:
    m, admin = w.market, w.market.admin
    _, events = act(w, admin, m.controller, "set_amm_fee", m.amm.fee() + 1)
    assert events == [("amm", "SetFee", {"fee": m.amm.fee()}), ("controller", "SetAmmFee", {"fee": m.amm.fee()})]
    _, events = act(w, admin, m.auction, "set_stopped", 1)
    assert events == [("auction", "SetStopped", {"level": 1})]


def test_a_reverted_model_action_leaves_its_event_log_as_it_was(w: World) -> None:
    assert w.model is not None
    borrower = w.borrowers[0]
    w.model.mint_collateral(borrower, 1)
    before = list(w.model.events)
    with pytest.raises(ModelRevert, match="zero debt"):
        w.model.create_loan(borrower, 1, 0, N_BANDS)
    assert w.model.events == before
    w.model.drain_events()
