"""The swing fee: oracle reversals are remembered (decaying), and once the oracle has
turned more than once every trade pays SWING_FACTOR times the earlier turns, so that an
oscillating market stops converting the borrowers' bands back and forth.

The contract's memory is read through `oracle_state()` ([p_o, dfee, time, dir, swing,
last]); the economics (oscillation, V-shape and crash losses) run on the exact model
(`softliq.econ`, bit-exact with the contracts).
"""

import boa
import pytest

from softliq import MarketParams, econ

from .helpers import C, WAD, set_oracle, trade

UP, DOWN = 1, 2


def _write(market, trader, price: int) -> list[int]:
    """Move the oracle, let a block pass and make the AMM write (a tiny swap)."""
    set_oracle(market, price)
    boa.env.time_travel(seconds=12)
    trade(market, trader, 0, 1)  # a swap of 1 wei buys nothing but writes the oracle state
    return list(market.amm.oracle_state())


@pytest.fixture
def written(loaded_market, arbitrageur):
    amm = loaded_market.amm
    return lambda price: _write(loaded_market, arbitrageur, price), amm.price_oracle()


def test_one_way_moves_remember_no_reversal(written):
    write, p0 = written
    for k in range(1, 6):
        state = write(p0 * (100 - k) // 100)
        assert state[3] == DOWN and state[4] == 0 and state[5] == 0


def test_a_single_turn_is_remembered_but_charges_nothing(written, loaded_market):
    write, p0 = written
    write(p0 * 98 // 100)
    state = write(p0 * 99 // 100)  # the turn of a V
    move = (p0 * 99 // 100 - p0 * 98 // 100) * WAD // (p0 * 99 // 100)
    assert state[3] == UP and state[4] == 0
    assert state[5] == move // C["SWING_UNIT"] + 1  # rounded up
    assert loaded_market.amm.dynamic_fee() == loaded_market.amm.fee()


def test_the_second_turn_charges_the_first(written, loaded_market):
    amm = loaded_market.amm
    write, p0 = written
    write(p0 * 98 // 100)
    first = write(p0 * 101 // 100)[5]
    state = write(p0 * 98 // 100)
    assert state[3] == DOWN and state[4] > 0
    assert state[4] <= first  # the first turn, decayed by 12 s
    expected = (amm.SWING_FACTOR() * state[4] * C["SWING_UNIT"] + WAD - 1) // WAD
    assert amm.dynamic_fee() == max(amm.fee(), min(expected, C["MAX_SWING_FEE"]))
    assert amm.dynamic_fee() > amm.fee()


def test_the_memory_fades(written, loaded_market):
    amm = loaded_market.amm
    write, p0 = written
    for price in (98, 101, 98, 101, 98):
        write(p0 * price // 100)
    assert amm.dynamic_fee() > amm.fee()
    boa.env.time_travel(seconds=100 * amm.SWING_TIME())
    assert amm.dynamic_fee() == amm.fee()


def test_the_fee_is_capped(written, loaded_market):
    amm = loaded_market.amm
    write, p0 = written
    for _ in range(12):
        write(p0 * 80 // 100)
        write(p0)
    assert amm.dynamic_fee() == max(amm.fee(), C["MAX_SWING_FEE"])


# ---------------------------------------------------------------- economics on the model

DEFAULTS = MarketParams()
BEFORE = MarketParams(away_fee=0, swing_factor=0)
OSCILLATION = econ.PricePath("oscillation +-1.5% x10, 120 s", econ.oscillation, 120)
V_SHAPE = econ.PricePath("v-shape 1%/step, 60 s", econ.v_shape)
CRASH = econ.PricePath("one-step crash and back", econ.one_step_crash)


@pytest.mark.parametrize("n_bands", [4, 10, 20])
def test_oscillation_costs_at_most_half_of_llamma(n_bands):
    ours = econ.loss(DEFAULTS, OSCILLATION, n_bands)
    assert ours <= econ.loss(econ.LLAMMA_LIKE, OSCILLATION, n_bands) / 2
    assert ours < econ.loss(BEFORE, OSCILLATION, n_bands) / 4


@pytest.mark.parametrize("path", [V_SHAPE, CRASH], ids=lambda p: p.label)
def test_one_way_paths_keep_their_losses(path):
    for n_bands in (4, 10, 20):
        assert econ.loss(DEFAULTS, path, n_bands) <= econ.loss(BEFORE, path, n_bands) * 1.01


def test_crash_shortfall_does_not_grow():
    for n_bands in (4, 10, 20):
        assert econ.crash_and_stay(DEFAULTS, n_bands) <= econ.crash_and_stay(BEFORE, n_bands) + 1e-9
