"""The model's pure math (wad_math, price_curves) against the contracts' harnesses, to the wei."""

import random
from pathlib import Path

import boa
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from softliq.model import price_curves
from softliq.model.wad_math import EXP_MAX_INPUT, EXP_MIN_INPUT, exp_wad, ln_wad, pow_int, sdiv, sqrt_wad

TESTING = Path(__file__).resolve().parents[2] / "contracts" / "testing"
WAD = 10**18


@pytest.fixture(scope="module")
def wad_harness():
    return boa.load(str(TESTING / "WadMathHarness.vy"))


@pytest.fixture(scope="module")
def curves_harness():
    return boa.load(str(TESTING / "PriceCurvesHarness.vy"))


def test_sdiv_truncates_toward_zero():
    assert sdiv(-7, 2) == -3 and sdiv(7, -2) == -3 and sdiv(-7, -2) == 3 and sdiv(7, 2) == 3
    assert -7 // 2 == -4  # what the model must not use on signed values


def test_exp_ln_pow_sqrt_match_contract(wad_harness):
    rng = random.Random(4)
    for _ in range(150):
        x = rng.choice([rng.randint(EXP_MIN_INPUT - 10, EXP_MAX_INPUT - 1), rng.randint(-(10**19), 10**19), -rng.randint(0, 10**17)])
        assert exp_wad(x) == wad_harness.exp(x), x
        y = rng.choice([rng.randint(1, 2**256 - 1), rng.randint(1, 10**20), rng.randint(10**17, 10**19)])
        assert ln_wad(y) == wad_harness.ln(y), y
        base, n = rng.randint(0, 2 * WAD), rng.randint(0, 80)
        assert pow_int(base, n) == wad_harness.pow_int(base, n), (base, n)
        s = rng.randint(0, 10**40)
        assert sqrt_wad(s) == wad_harness.sqrt(s), s


def test_price_curves_match_contract(curves_harness):
    rng = random.Random(5)
    for _ in range(120):
        top = rng.randint(1, 10**24)
        dur = rng.randint(0, 10**6)
        cut = rng.randint(1, WAD)
        tau = rng.randint(1, 10**6)
        step = rng.randint(1, 3600)
        assert price_curves.linear(top, tau, dur) == curves_harness.linear(top, tau, dur)
        assert price_curves.price(1, top, cut, step, dur) == curves_harness.stairstep_exp(top, cut, step, dur)
        assert price_curves.price(2, top, cut, 0, dur) == curves_harness.exponential(top, cut, dur)


def test_exp_ln_match_contract_at_rounding_edges(wad_harness):
    """exp's reduction x = j*ln2 + r flips j at r = +-ln2/2 (r's sign picks the model's
    shift-and-divide branch); ln's mantissa flips at sqrt(2). One wei either side."""
    ln2 = 693147180559945309
    xs = [EXP_MIN_INPUT + 1, EXP_MAX_INPUT - 1, -1, 1, WAD, -WAD]
    for k in range(-60, 195, 9):
        edge = k * ln2 + ln2 // 2
        xs += [edge - 1, edge, edge + 1, k * ln2]
    for x in xs:
        if EXP_MIN_INPUT < x < EXP_MAX_INPUT:
            assert exp_wad(x) == wad_harness.exp(x), x
    sqrt2 = 1414213562373095048
    for e in range(-18, 40, 3):
        for y in (sqrt2 - 1, sqrt2, sqrt2 + 1, WAD - 1, WAD + 1):
            v = y * 10**e if e >= 0 else y // 10**-e
            if v > 0:
                assert ln_wad(v) == wad_harness.ln(v), v



@pytest.fixture(scope="module")
def band_harness():
    return boa.load(str(TESTING / "BandMathHarness.vy"))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    x=st.one_of(st.just(0), st.integers(1, 2**110)),
    y=st.one_of(st.just(0), st.integers(1, 2**110)),
    sa=st.integers(10**12, 10**24),  # sqrt prices of 1e-12 .. 1e12 (WAD)
    ratio=st.integers(10**18 + 5 * 10**14, 3 * 10**18 // 2),  # sb / sa of grids A = 3 .. 2000
    sp=st.integers(10**12, 10**24),
)
def test_band_math_matches_the_quadratic_root(band_harness, x, y, sa, ratio, sp):
    """band_math._liquidity (contract and model) is the rounded-down positive root of
    L**2*d - L*b - x*y = 0 to the wei, also on its one-coin shortcut (no square root:
    the discriminant is b**2 there); _equilibrium matches the model."""
    from math import isqrt

    from softliq.model.amm import equilibrium, liquidity

    sb = sa * ratio // 10**18
    d = 10**18 - 10**36 // ratio
    b = sa * y // 10**18 + x * 10**18 // sb
    assume(b < 2**120)  # the AMM keeps a band's b below 2**110 (MAX_BAND_SIZE)
    root = (b + isqrt(b * b + 4 * (d * x // 10**18) * y)) * 10**18 // (2 * d)
    assert band_harness.liquidity(x, y, sa, sb, d) == liquidity(x, y, sa, sb, d) == root
    assert tuple(band_harness.equilibrium(root, sa, sb, sp)) == equilibrium(root, sa, sb, sp)
