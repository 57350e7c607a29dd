"""Properties of the AMM's swaps on the default market (hypothesis).

Every example opens 2-4 loans with random collateral and band counts through
softliq.actors, funds an arbitrageur, moves the oracle into (or above) the bands and
then trades. boa rolls the chain back after every example.
"""

import boa
from hypothesis import given, settings
from hypothesis import strategies as st

from .helpers import MAX_UINT, WAD, snapshot_bands
from .properties import (
    NO_SHRINK,
    bands_covered_by_balances,
    loan_specs,
    open_scenario,
    oracle_factors,
    trade_amount,
    trades,
    x_down_y_up,
    swap_session_matches_views,
)

PRE_TRADE = st.none() | st.floats(1, 4.7)  # 10..50k stablecoin of collateral bought first

# A step of a trading session: (kind, coin in, size exponent, oracle factor, seconds).
# kind 0: exchange of an amount; kind 1: exchange_dy of an output amount.
steps = st.lists(
    st.tuples(st.integers(0, 1), st.integers(0, 1), st.floats(-6, 5), st.floats(0.97, 1.03), st.integers(0, 200)),
    min_size=1,
    max_size=5,
)


@settings(max_examples=20, deadline=None, phases=NO_SHRINK)
@given(specs=loan_specs, factor=oracle_factors, pre=PRE_TRADE, session=steps)
def test_views_predict_swaps_and_bands_stay_covered(market, borrowers, arbitrageur, specs, factor, pre, session):
    """(a) get_dy / get_dxdy == exchange, get_dx == exchange_dy's input (output >= asked),
    across oracle moves and time; (d) the AMM's balances cover its bands after the swaps."""
    swap_session_matches_views(market, borrowers, arbitrageur, specs, factor, pre, session)


@settings(max_examples=15, deadline=None, phases=NO_SHRINK)
@given(specs=loan_specs, factor=oracle_factors, pre=PRE_TRADE, session=trades)
def test_trades_at_constant_oracle_never_lower_x_down_or_y_up(market, borrowers, arbitrageur, specs, factor, pre,
                                                              session):
    """(b) DESIGN 5.3: at a fixed oracle, no trade lowers any user's x_down or y_up."""
    users = open_scenario(market, borrowers, arbitrageur, specs, factor, pre)
    amm = market.amm
    before = x_down_y_up(amm, users)
    for step, (i, size) in enumerate(session):
        with boa.env.prank(arbitrageur):
            amm.exchange(i, 1 - i, trade_amount(market, i, size), 0)
        after = x_down_y_up(amm, users)
        for u, (xd0, yu0), (xd1, yu1) in zip(users, before, after):
            assert xd1 >= xd0, f"step {step}: x_down of {u} fell {xd0} -> {xd1}"
            assert yu1 >= yu0, f"step {step}: y_up of {u} fell {yu0} -> {yu1}"
        before = after
    bands_covered_by_balances(market)


@settings(max_examples=15, deadline=None, phases=NO_SHRINK)
@given(
    specs=loan_specs,
    factor=st.floats(0.85, 0.99),
    pre=st.floats(2, 4.7),
    first=st.integers(0, 1),
    sizes=st.lists(st.floats(-3, 5.5), min_size=2, max_size=4),
)
def test_exchange_walks_exactly_the_crossed_bands(market, borrowers, arbitrageur, specs, factor, pre, first, sizes):
    """(f) A swap changes only the bands between the active band it starts in and the one
    it ends in, empties every band strictly between them of the coin it takes, and leaves
    active_band where the walk ended. Directions alternate, starting with `first`.

    Watched: every band of the borrowers' loans with a margin (and the arbitrageur's own
    funding loan far below if the first purchase already reached it). Purchases are capped
    below get_dx of all collateral watched, so no walk leaves the window; the funding
    loan's bands outside it are checked unchanged at the end."""
    users = open_scenario(market, borrowers, arbitrageur, specs, factor, pre)
    amm = market.amm
    top = max(amm.read_user_tick_numbers(u)[1] for u in users)
    f1, f2 = amm.read_user_tick_numbers(arbitrageur)
    if amm.active_band() > top:  # the first purchase already walked into the funding loan
        top = f2
    ns = range(amm.min_band() - 3, top + 4)
    far_bands = range(max(f1, ns.stop), f2 + 1)
    far = snapshot_bands(amm, far_bands)
    for step, size in enumerate(sizes):
        i = (first + step) % 2
        amount = trade_amount(market, i, size)
        if i == 0:
            everything = amm.get_dx(0, 1, sum(amm.bands_y(n) for n in ns))
            amount = max(1, min(amount, everything - 1))
        start = amm.active_band()
        old = snapshot_bands(amm, ns)
        with boa.env.prank(arbitrageur):
            used, out = amm.exchange(i, 1 - i, amount, 0)
        end = amm.active_band()
        new = snapshot_bands(amm, ns)
        changed = [n for n in ns if new[n] != old[n]]
        if out == 0:
            assert changed == [] and end == start
            continue
        # i = 0 buys collateral: the walk goes to higher n; i = 1 to lower n
        assert end >= start if i == 0 else end <= start
        lo, hi = min(start, end), max(start, end)
        assert ns.start < lo and hi < ns.stop - 1
        assert all(lo <= n <= hi for n in changed), (start, end, changed)
        assert end in changed  # the walk ended in a band it traded in
        taken = 1 if i == 0 else 0  # index of the coin the swap takes out of bands
        for n in range(lo, hi + 1):
            if n != end:
                assert new[n][taken] == 0, f"band {n} between {start} and {end} not emptied: {new[n]}"
            if old[n][taken] > 0 and n != end:
                assert n in changed
        # the bands' coins moved by exactly what the trader paid and received
        assert sum(new[n][i] - old[n][i] for n in changed) == used
        assert sum(old[n][1 - i] - new[n][1 - i] for n in changed) == out
    assert snapshot_bands(amm, far_bands) == far


def test_exchange_dy_reaches_every_band_it_needs(market, borrowers, arbitrageur):
    """A purchase of all collateral of the first loan's bands walks across them all."""
    open_scenario(market, borrowers, arbitrageur, [(10 * WAD, 6, 0.999), (3 * WAD, 4, 0.9)], 0.97, None)
    amm = market.amm
    n1, n2 = amm.read_user_tick_numbers(borrowers[0])
    want = sum(amm.bands_y(n) for n in range(amm.active_band(), n2 + 1))
    dx = amm.get_dx(0, 1, want)
    assert dx < MAX_UINT
    with boa.env.prank(arbitrageur):
        paid, got = amm.exchange_dy(0, 1, want, dx)
    assert paid == dx and got >= want
    assert amm.active_band() >= n2
    assert all(amm.bands_y(n) == 0 for n in range(n1, n2 + 1))
