"""Market price paths for the risk lab: GBM or Merton jump diffusion (annualised
volatility and drift), the realised volatility of a price file, or paths replayed from a
directory of price files. Generated path i depends only on (seed, i), so any split of the
paths into jobs, on any number of workers, gives the same paths."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from softliq import paths
from softliq.risklab.inputs import RiskInputError

MIN_CSV_ROWS = 3
"""A price file needs at least two returns to have a volatility."""
MAX_VOL = 100.0


@dataclass(frozen=True)
class PathModel:
    """How market paths are made: `kind` "gbm" or "jump" (generated from `vol`, `drift`
    and the jump parameters, per year) or "replay" (`replayed`, one row per path, as
    relative moves from the start)."""

    kind: str = "gbm"
    vol: float = 0.8
    drift: float = 0.0
    jump_rate: float = 365.0
    jump_mean: float = -0.05
    jump_std: float = 0.05
    replayed: tuple[tuple[float, ...], ...] = ()
    source: str = ""
    """Where the volatility or the paths came from (a file or directory), for the record."""

    def describe(self) -> dict[str, object]:
        """The model as summary.json records it."""
        if self.kind == "replay":
            return {"kind": "replay", "source": self.source, "paths": len(self.replayed)}
        out: dict[str, object] = {"kind": self.kind, "vol": self.vol, "drift": self.drift}
        if self.source:
            out["vol_from"] = self.source
        if self.kind == "jump":
            out.update(jump_rate=self.jump_rate, jump_mean=self.jump_mean, jump_std=self.jump_std)
        return out


def path_seed(seed: int, index: int) -> int:
    """The seed of path `index` of a run seeded `seed`."""
    return int(np.random.SeedSequence([seed, index]).generate_state(1)[0])


def generate(model: PathModel, seed: int, first: int, count: int, n_steps: int, dt: int, p0: float) -> np.ndarray:
    """Paths first .. first + count - 1: shape (count, n_steps), the market price after
    each step (the start, p0, is not a step)."""
    if model.kind == "replay":
        rows = np.array(model.replayed[first : first + count], dtype=float)[:, 1 : n_steps + 1]
        return rows * p0
    out = np.empty((count, n_steps))
    for k in range(count):
        s = path_seed(seed, first + k)
        try:
            if model.kind == "jump":
                path = paths.jump_diffusion(s, n_steps, p0, model.drift, model.vol, model.jump_rate, model.jump_mean, model.jump_std, dt)
            else:
                path = paths.gbm(s, n_steps, p0, model.drift, model.vol, dt)
        except paths.PathError as error:  # e.g. a price out of range after many volatile steps
            raise RiskInputError(f"--vol/--drift/--steps/--dt: path {first + k}: {error}") from None
        out[k] = path.prices[1:]
    return out


def check_vol(vol: float, what: str = "--vol") -> float:
    """`vol` if it is a usable annualised volatility."""
    if not math.isfinite(vol) or not 0 < vol <= MAX_VOL:
        raise RiskInputError(f"{what} must be a finite number in (0, {MAX_VOL:g}], got {vol}")
    return vol


def realised_vol(csv: Path) -> float:
    """Annualised realised volatility of a price file (the `--path-file` format,
    "seconds,price" rows): sqrt(sum of squared log returns / years covered)."""
    path = _load(csv, "--vol-from")
    if len(path) < MIN_CSV_ROWS:
        raise RiskInputError(f"--vol-from {csv}: {len(path)} rows; need at least {MIN_CSV_ROWS} for a volatility")
    returns = np.diff(np.log(path.prices))
    years = path.duration / paths.YEAR
    vol = math.sqrt(float(np.sum(returns**2)) / years)
    if vol <= 0:
        raise RiskInputError(f"--vol-from {csv}: the price never moves (volatility 0)")
    return check_vol(vol, f"--vol-from {csv}: volatility")


def replay_dir(directory: Path, n_steps: int | None) -> tuple[PathModel, int]:
    """Every *.csv of `directory` as one path (its moves relative to its first price, so
    it replays from the market's price), and the step count: `n_steps`, or the shortest
    file's. Files shorter than the steps asked for are bad input."""
    if not directory.is_dir():
        raise RiskInputError(f"--paths-from {directory}: not a directory")
    files = sorted(directory.glob("*.csv"))
    if not files:
        raise RiskInputError(f"--paths-from {directory}: no .csv price files")
    loaded = [_load(f, "--paths-from") for f in files]
    shortest = min(len(p) for p in loaded) - 1
    steps = shortest if n_steps is None else n_steps
    if steps < 1 or shortest < steps:
        raise RiskInputError(f"--paths-from {directory}: the shortest file has {shortest} steps; need at least {max(steps, 1)}")
    rows = tuple(tuple((p.prices[: steps + 1] / p.prices[0]).tolist()) for p in loaded)
    return PathModel(kind="replay", replayed=rows, source=str(directory)), steps


def _load(csv: Path, option: str) -> paths.PricePath:
    try:
        return paths.load_csv(csv)
    except paths.PathError as error:
        raise RiskInputError(f"{option} {error}") from None
