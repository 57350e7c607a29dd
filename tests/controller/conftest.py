"""Fixtures of the Controller suite. Markets come from tests/conftest.py; every fixture
here runs inside titanoboa's per-fixture anchor, so its state is rolled back with it."""

import boa
import pytest

from softliq.actors import collateral_units, fund_collateral
from softliq.params import WAD

N_BANDS = 10


@pytest.fixture(scope="session", autouse=True)
def _session_fixtures_first(market, admin, borrower, borrowers, arbitrageur, liquidator):
    """Instantiate the session fixtures before any module fixture.

    titanoboa anchors every fixture and unwinds the anchors last-in first-out: a session
    fixture first created while a module fixture is alive would pin that module's state
    until the end of the session."""


@pytest.fixture
def collateral_amount(market):
    """10 units of collateral in token units."""
    return collateral_units(market, 10 * WAD)


@pytest.fixture
def loan(market, borrower, collateral_amount):
    """`borrower` holds a loan of half of max_borrowable over N_BANDS bands, and spare
    collateral (as much again) already approved. Returns (collateral, debt, N)."""
    debt = market.controller.max_borrowable(collateral_amount, N_BANDS) // 2
    fund_collateral(market, borrower, 2 * collateral_amount)
    with boa.env.prank(borrower):
        market.controller.create_loan(collateral_amount, debt, N_BANDS)
    return collateral_amount, debt, N_BANDS
