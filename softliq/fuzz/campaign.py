"""Long fuzz campaigns across processes, for `python -m softliq fuzz`.

Each worker process deploys its markets once, then runs batches of examples of the
`deep` profile, rotating over the machines (system on 18- and 6-decimal collateral,
gentle on 18), each batch with its own seed, until the time or example budget is spent.
Workers report progress after every batch; a failing batch is recorded with its seed,
its minimal failing steps and the command that replays it.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import time
import traceback
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

BATCH = 4
"""Examples per batch: progress is reported (and the time budget checked) per batch."""
MACHINES = (("SystemMachine", 18), ("SystemMachine", 6), ("GentleMachine", 18))


@dataclass(frozen=True)
class Budget:
    """Stop after `seconds`, or after `examples` examples (exactly one is set)."""

    seconds: float | None = None
    examples: int | None = None


@dataclass
class Summary:
    """What a campaign did."""

    seed: int
    workers: int
    profile: str
    examples: int = 0
    steps: int = 0
    seconds: float = 0.0
    checks: Counter[str] = field(default_factory=Counter)
    events: Counter[str] = field(default_factory=Counter)
    rules: dict[str, Counter[str]] = field(default_factory=dict)
    """Rule -> {"ran": steps, "succeeded": steps in which a call of it went through}."""
    calls: Counter[str] = field(default_factory=Counter)
    """"contract.method: ok" or "contract.method: <revert reason>" -> how often."""
    failures: list[dict[str, Any]] = field(default_factory=list)
    evm: str = "revm"
    """The EVM the workers ran on (softliq.fuzz.evm)."""

    def add(self, batch: dict[str, Any]) -> None:
        """Fold one batch report in."""
        self.examples += batch["examples"]
        self.steps += batch["steps"]
        self.checks.update(batch["checks"])
        self.events.update(batch["events"])
        for name, counts in batch.get("rules", {}).items():
            self.rules.setdefault(name, Counter()).update(counts)
        self.calls.update(batch.get("calls", {}))
        if batch.get("failure"):
            self.failures.append(batch["failure"])

    def as_json(self) -> dict[str, Any]:
        """JSON-ready summary."""
        return {
            "seed": self.seed,
            "workers": self.workers,
            "profile": self.profile,
            "evm": self.evm,
            "examples": self.examples,
            "steps": self.steps,
            "seconds": round(self.seconds, 2),
            "steps_per_second": round(self.steps / self.seconds, 2) if self.seconds else 0.0,
            "invariant_checks": sum(self.checks.values()),
            "checks": dict(sorted(self.checks.items())),
            "events": dict(sorted(self.events.items())),
            "rules": {name: {"ran": c["ran"], "succeeded": c["succeeded"]} for name, c in sorted(self.rules.items())},
            "calls": dict(sorted(self.calls.items())),
            "failures": self.failures,
        }


def replay_command(machine: str, decimals: int, seed: int) -> str:
    """The command that re-runs one failing batch."""
    return f"python -m softliq fuzz --examples {BATCH} --seed {seed} --only {machine}:{decimals} --workers 1"


def _run_batch(worlds: dict[int, Any], machine_name: str, decimals: int, seed: int, examples: int) -> dict[str, Any]:
    from softliq.fuzz import machine as machines
    from softliq.fuzz.invariants import STATS
    from softliq.fuzz.profiles import profile
    from softliq.fuzz.runner import run_machine

    STATS.reset()
    failure = None
    try:
        run_machine(getattr(machines, machine_name), worlds[decimals], profile("deep"), seed, examples, report=False)
    except Exception as error:  # noqa: BLE001 - every failure is reported, none is lost
        failure = {
            "machine": machine_name,
            "decimals": decimals,
            "seed": seed,
            "error": f"{type(error).__name__}: {error}",
            "steps": "\n".join(getattr(error, "__notes__", [])) or traceback.format_exc(limit=3),
            "replay": replay_command(machine_name, decimals, seed),
        }
    return {**STATS.snapshot(), "failure": failure}


def worker(index: int, seed: int, budget: Budget, quota: int | None, only: tuple[str, int] | None, queue: Any) -> None:
    """One process: deploy, then run batches until the budget is spent; report to `queue`."""
    from softliq.fuzz.world import World
    from softliq.params import SMALL_LOANS, MarketParams

    machines = [only] if only else list(MACHINES)
    worlds = {d: World.deploy(MarketParams(collateral_decimals=d, **SMALL_LOANS)) for d in sorted({d for _, d in machines})}
    start = time.monotonic()
    done = batch = 0
    while True:
        if budget.seconds is not None and time.monotonic() - start >= budget.seconds:
            break
        if quota is not None and done >= quota:
            break
        n = BATCH if quota is None else min(BATCH, quota - done)
        machine_name, decimals = machines[batch % len(machines)]
        report = _run_batch(worlds, machine_name, decimals, seed + 1_000_003 * index + batch, n)
        done += report["examples"]
        batch += 1
        queue.put(report)
    queue.put(None)


def run_campaign(budget: Budget, workers: int, seed: int, only: tuple[str, int] | None = None, progress: bool = True) -> Summary:
    """Run a campaign; returns its summary (failures included, never raised)."""
    from tqdm import tqdm

    from softliq.fuzz.evm import EVM_ENV

    summary = Summary(seed=seed, workers=workers, profile="deep", evm=os.environ.get(EVM_ENV) or "revm")
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    quotas = _split(budget.examples, workers) if budget.examples is not None else [None] * workers
    procs = [ctx.Process(target=worker, args=(i, seed, budget, quotas[i], only, queue)) for i in range(workers)]
    start = time.monotonic()
    for p in procs:
        p.start()
    total = budget.examples if budget.examples is not None else None
    bar = tqdm(total=total, unit="example", disable=not progress, desc="fuzz")
    running = workers
    try:
        while running:
            report = queue.get()
            if report is None:
                running -= 1
                continue
            summary.add(report)
            bar.update(report["examples"])
            bar.set_postfix(steps=summary.steps, failures=len(summary.failures))
    finally:
        bar.close()
        for p in procs:
            p.join()
    summary.seconds = time.monotonic() - start
    return summary


def _split(total: int, parts: int) -> list[int]:
    return [total // parts + (1 if i < total % parts else 0) for i in range(parts)]
