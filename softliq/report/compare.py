"""`softliq compare DIR...`: one HTML page with scenario runs side by side: the key
numbers of each run in one table, the parameters that differ, and overlaid plots
(market price, bad debt, tab in auction, median health). Reads each report's
metrics.json; writes <out>/compare-<time>/ (index.html, PNGs, runs.json)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable

import numpy as np

from softliq.report.html import figures, page, table
from softliq.report.plots import HOURS, plt


class CompareError(ValueError):
    """A directory is not a scenario report."""


def load_runs(dirs: list[Path]) -> dict[str, dict[str, Any]]:
    """Each report's metrics.json by a unique label (its folder name)."""
    runs: dict[str, dict[str, Any]] = {}
    for d in dirs:
        file = d / "metrics.json"
        if not file.is_file():
            raise CompareError(f"{d}: not a scenario report (no metrics.json)")
        try:
            data = json.loads(file.read_text())
        except json.JSONDecodeError as exc:
            raise CompareError(f"{file}: not valid JSON ({exc})") from None
        if not {"name", "metrics", "series", "params"} <= set(data):
            raise CompareError(f"{file}: not a scenario report's metrics")
        label = d.name
        while label in runs:
            label = f"{label}'"
        runs[label] = data
    return runs


def metrics_rows(runs: dict[str, dict[str, Any]]) -> list[list[str]]:
    """One row per key number, one column per run."""
    from softliq.report import summary_rows

    columns = [dict(summary_rows(data)) for data in runs.values()]
    labels: list[str] = []
    for column in columns:
        labels += [label for label in column if label not in labels]
    return [[label.strip(), *(column.get(label, "-") for column in columns)] for label in labels if label != "scenario"]


def params_rows(runs: dict[str, dict[str, Any]]) -> list[list[str]]:
    """The market parameters that differ between runs, in their units."""
    from softliq.params import MarketParams, human_params

    shown = [dict((name, value) for name, value, _ in human_params(MarketParams(**data["params"]))) for data in runs.values()]
    return [[name, *(column[name] for column in shown)] for name in shown[0] if len({column[name] for column in shown}) > 1]


def _median(rows: list[list[float]]) -> list[float]:
    return [float(np.median(r)) if r else np.nan for r in rows]


OVERLAYS: dict[str, tuple[str, str, Callable[[dict[str, Any]], list[float]]]] = {
    "market.png": ("Market price", "stablecoin per collateral", lambda d: d["series"]["market"]),
    "bad_debt.png": ("Bad debt", "stablecoin", lambda d: d["series"]["bad_debt"]),
    "auction_tab.png": ("Tab in auction", "stablecoin", lambda d: d["series"]["auction_tab"]),
    "health.png": ("Median health of open loans", "health", lambda d: _median(d["series"]["health"])),
}
"""File -> (title, y label, series of a run)."""


def write_overlays(runs: dict[str, dict[str, Any]], directory: Path) -> list[str]:
    """One PNG per overlay, every run a line on it."""
    for name, (title, ylabel, values) in OVERLAYS.items():
        fig, ax = plt.subplots(figsize=(9, 4.5), dpi=100)
        try:
            for label, data in runs.items():
                ax.plot(np.asarray(data["series"]["time"], dtype=float) / HOURS, values(data), lw=1.4, label=label)
            ax.set_xlabel("hours")
            ax.set_ylabel(ylabel)
            ax.set_title(title)
            ax.grid(alpha=0.3)
            ax.legend(loc="best", fontsize="small")
            fig.tight_layout()
            fig.savefig(directory / name, format="png")
        finally:
            plt.close(fig)
    return list(OVERLAYS)


def render_comparison(runs: dict[str, dict[str, Any]], plots: list[str]) -> str:
    """The comparison page."""
    import html

    labels = list(runs)
    described = "\n".join(f"<li><b>{html.escape(label)}</b>: {html.escape(data['name'])}, "
                          f"{html.escape(data['description'])}</li>" for label, data in runs.items())
    differing = params_rows(runs)
    params = table(("parameter", *labels), differing) if differing else "<p>The runs share every market parameter.</p>"
    body = f"""<ul>
{described}
</ul>
<h2>Key numbers</h2>
{table(("", *labels), metrics_rows(runs), "summary")}
<h2>Parameters that differ</h2>
{params}
<h2>Plots</h2>
{figures(plots, {name: title for name, (title, _, _) in OVERLAYS.items()})}
<p class="note">Data: <a href="runs.json">runs.json</a> (each run's metrics.json, by label).</p>"""
    return page(f"softliq: {len(runs)} runs compared", body)


def write_comparison(dirs: list[Path], out: Path, stamp: str | None = None) -> Path:
    """Compare the reports in `dirs`; returns the new directory under `out`."""
    from softliq.report import write_atomically

    if len(dirs) < 2:
        raise CompareError("give at least two report directories to compare")
    runs = load_runs(dirs)

    def fill(tmp: Path) -> None:
        (tmp / "runs.json").write_text(json.dumps(runs, indent=1))
        plots = write_overlays(runs, tmp)
        (tmp / "index.html").write_text(render_comparison(runs, plots))

    return write_atomically(out, "compare", stamp, fill)
