"""Fixtures of the scenario suite: small runs of every named scenario on titanoboa.

Each run deploys its own market (compiled once per process by softliq.chain) so each
scenario gets the parameters it needs; titanoboa rolls state back after each test."""

import pytest

from softliq.chain import BoaChain, deploy_boa_cached
from softliq.scenarios import ScenarioOptions, get_scenario, run_scenario

SMALL = ScenarioOptions(borrowers=3, steps=10, max_bands=6, progress=False)
"""Small enough for py-evm: 3 borrowers of 4..6 bands, 10 price steps."""


@pytest.fixture
def run_small():
    """Run scenario `name` at SMALL size (options overridable); returns (chain, result)."""

    def run(name: str, **changes):
        chain = BoaChain(deploy_boa_cached(get_scenario(name).market_params()))
        options = ScenarioOptions(**{**SMALL.__dict__, **changes})
        return chain, run_scenario(name, chain, options)

    return run
