"""Virgin bands (docs/lazy-bands-spec.md): bands no swap has reached keep their collateral
as gross deposits plus pending withdrawals, so withdrawing from them costs the same
however many there are, and every view still reports their true contents.

Actors: depositors are positions the Controller (the AMM's admin) would open; the
arbitrageur walks the bands.
"""

import boa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from softliq.bands import reader_for
from softliq.gas import measure_call
from softliq.positions import decode_position, read_user_ticks

from .helpers import C, MAX_UINT, WAD, as_amm_admin, collateral_in_amm, fund_trader, set_oracle, units
from .properties import NO_SHRINK

D = C["DEAD_SHARES"]
TOP = 20  # the first band of every position here: far below the active band (0)


def deposit(market, name: str, amount: int, n1: int, n2: int) -> str:
    """A position of `amount` collateral in bands n1..n2, as the Controller opens one."""
    who = collateral_in_amm(market, name, amount)
    with as_amm_admin(market):
        market.amm.deposit_range(who, amount, n1, n2)
    return who


def withdraw(market, who: str, frac: int) -> list[int]:
    with as_amm_admin(market):
        return market.amm.withdraw(who, frac)


def band_views(amm, n1: int, n2: int) -> list[tuple[int, int, int]]:
    """The bands through the AMM's views; the one-walk raw reading the suites use instead
    (softliq.bands) must say the same."""
    views = [(amm.bands_x(n), amm.bands_y(n), amm.total_shares(n)) for n in range(n1, n2 + 1)]
    raw = reader_for(amm).bands(n1, n2)
    assert [raw[n] for n in range(n1, n2 + 1)] == views
    return views


def check_books(amm, users: list[str], n1: int, n2: int) -> None:
    """Every band's shares are its holders' shares; a virgin band holds DEAD_SHARES shares
    per unit of collateral and no stablecoin."""
    held: dict[int, int] = {}
    for who in users:
        u1, u2 = amm.read_user_tick_numbers(who)
        for n, s in zip(range(u1, u2 + 1), read_user_ticks(amm, who)):
            held[n] = held.get(n, 0) + s
    virgin = amm.active_band() + 1
    for n in range(n1, n2 + 1):
        assert amm.total_shares(n) == held.get(n, 0), f"band {n}"
        if n >= virgin and amm.bands_y(n) > 0:
            assert amm.bands_x(n) == 0 and amm.total_shares(n) == D * amm.bands_y(n), f"band {n}"


def test_a_position_no_swap_reached_gets_back_exactly_its_deposit(market):
    amount = units(market, 3 * WAD) + 7  # 7 units of dust over 10 bands
    who = deposit(market, "depositor", amount, TOP, TOP + 9)
    pos = decode_position(market.amm.user_position(who))
    assert pos is not None and (pos.a, pos.dust, pos.v1) == (amount // 10, 7, TOP)
    assert market.amm.get_sum_xy(who) == [0, amount]
    assert withdraw(market, who, WAD) == [0, amount]
    assert not market.amm.has_liquidity(who) and market.amm.user_position(who) == 0
    assert band_views(market.amm, TOP, TOP + 9) == [(0, 0, 0)] * 10


def test_partial_withdrawals_keep_every_view_true(market):
    amm = market.amm
    a = deposit(market, "wide", units(market, 5 * WAD), TOP, TOP + 49)
    b = deposit(market, "narrow", units(market, 2 * WAD) + 3, TOP + 10, TOP + 13)
    c = deposit(market, "overlapping", units(market, 4 * WAD), TOP + 12, TOP + 30)
    y_a = decode_position(amm.user_position(a)).a
    before = band_views(amm, TOP, TOP + 50)
    out = withdraw(market, a, WAD // 3)
    da = y_a * (WAD // 3) // WAD  # rounds down, per band
    assert out == [0, da * 50]
    assert decode_position(amm.user_position(a)).a == y_a - da
    after = band_views(amm, TOP, TOP + 50)
    for k, ((x0, y0, s0), (x1, y1, s1)) in enumerate(zip(before, after)):
        assert x1 == x0 == 0 and y1 == y0 - (da if k < 50 else 0) and s1 == D * y1, f"band {TOP + k}"
    check_books(amm, [a, b, c], TOP, TOP + 50)
    # the overlapping position leaves whole; the others' bands are untouched by it
    withdraw(market, c, WAD)
    check_books(amm, [a, b], TOP, TOP + 50)
    assert amm.bands_y(TOP + 11) == y_a - da + decode_position(amm.user_position(b)).a


@pytest.mark.parametrize("frac", [WAD, WAD // 2])
def test_withdrawing_from_virgin_bands_costs_the_same_at_any_width(market, frac):
    """Eagerly, every band cost ~7.6k gas of storage alone (N = 50: ~350k more than N = 4);
    lazily a withdrawal writes one start and one end entry whatever the width."""
    narrow = deposit(market, "narrow", units(market, 1 * WAD), TOP, TOP + 3)
    wide = deposit(market, "wide", units(market, 10 * WAD), TOP + 10, TOP + 59)
    other = deposit(market, "neighbour", units(market, 10 * WAD), TOP, TOP + 49)  # shares the bands
    with as_amm_admin(market):
        _, g4 = measure_call(market.amm.withdraw, narrow, frac, sender=market.controller.address)
        _, g50 = measure_call(market.amm.withdraw, wide, frac, sender=market.controller.address)
    assert abs(g50.total - g4.total) < 3_000, f"{g4.total} at N = 4, {g50.total} at N = 50"
    check_books(market.amm, [other] + ([narrow, wide] if frac < WAD else []), TOP, TOP + 60)


def test_a_swap_into_virgin_bands_sees_their_true_collateral(market, arbitrageur):
    """Materialising the bands a swap reaches writes what the views reported; the bands
    beyond it stay virgin and unchanged, and later withdrawals from both kinds agree."""
    amm = market.amm
    fund_trader(market, arbitrageur)
    n1, n2 = 1, 30
    a = deposit(market, "first", units(market, 6 * WAD) + 11, n1, n2)
    b = deposit(market, "second", units(market, 3 * WAD), n1 + 5, n2 + 5)
    withdraw(market, a, WAD // 4)
    withdraw(market, b, WAD // 5)
    before = band_views(amm, n1, n2 + 5)
    # the oracle drops into band n1 + 10: arbitrage buys the collateral above it
    set_oracle(market, amm.p_oracle_down(n1 + 10))
    boa.env.time_travel(seconds=600)
    want = sum(amm.bands_y(n) for n in range(n1, n1 + 10))
    with boa.env.prank(arbitrageur):
        amm.exchange_dy(0, 1, want, MAX_UINT)
    end = amm.active_band()
    assert n1 + 9 <= end < n2
    after = band_views(amm, n1, n2 + 5)
    for n in range(end + 1, n2 + 6):  # not reached: as they were
        assert after[n - n1] == before[n - n1], f"band {n}"
    for n in range(n1, end):  # bought out: stablecoin only, their shares as before
        assert after[n - n1][1] == 0 and after[n - n1][2] == before[n - n1][2], f"band {n}"
    check_books(amm, [a, b], n1, n2 + 5)
    # withdrawals span the materialised and the virgin bands alike
    x, y = withdraw(market, a, WAD)
    assert x > 0 and y > 0
    check_books(amm, [b], n1, n2 + 5)
    withdraw(market, b, WAD)
    assert all(v[2] == 0 for v in band_views(amm, n1, n2 + 5))


def test_the_gross_collateral_of_a_virgin_band_is_bounded(market):
    """A virgin band's shares (DEAD_SHARES per unit) must fit 128 bits when a swap writes
    them: its gross collateral is capped at MAX_AMOUNT // DEAD_SHARES."""
    cap = C["MAX_AMOUNT"] // D
    deposit(market, "whale", cap * 4, TOP, TOP + 3)  # the AMM books what the admin says was sent
    who = collateral_in_amm(market, "late", units(market, WAD))
    with as_amm_admin(market), boa.reverts("AMM: band overflow"):
        market.amm.deposit_range(who, units(market, WAD), TOP + 3, TOP + 6)


# ------------------------------------------------- who could profit from the lazy books

# three depositors: (first band above TOP, width, collateral in units of 0.01 WAD plus wei)
positions = st.lists(
    st.tuples(st.integers(0, 30), st.integers(1, 20), st.integers(10, 500), st.integers(0, 19)),
    min_size=3, max_size=3,
)
# partial withdrawals in order: (depositor, fraction of what is left)
partials = st.lists(st.tuples(st.integers(0, 2), st.integers(1, WAD - 1)), max_size=8)


def open_positions(market, specs) -> tuple[list[str], list[int]]:
    users, amounts = [], []
    for k, (offset, width, hundredths, wei) in enumerate(specs):
        amount = units(market, hundredths * WAD // 100) + wei
        users.append(deposit(market, f"depositor{k}", amount, TOP + offset, TOP + offset + width - 1))
        amounts.append(amount)
    return users, amounts


@settings(max_examples=10, deadline=None, phases=NO_SHRINK)
@given(specs=positions, steps=partials)
def test_partial_withdrawals_from_virgin_bands_never_pay_more_than_was_deposited(market, specs, steps):
    """A depositor who withdraws in many small steps (each rounds down once, for all their
    virgin bands) ends with exactly their deposit, dust included: no step pays them a
    unit of a neighbour's collateral, and the neighbours' books stay whole."""
    with boa.env.anchor():
        users, amounts = open_positions(market, specs)
        got = [0, 0, 0]
        for who, frac in steps:
            got[who] += withdraw(market, users[who], frac)[1]
            assert got[who] <= amounts[who]
            check_books(market.amm, users, TOP, TOP + 51)
        for who in range(3):
            got[who] += withdraw(market, users[who], WAD)[1]
        assert got == amounts
        assert band_views(market.amm, TOP, TOP + 51) == [(0, 0, 0)] * 52


@settings(max_examples=10, deadline=None, phases=NO_SHRINK)
@given(specs=positions, steps=partials, reach=st.integers(0, 40))
def test_a_swap_through_virgin_bands_leaves_nothing_stuck_and_nothing_extra(market, arbitrageur, specs, steps, reach):
    """A swap materialises the virgin bands it reaches, between partial withdrawals: the
    books stay whole, and when every depositor has left, they took out exactly what the
    bands held: the collateral deposited minus what the swap bought, and the stablecoin
    the swap paid in. Nothing stays stuck, nobody is paid from thin air."""
    amm = market.amm
    with boa.env.anchor():
        fund_trader(market, arbitrageur)
        users, amounts = open_positions(market, specs)
        out = [0, 0]  # everything the depositors took out, partial withdrawals included

        def take(who: int, frac: int) -> None:
            x, y = withdraw(market, users[who], frac)
            out[0] += x
            out[1] += y

        for who, frac in steps[: len(steps) // 2]:
            take(who, frac)
        set_oracle(market, amm.p_oracle_down(TOP + reach))
        boa.env.time_travel(seconds=600)
        want = sum(amm.bands_y(n) for n in range(amm.active_band(), TOP + reach))
        paid = bought = 0
        if want > 0:
            with boa.env.prank(arbitrageur):
                paid, bought = amm.exchange_dy(0, 1, want, MAX_UINT)
        check_books(amm, users, TOP, TOP + 51)
        for who, frac in steps[len(steps) // 2 :]:
            take(who, frac)
        check_books(amm, users, TOP, TOP + 51)
        for who in range(3):
            take(who, WAD)
        assert band_views(amm, TOP, TOP + 51) == [(0, 0, 0)] * 52
        assert out == [paid, sum(amounts) - bought]  # no admin fee: the bands kept the swap's payment
