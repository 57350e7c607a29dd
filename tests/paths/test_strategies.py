"""The hypothesis strategies: valid paths, small by default, parameters honoured, good shrinking."""

from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import HealthCheck, find, given, settings
from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from softliq import paths
from softliq.paths import STRATEGIES, PricePath

FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.mark.parametrize("name", sorted(STRATEGIES))
def test_every_strategy_draws_valid_small_paths_from_the_market_price(name: str) -> None:
    @FAST
    @given(STRATEGIES[name]())
    def check(path: PricePath) -> None:
        assert paths.validate(path) is path
        assert 2 <= len(path) <= paths.MAX_STRATEGY_STEPS + 1
        assert path.prices[0] == paths.DEFAULT_P0

    check()


@pytest.mark.parametrize("name", sorted(STRATEGIES))
def test_strategies_honour_max_steps_p0_and_dt(name: str) -> None:
    @settings(max_examples=20, deadline=None)
    @given(STRATEGIES[name](max_steps=5, p0=st.sampled_from([0.5, 1e5]), dt=7))
    def check(path: PricePath) -> None:
        assert len(path) <= 6
        assert path.prices[0] in (0.5, 1e5)
        assert (np.diff(path.times) == 7).all()

    check()


def test_strategy_parameters_respect_their_shape() -> None:
    @FAST
    @given(paths.st_sawtooth(max_amplitude=0.02), paths.st_crash(max_drop=0.5))
    def check(saw: PricePath, fall: PricePath) -> None:
        assert saw.prices.max() <= saw.prices[0] * 1.02 + 1e-9
        assert saw.prices.min() >= saw.prices[0] * 0.98 - 1e-9
        # crash noise is at most 1% per point, so the end is at most 50% (and noise) down
        assert fall.prices[-1] >= fall.prices[0] * 0.5 * np.exp(-0.06)

    check()


Shrinker = Callable[[], SearchStrategy[PricePath]]


@pytest.mark.parametrize(
    "strategy, condition, most_steps",
    [
        (paths.st_returns_path, lambda p: p.prices.min() < 0.8 * p.prices[0], 6),
        (paths.st_any_path, lambda p: p.prices.min() < 0.8 * p.prices[0], 6),
        (paths.st_crash, lambda p: p.prices[-1] < 0.5 * p.prices[0], 1),
        (paths.st_flash_spike, lambda p: p.prices.max() > 1.5 * p.prices[0], 2),
    ],
    ids=["returns", "any", "crash", "flash_spike"],
)
def test_a_failing_path_shrinks_to_a_short_one(
    strategy: Shrinker, condition: Callable[[PricePath], bool], most_steps: int
) -> None:
    """A property that fails on a big move must shrink to a path of a handful of steps
    (drawn returns move at most 10% a step, so a 20% drop needs 3; allow twice that)."""
    minimal = find(strategy(), condition, settings=settings(max_examples=2000, deadline=None, database=None))
    assert condition(minimal)
    assert len(minimal) - 1 <= most_steps
    assert minimal.times[1] == 12  # dt shrinks to one block
