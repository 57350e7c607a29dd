"""Fixtures of the report suite: one real (small) flash-crash run, reported once."""

import pytest

from softliq.chain import BoaChain, deploy_boa_cached
from softliq.report import write_report
from softliq.scenarios import ScenarioOptions, get_scenario, run_scenario


@pytest.fixture(scope="session")
def result():
    """A small flash-crash run: it liquidates and auctions, so every plot has data."""
    chain = BoaChain(deploy_boa_cached(get_scenario("flash-crash").market_params()))
    return run_scenario("flash-crash", chain, ScenarioOptions(borrowers=3, steps=10, max_bands=6, progress=False))


@pytest.fixture(scope="session")
def report_dir(result, tmp_path_factory):
    """The report of `result`, written under a fresh directory."""
    return write_report(result, tmp_path_factory.mktemp("reports"), stamp="test")
