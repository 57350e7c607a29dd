"""The swap properties on 6-, 8- and 18-decimal collateral (market_by_decimals):
collateral is stored and traded in token units, normalised only inside the math."""

from hypothesis import given, settings
from hypothesis import strategies as st

from softliq import actors
from softliq.positions import decode_position

from .helpers import WAD, units
from .properties import (
    NO_SHRINK,
    loan_specs,
    oracle_factors,
    swap_session_matches_views,
)
from .test_round_trip import check_round_trip, round_trips

steps = st.lists(
    st.tuples(st.integers(0, 1), st.integers(0, 1), st.floats(-6, 5), st.floats(0.97, 1.03), st.integers(0, 200)),
    min_size=1,
    max_size=5,
)


def test_bands_hold_token_units(market_by_decimals, borrowers):
    m = market_by_decimals
    amm = m.amm
    assert amm.COLLATERAL_PRECISION() == 10 ** (18 - m.params.collateral_decimals)
    collateral = units(m, 7 * WAD) + 5
    debt = m.controller.max_borrowable(collateral, 4) // 2
    n1, n2 = actors.open_loan(m, borrowers[0], collateral, debt, 4)
    # amount // N in every band; the remainder stays the position's dust, in no band
    # (docs/lazy-bands-spec.md)
    dust = decode_position(amm.user_position(borrowers[0])).dust
    assert dust == collateral % 4
    assert sum(amm.bands_y(n) for n in range(n1, n2 + 1)) + dust == collateral
    assert m.collateral.balanceOf(amm.address) == collateral
    assert collateral - 4 <= amm.get_sum_xy(borrowers[0])[1] <= collateral


@settings(max_examples=8, deadline=None, phases=NO_SHRINK)
@given(specs=loan_specs, factor=oracle_factors, pre=st.none() | st.floats(1, 4.7), session=steps)
def test_views_predict_swaps(market_by_decimals, borrowers, arbitrageur, specs, factor, pre, session):
    swap_session_matches_views(market_by_decimals, borrowers, arbitrageur, specs, factor, pre, session)


@settings(max_examples=10, deadline=None, phases=NO_SHRINK)
@given(**round_trips)
def test_round_trip_in_the_same_block_makes_no_profit(market_by_decimals, borrowers, arbitrageur, specs, factor, pre,
                                                      i, size, shift):
    """As tests/amm/test_round_trip.py (same block), per decimals. The after-time region
    is covered on the default market only: its failure does not depend on decimals."""
    check_round_trip(market_by_decimals, borrowers, arbitrageur, specs, factor, pre, i, size, shift, 0)
