"""Run a named liquidation scenario on a chain through ape, with keepers acting.

    ape run scenario crash --network ethereum:local:foundry --borrowers 10 --steps 100
    ape run scenario oracle-lag --network http://127.0.0.1:8545 --params my.toml

Deploys the market with the scenario's parameters (or reuses the one recorded in
deployments/, see `ape run deploy`), runs the scenario with a progress bar, writes
reports/<scenario>-<timestamp>/ and prints the summary table and the report path.
Scenarios need a development node (anvil, or a fork of any chain: `ape run fork`).
Bad input (unknown scenario, options out of range, bad --params file, no node, a
deployments file for another chain) exits non-zero with one line on stderr, having
written nothing.
"""

from __future__ import annotations

from typing import Any

import click

from softliq.ape_deploy import cli_errors, cli_options
from softliq.chain_ape import build_options, connected, run_scenario_here, scenario_options
from softliq.params import MarketParams
from softliq.scenarios import SCENARIOS, ScenarioError, get_scenario


@click.command(short_help="Run a named liquidation scenario and write its report")
@click.argument("name", metavar=f"NAME ({'|'.join(SCENARIOS)})")
@cli_options
@scenario_options
def cli(name: str, network: str, params: MarketParams, deployment: str | None, force: bool, **values: Any) -> None:
    """Run scenario NAME on the connected network and write its report."""
    from softliq.report import ReportError, summary_table

    with cli_errors(ScenarioError, ReportError):
        get_scenario(name)
        options = build_options(values)
        with connected(network):
            dep, result, report = run_scenario_here(
                name, options, params, deployment, force, values["reports_dir"], values["max_blocks_per_sleep"]
            )
    click.echo(dep.reason)
    click.echo(summary_table(result))
    click.echo(f"report: {report}")
