"""Every named scenario runs through ape on anvil (ApeChain) at a small size, with the
accounting identity and token conservation holding at the end; one runs on both
backends and tells the same story."""

import pytest

from softliq.ape_deploy import deploy_ape
from softliq.chain_ape import ApeChain
from softliq.paths import to_wad
from softliq.scenarios import SCENARIOS, ScenarioOptions, get_scenario, run_scenario, scenario_params
from softliq.scenarios.metrics import backend_independent

pytestmark = pytest.mark.integration

SMALL = ScenarioOptions(borrowers=2, steps=10, progress=False)


def run_on_ape(name, deployer, admin, options=SMALL):
    market = deploy_ape(scenario_params(name), deployer=deployer, admin=admin)
    with ApeChain(market) as chain:
        return chain, run_scenario(name, chain, options)


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_scenario_runs_on_anvil(name, deployer, admin):
    chain, result = run_on_ape(name, deployer, admin)

    report = result.to_json()
    metrics, run = report["metrics"], report["metrics"]["run"]
    assert report["name"] == name
    assert run["steps"] == SMALL.steps and run["borrowers"] == SMALL.borrowers
    assert run["simulated_seconds"] >= get_scenario(name).duration
    assert chain.market.oracle.price() == to_wad(run["end_price"])  # the engine's float -> WAD rule
    assert metrics["identity"]["gap_wei"] == 0
    assert metrics["conservation"] == {"collateral_unaccounted_wei": 0, "stablecoin_unaccounted_wei": 0}
    assert metrics["gas_spent"] == sum(k["gas"] for k in metrics["keepers"].values())


def test_same_story_in_process_and_on_anvil(deployer, admin):
    """flash-crash on anvil (through ape) and in-process (pyrevm, the fast default):
    the same liquidations, auctions, keeper actions, bad debt and borrower losses."""
    options = SMALL
    _, on_ape = run_on_ape("flash-crash", deployer, admin, options)
    in_process = run_scenario("flash-crash", None, options)

    ape_m = backend_independent(on_ape.to_json())["metrics"]
    fast_m = backend_independent(in_process.to_json())["metrics"]
    assert fast_m["liquidations_by_tier"]["events"] >= 1
    for key in ("liquidations_by_tier", "auctions", "keepers", "bad_debt_wei", "borrower_losses_by_n", "identity"):
        assert ape_m[key] == fast_m[key], key
