"""Every named scenario runs through ape on anvil (ApeChain) at a small size, with the
accounting identity and token conservation holding at the end, and tells exactly the
same story as the same run in-process on pyrevm (every metric, series and auction
event; gas and addresses aside)."""

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
    # the same run in-process (pyrevm) tells exactly the same story, gas and addresses aside
    in_process = run_scenario(name, None, SMALL).to_json()
    assert backend_independent(report) == backend_independent(in_process)


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


def test_keeper_latency_is_counted_in_blocks_of_time(deployer, admin):
    """crash at a resolution where keepers' 25-block latency is a third of a step: anvil
    mines a block per transaction, which must not make keepers act sooner than in-process
    (where only time moves blocks), or the two runs liquidate differently."""
    options = ScenarioOptions(borrowers=4, steps=120, max_bands=10, progress=False)
    chain, on_ape = run_on_ape("crash", deployer, admin, options)
    in_process = run_scenario("crash", None, options)

    assert chain.tx_blocks > 25  # enough transactions to shift a latency if they counted
    assert on_ape.to_json()["metrics"]["liquidations_by_tier"]["events"] >= 1
    assert backend_independent(on_ape.to_json()) == backend_independent(in_process.to_json())
