"""Parameters people can write: human units, the shipped examples, and bounds checked
before any chain is touched that match the contracts' own checks (each edge is deployed
on pyrevm: just inside deploys, just outside reverts)."""

from __future__ import annotations

from pathlib import Path

import pytest

from softliq.econ import LLAMMA_LIKE
from softliq.params import WAD, MarketParams, ParamsError, check_bounds, load_params, params_from_dict

ROOT = Path(__file__).resolve().parents[2]


def test_shipped_examples() -> None:
    assert load_params(ROOT / "params" / "defaults.toml") == MarketParams()
    assert load_params(ROOT / "params" / "llamma.toml") == LLAMMA_LIKE
    conservative = load_params(ROOT / "params" / "conservative.toml")
    assert conservative.liquidation_discount == 10 * WAD // 100 and conservative.ema_time == 1800


@pytest.mark.parametrize(
    "values, field, raw",
    [
        ({"fee": "0.6%"}, "fee", 6 * 10**15),
        ({"fee": 0.006}, "fee", 6 * 10**15),
        ({"fee": 6 * 10**15}, "fee", 6 * 10**15),  # raw WAD, as older files
        ({"price": 3000}, "price", 3000 * WAD),
        ({"price": "2500.5"}, "price", 25005 * WAD // 10),
        ({"oracle_fee_window": "2m"}, "oracle_fee_window", 120),
        ({"auction_tail": "1d"}, "auction_tail", 86400),
        ({"amplification": 3}, "amplification", 3 * WAD),
        ({"auction_curve": "exponential", "auction_curve_b": 0}, "auction_curve", 2),
        ({"auction_curve": "linear", "auction_curve_a": "1h", "auction_curve_b": 0}, "auction_curve_a", 3600),
        ({"debt_ceiling": 1_000_000}, "debt_ceiling", 10**6 * WAD),
    ],
)
def test_human_units(values: dict, field: str, raw: int) -> None:
    assert getattr(params_from_dict(values), field) == raw


def test_rate_as_apy() -> None:
    rate = params_from_dict({"rate": "2% APY"}).rate
    assert (1 + rate / WAD) ** (365 * 86400) == pytest.approx(1.02, rel=1e-6)


@pytest.mark.parametrize(
    "values, message",
    [
        ({"fee": "50%"}, "fee = 500000000000000000 must be in [1e-12, min(10%, 4/A)"),
        ({"fee": "abc"}, "fee must be a fraction such as 0.006"),
        ({"A": 5}, "A = 5 must be in [10, 10000]"),
        ({"A": 100.5}, "A must be an integer"),
        ({"oracle_fee_window": "1h"}, "oracle_fee_window = 3600 must be in [12s, 600s]"),
        ({"oracle_fee_window": "1.5s"}, "oracle_fee_window must be a whole"),
        ({"price": 0}, "price = 0 must be > 0"),
        ({"penalty_tier1": "7%"}, "penalty_tier1 = 70000000000000000 must be in (0, liquidation_discount)"),
        ({"fees": 1}, "unknown parameter(s) fees"),
        ({"auction_curve": "cubic"}, "auction_curve must be one of linear, stairstep, exponential"),
        ({"rate": "2% APR"}, 'rate must be like "2% APY"'),
        ({"fee": "0.0000000000000000001"}, "more than 18 decimals"),
    ],
)
def test_bad_values_name_the_field(values: dict, message: str) -> None:
    with pytest.raises(ParamsError) as raised:
        params_from_dict(values, "my.toml")
    assert str(raised.value).startswith("my.toml: ") and message in str(raised.value)


ROOMY = {"tip": 0, "liquidation_discount": 2 * 10**17, "loan_discount": 25 * 10**16, "penalty_tier1": 15 * 10**16,
         "penalty_tier2": 16 * 10**16}
"""Penalties wide enough for the largest keeper reward."""

# (field, just inside, just outside): each pair straddles one bound the contracts check.
_D = MarketParams()
_TIP_EDGE = _D.penalty_tier1 * _D.min_debt // WAD - _D.chip * (_D.min_debt * (WAD + _D.penalty_tier2) // WAD) // WAD
"""The first tip the reward bound refuses with the default min_debt, chip and penalties."""
EDGES = [
    ("A", {"A": 10}, {"A": 9}),
    ("amplification", {"amplification": 11 * 10**17}, {"amplification": 11 * 10**17 - 1}),
    ("fee", {"fee": 4 * 10**16}, {"fee": 4 * 10**16 + 1}),  # 4/A at A = 100
    ("fee", {"fee": 10**6}, {"fee": 10**6 - 1}),
    ("oracle_fee_window", {"oracle_fee_window": 600}, {"oracle_fee_window": 601}),
    ("away_fee", {"away_fee": 5 * 10**17}, {"away_fee": 5 * 10**17 + 1}),
    ("swing_time", {"swing_time": 60}, {"swing_time": 59}),
    ("liquidation_discount", {"liquidation_discount": 10**16, "penalty_tier1": 5 * 10**15, "tip": 0, "chip": 0},
     {"liquidation_discount": 10**16 - 1, "penalty_tier1": 5 * 10**15, "tip": 0, "chip": 0}),
    ("loan_discount", {"loan_discount": 61 * 10**15}, {"loan_discount": 61 * 10**15 - 1}),
    ("loan_discount", {"loan_discount": 5 * 10**17}, {"loan_discount": 5 * 10**17 + 1}),
    ("rate", {"rate": 43959106799}, {"rate": 43959106800}),
    ("penalty_tier2", {"penalty_tier2": 3 * 10**17, "tip": 0}, {"penalty_tier2": 3 * 10**17 + 1, "tip": 0}),
    ("target_health", {"target_health": WAD // 2}, {"target_health": WAD // 2 + 1}),
    ("chip", {"chip": 10**17, **ROOMY}, {"chip": 10**17 + 1, **ROOMY}),
    ("max_in_auction", {"max_in_auction": _D.min_debt}, {"max_in_auction": _D.min_debt - 1}),
    ("tip", {"tip": _TIP_EDGE - 1}, {"tip": _TIP_EDGE}),
    ("auction_buf", {"auction_buf": 2 * WAD}, {"auction_buf": 2 * WAD + 1}),
    ("auction_tail", {"auction_tail": 60}, {"auction_tail": 59}),
    ("auction_cusp", {"auction_cusp": 99 * WAD // 100}, {"auction_cusp": 99 * WAD // 100 + 1}),
    ("auction_curve_a", {"auction_curve_a": WAD}, {"auction_curve_a": WAD + 1}),
    ("auction_curve_b", {"auction_curve": 2, "auction_curve_b": 0}, {"auction_curve": 2, "auction_curve_b": 1}),
    ("ema_time", {"ema_time": 60}, {"ema_time": 59}),
    ("collateral_decimals", {"collateral_decimals": 18}, {"collateral_decimals": 19}),
]


@pytest.fixture(scope="module")
def deploys():
    """deploys(params) -> None if the contracts accept `params`, else the revert reason."""
    from softliq.revm import RevmEnv, RevmRevert, deploy_revm

    env = RevmEnv()

    def deploy(params: MarketParams) -> str | None:
        try:
            deploy_revm(env, params)
        except RevmRevert as error:
            return error.reason
        return None

    return deploy


@pytest.mark.parametrize("field, inside, outside", EDGES, ids=[f"{e[0]}-{i}" for i, e in enumerate(EDGES)])
def test_bounds_match_the_contracts(deploys, field: str, inside: dict, outside: dict) -> None:
    accepted, rejected = MarketParams().with_(**inside), MarketParams().with_(**outside)
    assert check_bounds(accepted) == accepted
    assert deploys(accepted) is None
    with pytest.raises(ParamsError, match=f"^{field} = "):
        check_bounds(rejected)
    assert deploys(rejected) is not None
