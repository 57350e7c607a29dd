"""Fork a running chain, deploy or reuse softliq on the fork, run a scenario there.

    ape run fork --upstream http://127.0.0.1:8545 [--scenario crash] [scenario options]
    ape run fork --upstream https://<mainnet RPC> --fork-block 21000000 --borrowers 5

Starts `anvil --fork-url UPSTREAM` on a free port, connects ape to it, reuses the
softliq deployment recorded in `--reuse FILE` when its contracts are on the upstream
(so they are on the fork), else deploys afresh on the fork, runs the scenario and
writes its report. The fork's record goes to `--deployment` (default
deployments/fork-<chain id>.json); it describes a chain that ends with this command.
The fork is stopped afterwards; the upstream chain is never written to.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from softliq.ape_deploy import DEPLOYMENTS_DIR, cli_errors, params_callback
from softliq.chain_ape import ConnectError, anvil, build_options, connected, rpc_answers, run_scenario_here, scenario_options
from softliq.params import MarketParams
from softliq.scenarios import SCENARIOS, ScenarioError, get_scenario


@click.command(short_help="Fork a chain with anvil and run a scenario on the fork")
@click.option("--upstream", required=True, metavar="URL", help="JSON-RPC URL of the chain to fork")
@click.option("--fork-block", type=int, default=None, help="fork at this block [latest]")
@click.option("--scenario", "name", default="crash", show_default=True, metavar="|".join(SCENARIOS))
@click.option("--params", callback=params_callback, metavar="FILE", help="MarketParams fields (.json or .toml)")
@click.option("--reuse", metavar="FILE", help="deployments file of a softliq deployment on the upstream")
@click.option("--deployment", metavar="FILE", help="where the fork's record goes [deployments/fork-<chain id>.json]")
@scenario_options
def cli(upstream: str, fork_block: int | None, name: str, params: MarketParams, reuse: str | None,
        deployment: str | None, **values: Any) -> None:
    """Fork UPSTREAM, deploy or reuse softliq there, run a scenario, stop the fork."""
    from softliq.report import ReportError, summary_table

    with cli_errors(ScenarioError, ReportError):
        get_scenario(name)
        options = build_options(values)
        chain_id = rpc_answers(upstream)
        if chain_id is None:
            raise ConnectError(f"no node answers JSON-RPC at upstream {upstream}")
        if reuse is not None and not Path(reuse).is_file():
            raise ConnectError(f"--reuse {reuse}: no such deployments file")
        save_to = Path(deployment) if deployment else DEPLOYMENTS_DIR / f"fork-{chain_id}.json"
        with anvil(fork_url=upstream, fork_block=fork_block) as url, connected(url):
            dep, result, report = run_scenario_here(
                name, options, params, reuse or str(save_to), force=False, reports_dir=values["reports_dir"],
                max_blocks_per_sleep=values["max_blocks_per_sleep"], save_to=save_to,
            )
    click.echo(f"forked {upstream} (chain id {chain_id}); {dep.reason}")
    click.echo(summary_table(result))
    click.echo(f"report: {report}")
