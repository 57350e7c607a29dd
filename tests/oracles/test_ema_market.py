"""The EmaOracle in a market (MarketParams(ema_time=600) through softliq.deploy_boa): one
block's print at the source cannot make a healthy loan liquidatable; Controller.liquidate,
Auction.kick and Auction.redo refresh the oracle (price_w) before they read it; the model
(softliq.model) mirrors those writes to the wei.

Actors by role (tests/conftest.py): `admin` moves the source, `borrower` holds the loan,
`liquidator` liquidates, redoes and takes (and, as the manipulator, records the print)."""

import boa
import pytest

from softliq import MarketParams, deploy_boa
from softliq.actors import collateral_units, fund_stablecoin, open_loan_at
from softliq.arbitrage import find_arbitrage
from softliq.model.chain import Twin, model_for
from softliq.params import WAD
from softliq.model.auction import stored_top

EMA_TIME = 600
BLOCK = 12
HOUR = 3600
MAX_UINT = 2**256 - 1


@pytest.fixture(scope="module")
def deployed(admin):
    """(market whose AMM and auctions read a 600 s EmaOracle, its model at deployment)."""
    market = deploy_boa(MarketParams(ema_time=EMA_TIME), admin=admin)
    return market, model_for(market)


@pytest.fixture
def market(deployed):
    return deployed[0]


@pytest.fixture
def loan(market, borrower):
    """`borrower` borrows 95% of max against 10 collateral over 10 bands; an hour passes
    without any write to the oracle."""
    open_loan_at(market, borrower, collateral_units(market, 10 * WAD), 0.95, 10)
    boa.env.time_travel(seconds=HOUR)
    assert market.controller.health(borrower, True) > 0
    return borrower


@pytest.fixture
def keeper(market, liquidator):
    """`liquidator` with stablecoin to take (a loan far below the oracle), approved."""
    fund_stablecoin(market, liquidator, 100_000 * WAD)
    with boa.env.prank(liquidator):
        market.stablecoin.approve(market.auction.address, MAX_UINT)
    return liquidator


def _set_source(market, price):
    with boa.env.prank(market.admin):
        market.oracle.set_price(price)


def _liquidate(market, keeper, user):
    with boa.env.prank(keeper):
        return market.controller.liquidate(user)


def _ema_state(market):
    ema = market.price_source
    return ema.last_price(), ema.last_source(), ema.last_timestamp()


def _snapshot(market, users):
    """What a refused liquidation must leave unchanged."""
    c, a, st, col = market.controller, market.auction, market.stablecoin, market.collateral
    state = [
        c.n_loans(), c.total_debt(), c.reserves(), c.bad_debt(), a.kicks(), a.total_tab(),
        st.totalSupply(), _ema_state(market), market.amm.active_band(),
    ]
    for u in users:
        state.append((c.loan_exists(u), tuple(c.user_state(u)), c.debt(u), st.balanceOf(u), col.balanceOf(u)))
    return state


def _crash_for_good(market, price):
    """The source falls to `price` for good: a write records it, a block later a write
    starts following it, and an hour later (no writes) the average has followed."""
    _set_source(market, price)
    market.price_source.price_w()
    boa.env.time_travel(seconds=BLOCK)
    market.price_source.price_w()
    boa.env.time_travel(seconds=HOUR)


# ---------------------------------------------------------------- one block's print


@pytest.mark.parametrize("recorded", [True, False], ids=["print-recorded", "print-not-recorded"])
def test_one_block_print_cannot_make_a_healthy_loan_liquidatable(market, loan, liquidator, recorded):
    honest = market.oracle.price()
    assert market.price_source.price() == honest
    _set_source(market, honest * 6 // 10)  # -40% for one block
    if recorded:
        with boa.env.prank(liquidator):
            market.price_source.price_w()  # the manipulator records the print first
        assert market.price_source.last_source() == honest * 6 // 10
    assert market.amm.price_oracle() == honest
    before = _snapshot(market, [loan, liquidator])
    with boa.reverts("not liquidatable"):
        _liquidate(market, liquidator, loan)
    assert _snapshot(market, [loan, liquidator]) == before

    # the next block the source is honest again
    boa.env.time_travel(seconds=BLOCK)
    _set_source(market, honest)
    assert market.amm.price_oracle() == honest
    before = _snapshot(market, [loan, liquidator])
    with boa.reverts("not liquidatable"):
        _liquidate(market, liquidator, loan)
    assert _snapshot(market, [loan, liquidator]) == before
    assert market.controller.health(loan, True) > 0


def test_the_same_drop_for_good_makes_it_liquidatable(market, loan, keeper):
    """Contrast: the -40% that one block cannot use is followed once it persists."""
    _crash_for_good(market, market.oracle.price() * 6 // 10)
    assert market.controller.health(loan, True) < 0
    assert _liquidate(market, keeper, loan) > 0


# ---------------------------------------------------------------- refresh before read


def test_liquidate_and_kick_refresh_the_oracle(market, loan, keeper):
    _crash_for_good(market, market.oracle.price() * 6 // 10)
    ema = market.price_source
    stale = ema.last_timestamp()
    now = boa.env.timestamp
    assert stale < now
    view = ema.price()
    auction_id = _liquidate(market, keeper, loan)
    assert auction_id > 0  # the Controller kicked an auction
    assert ema.last_timestamp() == now
    assert ema.last_price() == view and ema.last_source() == market.oracle.price()
    assert market.auction.sales(auction_id).top == stored_top(view * market.auction.buf() // WAD)


def _sweep(market, borrower, arbitrageur, swap):
    """The arbitrageur converts the bands at the oracle price (`swap(i, amount)`), then
    buys the dust: `borrower`'s position holds stablecoin only."""
    for _ in range(5):
        arb = find_arbitrage(market.amm, market.amm.price_oracle(), market.stablecoin.balanceOf(arbitrageur), market.collateral.balanceOf(arbitrageur))
        if arb is None:
            break
        swap(arb.i, arb.amount)
    swap(0, 10_000 * WAD)
    assert market.amm.get_sum_xy(borrower)[1] == 0


def _convert_fully(market, borrower, arbitrageur, swap):
    """`borrower` borrows 99% of max over 4 bands; the source falls for good to 90% of
    the bottom band; the arbitrageur converts the bands to stablecoin (the trades
    `swap(i, amount)`) and sweeps the dust: the position holds stablecoin only, less than
    its debt is worth after the discount. A minute later nobody has written the oracle."""
    _n1, n2 = open_loan_at(market, borrower, collateral_units(market, 10 * WAD), 0.99, 4)
    boa.env.time_travel(seconds=HOUR)
    _crash_for_good(market, market.amm.p_oracle_down(n2) * 90 // 100)
    _sweep(market, borrower, arbitrageur, swap)
    assert market.controller.health(borrower, True) < 0
    boa.env.time_travel(seconds=60)


def test_liquidate_refreshes_the_oracle_without_a_kick(market, borrower, arbitrageur, liquidator):
    """A liquidation that starts no auction (no collateral left): the Controller's own
    price_w() is what refreshes the oracle."""
    fund_stablecoin(market, arbitrageur, 1_000_000 * WAD)

    def swap(i, amount):
        with boa.env.prank(arbitrageur):
            market.amm.exchange(i, 1 - i, amount, 0)

    _convert_fully(market, borrower, arbitrageur, swap)
    ema = market.price_source
    assert ema.last_timestamp() < boa.env.timestamp
    kicks = market.auction.kicks()
    assert _liquidate(market, liquidator, borrower) == 0
    assert market.auction.kicks() == kicks
    assert ema.last_timestamp() == boa.env.timestamp


def test_kick_refreshes_the_oracle_by_itself(market, borrower):
    """Auction.kick writes the oracle even when its caller did not (called here as the
    Controller, whose only caller it is)."""
    boa.env.time_travel(seconds=HOUR)
    ema = market.price_source
    assert ema.last_timestamp() < boa.env.timestamp
    with boa.env.prank(market.controller.address):
        auction_id = market.auction.kick(borrower, 1, WAD, borrower)
    assert ema.last_timestamp() == boa.env.timestamp
    assert market.auction.sales(auction_id).top == stored_top(ema.last_price() * market.auction.buf() // WAD)


def test_redo_refreshes_the_oracle(market, loan, keeper):
    _crash_for_good(market, market.oracle.price() * 6 // 10)
    auction_id = _liquidate(market, keeper, loan)
    boa.env.time_travel(seconds=market.auction.tail() + 1)
    ema = market.price_source
    assert ema.last_timestamp() < boa.env.timestamp
    view = ema.price()
    with boa.env.prank(keeper):
        market.auction.redo(auction_id)
    assert ema.last_timestamp() == boa.env.timestamp
    assert ema.last_price() == view
    assert market.auction.sales(auction_id).top == stored_top(view * market.auction.buf() // WAD)


# ---------------------------------------------------------------- the model, to the wei


def test_model_mirrors_the_oracle_writes(deployed, borrower, liquidator):
    """Chain and model in lock-step through a print, refused liquidations, a drop for
    good, a liquidation, takes and a redo: every action and every view agree, the
    EmaOracle's stored state included (Twin compares it when params.ema_time)."""
    market, model = deployed
    twin = Twin(market, model.copy())
    honest = market.oracle.price()
    coll = collateral_units(market, 10 * WAD)
    twin.fund_collateral(borrower, coll)
    assert twin.create_loan(borrower, coll, market.controller.max_borrowable(coll, 10) * 95 // 100, 10).reverted is None
    twin.fund_stablecoin(liquidator, 100_000 * WAD)
    twin.approve_auction(liquidator)
    twin.check()

    twin.time_travel(HOUR)
    twin.set_price(honest * 6 // 10)
    assert twin.liquidate(liquidator, borrower).reverted == "not liquidatable"
    twin.exchange(liquidator, 0, 10 * WAD)  # a swap writes the oracle: the print is recorded
    twin.check()
    twin.time_travel(BLOCK)
    twin.set_price(honest)
    assert twin.liquidate(liquidator, borrower).reverted == "not liquidatable"
    twin.check()

    twin.time_travel(HOUR)
    twin.set_price(honest * 6 // 10)
    twin.exchange(liquidator, 0, 10 * WAD)
    twin.time_travel(BLOCK)
    twin.exchange(liquidator, 0, 10 * WAD)
    twin.time_travel(HOUR)
    auction_id = twin.liquidate(liquidator, borrower).value
    assert auction_id > 0
    twin.check()
    twin.time_travel(60)
    twin.take(liquidator, auction_id, coll // 10)
    twin.check()
    twin.time_travel(market.auction.tail() + 1)
    twin.set_price(honest * 5 // 10)
    assert twin.redo(liquidator, auction_id).reverted is None
    twin.check()
    twin.time_travel(HOUR)
    twin.take(liquidator, auction_id, coll)
    twin.check()


def test_model_mirrors_the_controllers_own_write(deployed, borrower, arbitrageur, liquidator):
    """The liquidation without a kick, in lock-step: only the Controller writes the
    oracle in that block, and the model must too."""
    market, model = deployed
    twin = Twin(market, model.copy())
    twin.fund_stablecoin(arbitrageur, 1_000_000 * WAD)
    coll = collateral_units(market, 10 * WAD)
    twin.fund_collateral(borrower, coll)
    assert twin.create_loan(borrower, coll, market.controller.max_borrowable(coll, 4) * 99 // 100, 4).reverted is None
    twin.time_travel(HOUR)
    twin.check()

    def swap(i, amount):
        assert twin.exchange(arbitrageur, i, amount).reverted is None

    n2 = market.amm.read_user_tick_numbers(borrower)[1]
    twin.set_price(market.amm.p_oracle_down(n2) * 90 // 100)
    swap(0, WAD)  # a swap writes the oracle: the drop is recorded
    twin.time_travel(BLOCK)
    swap(0, WAD)
    twin.time_travel(HOUR)
    _sweep(market, borrower, arbitrageur, swap)
    twin.time_travel(60)
    twin.check()
    assert twin.liquidate(liquidator, borrower).value == 0
    assert market.price_source.last_timestamp() == boa.env.timestamp
    twin.check()
