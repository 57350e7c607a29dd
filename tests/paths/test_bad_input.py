"""Every bad input to softliq.paths raises PathError with a message naming the problem."""

from typing import Any

import numpy as np
import pytest

from softliq import paths
from softliq.paths import PathError, PricePath

P0 = 3000.0
NAN, INF = float("nan"), float("inf")

GOOD: dict[str, dict[str, Any]] = {
    "gbm": dict(seed=1, n_steps=10, p0=P0),
    "jump_diffusion": dict(seed=1, n_steps=10, p0=P0),
    "crash": dict(n_steps=10, p0=P0, drop=0.5, duration=60),
    "v_shape": dict(n_steps=10, p0=P0, depth=0.5),
    "sawtooth": dict(n_steps=10, p0=P0, amplitude=0.05, period=48),
    "flash_spike": dict(n_steps=10, p0=P0, size=0.2, at=24, length=24),
}

COMMON_BAD: list[tuple[str, Any]] = [
    ("n_steps", 0),
    ("n_steps", -3),
    ("n_steps", 2.0),
    ("n_steps", True),
    ("p0", 0.0),
    ("p0", -1.0),
    ("p0", NAN),
    ("p0", INF),
    ("p0", 1e-30),
    ("p0", 1e40),
    ("p0", "3000"),
    ("dt", 0),
    ("dt", -12),
    ("dt", 1.5),
]

SPECIFIC_BAD: list[tuple[str, str, Any]] = [
    ("gbm", "seed", -1),
    ("gbm", "seed", 1.5),
    ("gbm", "seed", None),
    ("gbm", "sigma", -0.1),
    ("gbm", "sigma", NAN),
    ("gbm", "mu", INF),
    ("jump_diffusion", "jump_rate", -1.0),
    ("jump_diffusion", "jump_std", -0.1),
    ("jump_diffusion", "jump_mean", NAN),
    ("jump_diffusion", "sigma", -1.0),
    ("crash", "drop", 1.0),
    ("crash", "drop", -0.1),
    ("crash", "drop", NAN),
    ("crash", "duration", -1),
    ("crash", "duration", 121),  # longer than the path (10 steps of 12 s)
    ("crash", "noise", -0.01),
    ("crash", "noise", 0.01),  # noise without a seed
    ("crash", "seed", -5),
    ("v_shape", "depth", 1.0),
    ("v_shape", "depth", -0.5),
    ("v_shape", "n_steps", 1),
    ("v_shape", "bottom_at", 0),
    ("v_shape", "bottom_at", 120),
    ("sawtooth", "amplitude", 1.0),
    ("sawtooth", "amplitude", -0.1),
    ("sawtooth", "period", 23),  # shorter than 2 * dt
    ("sawtooth", "period", 0),
    ("flash_spike", "size", -1.0),
    ("flash_spike", "size", NAN),
    ("flash_spike", "at", 0),
    ("flash_spike", "at", 11),
    ("flash_spike", "length", 0),
    ("flash_spike", "length", 11),
    ("flash_spike", "length", 100),  # at + length past the end
]


def _call(name: str, **changes: Any) -> PricePath:
    return paths.GENERATORS[name](**{**GOOD[name], **changes})


@pytest.mark.parametrize("name", sorted(GOOD))
def test_good_arguments_work(name: str) -> None:
    assert len(_call(name)) == 11


@pytest.mark.parametrize("name", sorted(GOOD))
@pytest.mark.parametrize("arg, value", COMMON_BAD, ids=[f"{a}={v!r}" for a, v in COMMON_BAD])
def test_common_bad_arguments_raise_naming_the_argument(name: str, arg: str, value: Any) -> None:
    with pytest.raises(PathError, match=arg):
        _call(name, **{arg: value})


@pytest.mark.parametrize("name, arg, value", SPECIFIC_BAD, ids=[f"{n}-{a}={v!r}" for n, a, v in SPECIFIC_BAD])
def test_specific_bad_arguments_raise_naming_the_argument(name: str, arg: str, value: Any) -> None:
    match = "at \\+ length" if (name, arg, value) == ("flash_spike", "length", 100) else arg
    with pytest.raises(PathError, match=match):
        _call(name, **{arg: value})


def test_path_error_is_a_value_error() -> None:
    assert issubclass(PathError, ValueError)


def test_generate_rejects_unknown_names_and_arguments() -> None:
    with pytest.raises(PathError, match="unknown path generator 'crsh'; known: crash, flash_spike"):
        paths.generate("crsh", n_steps=3, p0=P0)
    with pytest.raises(PathError, match="bad arguments for crash"):
        paths.generate("crash", n_steps=3, p0=P0, drop=0.1, duration=12, sigma=1.0)


def test_a_path_leaving_the_price_range_raises() -> None:
    with pytest.raises(PathError, match="leaves"):
        paths.gbm(seed=1, n_steps=1000, p0=P0, mu=-100.0, sigma=0.0, dt=paths.YEAR)


BAD_PATHS: list[tuple[Any, Any, str]] = [
    ([], [], "empty path"),
    ([0, 12], [1.0], "times has 2 points but prices has 1"),
    ([12, 24], [1.0, 2.0], "times\\[0\\] must be 0"),
    ([0, 12, 12], [1.0, 2.0, 3.0], "times\\[2\\] = 12 after times\\[1\\] = 12"),
    ([0, 12, 6], [1.0, 2.0, 3.0], "strictly increase"),
    ([0, 12], [1.0, 0.0], "prices\\[1\\] = 0.0 is not positive"),
    ([0, 12], [-2.0, 1.0], "prices\\[0\\] = -2.0 is not positive"),
    ([0, 12], [1.0, NAN], "prices\\[1\\] = nan is not finite"),
    ([0, 12], [INF, 1.0], "prices\\[0\\] = inf is not finite"),
    ([0, 12], [1.0, 1e-19], "below one wei"),
    ([0, 12], [1.0, 1e31], "above MAX_PRICE"),
    ([0, 1.5], [1.0, 1.0], "times\\[1\\] = 1.5 is not a whole number"),
    ([0, NAN], [1.0, 1.0], "not a whole number"),
    ([[0, 1]], [[1.0, 1.0]], "one-dimensional"),
    ([0, 1], [[1.0], [1.0]], "prices must be one-dimensional"),
    (["zero"], [1.0], "times must be whole numbers"),
    ([0], ["one"], "prices must be numbers"),
]


@pytest.mark.parametrize("times, prices, message", BAD_PATHS, ids=[m for _, _, m in BAD_PATHS])
def test_bad_paths_cannot_be_built(times: Any, prices: Any, message: str) -> None:
    with pytest.raises(PathError, match=message):
        PricePath(times, prices)


def test_validate_rechecks_a_path_changed_behind_its_back() -> None:
    path = PricePath([0, 12], [1.0, 2.0])
    object.__setattr__(path, "prices", np.array([1.0, -2.0]))
    with pytest.raises(PathError, match="not positive"):
        paths.validate(path)
    with pytest.raises(PathError, match="expected a PricePath"):
        paths.validate([1.0, 2.0])  # type: ignore[arg-type]


@pytest.mark.parametrize("ema_time", [0, 59, 86_401, 600.0])
def test_ema_oracle_rejects_ema_times_the_contract_rejects(ema_time: Any) -> None:
    with pytest.raises(PathError, match="ema_time"):
        paths.ema_oracle(PricePath([0, 12], [1.0, 2.0]), ema_time)


def test_ema_oracle_needs_a_path() -> None:
    with pytest.raises(PathError, match="must be a PricePath"):
        paths.ema_oracle([1.0, 2.0], 600)  # type: ignore[arg-type]


@pytest.mark.parametrize("max_steps", [0, -1, 2.5])
def test_strategies_reject_bad_max_steps(max_steps: Any) -> None:
    with pytest.raises(PathError, match="max_steps"):
        paths.st_gbm(max_steps=max_steps)
