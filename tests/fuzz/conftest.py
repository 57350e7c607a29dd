"""Fixtures of the stateful fuzz suite: one market per collateral decimals, and one whose
AMM reads an EmaOracle, deployed once per session (each hypothesis example rolls back to
it), and the replay line on failure.

Profiles: SOFTLIQ_FUZZ=ci (default) or deep; SOFTLIQ_FUZZ_SEED fixes the seed;
SOFTLIQ_CONTRACTS deploys contracts from another directory (bench/mutants.py)."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from softliq.fuzz import profiles
from softliq.fuzz.campaign import market_params
from softliq.fuzz.world import World
from softliq.params import SMALL_LOANS, MarketParams


@pytest.fixture(scope="session")
def fuzz_profile() -> profiles.Profile:
    """The profile SOFTLIQ_FUZZ names (default ci)."""
    return profiles.profile()


@pytest.fixture(scope="session")
def world_18() -> World:
    """The default market (18-decimal collateral) with funded actors."""
    return World.deploy(MarketParams(**SMALL_LOANS))


@pytest.fixture(scope="session")
def world_ema() -> World:
    """An 18-decimal market whose AMM reads an EmaOracle (ema_time EMA_TIME = 600 s) over
    the settable oracle, as production markets are meant to run: the machines see the
    average lag the market (12-second blocks move it ~2% of the way a block) and catch
    up within an hour where a rule needs the fall to arrive (softliq.fuzz.world.EMA_TIME
    says why 600 s)."""
    return World.deploy(market_params("18ema"))  # the campaign's EMA market


@pytest.fixture(scope="session", params=[18, 6], ids=lambda d: f"{d}dec")
def world(request: pytest.FixtureRequest, world_18: World) -> World:
    """The default market with 18- and with 6-decimal collateral (deployed in fixture
    set-up, never inside a test: titanoboa rolls a test's state back at its end)."""
    if request.param == 18:
        return world_18
    return World.deploy(MarketParams(collateral_decimals=request.param, **SMALL_LOANS))


@pytest.fixture
def fuzz_seed(request: pytest.FixtureRequest, fuzz_profile: profiles.Profile) -> Iterator[int]:
    """The run's seed; on failure, prints the one command that replays it."""
    seed = profiles.seed_from_env(fuzz_profile.name)
    yield seed
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        print(f"\nfuzz seed {seed}; replay with:\n  {profiles.replay_command(request.node.nodeid, seed, fuzz_profile.name)}")


def pytest_collection_finish(session: pytest.Session) -> None:
    """Print the fuzz profile and seed once collection is done (also under `-q`)."""
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.write_line(_fuzz_banner())


def _fuzz_banner() -> str:
    """The fuzz profile and seed of this run, so that a CI log names what it ran."""
    p = profiles.profile()
    seed = os.environ.get(profiles.SEED_ENV)
    if seed is not None:
        return f"fuzz: profile {p.name}, seed {seed} (SOFTLIQ_FUZZ_SEED)"
    if p.name == "ci":
        return f"fuzz: profile ci, fixed seed {profiles.CI_SEED} (SOFTLIQ_FUZZ_SEED overrides)"
    return f"fuzz: profile {p.name}, a fresh seed per test (printed on failure)"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    if report.when == "call":
        item.rep_call = report  # type: ignore[attr-defined]
        if report.failed and "fuzz_seed" in getattr(item, "funcargs", {}):
            seed = item.funcargs["fuzz_seed"]
            name = item.funcargs["fuzz_profile"].name
            report.sections.append(("fuzz replay", profiles.replay_command(item.nodeid, seed, name)))
