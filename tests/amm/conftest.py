"""Fixtures of the AMM suite: a market with loans near the oracle and a funded trader."""

import pytest

from .helpers import WAD, fund_trader, open_borrowers

# Two loans whose bands start at the oracle price (band 0 and just below), so small
# oracle moves put them in soft liquidation. (collateral, bands, share of max_borrowable;
# below 1.0 because softliq.actors.open_loan_at scales max_borrowable by a float)
LOANED = [(10 * WAD, 5, 0.999), (5 * WAD, 10, 0.97)]


@pytest.fixture(scope="module")
def loaded_market(market, borrowers, arbitrageur):
    """The default market with two loans near the price and an arbitrageur holding
    stablecoin and collateral. Module-scoped (boa rolls each test back to it): a module
    using it sees these loans in the bare `market` fixture too once it has been set up."""
    open_borrowers(market, borrowers, LOANED)
    fund_trader(market, arbitrageur)
    return market


@pytest.fixture(scope="session", autouse=True)
def _session_fixtures_first(market, admin, borrower, borrowers, arbitrageur, liquidator):
    """Instantiate the session fixtures before any module fixture: titanoboa unwinds its
    per-fixture anchors last-in first-out, so a session market first built inside a
    module's `loaded_market` would keep that module's loans for the next module."""
