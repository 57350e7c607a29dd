"""Scenarios as data: a TOML file describes a scenario (price path, borrowers, keepers,
market parameters); the built-ins are the files under `scenarios/` at the repository root.

    description = "down 35% through the bands over a day and back"
    duration = "2d"                         # what the path spans; steps set its resolution
    [path]
    shape = "v-shape"                       # crash | falls | v-shape | sawtooth | csv
    drop = 0.35
    [borrowers]                             # optional
    debt_share = [0.6, 0.99]                # share of max borrowable, uniform in this range
    whale = false                           # one borrower holds half the collateral
    [keepers]                               # optional
    latency_blocks = 1
    arbitrageur_latency_blocks = 1          # default: latency_blocks
    gas_price_gwei = 5
    arbitrageur = true
    taker_mode = "auto"                     # inventory | flash | auto
    outage = ["10%", "60%"]                 # keepers offline between these shares of the run
    [market]                                # MarketParams fields the scenario needs (human units)
    ema_time = "1h"

Path shapes: `crash` (drop, over), `falls` (legs = [{drop, over}, ...], one after the
other), `v-shape` (drop: down to the middle, back by the end), `sawtooth` (amplitude,
period), `csv` (file: `seconds,price` rows, relative to the TOML file, scaled to start at
the market's price). Every mistake raises ScenarioError naming the file and the field.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from softliq import paths, units

SCENARIO_DIR = Path(__file__).resolve().parents[2] / "scenarios"
"""The built-in scenarios (one TOML file each, named after the scenario)."""
TAKER_MODES = ("inventory", "flash", "auto")
ORDER = ("crash", "flash-crash", "v-shape", "sawtooth", "oracle-lag", "keeper-outage")
"""The built-ins in the order they are listed (others follow by name)."""


class FileError(ValueError):
    """A scenario file is unusable (message names the field)."""


def _table(data: dict[str, Any], key: str, known: set[str]) -> dict[str, Any]:
    """Sub-table `key` (empty if absent); FileError on unknown keys."""
    table = data.get(key, {})
    if not isinstance(table, dict):
        raise FileError(f"[{key}] must be a table")
    unknown = sorted(set(table) - known)
    if unknown:
        raise FileError(f"[{key}]: unknown key(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
    return table


def _share(value: Any, field: str) -> float:
    share = float(units.fraction(value, field))
    if not 0 <= share <= 1:
        raise FileError(f"{field} must be in [0, 1], got {value!r}")
    return share


def _pair(value: Any, field: str) -> tuple[float, float]:
    if not isinstance(value, list) or len(value) != 2:
        raise FileError(f"{field} must be a pair [low, high], got {value!r}")
    low, high = (_share(v, field) for v in value)
    if low > high:
        raise FileError(f"{field}: low {low} is above high {high}")
    return low, high


# ---------------------------------------------------------------- path shapes


@dataclass(frozen=True)
class Shape:
    """A path generator: (n_steps, p0, dt, seed) -> PricePath."""

    make: Callable[[int, float, int], paths.PricePath]

    def __call__(self, n: int, p0: float, dt: int, seed: int) -> paths.PricePath:
        return self.make(n, p0, dt)


def _falls(n: int, p0: float, dt: int, legs: list[tuple[float, int]], name: str) -> paths.PricePath:
    """Geometric falls one after another, each (drop, seconds), then flat."""
    import numpy as np

    times = np.arange(n + 1, dtype=np.int64) * dt
    prices = np.full(len(times), float(p0))
    start = 0
    for drop, seconds in legs:
        into = np.clip((times - start) / seconds, 0.0, 1.0)
        prices = prices * (1.0 - drop) ** into  # a finished leg multiplies by exactly (1 - drop)
        start += seconds
    return paths.PricePath(times, prices, name)


def _csv_shape(file: Path) -> Shape:
    from softliq.scenarios.definitions import scaled_path

    try:
        path = paths.load_csv(file)
    except (paths.PathError, OSError) as exc:
        raise FileError(f"[path] file: {exc}") from None
    return Shape(lambda n, p0, dt: scaled_path(path, p0))


def shape_from(table: dict[str, Any], here: Path) -> Shape:
    """The [path] table as a generator."""
    kind = table.get("shape")
    if kind == "crash":
        drop, over = _share(table.get("drop"), "[path] drop"), units.duration(table.get("over"), "[path] over")
        return Shape(lambda n, p0, dt: paths.crash(n, p0, drop, min(over, n * dt), dt))
    if kind == "falls":
        legs = table.get("legs")
        if not isinstance(legs, list) or not legs or not all(isinstance(leg, dict) for leg in legs):
            raise FileError("[path] legs must be a list of {drop, over} tables")
        pairs = [(_share(leg.get("drop"), "[path] legs.drop"), units.duration(leg.get("over"), "[path] legs.over"))
                 for leg in legs]
        name = str(table.get("name") or "falls(" + ", ".join(f"{d:g} over {s}s" for d, s in pairs) + ")")
        return Shape(lambda n, p0, dt: _falls(n, p0, dt, pairs, name))
    if kind == "v-shape":
        drop = _share(table.get("drop"), "[path] drop")
        return Shape(lambda n, p0, dt: paths.v_shape(n, p0, drop, dt))
    if kind == "sawtooth":
        amplitude = _share(table.get("amplitude"), "[path] amplitude")
        period = units.duration(table.get("period"), "[path] period")
        return Shape(lambda n, p0, dt: paths.sawtooth(n, p0, amplitude, max(period, 4 * dt), dt))
    if kind == "csv":
        if not isinstance(table.get("file"), str):
            raise FileError("[path] file must name a CSV file of seconds,price rows")
        return _csv_shape(here / table["file"])
    raise FileError(f"[path] shape must be one of crash, falls, v-shape, sawtooth, csv; got {kind!r}")


PATH_KEYS = {"shape", "drop", "over", "legs", "name", "amplitude", "period", "file"}


# ---------------------------------------------------------------- whole files


def _keepers(table: dict[str, Any]) -> tuple[Any, tuple[float, float] | None]:
    from softliq.scenarios.definitions import KeeperSettings

    d = KeeperSettings()
    latency = _count(table.get("latency_blocks", d.latency_blocks), "[keepers] latency_blocks")
    arb = table.get("arbitrageur_latency_blocks")
    gwei = units.decimal(table.get("gas_price_gwei", d.gas_price_gwei), "[keepers] gas_price_gwei")
    if not 0 <= gwei <= 100_000:
        raise FileError(f"[keepers] gas_price_gwei must be in [0, 100000], got {gwei}")
    mode = table.get("taker_mode", d.taker_mode)
    if mode not in TAKER_MODES:
        raise FileError(f"[keepers] taker_mode must be one of {', '.join(TAKER_MODES)}, got {mode!r}")
    arbitrageur = table.get("arbitrageur", d.arbitrageur)
    if not isinstance(arbitrageur, bool):
        raise FileError(f"[keepers] arbitrageur must be true or false, got {arbitrageur!r}")
    settings = KeeperSettings(
        latency_blocks=latency,
        arbitrageur_latency_blocks=None if arb is None else _count(arb, "[keepers] arbitrageur_latency_blocks"),
        gas_price_gwei=float(gwei), arbitrageur=arbitrageur, taker_mode=mode,
    )
    outage = table.get("outage")
    return settings, None if outage is None else _pair(outage, "[keepers] outage")


def _count(value: Any, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 10_000:
        raise FileError(f"{field} must be an integer in [0, 10000], got {value!r}")
    return value


def _market(table: dict[str, Any]) -> dict[str, Any]:
    """The [market] table as raw MarketParams values of the fields it names."""
    from dataclasses import asdict

    from softliq.params import ParamsError, params_from_dict

    try:
        params = asdict(params_from_dict(table, "[market]"))
    except ParamsError as exc:
        raise FileError(str(exc)) from None
    return {name: params[name] for name in table}


def scenario_from(data: dict[str, Any], name: str, here: Path) -> Any:
    """A Scenario from a parsed TOML document."""
    from softliq.params import UNITS
    from softliq.scenarios.definitions import Scenario

    unknown = sorted(set(data) - {"description", "duration", "path", "borrowers", "keepers", "market"})
    if unknown:
        raise FileError(f"unknown key(s) {', '.join(unknown)}; known: description, duration, path, borrowers, keepers, market")
    description = data.get("description")
    if not isinstance(description, str) or not description:
        raise FileError("description must be a non-empty string")
    duration = units.duration(data.get("duration"), "duration")
    if duration < 1:
        raise FileError("duration must be at least 1s")
    shape = shape_from(_table(data, "path", PATH_KEYS), here)
    borrowers = _table(data, "borrowers", {"debt_share", "whale"})
    whale = borrowers.get("whale", False)
    if not isinstance(whale, bool):
        raise FileError(f"[borrowers] whale must be true or false, got {whale!r}")
    keepers, outage = _keepers(_table(data, "keepers", {"latency_blocks", "arbitrageur_latency_blocks",
                                                        "gas_price_gwei", "arbitrageur", "taker_mode", "outage"}))
    return Scenario(
        name, description, duration, shape,
        params=_market(_table(data, "market", set(UNITS))),
        keepers=keepers, whale=whale, outage=outage,
        debt_share=_pair(borrowers.get("debt_share", [0.6, 0.99]), "[borrowers] debt_share"),
    )


def load_scenario(file: str | Path) -> Any:
    """The scenario in TOML file `file`, named after the file; ScenarioError naming the
    file and the field for any mistake."""
    from softliq.scenarios.definitions import ScenarioError

    file = Path(file)
    try:
        data = tomllib.loads(file.read_text())
        return scenario_from(data, file.stem, file.parent)
    except OSError as exc:
        raise ScenarioError(f"cannot read scenario file {file}: {exc.strerror}") from None
    except (tomllib.TOMLDecodeError, FileError, units.UnitError) as exc:
        raise ScenarioError(f"{file}: {exc}") from None


def builtin_scenarios() -> dict[str, Any]:
    """Every scenario under SCENARIO_DIR, by name, in the order of ORDER (then by name)."""
    files = sorted(SCENARIO_DIR.glob("*.toml"), key=lambda f: (ORDER.index(f.stem) if f.stem in ORDER else math.inf, f.stem))
    return {f.stem: load_scenario(f) for f in files}

