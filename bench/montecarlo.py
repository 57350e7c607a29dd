"""Monte Carlo speed: `softliq montecarlo`'s default run (default population and
parameters, GBM at 80% a year, 600-s steps, keepers 1 block late paying 5 gwei) at
10,000 paths x 1,000 steps on every core, through the command's own jobs; path-steps/s
per core; the ideal-keeper load of the model's original Monte Carlo (no gas, GBM at 0.4%
a step) for comparison with the times measured before this benchmark (171-218 s); and
a sample of the run replayed on titanoboa, which must agree with the model to the wei.
The bar: seconds_10k_x_1k <= 60 on this 2-core machine. The machine is shared, so each
run also reports its CPU seconds over the workers (`idle_machine_seconds`): the wall time
with the cores to itself.

    python bench/montecarlo.py [--paths 10000] [--steps 1000] [--workers N] [--skip-ideal] [--record]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from results_dir import add_record, verdict, write_results  # noqa: E402

from softliq.model import montecarlo as mc  # noqa: E402
from softliq.params import MarketParams  # noqa: E402
from softliq.risklab.montecarlo import RunSpec, keepers_for, simulate  # noqa: E402
from softliq.risklab.pathmodels import PathModel  # noqa: E402

BAR_SECONDS = 60.0
BEFORE_SECONDS = (171, 218)
"""10k x 1k before this benchmark (bench/results/fuzz_throughput.json's model_monte_carlo
and its earlier runs): ideal keepers, 2 workers."""


def default_run(paths: int, steps: int) -> RunSpec:
    """`softliq montecarlo`'s defaults at this size."""
    params = MarketParams()
    return RunSpec(PathModel(), paths, steps, 600, 0, params, mc.POPULATION, keepers_for(1, 5.0, 600))


def cpu_seconds() -> float:
    """CPU time of this process and its finished children (the worker processes)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def rates(paths: int, steps: int, workers: int, wall: float, cpu: float) -> dict[str, Any]:
    """Throughput figures of a run; `idle_machine_seconds` is the CPU time over the
    workers: the wall time the run would take with the cores to itself."""
    total = paths * steps
    return {
        "paths": paths,
        "steps": steps,
        "workers": workers,
        "wall_seconds": round(wall, 1),
        "cpu_seconds": round(cpu, 1),
        "idle_machine_seconds": round(cpu / workers, 1),
        "path_steps_per_second": round(total / wall),
        "path_steps_per_second_per_core": round(total / wall / workers),
        "path_steps_per_cpu_second": round(total / cpu) if cpu else None,
    }


def timed(spec: RunSpec, workers: int) -> dict[str, Any]:
    """`spec` on `workers` processes: throughput and what the keepers did."""
    mc.base_market(spec.params, spec.population)  # built before the workers fork
    cpu = cpu_seconds()
    outcomes, wall = simulate(spec, workers, progress=False)
    out = rates(spec.n_paths, spec.n_steps, workers, wall, cpu_seconds() - cpu)
    out.update(trades=sum(o.trades for o in outcomes), liquidations=sum(o.liquidations for o in outcomes))
    return out


def ideal_run(paths: int, steps: int, workers: int) -> dict[str, Any]:
    """The original Monte Carlo's load (softliq.model.montecarlo.throughput)."""
    mc.base_market(MarketParams())
    cpu = cpu_seconds()
    result = mc.throughput(paths, steps, workers)
    out = rates(paths, steps, workers, result["wall_seconds"], cpu_seconds() - cpu)
    out.update(trades=result["trades"], liquidations=result["liquidations"])
    return out


def chain_sample(spec: RunSpec, paths: int, steps: int) -> dict[str, Any]:
    """The first `paths` paths of the run, cut to `steps`, replayed on titanoboa."""
    from softliq.risklab.montecarlo import chain_check

    short = RunSpec(spec.model, paths, steps, spec.dt, spec.seed, spec.params, spec.population, spec.keepers)
    return chain_check(short, paths)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--paths", type=int, default=10_000)
    p.add_argument("--steps", type=int, default=1_000)
    p.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    p.add_argument("--skip-ideal", action="store_true", help="do not time the ideal-keeper load")
    p.add_argument("--sample-paths", type=int, default=2)
    p.add_argument("--sample-steps", type=int, default=300)
    add_record(p)
    args = p.parse_args(argv)
    spec = default_run(args.paths, args.steps)
    load_before = os.getloadavg()[0]
    run = timed(spec, args.workers)
    ideal = None if args.skip_ideal else ideal_run(args.paths, args.steps, args.workers)
    sample = chain_sample(spec, args.sample_paths, args.sample_steps)
    scale = 10_000 * 1_000 / (args.paths * args.steps)
    seconds = run["wall_seconds"] * scale
    print(f"default run: {run['paths']} x {run['steps']} on {run['workers']} workers in {run['wall_seconds']} s "
          f"({run['path_steps_per_second_per_core']:,} path-steps/s per core, {run['path_steps_per_cpu_second']:,} per CPU-second)")
    print(f"  idle-machine estimate (CPU seconds / workers): {run['idle_machine_seconds']} s")
    if ideal:
        print(f"ideal keepers (the former load): {ideal['wall_seconds']} s, idle-machine estimate {ideal['idle_machine_seconds']} s "
              f"({ideal['path_steps_per_cpu_second']:,} path-steps per CPU-second)")
    print(f"chain sample: {sample['paths']} paths x {args.sample_steps} steps, bit-exact {sample['bit_exact']}")
    print(f"load average {load_before:.2f} before, {os.getloadavg()[0]:.2f} after, on {os.cpu_count()} cores")
    write_results("montecarlo", args.record, {
        "seconds_10k_x_1k": round(seconds, 1),
        "seconds_10k_x_1k_idle_machine_estimate": round(run["idle_machine_seconds"] * scale, 1),
        "measured_at_full_size": scale == 1,
        "path_steps_per_second_per_core": run["path_steps_per_second_per_core"],
        "bar_seconds": BAR_SECONDS,
        "before_seconds_10k_x_1k": list(BEFORE_SECONDS),
        "default_run": run,
        "ideal_keepers_run": ideal,
        "chain_sample": sample,
        "load_average_before_after": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        "cores": os.cpu_count(),
    })
    return verdict({f"seconds_10k_x_1k <= {BAR_SECONDS:g}": seconds <= BAR_SECONDS, "chain sample bit-exact": bool(sample["bit_exact"])})


if __name__ == "__main__":
    sys.exit(main())
