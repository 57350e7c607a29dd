"""Fixtures for the ape/anvil suite: actors are ape test accounts named by role.

They override the titanoboa suites' session fixtures of the same names
(tests/conftest.py), which are bare titanoboa addresses ape cannot sign for.
ape's plugin snapshots the chain per scope: the module-scoped market is
deployed once and every test starts from it.
"""

import pytest

from softliq import MarketParams
from softliq.ape_deploy import deploy_ape


@pytest.fixture(scope="session")
def deployer(accounts):
    return accounts[0]


@pytest.fixture(scope="session")
def admin(accounts):
    return accounts[1]


@pytest.fixture(scope="session")
def borrower(accounts):
    return accounts[2]


@pytest.fixture(scope="session")
def arbitrageur(accounts):
    return accounts[3]


@pytest.fixture(scope="session", autouse=True)
def _roles(deployer, admin, borrower, arbitrageur):
    """Set every role up before the first test. ape snapshots the chain per scope
    and rebases (InvalidIsolationWarning, costly) when a session fixture first
    appears in a later test; a narrower scope would not help, because ape also
    counts the same-named session fixtures of tests/conftest.py."""


@pytest.fixture(scope="session")
def params():
    return MarketParams()


@pytest.fixture(scope="module")
def market(params, deployer, admin):
    """The default market, deployed through ape on anvil."""
    return deploy_ape(params, deployer=deployer, admin=admin)


@pytest.fixture(scope="module")
def node_url():
    """A separate anvil node (not ape's) that the `ape run` commands under test connect to."""
    from softliq.chain_ape import anvil

    with anvil() as url:
        yield url
