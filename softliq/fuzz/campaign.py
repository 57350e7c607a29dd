"""Long fuzz campaigns across processes, for `python -m softliq fuzz`.

Each worker process deploys its markets once, then runs batches of examples of the
`deep` profile, rotating over the machines (system on 18- and 6-decimal collateral,
gentle on 18, system on an 18-decimal market whose AMM reads an EmaOracle), each batch
with its own seed, until the time or example budget is spent.
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

from softliq.fuzz.world import EMA_TIME

BATCH = 4
"""Examples per batch: progress is reported (and the time budget checked) per batch."""
MARKETS: dict[str, dict[str, int]] = {
    "18": {"collateral_decimals": 18},
    "6": {"collateral_decimals": 6},
    "18ema": {"collateral_decimals": 18, "ema_time": EMA_TIME},
}
"""Market key -> its MarketParams (besides SMALL_LOANS): each worker deploys one world
per key its machines name."""
MACHINES = (("SystemMachine", "18"), ("SystemMachine", "6"), ("GentleMachine", "18"), ("SystemMachine", "18ema"))
"""(machine, market key), in rotation order; `--only machine:market` runs one."""


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


def replay_command(machine: str, market: str, seed: int) -> str:
    """The command that re-runs one failing batch (of `machine` on the `market` key)."""
    return f"python -m softliq fuzz --examples {BATCH} --seed {seed} --only {machine}:{market} --workers 1"


def market_params(market: str) -> Any:
    """The MarketParams of a market key (MARKETS)."""
    from softliq.params import SMALL_LOANS, MarketParams

    return MarketParams(**MARKETS[market], **SMALL_LOANS)


def _run_batch(worlds: dict[str, Any], machine_name: str, market: str, seed: int, examples: int) -> dict[str, Any]:
    from softliq.fuzz import machine as machines
    from softliq.fuzz.invariants import STATS
    from softliq.fuzz.profiles import profile
    from softliq.fuzz.runner import run_machine

    STATS.reset()
    failure = None
    try:
        run_machine(getattr(machines, machine_name), worlds[market], profile("deep"), seed, examples, report=False)
    except Exception as error:  # noqa: BLE001 - every failure is reported, none is lost
        failure = {
            "machine": machine_name,
            "market": market,
            "decimals": MARKETS[market]["collateral_decimals"],
            "ema_time": MARKETS[market].get("ema_time", 0),
            "seed": seed,
            "error": f"{type(error).__name__}: {error}",
            "steps": "\n".join(getattr(error, "__notes__", [])) or traceback.format_exc(limit=3),
            "replay": replay_command(machine_name, market, seed),
        }
    return {**STATS.snapshot(), "failure": failure}


def worker(index: int, seed: int, budget: Budget, quota: int | None, only: tuple[str, str] | None, queue: Any) -> None:
    """One process: deploy, then run batches until the budget is spent; report to `queue`."""
    from softliq.fuzz.world import World

    machines = [only] if only else list(MACHINES)
    worlds = {key: World.deploy(market_params(key)) for key in dict.fromkeys(key for _, key in machines)}
    start = time.monotonic()
    done = batch = 0
    while True:
        if budget.seconds is not None and time.monotonic() - start >= budget.seconds:
            break
        if quota is not None and done >= quota:
            break
        n = BATCH if quota is None else min(BATCH, quota - done)
        machine_name, market = machines[batch % len(machines)]
        report = _run_batch(worlds, machine_name, market, seed + 1_000_003 * index + batch, n)
        done += report["examples"]
        batch += 1
        queue.put(report)
    queue.put(None)


def run_campaign(budget: Budget, workers: int, seed: int, only: tuple[str, str] | None = None, progress: bool = True) -> Summary:
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
