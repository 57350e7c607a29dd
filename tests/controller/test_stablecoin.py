"""Stablecoin: only the Controller mints and burns; the minter is set once, by the deployer."""

import boa

from softliq.params import WAD

from .helpers import act, one_event


def test_minter_is_the_controller(market):
    assert market.stablecoin.minter() == market.controller.address
    assert market.stablecoin.decimals() == 18


def test_mint_and_burn_from_are_minter_only(market, admin, borrower, loan):
    stable = market.stablecoin
    balance, supply = stable.balanceOf(borrower), stable.totalSupply()
    for who in (admin, borrower, market.amm.address):
        with boa.reverts("Stablecoin: only minter"):
            act(who, stable, "mint", who, WAD)
        with boa.reverts("Stablecoin: only minter"):
            act(who, stable, "burn_from", borrower, 1)
    assert (stable.balanceOf(borrower), stable.totalSupply()) == (balance, supply)


def test_minter_mints_and_burns_with_allowance(market, borrower, liquidator, loan):
    stable, controller = market.stablecoin, market.controller.address
    supply = stable.totalSupply()
    _, logs = act(controller, stable, "mint", liquidator, 5 * WAD)
    ev = one_event(logs, "Transfer", stable)
    assert (ev.sender, ev.receiver, ev.value) == ("0x" + "00" * 20, liquidator, 5 * WAD)
    assert stable.totalSupply() == supply + 5 * WAD

    with boa.reverts("erc20: insufficient allowance"):
        act(controller, stable, "burn_from", liquidator, WAD)
    act(liquidator, stable, "approve", controller, 2 * WAD)
    _, logs = act(controller, stable, "burn_from", liquidator, 2 * WAD)
    ev = one_event(logs, "Transfer", stable)
    assert (ev.sender, ev.receiver, ev.value) == (liquidator, "0x" + "00" * 20, 2 * WAD)
    assert stable.balanceOf(liquidator) == 3 * WAD
    assert stable.allowance(liquidator, controller) == 0
    assert stable.totalSupply() == supply + 3 * WAD


def test_set_minter_only_once_and_only_by_deployer(market, admin):
    stable = market.stablecoin
    deployer = stable._immutables.deployer
    with boa.reverts("Stablecoin: only deployer"):
        act(admin, stable, "set_minter", admin)
    with boa.reverts("Stablecoin: minter already set"):
        act(deployer, stable, "set_minter", admin)
    assert stable.minter() == market.controller.address
