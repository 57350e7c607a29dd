"""EmaOracle over a PriceOracleMock source: ema <- ema * e^(-dt/T) + source * (1 - e^(-dt/T)).

The EmaOracle is deployed with boa.load over the market's settable oracle (the source);
the expected average is computed in Python with `decimal` at 60 digits."""

from decimal import Context, Decimal
from pathlib import Path

import boa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from softliq.params import WAD

EMA_VY = Path(__file__).resolve().parents[2] / "contracts" / "EmaOracle.vy"
MIN_T, MAX_T = 60, 86_400  # bounds stated in EmaOracle.__init__
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
    assert oracle.last_price() == market.oracle.price() == oracle.price()
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
def test_price_moves_toward_source_by_exact_weight(market, deploy, ema_time, start, target, dt):
    _set_source(market, start)
    oracle = deploy(ema_time)
    _set_source(market, target)
    assert oracle.price() == start  # no time passed: the stored average

    boa.env.time_travel(seconds=dt)
    got = oracle.price()
    want = expected_ema(start, target, dt, ema_time)
    assert abs(Decimal(got) - want) <= tolerance(start, target)
    # never past the source, never behind the start
    assert min(start, target) <= got <= max(start, target)


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
    _set_source(market, start)
    oracle = deploy(ema_time)
    _set_source(market, target)
    boa.env.time_travel(seconds=dt)
    got = oracle.price()
    exact = expected_ema(start, target, dt, ema_time)
    assert abs(Decimal(got) - exact) <= tolerance(start, target), (
        f"EMA {got} is {Decimal(got) - exact} wei from the exact weighted mean {exact}"
    )
    assert min(start, target) <= got <= max(start, target)


def test_price_w_stores_and_logs_once_per_block(market, ema):
    start = ema.last_price()
    _set_source(market, start * 2)
    boa.env.time_travel(seconds=300)
    now = boa.env.timestamp
    view = ema.price()
    assert ema.price_w() == view
    logs = ema.get_logs()
    assert ema.last_price() == view and ema.last_timestamp() == now
    assert [(type(e).__name__, e.source_price, e.ema_price) for e in logs] == [("UpdatePrice", start * 2, view)]
    assert abs(Decimal(view) - expected_ema(start, start * 2, 300, 600)) <= tolerance(start, start * 2)

    # a second update in the same block changes nothing and logs nothing
    _set_source(market, start * 3)
    assert ema.price_w() == view
    assert ema.get_logs() == []
    assert (ema.last_price(), ema.last_timestamp()) == (view, now)

    # the next update continues from the stored value
    boa.env.time_travel(seconds=120)
    nxt = ema.price_w()
    assert abs(Decimal(nxt) - expected_ema(view, start * 3, 120, 600)) <= tolerance(view, start * 3)


def test_long_silence_reaches_the_source_exactly(market, ema):
    target = ema.last_price() // 3 + 7
    _set_source(market, target)
    boa.env.time_travel(seconds=600 * 50)  # e^-50 * 1e18 < 1 wei: alpha floors to 0
    assert ema.price() == target
