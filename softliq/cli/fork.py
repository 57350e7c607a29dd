"""`softliq fork`: fork a running chain with anvil, deploy or reuse softliq on the fork,
run a scenario there, stop the fork. The upstream chain is never written to.

Starts `anvil --fork-url UPSTREAM` on a free port, reuses the deployment recorded in
`--reuse FILE` when its contracts are on the upstream (so they are on the fork), else
deploys afresh on the fork. The fork's record goes to `--deployment` (default
deployments/fork-<chain id>.json); it describes a chain that ends with this command.
`ape run fork` is a thin wrapper over `fork_and_run`.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from softliq.cli.common import InputError
from softliq.cli.scenario import add_scenario_options, checked_run, print_result


def add_fork(sub: argparse._SubParsersAction) -> None:
    """The `fork` command."""
    p = sub.add_parser("fork", help="fork a chain with anvil and run a scenario on the fork",
                       description=__doc__.split("\n\n", 1)[1])
    p.add_argument("--upstream", required=True, metavar="URL", help="JSON-RPC URL of the chain to fork")
    p.add_argument("--fork-block", type=int, default=None, help="fork at this block (default: latest)")
    p.add_argument("--scenario", default="crash", metavar="NAME|FILE.toml", help="scenario to run on the fork")
    p.add_argument("--reuse", type=Path, default=None, metavar="FILE",
                   help="deployment record of a softliq deployment on the upstream (default: deploy on the fork)")
    p.add_argument("--deployment", type=Path, default=None, metavar="FILE",
                   help="where the fork's record goes (default: deployments/fork-<chain id>.json)")
    add_scenario_options(p)
    p.set_defaults(run=run_fork)


def run_fork(args: argparse.Namespace) -> int:
    scenario, options = checked_run(args)
    fork_and_run(args.upstream, args.fork_block, scenario, options, args.params, args.reuse, args.deployment,
                 args.out, args.max_blocks_per_sleep)
    return 0


def fork_and_run(upstream: str, fork_block: int | None, scenario: Any, options: Any, params: Any,
                 reuse: Path | None, deployment: Path | None, out: Path, max_blocks_per_sleep: int) -> None:
    """Fork `upstream`, run the scenario on the fork, print the summary and report path."""
    from softliq.ape_deploy import DEPLOYMENTS_DIR
    from softliq.chain_ape import ConnectError, anvil, connected, rpc_answers, run_scenario_here

    chain_id = rpc_answers(upstream)
    if chain_id is None:
        raise ConnectError(f"no node answers JSON-RPC at upstream {upstream}")
    if reuse is not None and not reuse.is_file():
        raise InputError(f"--reuse {reuse}: no such deployment record")
    save_to = deployment or DEPLOYMENTS_DIR / f"fork-{chain_id}.json"
    with anvil(fork_url=upstream, fork_block=fork_block) as url, connected(url):
        dep, result, report = run_scenario_here(
            scenario, options, params, str(reuse or save_to), force=False, reports_dir=str(out),
            max_blocks_per_sleep=max_blocks_per_sleep, save_to=save_to,
        )
    print(f"forked {upstream} (chain id {chain_id}); {dep.reason}")
    print_result(result, report)
