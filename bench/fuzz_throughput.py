"""Fuzz throughput: full-system stateful steps/s on titanoboa, per EVM backend, and the
model's Monte Carlo throughput.

Backends: pyrevm (the in-process Rust EVM, through softliq.revm), py-evm (titanoboa's
default) and py-evm with titanoboa's fast mode. Each backend runs the same seeded
examples of the system state machine (invariant 8's model included) in a fresh process
(softliq.fuzz.throughput); a digest of what happened (every check and event count) must
be identical across backends. The market is deployed once before timing. Prints a
table and writes reports/bench/fuzz_throughput.json
(bench/results/fuzz_throughput.json, tracked, with --record).

    python bench/fuzz_throughput.py [--examples 12] [--steps 40] [--mc-paths 10000] [--mc-steps 1000]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import sys
from pathlib import Path
from typing import Any

from softliq.fuzz.throughput import EVMS, in_subprocess
sys.path.insert(0, str(Path(__file__).resolve().parent))
from results_dir import add_record, verdict, write_results  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
BAR_STEPS_PER_SECOND = 60


def model_throughput(n_paths: int, n_steps: int, workers: int) -> dict[str, Any] | str:
    """softliq.model.montecarlo.throughput if the model exists, else why not."""
    if importlib.util.find_spec("softliq.model") is None:
        return "softliq.model not present"
    try:
        from softliq.model import montecarlo
    except ImportError as error:
        return f"softliq.model.montecarlo not importable: {error}"
    if not hasattr(montecarlo, "throughput"):
        return "softliq.model.montecarlo has no throughput()"
    return montecarlo.throughput(n_paths, n_steps, workers)


def model_sample_vs_chain(n_paths: int, n_steps: int, seed: int) -> dict[str, Any]:
    """Replay a sample of the Monte Carlo's paths on titanoboa with the same decisions;
    every action and the final state must agree with the model to the wei."""
    import time

    from softliq.model.chain import Mismatch
    from softliq.model.montecarlo import check_sample_against_chain

    start = time.perf_counter()
    try:
        exact, detail = check_sample_against_chain(n_paths, n_steps, seed), ""
    except Mismatch as error:
        exact, detail = False, str(error)[:500]
    return {"paths": n_paths, "steps": n_steps, "seed": seed, "bit_exact": exact, "seconds": round(time.perf_counter() - start, 1), "mismatch": detail}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--examples", type=int, default=12)
    p.add_argument("--steps", type=int, default=40)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--mc-paths", type=int, default=10_000)
    p.add_argument("--mc-steps", type=int, default=1_000)
    p.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    p.add_argument("--sample-paths", type=int, default=4, help="Monte Carlo paths replayed on the chain")
    p.add_argument("--sample-steps", type=int, default=200)
    p.add_argument("--long-examples", type=int, default=100, help="examples of the longer pyrevm run behind the steps/s bar")
    add_record(p)
    args = p.parse_args(argv)
    if min(args.examples, args.steps, args.mc_paths, args.mc_steps, args.workers, args.sample_paths, args.sample_steps, args.long_examples) < 1:
        p.error("every count must be at least 1")

    rows = [in_subprocess(b, args.examples, args.steps, args.seed) for b in EVMS]
    for r in rows:
        del r["counts"]
    identical = len({r["digest"] for r in rows}) == 1
    fastest = max(rows, key=lambda r: r["steps_per_second"])
    # the identity check above keeps py-evm's share short; the bar is judged on a longer run
    long_run = in_subprocess("pyrevm", args.long_examples, args.steps, args.seed + 1)
    del long_run["counts"]
    model = model_throughput(args.mc_paths, args.mc_steps, args.workers)
    sample = model_sample_vs_chain(args.sample_paths, args.sample_steps, args.seed)
    evm_rows: list[dict[str, Any]] | str = "pyrevm not installed"
    if importlib.util.find_spec("pyrevm") is not None:
        sys.path.insert(0, str(ROOT / "bench"))
        import evm_backends

        evm_rows = evm_backends.measure()

    print(f"{'backend':<20}{'examples':>9}{'steps':>7}{'seconds':>9}{'steps/s':>9}{'checks':>8}  digest")
    for r in rows:
        print(f"{r['backend']:<20}{r['examples']:>9}{r['steps']:>7}{r['seconds']:>9}{r['steps_per_second']:>9}{r['invariant_checks']:>8}  {r['digest']}")
    if isinstance(evm_rows, list):
        print(f"\n{'heavy call':<22}{'py-evm ms':>10}{'pyrevm ms':>11}{'speedup':>9}  identical")
        for r in evm_rows:
            print(f"{r['call']:<22}{r['py_evm_ms']:>10}{r['pyrevm_ms']:>11}{r['speedup']:>9}  {r['identical']}")
    else:
        print(f"heavy calls on pyrevm: {evm_rows}")
    print(f"identical results across backends: {identical}; fastest: {fastest['backend']}")
    print(f"pyrevm, longer run: {long_run['examples']} examples, {long_run['steps']} steps in {long_run['seconds']} s "
          f"= {long_run['steps_per_second']} steps/s (bar {BAR_STEPS_PER_SECOND})")
    if isinstance(model, dict):
        print(f"model Monte Carlo: {model['n_paths']} paths x {model['n_steps']} steps in {model['wall_seconds']:.1f} s "
              f"on {model['workers']} workers = {model['path_steps_per_second']:,.0f} path-steps/s")
    else:
        print(f"model Monte Carlo: {model}")
    print(f"model vs chain on a sample ({sample['paths']} paths x {sample['steps']} steps): "
          f"{'bit-exact' if sample['bit_exact'] else 'MISMATCH ' + sample['mismatch']} ({sample['seconds']} s)")
    load = os.getloadavg()[0]
    print(f"load average at the end: {load:.2f} on {os.cpu_count()} cores")
    write_results("fuzz_throughput", args.record, {
        "stateful": rows,
        "stateful_long_pyrevm": long_run,
        "bar_met": long_run["steps_per_second"] >= BAR_STEPS_PER_SECOND,
        "identical_results": identical,
        "fastest_backend": fastest["backend"],
        "kept_backend": "pyrevm (softliq.fuzz.evm's default)" if identical else "py-evm (results differ)",
        "bar_steps_per_second": BAR_STEPS_PER_SECOND,
        "heavy_calls_py_evm_vs_pyrevm": evm_rows,
        "model_monte_carlo": model,
        "model_sample_vs_chain": sample,
        "load_average": round(load, 2),
        "cores": os.cpu_count(),
    })
    return verdict({
        f"pyrevm >= {BAR_STEPS_PER_SECOND} steps/s": long_run["steps_per_second"] >= BAR_STEPS_PER_SECOND,
        "identical results across backends": identical,
        "model and chain agree on the sample": bool(sample["bit_exact"]),
    })


if __name__ == "__main__":
    sys.exit(main())
