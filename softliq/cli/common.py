"""What every `softliq` subcommand shares: the parser class (bad input -> one line on
stderr, exit 2), the help formatter (every option shows its default), argument types,
and the options that mean the same thing everywhere (`--network`, `--params`, `--out`,
`--seed`)."""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path
from typing import Any, NoReturn

from softliq.ape_deploy import DEFAULT_NETWORK

USAGE_ERROR = 2
"""Exit status of bad input (argparse's convention)."""
FAILED = 1
"""Exit status of a run that failed (a refused transaction, an unwritable report)."""


class InputError(ValueError):
    """Bad command-line input, found before anything runs or is written."""


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Keeps descriptions as written and appends `(default: X)` to every option that
    has a default and does not state it already."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = action.help or ""
        default = action.default
        if "default" in text or default is None or default is False or default == argparse.SUPPRESS or not action.option_strings:
            return text
        return f"{text} (default: %(default)s)"


class CliParser(argparse.ArgumentParser):
    """argparse whose usage errors are one line on stderr and exit status 2 (no usage
    dump); subparsers made from it are CliParsers too."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", HelpFormatter)
        super().__init__(*args, **kwargs)
        self.set_defaults(prog=self.prog)  # the innermost (sub)command's name, for messages

    def error(self, message: str) -> NoReturn:
        print(f"{self.prog}: error: {message}", file=sys.stderr)
        raise SystemExit(USAGE_ERROR)


# ---------------------------------------------------------------- argument types


def _number(text: str, kind: type) -> Any:
    try:
        return kind(text)
    except ValueError:
        noun = "an integer" if kind is int else "a number"
        raise argparse.ArgumentTypeError(f"{text!r} is not {noun}") from None


def positive_float(text: str) -> float:
    """argparse type: a finite number > 0."""
    value = _number(text, float)
    if not value > 0 or not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"must be a positive finite number, got {text}")
    return float(value)


def positive_int(text: str) -> int:
    """argparse type: an integer >= 1."""
    value = _number(text, int)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return int(value)


def seed_int(text: str) -> int:
    """argparse type: an integer in [0, 2**32)."""
    value = _number(text, int)
    if not 0 <= value < 2**32:
        raise argparse.ArgumentTypeError(f"must be in [0, 2**32), got {value}")
    return int(value)


def params_file(text: str) -> Any:
    """argparse type: MarketParams from a .toml or .json file, checked up front."""
    from softliq.params import ParamsError, load_params

    try:
        return load_params(text)
    except ParamsError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


# ---------------------------------------------------------------- shared options


def add_network(p: argparse.ArgumentParser, default: str | None = DEFAULT_NETWORK, what: str = "") -> None:
    """`--network`: an ape network choice or a node's URL."""
    extra = f"; {what}" if what else ""
    p.add_argument("--network", default=default, metavar="CHOICE|URL",
                   help=f"ape network choice (e.g. {DEFAULT_NETWORK}) or the URL of a running node{extra}")


def add_params(p: argparse.ArgumentParser) -> None:
    """`--params`: a parameters file (human units, see params/defaults.toml)."""
    p.add_argument("--params", type=params_file, default=None, metavar="FILE",
                   help="market parameters (.toml or .json, see params/defaults.toml); unset fields keep "
                        "their defaults (default: the built-in defaults)")


def add_out(p: argparse.ArgumentParser, default: str, what: str) -> None:
    """`--out`: where a command writes what it produces."""
    p.add_argument("--out", type=Path, default=Path(default), metavar="DIR", help=what)


def add_seed(p: argparse.ArgumentParser, default: int | None, what: str) -> None:
    """`--seed`: the seed of whatever is random in a command."""
    p.add_argument("--seed", type=seed_int, default=default, help=what)


def add_deployment(p: argparse.ArgumentParser) -> None:
    """`--deployment` and `--force`: the deployment record a command reads or writes."""
    p.add_argument("--deployment", type=Path, default=None, metavar="FILE",
                   help="deployment record (default: deployments/chain-<chain id>.json)")
    p.add_argument("--force", action="store_true",
                   help="deploy afresh even if the record describes a deployment (even for another chain)")


def writable_dir(path: Path, option: str) -> Path:
    """`path` if a directory could be created or written there; InputError otherwise."""
    import tempfile

    if path.exists() and not path.is_dir():
        raise InputError(f"{option} {path}: not a directory")
    probe = path
    while not probe.exists():
        probe = probe.parent
    if not probe.is_dir():
        raise InputError(f"{option} {path}: {probe} is not a directory")
    try:  # a real write test (permission bits do not tell for root)
        with tempfile.TemporaryFile(dir=probe):
            pass
    except OSError as error:
        raise InputError(f"{option} {path}: cannot write under {probe} ({error.strerror})") from None
    return path
