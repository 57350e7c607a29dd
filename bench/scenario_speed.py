"""Scenario speed: one scenario, same size, in-process on pyrevm (the default), on
titanoboa's py-evm, and through ape on anvil; wall time of each and whether the runs
tell the same story (softliq.scenarios.metrics.backend_independent: everything but gas
and addresses). Prints a table and writes JSON (reports/bench/scenario_speed.json, or
the tracked bench/results/ one with --record); exits 1 if a bar is missed:
pyrevm within --bar-seconds (60) and at least --bar-speedup (5) times faster than anvil.

    python bench/scenario_speed.py [--scenario v-shape] [--borrowers 20] [--steps 200]
        [--backends revm,pyevm,anvil] [--record]

Each backend's time covers deploying the market and running the scenario (compiling is
done once before timing). py-evm is slow: leave it out of full-size runs
(`--backends revm,anvil`), or give it a smaller size with --pyevm-steps.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any, Callable

sys.path.insert(0, str(Path(__file__).resolve().parent))

from results_dir import add_record, verdict, write_results  # noqa: E402

from softliq.scenarios import ScenarioOptions, get_scenario, run_scenario  # noqa: E402
from softliq.scenarios.metrics import backend_independent  # noqa: E402

BACKENDS = ("revm", "pyevm", "anvil")


def in_process(evm: str) -> Callable[[str, ScenarioOptions], Any]:
    def run(name: str, options: ScenarioOptions) -> Any:
        from softliq.scenarios.local import local_chain

        return run_scenario(name, local_chain(get_scenario(name).market_params(), evm), options)

    return run


def on_anvil(name: str, options: ScenarioOptions) -> Any:
    """Start an anvil, deploy through ape, run the scenario through an ApeChain."""
    from ape import accounts

    from softliq.ape_deploy import deploy_ape, quiet_ape
    from softliq.chain_ape import ApeChain, anvil, connected
    from softliq.scenarios import scenario_params

    with anvil() as url, connected(url), quiet_ape():
        market = deploy_ape(scenario_params(name), deployer=accounts.test_accounts[0], admin=accounts.test_accounts[1])
        with ApeChain(market) as chain:
            return run_scenario(name, chain, options)


RUNNERS: dict[str, Callable[[str, ScenarioOptions], Any]] = {
    "revm": in_process("revm"), "pyevm": in_process("pyevm"), "anvil": on_anvil,
}


def warm_up() -> None:
    """Compile every contract once (titanoboa's loader caches per process)."""
    from softliq.deploy import deploy_boa

    deploy_boa()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--scenario", default="v-shape", help="scenario name or TOML file")
    p.add_argument("--borrowers", type=int, default=20, help="borrowers")
    p.add_argument("--steps", type=int, default=200, help="price-path steps")
    p.add_argument("--pyevm-steps", type=int, default=None, help="steps on py-evm (default: --steps); "
                   "a different size is timed but not compared")
    p.add_argument("--backends", default="revm,pyevm,anvil", help="comma-separated subset of " + ",".join(BACKENDS))
    p.add_argument("--bar-seconds", type=float, default=60.0, help="pyrevm must finish within this")
    p.add_argument("--bar-speedup", type=float, default=5.0, help="pyrevm must be this much faster than anvil")
    add_record(p)
    args = p.parse_args(argv)
    backends = [b for b in args.backends.split(",") if b]
    if not backends or set(backends) - set(BACKENDS):
        p.error(f"--backends: choose from {', '.join(BACKENDS)}")
    warm_up()
    rows: dict[str, dict[str, Any]] = {}
    stories: dict[str, Any] = {}
    for backend in backends:
        steps = args.pyevm_steps if backend == "pyevm" and args.pyevm_steps else args.steps
        options = ScenarioOptions(borrowers=args.borrowers, steps=steps, progress=False)
        start = time.perf_counter()
        result = RUNNERS[backend](args.scenario, options)
        seconds = time.perf_counter() - start
        data = result.to_json()
        if steps == args.steps:
            stories[backend] = backend_independent(data)
        rows[backend] = {"steps": steps, "seconds": round(seconds, 1), "gas_spent": data["metrics"]["gas_spent"],
                         "bad_debt": data["metrics"]["bad_debt"],
                         "liquidations": data["metrics"]["liquidations_by_tier"]["events"]}
        print(f"{backend}: {seconds:.1f} s", flush=True)
    reference = stories.get("anvil") or next(iter(stories.values()))
    for backend, row in rows.items():
        row["same_story"] = stories[backend] == reference if backend in stories else None
        if "anvil" in rows and row["steps"] == rows["anvil"]["steps"]:
            row["speedup_vs_anvil"] = round(rows["anvil"]["seconds"] / row["seconds"], 1)
    print(f"\nscenario {args.scenario}, {args.borrowers} borrowers")
    print(f"{'backend':<8}{'steps':>7}{'seconds':>10}{'x anvil':>9}{'same story':>12}{'liquidations':>14}{'gas spent':>14}")
    for backend, row in rows.items():
        print(f"{backend:<8}{row['steps']:>7}{row['seconds']:>10}{row.get('speedup_vs_anvil', '-'):>9}"
              f"{str(row['same_story']):>12}{row['liquidations']:>14}{row['gas_spent']:>14,}")
    bars = {"every compared backend tells the same story": all(r["same_story"] is not False for r in rows.values())}
    if "revm" in rows:
        bars[f"pyrevm within {args.bar_seconds:g} s"] = rows["revm"]["seconds"] <= args.bar_seconds
        if "speedup_vs_anvil" in rows["revm"] and "anvil" in rows:
            bars[f"pyrevm >= {args.bar_speedup:g}x faster than anvil"] = rows["revm"]["speedup_vs_anvil"] >= args.bar_speedup
    write_results("scenario_speed", args.record, {
        "scenario": args.scenario, "borrowers": args.borrowers, "steps": args.steps, "backends": rows, "bars": bars,
    })
    return verdict(bars)


if __name__ == "__main__":
    sys.exit(main())
