"""Fuzz profiles, the example database, seeds and replay commands.

`SOFTLIQ_FUZZ` chooses the profile: `ci` (default; part of `make test`) or `deep`
(long; run the suite with pytest-xdist `-n auto`, or use `python -m softliq fuzz`).
`SOFTLIQ_FUZZ_SEED` fixes the seed (a failure prints the command that replays it);
without it the `ci` profile runs the fixed CI_SEED, so the same commit gives the same
result in CI, and the `deep` profile draws a fresh seed (random exploration).
Examples that failed are kept in `.hypothesis/` (DirectoryBasedExampleDatabase) and
replayed first on the next run.
"""

from __future__ import annotations

import os
import random
from dataclasses import dataclass
from pathlib import Path

from hypothesis import HealthCheck, Phase, Verbosity, settings
from hypothesis.database import DirectoryBasedExampleDatabase

PROFILE_ENV = "SOFTLIQ_FUZZ"
SEED_ENV = "SOFTLIQ_FUZZ_SEED"
QUICK_FAIL_ENV = "SOFTLIQ_FUZZ_QUICK_FAIL"
"""If "1": no shrinking and no example database (bench/mutants.py: only "caught?" matters)."""
CI_SEED = 20261204
"""The `ci` profile's seed when SOFTLIQ_FUZZ_SEED is not set (printed in pytest's header)."""
ROOT = Path(__file__).resolve().parents[2]
DATABASE = ROOT / ".hypothesis" / "examples"


class ProfileError(ValueError):
    """An unknown profile name or a malformed seed."""


@dataclass(frozen=True)
class Profile:
    """How much fuzzing one run does."""

    name: str
    examples: int
    """Examples per machine (and per market, for the system machine)."""
    steps: int
    """Steps per example."""


PROFILES = {
    "ci": Profile("ci", examples=150, steps=50),
    "deep": Profile("deep", examples=2000, steps=120),
}


def profile(name: str | None = None) -> Profile:
    """The profile called `name`, or the one `$SOFTLIQ_FUZZ` names (default `ci`)."""
    name = name or os.environ.get(PROFILE_ENV, "ci")
    if name not in PROFILES:
        raise ProfileError(f"{PROFILE_ENV}={name!r}: unknown fuzz profile (choose from {', '.join(PROFILES)})")
    return PROFILES[name]


def seed_from_env(profile_name: str | None = None) -> int:
    """`$SOFTLIQ_FUZZ_SEED` if set; else CI_SEED for the `ci` profile (the one
    `$SOFTLIQ_FUZZ` names when `profile_name` is None) and a fresh random seed for any
    other (printed on failure)."""
    text = os.environ.get(SEED_ENV)
    if text is None:
        if (profile_name or profile().name) == "ci":
            return CI_SEED
        return random.SystemRandom().randrange(2**32)
    try:
        return int(text)
    except ValueError:
        raise ProfileError(f"{SEED_ENV}={text!r} is not an integer") from None


def hypothesis_settings(p: Profile, examples: int | None = None, database: bool = True) -> settings:
    """Hypothesis settings for a stateful run of profile `p`."""
    quick_fail = os.environ.get(QUICK_FAIL_ENV) == "1"
    phases = [ph for ph in Phase if not (quick_fail and ph in (Phase.shrink, Phase.explain))]
    return settings(
        max_examples=examples if examples is not None else p.examples,
        stateful_step_count=p.steps,
        deadline=None,
        phases=phases,
        database=DirectoryBasedExampleDatabase(str(DATABASE)) if database and not quick_fail else None,
        suppress_health_check=list(HealthCheck),
        print_blob=True,
        verbosity=Verbosity.normal,
    )


def replay_command(test_id: str, seed: int, profile_name: str) -> str:
    """The one command that replays a failing run."""
    return f"{PROFILE_ENV}={profile_name} {SEED_ENV}={seed} pytest -p no:ape_test -q '{test_id}'"
