"""Keepers on their own: the arbitrageur closes the gap to the market profitably, the
liquidator liquidates exactly the unhealthy loans, and latency delays sending."""

import pytest

from softliq.chain import BoaChain, deploy_boa_cached, fund_stablecoin
from softliq.keepers import Arbitrageur, KeeperRunner, Liquidator
from softliq.params import liquidation_gas

WAD = 10**18


@pytest.fixture
def chain():
    return BoaChain(deploy_boa_cached())


def open_loan(chain, share_pct: int, n_bands: int = 6, collateral: int = 10 * WAD) -> str:
    m = chain.market
    borrower = chain.new_account("borrower")
    chain.fund_collateral(borrower, collateral)
    debt = m.controller.max_borrowable(collateral, n_bands) * share_pct // 100
    chain.transact(borrower, m.controller, "create_loan", collateral, debt, n_bands)
    return borrower


def market_in_a_loans_bands(chain) -> int:
    """A loan at 99% of max over 6 bands, then the market (and oracle) moved into its
    bands, past the AMM's oracle-move fee window: the AMM is off the market. Returns
    the market price."""
    m = chain.market
    n1, _ = m.amm.read_user_tick_numbers(open_loan(chain, 99))
    market = m.amm.p_oracle_down(n1 + 1)
    chain.set_market_price(market)
    chain.sleep(24)
    return market


def test_arbitrageur_trades_toward_market(chain):
    m = chain.market
    market = market_in_a_loans_bands(chain)
    arbitrageur = Arbitrageur(chain.new_account("arbitrageur"))
    fund_stablecoin(chain, arbitrageur.address, 100_000 * WAD)
    gap = abs(m.amm.get_p() - market)
    runner = KeeperRunner(chain, [arbitrageur])
    assert runner.plan(market) == 1
    [outcome] = runner.run_due(market)
    assert outcome.ok and outcome.action.kind == "swap"
    assert abs(m.amm.get_p() - market) < gap // 10
    assert arbitrageur.stats.profit == outcome.profit > 0
    assert arbitrageur.step(chain, market) == []  # nothing left worth its gas


def test_liquidator_and_latency(chain):
    m = chain.market
    risky, safe = open_loan(chain, 99, 4), open_loan(chain, 50, 20)
    n1, _ = m.amm.read_user_tick_numbers(risky)
    chain.set_market_price(m.amm.p_oracle_up(n1) * 80 // 100)
    assert m.controller.health(risky, True) < 0 <= m.controller.health(safe, True)
    liquidator = Liquidator(chain.new_account("liquidator"), latency_blocks=3)
    runner = KeeperRunner(chain, [liquidator])
    assert runner.plan(m.oracle.price()) == 1
    assert runner.plan(m.oracle.price()) == 0  # already pending: not planned twice
    assert runner.run_due(m.oracle.price()) == []  # not due before 3 blocks
    block = chain.block_number()
    [outcome] = runner.advance(10 * 12, m.oracle.price())
    assert outcome.block == block + 3 and outcome.ok
    [event] = [e for e in outcome.events if e.name == "Liquidate"]
    assert event.user.lower() == risky.lower()
    assert liquidator.stats.by_kind == {"liquidate": 1}
    assert m.controller.users_to_liquidate(0, 50) == []


def test_liquidator_batches_everyone_it_finds(chain):
    """Two unhealthy loans: one liquidate_many transaction liquidates both (one event each);
    a healthy loan in between is left alone; nothing is planned twice while pending."""
    m = chain.market
    risky = [open_loan(chain, 99, 4), open_loan(chain, 98, 4)]
    safe = open_loan(chain, 50, 20)
    n1 = min(m.amm.read_user_tick_numbers(u)[0] for u in risky)
    chain.set_market_price(m.amm.p_oracle_up(n1) * 80 // 100)
    assert all(m.controller.health(u, True) < 0 for u in risky) and m.controller.health(safe, True) >= 0
    liquidator = Liquidator(chain.new_account("liquidator"))
    runner = KeeperRunner(chain, [liquidator])
    assert runner.plan(m.oracle.price()) == 1  # one transaction for both
    assert runner.plan(m.oracle.price()) == 0
    [outcome] = runner.run_due(m.oracle.price())
    assert outcome.ok and outcome.action.method == "liquidate_many"
    assert sorted(e.user.lower() for e in outcome.events if e.name == "Liquidate") == sorted(u.lower() for u in risky)
    assert m.controller.users_to_liquidate(0, 50) == [] and m.controller.loan_exists(safe)


def test_a_profit_only_liquidator_leaves_loans_whose_reward_cannot_pay_its_gas(chain):
    """With only_profitable, a loan whose expected reward (tip + chip * tab) is below the
    gas of liquidating it is left out of the batch; without it, every unhealthy loan is in."""
    m = chain.market
    small, large = open_loan(chain, 99, 4, 2 * WAD), open_loan(chain, 99, 4, 20 * WAD)
    n1 = min(m.amm.read_user_tick_numbers(u)[0] for u in (small, large))
    chain.set_market_price(m.amm.p_oracle_up(n1) * 80 // 100)
    price = m.oracle.price()
    assert all(m.controller.health(u, True) < 0 for u in (small, large))
    probe = Liquidator(chain.new_account("probe"))
    rewards = [probe.expected_reward(chain, u) for u in (small, large)]
    assert rewards[0] < rewards[1]
    # the gas price at which the mean of the two rewards pays exactly the gas
    gas = probe.expected_gas(chain, small)
    assert gas == probe.expected_gas(chain, large) == liquidation_gas(4)  # both over 4 bands
    gas_price = (rewards[0] + rewards[1]) // 2 * WAD // (gas * price)
    picky = Liquidator(chain.new_account("liquidator"), gas_price=gas_price, only_profitable=True)
    [action] = picky.step(chain, price)
    assert action.method == "liquidate" and [a.lower() for a in action.args] == [large.lower()]
    assert action.expected_profit == rewards[1] - picky.gas_cost(gas, price) > 0
    eager = Liquidator(chain.new_account("liquidator"), gas_price=gas_price)
    [action] = eager.step(chain, price)
    assert action.method == "liquidate_many" and sorted(u.lower() for u in action.args[0]) == sorted(u.lower() for u in (small, large))


def test_an_arbitrageur_with_a_margin_wants_that_edge(chain):
    """An arbitrageur asking for an edge (its `margin`, here the slippage bound of a trade
    an hour late) leaves a gap alone that the default one (margin 0) takes."""
    from softliq.keepers.arbitrageur import default_slippage

    m = chain.market
    market = market_in_a_loans_bands(chain)
    margin = default_slippage(300)
    on_time, late = Arbitrageur(chain.new_account("arbitrageur")), Arbitrageur(chain.new_account("late"), margin=margin)
    for keeper in (on_time, late):
        fund_stablecoin(chain, keeper.address, 100_000 * WAD)
    assert on_time.margin == 0
    assert abs(m.amm.get_p() - market) * WAD < late.margin * market  # the gap is inside the late one's margin
    assert [a.kind for a in on_time.step(chain, market)] == ["swap"]
    assert late.step(chain, market) == []


def test_a_late_arbitrage_never_fills_at_a_loss_at_its_decision_price(chain):
    """A trade planned at one price and front-run before it lands: its output bound is the
    break-even output at the decision price (input and gas covered), tighter than the
    slippage bound, so the trade reverts and costs only its gas instead of filling short."""
    from softliq.keepers.base import gas_cost

    m = chain.market
    market = market_in_a_loans_bands(chain)
    late = Arbitrageur(chain.new_account("arbitrageur"), latency_blocks=300)
    rival = Arbitrageur(chain.new_account("rival"))
    for keeper in (late, rival):
        fund_stablecoin(chain, keeper.address, 100_000 * WAD)
    runner = KeeperRunner(chain, [late])
    assert runner.plan(market) == 1
    [queued] = [q.action for q in runner._queue]
    i, _, amount, min_out = queued.args
    trade = late.best_trade(chain, market)
    break_even = Arbitrageur.break_even_out(chain, trade, market, gas_cost(late.swap_gas, late.gas_price, market))
    assert min_out == break_even > trade.out * (WAD - late.slippage) // WAD  # the tighter bound
    assert m.amm.get_dxdy(i, 1 - i, amount)[1] >= min_out  # it would fill now
    [front] = rival.step(chain, market)
    chain.transact(front.sender, front.contract, front.method, *front.args)  # the rival takes the gap first
    assert m.amm.get_dxdy(i, 1 - i, amount)[1] < min_out
    [outcome] = runner.advance(301 * 12, market)
    assert not outcome.ok and "slippage" in outcome.error
    assert outcome.profit == -outcome.gas_cost  # only the gas is lost


def test_a_late_arbitrageur_expects_the_market_to_keep_moving_against_it():
    """landing_price: an arbitrageur whose trades land `latency` later values the other leg
    at the market price moved once more by the last latency window's move, when that move
    is against the trade (a fall for a buy of collateral, a rise for a sale); otherwise,
    and without latency, at the market price."""
    late = Arbitrageur("0x" + "22" * 20, latency_blocks=300)
    hour = 300 * 12
    late.seen = [(0, 3000 * WAD), (hour // 2, 2900 * WAD)]
    assert late.landing_price(hour, 2700 * WAD, 0) == 2700 * WAD * 2700 // 3000  # fell 10%: 10% more
    assert late.landing_price(hour, 2700 * WAD, 1) == 2700 * WAD  # a seller does not mind a fall
    assert late.landing_price(hour, 3300 * WAD, 1) == 3300 * WAD * 3300 // 3000  # rose 10%: a seller expects more
    assert late.landing_price(hour, 3300 * WAD, 0) == 3300 * WAD
    assert late.landing_price(hour - 1, 2700 * WAD, 0) == 2700 * WAD  # no observation a window old yet
    on_time = Arbitrageur("0x" + "33" * 20, latency_blocks=1)
    on_time.seen = late.seen
    assert on_time.landing_price(hour, 2700 * WAD, 0) == 2700 * WAD


def test_a_late_arbitrageur_does_not_buy_into_a_falling_market(chain):
    """The crash scenario's loss: an hour-late arbitrageur saw the market fall into a loan's
    bands over the last hour and would buy collateral the AMM sells below the market now.
    It expects the fall to go on by the time the trade lands and leaves the gap to an
    on-time arbitrageur, who takes it (a late one valuing its fill at today's price would
    take it too: the test fails without landing_price)."""
    m = chain.market
    late = Arbitrageur(chain.new_account("late"), latency_blocks=300)
    on_time = Arbitrageur(chain.new_account("arbitrageur"))
    for keeper in (late, on_time):
        fund_stablecoin(chain, keeper.address, 100_000 * WAD)
    start = m.oracle.price()
    assert late.step(chain, start) == []  # in step with the market: only watches
    chain.sleep(300 * 12)
    market = market_in_a_loans_bands(chain)
    assert market < start
    assert [a.kind for a in on_time.step(chain, market)] == ["swap"]
    assert late.best_trade(chain, market) is not None  # at today's price the gap pays
    assert late.step(chain, market) == []


def test_a_profit_only_liquidator_counts_the_gas_of_a_wide_loan(chain):
    """Two unhealthy loans over 4 and 50 bands: at a gas price where the wide loan's
    reward would pay a narrow loan's gas but not its own (liquidation_gas grows with the
    width), a profit-only liquidator liquidates only the narrow one (with one flat gas
    figure it took both)."""
    m = chain.market
    narrow, wide = open_loan(chain, 99, 4), open_loan(chain, 50, 50, 20 * WAD)
    probe = Liquidator(chain.new_account("probe"))
    lowest = max(m.amm.read_user_tick_numbers(u)[1] for u in (narrow, wide))
    chain.set_market_price(m.amm.p_oracle_down(lowest) * 90 // 100)
    price = m.oracle.price()
    assert all(m.controller.health(u, True) < 0 for u in (narrow, wide))
    gas = [probe.expected_gas(chain, u) for u in (narrow, wide)]
    assert gas == [liquidation_gas(4), liquidation_gas(50)] and gas[1] > 2 * gas[0]
    rewards = [probe.expected_reward(chain, u) for u in (narrow, wide)]
    gas_price = rewards[0] * WAD // (2 * gas[0] * price)  # the narrow reward pays twice its gas
    assert rewards[1] * WAD < gas[1] * gas_price * price // WAD * WAD  # the wide one does not pay its own
    assert rewards[1] * WAD >= gas[0] * gas_price * price // WAD * WAD  # it would at the narrow gas
    picky = Liquidator(chain.new_account("liquidator"), gas_price=gas_price, only_profitable=True)
    [action] = picky.step(chain, price)
    assert action.method == "liquidate" and action.args[0].lower() == narrow.lower()
