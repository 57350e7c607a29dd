"""The shared deploy plan through ape on a real anvil node, then one borrower's
loan through soft liquidation and back out (ape runs ~30 tx/s: keep it short)."""

from dataclasses import asdict

import pytest
from ape import chain

from softliq import WAD
from softliq.ape_deploy import onchain_params
from softliq.arbitrage import find_arbitrage

pytestmark = pytest.mark.integration

MAX_UINT = 2**256 - 1
N_BANDS = 10
FEE_WAIT = 600
"""Seconds to wait after an oracle move: the AMM's oracle-move fee decays to zero
over ORACLE_FEE_WINDOW (120 s), and arbitrage only pays once it has."""


def test_deploy_wires_the_market(market, params, admin, deployer):
    assert market.amm.admin() == market.controller.address
    assert market.stablecoin.minter() == market.controller.address
    assert market.oracle.admin() == admin.address
    assert market.admin == admin.address
    assert market.amm.coins(0) == market.stablecoin.address
    assert market.amm.coins(1) == market.collateral.address
    assert market.amm.ORACLE() == market.oracle.address
    assert onchain_params(market) == asdict(params)  # every MarketParams field, read back
    assert market.amm.price_oracle() == params.price


def fund_and_borrow(market, who, collateral: int, debt: int, n_bands: int) -> None:
    """Mint `collateral` to `who`, approve the Controller and AMM for both coins, borrow."""
    market.collateral.mint(who, collateral, sender=who)
    for token in (market.collateral, market.stablecoin):
        for spender in (market.controller, market.amm):
            token.approve(spender, MAX_UINT, sender=who)
    market.controller.create_loan(collateral, debt, n_bands, sender=who)


def test_loan_through_soft_liquidation_and_repay(market, params, admin, borrower, arbitrageur):
    c, amm, coin, stable = market.controller, market.amm, market.collateral, market.stablecoin
    collateral = 10 * WAD

    # borrower: half of what 10 collateral may borrow over 10 bands
    debt = c.max_borrowable(collateral, N_BANDS) // 2
    fund_and_borrow(market, borrower, collateral, debt, N_BANDS)
    assert c.loan_exists(borrower)
    assert c.debt(borrower) == debt
    assert stable.balanceOf(borrower) == debt
    assert c.health(borrower) > 0
    n1, n2 = amm.read_user_tick_numbers(borrower)
    assert n2 - n1 + 1 == N_BANDS

    # arbitrageur: stablecoin from its own loan, at a fifth of max over 50 bands (far
    # below), and at least the smallest loan over 50 bands (min_debt_for(50))
    arb_collateral = 4 * debt * WAD // params.price
    arb_debt = max(c.max_borrowable(arb_collateral, 50) // 5, market.policy.min_debt_for(50))
    assert arb_debt <= c.max_borrowable(arb_collateral, 50) // 2
    fund_and_borrow(market, arbitrageur, arb_collateral, arb_debt, 50)
    assert amm.read_user_tick_numbers(arbitrageur)[0] > n2

    # admin moves the oracle to the bottom of the borrower's third band
    p_o = amm.p_oracle_down(n1 + 2)
    market.oracle.set_price(p_o, sender=admin)
    assert amm.price_oracle() == p_o
    chain.mine(timestamp=chain.pending_timestamp + FEE_WAIT)

    # the AMM now sells the borrower's collateral below p_o: the arbitrageur buys it
    arb = find_arbitrage(amm, p_o, stable.balanceOf(arbitrageur), coin.balanceOf(arbitrageur))
    assert arb is not None and arb.i == 0
    amm.exchange(0, 1, arb.amount, arb.out, sender=arbitrageur)
    assert coin.balanceOf(arbitrageur) == arb.out
    in_coll, in_stable, owed, n = c.user_state(borrower)
    assert in_stable > 0 and in_coll < collateral and owed == debt and n == N_BANDS
    assert c.health(borrower) > 0

    # borrower repays in full: the bands' stablecoin pays first, the rest from the
    # wallet; the borrower gets every coin the AMM held for the loan
    wallet, amm_coll = stable.balanceOf(borrower), coin.balanceOf(amm)
    receipt = c.repay(owed, sender=borrower)
    [withdrawn] = receipt.decode_logs(amm.Withdraw)
    x_out, y_out = withdrawn.amount_borrowed, withdrawn.amount_collateral
    assert not c.loan_exists(borrower)
    assert not amm.has_liquidity(borrower)
    assert coin.balanceOf(borrower) == y_out == amm_coll - coin.balanceOf(amm)
    assert stable.balanceOf(borrower) == wallet + x_out - owed
    # user_state rounds down (it dilutes by the AMM's dead shares); the sole holder
    # of a band withdraws all of it
    assert in_coll <= y_out <= in_coll + in_coll // 10**12
    assert in_stable <= x_out <= in_stable + in_stable // 10**12
    assert c.n_loans() == 1  # the arbitrageur's loan remains
