"""LiquidationPolicy alone: `plan`, `split`, `keeper_reward` and `redo_reward` agree with the Python
model (softliq.model.policy) on any input, reverts included, and keep their promises:
tier 1 restores target health, a cut never exceeds the cap, no dust auctions, a cut
tier 2 leaves a valid loan, the keeper reward stays below a minimum-size penalty."""

from __future__ import annotations

import boa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from softliq.model.policy import PolicyModel
from softliq.model.wad_math import ModelRevert
from softliq.params import WAD

# module-scoped fixtures only read state; titanoboa anchors every example anyway
FIXTURE_OK = {"deadline": None, "suppress_health_check": [HealthCheck.function_scoped_fixture]}

AMOUNT = st.integers(0, 10**9 * WAD)
PRICE = st.integers(WAD // 100, 10**6 * WAD)
LD = st.integers(10**16, 3 * 10**17)


@pytest.fixture(scope="module")
def policy(market):
    return market.policy


@pytest.fixture(scope="module")
def model(market) -> PolicyModel:
    return PolicyModel.from_params(market.params)


def chain_or_reason(fn, *args):
    try:
        return tuple(fn(*args))
    except boa.BoaError as e:
        return ("revert", "auction capacity full" in str(e))


def model_or_reason(fn, *args):
    try:
        return tuple(fn(*args))
    except ModelRevert as e:
        return ("revert", "auction capacity full" in str(e))


@settings(max_examples=300, **FIXTURE_OK)
@given(debt=st.integers(1, 10**9 * WAD), x_down=AMOUNT, x=AMOUNT, y=AMOUNT, ld=LD, p_o=PRICE, live=AMOUNT)
def test_plan_matches_the_model(policy, model, debt, x_down, x, y, ld, p_o, live):
    assert chain_or_reason(policy.plan, debt, x_down, x, y, ld, p_o, live) == model_or_reason(
        model.plan, debt, x_down, x, y, ld, p_o, live
    )


@settings(max_examples=300, **FIXTURE_OK)
@given(tier=st.sampled_from([1, 2]), frac=st.integers(1, WAD), debt=st.integers(1, 10**9 * WAD), x_out=AMOUNT, y_out=AMOUNT, ld=LD, p_o=PRICE)
def test_split_matches_the_model(policy, model, tier, frac, debt, x_out, y_out, ld, p_o):
    assert tuple(policy.split(tier, frac, debt, x_out, y_out, ld, p_o)) == model.split(tier, frac, debt, x_out, y_out, ld, p_o)


@settings(max_examples=100, **FIXTURE_OK)
@given(tab=st.integers(0, 10**12 * WAD))
def test_keeper_reward_matches_the_model(policy, model, tab):
    assert policy.keeper_reward(tab) == model.keeper_reward(tab)


@settings(max_examples=300, **FIXTURE_OK)
@given(debt=st.integers(10**3 * WAD, 10**6 * WAD), ratio=st.integers(101, 200), share_x=st.integers(0, 100), ld=LD, p_o=PRICE)
def test_tier1_restores_target_health(policy, model, debt, ratio, share_x, ld, p_o):
    """A solvent position (small enough that the cap does not cut it): after taking
    share f, the rest (1 - f) of x_down, discounted, covers the remaining debt
    (1 + target_health) times."""
    x_down = debt * ratio // 100 * WAD // (WAD - ld)  # health (ratio - 100)% before the penalty cushion
    x = x_down * share_x // 100
    y = (x_down - x) * WAD // p_o
    tier, frac = policy.plan(debt, x_down, x, y, ld, p_o, 0)
    if tier != 1:
        return
    value = x + y * model.tier1_value(p_o, ld) // WAD
    moved = frac * value // WAD
    rest_debt = debt - min(debt, moved)
    rest_x_down = x_down * (WAD - frac) // WAD
    assert rest_debt >= model.min_debt
    assert rest_x_down * (WAD - ld) // WAD >= rest_debt * (WAD + model.target_health) // WAD


@settings(max_examples=300, **FIXTURE_OK)
@given(debt=st.integers(1000 * WAD, 10**8 * WAD), x=AMOUNT, y=AMOUNT, ld=LD, p_o=PRICE, room=st.integers(0, 10**8 * WAD))
def test_cut_fits_the_room_and_leaves_a_valid_loan(policy, model, debt, x, y, ld, p_o, room):
    live = model.max_in_auction - min(room, model.max_in_auction)
    room = model.max_in_auction - live
    result = chain_or_reason(policy.plan, debt, 0, x, y, ld, p_o, live)  # x_down 0: tier 2
    if result[0] == "revert":
        assert result[1] and room < model.min_debt or (debt - min(debt, model.min_debt)) * WAD // debt == 0 or room < 4
        return
    tier, frac = result
    assert tier == 2
    full_tab = (debt - min(debt, x)) * (WAD + model.penalty_tier2) // WAD
    if frac < WAD:
        assert room >= model.min_debt
        assert full_tab * frac // WAD <= room
        assert debt - debt * frac // WAD >= model.min_debt
    else:
        assert full_tab <= room


def test_reward_below_min_size_penalty_at_defaults(policy, model):
    largest_tab = model.min_debt * (WAD + model.penalty_tier2) // WAD
    assert policy.keeper_reward(largest_tab) < model.penalty_tier1 * model.min_debt // WAD


def test_no_keeper_reward_for_a_dust_tab(policy, model):
    """Maker's clip pays nothing below chost; ours nothing below min_debt: a dust tab's
    penalty cannot pay a flat tip."""
    assert policy.keeper_reward(model.min_debt - 1) == 0
    assert policy.keeper_reward(model.min_debt) == model.tip + model.min_debt * model.chip // WAD > 0


@settings(max_examples=200, **FIXTURE_OK)
@given(tab=st.integers(0, 10**12 * WAD), lot_value=st.one_of(st.integers(0, 10**12 * WAD), st.integers(2**255, 2**256 - 1)))
def test_redo_reward_matches_the_model(policy, model, tab, lot_value):
    assert policy.redo_reward(tab, lot_value) == model.redo_reward(tab, lot_value)


@pytest.mark.parametrize("tab", [100 * WAD, 100 * WAD + 1, 6335 * WAD, 6335 * WAD + 1, 10**9 * WAD + 7])
def test_redo_reward_only_while_the_lot_covers_half_the_tab(policy, model, tab):
    """redo_reward pays the tip iff 2 * lot_value >= tab (odd tabs included),
    nothing for a crumb (the drained auction of issue 12), and always less than the lot
    is worth when it pays (the reward stays below half of any tab >= min_debt)."""
    half = tab - tab // 2  # the smallest lot_value with 2 * lot_value >= tab
    assert policy.redo_reward(tab, half) == model.tip > 0
    assert policy.redo_reward(tab, half) < half
    assert policy.redo_reward(tab, half - 1) == 0
    assert policy.redo_reward(tab, 1) == policy.redo_reward(tab, 0) == 0
    assert policy.redo_reward(tab, 2**256 - 1) == model.tip


def test_redo_reward_keeps_the_dust_tab_rule(policy, model):
    """Below min_debt a redo pays nothing even when the lot is worth far more."""
    assert policy.redo_reward(model.min_debt - 1, 10**9 * WAD) == 0


@settings(max_examples=100, **FIXTURE_OK)
@given(debt=st.integers(10**3 * WAD, 10**6 * WAD), ratio=st.integers(101, 200), share_x=st.integers(0, 90),
       ld=LD, p_o=PRICE, floor_pct=st.integers(1, 100))
def test_tier1_lot_is_worth_at_least_min_debt(market, policy, model, debt, ratio, share_x, ld, p_o, floor_pct):
    """With min_debt anywhere up to the position's collateral value, a tier-1 plan sends
    collateral worth at least min_debt (at the tier-1 value) to auction, so the keeper's
    reward on its tab is paid and stays below the tab's penalty; the chain and the model
    agree on the plan."""
    x_down = debt * ratio // 100 * WAD // (WAD - ld)
    x = x_down * share_x // 100
    y = (x_down - x) * WAD // p_o
    yv = y * model.tier1_value(p_o, ld) // WAD
    floor = max(yv * floor_pct // 100, 1)
    m = PolicyModel(model.penalty_tier1, model.penalty_tier2, model.target_health, floor, 0, model.chip, 2**200)
    with boa.env.prank(market.admin):
        policy.set_liquidation_params(m.penalty_tier1, m.penalty_tier2, m.target_health, floor, 0, m.chip, 2**200)
    tier, frac = policy.plan(debt, x_down, x, y, ld, p_o, 0)
    assert (tier, frac) == m.plan(debt, x_down, x, y, ld, p_o, 0)
    if tier != 1 or yv <= floor:
        return
    lot = frac * yv // WAD  # what split moves to auction, before the shares' rounding
    assert lot >= floor
    tab = lot + lot * m.penalty_tier1 // WAD
    assert 0 < m.keeper_reward(tab) < lot * m.penalty_tier1 // WAD
