"""Smoke test of bench/gas.py: every scenario runs (without the single-borrower repeat;
a few seconds) and yields every required key, positive, so the benchmark cannot
silently rot. The scenarios assert themselves that each row means what it says
(bands crossed, where a changed loan lands, a liquidation's tier from its event, an
auction live after a partial take and gone after a full one)."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench" / "gas.py"


def _load_bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("softliq_bench_gas", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    return _load_bench()


@pytest.fixture(scope="module")
def gas(bench: ModuleType, market) -> dict[str, int]:  # noqa: ANN001 (conftest's Market)
    """Every row on the shared default market (the scenarios run in snapshots and
    leave it untouched; its fee differs from the benchmark's, which gas barely sees)."""
    return bench.run(bench.Config(compare_single_borrower=False), market)


def test_every_required_key_is_measured(bench: ModuleType, gas: dict[str, int]) -> None:
    assert set(bench.REQUIRED_KEYS) == set(bench.LLAMMA)
    for key in bench.REQUIRED_KEYS:
        assert isinstance(gas[key], int) and gas[key] > 21_000, key


def test_exchange_keys_cover_both_directions(bench: ModuleType, gas: dict[str, int]) -> None:
    for key in bench.CROSSINGS.values():
        both = [gas[f"{key}_{d}"] for d in bench.DIRECTIONS.values()]
        assert all(g > 21_000 for g in both), key
        assert gas[key] == max(both), key


def test_more_bands_cost_more(bench: ModuleType, gas: dict[str, int]) -> None:
    exchanges = [gas[key] for key in bench.CROSSINGS.values()]
    assert exchanges == sorted(exchanges)
    assert gas["create_loan_n10_first"] > gas["create_loan_n4_first"]
    assert gas["create_loan_n4_first"] > gas["create_loan_n4_second"]


def test_report_and_json(bench: ModuleType, gas: dict[str, int]) -> None:
    text = bench.table(gas)
    data = json.loads(json.dumps(bench.results_json(gas)))
    for key in bench.REQUIRED_KEYS:
        assert key in text
        assert data[key] == gas[key]
        assert data["llamma_reference"]["gas"][key] == bench.LLAMMA[key]
        assert data["llamma_reference"]["ratio"][key] == pytest.approx(gas[key] / bench.LLAMMA[key], abs=1e-4)


def test_liquidation_keys_are_measured(bench: ModuleType, gas: dict[str, int]) -> None:
    assert set(bench.LIQUIDATION_KEYS) == {
        "liquidate_tier1", "liquidate_tier2", "liquidate_tier1_n50", "liquidate_tier2_n50", "liquidate_first_auction",
        "liquidate_many_10_per_position", "take_partial", "take_full", "redo",
    }
    for key in bench.LIQUIDATION_KEYS + bench.LIQUIDATION_EXTRAS:
        assert isinstance(gas[key], int) and gas[key] > 21_000, key
    assert gas["take_full"] > gas["take_partial"]  # it also ends the auction and returns the surplus
    assert gas["liquidate_tier2_n50"] > gas["liquidate_tier2"] > gas["liquidate_tier2_n4"]  # work per band
    # a batch of positions sharing bands costs less per position than one liquidation
    assert gas["liquidate_many_10_per_position"] < gas["liquidate_tier2"]


def test_liquidation_report_and_json(bench: ModuleType, gas: dict[str, int]) -> None:
    text = bench.table(gas)
    data = json.loads(json.dumps(bench.results_json(gas)))
    bars = data["liquidation_bars"]
    assert bars["aave_v3_liquidation_call"] == list(bench.AAVE_LIQUIDATION_CALL)
    for key in bench.LIQUIDATION_KEYS + bench.LIQUIDATION_EXTRAS:
        assert key in text
        assert data[key] == gas[key]
    for key in bench.LIQUIDATION_BARS:
        bar = bench.liquidation_bar(key, gas)
        if bar is None:
            assert key not in bars["bar"] and key not in bars["pass"]
        else:
            assert bars["bar"][key] == bar
            assert bars["pass"][key] == (gas[key] <= bar)
    assert bars["bar"]["take_partial"] == bars["bar"]["take_full"] == 150_000
    assert (bars["bar"]["liquidate_tier1"], bars["bar"]["liquidate_tier2"]) == (300_000, 280_000)
    assert bars["bar"]["liquidate_tier1_n50"] == bars["bar"]["liquidate_tier2_n50"] == 450_000
    assert bars["bar"]["liquidate_many_10_per_position"] == 150_000
    assert bars["bar"]["liquidate_first_auction"] == gas["liquidate_tier2"] + bench.FIRST_AUCTION_EXTRA


def test_liquidation_gas_per_band_stays_within_the_minimum_debt_rule(gas: dict[str, int]) -> None:
    """min_debt_per_band's default assumes a liquidation costs at most
    LIQUIDATION_GAS_PER_BAND more per band (softliq.params): the N = 10 to N = 50 slope of
    both tiers, measured now, must stay below it, or wide minimum-size loans stop paying
    their keepers at the design gas price."""
    from softliq.params import LIQUIDATION_GAS_PER_BAND

    for tier in (1, 2):
        slope = (gas[f"liquidate_tier{tier}_n50"] - gas[f"liquidate_tier{tier}"]) // 40
        assert 0 < slope <= LIQUIDATION_GAS_PER_BAND, f"tier {tier}: {slope} gas a band"
    # the costliest slope: from the N = 10 row to a 50-band position no band of which is virgin
    slope = (gas["liquidate_tier2_n50_walked"] - gas["liquidate_tier2"]) // 40
    assert 0 < slope <= LIQUIDATION_GAS_PER_BAND, f"walked: {slope} gas a band"


def test_the_liquidators_gas_estimate_bounds_every_single_liquidation(gas: dict[str, int]) -> None:
    """softliq.params.liquidation_gas (what a profit-only liquidator budgets) is at least
    what every single liquidation measured now costs at N = 4, 10 and 50, and not more
    than 1.5 times the costliest of them at that width (an estimate that loose would leave
    paying loans unliquidated). The costliest at N = 50 is the position every band of
    which a swap reached: bands no swap reached cost little (docs/design.md, "Virgin
    bands"), so the tiers of the other rows differ by up to 2x and bound nothing alone."""
    from softliq.params import liquidation_gas

    rows = {"liquidate_tier2_n4": 4, "liquidate_tier1": 10, "liquidate_tier2": 10,
            "liquidate_tier1_n50": 50, "liquidate_tier2_n50": 50, "liquidate_tier2_n50_walked": 50}
    for n_bands in sorted(set(rows.values())):
        measured = [gas[key] for key, n in rows.items() if n == n_bands]
        estimate = liquidation_gas(n_bands)
        assert max(measured) <= estimate <= max(measured) * 3 // 2, f"N = {n_bands}: {measured} vs {estimate}"
