"""Shared fixtures for the titanoboa suites: actors named by role.

Addresses are session-scoped so module- or session-scoped deploy fixtures can
use them; titanoboa's pytest plugin rolls chain state back after each test.
"""

import boa
import pytest

N_BORROWERS = 20


@pytest.fixture(scope="session")
def admin():
    return boa.env.generate_address("admin")


@pytest.fixture(scope="session")
def borrower():
    return boa.env.generate_address("borrower")


@pytest.fixture(scope="session")
def borrowers():
    return [boa.env.generate_address(f"borrower_{i}") for i in range(N_BORROWERS)]


@pytest.fixture(scope="session")
def arbitrageur():
    return boa.env.generate_address("arbitrageur")


@pytest.fixture(scope="session")
def liquidator():
    return boa.env.generate_address("liquidator")


@pytest.fixture(scope="session")
def market(admin):
    """A market with the documented default parameters (18-decimal collateral), except
    the liquidation parameters for small loans (softliq.params.SMALL_LOANS): the suites'
    positions hold a few collateral units.

    Session-scoped: titanoboa's plugin rolls state back after every test."""
    from softliq import deploy_boa

    from softliq import MarketParams
    from softliq.params import SMALL_LOANS

    return deploy_boa(MarketParams(**SMALL_LOANS), admin=admin)


@pytest.fixture(scope="session", params=[6, 8, 18], ids=lambda d: f"{d}dec")
def market_by_decimals(request, admin):
    """The default market with 6-, 8- and 18-decimal collateral."""
    from softliq import MarketParams, deploy_boa

    from softliq.params import SMALL_LOANS

    return deploy_boa(MarketParams(collateral_decimals=request.param, **SMALL_LOANS), admin=admin)
