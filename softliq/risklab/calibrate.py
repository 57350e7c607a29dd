"""`softliq calibrate`: for one volatility and a bad-debt budget, try every parameter set
of a search space (a grid over a TOML file; `--quick` the corners) on the same price
paths, and recommend the one that lets borrowers borrow most while bad debt at the
chosen percentile stays within the budget. Writes summary.json, the Pareto frontier
(max LTV vs bad debt vs median borrower loss) as a PNG and a table, the recommended
parameters as a params TOML (loadable by --params everywhere), and index.html."""

from __future__ import annotations

import itertools
import json
import math
import time
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from softliq.model.montecarlo import PathOutcome
from softliq.params import MarketParams, ParamsError, load_params, params_from_dict
from softliq.risklab import report, stats
from softliq.risklab.execute import Job, run_jobs, split
from softliq.risklab.inputs import RiskInputError, check_market
from softliq.risklab.montecarlo import JOBS_PER_WORKER, RunSpec, changed_params

DEFAULT_SPACE = Path(__file__).with_name("default_space.toml")
PERCENTILES = (50, 95, 99)


@dataclass(frozen=True)
class Candidate:
    """One parameter set: the space's values (as written) and the parameters they give."""

    values: tuple[tuple[str, Any], ...]
    params: MarketParams

    def label(self) -> str:
        return ", ".join(f"{k}={v}" for k, v in self.values)


@dataclass(frozen=True)
class Scored:
    """A candidate and what its paths gave."""

    candidate: Candidate
    ltv: float
    bad_debt: dict[str, float]
    loss_p50: float
    paths_with_bad_debt: float

    def row(self, percentile: int) -> dict[str, Any]:
        return {
            "values": dict(self.candidate.values),
            "ltv": self.ltv,
            f"bad_debt_p{percentile}_pct": self.bad_debt[f"p{percentile}"],
            "bad_debt_pct": self.bad_debt,
            "median_borrower_loss_pct": self.loss_p50,
            "paths_with_bad_debt_share": self.paths_with_bad_debt,
        }


# ---------------------------------------------------------------- inputs


def read_table(path: Path, option: str) -> dict[str, Any]:
    """A TOML (or, for params, JSON) file's top-level table."""
    try:
        text = path.read_text()
        return json.loads(text) if path.suffix == ".json" else tomllib.loads(text)
    except (OSError, UnicodeDecodeError) as error:
        raise RiskInputError(f"{option} {path}: cannot read ({error})") from None
    except (tomllib.TOMLDecodeError, json.JSONDecodeError) as error:
        raise RiskInputError(f"{option} {path}: not valid {path.suffix[1:].upper() or 'TOML'} ({error})") from None


def load_space(path: Path | None) -> dict[str, list[Any]]:
    """The [space] table: field -> non-empty list of values (human units)."""
    source = path or DEFAULT_SPACE
    data = read_table(source, "--space")
    space = data.get("space")
    if set(data) - {"space"} or not isinstance(space, dict) or not space:
        raise RiskInputError(f"--space {source}: expected one [space] table of fields and value lists")
    for name, values in space.items():
        if not isinstance(values, list) or not values:
            raise RiskInputError(f"--space {source}: {name} must be a non-empty list of values")
    return space


def candidates(space: dict[str, list[Any]], base_values: dict[str, Any], base: MarketParams, quick: bool, source: str) -> tuple[list[Candidate], list[dict[str, Any]]]:
    """Every combination the contracts accept, and the rejected ones with the reason.
    A field unknown to params files, or a value no accepted candidate has, is bad input."""
    grid = {k: ([v[0], v[-1]] if quick and len(v) > 1 else v) for k, v in space.items()}
    names = list(grid)
    accepted: list[Candidate] = []
    rejected: list[dict[str, Any]] = []
    for combo in itertools.product(*(grid[n] for n in names)):
        values = tuple(zip(names, combo))
        try:
            params = params_from_dict({**base_values, **dict(values)}, source, base)
        except ParamsError as error:
            if "unknown parameter" in str(error):
                raise RiskInputError(f"--space {error}") from None
            rejected.append({"values": dict(values), "reason": str(error).removeprefix(f"{source}: ")})
            continue
        accepted.append(Candidate(values, params))
    for name in names:
        for value in grid[name]:
            if not any(dict(c.values)[name] == value for c in accepted):
                reason = next(r["reason"] for r in rejected if r["values"][name] == value)
                raise RiskInputError(f"--space {source}: {name} = {value!r}: the contracts accept no candidate with it ({reason})")
    return accepted, rejected


def budget_fraction(text: str) -> float:
    """--max-bad-debt: "0.1%" or 0.001, as a percentage of debt (0.1)."""
    raw = text.strip()
    try:
        value = float(raw[:-1]) if raw.endswith("%") else float(raw) * 100
    except ValueError:
        raise RiskInputError(f"--max-bad-debt {text!r} is not a fraction (0.001) or a percentage (0.1%)") from None
    if not math.isfinite(value) or not 0 <= value <= 100:
        raise RiskInputError(f"--max-bad-debt must be between 0% and 100% of debt, got {text}")
    return value


# ---------------------------------------------------------------- search


def sweep(spec: RunSpec, options: list[Candidate], workers: int, client: Any, progress: bool) -> tuple[list[list[PathOutcome]], float]:
    """Every candidate's outcomes on the same paths (spec's seed), jobs spread over
    workers or the cluster."""
    from tqdm import tqdm

    for c in options:
        check_market(c.params, spec.population, f"--space candidate {c.label()}")
    parts = max(1, math.ceil(max(20, workers * JOBS_PER_WORKER) / len(options)))
    slices = split(spec.n_paths, parts)
    jobs = [Job(spec.model, spec.seed, first, count, spec.n_steps, spec.dt, c.params, spec.population, spec.keepers, 0)
            for c in options for first, count in slices]
    started = time.perf_counter()
    with tqdm(total=len(options) * spec.n_paths, unit="path", disable=not progress, desc="calibrate") as bar:
        parts_out = run_jobs(jobs, workers, client, bar.update)
    k = len(slices)
    per_candidate = [[o for part in parts_out[i * k:(i + 1) * k] for o in part] for i in range(len(options))]
    return per_candidate, time.perf_counter() - started


def score(candidate: Candidate, outcomes: list[PathOutcome], spec: RunSpec) -> Scored:
    start = stats.Start.of(candidate.params, spec.population)
    bad = stats.distribution(stats.bad_debt_pct(outcomes, start))
    loss = stats.distribution(stats.loss_pct(outcomes, start))
    share = sum(1 for o in outcomes if o.bad_debt > 0) / len(outcomes)
    return Scored(candidate, start.ltv, bad, loss["p50"], share)


def pareto(scored: list[Scored], percentile: int) -> list[Scored]:
    """Candidates no other beats on all three: higher LTV, lower bad debt at the
    percentile, lower median loss (ties do not dominate)."""
    key = f"p{percentile}"

    def dominates(a: Scored, b: Scored) -> bool:
        no_worse = a.ltv >= b.ltv and a.bad_debt[key] <= b.bad_debt[key] and a.loss_p50 <= b.loss_p50
        better = a.ltv > b.ltv or a.bad_debt[key] < b.bad_debt[key] or a.loss_p50 < b.loss_p50
        return no_worse and better

    front = [s for s in scored if not any(dominates(o, s) for o in scored)]
    return sorted(front, key=lambda s: -s.ltv)


def recommend(scored: list[Scored], percentile: int, budget_pct: float) -> tuple[Scored, bool]:
    """The highest-LTV candidate within the budget (then the lower median loss); if none
    is, the one with the least bad debt. And whether the budget is met."""
    key = f"p{percentile}"
    within = [s for s in scored if s.bad_debt[key] <= budget_pct]
    if within:
        return max(within, key=lambda s: (s.ltv, -s.loss_p50)), True
    return min(scored, key=lambda s: (s.bad_debt[key], -s.ltv)), False


# ---------------------------------------------------------------- output


def toml_value(value: Any) -> str:
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value)


def recommended_toml(choice: Scored, base_values: dict[str, Any], header: list[str]) -> str:
    """A params file: the base file's fields, then the chosen values."""
    lines = [f"# {h}" for h in header]
    merged = {**base_values, **dict(choice.candidate.values)}
    lines += [f"{k} = {toml_value(v)}" for k, v in merged.items()]
    return "\n".join(lines) + "\n"


def frontier_figure(scored: list[Scored], front: list[Scored], choice: Scored, percentile: int, budget_pct: float) -> report.Figure:
    key = f"p{percentile}"

    def paint(ax: Any) -> None:
        xs = [100 * s.ltv for s in scored]
        ys = [s.bad_debt[key] for s in scored]
        points = ax.scatter(xs, ys, c=[s.loss_p50 for s in scored], cmap="viridis", s=40, label="candidates")
        ax.figure.colorbar(points, ax=ax, label="median borrower loss, % of collateral")
        fx = [100 * s.ltv for s in front]
        fy = [s.bad_debt[key] for s in front]
        ax.plot(fx, fy, "o", mfc="none", mec="tab:red", ms=12, label="Pareto frontier")
        ax.plot([100 * choice.ltv], [choice.bad_debt[key]], "*", color="tab:orange", ms=18, label="recommended")
        ax.axhline(budget_pct, color="tab:red", ls="--", lw=0.8, label=f"budget {budget_pct:g}%")
        ax.set_xlabel("population LTV at the start, %")
        ax.set_ylabel(f"bad debt P{percentile}, % of debt")
        ax.set_title("Max LTV vs bad debt vs median borrower loss")
        ax.legend(loc="best", fontsize=8)

    return ("frontier.png", "Pareto frontier: higher LTV costs bad debt and borrower loss", paint)


def frontier_rows(front: list[Scored], percentile: int) -> list[list[str]]:
    return [[s.candidate.label(), f"{100 * s.ltv:.2f}%", f"{s.bad_debt[f'p{percentile}']:.4f}%", f"{s.loss_p50:.4f}%"] for s in front]


def write(out: Path, data: dict[str, Any], toml_text: str, figure: report.Figure, front_rows: list[list[str]], percentile: int) -> Path:
    with report.written(out) as tmp:
        report.write_json(tmp / "summary.json", data)
        (tmp / "recommended.toml").write_text(toml_text)
        (tmp / "frontier.md").write_text(markdown_table(front_rows, percentile))
        pictures = report.draw(tmp, [figure])
        header = ["candidate", "LTV", f"bad debt P{percentile}", "median loss"]
        (tmp / "index.html").write_text(report.page("softliq calibration", explanation(data), [report.table(front_rows, header)], pictures))
    return out


def markdown_table(rows: list[list[str]], percentile: int) -> str:
    head = f"| candidate | LTV | bad debt P{percentile} | median loss |\n|---|---|---|---|\n"
    return head + "".join(f"| {' | '.join(r)} |\n" for r in rows)


def explanation(data: dict[str, Any]) -> list[str]:
    rec, run = data["recommendation"], data["run"]
    budget = f"bad debt at P{data['percentile']} at most {data['budget_pct']:g}% of debt"
    verdict = (f"Recommended: {rec['label']} — the highest starting LTV ({100 * rec['ltv']:.2f}%) among the candidates with {budget}."
               if rec["budget_met"] else
               f"No candidate kept {budget}; shown is the one with the least bad debt ({rec['label']}). Widen the space or lower the LTV.")
    return [
        f"{data['candidates']} parameter sets ({data['rejected']} rejected by the contracts' bounds) each ran the same "
        f"{run['paths']} paths x {run['steps']} steps of {run['dt_seconds']} s at volatility {run['path_model'].get('vol')} (seed {run['seed']}).",
        verdict,
        "The table lists the Pareto frontier: no other candidate has a higher LTV, less bad debt and a lower median borrower loss at once. "
        "recommended.toml holds the chosen parameters; softliq deploy --params and softliq montecarlo --params accept it.",
    ]


def summary(spec: RunSpec, scored: list[Scored], front: list[Scored], choice: Scored, met: bool, percentile: int, budget_pct: float,
            rejected: list[dict[str, Any]], wall: float, workers: int, cluster: str | None) -> dict[str, Any]:
    return {
        "percentile": percentile,
        "budget_pct": budget_pct,
        "candidates": len(scored),
        "rejected": len(rejected),
        "recommendation": {"label": choice.candidate.label(), "budget_met": met, **choice.row(percentile),
                           "params_changed": changed_params(choice.candidate.params)},
        "frontier": [s.row(percentile) for s in front],
        "all": [s.row(percentile) for s in scored],
        "rejected_candidates": rejected,
        "run": {
            "seed": spec.seed, "paths": spec.n_paths, "steps": spec.n_steps, "dt_seconds": spec.dt,
            "path_model": spec.model.describe(), "keepers": {"lag_steps": spec.keepers.lag_steps, "gas_price": spec.keepers.gas_price},
            "workers": workers, "cluster": cluster, "wall_seconds": round(wall, 2),
        },
        "validation": {"engine": "softliq.model: integer-exact twin of the contracts", "error_vs_exact_model": 0},
    }


def base_values(path: Path | None) -> tuple[dict[str, Any], MarketParams]:
    """The base params file's fields as written, and the parameters they give."""
    if path is None:
        return {}, MarketParams()
    try:
        params = load_params(path)
    except ParamsError as error:
        raise RiskInputError(f"--params {error}") from None
    return read_table(path, "--params"), params
