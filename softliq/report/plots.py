"""The report's PNG plots (matplotlib, Agg backend: no display needed)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402  (after choosing the backend)
import numpy as np  # noqa: E402

HOURS = 3600.0


def _hours(series: dict[str, Any]) -> np.ndarray:
    return np.asarray(series["time"], dtype=float) / HOURS


def plot_prices(result: dict[str, Any], ax: Any) -> None:
    """Market, oracle and AMM price over time."""
    s = result["series"]
    t = _hours(s)
    ax.plot(t, s["market"], label="market", lw=1.6)
    ax.plot(t, s["oracle"], label="oracle (AMM's)", lw=1.2, ls="--")
    ax.plot(t, s["amm"], label="AMM price", lw=1.0, alpha=0.8)
    ax.set_xlabel("hours")
    ax.set_ylabel("price (stablecoin per collateral)")
    ax.set_title("Market, oracle and AMM price")
    ax.legend(loc="best")
    ax.grid(alpha=0.3)


def plot_bands(result: dict[str, Any], ax: Any) -> None:
    """Heatmap against price: share of each band's value held as collateral, over time,
    each band drawn at its price range, with the AMM's oracle price walking through."""
    s = result["series"]
    grid = np.array([[np.nan if v is None else v for v in row] for row in s["band_collateral_share"]], dtype=float)
    t = _hours(s)
    prices = s.get("band_prices") or []
    if grid.size == 0 or not prices:
        ax.text(0.5, 0.5, "no bands recorded", ha="center", va="center")
        return
    ratio = (result["params"]["A"] - 1) / result["params"]["A"]
    tops = np.asarray(prices, dtype=float)
    edges = np.append(tops, tops[-1] * ratio)
    t_edges = np.append(t, t[-1] + (t[-1] - t[-2] if len(t) > 1 else 1.0))
    mesh = ax.pcolormesh(t_edges, edges, grid.T, cmap="viridis", vmin=0, vmax=1, shading="flat")
    ax.figure.colorbar(mesh, ax=ax, label="collateral share of band value")
    ax.plot(t, s["oracle"], color="white", lw=1.2, ls="--", label="oracle price")
    ax.set_xlabel("hours")
    ax.set_ylabel("band price (stablecoin per collateral)")
    ax.set_title("Band composition against price (blank: empty band)")
    ax.legend(loc="upper right", facecolor="0.35", labelcolor="white")


def plot_bad_debt(result: dict[str, Any], ax: Any) -> None:
    """Bad debt and reserves over time (stablecoin)."""
    s = result["series"]
    t = _hours(s)
    ax.plot(t, s["bad_debt"], color="tab:red", lw=1.6, label="bad debt")
    ax.plot(t, s.get("reserves") or [0.0] * len(t), color="tab:green", lw=1.4, label="reserves")
    ax.set_xlabel("hours")
    ax.set_ylabel("stablecoin")
    ax.set_title("Bad debt and reserves")
    ax.legend(loc="best")
    ax.grid(alpha=0.3)


def plot_health(result: dict[str, Any], ax: Any) -> None:
    """Health of the open loans over time: median, range and every loan as a dot."""
    s = result["series"]
    t = _hours(s)
    for ti, values in zip(t, s["health"]):
        ax.scatter([ti] * len(values), values, s=6, color="tab:blue", alpha=0.4)
    medians = [float(np.median(v)) if v else np.nan for v in s["health"]]
    ax.plot(t, medians, color="black", lw=1.2, label="median")
    ax.axhline(0.0, color="red", lw=1.0, ls="--", label="liquidation threshold")
    ax.set_xlabel("hours")
    ax.set_ylabel("health")
    ax.set_title("Health distribution of open loans")
    ax.legend(loc="best")
    ax.grid(alpha=0.3)


def plot_auctions(result: dict[str, Any], ax: Any) -> None:
    """Live auctions' total tab over time, with kicks, takes and redos marked."""
    s = result["series"]
    t = _hours(s)
    ax.plot(t, s["auction_tab"], color="tab:purple", lw=1.4, label="total tab in auction")
    ax.set_xlabel("hours")
    ax.set_ylabel("tab (stablecoin)")
    marks = {"Kick": ("v", "tab:red"), "Take": ("o", "tab:green"), "Redo": ("s", "tab:orange"), "Settle": ("x", "black")}
    top = max(s["auction_tab"] + [1.0])
    for kind, (marker, color) in marks.items():
        times = [r["time"] / HOURS for r in result["auction_timeline"] if r["kind"] == kind]
        if times:
            ax.scatter(times, [top * 1.05] * len(times), marker=marker, color=color, label=kind, zorder=3)
    ax.set_title("Auction timeline")
    ax.legend(loc="best")
    ax.grid(alpha=0.3)


PLOTS: dict[str, tuple[str, Callable[[dict[str, Any], Any], None]]] = {
    "prices.png": ("Market, oracle and AMM price", plot_prices),
    "bands.png": ("Band composition against price over time", plot_bands),
    "bad_debt.png": ("Bad debt and reserves over time", plot_bad_debt),
    "health.png": ("Health distribution over time", plot_health),
    "auctions.png": ("Auction timeline", plot_auctions),
}
"""File name -> (caption, drawing function)."""


def write_plots(result: dict[str, Any], directory: Path) -> list[str]:
    """Draw every plot of `result` (its JSON form) into `directory`; returns file names."""
    names = []
    for name, (_caption, draw) in PLOTS.items():
        fig, ax = plt.subplots(figsize=(9, 4.5), dpi=100)
        try:
            draw(result, ax)
            fig.tight_layout()
            fig.savefig(directory / name, format="png")
        finally:
            plt.close(fig)
        names.append(name)
    return names
