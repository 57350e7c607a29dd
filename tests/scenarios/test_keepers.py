"""Keepers on their own: the arbitrageur closes the gap to the market profitably, the
liquidator liquidates exactly the unhealthy loans, and latency delays sending."""

import pytest

from softliq.chain import BoaChain, deploy_boa_cached, fund_stablecoin
from softliq.keepers import Arbitrageur, KeeperRunner, Liquidator

WAD = 10**18


@pytest.fixture
def chain():
    return BoaChain(deploy_boa_cached())


def open_loan(chain, share_pct: int, n_bands: int = 6) -> str:
    m = chain.market
    borrower = chain.new_account("borrower")
    chain.fund_collateral(borrower, 10 * WAD)
    debt = m.controller.max_borrowable(10 * WAD, n_bands) * share_pct // 100
    chain.transact(borrower, m.controller, "create_loan", 10 * WAD, debt, n_bands)
    return borrower


def test_arbitrageur_trades_toward_market(chain):
    m = chain.market
    borrower = open_loan(chain, 99)
    n1, _ = m.amm.read_user_tick_numbers(borrower)
    market = m.amm.p_oracle_down(n1 + 1)  # into the loan's bands
    chain.set_market_price(market)
    chain.sleep(24)  # past the AMM's oracle-move fee window
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
