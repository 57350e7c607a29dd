"""`softliq fuzz`: a deep invariant fuzz campaign (softliq.fuzz.campaign) for a time or
an example budget, with a progress bar and a JSON summary."""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

from softliq.cli.common import InputError, add_seed, positive_float, positive_int, writable_dir

MACHINE_CHOICES = ("SystemMachine:18", "SystemMachine:6", "GentleMachine:18", "SystemMachine:18ema")
"""`--only` choices: softliq.fuzz.campaign.MACHINES as machine:market (18ema: an
18-decimal market whose AMM reads an EmaOracle)."""


def add_fuzz(sub: argparse._SubParsersAction) -> None:
    """The `fuzz` subcommand."""
    p = sub.add_parser("fuzz", help="run a deep invariant fuzz campaign (JSON summary)",
                       description="Run a deep invariant fuzz campaign on pyrevm; exit 1 if an invariant failed.")
    budget = p.add_mutually_exclusive_group(required=True)
    budget.add_argument("--minutes", type=positive_float, help="run for this long (minutes, > 0)")
    budget.add_argument("--examples", type=positive_int, help="run this many examples (>= 1)")
    p.add_argument("--workers", type=positive_int, default=None, help="processes (default: all cores)")
    add_seed(p, None, "base seed (default: random; printed)")
    p.add_argument("--out", "--json", dest="json", type=Path, default=None, metavar="FILE",
                   help="summary file (default: reports/fuzz-<timestamp>.json)")
    p.add_argument("--only", choices=MACHINE_CHOICES, default=None, help="run one machine (replays)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(run=run_fuzz)


def _json_target(path: Path | None) -> Path:
    """Where the summary goes; refuses a directory or an unwritable location up front."""
    target = path or Path("reports") / f"fuzz-{time.strftime('%Y%m%d-%H%M%S')}.json"
    if target.exists() and target.is_dir():
        raise InputError(f"--json {target}: is a directory")
    writable_dir(target.parent if str(target.parent) else Path("."), "--json")
    return target


def run_fuzz(args: argparse.Namespace) -> int:
    """Run the campaign, print the summary, write the JSON; 1 if anything failed."""
    import random

    from softliq.fuzz.campaign import Budget, run_campaign

    target = _json_target(args.json)
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(2**32)
    budget = Budget(seconds=args.minutes * 60 if args.minutes else None, examples=args.examples)
    only = None
    if args.only:
        name, market = args.only.split(":")
        only = (name, market)
    workers = args.workers or os.cpu_count() or 1
    print(f"fuzz campaign: seed {seed}, {workers} worker(s), profile deep")
    summary = run_campaign(budget, workers, seed, only, progress=not args.quiet).as_json()
    print_summary(summary)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(summary, indent=2) + "\n")
    print(f"summary written to {target}")
    return 1 if summary["failures"] else 0


def print_summary(s: dict) -> None:
    """The campaign's numbers as a short table."""
    rows = [
        ("evm", s.get("evm", "?")),
        ("examples", s["examples"]),
        ("steps", s["steps"]),
        ("seconds", s["seconds"]),
        ("steps/s", s["steps_per_second"]),
        ("invariant checks", s["invariant_checks"]),
        ("failures", len(s["failures"])),
    ]
    for name, value in rows:
        print(f"  {name:<18}{value:>14}")
    for name, count in s["checks"].items():
        print(f"    check {name:<36}{count:>10}")
    for name, c in s.get("rules", {}).items():
        print(f"    rule {name:<25}{c['succeeded']:>10} of {c['ran']:>7} succeeded")
    for failure in s["failures"]:
        ema = f", EMA {failure['ema_time']} s" if failure.get("ema_time") else ""
        print(f"\nFAILURE in {failure['machine']} ({failure['decimals']}-dec{ema}), seed {failure['seed']}: {failure['error']}")
        print(failure["steps"])
        print(f"replay: {failure['replay']}")
