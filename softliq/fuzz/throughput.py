"""Run the system machine for a fixed seed on one EVM and summarise what happened.

`bench/fuzz_throughput.py` times it on each EVM; `tests/fuzz/test_backends.py` checks
that both EVMs give identical results. Each run happens in a fresh process, so that
titanoboa's global env (and its fast mode, which cannot be switched off) starts clean.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
EVMS = {"pyrevm": "revm", "py-evm": "pyevm", "py-evm fast mode": "pyevm"}
"""Backend label -> `softliq.fuzz.evm.make_evm` choice."""


class BackendError(ValueError):
    """An unknown backend label."""


def stateful_run(backend: str, examples: int, steps: int, seed: int) -> dict[str, Any]:
    """Run the system machine in this process on `backend`: steps/s and a digest of every
    check and event count (equal digests: the runs did the same things)."""
    from softliq.fuzz.evm import make_evm
    from softliq.fuzz.invariants import STATS
    from softliq.fuzz.machine import SystemMachine
    from softliq.fuzz.profiles import Profile
    from softliq.fuzz.runner import run_machine
    from softliq.fuzz.world import World

    if backend not in EVMS:
        raise BackendError(f"unknown backend {backend!r}: choose one of {', '.join(EVMS)}")
    evm = make_evm(EVMS[backend])
    if EVMS[backend] == "pyevm":
        import boa

        from softliq.revm import GENESIS_TIMESTAMP

        # a fresh process: start titanoboa's clock where pyrevm's starts, so both see the same times
        boa.env.evm.patch.timestamp = GENESIS_TIMESTAMP
        if backend == "py-evm fast mode":
            boa.env.enable_fast_mode()
    world = World.deploy(evm=evm)
    STATS.reset()
    start = time.perf_counter()
    run_machine(SystemMachine, world, Profile("bench", examples, steps), seed, examples, database=False, report=False)
    seconds = time.perf_counter() - start
    snap = STATS.snapshot()
    return {
        "backend": backend,
        "examples": snap["examples"],
        "steps": snap["steps"],
        "seconds": round(seconds, 2),
        "steps_per_second": round(snap["steps"] / seconds, 1),
        "invariant_checks": sum(snap["checks"].values()),
        "digest": hashlib.sha256(json.dumps(snap, sort_keys=True).encode()).hexdigest()[:16],
        "counts": snap,
    }


def in_subprocess(backend: str, examples: int, steps: int, seed: int) -> dict[str, Any]:
    """`stateful_run` in a fresh Python process."""
    code = (
        "import json; from softliq.fuzz.throughput import stateful_run; "
        f"print(json.dumps(stateful_run({backend!r}, {examples}, {steps}, {seed})))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(f"{backend} run failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])
