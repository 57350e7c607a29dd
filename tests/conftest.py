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
