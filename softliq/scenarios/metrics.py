"""What a scenario run measures: time series while it runs, metrics at the end.

Amounts in `metrics` are in whole stablecoin (floats) unless the key ends in `_wei`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from softliq.chain import Chain, ChainEvent
from softliq.keepers import Outcome

if TYPE_CHECKING:
    from softliq.paths import PricePath
    from softliq.scenarios.definitions import Scenario, ScenarioOptions
    from softliq.scenarios.engine import Cast

WAD = 10**18
MAX_BANDS = 150
"""Most bands the band-composition series records (the busiest, around the loans)."""
N_BUCKETS = ((4, 9), (10, 19), (20, 34), (35, 50))
"""Band-count buckets for borrower losses."""
AUCTION_EVENTS = ("Kick", "Take", "Redo", "Settle")


@dataclass
class ScenarioResult:
    """Everything a run produced (JSON-ready via `to_json`)."""

    name: str
    description: str
    options: dict[str, Any]
    params: dict[str, Any]
    metrics: dict[str, Any]
    series: dict[str, Any]
    auction_timeline: list[dict[str, Any]]
    holders: list[str] = field(default_factory=list)
    """Every address that may hold tokens besides the market's contracts."""
    borrowers: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """The result as plain JSON types."""
        return _jsonable(dataclasses.asdict(self))


def _jsonable(value: Any) -> Any:
    """Tuples to lists, big ints kept, everything else as is (str for the unknown)."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (int, float, str, bool)) or value is None:
        return value
    return str(value)


GAS_FIELDS = frozenset({"gas", "gas_cost", "profit", "gas_spent", "wall_seconds"})
"""Fields that depend on how a backend meters gas (pyrevm counts slots touched earlier
in the run as warm, softliq.chain_revm) or on the machine: not part of a run's outcome."""


def backend_independent(data: dict[str, Any]) -> Any:
    """A run's JSON (`ScenarioResult.to_json()`) without GAS_FIELDS and with every
    account's address replaced by its place in the run (`borrower 0`, `holder 4`...):
    what must be identical on every backend for the same scenario and options."""
    names = {a.lower(): f"borrower {i}" for i, a in enumerate(data["borrowers"])}
    for i, address in enumerate(data["holders"]):
        names.setdefault(address.lower(), f"holder {i}")

    def clean(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: clean(v) for k, v in value.items() if k not in GAS_FIELDS}
        if isinstance(value, list):
            return [clean(v) for v in value]
        if isinstance(value, str):
            return names.get(value.lower(), value)
        return value

    return clean(data)


def _units(wei: int) -> float:
    return wei / WAD


class Recorder:
    """Collects time series and events during a run and computes the metrics."""

    def __init__(self, chain: Chain, scenario: "Scenario", options: "ScenarioOptions", cast: "Cast", path: "PricePath") -> None:
        self.chain = chain
        self.scenario = scenario
        self.options = options
        self.cast = cast
        self.path = path
        self.precision = 10 ** (18 - chain.market.params.collateral_decimals)
        self.bands = self._band_range()
        self.series: dict[str, Any] = {
            "time": [], "market": [], "oracle": [], "amm": [], "auctions_live": [], "auction_tab": [],
            "bad_debt": [], "reserves": [], "bands": list(self.bands),
            "band_prices": [_units(chain.market.amm.p_oracle_up(n)) for n in self.bands],
            "band_collateral_share": [], "health": [],
        }
        self.timeline: list[dict[str, Any]] = []
        self.liquidate_events: list[ChainEvent] = []
        self.start = chain.now()
        self._held: dict[str, tuple[int, int, int]] = {}
        """Per borrower at the last `track`: (collateral held, equity, price)."""
        self._loss: dict[str, int] = {loan.address: 0 for loan in cast.borrowers}

    def _band_range(self) -> range:
        """Bands from the highest top band to the lowest bottom band of the borrowers."""
        amm = self.chain.market.amm
        ticks = [amm.read_user_tick_numbers(loan.address) for loan in self.cast.borrowers]
        lo = min(int(t[0]) for t in ticks)
        hi = max(int(t[1]) for t in ticks)
        return range(lo, min(hi, lo + MAX_BANDS - 1) + 1)

    def sample(self, t: int, market_price: int) -> None:
        """Record one point of every time series."""
        m = self.chain.market
        s = self.series
        p_o = m.amm.price_oracle()
        s["time"].append(t)
        s["market"].append(_units(market_price))
        s["oracle"].append(_units(p_o))
        s["amm"].append(_units(m.amm.get_p()))
        s["auctions_live"].append(len(m.auction.active_ids()))
        s["auction_tab"].append(_units(m.auction.total_tab()))
        s["bad_debt"].append(_units(m.controller.bad_debt()))
        s["reserves"].append(_units(m.controller.reserves()))
        shares: list[float | None] = []
        for n in self.bands:
            x, y = m.amm.bands_x(n), m.amm.bands_y(n) * self.precision * p_o // WAD
            shares.append(None if x + y == 0 else y / (x + y))
        s["band_collateral_share"].append(shares)
        s["health"].append([
            m.controller.health(loan.address, True) / WAD
            for loan in self.cast.borrowers
            if m.controller.loan_exists(loan.address)
        ])

    def _holding(self, who: str, price: int) -> tuple[int, int]:
        """(collateral held in wallet and bands, equity at `price`): equity is wallet
        stablecoin + position stablecoin + collateral value - debt."""
        m = self.chain.market
        y = m.collateral.balanceOf(who)
        equity = m.stablecoin.balanceOf(who)
        if m.controller.loan_exists(who):
            x, y_bands = m.amm.get_sum_xy(who)
            y += y_bands
            equity += x - m.controller.debt(who)
        return y, equity + y * self.precision * price // WAD

    def track(self, price: int) -> None:
        """Book each borrower's loss since the last call: the change its holdings would
        have had from the price move alone, minus the change it had. Call it whenever
        the price is about to change and after actions (the price is constant between
        calls or jumps before any action), so the split is exact."""
        for loan in self.cast.borrowers:
            y, equity = self._holding(loan.address, price)
            if loan.address in self._held:
                y0, equity0, price0 = self._held[loan.address]
                self._loss[loan.address] += y0 * self.precision * (price - price0) // WAD - (equity - equity0)
            self._held[loan.address] = (y, equity, price)

    def outcomes(self, outcomes: list[Outcome], market_price: int) -> None:
        """Record the liquidation and auction events of sent actions."""
        m = self.chain.market
        controller, auction = str(m.controller.address).lower(), str(m.auction.address).lower()
        for o in outcomes:
            if not o.ok:
                continue
            for ev in o.events:
                src = ev.address.lower()
                if ev.name == "Liquidate" and src == controller:
                    self.liquidate_events.append(ev)
                    self._timeline(o, "Liquidate", ev, market_price, tier=int(ev.tier), user=str(ev.user))
                elif ev.name in AUCTION_EVENTS and src == auction:
                    self._timeline(o, ev.name, ev, market_price)

    def _timeline(self, o: Outcome, kind: str, ev: ChainEvent, market_price: int, **extra: Any) -> None:
        m = self.chain.market
        row: dict[str, Any] = {"time": o.time - self.start, "kind": kind, "keeper": o.action.sender}
        for k in ("id", "auction_id", "price", "owe", "amount", "tab", "lot", "top", "shortfall", "collateral_returned"):
            if k in ev.args:
                row[k] = int(ev.args[k])
        row["oracle"] = m.price_source.price() if m.price_source is not None else m.oracle.price()
        row["market"] = market_price
        row.update(extra)
        self.timeline.append(row)

    def result(self, final_price: int, wall_seconds: float, pending: int) -> ScenarioResult:
        """The finished run."""
        m = self.chain.market
        holders = [loan.address for loan in self.cast.borrowers] + [k.address for k in self.cast.keepers]
        holders += self.cast.extra_holders
        metrics = {
            **self._accounting(),
            "borrower_losses_by_n": self._losses(),
            "borrowers": self._borrowers(),
            "liquidations_by_tier": self._tiers(),
            "auctions": self._auctions(),
            "keepers": {f"{k.role}": {**k.stats.as_dict(), "latency_blocks": k.latency_blocks, "gas_price": k.gas_price} for k in self.cast.keepers},
            "gas_spent": sum(k.stats.gas for k in self.cast.keepers),
            "conservation": self._conservation(holders),
            "run": {
                "steps": len(self.path) - 1, "simulated_seconds": int(self.path.times[-1]),
                "wall_seconds": round(wall_seconds, 3), "actions_pending_at_end": pending,
                "borrowers": len(self.cast.borrowers), "loans_open_at_end": sum(
                    bool(m.controller.loan_exists(loan.address)) for loan in self.cast.borrowers),
                "start_price": float(self.path.prices[0]), "end_price": float(self.path.prices[-1]),
                "path": self.path.name,
            },
        }
        name, description = self._title()
        return ScenarioResult(
            name=name,
            description=description,
            options=dataclasses.asdict(self.options),
            params=dataclasses.asdict(m.params),
            metrics=_jsonable(metrics),
            series=self.series,
            auction_timeline=self.timeline,
            holders=holders,
            borrowers=[loan.address for loan in self.cast.borrowers],
        )

    def _title(self) -> tuple[str, str]:
        """The run's name and description: the scenario's, unless a price path file
        replaced its path (then the file names the run)."""
        if self.options.path_file is None:
            return self.scenario.name, self.scenario.description
        stem = Path(self.options.path_file).stem
        return (f"{self.scenario.name}-{stem}",
                f"price path from {Path(self.options.path_file).name} (scaled to start at the market price), "
                f"with the borrowers, keepers and market of scenario {self.scenario.name}")

    def _borrowers(self) -> list[dict[str, Any]]:
        """Each borrower's loan at the start and outcome at the end: health (None once
        the loan is closed), loss (see `track`) and the liquidations it suffered."""
        m = self.chain.market
        start_price = self.path.wad()[0]
        rows = []
        for loan in self.cast.borrowers:
            liquidations = [ev for ev in self.liquidate_events if str(ev.user).lower() == loan.address.lower()]
            value = _units(loan.collateral * self.precision * start_price // WAD)
            loss = _units(self._loss[loan.address])
            is_open = bool(m.controller.loan_exists(loan.address))
            rows.append({
                "address": loan.address, "collateral": loan.collateral / 10**m.params.collateral_decimals,
                "collateral_value": value, "debt": _units(loan.debt), "n_bands": loan.n_bands,
                "health_end": m.controller.health(loan.address, True) / WAD if is_open else None,
                "loss": loss, "loss_pct": 100 * loss / value if value else 0.0,
                "liquidations": len(liquidations), "tiers": sorted({int(ev.tier) for ev in liquidations}),
            })
        return rows

    def _accounting(self) -> dict[str, Any]:
        """Bad debt (also as a share of the debt the borrowers took), reserves and the
        stablecoin identity."""
        m = self.chain.market
        c = m.controller
        supply, reserves, bad = m.stablecoin.totalSupply(), c.reserves(), c.bad_debt()
        total_debt, total_tab = c.total_debt(), m.auction.total_tab()
        borrowed = sum(loan.debt for loan in self.cast.borrowers)
        return {
            "debt_at_start": _units(borrowed), "bad_debt_pct_of_debt": 100 * bad / borrowed if borrowed else 0.0,
            "bad_debt": _units(bad), "bad_debt_wei": bad,
            "reserves": _units(reserves), "reserves_wei": reserves,
            "identity": {
                "supply_wei": supply, "reserves_wei": reserves, "bad_debt_wei": bad,
                "total_debt_wei": total_debt, "total_tab_wei": total_tab,
                "gap_wei": (total_debt + total_tab) - (supply + reserves - bad),
                "n_loans": c.n_loans(),
            },
        }

    def _losses(self) -> dict[str, Any]:
        """Borrower losses (`track`), grouped by band count: value taken from borrowers
        by conversion, liquidation penalties and auctions, net of fees they earned, in
        stablecoin and in % of their collateral's value at the start."""
        start_price = self.path.wad()[0]
        buckets: dict[str, dict[str, float]] = {}
        for loan in self.cast.borrowers:
            lo, hi = next(b for b in N_BUCKETS if b[0] <= loan.n_bands <= b[1])
            row = buckets.setdefault(f"{lo}-{hi}", {"borrowers": 0, "collateral_value": 0.0, "loss": 0.0})
            row["borrowers"] += 1
            row["collateral_value"] += _units(loan.collateral * self.precision * start_price // WAD)
            row["loss"] += _units(self._loss[loan.address])
        for row in buckets.values():
            row["loss_pct"] = 100 * row["loss"] / row["collateral_value"] if row["collateral_value"] else 0.0
        total_value = sum(r["collateral_value"] for r in buckets.values())
        total_loss = sum(r["loss"] for r in buckets.values())
        return {
            "by_bands": dict(sorted(buckets.items(), key=lambda kv: int(kv[0].split("-")[0]))),
            "total_loss": total_loss,
            "total_loss_pct": 100 * total_loss / total_value if total_value else 0.0,
        }

    def _tiers(self) -> dict[str, Any]:
        """Liquidations by tier, from the Liquidate events."""
        out: dict[str, Any] = {"1": 0, "2": 0, "events": len(self.liquidate_events), "tab": {"1": 0.0, "2": 0.0}}
        for ev in self.liquidate_events:
            tier = str(int(ev.tier))
            out[tier] = out.get(tier, 0) + 1
            out["tab"][tier] = out["tab"].get(tier, 0.0) + _units(int(ev.tab))
        return out

    def _auctions(self) -> dict[str, Any]:
        """Kicks, takes, redos, settlements; clearing price against the oracle."""
        rows = self.timeline
        takes = [r for r in rows if r["kind"] == "Take"]
        ratios = [r["price"] / r["oracle"] for r in takes if r["oracle"]]
        vs_market = [r["price"] / r["market"] for r in takes if r["market"]]
        settles = [r for r in rows if r["kind"] == "Settle"]
        return {
            "kicked": sum(r["kind"] == "Kick" for r in rows),
            "takes": len(takes),
            "redos": sum(r["kind"] == "Redo" for r in rows),
            "settled": len(settles),
            "live_at_end": len(self.chain.market.auction.active_ids()),
            "shortfall": sum(_units(r.get("shortfall", 0)) for r in settles),
            "raised": sum(_units(r["owe"]) for r in takes),
            "clearing_vs_oracle": _stats(ratios),
            "clearing_vs_market": _stats(vs_market),
        }

    def _conservation(self, holders: list[str]) -> dict[str, int]:
        """Token supply minus every known holder's balance (0 when all is accounted for)."""
        m = self.chain.market
        contracts = [m.amm, m.controller, m.auction] + ([m.policy] if getattr(m, "policy", None) is not None else [])
        addresses = {str(c.address) for c in contracts} | set(holders)
        out = {}
        for name, token in (("collateral", m.collateral), ("stablecoin", m.stablecoin)):
            out[f"{name}_unaccounted_wei"] = token.totalSupply() - sum(token.balanceOf(a) for a in addresses)
        return out


def _stats(values: list[float]) -> dict[str, float | int | None]:
    """Count, mean, min and max (None when empty)."""
    if not values:
        return {"count": 0, "mean": None, "min": None, "max": None}
    return {"count": len(values), "mean": sum(values) / len(values), "min": min(values), "max": max(values)}
