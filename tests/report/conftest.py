"""Fixtures of the report suite: one real (small) flash-crash run, reported once."""

import pytest

from softliq.report import write_report
from softliq.scenarios import ScenarioOptions, run_scenario


@pytest.fixture(scope="session")
def result():
    """A small flash-crash run (in-process, pyrevm): it liquidates and auctions, so
    every plot and table has data."""
    return run_scenario("flash-crash", None, ScenarioOptions(borrowers=3, steps=10, max_bands=6, progress=False))


@pytest.fixture(scope="session")
def report_dir(result, tmp_path_factory):
    """The report of `result`, written under a fresh directory."""
    return write_report(result, tmp_path_factory.mktemp("reports"), stamp="test")
