"""Property tests of contracts/modules/wad_math.vy (exp, ln, pow_int, sqrt).

The module's functions are internal, so they are called through the test-only
contract contracts/testing/WadMathHarness.vy. That harness imports the module
relatively (`from ..modules import wad_math`): vyper resolves a relative import
against the importing file's own directory, so a plain
`boa.load("contracts/testing/WadMathHarness.vy")` finds it, with no search path.
(An absolute `import modules.wad_math as wad_math` would instead need
`boa.interpret.set_search_paths([<repo>/contracts])` before boa.load.)

Reference values come from Python's `decimal` at 100 significant digits
(mpmath is not installed): enough to place e**x * 1e18 (up to ~5.8e76) to well
under one wei, so "result <= true" is checked exactly.

Bounds checked (as documented in wad_math.vy), with `true` the exact value in wei:
  _exp:     0 <= true - result < 1 + 4e-29 * true   (never above the true value)
  _ln:      0 <= true - result < 1 + 1e-11          (never above the true value)
  _pow_int: 0 <= true - result <= (n - 1) * max(1e18, true) / 1e18
  _sqrt:    result**2 <= x * 1e18 < (result + 1)**2
"""

from decimal import ROUND_FLOOR, Context, Decimal
from fractions import Fraction
from pathlib import Path

import boa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

HARNESS = Path(__file__).resolve().parents[2] / "contracts" / "testing" / "WadMathHarness.vy"

WAD = 10**18
EXP_MIN = -42139678854452767551  # _exp(x) == 0 for x <= EXP_MIN
EXP_MAX = 135305999368893231589  # _exp(x) reverts for x >= EXP_MAX
SQRT_MAX = (2**256 - 1) // WAD
INT256_MIN = -(2**255)
INT256_MAX = 2**255 - 1
UINT256_MAX = 2**256 - 1

EXP_REL_BOUND = Decimal("4e-29")
LN_ABS_BOUND = Decimal("1e-11")

CTX = Context(prec=100)

SETTINGS = settings(max_examples=300, deadline=None)


@pytest.fixture(scope="module")
def wm():
    return boa.load(str(HARNESS))


# ---------------------------------------------------------------- references


def exp_true(x: int) -> Decimal:
    """e**(x / 1e18) * 1e18 at 100 digits."""
    return CTX.multiply(CTX.exp(CTX.divide(Decimal(x), WAD)), WAD)


def ln_true(x: int) -> Decimal:
    """ln(x / 1e18) * 1e18 at 100 digits."""
    return CTX.multiply(CTX.ln(CTX.divide(Decimal(x), WAD)), WAD)


def floor(d: Decimal) -> int:
    return int(d.to_integral_value(rounding=ROUND_FLOOR))


def check_exp(wm, x: int) -> int:
    r = wm.exp(x)
    t = exp_true(x)
    assert r <= floor(t), (x, r, t)  # rounds down
    assert t - r < 1 + EXP_REL_BOUND * t, (x, r, t)
    return r


def check_ln(wm, x: int) -> int:
    r = wm.ln(x)
    t = ln_true(x)
    assert r <= floor(t), (x, r, t)  # rounds down
    assert t - r < 1 + LN_ABS_BOUND, (x, r, t)
    return r


# ---------------------------------------------------------------- strategies

exp_inputs = st.one_of(
    st.integers(EXP_MIN + 1, EXP_MAX - 1),  # the whole non-trivial domain
    st.integers(-(10**19), 10**19),  # |x| <= 10
    st.integers(-(10**6), 10**6),  # around exp(0) == 1e18
    st.integers(EXP_MIN + 1, -41 * WAD),  # results of 0 or 1 wei
    st.integers(EXP_MAX - 10**18, EXP_MAX - 1),  # largest results (~5.8e76)
)


def _log_uniform(lo_bits: int, hi_bits: int, cap: int) -> st.SearchStrategy[int]:
    """Integers in [1, cap] whose bit length is uniform in [lo_bits, hi_bits]."""
    return st.integers(lo_bits, hi_bits).flatmap(
        lambda b: st.integers(2 ** (b - 1), min(2**b - 1, cap))
    )


ln_inputs = st.one_of(
    _log_uniform(1, 256, UINT256_MAX),  # 1 .. 2**256 - 1
    st.integers(WAD - 10**12, WAD + 10**12),  # around ln(1) == 0
    st.integers(1, 10**6),  # tiny: ln ~ -41.4 .. -27.6
)


def _seams() -> list[int]:
    """Inputs where exp's k = round(x / ln2) changes, and ln's m crosses sqrt(2)."""
    ln2 = CTX.ln(Decimal(2))
    out = []
    for k in (-60, -30, -1, 0, 1, 2, 50, 120, 121, 194):
        edge = floor(CTX.multiply(ln2 * (k + Decimal("0.5")), WAD))
        out += [edge - 1, edge, edge + 1, floor(CTX.multiply(ln2 * k, WAD))]
    return [x for x in out if EXP_MIN < x < EXP_MAX]


EXP_EDGES = [
    EXP_MIN + 1,
    EXP_MIN + 2,
    -41446531673892822313,  # exp just below 1 wei
    -41446531673892822312,
    -41446531673892822311,  # exp just above 1 wei
    -(10**18),
    -1,
    0,
    1,
    10**18,
    2 * 10**18,
    EXP_MAX - 2,
    EXP_MAX - 1,
    *_seams(),
]

SQRT2 = CTX.sqrt(Decimal(2))
LN_EDGES = [
    1,
    2,
    3,
    WAD - 1,
    WAD,
    WAD + 1,
    10**36,
    UINT256_MAX,
    2**255,
    2**255 - 1,
    2**120,
    2**121 - 1,
    *[2**b for b in (1, 59, 60, 61, 119, 120, 121, 200)],
    *[floor(SQRT2 * 2**b) + d for b in (0, 30, 59, 60, 119, 120, 121, 200, 254) for d in (0, 1)],
]


# ---------------------------------------------------------------- _exp


@pytest.mark.parametrize("x", EXP_EDGES)
def test_exp_edges(wm, x):
    check_exp(wm, x)


def test_exp_exact_points(wm):
    assert wm.exp(0) == WAD
    assert wm.exp(10**18) == 2718281828459045235  # floor(e * 1e18)
    assert wm.exp(EXP_MAX - 1) < 2**255


@SETTINGS
@given(x=exp_inputs)
def test_exp_vs_decimal(wm, x):
    check_exp(wm, x)


@pytest.mark.parametrize("x", [INT256_MIN, -(10**30), EXP_MIN - 1, EXP_MIN])
def test_exp_zero_below_threshold(wm, x):
    assert wm.exp(x) == 0


@SETTINGS
@given(x=st.integers(INT256_MIN, EXP_MIN))
def test_exp_zero_below_threshold_random(wm, x):
    assert wm.exp(x) == 0


@pytest.mark.parametrize("x", [EXP_MAX, EXP_MAX + 1, 136 * WAD, 10**30, INT256_MAX])
def test_exp_overflow_reverts(wm, x):
    with boa.reverts("wad_math: exp overflow"):
        wm.exp(x)


@SETTINGS
@given(a=exp_inputs, b=exp_inputs)
def test_exp_monotonic_pairs(wm, a, b):
    lo, hi = sorted((a, b))
    assert wm.exp(lo) <= wm.exp(hi)


@SETTINGS
@given(x=exp_inputs)
def test_exp_monotonic_adjacent(wm, x):
    x = min(x, EXP_MAX - 2)
    assert wm.exp(x) <= wm.exp(x + 1)


# ---------------------------------------------------------------- _ln


@pytest.mark.parametrize("x", LN_EDGES)
def test_ln_edges(wm, x):
    check_ln(wm, x)


def test_ln_exact_points(wm):
    assert wm.ln(WAD) == 0
    assert wm.ln(1) == -41446531673892822313  # floor(ln(1e-18) * 1e18)
    assert wm.ln(2718281828459045235) == 999999999999999999  # e*1e18 rounded down is < e


def test_ln_zero_reverts(wm):
    with boa.reverts("wad_math: ln of zero"):
        wm.ln(0)


@SETTINGS
@given(x=ln_inputs)
def test_ln_vs_decimal(wm, x):
    check_ln(wm, x)


@SETTINGS
@given(a=ln_inputs, b=ln_inputs)
def test_ln_monotonic_pairs(wm, a, b):
    lo, hi = sorted((a, b))
    assert wm.ln(lo) <= wm.ln(hi)


@SETTINGS
@given(x=ln_inputs)
def test_ln_monotonic_adjacent(wm, x):
    x = min(x, UINT256_MAX - 1)
    assert wm.ln(x) <= wm.ln(x + 1)


# ---------------------------------------------------------------- round trips


@SETTINGS
@given(x=st.one_of(_log_uniform(1, 254, 2**254), st.integers(WAD - 10**9, WAD + 10**9)))
def test_exp_of_ln(wm, x):
    # ln loses < 1 + 1e-11 wei, i.e. a relative factor e**-(1e-18 + 1e-29); exp
    # then loses < 4e-29 relative + 1 wei. Both round down, so exp(ln(x)) <= x.
    e = wm.exp(wm.ln(x))
    assert e <= x
    assert (x - e) * 10**28 <= x * (10**10 + 1) + 10**28


@SETTINGS
@given(y=st.integers(0, EXP_MAX - 1))
def test_ln_of_exp(wm, y):
    # exp(y) >= ~1e18 for y >= 0, so its 1-wei floor costs < ~1 wei of ln.
    assert y - 3 <= wm.ln(wm.exp(y)) <= y


# ---------------------------------------------------------------- _pow_int


def pow_true(base: int, n: int) -> Fraction:
    """(base / 1e18)**n * 1e18, exact."""
    return Fraction(base) ** n / Fraction(WAD) ** (n - 1) if n else Fraction(WAD)


def check_pow(wm, base: int, n: int) -> None:
    r = wm.pow_int(base, n)
    t = pow_true(base, n)
    assert r <= t, (base, n, r)  # rounds down
    if n:
        assert (t - r) * WAD <= (n - 1) * max(Fraction(WAD), t), (base, n, r, float(t - r))


@SETTINGS
@given(base=st.integers(0, WAD), n=st.integers(0, 2048))
def test_pow_int_base_below_one(wm, base, n):
    check_pow(wm, base, n)


@SETTINGS
@given(a=st.integers(2, 10**4), n=st.integers(0, 2048))
def test_pow_int_band_grid(wm, a, n):
    # ((A - 1) / A)**n, the band-price grid
    check_pow(wm, (a - 1) * WAD // a, n)


@SETTINGS
@given(data=st.data(), base=st.integers(WAD + 1, 100 * WAD))
def test_pow_int_base_above_one(wm, data, base):
    # keep the true result below ~1e58 wei (the module reverts near 1.16e59)
    n_max = min(2048, int(40 / (Decimal(base) / WAD).log10()))
    check_pow(wm, base, data.draw(st.integers(0, n_max), label="n"))


@pytest.mark.parametrize(
    "base,n",
    [(0, 0), (0, 1), (0, 2048), (1, 1), (1, 2), (WAD, 0), (WAD, 2048), (WAD - 1, 2048),
     (2 * WAD, 130), (UINT256_MAX, 1), (UINT256_MAX, 0), (2**200, 1), (10**38, 1)],
)
def test_pow_int_edges(wm, base, n):
    check_pow(wm, base, n)


def test_pow_int_identities(wm):
    assert wm.pow_int(0, 0) == WAD  # 0**0 == 1 by convention
    assert wm.pow_int(123, 0) == WAD
    assert wm.pow_int(123456789, 1) == 123456789
    assert wm.pow_int(WAD, 2048) == WAD
    assert wm.pow_int(2 * WAD, 10) == 1024 * WAD


@pytest.mark.parametrize("base,n", [(2**200, 2), (10**30, 5), (2 * WAD, 256), (UINT256_MAX, 2)])
def test_pow_int_overflow_reverts(wm, base, n):
    with boa.reverts():
        wm.pow_int(base, n)


# ---------------------------------------------------------------- _sqrt


def check_sqrt(wm, x: int) -> None:
    r = wm.sqrt(x)
    assert r * r <= x * WAD < (r + 1) * (r + 1), (x, r)


@SETTINGS
@given(x=st.one_of(_log_uniform(1, 196, SQRT_MAX), st.integers(0, 10**6)))
def test_sqrt_exact_floor(wm, x):
    check_sqrt(wm, x)


@pytest.mark.parametrize("x", [0, 1, 2, 3, WAD - 1, WAD, WAD + 1, 4 * WAD, SQRT_MAX - 1, SQRT_MAX])
def test_sqrt_edges(wm, x):
    check_sqrt(wm, x)


def test_sqrt_exact_points(wm):
    assert wm.sqrt(0) == 0
    assert wm.sqrt(WAD) == WAD
    assert wm.sqrt(4 * WAD) == 2 * WAD
    assert wm.sqrt(2 * WAD) == 1414213562373095048


@pytest.mark.parametrize("x", [SQRT_MAX + 1, 2**255, UINT256_MAX])
def test_sqrt_overflow_reverts(wm, x):
    with boa.reverts("wad_math: sqrt overflow"):
        wm.sqrt(x)


# ---------------------------------------------------------------- gas

GAS_EXP_INPUTS = [EXP_MIN + 1, -41 * WAD, -(10**18), -1, 1, 10**18, 50 * WAD, 100 * WAD, EXP_MAX - 1]
GAS_LN_INPUTS = [1, 3, 10**9, WAD - 1, WAD + 1, 3 * WAD, 10**30, 2**200, UINT256_MAX]

# Budgets: the internal call (msg.gas before/after, inside the harness) and the
# whole external call's execution gas (no 21000 intrinsic, no calldata cost).
INTERNAL_BUDGET = 3000
EXTERNAL_BUDGET = 5000


def _external_gas(contract) -> int:
    return contract._computation.get_gas_used()


def test_gas_exp_ln(wm):
    rows = []
    for x in GAS_EXP_INPUTS:
        _, internal = wm.exp_gas(x)
        wm.exp(x)
        rows.append(("_exp", x, internal, _external_gas(wm)))
    for x in GAS_LN_INPUTS:
        _, internal = wm.ln_gas(x)
        wm.ln(x)
        rows.append(("_ln", x, internal, _external_gas(wm)))
    for name, x, internal, external in rows:
        print(f"{name}({x}): internal {internal} gas, external call {external} gas")
    for name, x, internal, external in rows:
        assert internal < INTERNAL_BUDGET, (name, x, internal)
        assert external < EXTERNAL_BUDGET, (name, x, external)


def test_gas_pow_int_sqrt(wm):
    worst_pow = max(wm.pow_int_gas((a - 1) * WAD // a, n)[1] for a in (10, 100, 10**4) for n in (1, 1023, 2047, 2048))
    worst_sqrt = max(wm.sqrt_gas(x)[1] for x in (0, 1, WAD, 2 * WAD, SQRT_MAX))
    print(f"_pow_int (base < WAD, n <= 2048): <= {worst_pow} gas; _sqrt: <= {worst_sqrt} gas")
    assert worst_pow < EXTERNAL_BUDGET
    assert worst_sqrt < 1500
