"""Property tests of contracts/modules/price_curves.vy (the Dutch-auction price curves).

The module's functions are internal, so they are called through the test-only
contract contracts/testing/PriceCurvesHarness.vy (relative import, no search path).

Rounding (documented in price_curves.vy): the auction sells collateral, so every
rounding is UP (toward the protocol), never above `top`, non-increasing in dur.
With `true` the exact value in wei (Python `fractions.Fraction`):
  linear:            result == ceil(true)                     (0 <= result - true < 1)
  cut**n curves:     0 <= result - true < 1 + (n - 1) * top / 1e36   (n >= 1)
                     (at most 1 wei per multiplication for top <= 1e36),
                     result == top at n == 0
  where n = dur (exponential) or floor(dur / step) (stairstep).

Reference for cut**n: exact `Fraction(cut, 1e18) ** n` for n <= EXACT_N. Beyond
that (up to 10 years of seconds) exact powers have billions of digits, so the
reference is a rigorous interval [lo, hi] around c**n from floor/ceil integer
square-and-multiply at scale 2**1024 (width < 2**-990 relative), and each
assertion uses the conservative side (result >= top * hi; result - top * lo < bound).
"""

from fractions import Fraction
from pathlib import Path

import boa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

HARNESS = Path(__file__).resolve().parents[2] / "contracts" / "testing" / "PriceCurvesHarness.vy"

WAD = 10**18
S = 10**36  # internal scale of cut**n in the module
UINT256_MAX = 2**256 - 1
DAY = 86400
YEAR = 365 * DAY
MAX_DURATION = 10 * YEAR
LINEAR, STAIRSTEP, EXPONENTIAL = 0, 1, 2
EXACT_N = 3000  # exact Fraction powers up to this exponent

SETTINGS = settings(max_examples=100, deadline=None)
SETTINGS_FEW = settings(max_examples=50, deadline=None)  # tests making 4+ calls per example


@pytest.fixture(scope="module")
def pc():
    return boa.load(str(HARNESS))


# ---------------------------------------------------------------- references


def ceil_div(a: int, b: int) -> int:
    return -(-a // b)


def linear_true(top: int, tau: int, dur: int) -> Fraction:
    return Fraction(top * (tau - dur), tau) if dur < tau else Fraction(0)


_K = 1024  # scale bits of the interval reference


def _pow_chain(base: int, n: int, up: bool) -> int:
    """base**n at scale 2**_K by square-and-multiply, every product floored (or ceiled)."""

    def mul(x, y):
        return ceil_div(x * y, 1 << _K) if up else (x * y) >> _K

    r, b = 1 << _K, base
    while n:
        if n & 1:
            r = mul(r, b)
        n >>= 1
        if n:
            b = mul(b, b)
    return r


def pow_bounds(cut: int, n: int) -> tuple[Fraction, Fraction]:
    """lo <= (cut / 1e18)**n <= hi; lo == hi (exact) for n <= EXACT_N."""
    if n <= EXACT_N:
        t = Fraction(cut, WAD) ** n
        return t, t
    lo = _pow_chain((cut << _K) // WAD, n, up=False)
    hi = _pow_chain(ceil_div(cut << _K, WAD), n, up=True)
    return Fraction(lo, 1 << _K), Fraction(hi, 1 << _K)


def check_linear(pc, top: int, tau: int, dur: int) -> int:
    r = pc.linear(top, tau, dur)
    t = linear_true(top, tau, dur)
    assert r == (ceil_div(top * (tau - dur), tau) if dur < tau else 0), (top, tau, dur, r)
    assert t <= r < t + 1  # rounds up, by less than 1 wei
    assert r <= top
    return r


def check_pow_price(top: int, cut: int, n: int, r: int) -> None:
    """The documented bound for top * (cut/1e18)**n."""
    assert r <= top, (top, cut, n, r)
    if n == 0:
        assert r == top
        return
    lo, hi = pow_bounds(cut, n)
    assert r >= top * hi, (top, cut, n, r)  # never below the exact value (rounds up)
    bound = 1 + Fraction(top * (n - 1), S)  # <= 1 wei per multiplication for top <= 1e36
    assert r - top * lo < bound, (top, cut, n, r, float(r - top * lo))


def check_exponential(pc, top: int, cut: int, dur: int) -> int:
    r = pc.exponential(top, cut, dur)
    check_pow_price(top, cut, dur, r)
    return r


def check_stairstep(pc, top: int, cut: int, step: int, dur: int) -> int:
    r = pc.stairstep_exp(top, cut, step, dur)
    check_pow_price(top, cut, dur // step, r)
    return r


# ---------------------------------------------------------------- strategies


def _log_uniform(lo_bits: int, hi_bits: int, cap: int) -> st.SearchStrategy[int]:
    """Integers in [1, cap] whose bit length is uniform in [lo_bits, hi_bits]."""
    return st.integers(lo_bits, hi_bits).flatmap(lambda b: st.integers(2 ** (b - 1), min(2**b - 1, cap)))


# 1 wei .. 1e36: tiny, WAD-sized and huge prices.
tops = st.one_of(
    st.integers(1, 1000),
    _log_uniform(1, 120, 10**36),
    st.sampled_from([1, 2, 3, 10**18, 10**18 + 1, 3000 * 10**18, 10**36 - 1, 10**36]),
)
# Beyond the brief's range: the cut**n curves must not overflow for any top.
huge_tops = st.one_of(st.integers(10**36, UINT256_MAX), st.sampled_from([UINT256_MAX, 2**255, 10**41, 10**60]))

cuts = st.one_of(
    st.integers(1, WAD),
    st.integers(WAD - 10**6, WAD),  # within 1e-12 of 1
    st.integers(99 * WAD // 100, WAD),
    st.sampled_from([1, WAD // 2, WAD - 1, WAD, 999 * WAD // 1000, 9999 * WAD // 10000]),
)
# per-second cuts that keep the price non-trivial over days to years
slow_cuts = st.one_of(st.integers(WAD - 10**13, WAD), st.sampled_from([WAD - 1, WAD - 10**9, WAD - 10**12]))

small_durs = st.integers(0, EXACT_N)
long_durs = st.one_of(st.integers(0, MAX_DURATION), st.integers(0, 2 * DAY))
taus = st.one_of(st.integers(1, 100), st.integers(1, MAX_DURATION), st.sampled_from([1, 2, 3600, DAY, MAX_DURATION]))
steps = st.one_of(st.integers(1, 120), st.integers(1, MAX_DURATION), st.sampled_from([1, 60, 90, 3600]))


# ---------------------------------------------------------------- linear


@SETTINGS
@given(top=tops, tau=taus, data=st.data())
def test_linear_vs_fraction(pc, top, tau, data):
    dur = data.draw(st.one_of(st.integers(0, tau + 10), st.integers(0, 2**64)), label="dur")
    check_linear(pc, top, tau, dur)


@SETTINGS_FEW
@given(top=st.one_of(tops, huge_tops), tau=taus)
def test_linear_endpoints(pc, top, tau):
    assert pc.linear(top, tau, 0) == top
    assert pc.linear(top, tau, tau - 1) == ceil_div(top, tau)  # last second: > 0
    assert pc.linear(top, tau, tau) == 0  # hits 0 at tau
    assert pc.linear(top, tau, tau + 1) == 0
    assert pc.linear(top, tau, UINT256_MAX) == 0


@SETTINGS
@given(top=st.one_of(tops, huge_tops), tau=taus, d1=st.integers(0, MAX_DURATION + 1), d2=st.integers(0, MAX_DURATION + 1))
def test_linear_monotone(pc, top, tau, d1, d2):
    lo, hi = sorted((d1, d2))
    a, b = pc.linear(top, tau, lo), pc.linear(top, tau, hi)
    assert top >= a >= b


@pytest.mark.parametrize(
    "top,tau,dur,expected",
    [
        (10**18, 3600, 1800, 5 * 10**17),
        (1, 100, 99, 1),  # 0.01 wei rounds up to 1
        (1, 100, 100, 0),
        (100, 3, 1, 67),  # 66.67 -> 67
        (UINT256_MAX, MAX_DURATION, 1, ceil_div(UINT256_MAX * (MAX_DURATION - 1), MAX_DURATION)),
        (10**36, 2**127, 1, ceil_div(10**36 * (2**127 - 1), 2**127)),
    ],
)
def test_linear_examples(pc, top, tau, dur, expected):
    assert pc.linear(top, tau, dur) == expected


def test_linear_zero_tau_reverts(pc):
    with boa.reverts("price_curves: zero tau"):
        pc.linear(10**18, 0, 0)


# ---------------------------------------------------------------- exponential


@SETTINGS
@given(top=tops, cut=cuts, dur=small_durs)
def test_exponential_vs_fraction(pc, top, cut, dur):
    check_exponential(pc, top, cut, dur)


@SETTINGS
@given(top=tops, cut=slow_cuts, dur=long_durs)
def test_exponential_long_durations(pc, top, cut, dur):
    check_exponential(pc, top, cut, dur)


@SETTINGS
@given(top=huge_tops, cut=cuts, dur=st.one_of(small_durs, long_durs))
def test_exponential_huge_top_no_overflow(pc, top, cut, dur):
    check_exponential(pc, top, cut, dur)


@SETTINGS
@given(top=st.one_of(tops, huge_tops), cut=st.one_of(cuts, st.just(0)))
def test_exponential_at_zero_is_top(pc, top, cut):
    assert pc.exponential(top, cut, 0) == top


@SETTINGS
@given(top=st.one_of(tops, huge_tops), cut=st.one_of(cuts, slow_cuts), d1=long_durs, d2=long_durs)
def test_exponential_monotone(pc, top, cut, d1, d2):
    lo, hi = sorted((d1, d2))
    a, b = pc.exponential(top, cut, lo), pc.exponential(top, cut, hi)
    assert top >= a >= b


# Where square-and-multiply changes shape: n = 2**k - 1 -> 2**k (all bits flip).
POW2_SEAMS = [2**k + d for k in range(0, 29) for d in (-1, 0)] + [3, 5, 6, 7, 86399, 86400, 86401]


@pytest.mark.parametrize("cut", [1, WAD // 3, WAD // 2, 999 * WAD // 1000, WAD - 10**9, WAD - 1, WAD])
@pytest.mark.parametrize("top", [1, 7, 10**18 + 1, 10**36, UINT256_MAX])
def test_exponential_monotone_at_bit_seams(pc, top, cut):
    for n in POW2_SEAMS:
        if n < 0:
            continue
        assert pc.exponential(top, cut, n) >= pc.exponential(top, cut, n + 1), (top, cut, n)


@SETTINGS
@given(top=st.one_of(tops, huge_tops), cut=cuts, n=st.integers(0, 2**29))
def test_exponential_monotone_adjacent(pc, top, cut, n):
    assert top >= pc.exponential(top, cut, n) >= pc.exponential(top, cut, n + 1)


@pytest.mark.parametrize(
    "top,cut,dur,expected",
    [
        (10**18, WAD // 2, 1, 5 * 10**17),
        (10**18, WAD // 2, 10, ceil_div(10**18, 1024)),
        (3, WAD // 2, 1, 2),  # 1.5 rounds up
        (1, WAD // 2, 200, 1),  # the curve never goes below 1 wei for cut > 0
        (10**18, 0, 1, 0),  # 0**n (rejected by _check_params)
        (10**36, WAD, MAX_DURATION, 10**36),  # cut == 1: flat
        (UINT256_MAX, WAD, 12345, UINT256_MAX),
    ],
)
def test_exponential_examples(pc, top, cut, dur, expected):
    assert pc.exponential(top, cut, dur) == expected


def test_exponential_cut_above_one_reverts(pc):
    with boa.reverts("price_curves: cut above 1"):
        pc.exponential(10**18, WAD + 1, 1)


# ---------------------------------------------------------------- stairstep


@SETTINGS
@given(top=tops, cut=cuts, step=steps, data=st.data())
def test_stairstep_vs_fraction(pc, top, cut, step, data):
    dur = data.draw(st.integers(0, step * EXACT_N + step - 1), label="dur")
    check_stairstep(pc, top, cut, step, dur)


@SETTINGS
@given(top=st.one_of(tops, huge_tops), cut=st.one_of(cuts, slow_cuts), step=st.integers(1, 10), dur=long_durs)
def test_stairstep_long_durations(pc, top, cut, step, dur):
    check_stairstep(pc, top, cut, step, dur)


@SETTINGS
@given(top=st.one_of(tops, huge_tops), cut=cuts, step=steps, d1=long_durs, d2=long_durs)
def test_stairstep_monotone(pc, top, cut, step, d1, d2):
    lo, hi = sorted((d1, d2))
    a, b = pc.stairstep_exp(top, cut, step, lo), pc.stairstep_exp(top, cut, step, hi)
    assert top >= a >= b


@SETTINGS_FEW
@given(top=tops, cut=cuts, step=st.integers(2, MAX_DURATION), k=st.integers(0, 1000), data=st.data())
def test_stairstep_constant_within_step(pc, top, cut, step, k, data):
    j = data.draw(st.integers(1, step - 1), label="j")
    start = pc.stairstep_exp(top, cut, step, k * step)
    assert pc.stairstep_exp(top, cut, step, k * step + j) == start
    assert pc.stairstep_exp(top, cut, step, k * step + step - 1) == start
    assert pc.stairstep_exp(top, cut, step, (k + 1) * step) == pc.exponential(top, cut, k + 1)


@SETTINGS
@given(top=st.one_of(tops, huge_tops), cut=cuts, step=st.integers(1, MAX_DURATION))
def test_stairstep_drops_exactly_at_boundary(pc, top, cut, step):
    if step > 1:
        assert pc.stairstep_exp(top, cut, step, step - 1) == top
    assert pc.stairstep_exp(top, cut, step, 0) == top
    after = pc.stairstep_exp(top, cut, step, step)
    assert after == ceil_div(top * cut, WAD)  # one step: exact ceiling
    if top * (WAD - cut) >= WAD:  # the exact drop is at least 1 wei
        assert after < top


@pytest.mark.parametrize("step", [1, 90, 3600])
def test_stairstep_boundary_example(pc, step):
    top, cut = 1000 * 10**18, 99 * WAD // 100
    assert pc.stairstep_exp(top, cut, step, step - 1) == top
    assert pc.stairstep_exp(top, cut, step, step) == 990 * 10**18
    assert pc.stairstep_exp(top, cut, step, 2 * step - 1) == 990 * 10**18
    assert pc.stairstep_exp(top, cut, step, 2 * step) == 980_100_000_000_000_000_000


def test_stairstep_reverts(pc):
    with boa.reverts("price_curves: zero step"):
        pc.stairstep_exp(10**18, WAD // 2, 0, 1)
    with boa.reverts("price_curves: cut above 1"):
        pc.stairstep_exp(10**18, WAD + 1, 60, 1)


# ---------------------------------------------------------------- dispatcher


def test_kind_constants(pc):
    assert pc.kinds() == (LINEAR, STAIRSTEP, EXPONENTIAL)
    assert pc.max_duration() == MAX_DURATION


@SETTINGS_FEW
@given(top=st.one_of(tops, huge_tops), tau=taus, cut=cuts, step=steps, dur=long_durs)
def test_price_dispatches(pc, top, tau, cut, step, dur):
    assert pc.price(LINEAR, top, tau, 0, dur) == pc.linear(top, tau, dur)
    assert pc.price(LINEAR, top, tau, 12345, dur) == pc.linear(top, tau, dur)  # b ignored
    assert pc.price(STAIRSTEP, top, cut, step, dur) == pc.stairstep_exp(top, cut, step, dur)
    assert pc.price(EXPONENTIAL, top, cut, 0, dur) == pc.exponential(top, cut, dur)


@pytest.mark.parametrize("kind", [3, 4, 2**128, UINT256_MAX])
def test_price_unknown_kind_reverts(pc, kind):
    with boa.reverts("price_curves: unknown curve"):
        pc.price(kind, 10**18, WAD // 2, 60, 10)


def test_price_parameter_reverts(pc):
    with boa.reverts("price_curves: zero tau"):
        pc.price(LINEAR, 10**18, 0, 0, 10)
    with boa.reverts("price_curves: zero step"):
        pc.price(STAIRSTEP, 10**18, WAD // 2, 0, 10)
    with boa.reverts("price_curves: cut above 1"):
        pc.price(EXPONENTIAL, 10**18, WAD + 1, 0, 10)


# ---------------------------------------------------------------- _check_params


@pytest.mark.parametrize(
    "kind,a,b",
    [
        (LINEAR, 1, 0),
        (LINEAR, 3600, 0),
        (LINEAR, MAX_DURATION, 0),
        (STAIRSTEP, 1, 1),
        (STAIRSTEP, 99 * WAD // 100, 90),
        (STAIRSTEP, WAD, MAX_DURATION),
        (EXPONENTIAL, 1, 0),
        (EXPONENTIAL, 999 * WAD // 1000, 0),
        (EXPONENTIAL, WAD, 0),
    ],
)
def test_check_params_accepts(pc, kind, a, b):
    assert pc.check_params(kind, a, b)


@pytest.mark.parametrize(
    "kind,a,b,reason",
    [
        (LINEAR, 0, 0, "zero tau"),
        (LINEAR, MAX_DURATION + 1, 0, "tau too long"),
        (LINEAR, UINT256_MAX, 0, "tau too long"),
        (LINEAR, 3600, 1, "unused param not 0"),
        (STAIRSTEP, 0, 60, "zero cut"),
        (STAIRSTEP, WAD + 1, 60, "cut above 1"),
        (STAIRSTEP, UINT256_MAX, 60, "cut above 1"),
        (STAIRSTEP, WAD // 2, 0, "zero step"),
        (STAIRSTEP, WAD // 2, MAX_DURATION + 1, "step too long"),
        (EXPONENTIAL, 0, 0, "zero cut"),
        (EXPONENTIAL, WAD + 1, 0, "cut above 1"),
        (EXPONENTIAL, WAD // 2, 60, "unused param not 0"),
        (3, 1, 0, "unknown curve"),
        (UINT256_MAX, WAD // 2, 60, "unknown curve"),
    ],
)
def test_check_params_rejects(pc, kind, a, b, reason):
    with boa.reverts(f"price_curves: {reason}"):
        pc.check_params(kind, a, b)


@SETTINGS_FEW
@given(kind=st.integers(0, 3), a=st.integers(0, UINT256_MAX), b=st.integers(0, UINT256_MAX))
def test_check_params_accepted_configs_are_safe(pc, kind, a, b):
    """Whatever _check_params accepts prices without reverting, at <= top."""
    valid = (
        (kind == LINEAR and 0 < a <= MAX_DURATION and b == 0)
        or (kind == STAIRSTEP and 0 < a <= WAD and 0 < b <= MAX_DURATION)
        or (kind == EXPONENTIAL and 0 < a <= WAD and b == 0)
    )
    if not valid:
        with boa.reverts():
            pc.check_params(kind, a, b)
        return
    assert pc.check_params(kind, a, b)
    for dur in (0, 1, MAX_DURATION):
        assert pc.price(kind, UINT256_MAX, a, b, dur) <= UINT256_MAX
        assert pc.price(kind, 10**36, a, b, dur) <= 10**36


# ---------------------------------------------------------------- gas

EXTERNAL_BUDGET = 5000  # whole external call's execution gas (no 21000, no calldata)


def _external_gas(contract) -> int:
    return contract._computation.get_gas_used()


def test_gas(pc):
    cuts_ = [1, 999 * WAD // 1000, WAD - 1, WAD]
    rows = []
    for dur in (0, 1, 3600, DAY, 30 * DAY, MAX_DURATION):
        worst_int = worst_ext = 0
        for cut in cuts_:
            _, internal = pc.exponential_gas(10**36, cut, dur)
            pc.exponential(10**36, cut, dur)
            worst_int, worst_ext = max(worst_int, internal), max(worst_ext, _external_gas(pc))
        rows.append((f"exponential dur={dur}", worst_int, worst_ext))
    for dur in (0, DAY, MAX_DURATION):
        _, internal = pc.stairstep_exp_gas(10**36, 99 * WAD // 100, 90, dur)
        pc.stairstep_exp(10**36, 99 * WAD // 100, 90, dur)
        rows.append((f"stairstep step=90 dur={dur}", internal, _external_gas(pc)))
    _, internal = pc.linear_gas(10**36, DAY, 3600)
    pc.linear(10**36, DAY, 3600)
    rows.append(("linear", internal, _external_gas(pc)))
    for kind, a, b in ((LINEAR, DAY, 0), (STAIRSTEP, 99 * WAD // 100, 90), (EXPONENTIAL, WAD - 10**13, 0)):
        _, internal = pc.price_gas(kind, 10**36, a, b, DAY)
        rows.append((f"_price kind={kind} dur=1 day", internal, None))
    for name, internal, external in rows:
        print(f"{name}: internal {internal} gas, external call {external} gas")
    by_name = {name: (i, e) for name, i, e in rows}
    assert max(by_name[f"exponential dur={DAY}"]) < 5000  # the brief's bar at 1 day
    assert by_name[f"exponential dur={MAX_DURATION}"][1] < 6000
    assert by_name["linear"][1] < 1000
