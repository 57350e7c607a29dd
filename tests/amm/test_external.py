"""External functions of contracts/AMM.vy on a market with loans: views of positions,
swaps and their every revert reason, deposit/withdraw reverts, and state left untouched
by reverts. (Setters, grid and getters of a market without loans: test_admin_and_grid.py.)

The AMM's admin is the Controller; admin-only paths are driven by pranking as the
Controller's address (that is who calls them in production).
"""

import boa
import pytest

from softliq import actors
from softliq.positions import decode_position, read_user_ticks

from .helpers import (
    MAX_UINT,
    WAD,
    C,
    amm_state,
    as_amm_admin,
    balances,
    collateral_in_amm,
    set_oracle,
    trade,
    units,
)

BAD_PAIRS = [(0, 0), (1, 1), (0, 2), (2, 0), (1, 2), (2, 1), (MAX_UINT, 0)]


@pytest.fixture
def traded(loaded_market, arbitrageur):
    """Oracle 2% down and one trade into the first loan's bands: the active band now
    holds both coins, so both directions have liquidity."""
    amm = loaded_market.amm
    set_oracle(loaded_market, amm.price_oracle() * 98 // 100)
    trade(loaded_market, arbitrageur, 0, 2000 * WAD)
    assert amm.bands_x(amm.active_band()) > 0 and amm.bands_y(amm.active_band()) > 0
    return loaded_market


# ---------------------------------------------------------------- getters and grid


def test_band_views_of_a_loan(loaded_market, borrowers):
    amm = loaded_market.amm
    borrower = borrowers[0]
    n1, n2 = amm.read_user_tick_numbers(borrower)
    ticks = read_user_ticks(amm, borrower)
    assert len(ticks) == n2 - n1 + 1 and all(t > 0 for t in ticks)
    assert amm.has_liquidity(borrower)
    x, y = amm.get_sum_xy(borrower)
    deposited = loaded_market.controller.user_state(borrower)[0]
    assert x == 0 and y == deposited
    # own shares never exceed the band's shares; the band's y covers the user's. No swap
    # reached these bands: each holds DEAD_SHARES per unit, so the shares' pro-rata value
    # (rounded down, against the dead shares) is at most a unit short of the collateral
    # per band that get_sum_xy reports (and a withdrawal pays); the dust is in no band
    owned = 0
    for k, n in enumerate(range(n1, n2 + 1)):
        assert ticks[k] <= amm.total_shares(n) == C["DEAD_SHARES"] * amm.bands_y(n)
        assert amm.bands_x(n) == 0
        owned += amm.bands_y(n) * ticks[k] // (amm.total_shares(n) + C["DEAD_SHARES"])
    assert y - 2 * (n2 - n1 + 1) < owned < y
    assert amm.min_band() <= n1 and n2 <= amm.max_band()
    # a stranger has nothing
    stranger = boa.env.generate_address("stranger")
    assert not amm.has_liquidity(stranger)
    assert amm.read_user_tick_numbers(stranger) == [0, 0]
    assert read_user_ticks(amm, stranger) == []
    assert amm.get_sum_xy(stranger) == [0, 0]
    assert amm.get_x_down(stranger) == 0 and amm.get_y_up(stranger) == 0


def test_xy_and_x_down_in_one_pass(traded, borrowers):
    """get_xy_and_x_down (what health and liquidation read) equals get_sum_xy and
    get_x_down, for positions in and out of the active band and for a stranger."""
    amm = traded.amm
    for who in [*borrowers[:3], boa.env.generate_address("stranger")]:
        assert amm.get_xy_and_x_down(who) == [*amm.get_sum_xy(who), amm.get_x_down(who)]
    assert any(amm.get_sum_xy(b)[0] > 0 for b in borrowers[:3]), "no position holds both coins"


def test_x_down_and_y_up_bound_the_position(loaded_market, borrowers):
    """Untouched position (all collateral): y_up <= collateral, and x_down lies between
    the collateral valued at the lowest band bottom and at the highest band top."""
    amm = loaded_market.amm
    borrower = borrowers[0]
    n1, n2 = amm.read_user_tick_numbers(borrower)
    y = amm.get_sum_xy(borrower)[1] * amm.COLLATERAL_PRECISION()
    assert amm.get_y_up(borrower) <= amm.get_sum_xy(borrower)[1]
    x_down = amm.get_x_down(borrower)
    assert y * amm.p_oracle_down(n2) // WAD <= x_down <= y * amm.p_oracle_up(n1) // WAD


def test_can_skip_bands(traded):
    amm = traded.amm
    active = amm.active_band()
    assert not amm.can_skip_bands(active)  # the active band holds coins
    assert amm.can_skip_bands(active + 1)  # nothing between the active band and n_end
    # bands above the active one are empty, but the active one is not
    assert not amm.can_skip_bands(active - 5)


def test_get_p_lies_in_the_active_band_range(traded):
    """get_p() is inside [p_o**k / p_up**(k-1), p_o**k / p_down**(k-1)] of the active band."""
    amm = traded.amm
    n, k = amm.active_band(), amm.AMPLIFICATION() / WAD
    p_o = amm.price_oracle() / WAD
    lo = p_o**k / (amm.p_oracle_up(n) / WAD) ** (k - 1)
    hi = p_o**k / (amm.p_oracle_down(n) / WAD) ** (k - 1)
    p = amm.get_p() / WAD
    assert lo * (1 - 1e-9) <= p <= hi * (1 + 1e-9)


# ---------------------------------------------------------------- fees and the admin role


def test_dynamic_fee_after_an_oracle_move(traded, arbitrageur):
    """No move: dynamic_fee == fee. A move right after a write adds 1 - (p_min/p_max)**k,
    decaying to nothing over ORACLE_FEE_WINDOW seconds."""
    amm = traded.amm
    W = amm.ORACLE_FEE_WINDOW()
    state = amm.oracle_state()
    assert state[0] == amm.price_oracle() and state[2] == boa.env.evm.patch.timestamp
    adapter = traded.llamma_adapter  # LLAMMA's names for the first three
    assert [adapter.old_p_o(), adapter.old_dfee(), adapter.prev_p_o_time()] == state[:3]
    assert amm.dynamic_fee() >= amm.fee()
    boa.env.time_travel(seconds=W)
    assert amm.dynamic_fee() == amm.fee()
    trade(traded, arbitrageur, 0, 10 * WAD)  # write: old_p_o, time
    p_old = amm.price_oracle()
    set_oracle(traded, p_old * 95 // 100)
    k = amm.AMPLIFICATION() / WAD
    move = 1 - 0.95**k
    fees = []
    elapsed = 0
    for dt in (0, W // 4, W // 2, W - 1, W):
        if dt > elapsed:
            boa.env.time_travel(seconds=dt - elapsed)
            elapsed = dt
        expected = max(amm.fee() / WAD, move * (W - dt) / W)
        f = amm.dynamic_fee()
        assert f / WAD == pytest.approx(expected, rel=1e-6, abs=1e-15)
        fees.append((dt, f))
    assert [f for _, f in fees] == sorted([f for _, f in fees], reverse=True)
    assert fees[-1][1] == amm.fee()


@pytest.mark.parametrize("caller", ["borrower", "arbitrageur", "governance"])
def test_admin_functions_reject_others(loaded_market, borrowers, request, caller):
    """The market admin (governance) is not the AMM's admin either: only the Controller is."""
    amm = loaded_market.amm
    who = loaded_market.admin if caller == "governance" else request.getfixturevalue(caller)
    before = amm_state(loaded_market)
    calls = [
        lambda: amm.deposit_range(who, 10**18, 30, 33),
        lambda: amm.withdraw(borrowers[0], WAD),
        lambda: amm.set_rate(0),
        lambda: amm.set_fee(amm.fee()),
        lambda: amm.set_admin(who),
    ]
    with boa.env.prank(who):
        for call in calls:
            with boa.reverts("AMM: only admin"):
                call()
    assert amm_state(loaded_market) == before


# ---------------------------------------------------------------- deposit_range / withdraw


def test_deposit_range_reverts(traded, borrowers):
    amm = traded.amm
    active = amm.active_band()
    who = collateral_in_amm(traded, "depositor", 10**18)
    per_band_min = C["MIN_BAND_Y"] + 1
    cases = [
        ((who, 10**18, active + 5, active + 4), "AMM: bad band range"),
        ((who, 10**18, active + 5, active + 5 + C["MAX_TICKS"]), "AMM: bad band range"),
        ((borrowers[0], 10**18, active + 30, active + 33), "AMM: user already deposited"),
        ((who, 10**18, active, active + 3), "AMM: deposit above active band"),
        ((who, 10**18, active - 3, active + 3), "AMM: deposit above active band"),
        ((who, (per_band_min - 1) * 4, active + 30, active + 33), "AMM: amount too low"),
        ((who, (per_band_min - 1) * 4 + 3, active + 30, active + 33), "AMM: amount too low"),
        ((who, (C["MAX_AMOUNT"] + 1) * 4, active + 30, active + 33), "AMM: band overflow"),
    ]
    before = amm_state(traded)
    with as_amm_admin(traded):
        for args, reason in cases:
            with boa.reverts(reason):
                amm.deposit_range(*args)
            assert amm_state(traded) == before
        # the smallest accepted deposit: MIN_BAND_Y + 1 per band
        amm.deposit_range(who, per_band_min * 4, active + 30, active + 33)
    assert amm.get_sum_xy(who)[1] >= per_band_min * 4 - 4


def test_withdraw(traded, borrowers):
    amm = traded.amm
    borrower = borrowers[0]
    with as_amm_admin(traded):
        for bad in (0, WAD + 1):
            with boa.reverts("AMM: bad fraction"):
                amm.withdraw(borrower, bad)
        with boa.reverts("AMM: no deposit"):
            amm.withdraw(boa.env.generate_address("nobody"), WAD)
    x0, y0 = amm.get_sum_xy(borrower)
    assert x0 > 0 and y0 > 0  # in soft liquidation: both coins
    bal0 = balances(traded, amm.address)
    with as_amm_admin(traded):
        dx, dy = amm.withdraw(borrower, WAD // 2)
    # half the shares, rounded down: about half of each coin, never more
    assert dx <= x0 and dy <= y0
    assert abs(2 * dx - x0) <= 2 * len(read_user_ticks(amm, borrower)) + 2
    assert abs(2 * dy - y0) <= 2 * len(read_user_ticks(amm, borrower)) + 2
    assert balances(traded, amm.address) == bal0  # coins stay for the admin to move
    x1, y1 = amm.get_sum_xy(borrower)
    with as_amm_admin(traded):
        dx2, dy2 = amm.withdraw(borrower, WAD)
    assert dx2 >= x1 and dy2 >= y1
    assert not amm.has_liquidity(borrower)
    assert read_user_ticks(amm, borrower) == []
    assert amm.get_sum_xy(borrower) == [0, 0]


# ---------------------------------------------------------------- swaps: reverts


@pytest.mark.parametrize("i,j", BAD_PAIRS)
def test_wrong_coin_index(traded, arbitrageur, i, j):
    amm = traded.amm
    before = amm_state(traded)
    with boa.env.prank(arbitrageur):
        for call in (
            lambda: amm.exchange(i, j, 10**18, 0),
            lambda: amm.exchange_dy(i, j, 10**15, MAX_UINT),
            lambda: amm.get_dy(i, j, 10**18),
            lambda: amm.get_dxdy(i, j, 10**18),
            lambda: amm.get_dx(i, j, 10**15),
        ):
            with boa.reverts("AMM: wrong coin index"):
                call()
    assert amm_state(traded) == before


def test_zero_amount(traded, arbitrageur):
    amm = traded.amm
    before = amm_state(traded)
    with boa.env.prank(arbitrageur):
        for i in (0, 1):
            with boa.reverts("AMM: zero amount"):
                amm.exchange(i, 1 - i, 0, 0)
            with boa.reverts("AMM: zero amount"):
                amm.exchange_dy(i, 1 - i, 0, MAX_UINT)
    assert amm_state(traded) == before
    assert amm.get_dy(0, 1, 0) == amm.get_dy(1, 0, 0) == 0


@pytest.mark.parametrize("i", [0, 1])
def test_exchange_slippage(traded, arbitrageur, i):
    amm = traded.amm
    amount = 500 * WAD if i == 0 else units(traded, WAD // 10)
    out = amm.get_dy(i, 1 - i, amount)
    assert out > 0
    before, bal = amm_state(traded), balances(traded, arbitrageur)
    with boa.env.prank(arbitrageur):
        with boa.reverts("AMM: slippage"):
            amm.exchange(i, 1 - i, amount, out + 1)
    assert amm_state(traded) == before and balances(traded, arbitrageur) == bal
    with boa.env.prank(arbitrageur):
        assert amm.exchange(i, 1 - i, amount, out)[1] == out


@pytest.mark.parametrize("i", [0, 1])
def test_exchange_dy_slippage(traded, arbitrageur, i):
    amm = traded.amm
    want = 100 * WAD if i == 1 else units(traded, WAD // 20)
    need = amm.get_dx(i, 1 - i, want)
    assert 0 < need < MAX_UINT
    before, bal = amm_state(traded), balances(traded, arbitrageur)
    with boa.env.prank(arbitrageur):
        with boa.reverts("AMM: slippage"):
            amm.exchange_dy(i, 1 - i, want, need - 1)
    assert amm_state(traded) == before and balances(traded, arbitrageur) == bal
    with boa.env.prank(arbitrageur):
        paid, got = amm.exchange_dy(i, 1 - i, want, need)
    assert paid == need and got >= want


@pytest.mark.parametrize("i", [0, 1])
def test_exchange_dy_not_enough_liquidity(traded, arbitrageur, i):
    amm = traded.amm
    ns = range(amm.min_band(), amm.max_band() + 1)
    # all of the output coin in every band, plus one
    total = sum(amm.bands_y(n) for n in ns) if i == 0 else sum(amm.bands_x(n) for n in ns)
    assert amm.get_dx(i, 1 - i, total + 1) == MAX_UINT
    before, bal = amm_state(traded), balances(traded, arbitrageur)
    with boa.env.prank(arbitrageur):
        with boa.reverts("AMM: not enough liquidity"):
            amm.exchange_dy(i, 1 - i, total + 1, MAX_UINT)
    assert amm_state(traded) == before and balances(traded, arbitrageur) == bal


def test_exchange_without_liquidity_is_a_no_op(loaded_market, arbitrageur):
    """No band holds stablecoin yet: selling collateral gets nothing and moves nothing."""
    amm = loaded_market.amm
    assert all(amm.bands_x(n) == 0 for n in range(amm.min_band(), amm.max_band() + 1))
    assert amm.get_dy(1, 0, 10**18) == 0
    assert amm.get_dxdy(1, 0, 10**18) == (0, 0)
    before, bal = amm_state(loaded_market), balances(loaded_market, arbitrageur)
    with boa.env.prank(arbitrageur):
        assert amm.exchange(1, 0, 10**18, 0) == [0, 0]
        with boa.reverts("AMM: slippage"):
            amm.exchange(1, 0, 10**18, 1)
        with boa.reverts("AMM: not enough liquidity"):
            amm.exchange_dy(1, 0, 1, MAX_UINT)
    assert balances(loaded_market, arbitrageur) == bal
    assert amm_state(loaded_market)[:4] == before[:4]


def test_exchange_needs_allowance_and_balance(traded, arbitrageur):
    amm = traded.amm
    pauper = boa.env.generate_address("pauper")  # no coins, no approvals
    before = amm_state(traded)
    # the tokens revert themselves, so the AMM's "transfer in failed" cannot trigger
    with boa.env.prank(pauper):
        with boa.reverts("erc20: insufficient allowance"):
            amm.exchange(0, 1, 10 * WAD, 0)
        with boa.reverts("erc20: insufficient allowance"):
            amm.exchange(1, 0, 10**15, 0)
    assert amm_state(traded) == before


@pytest.mark.parametrize("i", [0, 1])
def test_exchange_for_a_receiver(traded, arbitrageur, i):
    """`_for` receives the output; the caller pays the input."""
    amm = traded.amm
    receiver = boa.env.generate_address("receiver")
    amount = 300 * WAD if i == 0 else units(traded, WAD // 10)
    payer0 = balances(traded, arbitrageur)
    with boa.env.prank(arbitrageur):
        used, out = amm.exchange(i, 1 - i, amount, 0, receiver)
    got = balances(traded, receiver)
    assert got[1 - i] == out and got[i] == 0
    payer1 = balances(traded, arbitrageur)
    assert payer0[i] - payer1[i] == used and payer1[1 - i] == payer0[1 - i]
    want = out // 2
    with boa.env.prank(arbitrageur):
        paid, out2 = amm.exchange_dy(i, 1 - i, want, MAX_UINT, receiver)
    assert balances(traded, receiver)[1 - i] == out + out2 and out2 >= want
    assert balances(traded, arbitrageur)[i] == payer1[i] - paid


# ---------------------------------------------------------------- a zero oracle


def test_zero_oracle_price_stops_views_and_swaps(traded, arbitrageur, borrowers):
    amm = traded.amm
    set_oracle(traded, 0)
    borrower = borrowers[0]
    calls = [
        amm.price_oracle,
        amm.dynamic_fee,
        amm.get_p,
        lambda: amm.get_dy(0, 1, 10**18),
        lambda: amm.get_dy(1, 0, 10**15),
        lambda: amm.get_dxdy(0, 1, 10**18),
        lambda: amm.get_dx(0, 1, 10**15),
        lambda: amm.get_dx(1, 0, 10**18),
        lambda: amm.get_x_down(borrower),
        lambda: amm.get_y_up(borrower),
    ]
    for call in calls:
        with boa.reverts("AMM: oracle price is zero"):
            call()
    before = amm_state(traded)
    with boa.env.prank(arbitrageur):
        for i in (0, 1):
            with boa.reverts("AMM: oracle price is zero"):
                amm.exchange(i, 1 - i, 10**15, 0)
            with boa.reverts("AMM: oracle price is zero"):
                amm.exchange_dy(i, 1 - i, 10**12, MAX_UINT)
    assert amm_state(traded) == before
    # what does not need a price still answers
    assert amm.get_sum_xy(borrower)[1] > 0
    assert amm.p_oracle_up(0) == amm.get_base_price()


def test_oracle_price_above_128_bits_stops_swaps(traded, arbitrageur):
    """The oracle state packs p_o in 128 bits: a swap refuses a larger price."""
    amm = traded.amm
    set_oracle(traded, C["MAX_AMOUNT"] + 1)
    before = amm_state(traded)
    with boa.env.prank(arbitrageur):
        for i in (0, 1):
            with boa.reverts("AMM: oracle price too high"):
                amm.exchange(i, 1 - i, 10**15, 0)
            with boa.reverts("AMM: oracle price too high"):
                amm.exchange_dy(i, 1 - i, 10**12, MAX_UINT)
    assert amm_state(traded) == before


def test_one_coin_bands_beyond_the_oracle_are_valued_without_their_curve(loaded_market, borrowers):
    """A band holding one coin with the oracle beyond it on that coin's side is valued as
    it is: an untouched position below the oracle (collateral only, in bands no swap has
    reached) has x_down = its collateral per band at each band's bottom price and y_up =
    its collateral in the bands (get_sum_xy adds the dust, which is in no band)."""
    amm = loaded_market.amm
    who = borrowers[0]
    n1, n2 = amm.read_user_tick_numbers(who)
    assert amm.price_oracle() >= amm.p_oracle_up(n1) and amm.get_sum_xy(who)[0] == 0
    pos = decode_position(amm.user_position(who))
    assert pos is not None and n1 <= pos.v1 <= n2, "the position must reach virgin bands"
    prec = amm.COLLATERAL_PRECISION()
    ticks = read_user_ticks(amm, who)
    # explicit bands (below V when the loan was opened): the band's value, pro rata
    x_down = sum(
        amm.bands_y(n) * prec * amm.p_oracle_down(n) // WAD * ticks[n - n1] // (amm.total_shares(n) + C["DEAD_SHARES"])
        for n in range(n1, pos.v1)
    )
    # virgin bands: the position's own collateral per band, whole
    x_down += sum(pos.a * prec * amm.p_oracle_down(n) // WAD for n in range(pos.v1, n2 + 1))
    assert amm.get_x_down(who) == x_down
    assert amm.get_y_up(who) == amm.get_sum_xy(who)[1] - pos.dust


def test_a_band_never_outgrows_its_math(traded, arbitrageur, borrowers):
    """At an oracle-move fee near 1 a seller of collateral pays ~1/(1 - fee) times what
    the band's curve takes, and the rest stays in the band: repeated, such gifts once made
    a band so large that its curve overflowed and every swap through it reverted without
    a reason. Now a swap that would take a band past constants.MAX_BAND_SIZE is refused
    with a reason and changes nothing, and after every accepted one the band's views
    still work, at this oracle price and at 100x either side of it."""
    market, amm = traded, traded.amm
    n = amm.active_band()
    trade(market, arbitrageur, 0, 10**15)  # an oracle write now: the next move's fee applies
    set_oracle(market, amm.price_oracle() // 10**6)
    assert amm.dynamic_fee() > WAD - WAD // 10**6
    accepted = refused = 0
    for k in range(20, 40):
        amount = 10**k
        actors.fund_collateral(market, arbitrageur, amount)
        before = amm_state(market)
        try:
            trade(market, arbitrageur, 1, amount)
        except boa.BoaError as error:
            assert "AMM: band overflow" in str(error)
            assert amm_state(market) == before
            refused += 1
            continue
        accepted += 1
        p_o = amm.price_oracle()
        for price in (p_o, p_o * 100, p_o // 100):
            set_oracle(market, price)
            assert amm.get_p() > 0
            for who in borrowers[:2]:
                amm.get_x_down(who)
                amm.get_y_up(who)
            # a swap that adds to a side already past the bound (its term grew with the
            # oracle) is refused with the reason; the one that drains it goes through
            for i in (0, 1):
                try:
                    amm.get_dy(i, 1 - i, WAD)
                except boa.BoaError as error:
                    assert "AMM: band overflow" in str(error)
                    assert i == 1 and price > p_o
        set_oracle(market, p_o)
    assert accepted and refused
