"""Fixtures of the scenario suite: small runs of every named scenario, in-process.

Each run deploys its own market on a fresh pyrevm EVM (the default scenario backend,
softliq.scenarios.local) so each scenario gets the parameters it needs; `run_small`
takes `evm="pyevm"` to run on titanoboa's py-evm instead (rolled back after each test)."""

import pytest

from softliq.scenarios import ScenarioOptions, get_scenario, run_scenario
from softliq.scenarios.local import local_chain

SMALL = ScenarioOptions(borrowers=3, steps=10, max_bands=6, progress=False)
"""Small enough for py-evm: 3 borrowers of 4..6 bands, 10 price steps."""


@pytest.fixture
def run_small():
    """Run scenario `name` at SMALL size (options overridable); returns (chain, result)."""

    def run(name: str, evm: str = "revm", **changes):
        chain = local_chain(get_scenario(name).market_params(), evm)
        options = ScenarioOptions(**{**SMALL.__dict__, **changes})
        return chain, run_scenario(name, chain, options)

    return run
