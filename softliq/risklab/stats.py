"""summary.json's statistics from the per-path outcomes of a run: bad debt (as % of the
borrowers' starting debt), borrower loss by band-count bucket, liquidations by tier,
auction clearing prices against the market, and the fan of system health over time."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from softliq.model.montecarlo import PathOutcome, Population, base_market, borrower_names
from softliq.params import WAD, MarketParams

PERCENTILES = (50, 95, 99)
N_BUCKETS = ((4, 7), (8, 15), (16, 31), (32, 50))
"""Band-count buckets borrower losses are grouped by."""
FAN = (5, 25, 50, 75, 95)
"""Percentiles of system health drawn in the fan chart."""


@dataclass(frozen=True)
class Start:
    """The population at the start: each borrower's debt and collateral value (wei)."""

    debts: tuple[int, ...]
    values: tuple[int, ...]
    bands: tuple[int, ...]

    @classmethod
    def of(cls, params: MarketParams, population: Population) -> "Start":
        m = base_market(params, population)
        prec = m.amm.COLLATERAL_PRECISION
        debts = tuple(m.controller.debt(who) for who in borrower_names(population))
        values = tuple(col // prec * prec * params.price // WAD for col, _, _ in population)
        return cls(debts, values, tuple(n for _, n, _ in population))

    @property
    def ltv(self) -> float:
        """The population's debt over its collateral value at the start."""
        return sum(self.debts) / sum(self.values)


def distribution(values: np.ndarray) -> dict[str, float]:
    """Mean, P50/P95/P99 and max of `values`."""
    out = {"mean": float(np.mean(values))}
    out.update({f"p{q}": float(np.percentile(values, q)) for q in PERCENTILES})
    out["max"] = float(np.max(values))
    return out


def bad_debt_pct(outcomes: Sequence[PathOutcome], start: Start) -> np.ndarray:
    """Each path's bad debt as % of the borrowers' starting debt."""
    return np.array([o.bad_debt for o in outcomes], dtype=float) * 100.0 / sum(start.debts)


def loss_pct(outcomes: Sequence[PathOutcome], start: Start) -> np.ndarray:
    """Each path's total borrower loss as % of the starting collateral value."""
    return np.array([o.borrower_loss for o in outcomes], dtype=float) * 100.0 / sum(start.values)


def loss_by_bucket(outcomes: Sequence[PathOutcome], start: Start) -> dict[str, Any]:
    """Per bucket of N: borrowers in it and their loss as % of their collateral value
    (mean and P95 over paths)."""
    out: dict[str, Any] = {}
    for lo, hi in N_BUCKETS:
        members = [k for k, n in enumerate(start.bands) if lo <= n <= hi]
        if not members:
            continue
        value = sum(start.values[k] for k in members)
        per_path = np.array([sum(o.losses[k] for k in members) for o in outcomes], dtype=float) * 100.0 / value
        out[f"{lo}-{hi}"] = {"borrowers": len(members), "loss_pct_mean": float(per_path.mean()), "loss_pct_p95": float(np.percentile(per_path, 95))}
    return out


def clearing(outcomes: Sequence[PathOutcome]) -> dict[str, Any]:
    """Auction takes and their price over the market price (mean, min, max)."""
    takes = sum(o.tally.takes for o in outcomes)
    if not takes:
        return {"takes": 0, "mean": None, "min": None, "max": None}
    return {
        "takes": takes,
        "mean": sum(o.tally.clearing_sum for o in outcomes) / takes,
        "min": min(o.tally.clearing_min for o in outcomes if o.tally.takes),
        "max": max(o.tally.clearing_max for o in outcomes if o.tally.takes),
    }


def health_fan(outcomes: Sequence[PathOutcome], sample_every: int, dt: int) -> dict[str, Any]:
    """Percentiles over the sampled paths of system health at each sampled step (null
    where no path has debt left)."""
    grid = np.array([o.health for o in outcomes if o.health], dtype=float)
    hours = [(k + 1) * sample_every * dt / 3600 for k in range(grid.shape[1] if grid.ndim == 2 else 0)]
    fan: dict[str, Any] = {"paths": len(grid), "hours": hours}
    for q in FAN:
        row = []
        for column in grid.T if grid.ndim == 2 else []:
            live = column[~np.isnan(column)]
            row.append(float(np.percentile(live, q)) if live.size else None)
        fan[f"p{q}"] = row
    return fan


def summarize(outcomes: Sequence[PathOutcome], start: Start, sample_every: int, dt: int) -> dict[str, Any]:
    """Every statistic of summary.json (run metadata is added by the caller)."""
    bad = bad_debt_pct(outcomes, start)
    loss = loss_pct(outcomes, start)
    return {
        "paths": len(outcomes),
        "bad_debt_pct_of_debt": distribution(bad),
        "paths_with_bad_debt_share": float(np.mean(bad > 0)),
        "borrower_loss_pct_of_collateral": distribution(loss),
        "borrower_loss_by_n": loss_by_bucket(outcomes, start),
        "liquidations_by_tier": {
            "1": sum(o.tally.tier1 for o in outcomes),
            "2": sum(o.tally.tier2 for o in outcomes),
            "per_path_mean": sum(o.liquidations for o in outcomes) / len(outcomes),
        },
        "auction_clearing_vs_market": clearing(outcomes),
        "arbitrage_trades_per_path": sum(o.trades for o in outcomes) / len(outcomes),
        "start": {"debt": sum(start.debts) / WAD, "collateral_value": sum(start.values) / WAD, "ltv": start.ltv},
        "health_fan": health_fan(outcomes, sample_every, dt),
    }

