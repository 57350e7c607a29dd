"""Named liquidation scenarios: a price path, market parameters, borrowers and keepers.

Every scenario is sized by `ScenarioOptions` (borrowers, steps) so tests run small and
studies run large; the path's shape and duration do not depend on the step count, only
its resolution does.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields
from typing import Any, Callable

from softliq import paths
from softliq.params import MarketParams



class ScenarioError(ValueError):
    """A scenario cannot run: unknown name, bad options, or an unsuitable market."""


@dataclass(frozen=True)
class ScenarioOptions:
    """How big a run is and how it reports. Bounds are checked by `validate`."""

    borrowers: int = 20
    """Borrowers spawned (1..200)."""
    steps: int = 200
    """Price-path steps (10..20000): the path's resolution, not its duration."""
    seed: int = 0
    """Seed of the borrowers' sizes (and of noisy paths)."""
    max_bands: int = 50
    """Largest band count a borrower uses (4..50); health checks walk every band, so
    small runs on py-evm use fewer."""
    sample_every: int = 0
    """Record time series every this many steps (0: about 60 samples per run)."""
    latency_blocks: int | None = None
    """Override every keeper's latency (blocks); None: the scenario's own."""
    gas_price_gwei: float | None = None
    """Override every keeper's gas price (gwei); None: the scenario's own."""
    progress: bool = True
    """Show a tqdm progress bar on stderr."""
    path_file: str | None = None
    """A CSV of `seconds,price` rows (softliq.paths.load_csv) to use instead of the
    scenario's own path: the market follows its shape, scaled to start at the market's
    price; `steps` is then the file's row count."""

    LIMITS = {"borrowers": (1, 200), "steps": (10, 20_000), "seed": (0, 2**32 - 1), "max_bands": (4, 50), "sample_every": (0, 20_000)}

    def validate(self) -> "ScenarioOptions":
        """Raise ScenarioError naming the first out-of-range option; return self."""
        for name, (low, high) in self.LIMITS.items():
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                raise ScenarioError(f"option {name} must be an integer in [{low}, {high}], got {value!r}")
        if self.latency_blocks is not None and (
            isinstance(self.latency_blocks, bool) or not isinstance(self.latency_blocks, int)
            or not 0 <= self.latency_blocks <= 10_000
        ):
            raise ScenarioError(f"option latency_blocks must be an integer in [0, 10000], got {self.latency_blocks!r}")
        if self.gas_price_gwei is not None and (
            not isinstance(self.gas_price_gwei, (int, float)) or not math.isfinite(self.gas_price_gwei)
            or not 0 <= self.gas_price_gwei <= 100_000
        ):
            raise ScenarioError(f"option gas_price_gwei must be a number in [0, 100000], got {self.gas_price_gwei!r}")
        if self.path_file is not None:
            self.load_path()
        return self

    def load_path(self) -> paths.PricePath | None:
        """The price path file's path (None without one); ScenarioError for a bad file."""
        if self.path_file is None:
            return None
        try:
            return paths.load_csv(self.path_file)
        except (paths.PathError, OSError) as exc:
            raise ScenarioError(f"bad price path file: {exc}") from exc

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> "ScenarioOptions":
        """Options from a mapping; unknown keys raise ScenarioError."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ScenarioError(f"unknown option(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
        return cls(**values).validate()


@dataclass(frozen=True)
class KeeperSettings:
    """Latency and gas price of a scenario's keepers."""

    latency_blocks: int = 1
    arbitrageur_latency_blocks: int | None = None
    """The arbitrageur's own latency, when it differs (None: latency_blocks)."""
    gas_price_gwei: float = 5.0
    arbitrageur: bool = True
    """Whether an arbitrageur runs at all."""
    taker_mode: str = "auto"
    """Auction taker's mode: inventory, flash or auto."""


@dataclass(frozen=True)
class Scenario:
    """One named scenario."""

    name: str
    description: str
    duration: int
    """Seconds the price path spans (its shape is fixed; steps set the resolution)."""
    path: Callable[[int, float, int, int], paths.PricePath]
    """(n_steps, p0, dt, seed) -> the market price path (softliq.scenarios.files.Shape)."""
    params: dict[str, Any] = field(default_factory=dict)
    """MarketParams fields this scenario needs (e.g. ema_time)."""
    keepers: KeeperSettings = KeeperSettings()
    whale: bool = False
    """One large borrower (half the collateral) among the others."""
    outage: tuple[float, float] | None = None
    """Keepers offline between these fractions of the duration."""
    debt_share: tuple[float, float] = (0.6, 0.99)
    """Borrowers borrow a uniform share in this range of their max borrowable."""

    def market_params(self, base: MarketParams | None = None) -> MarketParams:
        """`base` (default parameters if None) with this scenario's changes."""
        return (base or MarketParams()).with_(**self.params)

    def price_path(self, steps: int, p0: float, seed: int) -> paths.PricePath:
        """The market price path at resolution `steps`."""
        dt = max(1, math.ceil(self.duration / steps))
        return self.path(steps, p0, dt, seed)


def scaled_path(path: paths.PricePath, p0: float) -> paths.PricePath:
    """`path`'s shape, scaled to start at `p0`."""
    return paths.PricePath(path.times, path.prices * (p0 / float(path.prices[0])), f"{path.name} scaled to {p0:g}")


SCENARIOS: dict[str, Scenario] = {}
"""The built-in scenarios by name: the TOML files under scenarios/ (softliq.scenarios.files)."""


def get_scenario(name: "str | Scenario") -> Scenario:
    """The scenario called `name`, or the one in TOML file `name` (a path ending in
    .toml); a Scenario is returned as it is. ScenarioError listing the known names
    otherwise."""
    if isinstance(name, Scenario):
        return name
    if str(name).endswith(".toml"):
        from softliq.scenarios.files import load_scenario

        return load_scenario(name)
    if name not in SCENARIOS:
        raise ScenarioError(f"unknown scenario {name!r}; known: {', '.join(SCENARIOS)}")
    return SCENARIOS[name]


def scenario_params(name: "str | Scenario", base: MarketParams | None = None) -> MarketParams:
    """The market parameters to deploy scenario `name` with (for ape deployments)."""
    return get_scenario(name).market_params(base)


def _load_builtins() -> None:
    from softliq.scenarios.files import builtin_scenarios

    SCENARIOS.update(builtin_scenarios())


_load_builtins()
