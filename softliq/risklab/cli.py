"""The `montecarlo` and `calibrate` subcommands of `softliq` (registered in
softliq.cli's COMMANDS). Bad input: one line on stderr naming it, exit status 2 (the
registry's CliParser and InputError), nothing written under --out. The risk lab's own
modules are imported when a command runs (softliq.risklab.inputs needs softliq.cli)."""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from softliq.cli.common import add_params, add_seed, positive_float, positive_int


def _non_negative_int(text: str) -> int:
    """argparse type: an integer >= 0."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be at least 0, got {value}")
    return value


def _number(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None


def add_run_options(p: argparse.ArgumentParser, default_paths: str) -> None:
    """The options montecarlo and calibrate share: size, seed, population, path model
    (for calibrate, only the volatility), keepers, where to run."""
    p.add_argument("--paths", type=positive_int, default=None, help=f"price paths (default: {default_paths})")
    p.add_argument("--steps", type=positive_int, default=None, help="steps per path (default: 1000, or the shortest --paths-from file)")
    p.add_argument("--dt", type=positive_int, default=600, help="seconds per step (default: 600)")
    add_seed(p, 0, "seed of the paths (default: 0)")
    p.add_argument("--population", type=Path, default=None, metavar="FILE",
                   help="borrowers: TOML [[borrower]] tables with collateral, bands, ltv_share (default: docs/risklab.md)")
    p.add_argument("--model", choices=("gbm", "jump"), default="gbm", help="path model (default: gbm)")
    p.add_argument("--drift", type=_number, default=0.0, help="annualised drift (default: 0)")
    p.add_argument("--jump-rate", type=_number, default=365.0, help="jumps per year, --model jump (default: 365)")
    p.add_argument("--jump-mean", type=_number, default=-0.05, help="mean log jump, --model jump (default: -0.05)")
    p.add_argument("--jump-std", type=_number, default=0.05, help="std of the log jump, --model jump (default: 0.05)")
    p.add_argument("--latency-blocks", type=_non_negative_int, default=1, help="keepers' latency in 12-s blocks (default: 1)")
    p.add_argument("--gas-price-gwei", type=_number, default=5.0, help="keepers' gas price (default: 5)")
    p.add_argument("--workers", type=positive_int, default=1, help="local processes (default: 1)")
    p.add_argument("--cluster", default=None, metavar="ADDRESS", help="a Dask scheduler, e.g. tcp://127.0.0.1:8786 (default: none)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")


def add_montecarlo(sub: argparse._SubParsersAction) -> None:
    """The `montecarlo` subcommand."""
    p = sub.add_parser("montecarlo", help="Monte Carlo of bad debt and borrower losses over many price paths",
                       description="Run many price paths through the exact model; write summary.json, plots and index.html.")
    add_run_options(p, "100, or every --paths-from file")
    vol = p.add_mutually_exclusive_group()
    vol.add_argument("--vol", type=positive_float, default=None, help="annualised volatility (default: 0.8)")
    vol.add_argument("--vol-from", type=Path, default=None, metavar="CSV", help="use the realised volatility of a price file")
    vol.add_argument("--paths-from", type=Path, default=None, metavar="DIR", help="replay every .csv price file of DIR")
    add_params(p)
    p.add_argument("--check-chain", type=_non_negative_int, default=0, metavar="K",
                   help="also replay the first K paths on titanoboa and compare to the wei (default: 0)")
    p.add_argument("--out", type=Path, default=None, metavar="DIR", help="report directory (default: reports/montecarlo-<time>)")
    p.set_defaults(run=run_montecarlo)


def add_calibrate(sub: argparse._SubParsersAction) -> None:
    """The `calibrate` subcommand."""
    p = sub.add_parser("calibrate", help="search parameters that keep bad debt within a budget at a volatility",
                       description="Try every parameter set of a search space on the same price paths; write the Pareto "
                                   "frontier, the recommended params TOML and index.html. Exit 1 if no candidate meets the budget.")
    add_run_options(p, "100")
    vol = p.add_mutually_exclusive_group()
    vol.add_argument("--vol", type=positive_float, default=None, help="annualised volatility (default: 0.8)")
    vol.add_argument("--vol-from", type=Path, default=None, metavar="CSV", help="use the realised volatility of a price file")
    p.add_argument("--max-bad-debt", default="0.1%", metavar="FRACTION",
                   help="bad-debt budget, a share of debt: 0.001 or 0.1%% (default: 0.1%%)")
    p.add_argument("--percentile", type=int, choices=(50, 95, 99), default=99, help="percentile the budget applies to (default: 99)")
    p.add_argument("--space", type=Path, default=None, metavar="FILE", help="search space TOML (default: softliq/risklab/default_space.toml)")
    p.add_argument("--params", type=Path, default=None, metavar="FILE", help="base market parameters the space changes (default: the defaults)")
    p.add_argument("--quick", action="store_true", help="try only the first and last value of each field")
    p.add_argument("--out", type=Path, default=None, metavar="DIR", help="report directory (default: reports/calibrate-<time>)")
    p.set_defaults(run=run_calibrate)


def run_calibrate(args: argparse.Namespace) -> int:
    """Check every input, sweep, write the report; 1 if no candidate met the budget."""
    from softliq.risklab import calibrate as cal
    from softliq.risklab import montecarlo, report
    from softliq.risklab.inputs import load_population

    out = report.check_out(args.out or default_out("calibrate"))
    values, base = cal.base_values(args.params)
    population = load_population(args.population)
    budget = cal.budget_fraction(args.max_bad_debt)
    space_file = args.space or cal.DEFAULT_SPACE
    options, rejected = cal.candidates(cal.load_space(space_file), values, base, args.quick, str(space_file))
    spec = montecarlo.RunSpec(*path_model_and_size(args), args.dt, args.seed, base, population, keepers(args))
    spec.prices(1)
    with cluster_client(args.cluster) as client:
        per_candidate, wall = cal.sweep(spec, options, args.workers, client, progress=not args.quiet)
    scored = [cal.score(c, o, spec) for c, o in zip(options, per_candidate)]
    front = cal.pareto(scored, args.percentile)
    choice, met = cal.recommend(scored, args.percentile, budget)
    data = cal.summary(spec, scored, front, choice, met, args.percentile, budget, rejected, wall, args.workers, args.cluster)
    header = [f"softliq calibrate: {choice.candidate.label()}", f"volatility {spec.model.vol}, bad debt P{args.percentile} <= {budget:g}% of debt: "
              + ("met" if met else "NOT met"), f"{spec.n_paths} paths x {spec.n_steps} steps, seed {spec.seed}"]
    rows = cal.frontier_rows(front, args.percentile)
    cal.write(out, data, cal.recommended_toml(choice, values, header), cal.frontier_figure(scored, front, choice, args.percentile, budget), rows, args.percentile)
    print(cal.markdown_table(rows, args.percentile), end="")
    print(("recommended: " if met else "budget NOT met; least bad debt: ") + choice.candidate.label())
    print(f"report: {out / 'index.html'}")
    return 0 if met else 1


def default_out(name: str) -> Path:
    return Path("reports") / f"{name}-{time.strftime('%Y%m%d-%H%M%S')}"


def run_montecarlo(args: argparse.Namespace) -> int:
    """Check every input, run, write the report, print the key numbers."""
    from softliq.risklab import montecarlo, report
    from softliq.params import MarketParams
    from softliq.risklab.inputs import check_market, load_population

    out = report.check_out(args.out or default_out("montecarlo"))
    params = args.params or MarketParams()
    population = load_population(args.population)
    check_market(params, population)
    spec = montecarlo.RunSpec(*path_model_and_size(args), args.dt, args.seed, params, population, keepers(args))
    spec.prices(1)  # a path model that cannot make paths is bad input before anything runs
    with cluster_client(args.cluster) as client:
        outcomes, wall = montecarlo.simulate(spec, args.workers, client, progress=not args.quiet)
    check = montecarlo.chain_check(spec, args.check_chain) if args.check_chain else None
    data = montecarlo.summary(spec, outcomes, wall, args.workers, args.cluster, check)
    montecarlo.write(out, data, outcomes, spec)
    for label, value in montecarlo.rows(data):
        print(f"  {label:<32}{value}")
    print(f"report: {out / 'index.html'}")
    return 0 if check is None or check["bit_exact"] else 1


MAX_DT = 7 * 86_400


def path_model_and_size(args: argparse.Namespace) -> tuple[Any, int, int]:
    """(path model, paths, steps) from the command line."""
    from softliq.risklab.inputs import RiskInputError
    from softliq.risklab.pathmodels import PathModel, check_vol, realised_vol, replay_dir

    if args.dt > MAX_DT:
        raise RiskInputError(f"--dt must be at most {MAX_DT} seconds (a week), got {args.dt}")
    if getattr(args, "paths_from", None) is not None:
        model, steps = replay_dir(args.paths_from, args.steps)
        return model, min(args.paths or len(model.replayed), len(model.replayed)), steps
    source = ""
    if args.vol_from is not None:
        vol, source = realised_vol(args.vol_from), str(args.vol_from)
    else:
        vol = check_vol(0.8 if args.vol is None else args.vol)
    model = PathModel(args.model, vol, check_finite("--drift", args.drift, 10.0), check_finite("--jump-rate", args.jump_rate, 1e6, 0.0),
                      check_finite("--jump-mean", args.jump_mean, 5.0), check_finite("--jump-std", args.jump_std, 5.0, 0.0), source=source)
    return model, args.paths or 100, args.steps or 1000


def check_finite(option: str, value: float, bound: float, low: float | None = None) -> float:
    """`value` if it lies in [low (default -bound), bound]."""
    from softliq.risklab.inputs import RiskInputError

    low = -bound if low is None else low
    if not low <= value <= bound:  # also false for nan
        raise RiskInputError(f"{option} must be a number in [{low:g}, {bound:g}], got {value}")
    return value


def keepers(args: argparse.Namespace) -> Any:
    """The keepers of --latency-blocks and --gas-price-gwei."""
    from softliq.risklab.inputs import RiskInputError
    from softliq.risklab.montecarlo import keepers_for

    gwei = check_finite("--gas-price-gwei", args.gas_price_gwei, 100_000.0, 0.0)
    if args.latency_blocks > 10_000:
        raise RiskInputError(f"--latency-blocks must be at most 10000, got {args.latency_blocks}")
    return keepers_for(args.latency_blocks, gwei, args.dt)


class _NoCluster:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


def cluster_client(address: str | None) -> Any:
    """A context giving a Dask client of `address` (closed at the end), or None."""
    if address is None:
        return _NoCluster()
    from softliq.risklab.execute import connect

    return connect(address)
