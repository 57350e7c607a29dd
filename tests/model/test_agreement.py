"""The model agrees with the contracts to the wei on random action sequences: loans of
various N and sizes, swaps both ways (exchange and exchange_dy), oracle moves, time
(interest, oracle-move fee decay), repays, collateral changes, borrow_more,
liquidations, takes and redos; 18-, 6- and 8-decimal collateral.

Every action is compared (result or revert reason); after every action the cheap views
(bands, shares, debts, totals, reserves, balances, supply, auctions) are compared, and
every few actions the costly ones too (x_down, y_up, health, get_p, quotes)."""

import random

import boa

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


def test_drained_auction_redo_and_dust_settlement_match_chain(twin):
    """Issue 12's drained auction on both sides: below market the liquidator tries to buy
    all but 1 wei of an underwater lot (both refuse: "lot left below dust"), buys all but
    the smallest lot a partial take may leave, redoes it unpaid for a day, then the oracle
    halves and the next redo settles the crumb (shortfall booked, auction ended)."""
    driver = make_driver(twin, 23 + twin.market.params.collateral_decimals)
    cast, model = driver.cast, twin.model
    prec = model.auction.COLLATERAL_PRECISION

    def status():  # the model's auction is replaced when an action reverts (atomic)
        return model.auction.status(id_)

    who = cast.borrowers[0]
    collateral = driver.units(10 * WAD)
    twin.create_loan(who, collateral, model.controller.max_borrowable(collateral, 10) * 95 // 100, 10)
    n1 = model.amm.read_user_tick_numbers(who)[0]
    twin.set_price(model.amm.p_oracle_up(n1) * 90 // 100)
    id_ = twin.liquidate(cast.liquidator, who).value
    assert id_ and id_ in model.auction.active_ids()
    for _ in range(200):  # below market, lot worth less than 80% of the tab
        _, price, lot, tab = status()
        if price <= model.oracle.source and lot * prec * price // WAD * 100 < tab * 80:
            break
        twin.time_travel(90)
    twin.check()
    assert twin.take(cast.liquidator, id_, lot - 1, price).reverted == "Auction: lot left below dust"
    twin.check()
    keep = -(-model.auction.chost * WAD // (prec * price))
    assert twin.take(cast.liquidator, id_, lot - keep, price).reverted is None
    assert status()[2] == keep
    twin.check()
    liquidator_sc = model.stable.balance_of(cast.liquidator)
    redos = 0
    for _ in range(86400 // 90):
        twin.time_travel(90)
        if status()[0]:
            assert twin.redo(cast.liquidator, id_).reverted is None
            redos += 1
    assert redos >= 8 and model.stable.balance_of(cast.liquidator) == liquidator_sc
    twin.check()
    twin.set_price(model.oracle.source // 2)
    twin.time_travel(3 * 3600)
    assert twin.redo(cast.liquidator, id_).reverted is None
    assert id_ not in model.auction.active_ids() and model.auction.total_tab == 0
    twin.check(full_views=True)


def test_batch_liquidation_matches_chain(twin):
    """liquidate_many over three underwater borrowers, a healthy one, an address without a
    loan and a duplicate: the same ids, events' effects and views on both sides."""
    driver = make_driver(twin, 41 + twin.market.params.collateral_decimals)
    cast, model = driver.cast, twin.model
    collateral = driver.units(10 * WAD)
    for who in cast.borrowers[:3]:
        twin.create_loan(who, collateral, model.controller.max_borrowable(collateral, 10) * 95 // 100, 10)
    healthy = cast.borrowers[3]
    twin.create_loan(healthy, collateral, model.controller.max_borrowable(collateral, 10) // 10, 10)
    n1 = model.amm.read_user_tick_numbers(cast.borrowers[0])[0]
    twin.set_price(model.amm.p_oracle_up(n1) * 90 // 100)
    stranger = str(boa.env.generate_address("stranger"))  # no loan
    batch = [cast.borrowers[2], healthy, stranger, cast.borrowers[0], cast.borrowers[2], cast.borrowers[1]]
    ids = twin.liquidate_many(cast.liquidator, batch).value
    assert [i > 0 for i in ids] == [True, False, False, True, False, True]
    twin.check()
    assert twin.liquidate_many(cast.liquidator, []).reverted == "no users"
    twin.check()


def test_the_twin_sees_a_policy_change_the_model_missed(twin, admin):
    """The liquidation parameters are compared too: a setter called on the chain alone
    (here min_debt_per_band, set apart from the others) shows up as a difference."""
    assert not [d for d in twin.differences() if d.startswith("policy")]
    with boa.env.prank(admin):
        twin.market.policy.set_min_debt_per_band(twin.model.controller.policy.min_debt_per_band + 1)
    assert [d for d in twin.differences() if d.startswith("policy")]
