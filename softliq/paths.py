"""Market price paths for scenarios, fuzz suites and Monte Carlo runs.

A `PricePath` is a market price (stablecoin per collateral, float) sampled at whole
seconds from the start. Every generator is a seeded numpy function that returns one
(``n_steps`` moves, so ``n_steps + 1`` points, the first at time 0 and price ``p0``),
and has a hypothesis strategy twin (``st_*``) that draws its seed and parameters from
shrinkable integers and floats. Paths are in *market* price; an oracle follows its own
rule (`ema_oracle` models `contracts/EmaOracle.vy`).

Every bad input (to a generator, to `PricePath`, to `load_csv`) raises `PathError`
with a message that names the bad argument or the bad row.

Also here: `generate(name, **kwargs)` (for command lines: PathError for an unknown
name or argument), `STRATEGIES` (name -> strategy factory), `st_returns_path` (step
returns drawn one by one), `to_wad`, and `save_csv` / `load_csv` for path files.

Time parameters (``dt``, ``duration``, ``period``, ``at``, ``length``, ``ema_time``) are
in seconds; rates and volatilities (``mu``, ``sigma``, ``jump_rate``) are annualised
over a 365-day year.
"""

from __future__ import annotations

import csv
import io
import math
import os
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import numpy as np
from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from softliq.params import WAD, MarketParams

YEAR = 365 * 86_400
"""Seconds in the year that annualised `mu`, `sigma` and `jump_rate` refer to."""
MIN_PRICE = 1e-18
"""Smallest price a path may hold: one wei in WAD."""
MAX_PRICE = 1e30
"""Largest price a path may hold (WAD arithmetic in the contracts overflows long before
uint256 does)."""
EMA_TIME_MIN, EMA_TIME_MAX = 60, 86_400
"""Bounds on the EMA time constant, as `EmaOracle.__init__` enforces them."""
MAX_STRATEGY_STEPS = 200
"""Default largest path the strategies draw, so stateful suites stay fast."""
DEFAULT_P0 = MarketParams().price / WAD
"""Default start price of the strategies: the default market's oracle price."""


class PathError(ValueError):
    """A bad price path or a bad argument to a path generator or reader."""


# ---------------------------------------------------------------- the path itself


@dataclass(frozen=True)
class PricePath:
    """Market prices at whole seconds from the start.

    `times` (int64) start at 0 and strictly increase; `prices` (float64) are finite and
    within [MIN_PRICE, MAX_PRICE]. The arrays are copied and made read-only, and the
    path is validated on construction, so a `PricePath` that exists is a valid one.
    """

    times: np.ndarray
    prices: np.ndarray
    name: str = field(default="path")

    def __post_init__(self) -> None:
        object.__setattr__(self, "times", _as_times(self.times))
        object.__setattr__(self, "prices", _as_prices(self.prices))
        if not isinstance(self.name, str):
            raise PathError(f"name must be a str, got {type(self.name).__name__}")
        validate(self)

    def __setstate__(self, state: dict[str, Any]) -> None:
        """Unpickling: restore the fields, then re-coerce (read-only) and re-validate."""
        for key, value in state.items():
            object.__setattr__(self, key, value)
        self.__post_init__()

    def wad(self) -> list[int]:
        """The prices as WAD integers, each rounded to the nearest wei (see `to_wad`)."""
        return _wad_list(self.prices)

    def __len__(self) -> int:
        return len(self.prices)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, PricePath):
            return NotImplemented
        return (
            self.name == other.name
            and np.array_equal(self.times, other.times)
            and np.array_equal(self.prices, other.prices)
        )

    def __hash__(self) -> int:
        return hash((self.name, self.times.tobytes(), self.prices.tobytes()))

    @property
    def duration(self) -> int:
        """Seconds from the first point to the last."""
        return int(self.times[-1])


def to_wad(price: float) -> int:
    """`price` * 1e18 rounded to the nearest integer (ties up), computed exactly from
    the float's binary value (so 0.1, which is 0.1000000000000000055... in binary,
    gives 100000000000000006)."""
    num, den = float(price).as_integer_ratio()
    return (2 * num * WAD + den) // (2 * den)


def _wad_list(prices: np.ndarray) -> list[int]:
    """`to_wad` of every price, about 3x faster: p = m * 2**(e - 53) exactly, with m a
    53-bit integer, so p * WAD rounds with one shift."""
    mantissa, exponent = np.frexp(prices)
    ints = (mantissa * 2.0**53).astype(np.int64).tolist()
    shifts = (53 - exponent).tolist()
    out: list[int] = []
    for m, s in zip(ints, shifts):
        out.append(m * WAD << -s if s <= 0 else (((m * WAD) >> (s - 1)) + 1) >> 1)
    return out


def _as_times(times: Any) -> np.ndarray:
    """`times` as a read-only 1-D int64 copy; PathError if they are not whole numbers."""
    try:
        raw = np.array(times, dtype=np.float64 if _is_float_array(times) else np.int64)
    except (TypeError, ValueError, OverflowError) as exc:
        raise PathError(f"times must be whole numbers of seconds: {exc}") from None
    if raw.ndim != 1:
        raise PathError(f"times must be one-dimensional, got shape {raw.shape}")
    if raw.dtype == np.float64:
        bad = ~np.isfinite(raw) | (raw != np.round(raw)) | (np.abs(raw) > 2.0**62)
        if bad.any():
            i = int(np.argmax(bad))
            raise PathError(f"times[{i}] = {raw[i]!r} is not a whole number of seconds")
        raw = raw.astype(np.int64)
    raw.setflags(write=False)
    return raw


def _is_float_array(values: Any) -> bool:
    return np.asarray(values).dtype.kind == "f"


def _as_prices(prices: Any) -> np.ndarray:
    """`prices` as a read-only 1-D float64 copy; PathError if they are not numbers."""
    try:
        raw = np.array(prices, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise PathError(f"prices must be numbers: {exc}") from None
    if raw.ndim != 1:
        raise PathError(f"prices must be one-dimensional, got shape {raw.shape}")
    raw.setflags(write=False)
    return raw


def validate(path: PricePath) -> PricePath:
    """Check `path` and return it; PathError names the first problem.

    Rejects: an empty path, times and prices of different lengths, a first time other
    than 0, times not strictly increasing, non-finite prices, prices <= 0, prices below
    one wei (MIN_PRICE) or above MAX_PRICE.
    """
    if not isinstance(path, PricePath):
        raise PathError(f"expected a PricePath, got {type(path).__name__}")
    times, prices = path.times, path.prices
    if len(prices) == 0:
        raise PathError("empty path: it needs at least one point")
    if len(times) != len(prices):
        raise PathError(f"times has {len(times)} points but prices has {len(prices)}")
    if times[0] != 0:
        raise PathError(f"times[0] must be 0 (seconds from start), got {int(times[0])}")
    steps = np.diff(times)
    if (steps <= 0).any():
        i = int(np.argmax(steps <= 0)) + 1
        raise PathError(
            f"times must strictly increase: times[{i}] = {int(times[i])} "
            f"after times[{i - 1}] = {int(times[i - 1])}"
        )
    _check_prices(prices)
    return path


def _check_prices(prices: np.ndarray) -> None:
    """PathError naming the first non-finite, non-positive or out-of-range price."""
    checks: list[tuple[np.ndarray, str]] = [
        (~np.isfinite(prices), "is not finite"),
        (prices <= 0, "is not positive"),
        (prices < MIN_PRICE, f"is below one wei ({MIN_PRICE:g})"),
        (prices > MAX_PRICE, f"is above MAX_PRICE ({MAX_PRICE:g})"),
    ]
    for bad, what in checks:
        if bad.any():
            i = int(np.argmax(bad))
            raise PathError(f"prices[{i}] = {prices[i]!r} {what}")


# ---------------------------------------------------------------- argument checks


def _check_int(name: str, value: Any, low: int, high: int | None = None) -> int:
    """`value` as an int in [low, high]; PathError naming `name` otherwise."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise PathError(f"{name} must be an integer, got {value!r}")
    value = int(value)
    if value < low or (high is not None and value > high):
        bound = f">= {low}" if high is None else f"in [{low}, {high}]"
        raise PathError(f"{name} must be {bound}, got {value}")
    return value


def _check_float(
    name: str,
    value: Any,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
    high_open: bool = False,
) -> float:
    """`value` as a finite float within the given bounds; PathError naming `name`."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise PathError(f"{name} must be a number, got {value!r}")
    value = float(value)
    if not math.isfinite(value):
        raise PathError(f"{name} must be finite, got {value!r}")
    too_low = low is not None and (value <= low if low_open else value < low)
    too_high = high is not None and (value >= high if high_open else value > high)
    if too_low or too_high:
        left = "-inf" if low is None else f"{low:g}"
        right = "inf" if high is None else f"{high:g}"
        opening = "(" if low_open or low is None else "["
        closing = ")" if high_open or high is None else "]"
        raise PathError(f"{name} must be in {opening}{left}, {right}{closing}, got {value!r}")
    return value


def _check_common(n_steps: Any, p0: Any, dt: Any, min_steps: int = 1) -> tuple[int, float, int]:
    """The arguments every generator takes."""
    n = _check_int("n_steps", n_steps, min_steps)
    price = _check_float("p0", p0, MIN_PRICE, MAX_PRICE)
    step = _check_int("dt", dt, 1)
    return n, price, step


def _check_seed(seed: Any) -> int:
    return _check_int("seed", seed, 0, 2**63 - 1)


def _check_noise(noise: Any, seed: Any) -> tuple[float, int | None]:
    """`noise` >= 0; a seed is required when noise > 0 (paths must be reproducible)."""
    level = _check_float("noise", noise, 0.0, 1.0)
    if seed is None:
        if level > 0:
            raise PathError("noise > 0 needs a seed (paths must be reproducible)")
        return level, None
    return level, _check_seed(seed)


# ---------------------------------------------------------------- building blocks


def _grid(n_steps: int, dt: int) -> np.ndarray:
    return np.arange(n_steps + 1, dtype=np.int64) * dt


def _from_log_returns(times: np.ndarray, p0: float, log_returns: np.ndarray, name: str) -> PricePath:
    """Path starting at p0 whose log price moves by `log_returns` at each step."""
    log_p = math.log(p0) + np.concatenate(([0.0], np.cumsum(log_returns)))
    inside = log_p.max() <= math.log(MAX_PRICE) and log_p.min() >= math.log(MIN_PRICE)
    if not (np.isfinite(log_p).all() and inside):
        raise PathError(f"{name}: the path leaves [{MIN_PRICE:g}, {MAX_PRICE:g}]; lower sigma, mu or n_steps")
    prices = np.exp(log_p)
    prices[0] = p0
    return PricePath(times, prices, name)


def _shaped(times: np.ndarray, prices: np.ndarray, noise: float, seed: int | None, name: str) -> PricePath:
    """A deterministic shape with optional independent multiplicative noise per point
    (exp(noise * Z), Z standard normal); the first point stays exact."""
    prices = np.array(prices, dtype=np.float64)
    if noise > 0 and seed is not None:
        z = np.random.default_rng(seed).standard_normal(len(prices) - 1)
        prices[1:] *= np.exp(noise * z)
    return PricePath(times, prices, name)


# ---------------------------------------------------------------- generators


def gbm(seed: int, n_steps: int, p0: float, mu: float = 0.0, sigma: float = 0.8, dt: int = 12) -> PricePath:
    """Geometric Brownian motion: log-returns per step are normal with mean
    (mu - sigma**2/2) * dt/YEAR and standard deviation sigma * sqrt(dt/YEAR).

    `mu` (drift) and `sigma` (volatility) are annualised; `dt` is the step in seconds.
    """
    seed = _check_seed(seed)
    n, p0, dt = _check_common(n_steps, p0, dt)
    mu = _check_float("mu", mu, -100.0, 100.0)
    sigma = _check_float("sigma", sigma, 0.0, 100.0)
    years = dt / YEAR
    z = np.random.default_rng(seed).standard_normal(n)
    returns = (mu - sigma**2 / 2) * years + sigma * math.sqrt(years) * z
    return _from_log_returns(_grid(n, dt), p0, returns, f"gbm(seed={seed})")


def jump_diffusion(
    seed: int,
    n_steps: int,
    p0: float,
    mu: float = 0.0,
    sigma: float = 0.8,
    jump_rate: float = 365.0,
    jump_mean: float = -0.05,
    jump_std: float = 0.05,
    dt: int = 12,
) -> PricePath:
    """Merton jump diffusion: GBM plus jumps arriving as a Poisson process.

    `jump_rate` is jumps per year (default: one a day); each jump multiplies the price
    by exp(J), J normal with mean `jump_mean` and std `jump_std`. The drift is
    compensated so `mu` stays the expected annual return.
    """
    seed = _check_seed(seed)
    n, p0, dt = _check_common(n_steps, p0, dt)
    mu = _check_float("mu", mu, -100.0, 100.0)
    sigma = _check_float("sigma", sigma, 0.0, 100.0)
    rate = _check_float("jump_rate", jump_rate, 0.0, 1e7)
    j_mean = _check_float("jump_mean", jump_mean, -5.0, 5.0)
    j_std = _check_float("jump_std", jump_std, 0.0, 5.0)
    years = dt / YEAR
    rng = np.random.default_rng(seed)
    z = rng.standard_normal(n)
    counts = rng.poisson(rate * years, n)
    jumps = j_mean * counts + j_std * np.sqrt(counts) * rng.standard_normal(n)
    compensation = rate * (math.exp(j_mean + j_std**2 / 2) - 1)
    returns = (mu - compensation - sigma**2 / 2) * years + sigma * math.sqrt(years) * z + jumps
    return _from_log_returns(_grid(n, dt), p0, returns, f"jump_diffusion(seed={seed})")


def crash(
    n_steps: int,
    p0: float,
    drop: float,
    duration: int,
    dt: int = 12,
    seed: int | None = None,
    noise: float = 0.0,
) -> PricePath:
    """A fall of `drop` (0 <= drop < 1) over `duration` seconds, then flat.

    The fall is geometric (the same percentage every second), from p0 at time 0 to
    p0 * (1 - drop) at `duration` (<= n_steps * dt, so the path shows the bottom).
    `noise` adds independent log-normal noise per point (needs `seed`).
    """
    n, p0, dt = _check_common(n_steps, p0, dt)
    drop = _check_float("drop", drop, 0.0, 1.0, high_open=True)
    duration = _check_int("duration", duration, 0, n * dt)
    noise, seed = _check_noise(noise, seed)
    times = _grid(n, dt)
    frac = np.ones(len(times)) if duration == 0 else np.minimum(times / duration, 1.0)
    frac[0] = 0.0
    prices = p0 * (1.0 - drop) ** frac
    return _shaped(times, prices, noise, seed, f"crash({drop:g} over {duration}s)")


def v_shape(
    n_steps: int,
    p0: float,
    depth: float,
    dt: int = 12,
    bottom_at: int | None = None,
    seed: int | None = None,
    noise: float = 0.0,
) -> PricePath:
    """Down by `depth` (0 <= depth < 1) to the bottom at `bottom_at` seconds (default:
    the middle step), then back up to p0 at the last point; both legs geometric.
    """
    n, p0, dt = _check_common(n_steps, p0, dt, min_steps=2)
    depth = _check_float("depth", depth, 0.0, 1.0, high_open=True)
    end = n * dt
    bottom = (n // 2) * dt if bottom_at is None else _check_int("bottom_at", bottom_at, 1, end - 1)
    noise, seed = _check_noise(noise, seed)
    times = _grid(n, dt)
    down = np.minimum(times / bottom, 1.0)
    up = np.clip((times - bottom) / (end - bottom), 0.0, 1.0)
    prices = p0 * (1.0 - depth) ** (down - up)
    prices[-1] = p0
    return _shaped(times, prices, noise, seed, f"v_shape({depth:g})")


def sawtooth(
    n_steps: int,
    p0: float,
    amplitude: float,
    period: int,
    dt: int = 12,
    seed: int | None = None,
    noise: float = 0.0,
) -> PricePath:
    """Oscillation between p0 * (1 - amplitude) and p0 * (1 + amplitude).

    A triangle wave with `period` seconds (>= 2 * dt): down from p0 to the low at a
    quarter period, up to the high at three quarters, back to p0; linear in price.
    With `noise` (needs `seed`) the noisy prices are clipped to the same range.
    """
    n, p0, dt = _check_common(n_steps, p0, dt)
    a = _check_float("amplitude", amplitude, 0.0, 1.0, high_open=True)
    period = _check_int("period", period, 2 * dt)
    noise, seed = _check_noise(noise, seed)
    times = _grid(n, dt)
    phase = (times % period) / period
    wave = np.where(phase < 0.25, -4 * phase, np.where(phase < 0.75, 4 * phase - 2, 4 - 4 * phase))
    low, high = p0 * (1 - a), p0 * (1 + a)
    path = _shaped(times, p0 * (1 + a * wave), noise, seed, f"sawtooth({a:g}, {period}s)")
    if noise == 0:
        return path
    return PricePath(times, np.clip(path.prices, low, high), path.name)


def flash_spike(
    n_steps: int,
    p0: float,
    size: float,
    at: int,
    length: int,
    dt: int = 12,
    seed: int | None = None,
    noise: float = 0.0,
) -> PricePath:
    """p0, then p0 * (1 + size) for times in [at, at + length), then p0 again.

    `size` > -1 (negative: a downward spike); `at` >= dt and `length` >= dt seconds
    so at least one point is spiked; at + length <= n_steps * dt so the path shows
    the reversion.
    """
    n, p0, dt = _check_common(n_steps, p0, dt)
    size = _check_float("size", size, -1.0, 100.0, low_open=True)
    at = _check_int("at", at, dt)
    length = _check_int("length", length, dt)
    if at + length > n * dt:
        raise PathError(f"at + length must be <= n_steps * dt = {n * dt}, got {at + length}")
    noise, seed = _check_noise(noise, seed)
    times = _grid(n, dt)
    spiked = (times >= at) & (times < at + length)
    prices = np.where(spiked, p0 * (1 + size), p0)
    return _shaped(times, prices, noise, seed, f"flash_spike({size:+g} at {at}s for {length}s)")


def ema_oracle(path: PricePath, ema_time: int) -> PricePath:
    """The price an `EmaOracle` with time constant `ema_time` reports along `path`.

    Same rule as contracts/EmaOracle.vy, in float: the oracle starts at the first
    market price, which is also the first recorded source price; at each later time
    the market price is set first, then the oracle is written (price_w), so
    ema <- ema * e^(-dt/T) + m * (1 - e^(-dt/T)) with
    m = median(ema, previous market price, market price), dt the seconds since the
    previous point; the market price is then recorded. A point that differs from both
    neighbours (a one-point spike) never reaches the average; a move that persists is
    followed one point late.
    """
    if not isinstance(path, PricePath):
        raise PathError(f"path must be a PricePath, got {type(path).__name__}")
    t = _check_int("ema_time", ema_time, EMA_TIME_MIN, EMA_TIME_MAX)
    alphas = np.exp(-np.diff(path.times) / t).tolist()
    prices = path.prices.tolist()
    ema = [prices[0]]
    for alpha, prev, price in zip(alphas, prices[:-1], prices[1:]):
        last = ema[-1]
        m = max(min(last, prev), min(max(last, prev), price))  # the middle of the three
        ema.append(last * alpha + m * (1.0 - alpha))
    return PricePath(path.times, np.array(ema), f"ema({path.name}, {t}s)")


GENERATORS: dict[str, Callable[..., PricePath]] = {
    "gbm": gbm,
    "jump_diffusion": jump_diffusion,
    "crash": crash,
    "v_shape": v_shape,
    "sawtooth": sawtooth,
    "flash_spike": flash_spike,
}
"""Generator name -> generator, for command lines."""


def generate(name: str, **kwargs: Any) -> PricePath:
    """`GENERATORS[name](**kwargs)`, with PathError for an unknown name or argument."""
    if name not in GENERATORS:
        raise PathError(f"unknown path generator {name!r}; known: {', '.join(sorted(GENERATORS))}")
    try:
        return GENERATORS[name](**kwargs)
    except TypeError as exc:
        raise PathError(f"bad arguments for {name}: {exc}") from None


# ---------------------------------------------------------------- CSV


CSV_HEADER = ("seconds", "price")


def save_csv(path: PricePath, file: str | os.PathLike[str] | TextIO) -> None:
    """Write `path` as rows "seconds,price" under a header; prices keep every bit.

    A named file is written to a temporary file first and renamed into place, so a
    failure leaves nothing half-written; PathError if it cannot be written.
    """
    validate(path)
    if hasattr(file, "write"):
        _write_rows(path, file)  # type: ignore[arg-type]
        return
    target = Path(file)
    try:
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    except OSError as exc:
        raise PathError(f"cannot write price path {target}: {exc}") from None
    try:
        with os.fdopen(fd, "w", newline="") as out:
            _write_rows(path, out)
        os.replace(tmp, target)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise PathError(f"cannot write price path {target}: {exc}") from None
        raise


def _write_rows(path: PricePath, out: TextIO) -> None:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    writer.writerows((int(t), repr(float(p))) for t, p in zip(path.times, path.prices))


def load_csv(file: str | os.PathLike[str]) -> PricePath:
    """Read rows "seconds,price" (header row optional, blank and '#' lines skipped).

    PathError names the file and line for any bad row: wrong number of fields, a time
    that is not a whole non-negative number or does not increase, a price that is not
    a finite positive number; also for an empty file and an unreadable one.
    """
    source = Path(file)
    try:
        text = source.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise PathError(f"cannot read price path {source}: {exc}") from None
    times, prices = _parse_rows(source, text)
    if not prices:
        raise PathError(f"{source}: no data rows (expected lines 'seconds,price')")
    return PricePath(np.array(times, dtype=np.int64), np.array(prices), source.stem)


def _parse_rows(source: Path, text: str) -> tuple[list[int], list[float]]:
    times: list[int] = []
    prices: list[float] = []
    for index, (line_no, row) in enumerate(_rows(text)):
        where = f"{source} line {line_no}"
        if len(row) != 2:
            raise PathError(f"{where}: expected 2 fields 'seconds,price', got {len(row)}")
        if index == 0 and _is_header(row):
            continue
        t, p = _parse_time(row[0], where), _parse_price(row[1], where)
        if not times and t != 0:
            raise PathError(f"{where}: the first time must be 0 (seconds from start), got {t}")
        if times and t <= times[-1]:
            raise PathError(f"{where}: time {t} does not increase (previous row: {times[-1]})")
        times.append(t)
        prices.append(p)
    return times, prices


def _rows(text: str) -> Iterable[tuple[int, list[str]]]:
    """(line number, fields) for every line that is not blank or a '#' comment."""
    for line_no, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            yield line_no, [f.strip() for f in next(csv.reader(io.StringIO(stripped)))]


def _is_header(row: list[str]) -> bool:
    """A header row has no number in either field."""
    return not any(_is_number(f) for f in row)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _parse_time(text: str, where: str) -> int:
    try:
        value = float(text)
    except ValueError:
        raise PathError(f"{where}: seconds {text!r} is not a number") from None
    if not math.isfinite(value) or value != int(value):
        raise PathError(f"{where}: seconds {text!r} is not a whole number")
    if value < 0:
        raise PathError(f"{where}: seconds {text!r} is negative")
    return int(text) if text.lstrip("+").isdigit() else int(value)


def _parse_price(text: str, where: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise PathError(f"{where}: price {text!r} is not a number") from None
    if not math.isfinite(value):
        raise PathError(f"{where}: price {text!r} is not finite")
    if value <= 0:
        raise PathError(f"{where}: price {text!r} is not positive")
    if not MIN_PRICE <= value <= MAX_PRICE:
        raise PathError(f"{where}: price {text!r} is outside [{MIN_PRICE:g}, {MAX_PRICE:g}]")
    return value


# ---------------------------------------------------------------- hypothesis strategies


def _param(value: float | SearchStrategy[Any]) -> SearchStrategy[Any]:
    """A fixed value or a strategy, as a strategy."""
    return value if isinstance(value, SearchStrategy) else st.just(value)


def _seeds() -> SearchStrategy[int]:
    return st.integers(0, 2**32 - 1)


def _dts() -> SearchStrategy[int]:
    """Step lengths from one block up to an hour; shrinks towards one block."""
    return st.sampled_from([12, 60, 300, 3600])


def _unit(low: float, high: float) -> SearchStrategy[float]:
    return st.floats(low, high, allow_nan=False, allow_infinity=False)


def _steps(max_steps: int, min_steps: int = 1) -> SearchStrategy[int]:
    _check_int("max_steps", max_steps, min_steps)
    return st.integers(min_steps, max_steps)


def st_gbm(
    max_steps: int = MAX_STRATEGY_STEPS,
    p0: float | SearchStrategy[float] = DEFAULT_P0,
    dt: int | SearchStrategy[int] | None = None,
    max_sigma: float = 3.0,
) -> SearchStrategy[PricePath]:
    """GBM paths: seed, n_steps, mu in [-1, 1], sigma in [0, max_sigma], dt drawn."""
    return st.builds(
        gbm,
        seed=_seeds(),
        n_steps=_steps(max_steps),
        p0=_param(p0),
        mu=_unit(-1.0, 1.0),
        sigma=_unit(0.0, max_sigma),
        dt=_dts() if dt is None else _param(dt),
    )


def st_jump_diffusion(
    max_steps: int = MAX_STRATEGY_STEPS,
    p0: float | SearchStrategy[float] = DEFAULT_P0,
    dt: int | SearchStrategy[int] | None = None,
) -> SearchStrategy[PricePath]:
    """Jump-diffusion paths with up to ~one jump an hour of up to +-20% mean size."""
    return st.builds(
        jump_diffusion,
        seed=_seeds(),
        n_steps=_steps(max_steps),
        p0=_param(p0),
        mu=_unit(-1.0, 1.0),
        sigma=_unit(0.0, 3.0),
        jump_rate=_unit(0.0, 8760.0),
        jump_mean=_unit(-0.2, 0.2),
        jump_std=_unit(0.0, 0.1),
        dt=_dts() if dt is None else _param(dt),
    )


@st.composite
def st_crash(
    draw: st.DrawFn,
    max_steps: int = MAX_STRATEGY_STEPS,
    p0: float | SearchStrategy[float] = DEFAULT_P0,
    dt: int | SearchStrategy[int] | None = None,
    max_drop: float = 0.9,
) -> PricePath:
    """Crashes of up to `max_drop` over any duration that fits the path."""
    n = draw(_steps(max_steps))
    step = draw(_dts() if dt is None else _param(dt))
    return crash(
        n_steps=n,
        p0=draw(_param(p0)),
        drop=draw(_unit(0.0, max_drop)),
        duration=draw(st.integers(0, n * step)),
        dt=step,
        seed=draw(_seeds()),
        noise=draw(_unit(0.0, 0.01)),
    )


@st.composite
def st_v_shape(
    draw: st.DrawFn,
    max_steps: int = MAX_STRATEGY_STEPS,
    p0: float | SearchStrategy[float] = DEFAULT_P0,
    dt: int | SearchStrategy[int] | None = None,
    max_depth: float = 0.9,
) -> PricePath:
    """V-shapes of up to `max_depth` with the bottom anywhere inside the path."""
    n = draw(_steps(max(max_steps, 2), min_steps=2))
    step = draw(_dts() if dt is None else _param(dt))
    return v_shape(
        n_steps=n,
        p0=draw(_param(p0)),
        depth=draw(_unit(0.0, max_depth)),
        dt=step,
        bottom_at=draw(st.integers(1, n * step - 1)),
        seed=draw(_seeds()),
        noise=draw(_unit(0.0, 0.01)),
    )


@st.composite
def st_sawtooth(
    draw: st.DrawFn,
    max_steps: int = MAX_STRATEGY_STEPS,
    p0: float | SearchStrategy[float] = DEFAULT_P0,
    dt: int | SearchStrategy[int] | None = None,
    max_amplitude: float = 0.1,
) -> PricePath:
    """Oscillations of up to +-`max_amplitude` (default: inside ten 1% bands)."""
    n = draw(_steps(max_steps))
    step = draw(_dts() if dt is None else _param(dt))
    return sawtooth(
        n_steps=n,
        p0=draw(_param(p0)),
        amplitude=draw(_unit(0.0, max_amplitude)),
        period=draw(st.integers(2 * step, max(2 * step, n * step))),
        dt=step,
        seed=draw(_seeds()),
        noise=draw(_unit(0.0, 0.01)),
    )


@st.composite
def st_flash_spike(
    draw: st.DrawFn,
    max_steps: int = MAX_STRATEGY_STEPS,
    p0: float | SearchStrategy[float] = DEFAULT_P0,
    dt: int | SearchStrategy[int] | None = None,
) -> PricePath:
    """Spikes of -90% .. +100% that revert inside the path (at least 2 steps long)."""
    n = draw(_steps(max(max_steps, 2), min_steps=2))
    step = draw(_dts() if dt is None else _param(dt))
    at = draw(st.integers(step, (n - 1) * step))
    return flash_spike(
        n_steps=n,
        p0=draw(_param(p0)),
        size=draw(_unit(-0.9, 1.0)),
        at=at,
        length=draw(st.integers(step, n * step - at)),
        dt=step,
        seed=draw(_seeds()),
        noise=draw(_unit(0.0, 0.01)),
    )


@st.composite
def st_returns_path(
    draw: st.DrawFn,
    max_steps: int = MAX_STRATEGY_STEPS,
    p0: float | SearchStrategy[float] = DEFAULT_P0,
    dt: int | SearchStrategy[int] | None = None,
    max_move: float = 0.1,
) -> PricePath:
    """Any path: log-returns of at most `max_move` per step drawn one by one, so a
    failing path shrinks step by step towards flat."""
    step = draw(_dts() if dt is None else _param(dt))
    returns = draw(st.lists(_unit(-max_move, max_move), min_size=1, max_size=max_steps))
    start = draw(_param(p0))
    return _from_log_returns(_grid(len(returns), step), start, np.array(returns), "returns")


def st_any_path(
    max_steps: int = MAX_STRATEGY_STEPS,
    p0: float | SearchStrategy[float] = DEFAULT_P0,
    dt: int | SearchStrategy[int] | None = None,
) -> SearchStrategy[PricePath]:
    """Any of the above; shrinks towards drawn step returns (the first branch)."""
    kw: dict[str, Any] = {"max_steps": max_steps, "p0": p0, "dt": dt}
    return st.one_of(
        st_returns_path(**kw),
        st_crash(**kw),
        st_v_shape(**kw),
        st_sawtooth(**kw),
        st_flash_spike(**kw),
        st_gbm(**kw),
        st_jump_diffusion(**kw),
    )


STRATEGIES: dict[str, Callable[..., SearchStrategy[PricePath]]] = {
    "gbm": st_gbm,
    "jump_diffusion": st_jump_diffusion,
    "crash": st_crash,
    "v_shape": st_v_shape,
    "sawtooth": st_sawtooth,
    "flash_spike": st_flash_spike,
    "returns": st_returns_path,
    "any": st_any_path,
}
"""Strategy name -> strategy factory (each takes max_steps, p0, dt)."""
