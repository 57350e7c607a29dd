"""`python -m softliq <command>`: the project's command line.

Commands:
  fuzz   a deep invariant fuzz campaign (softliq.fuzz.campaign) for a time or an
         example budget, with a progress bar and a JSON summary.

Each command is an argparse subparser with its own `run(args) -> exit code`; add new
ones to `COMMANDS`.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

MACHINE_CHOICES = ("SystemMachine:18", "SystemMachine:6", "GentleMachine:18")


class InputError(ValueError):
    """Bad command-line input, found before anything runs or is written."""


def positive_float(text: str) -> float:
    """argparse type: a finite number > 0."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a positive finite number, got {text}")
    return value


def positive_int(text: str) -> int:
    """argparse type: an integer >= 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def seed_int(text: str) -> int:
    """argparse type: an integer in [0, 2**32)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
    if not 0 <= value < 2**32:
        raise argparse.ArgumentTypeError(f"must be in [0, 2**32), got {value}")
    return value


def add_fuzz(sub: argparse._SubParsersAction) -> None:
    """The `fuzz` subcommand."""
    p = sub.add_parser("fuzz", help="run a deep invariant fuzz campaign", description="Run a deep invariant fuzz campaign.")
    budget = p.add_mutually_exclusive_group(required=True)
    budget.add_argument("--minutes", type=positive_float, help="run for this long (minutes, > 0)")
    budget.add_argument("--examples", type=positive_int, help="run this many examples (>= 1)")
    p.add_argument("--workers", type=positive_int, default=os.cpu_count() or 1, help="processes (default: all cores)")
    p.add_argument("--seed", type=seed_int, default=None, help="base seed (default: random; printed)")
    p.add_argument("--json", type=Path, default=None, help="summary file (default reports/fuzz-<timestamp>.json)")
    p.add_argument("--only", choices=MACHINE_CHOICES, default=None, help="run one machine (replays)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(run=run_fuzz)


def _json_target(path: Path | None) -> Path:
    """Where the summary goes; refuses a directory or an unwritable location up front."""
    target = path or Path("reports") / f"fuzz-{time.strftime('%Y%m%d-%H%M%S')}.json"
    if target.exists() and target.is_dir():
        raise InputError(f"--json {target}: is a directory")
    parent = target.parent if str(target.parent) else Path(".")
    probe = parent
    while not probe.exists():
        probe = probe.parent
    if not probe.is_dir():
        raise InputError(f"--json {target}: {probe} is not a directory")
    try:  # a real write test (permission bits do not tell for root or /proc)
        with tempfile.TemporaryFile(dir=probe):
            pass
    except OSError as error:
        raise InputError(f"--json {target}: cannot write under {probe} ({error.strerror})") from None
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
        name, decimals = args.only.split(":")
        only = (name, int(decimals))
    print(f"fuzz campaign: seed {seed}, {args.workers} worker(s), profile deep")
    summary = run_campaign(budget, args.workers, seed, only, progress=not args.quiet).as_json()
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
    for failure in s["failures"]:
        print(f"\nFAILURE in {failure['machine']} ({failure['decimals']}-dec), seed {failure['seed']}: {failure['error']}")
        print(failure["steps"])
        print(f"replay: {failure['replay']}")


COMMANDS: Sequence[Callable[[argparse._SubParsersAction], None]] = (add_fuzz,)


def parser() -> argparse.ArgumentParser:
    """The top-level parser with every subcommand."""
    p = argparse.ArgumentParser(prog="python -m softliq", description="softliq tooling")
    sub = p.add_subparsers(dest="command", required=True, metavar="command")
    for add in COMMANDS:
        add(sub)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Parse `argv` and run the command; bad input -> message on stderr, exit 2."""
    p = parser()
    args = p.parse_args(argv)
    try:
        return int(args.run(args))
    except InputError as error:
        print(f"{p.prog} {args.command}: error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
