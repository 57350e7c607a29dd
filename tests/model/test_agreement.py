"""The model agrees with the contracts to the wei on random action sequences: loans of
various N and sizes, swaps both ways (exchange and exchange_dy), oracle moves, time
(interest, oracle-move fee decay), repays, collateral changes, borrow_more,
liquidations, takes and redos; 18-, 6- and 8-decimal collateral.

Every action is compared (result or revert reason); after every action the cheap views
(bands, shares, debts, totals, reserves, balances, supply, auctions) are compared, and
every few actions the costly ones too (x_down, y_up, health, get_p, quotes)."""

import random

from .scenario import Cast, Driver

WAD = 10**18
QUOTES = (10**15, 10**18, 3 * 10**21)


def make_driver(twin, seed: int) -> Driver:
    cast = Cast.make(4)
    twin.focus = list(cast.borrowers)
    driver = Driver(twin, cast, random.Random(seed))
    driver.setup()
    return driver


def test_random_sequence_matches_chain(twin):
    driver = make_driver(twin, 7919 + twin.market.params.collateral_decimals)
    for _ in range(3):
        driver.open_loan()
    twin.check(QUOTES)
    for k in range(20):
        driver.step()
        twin.check(full_views=(k % 10 == 9))
    twin.check(QUOTES)
    assert driver.done.get("exchange", 0) + driver.done.get("exchange_dy", 0) > 0, driver.done
    assert driver.done.get("create_loan", 0) > 0, driver.done


def test_crash_liquidations_takes_redos_match_chain(twin):
    """Loans near their limit, the price falls in steps with arbitrage after each step,
    then keepers liquidate, take and redo: every step agrees with the chain."""
    driver = make_driver(twin, 11 + twin.market.params.collateral_decimals)
    for _ in range(4):
        driver.open_loan(share=0.97)
    price = twin.model.oracle.source
    for k in range(5):
        price = price * 94 // 100
        twin.set_price(price)
        twin.time_travel(60)
        twin.exchange(driver.cast.arbitrageur, 0, 60000 * WAD)
        twin.exchange(driver.cast.arbitrageur, 1, driver.units(20 * WAD))
        driver.liquidate()
        twin.check(full_views=(k == 4))
    for k in range(6):
        driver.auction_step()
        if k % 3 == 2:
            twin.time_travel(3 * 3600)
            driver.auction_step()
        twin.check()
    twin.check(QUOTES)
    assert driver.done.get("liquidate", 0) > 0, driver.done
    assert driver.done.get("take", 0) + driver.done.get("redo", 0) > 0, driver.done
