"""The per-band minimum debt: a loan over N bands carries at least
max(min_debt, N * min_debt_per_band) (LiquidationPolicy.min_debt_for), because its
liquidation costs gas per band. The setter's bounds and caller, the Controller's checks
at create_loan and at a partial repay (both sides of the bound, state unchanged on a
revert), and the claim the defaults make: at GAS_PRICE_REF a minimum-size loan of any
width still pays the keeper who liquidates it whole."""

from __future__ import annotations

import boa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from softliq import MarketParams, deploy_boa
from softliq.actors import collateral_units, fund_collateral, open_loan
from softliq.gas import measure_call
from softliq.params import GAS_PRICE_REF, LIQUIDATION_GAS_PER_BAND, SMALL_LOANS, WAD
from softliq.params import MAX_MIN_DEBT_PER_BAND as MAX_PER_BAND

from .helpers import act, one_event, snapshot

PER_BAND = 40 * WAD
"""Binds above N = 2 on the suites' market (min_debt 100): N = 50 needs 2,000."""


def set_per_band(market, admin, amount: int) -> None:
    act(admin, market.policy, "set_min_debt_per_band", amount)


def policy_state(market) -> tuple[int, int, int]:
    p = market.policy
    return p.min_debt_per_band(), p.min_debt(), p.min_debt_for(50)


def test_setter_logs_and_is_read_by_min_debt_for(market, admin):
    p = market.policy
    assert p.min_debt_per_band() == 0  # SMALL_LOANS turns it off
    _, logs = act(admin, p, "set_min_debt_per_band", PER_BAND)
    assert one_event(logs, "SetMinDebtPerBand").min_debt_per_band == PER_BAND
    assert p.min_debt_per_band() == PER_BAND
    assert p.min_debt_for(2) == p.min_debt() == 100 * WAD  # 80 < 100: min_debt binds
    assert p.min_debt_for(3) == 120 * WAD
    assert p.min_debt_for(50) == 2000 * WAD


@settings(max_examples=60, deadline=None)
@given(per_band=st.integers(0, MAX_PER_BAND), n=st.integers(0, 50))
def test_min_debt_for_is_the_larger_of_the_two(market, admin, per_band, n):
    with boa.env.anchor():
        set_per_band(market, admin, per_band)
        assert market.policy.min_debt_for(n) == max(market.policy.min_debt(), n * per_band)


def test_setter_bound_at_and_above(market, admin):
    set_per_band(market, admin, MAX_PER_BAND)
    assert market.policy.min_debt_for(50) == 10**9 * WAD - 10**9 * WAD % 50
    before = policy_state(market)
    with boa.reverts("min debt per band out of range"):
        set_per_band(market, admin, MAX_PER_BAND + 1)
    assert policy_state(market) == before


def test_setter_is_admin_only(market, borrower):
    before = policy_state(market)
    with boa.reverts():
        act(borrower, market.policy, "set_min_debt_per_band", PER_BAND)
    assert policy_state(market) == before


@pytest.mark.parametrize("n_bands", [4, 10, 50])
def test_create_loan_at_and_below_the_width_minimum(market, admin, borrower, n_bands):
    set_per_band(market, admin, PER_BAND)
    least = max(market.policy.min_debt(), n_bands * PER_BAND)
    collateral = collateral_units(market, 10 * WAD)
    assert market.controller.max_borrowable(collateral, n_bands) > least
    fund_collateral(market, borrower, collateral)
    before = snapshot(market, [borrower])
    with boa.reverts("debt below minimum"):
        act(borrower, market.controller, "create_loan", collateral, least - 1, n_bands)
    assert snapshot(market, [borrower]) == before
    act(borrower, market.controller, "create_loan", collateral, least, n_bands)
    assert market.controller.debt(borrower) == least


def test_partial_repay_may_not_go_below_the_width_minimum(market, admin, borrower):
    n_bands = 50
    set_per_band(market, admin, PER_BAND)
    collateral = collateral_units(market, 10 * WAD)
    debt = market.controller.max_borrowable(collateral, n_bands) // 2
    open_loan(market, borrower, collateral, debt, n_bands)
    least = n_bands * PER_BAND
    assert debt > least + WAD
    before = snapshot(market, [borrower])
    with boa.reverts("debt below minimum"):
        act(borrower, market.controller, "repay", debt - least + 1)
    assert snapshot(market, [borrower]) == before
    # a narrower loan of the same debt could go lower: the bound is the loan's own width
    assert max(market.policy.min_debt(), 4 * PER_BAND) < least
    act(borrower, market.controller, "repay", debt - least)
    assert market.controller.debt(borrower) == least


def test_loans_opened_before_a_rise_are_not_touched(market, admin, borrower):
    """Raising the per-band minimum binds new loans and partial repays only: an open
    loan below it keeps its debt and may still be repaid whole."""
    collateral = collateral_units(market, 10 * WAD)
    open_loan(market, borrower, collateral, 500 * WAD, 50)
    set_per_band(market, admin, PER_BAND)
    assert market.controller.debt(borrower) == 500 * WAD
    act(borrower, market.controller, "repay", 2**256 - 1)
    assert not market.controller.loan_exists(borrower)


# ---------------------------------------------------------------- the defaults' promise


@pytest.fixture(scope="module")
def default_market(admin):
    """A market with every default (min_debt 3,000, min_debt_per_band 150, tip 25, chip 1%)."""
    return deploy_boa(MarketParams(), admin=admin)


@pytest.mark.parametrize("n_bands", [4, 20, 35, 50])
def test_a_minimum_loan_of_any_width_pays_its_liquidation_at_the_design_gas_price(default_market, admin, borrower, liquidator, n_bands):
    """The reason for the rule: a loan of exactly min_debt_for(N), liquidated whole after
    the oracle fell below its bands, pays its keeper (tip + chip * tab) at least the gas
    the liquidation costs at GAS_PRICE_REF with collateral at the market's price. Fails if
    liquidations get costlier per band than LIQUIDATION_GAS_PER_BAND allows for, or if
    the minimum stops growing with N."""
    m = default_market
    least = m.policy.min_debt_for(n_bands)
    assert least == max(m.params.min_debt, n_bands * m.params.min_debt_per_band)
    collateral = collateral_units(m, least * 2 * WAD // m.params.price)
    _, n2 = open_loan(m, borrower, collateral, least, n_bands)
    act(admin, m.oracle, "set_price", m.amm.p_oracle_down(n2) * 95 // 100)
    paid_before = m.stablecoin.balanceOf(liquidator)
    _, gas = measure_call(m.controller.liquidate, borrower, sender=liquidator)
    assert one_event(m.controller.get_logs(), "Liquidate").tier == 2
    reward = m.stablecoin.balanceOf(liquidator) - paid_before
    cost = gas.total * GAS_PRICE_REF * m.params.price // WAD
    assert reward >= cost, f"N = {n_bands}: reward {reward / WAD:.2f} below gas {gas.total} worth {cost / WAD:.2f}"


def test_the_per_band_gas_bound_is_what_the_rule_assumes():
    """min_debt_per_band's default follows from LIQUIDATION_GAS_PER_BAND: at the design
    gas price the chip on one band's share of debt pays one band's gas."""
    p = MarketParams()
    per_band_cost = LIQUIDATION_GAS_PER_BAND * GAS_PRICE_REF * p.price // WAD
    assert p.min_debt_per_band * p.chip * (WAD + p.penalty_tier2) // WAD // WAD >= per_band_cost
    assert SMALL_LOANS["min_debt_per_band"] == 0
