"""Shape facts of every generator in softliq.paths, determinism, and the PricePath type."""

import math
import pickle
from fractions import Fraction

import numpy as np
import pytest

from softliq import paths
from softliq.paths import GENERATORS, PricePath, generate

P0 = 3000.0

# One call per generator, seeded where the generator takes a seed, with noise where it has it.
SEEDED_CALLS = {
    "gbm": dict(seed=7, n_steps=300, p0=P0),
    "jump_diffusion": dict(seed=7, n_steps=300, p0=P0, jump_rate=50_000.0),
    "crash": dict(seed=7, n_steps=300, p0=P0, drop=0.4, duration=1200, noise=0.01),
    "v_shape": dict(seed=7, n_steps=300, p0=P0, depth=0.3, noise=0.01),
    "sawtooth": dict(seed=7, n_steps=300, p0=P0, amplitude=0.05, period=600, noise=0.01),
    "flash_spike": dict(seed=7, n_steps=300, p0=P0, size=-0.3, at=120, length=60, noise=0.01),
}


def test_generators_table_names_every_generator() -> None:
    assert set(GENERATORS) == set(SEEDED_CALLS)


@pytest.mark.parametrize("name", sorted(SEEDED_CALLS))
def test_same_seed_same_path_other_seed_other_path(name: str) -> None:
    kwargs = SEEDED_CALLS[name]
    first, again = generate(name, **kwargs), generate(name, **kwargs)
    assert first == again
    assert first.wad() == again.wad()
    other = generate(name, **{**kwargs, "seed": kwargs["seed"] + 1})
    assert not np.array_equal(first.prices, other.prices)


@pytest.mark.parametrize("name", sorted(SEEDED_CALLS))
def test_generated_paths_are_valid_and_start_at_p0(name: str) -> None:
    path = generate(name, **SEEDED_CALLS[name])
    assert paths.validate(path) is path
    assert len(path) == SEEDED_CALLS[name]["n_steps"] + 1
    assert path.times[0] == 0 and path.prices[0] == P0
    assert (np.diff(path.times) == 12).all()
    assert path.times.dtype == np.int64 and path.prices.dtype == np.float64


def test_crash_falls_by_drop_over_duration_then_stays_flat() -> None:
    path = paths.crash(n_steps=100, p0=P0, drop=0.5, duration=600)
    bottom = P0 * 0.5
    assert path.prices[path.times == 600][0] == pytest.approx(bottom, rel=1e-12)
    assert np.all(path.prices[path.times >= 600] == path.prices[-1])
    assert path.prices[-1] == pytest.approx(bottom, rel=1e-12)
    assert np.all(np.diff(path.prices[path.times <= 600]) < 0)
    # geometric: the same percentage every step
    ratios = path.prices[1:51] / path.prices[:50]
    assert np.allclose(ratios, ratios[0], rtol=1e-12)


def test_crash_with_noise_ends_near_the_bottom() -> None:
    noise = 0.01
    path = paths.crash(n_steps=100, p0=P0, drop=0.3, duration=240, seed=3, noise=noise)
    flat = path.prices[path.times >= 240]
    assert np.all(np.abs(np.log(flat / (P0 * 0.7))) < 5 * noise)
    assert abs(math.log(np.mean(flat) / (P0 * 0.7))) < noise


def test_crash_with_zero_duration_drops_in_the_first_step() -> None:
    path = paths.crash(n_steps=3, p0=P0, drop=0.25, duration=0)
    assert path.prices.tolist() == [P0, P0 * 0.75, P0 * 0.75, P0 * 0.75]


def test_v_shape_goes_down_by_depth_and_back_to_p0() -> None:
    path = paths.v_shape(n_steps=100, p0=P0, depth=0.4)
    assert path.prices[-1] == P0
    assert path.prices.min() == pytest.approx(P0 * 0.6, rel=1e-12)
    assert int(np.argmin(path.prices)) == 50
    assert np.all(np.diff(path.prices[:51]) < 0) and np.all(np.diff(path.prices[50:]) > 0)


def test_v_shape_bottom_can_be_placed() -> None:
    path = paths.v_shape(n_steps=10, p0=P0, depth=0.2, bottom_at=24)
    assert int(np.argmin(path.prices)) == 2
    assert path.prices[2] == pytest.approx(P0 * 0.8, rel=1e-12) and path.prices[-1] == P0


@pytest.mark.parametrize("noise", [0.0, 0.05])
def test_sawtooth_stays_in_range_and_reaches_both_ends(noise: float) -> None:
    a = 0.03
    path = paths.sawtooth(n_steps=200, p0=P0, amplitude=a, period=480, seed=1, noise=noise)
    assert path.prices.min() >= P0 * (1 - a) and path.prices.max() <= P0 * (1 + a)
    if noise == 0:
        assert path.prices.min() == pytest.approx(P0 * (1 - a))
        assert path.prices.max() == pytest.approx(P0 * (1 + a))
        # back at p0 after every full period
        assert np.allclose(path.prices[path.times % 480 == 0], P0)


def test_sawtooth_first_swing_is_down() -> None:
    path = paths.sawtooth(n_steps=4, p0=100.0, amplitude=0.1, period=48)
    assert path.prices.tolist() == pytest.approx([100.0, 90.0, 100.0, 110.0, 100.0])


@pytest.mark.parametrize("size", [-0.3, 0.5])
def test_flash_spike_moves_by_size_and_reverts_by_at_plus_length(size: float) -> None:
    at, length = 120, 60
    path = paths.flash_spike(n_steps=50, p0=P0, size=size, at=at, length=length)
    inside = (path.times >= at) & (path.times < at + length)
    assert np.all(path.prices[inside] == P0 * (1 + size))
    assert np.all(path.prices[~inside] == P0)
    assert inside.sum() == length // 12


def test_flash_spike_with_noise_reverts_within_noise() -> None:
    path = paths.flash_spike(n_steps=50, p0=P0, size=-0.5, at=120, length=60, seed=2, noise=0.001)
    after = path.prices[path.times >= 180]
    assert np.all(np.abs(np.log(after / P0)) < 0.005)


def test_gbm_log_returns_have_the_stated_mean_and_std() -> None:
    mu, sigma, dt, n = 0.5, 0.8, 3600, 100_000
    path = paths.gbm(seed=2024, n_steps=n, p0=P0, mu=mu, sigma=sigma, dt=dt)
    r = np.diff(np.log(path.prices))
    years = dt / paths.YEAR
    want_std = sigma * math.sqrt(years)
    want_mean = (mu - sigma**2 / 2) * years
    # std of the sample std ~ want_std / sqrt(2n); of the sample mean ~ want_std / sqrt(n)
    assert r.std() == pytest.approx(want_std, rel=5 / math.sqrt(2 * n))
    assert abs(r.mean() - want_mean) < 5 * want_std / math.sqrt(n)


def test_gbm_with_zero_sigma_is_deterministic_drift() -> None:
    path = paths.gbm(seed=1, n_steps=10, p0=P0, mu=0.1, sigma=0.0, dt=paths.YEAR // 10)
    assert path.prices[-1] == pytest.approx(P0 * math.exp(0.1), rel=1e-12)


def test_jump_diffusion_has_jumps_the_gbm_part_cannot_explain() -> None:
    sigma, dt = 0.5, 60
    path = paths.jump_diffusion(
        seed=5, n_steps=20_000, p0=P0, sigma=sigma, jump_rate=5_000.0, jump_mean=-0.1, jump_std=0.01, dt=dt
    )
    r = np.diff(np.log(path.prices))
    step_std = sigma * math.sqrt(dt / paths.YEAR)
    big = r < -0.05  # > 60 standard deviations of the diffusion
    expected = 5_000.0 * dt / paths.YEAR * 20_000  # ~190 jumps
    assert 0.7 * expected < big.sum() < 1.3 * expected
    assert np.all(np.abs(r[~big]) < 10 * step_std + 0.03)


def test_jump_diffusion_without_jumps_matches_gbm() -> None:
    jd = paths.jump_diffusion(seed=9, n_steps=50, p0=P0, jump_rate=0.0)
    gbm = paths.gbm(seed=9, n_steps=50, p0=P0)
    # the same normal draws come first from the same seed; no jumps, no compensation
    assert np.allclose(jd.prices, gbm.prices, rtol=1e-12)


def test_path_arrays_are_read_only_copies() -> None:
    times, prices = np.array([0, 5]), np.array([1.0, 2.0])
    path = PricePath(times, prices, "x")
    times[1], prices[1] = 9, 9.0
    assert path.times.tolist() == [0, 5] and path.prices.tolist() == [1.0, 2.0]
    with pytest.raises(ValueError):
        path.prices[0] = 3.0


def test_path_survives_pickling_read_only() -> None:
    path = paths.crash(n_steps=5, p0=P0, drop=0.5, duration=24)
    again = pickle.loads(pickle.dumps(path))
    assert again == path and not again.prices.flags.writeable and not again.times.flags.writeable


def test_path_accepts_lists_and_whole_float_times() -> None:
    path = PricePath([0.0, 12.0], [3000, 2999.5])
    assert path.times.tolist() == [0, 12] and path.times.dtype == np.int64
    assert len(path) == 2 and path.name == "path" and path.duration == 12
    assert hash(path) == hash(PricePath([0, 12], [3000.0, 2999.5]))


def test_wad_rounds_to_nearest_exactly() -> None:
    path = PricePath([0, 1, 2, 3], [3000.0, 0.5, 1e-18, 2.0**99])
    assert path.wad() == [3000 * 10**18, 5 * 10**17, 1, 2**99 * 10**18]
    # from the binary value: 0.1 is 0.1000000000000000055511151231257827... in binary
    assert paths.to_wad(0.1) == 100_000_000_000_000_006
    # ties round up: 2**-60 * 1e18 = 0.867..., 2**-61 * 1e18 = 0.4336..., 3 * 2**-62 * 1e18 = 0.65...
    assert [paths.to_wad(2.0**-60), paths.to_wad(2.0**-61), paths.to_wad(3 * 2.0**-62)] == [1, 0, 1]


def test_wad_of_a_path_agrees_with_exact_fractions() -> None:
    rng = np.random.default_rng(0)
    prices = np.exp(rng.uniform(math.log(paths.MIN_PRICE), math.log(paths.MAX_PRICE), 5000))
    path = PricePath(np.arange(len(prices)), prices)
    exact = [math.floor(Fraction(p) * 10**18 + Fraction(1, 2)) for p in prices.tolist()]
    assert path.wad() == exact == [paths.to_wad(p) for p in prices.tolist()]
