"""ApeChain keeps the `softliq.chain.Chain` protocol on anvil: time, accounts,
transactions with receipt gas and decoded events, reverts with reasons, deploys."""

import pytest

from softliq import WAD
from softliq.chain import BLOCK_TIME, Chain, TxReverted
from softliq.chain_ape import ApeChain

pytestmark = pytest.mark.integration


@pytest.fixture
def ape_chain(market):
    with ApeChain(market) as chain:
        yield chain


def test_is_a_chain_and_views_read_like_titanoboa(ape_chain, market, params):
    m = ape_chain.market
    assert isinstance(ape_chain, Chain)
    assert m.amm.price_oracle() == params.price
    assert m.amm.coins(0) == str(market.stablecoin.address)  # checksummed address
    assert not m.controller.loan_exists(m.admin)
    with pytest.raises(TxReverted, match="health reverted: no loan"):
        m.controller.health(m.admin)
    assert isinstance(m.amm.read_user_tick_numbers(m.admin), tuple)


def test_sleep_moves_time_exactly_and_counts_every_block(ape_chain):
    t0, b0 = ape_chain.now(), ape_chain.block_number()

    ape_chain.sleep(3600)

    assert ape_chain.now() - t0 == 3600
    assert ape_chain.block_number() - b0 == 3600 // BLOCK_TIME  # mined or counted as skipped
    with pytest.raises(ValueError, match="negative"):
        ape_chain.sleep(-1)


def test_every_block_mined_without_a_cap(market):
    from ape import chain

    with ApeChain(market, max_blocks_per_sleep=None) as exact:
        height = chain.blocks.height
        exact.sleep(10 * BLOCK_TIME)
        assert chain.blocks.height - height == 10


def test_only_sleep_moves_time(ape_chain):
    import time

    keeper = ape_chain.new_account("keeper")
    t0 = ape_chain.now()
    ape_chain.fund_collateral(keeper, WAD)
    time.sleep(1.5)
    ape_chain.fund_collateral(keeper, WAD)
    assert ape_chain.now() == t0
    ape_chain.sleep(0)
    assert ape_chain.now() == t0


def test_loan_by_a_new_account_with_gas_and_events(ape_chain):
    from ape import chain

    m = ape_chain.market
    borrower = ape_chain.new_account("borrower")
    assert borrower != ape_chain.new_account("borrower")
    ape_chain.fund_collateral(borrower, 10 * WAD)
    debt = m.controller.max_borrowable(10 * WAD, 10) // 2

    tx = ape_chain.transact(borrower, m.controller, "create_loan", 10 * WAD, debt, 10)

    receipt = chain.provider.web3.eth.get_transaction_receipt(chain.provider.web3.eth.get_block("latest")["transactions"][-1])
    assert tx.gas == ape_chain.gas_used() == receipt["gasUsed"]
    [borrow] = tx.named("Borrow", m.controller)
    assert borrow.user == borrower and borrow.loan_increase == debt
    assert [e.name for e in tx.named("Transfer", m.stablecoin)] == ["Transfer"]
    assert m.controller.debt(borrower) == debt
    assert 0 < m.controller.health(borrower) < m.controller.health(borrower, True)  # overloads by arity
    assert m.stablecoin.balanceOf(borrower) == debt


def test_revert_raises_with_the_reason(ape_chain):
    m = ape_chain.market
    borrower = ape_chain.new_account("borrower")
    with pytest.raises(TxReverted, match="create_loan reverted"):
        ape_chain.transact(borrower, m.controller, "create_loan", 10 * WAD, 10**9 * WAD, 10)
    with pytest.raises(ValueError, match="role"):
        ape_chain.new_account("not a role")


def test_set_market_price_and_deploy(ape_chain):
    ape_chain.set_market_price(2500 * WAD)
    assert ape_chain.market.oracle.price() == 2500 * WAD
    with pytest.raises(ValueError, match="positive"):
        ape_chain.set_market_price(0)

    token = ape_chain.deploy(ape_chain.new_account("keeper"), "testing/ERC20Mock", "T", "T", 6)

    assert token.decimals() == 6
