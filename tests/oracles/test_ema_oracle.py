"""EmaOracle over a PriceOracleMock source. Reading dt > 0 seconds after the last write:
ema = last_price * e^(-dt/T) + m * (1 - e^(-dt/T)), m = median(last_price, last_source,
source now); price_w() stores the average and records the source, once per block.

The EmaOracle is deployed with boa.load over the market's settable oracle (the source);
the expected average is computed in Python with `decimal` at 60 digits, and the contract
is compared with softliq.model.oracle.OracleModel to the wei."""

import math
from decimal import Context, Decimal
from pathlib import Path

import boa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from softliq.model.oracle import Clock, OracleModel
from softliq.model.wad_math import ModelRevert
from softliq.params import WAD

EMA_VY = Path(__file__).resolve().parents[2] / "contracts" / "EmaOracle.vy"
MIN_T, MAX_T = 60, 86_400  # bounds stated in EmaOracle.__init__
BLOCK = 12  # seconds between blocks
HOUR = 3600
CTX = Context(prec=60)


@pytest.fixture(scope="module")
def ema_factory():
    """EmaOracle compiled once (boa.load_partial); each deploy() is then cheap."""
    return boa.load_partial(str(EMA_VY))


@pytest.fixture(scope="module")
def deploy(ema_factory, market):
    """Deploy an EmaOracle over the market's settable oracle."""

    def _deploy(ema_time):
        return ema_factory.deploy(market.oracle.address, ema_time)

    return _deploy


def _set_source(market, price):
    with boa.env.prank(market.admin):
        market.oracle.set_price(price)


def _write_after(oracle, dt):
    """Let `dt` seconds pass, then write (price_w) in that block; returns its value."""
    boa.env.time_travel(seconds=dt)
    return oracle.price_w()


def _moved_source(market, deploy, ema_time, start, target):
    """An EmaOracle deployed at `start` whose source has moved to `target` and been
    recorded by one write a second later (which leaves the average at `start`)."""
    _set_source(market, start)
    oracle = deploy(ema_time)
    _set_source(market, target)
    assert oracle.price() == start  # no time passed: the stored average
    assert _write_after(oracle, 1) == start  # median(start, start, target): not yet followed
    assert (oracle.last_price(), oracle.last_source()) == (start, target)
    return oracle


def expected_ema(last: int, source: int, dt: int, ema_time: int) -> Decimal:
    """The exact weighted mean the contract approximates (it floors the exponent dt*1e18/T,
    e^x and the mean: each costs at most a wei or so)."""
    alpha = CTX.exp(CTX.divide(Decimal(-dt), Decimal(ema_time)))
    return CTX.add(CTX.multiply(Decimal(last), alpha), CTX.multiply(Decimal(source), 1 - alpha))


def tolerance(last: int, source: int) -> int:
    # alpha is low by < 2 WAD-ulp (exponent floor + exp floor): error <= 2*|last - source|/1e18,
    # plus the final floor and one wei of slack
    return 2 + 2 * abs(last - source) // WAD


@pytest.fixture
def ema(deploy):
    return deploy(600)


@pytest.mark.parametrize("ema_time", [MIN_T, MAX_T])
def test_ema_time_bounds_accepted(market, deploy, ema_time):
    oracle = deploy(ema_time)
    assert oracle.EMA_TIME() == ema_time
    assert oracle.SOURCE() == market.oracle.address
    assert oracle.last_price() == oracle.last_source() == market.oracle.price() == oracle.price()
    assert oracle.last_timestamp() == boa.env.timestamp


@pytest.mark.parametrize("ema_time", [0, MIN_T - 1, MAX_T + 1])
def test_ema_time_out_of_bounds_reverts(deploy, ema_time):
    with boa.reverts("EmaOracle: ema_time out of range"):
        deploy(ema_time)


def test_zero_source_at_deployment_reverts(market, deploy):
    _set_source(market, 0)
    with boa.reverts("EmaOracle: source price is zero"):
        deploy(600)


def test_zero_source_later_reverts_price_and_price_w(market, ema):
    boa.env.time_travel(seconds=30)
    _set_source(market, 0)
    with boa.reverts("EmaOracle: source price is zero"):
        ema.price()
    with boa.reverts("EmaOracle: source price is zero"):
        ema.price_w()
    # even in the block of the last update
    boa.env.time_travel(seconds=0)
    with boa.reverts("EmaOracle: source price is zero"):
        ema.price()


@settings(deadline=None, max_examples=30)
@given(
    ema_time=st.integers(MIN_T, MAX_T),
    start=st.integers(10**15, 10**24),
    target=st.integers(10**15, 10**24),
    dt=st.integers(1, 3 * MAX_T),
)
def test_price_moves_toward_a_recorded_source_by_exact_weight(market, deploy, ema_time, start, target, dt):
    oracle = _moved_source(market, deploy, ema_time, start, target)
    boa.env.time_travel(seconds=dt)
    got = oracle.price()
    want = expected_ema(start, target, dt, ema_time)
    assert abs(Decimal(got) - want) <= tolerance(start, target)
    # never past the source, never behind the start
    assert min(start, target) <= got <= max(start, target)
    assert oracle.price_w() == got


@pytest.mark.parametrize(
    "start, target",
    [(10**15, 4_204_210_318_722_727_910), (4_204_210_318_722_727_910, 10**15)],
    ids=["source-above", "source-below"],
)
def test_average_never_exceeds_exact_mean(market, deploy, start, target):
    """EmaOracle._ema documents that the weight rounds down, so the result is within a few
    wei of the exact weighted mean in either direction. The source-above case (shrunk by
    hypothesis from the property test above) lands ~1.75 wei above the exact mean: the
    floored weight shifts weight onto the higher source; the bound still holds."""
    ema_time, dt = 168, 1
    oracle = _moved_source(market, deploy, ema_time, start, target)
    boa.env.time_travel(seconds=dt)
    got = oracle.price()
    exact = expected_ema(start, target, dt, ema_time)
    assert abs(Decimal(got) - exact) <= tolerance(start, target), (
        f"EMA {got} is {Decimal(got) - exact} wei from the exact weighted mean {exact}"
    )
    assert min(start, target) <= got <= max(start, target)


def test_price_w_stores_records_and_logs_once_per_block(market, ema):
    start = ema.last_price()
    _set_source(market, start * 2)
    boa.env.time_travel(seconds=300)
    now = boa.env.timestamp
    view = ema.price()
    assert view == start  # median(start, start, 2 * start): a new print is not followed yet
    assert ema.price_w() == view
    logs = ema.get_logs()
    assert (ema.last_price(), ema.last_source(), ema.last_timestamp()) == (view, start * 2, now)
    assert [(type(e).__name__, e.source_price, e.ema_price) for e in logs] == [("UpdatePrice", start * 2, view)]

    # a second update in the same block changes nothing and logs nothing
    _set_source(market, start * 3)
    assert ema.price() == view
    assert ema.price_w() == view
    assert ema.get_logs() == []
    assert (ema.last_price(), ema.last_source(), ema.last_timestamp()) == (view, start * 2, now)

    # the next update folds median(start, 2 * start, 3 * start) = 2 * start over 120 s
    boa.env.time_travel(seconds=120)
    assert ema.folded_price() == start * 2
    nxt = ema.price_w()
    assert [(e.source_price, e.ema_price) for e in ema.get_logs()] == [(start * 3, nxt)]
    assert abs(Decimal(nxt) - expected_ema(view, start * 2, 120, 600)) <= tolerance(view, start * 2)
    assert (ema.last_price(), ema.last_source()) == (nxt, start * 3)


def test_long_silence_reaches_a_recorded_source_exactly(market, ema):
    target = ema.last_price() // 3 + 7
    _set_source(market, target)
    _write_after(ema, BLOCK)
    boa.env.time_travel(seconds=600 * 50)  # e^-50 * 1e18 < 1 wei: alpha floors to 0
    assert ema.price() == target


def test_long_silence_does_not_reach_an_unrecorded_source(market, ema):
    """A source price no write has recorded is held back by the median: the first write
    after a long silence does not jump to it (the old rule moved 1 - e^-50 of the way)."""
    start = ema.last_price()
    _set_source(market, start // 3 + 7)
    boa.env.time_travel(seconds=600 * 50)
    assert ema.price() == start
    assert ema.price_w() == start


# ---------------------------------------------------------------- manipulation


def _after_a_quiet_hour(market, deploy, ema_time, start, new):
    """An oracle deployed at `start`, an hour without writes, then the source at `new`."""
    _set_source(market, start)
    oracle = deploy(ema_time)
    boa.env.time_travel(seconds=HOUR)
    _set_source(market, new)
    return oracle


def _one_block_print(market, oracle, spike, honest, recorded):
    """The source shows `spike` (already set) in this block, written by the manipulator if
    `recorded`; the next block it is honest again: read, write, and read again ten hours
    later. Returns every value the oracle showed, and the source the print block's write
    recorded (None if not recorded)."""
    seen = [oracle.price()]
    written = None
    if recorded:
        seen.append(oracle.price_w())
        written = oracle.last_source()
    boa.env.time_travel(seconds=BLOCK)
    _set_source(market, honest)
    seen.append(oracle.price())
    seen.append(oracle.price_w())
    boa.env.time_travel(seconds=10 * HOUR)
    seen.append(oracle.price())
    return seen, written


def _plain_ema_move(dt, ema_time):
    """Share of a print a plain EMA (fold the reading block's source over the dt since
    the last write) moves the average: 1 - e^(-dt/T)."""
    return 1 - math.exp(-dt / ema_time)


@pytest.mark.parametrize("ema_time", [MIN_T, 600, HOUR, MAX_T])
@pytest.mark.parametrize("recorded", [True, False], ids=["written-in-print-block", "read-only"])
@pytest.mark.parametrize("print_pct", [-40, +40])
def test_one_block_print_after_an_hour_of_quiet_does_not_move_the_average(market, deploy, ema_time, recorded, print_pct):
    """The source prints `print_pct` % for one block after an hour without writes; the
    honest price equals the average. Bound of the issue: the average moves at most
    1 - e^(-12/T) of the print; with the median rule it does not move at all."""
    honest = 3000 * WAD
    spike = honest * (100 + print_pct) // 100
    oracle = _after_a_quiet_hour(market, deploy, ema_time, honest, spike)
    seen, written = _one_block_print(market, oracle, spike, honest, recorded)
    if recorded:
        assert written == spike  # the manipulator recorded the print

    bound = _plain_ema_move(BLOCK, ema_time) * abs(spike - honest)
    worst = max(abs(p - honest) for p in seen)
    assert worst <= bound
    assert worst == 0


@pytest.mark.parametrize("recorded", [True, False], ids=["written-in-print-block", "read-only"])
def test_one_block_print_read_much_later_without_writes(market, deploy, recorded):
    """Print for one block (recorded or not), source honest again, then nobody writes for
    a day: the average read then is still the honest price."""
    honest = 3000 * WAD
    oracle = _after_a_quiet_hour(market, deploy, 600, honest, honest * 6 // 10)
    if recorded:
        oracle.price_w()
    boa.env.time_travel(seconds=BLOCK)
    _set_source(market, honest)
    boa.env.time_travel(seconds=24 * HOUR)
    assert oracle.price() == honest
    assert oracle.price_w() == honest


@settings(deadline=None, max_examples=40)
@given(
    ema_time=st.sampled_from([MIN_T, 600, HOUR, MAX_T]),
    prices=st.tuples(*[st.integers(10**15, 10**24)] * 4),
    gap=st.integers(BLOCK, 3 * HOUR),
    recorded=st.booleans(),
)
def test_one_block_print_stays_within_the_honest_values(market, deploy, ema_time, prices, gap, recorded):
    """Whatever the state: average L, recorded source R, honest source H after a gap, a
    one-block print S (recorded by a write or not) keeps the average within
    [min(L, R, H), max(L, R, H)] in the print block, the next block and much later: it
    can hold the average back, never push it past the honest values."""
    last, recorded_source, honest, spike = prices
    oracle = _moved_source(market, deploy, ema_time, last, recorded_source)
    boa.env.time_travel(seconds=gap)
    _set_source(market, spike)
    seen, _ = _one_block_print(market, oracle, spike, honest, recorded)
    lo, hi = min(last, recorded_source, honest), max(last, recorded_source, honest)
    assert all(lo <= p <= hi for p in seen), (seen, lo, hi)


@pytest.mark.parametrize("ema_time", [600, HOUR])
@pytest.mark.parametrize("move_pct", [-40, +25])
def test_a_persistent_move_is_followed_one_write_late(market, deploy, ema_time, move_pct):
    """After an hour of quiet the source moves for good. The write in that block records
    it (the average stays); the write a block later folds it over those 12 s; a write an
    hour later folds it over the hour. Compared with the same rule in floats."""
    start = 3000 * WAD
    target = start * (100 + move_pct) // 100
    oracle = _after_a_quiet_hour(market, deploy, ema_time, start, target)
    assert oracle.price_w() == start

    second = _write_after(oracle, BLOCK)
    a = math.exp(-BLOCK / ema_time)
    want = start * a + target * (1 - a)
    assert second == pytest.approx(want, rel=1e-15, abs=0)
    assert abs(Decimal(second) - expected_ema(start, target, BLOCK, ema_time)) <= tolerance(start, target)
    # it moved toward the target by the weight of one block, 1 - e^(-12/T)
    assert (second - start) / (target - start) == pytest.approx(1 - a, rel=1e-12)

    third = _write_after(oracle, HOUR)
    b = math.exp(-HOUR / ema_time)
    assert third == pytest.approx(want * b + target * (1 - b), rel=1e-15, abs=0)
    assert min(start, target) <= third <= max(start, target)


# ---------------------------------------------------------------- the model, to the wei


def _step(oracle, model, clock, write):
    """One read or write on both sides: values (or revert reasons) and storage agree."""
    clock.now = boa.env.timestamp
    if write:
        got, want = oracle.price_w(), model.price_w()
    else:
        got, want = oracle.price(), model.price()
    assert got == want
    assert (oracle.last_price(), oracle.last_source(), oracle.last_timestamp()) == (
        model.last_price,
        model.last_source,
        model.last_timestamp,
    )
    assert oracle.folded_price() == model.folded_price()


@settings(deadline=None, max_examples=40)
@given(
    ema_time=st.integers(MIN_T, MAX_T),
    start=st.integers(1, 10**30),
    steps=st.lists(
        st.tuples(
            st.one_of(st.just(0), st.integers(1, BLOCK), st.integers(1, 3 * MAX_T)),
            st.one_of(st.integers(1, 10**30), st.integers(10**17, 10**22)),
            st.booleans(),
        ),
        min_size=1,
        max_size=25,
    ),
)
def test_contract_equals_model_to_the_wei(market, deploy, ema_time, start, steps):
    """Random sequences of (dt, source price, write or read): the contract and
    OracleModel return the same value and store the same state, to the wei."""
    _set_source(market, start)
    oracle = deploy(ema_time)
    clock = Clock(boa.env.timestamp)
    model = OracleModel(clock, start, ema_time)
    for dt, price, write in steps:
        boa.env.time_travel(seconds=dt)
        _set_source(market, price)
        model.set_price(price)
        _step(oracle, model, clock, write)


def test_zero_source_reverts_in_the_model_too(market, ema):
    clock = Clock(boa.env.timestamp)
    model = OracleModel(clock, ema.last_price(), 600)
    _set_source(market, 0)
    model.set_price(0)
    for dt in (0, BLOCK):
        boa.env.time_travel(seconds=dt)
        clock.now = boa.env.timestamp
        for view in ("price", "price_w", "folded_price"):
            with boa.reverts("EmaOracle: source price is zero"):
                getattr(ema, view)()
            with pytest.raises(ModelRevert, match="EmaOracle: source price is zero"):
                getattr(model, view)()
