"""PriceOracleMock: the settable test oracle. Only its admin sets the price; zero is
allowed so that consumers' guards can be tested."""

import boa
import pytest

from softliq.params import WAD


def _set(oracle, who, price):
    with boa.env.prank(who):
        oracle.set_price(price)
    return oracle.get_logs()


def test_starts_at_the_market_price_with_the_market_admin(market, admin):
    assert market.oracle.price() == market.params.price
    assert market.oracle.admin() == admin


@pytest.mark.parametrize("price", [0, 1, 1234 * WAD + 5, 2**256 - 1])
def test_admin_sets_price(market, admin, price):
    oracle = market.oracle
    logs = _set(oracle, admin, price)
    assert oracle.price() == price
    with boa.env.prank(admin):
        assert oracle.price_w() == price
    assert [(type(e).__name__, e.price) for e in logs] == [("SetPrice", price)]


def test_others_cannot_set_price(market, borrower, arbitrageur):
    oracle = market.oracle
    before = oracle.price()
    for who in (borrower, arbitrageur, market.controller.address):
        with boa.reverts("PriceOracleMock: only admin"):
            _set(oracle, who, before + 1)
    assert oracle.price() == before
