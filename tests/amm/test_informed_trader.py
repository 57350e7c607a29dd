"""A trader who knows the next oracle update cannot take value out of the bands.

The round trip of issue 10: buy collateral from the bands (or sell it, the mirror) while
they sit at equilibrium, let a known oracle move land `delay` seconds later, trade
everything back. The borrowers' equity falls by whatever the trader makes. The away fee
(the part of a trade that moves a band's price away from p_o pays AWAY_FEE) closes it at
every delay; with the away and swing fees off (the contracts before AMM economics v2)
the same trade pays, which is what makes these tests able to fail.

The property runs on the integer-exact model (`softliq.econ`, bit-exact with the
contracts); the titanoboa tests below replay the attack on the contracts themselves.
"""

import boa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from softliq import MarketParams, deploy_boa, econ

from .helpers import WAD, fund_trader, open_borrowers, set_oracle

DEFAULTS = MarketParams()
BEFORE = MarketParams(away_fee=0, swing_factor=0)
WINDOW = 120
"""Delays up to LLAMMA's oracle-fee window are 'within W'; ours holds at any delay."""


@settings(max_examples=40, deadline=None)
@given(
    move=st.floats(0.001, 0.05),
    up=st.booleans(),
    delay=st.integers(0, 900),
    first=st.sampled_from([0, 1]),
    n_bands=st.sampled_from([4, 10, 20]),
)
def test_informed_round_trip_loses_at_default_parameters(move, up, delay, first, n_bands):
    trip = econ.informed_round_trip(DEFAULTS, move if up else -move, delay, first, n_bands)
    assert trip.volume > 0
    assert trip.profit <= 0, f"round trip made {trip.profit} wei on {trip.volume}"


@settings(max_examples=12, deadline=None)
@given(move=st.floats(0.005, 0.05), up=st.booleans(), delay=st.integers(WINDOW, 900), first=st.sampled_from([0, 1]))
def test_beyond_the_window_no_better_than_llamma(move, up, delay, first):
    ours = econ.informed_round_trip(DEFAULTS, move if up else -move, delay, first)
    llamma = econ.informed_round_trip(econ.LLAMMA_LIKE, move if up else -move, delay, first)
    assert ours.per_volume <= llamma.per_volume


@pytest.mark.parametrize("move", [0.01, 0.03])
def test_the_round_trip_paid_before_the_away_fee(move):
    """The same search finds the issue's leak with the away and swing fees off."""
    trip = econ.informed_round_trip(BEFORE, move, 12, 0)
    assert trip.profit > 0 and trip.per_volume > move / 2


def _attack(market, trader, move: float, first: int) -> int:
    """Buy (first=0) or sell (1) a block before a known oracle move, trade back a block
    after it; returns the trader's profit in stablecoin wei at the new price."""
    amm, prec = market.amm, market.amm.COLLATERAL_PRECISION()
    p0 = amm.price_oracle()
    p1 = int(p0 * (1 + move))
    stable, coll = market.stablecoin.balanceOf(trader), market.collateral.balanceOf(trader)
    amount = 30_000 * WAD if first == 0 else 10 * WAD // prec
    with boa.env.prank(trader):
        out = amm.exchange(first, 1 - first, amount, 0)[1]
    boa.env.time_travel(seconds=12)
    set_oracle(market, p1)
    if out:
        with boa.env.prank(trader):
            amm.exchange(1 - first, first, out, 0)
    gained_coll = market.collateral.balanceOf(trader) - coll
    return market.stablecoin.balanceOf(trader) - stable + gained_coll * prec * p1 // WAD


@pytest.fixture(scope="module")
def before_market(admin):
    return deploy_boa(BEFORE, admin=admin)


def _at_equilibrium_in_the_bands(market, borrowers, trader) -> None:
    """Two loans, the oracle in the middle of the first one's bands (so both its
    neighbours hold stablecoin and collateral), arbitrage to equilibrium."""
    import math

    from softliq.arbitrage import find_arbitrage

    open_borrowers(market, borrowers, [(10 * WAD, 10, 0.97), (20 * WAD, 20, 0.97)])
    fund_trader(market, trader, stable=10**6 * WAD, collateral_wad=1000 * WAD)
    amm = market.amm
    n1, n2 = amm.read_user_tick_numbers(borrowers[0])
    set_oracle(market, math.isqrt(amm.p_oracle_up(n1) * amm.p_oracle_down(n2)))
    boa.env.time_travel(seconds=600)
    for _ in range(3):
        arb = find_arbitrage(amm, amm.price_oracle(), market.stablecoin.balanceOf(trader), market.collateral.balanceOf(trader))
        if arb is None:
            break
        with boa.env.prank(trader):
            amm.exchange(arb.i, 1 - arb.i, arb.amount, 0)
    boa.env.time_travel(seconds=600)


@pytest.mark.parametrize("move,first", [(0.01, 0), (0.03, 0), (-0.01, 1), (-0.03, 1)])
def test_one_block_apart_on_the_contracts(market, before_market, borrowers, arbitrageur, move, first):
    """The issue's attack on titanoboa: it pays against the contracts without the away
    fee and loses against the defaults."""
    results = {}
    for name, m in (("defaults", market), ("before", before_market)):
        with boa.env.anchor():
            _at_equilibrium_in_the_bands(m, borrowers, arbitrageur)
            results[name] = _attack(m, arbitrageur, move, first)
    assert results["before"] > 0, results
    assert results["defaults"] < 0, results
