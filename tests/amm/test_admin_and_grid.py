"""External functions of contracts/AMM.vy on a market without loans: getters, the band
grid, coins, the admin setters (fee, rate, admin) and deposit_range's bookkeeping.

The AMM's admin is the Controller; admin-only paths are driven by pranking as the
Controller's address (that is who calls them in production).
"""

import boa
import pytest

from .helpers import C, MAX_UINT, WAD, as_amm_admin, collateral_in_amm, units
from softliq.positions import Position, decode_position, read_user_ticks


def test_getters_describe_the_deployment(market):
    amm, p = market.amm, market.params
    assert amm.BORROWED_TOKEN() == market.stablecoin.address
    assert amm.COLLATERAL_TOKEN() == market.collateral.address
    assert amm.COLLATERAL_PRECISION() == 10 ** (18 - market.collateral.decimals())
    assert amm.A() == p.A
    assert amm.AMPLIFICATION() == p.amplification
    assert amm.BASE_PRICE() == p.price
    assert amm.ORACLE() == market.price_source.address
    assert amm.MAX_BASE_FEE() == min(C["MAX_FEE"], 4 * WAD // p.A)
    assert amm.admin() == market.controller.address
    assert amm.fee() == p.fee
    assert amm.rate() == p.rate
    assert amm.price_oracle() == market.price_source.price()
    assert amm.oracle_state()[:2] == [amm.price_oracle(), 0]
    assert amm.ORACLE_FEE_WINDOW() == p.oracle_fee_window
    assert amm.active_band() == 0
    assert amm.max_band() < amm.min_band()  # no band may hold liquidity yet
    assert amm.get_rate_mul() == WAD


def test_coins(market):
    amm = market.amm
    assert amm.coins(0) == market.stablecoin.address
    assert amm.coins(1) == market.collateral.address
    for i in (2, 3, MAX_UINT):
        with boa.reverts("AMM: coin index out of range"):
            amm.coins(i)


def test_band_grid(market):
    """p_oracle_up(n) = base_price * ((A-1)/A)**n, p_oracle_down(n) = p_oracle_up(n+1)."""
    amm = market.amm
    a = amm.A()
    assert amm.p_oracle_up(0) == amm.get_base_price() == amm.BASE_PRICE() * amm.get_rate_mul() // WAD
    for n in (-300, -7, -1, 0, 1, 2, 17, 300):
        up, down = amm.p_oracle_up(n), amm.p_oracle_down(n)
        assert down == amm.p_oracle_up(n + 1)
        assert down < up
        # each step is the factor (A-1)/A, up to the rounding of exp (a few wei per 1e18)
        assert abs(down * a - up * (a - 1)) <= up * a // 10**15
        expected = amm.BASE_PRICE() * ((a - 1) / a) ** n
        assert abs(up - expected) <= expected * 1e-12


def test_get_p_of_an_empty_band_is_mid_range(market):
    amm = market.amm
    n, k = amm.active_band(), amm.AMPLIFICATION() / WAD
    assert amm.bands_x(n) == amm.bands_y(n) == 0
    p_o = amm.price_oracle() / WAD
    lo = p_o**k / (amm.p_oracle_up(n) / WAD) ** (k - 1)
    hi = p_o**k / (amm.p_oracle_down(n) / WAD) ** (k - 1)
    assert amm.get_p() / WAD == pytest.approx((lo * hi) ** 0.5, rel=1e-9)


# ---------------------------------------------------------------- fee, rate, admin


def test_set_fee_bounds(market):
    amm = market.amm
    lo, hi = C["MIN_FEE"], amm.MAX_BASE_FEE()
    assert hi == min(C["MAX_FEE"], 4 * WAD // amm.A())
    before = amm.fee()
    with as_amm_admin(market):
        for bad in (0, lo - 1, hi + 1, MAX_UINT):
            with boa.reverts("AMM: fee out of range"):
                amm.set_fee(bad)
            assert amm.fee() == before
        amm.set_fee(lo)
        assert amm.fee() == lo
        amm.set_fee(hi)
        assert amm.fee() == hi
    # through the Controller too: the AMM's reason reaches the market admin
    with boa.env.prank(market.admin):
        with boa.reverts("AMM: fee out of range"):
            market.controller.set_amm_fee(hi + 1)
        market.controller.set_amm_fee(before)
    assert amm.fee() == before


def test_set_rate_bounds_and_compounding(market):
    amm = market.amm
    with as_amm_admin(market):
        with boa.reverts("AMM: rate too high"):
            amm.set_rate(C["MAX_RATE"] + 1)
        assert amm.rate() == 0
        assert amm.set_rate(C["MAX_RATE"]) == WAD
    assert amm.rate() == C["MAX_RATE"]
    dt = 86400
    boa.env.time_travel(seconds=dt)
    mul = amm.get_rate_mul()
    assert mul == WAD * (WAD + C["MAX_RATE"] * dt) // WAD
    assert amm.get_base_price() == amm.BASE_PRICE() * mul // WAD == amm.p_oracle_up(0)
    with as_amm_admin(market):
        assert amm.set_rate(C["MAX_RATE"] // 2) == mul  # compounds what accrued so far
    boa.env.time_travel(seconds=dt)
    assert amm.get_rate_mul() == mul * (WAD + C["MAX_RATE"] // 2 * dt) // WAD


def test_rate_multiplier_overflow(market):
    """Compounding MAX_RATE yearly, the multiplier outgrows its 128-bit slot after some
    decades; set_rate then refuses instead of corrupting the packed state."""
    amm = market.amm
    year = 365 * 86400
    with as_amm_admin(market):
        amm.set_rate(C["MAX_RATE"])
    for _ in range(200):
        boa.env.time_travel(seconds=year)
        mul = amm.get_rate_mul()
        if mul > C["MAX_AMOUNT"]:
            break
        with as_amm_admin(market):
            assert amm.set_rate(C["MAX_RATE"]) == mul
    else:
        pytest.fail("rate multiplier never reached 2**128")
    rate_before = amm.rate()
    with as_amm_admin(market):
        with boa.reverts("AMM: rate multiplier overflow"):
            amm.set_rate(C["MAX_RATE"])
    assert amm.rate() == rate_before and amm.get_rate_mul() == mul


def test_set_admin(market, borrower):
    amm = market.amm
    controller = market.controller.address
    with as_amm_admin(market):
        with boa.reverts("AMM: zero admin"):
            amm.set_admin("0x" + "00" * 20)
        amm.set_admin(borrower)
    assert amm.admin() == borrower
    assert market.stablecoin.allowance(amm.address, borrower) == MAX_UINT
    assert market.collateral.allowance(amm.address, borrower) == MAX_UINT
    with as_amm_admin(market):  # the Controller is no longer admin
        with boa.reverts("AMM: only admin"):
            amm.set_fee(amm.fee())
    with boa.env.prank(borrower):
        amm.set_admin(controller)
    assert amm.admin() == controller



# ---------------------------------------------------------------- deposit_range


def test_deposit_range_books_shares(market):
    amm = market.amm
    amount = units(market, 7 * WAD) + 3  # 3 units of dust: the rest of amount // 4
    who = collateral_in_amm(market, "depositor", amount)
    with as_amm_admin(market):
        amm.deposit_range(who, amount, 20, 23)
    assert amm.read_user_tick_numbers(who) == [20, 23]
    assert amm.has_liquidity(who)
    per_band = amount // 4
    assert [amm.bands_y(n) for n in range(20, 24)] == [per_band] * 4
    assert [amm.total_shares(n) for n in range(20, 24)] == read_user_ticks(amm, who) == [C["DEAD_SHARES"] * per_band] * 4
    assert decode_position(amm.user_position(who)) == Position(a=per_band, n1=20, n2=23, v1=20, dust=3)
    # no swap reached the bands: the position holds exactly what it deposited, dust included
    assert amm.get_sum_xy(who) == [0, amount]
    assert (amm.min_band(), amm.max_band()) == (20, 23)
    assert amm.active_band() == 0  # deposit below the (empty) active band leaves it


def test_deposit_above_empty_active_band_moves_it(market):
    amm = market.amm
    who = collateral_in_amm(market, "depositor", 10**18)
    with as_amm_admin(market):
        amm.deposit_range(who, 10**18, -3, 0)
    assert amm.active_band() == -4
    assert (amm.min_band(), amm.max_band()) == (-3, 0)


