"""`softliq montecarlo`: many price paths through the exact model from one borrower
population, with keepers; writes summary.json, PNG plots and index.html.

`RunSpec` is the whole run (checked inputs); `simulate` runs it (in-process, on local
processes or a Dask cluster, with a progress bar); `summary` adds the run's metadata to
the statistics of `softliq.risklab.stats`; `write` builds the report directory."""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

import numpy as np

from softliq.model.montecarlo import Keepers, PathOutcome, Population, check_sample_against_chain
from softliq.params import MarketParams
from softliq.risklab import report, stats
from softliq.risklab.execute import Job, run_jobs, split
from softliq.risklab.pathmodels import PathModel, generate

BLOCK_SECONDS = 12
SWAP_GAS = 150_000
"""Gas of one swap, as the scenarios' arbitrageur prices it."""
FAN_SAMPLES = 24
"""About this many points of system health per path (each reads every borrower's bands)."""
FAN_PATHS = 1000
"""System health is sampled on the jobs holding the first FAN_PATHS paths (at least that
many paths; sampling every path would cost a large run ~10%)."""
JOBS_PER_WORKER = 8


def keepers_for(latency_blocks: int, gas_price_gwei: float, dt: int) -> Keepers:
    """The Monte Carlo's keepers for a latency (blocks of 12 s; it delays what they see
    by whole steps of `dt`) and a gas price (gwei)."""
    return Keepers(lag_steps=latency_blocks * BLOCK_SECONDS // dt, gas_price=int(round(gas_price_gwei * 10**9)), swap_gas=SWAP_GAS)


@dataclass(frozen=True)
class RunSpec:
    """One Monte Carlo run, its inputs checked."""

    model: PathModel
    n_paths: int
    n_steps: int
    dt: int
    seed: int
    params: MarketParams
    population: Population
    keepers: Keepers

    @property
    def sample_every(self) -> int:
        return max(1, self.n_steps // FAN_SAMPLES)

    def jobs(self, parts: int) -> list[Job]:
        """The run as `parts` jobs (fewer if there are fewer paths)."""
        return [
            Job(self.model, self.seed, first, count, self.n_steps, self.dt, self.params, self.population, self.keepers,
                self.sample_every if first < FAN_PATHS else 0)
            for first, count in split(self.n_paths, parts)
        ]

    def prices(self, count: int) -> np.ndarray:
        """The first `count` paths."""
        return generate(self.model, self.seed, 0, count, self.n_steps, self.dt, self.params.price / 10**18)


def job_count(n_paths: int, workers: int) -> int:
    """Jobs to split a run into: enough for a smooth progress bar and load balance."""
    return min(n_paths, max(20, workers * JOBS_PER_WORKER))


def simulate(spec: RunSpec, workers: int = 1, client: Any = None, progress: bool = True) -> tuple[list[PathOutcome], float]:
    """Every path's outcome, in path order, and the wall seconds it took."""
    from tqdm import tqdm

    started = time.perf_counter()
    with tqdm(total=spec.n_paths, unit="path", disable=not progress, desc="montecarlo") as bar:
        parts = run_jobs(spec.jobs(job_count(spec.n_paths, workers)), workers, client, bar.update)
    return [o for part in parts for o in part], time.perf_counter() - started


def changed_params(params: MarketParams) -> dict[str, Any]:
    """The fields of `params` that differ from the defaults."""
    default = MarketParams()
    return {f.name: getattr(params, f.name) for f in fields(MarketParams) if getattr(params, f.name) != getattr(default, f.name)}


def summary(spec: RunSpec, outcomes: list[PathOutcome], wall: float, workers: int, cluster: str | None, chain_check: dict[str, Any] | None) -> dict[str, Any]:
    """summary.json: the statistics, then how they were made."""
    start = stats.Start.of(spec.params, spec.population)
    out = stats.summarize(outcomes, start, spec.sample_every, spec.dt)
    steps = spec.n_paths * spec.n_steps
    out["run"] = {
        "seed": spec.seed,
        "paths": spec.n_paths,
        "steps": spec.n_steps,
        "dt_seconds": spec.dt,
        "path_model": spec.model.describe(),
        "params_changed": changed_params(spec.params),
        "population": [{"collateral": c / 10**18, "bands": n, "ltv_share": s / 10**6} for c, n, s in spec.population],
        "keepers": asdict(spec.keepers),
        "workers": workers,
        "cluster": cluster,
        "wall_seconds": round(wall, 3),
        "path_steps_per_second": round(steps / wall) if wall else None,
    }
    out["validation"] = {
        "engine": "softliq.model: integer-exact twin of the contracts (no float shortcut decides a result)",
        "error_vs_exact_model": 0,
        "chain_check": chain_check,
    }
    return out


def chain_check(spec: RunSpec, n_paths: int) -> dict[str, Any]:
    """Replay the run's first `n_paths` paths on titanoboa with the same decisions;
    every action and the final state must agree to the wei."""
    from softliq.model.chain import Mismatch

    started = time.perf_counter()
    count = min(n_paths, spec.n_paths)
    try:
        exact, detail = check_sample_against_chain(
            count, spec.n_steps, spec.seed, spec.dt, paths=spec.prices(count), params=spec.params,
            population=spec.population, keepers=spec.keepers,
        ), ""
    except Mismatch as error:
        exact, detail = False, str(error)[:300]
    return {"paths": count, "bit_exact": exact, "mismatch": detail, "seconds": round(time.perf_counter() - started, 1)}


def figures(outcomes: list[PathOutcome], data: dict[str, Any], start: stats.Start) -> list[report.Figure]:
    """The three plots: bad-debt distribution, loss by N, system health fan chart."""
    bad = stats.bad_debt_pct(outcomes, start)

    def bad_debt(ax: Any) -> None:
        ax.hist(bad, bins=40, color="tab:red")
        ax.set_xlabel("bad debt, % of starting debt")
        ax.set_ylabel("paths")
        ax.set_title(f"Bad debt over {len(bad)} paths ({100 * np.mean(bad > 0):.1f}% of paths have any)")

    def loss_by_n(ax: Any) -> None:
        buckets = data["borrower_loss_by_n"]
        names = list(buckets)
        ax.bar(names, [buckets[b]["loss_pct_mean"] for b in names], color="tab:blue", label="mean")
        ax.plot(names, [buckets[b]["loss_pct_p95"] for b in names], "k_", markersize=30, label="P95")
        ax.set_xlabel("bands N")
        ax.set_ylabel("loss, % of collateral value")
        ax.set_title("Borrower loss by band count (vs holding the collateral)")
        ax.legend()

    def fan(ax: Any) -> None:
        f = data["health_fan"]
        hours = np.array(f["hours"])
        series = {q: np.array([np.nan if v is None else v for v in f[f"p{q}"]]) for q in stats.FAN}
        ax.fill_between(hours, series[5], series[95], alpha=0.2, color="tab:green", label="P5-P95")
        ax.fill_between(hours, series[25], series[75], alpha=0.4, color="tab:green", label="P25-P75")
        ax.plot(hours, series[50], color="black", label="median")
        ax.axhline(0, color="tab:red", lw=0.8)
        ax.set_xlabel("hours")
        ax.set_ylabel("value / debt - 1")
        ax.set_title("System health: borrowers' AMM value over their debt, across paths")
        ax.legend()

    return [
        ("bad_debt.png", "Distribution of bad debt per path", bad_debt),
        ("loss_by_n.png", "Borrower loss by band count", loss_by_n),
        ("health_fan.png", "Fan chart of system health over time", fan),
    ]


def write(out: Path, data: dict[str, Any], outcomes: list[PathOutcome], spec: RunSpec) -> Path:
    """The report directory: summary.json, the PNG plots, index.html."""
    start = stats.Start.of(spec.params, spec.population)
    with report.written(out) as tmp:
        report.write_json(tmp / "summary.json", data)
        pictures = report.draw(tmp, figures(outcomes, data, start))
        (tmp / "index.html").write_text(report.page("softliq Monte Carlo", intro(data), [report.table(rows(data))], pictures))
    return out


def intro(data: dict[str, Any]) -> list[str]:
    run = data["run"]
    return [
        f"{run['paths']} paths x {run['steps']} steps of {run['dt_seconds']} s, path model {run['path_model']}, seed {run['seed']}.",
        f"Every number comes from the integer-exact model of the contracts. Full data: summary.json.",
    ]


def rows(data: dict[str, Any]) -> list[tuple[str, str]]:
    """(label, value) of the key numbers, for index.html and the terminal."""
    bad, loss = data["bad_debt_pct_of_debt"], data["borrower_loss_pct_of_collateral"]
    tiers, auctions = data["liquidations_by_tier"], data["auction_clearing_vs_market"]
    out = [
        ("starting LTV", f"{100 * data['start']['ltv']:.2f}%"),
        ("bad debt, % of debt", f"mean {bad['mean']:.4f}  P50 {bad['p50']:.4f}  P95 {bad['p95']:.4f}  P99 {bad['p99']:.4f}  max {bad['max']:.4f}"),
        ("paths with bad debt", f"{100 * data['paths_with_bad_debt_share']:.2f}%"),
        ("borrower loss, % of collateral", f"mean {loss['mean']:.4f}  P50 {loss['p50']:.4f}  P95 {loss['p95']:.4f}"),
    ]
    out += [(f"  loss N={b}", f"mean {r['loss_pct_mean']:.4f}%  P95 {r['loss_pct_p95']:.4f}%") for b, r in data["borrower_loss_by_n"].items()]
    clearing = "-" if auctions["mean"] is None else f"mean {auctions['mean']:.4f} (min {auctions['min']:.4f}, max {auctions['max']:.4f})"
    out += [
        ("liquidations tier 1 / tier 2", f"{tiers['1']} / {tiers['2']}"),
        ("auction takes, price / market", f"{auctions['takes']}: {clearing}"),
        ("wall seconds", f"{data['run']['wall_seconds']} ({data['run']['path_steps_per_second']} path-steps/s)"),
    ]
    return out
