"""Named liquidation scenarios run with keepers on any `softliq.chain.Chain`.

    from softliq.scenarios import run_scenario, ScenarioOptions
    result = run_scenario("crash", options=ScenarioOptions(borrowers=5, steps=40))

`run_scenario(name, chain=None, options=None)` runs on a fresh in-process market (pyrevm,
`softliq.scenarios.local`) when no chain is given; on another chain (ape), deploy the market with `scenario_params(name)`.
Bad names and options raise `ScenarioError` with a clear message.
"""

from softliq.scenarios.definitions import (
    SCENARIOS,
    KeeperSettings,
    Scenario,
    ScenarioError,
    ScenarioOptions,
    get_scenario,
    scenario_params,
)
from softliq.scenarios.engine import run_scenario
from softliq.scenarios.metrics import ScenarioResult

__all__ = [
    "SCENARIOS",
    "KeeperSettings",
    "Scenario",
    "ScenarioError",
    "ScenarioOptions",
    "ScenarioResult",
    "get_scenario",
    "run_scenario",
    "scenario_params",
]
