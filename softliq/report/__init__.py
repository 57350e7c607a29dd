"""Reports of scenario runs: `reports/<scenario>-<timestamp>/` with metrics.json, PNG
plots and an index.html; and a terminal summary table.

The directory is built under a temporary name beside its final place and renamed at the
end, so a failure never leaves a half-written report.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

from softliq.report.html import render_index
from softliq.report.plots import PLOTS, write_plots
from softliq.scenarios.metrics import ScenarioResult

REPORT_FILES = ("metrics.json", "index.html", *PLOTS)
"""Every file a complete report holds."""


class ReportError(OSError):
    """A report could not be written."""


def _as_json(result: ScenarioResult | dict[str, Any]) -> dict[str, Any]:
    return result.to_json() if isinstance(result, ScenarioResult) else result


def write_report(result: ScenarioResult | dict[str, Any], out_dir: str | Path = "reports", stamp: str | None = None) -> Path:
    """Write the report of `result` under `out_dir`; returns its directory."""
    data = _as_json(result)

    def fill(tmp: Path) -> None:
        (tmp / "metrics.json").write_text(json.dumps(data, indent=1, allow_nan=False))
        plots = write_plots(data, tmp)
        (tmp / "index.html").write_text(render_index(data, plots))

    return write_atomically(Path(out_dir), data["name"], stamp, fill)


def write_atomically(out: Path, name: str, stamp: str | None, fill: Callable[[Path], None]) -> Path:
    """Make `out/<name>-<stamp>/` by filling a temporary directory beside it with
    `fill(tmp)`, then renaming it: a failure leaves nothing behind. ReportError if the
    directory exists or cannot be made."""
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ReportError(f"cannot create report directory {out}: {exc}") from exc
    stamp = stamp or time.strftime("%Y%m%d-%H%M%S")
    final = out / f"{name}-{stamp}"
    if final.exists():
        raise ReportError(f"report directory {final} already exists")
    tmp = Path(tempfile.mkdtemp(prefix=f".{name}-", dir=out))
    try:
        fill(tmp)
        tmp.chmod(0o755)  # mkdtemp makes 0700; a report is for every reader
        tmp.rename(final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return final


def _fmt(value: float) -> str:
    return f"{value:,.2f}"


def summary_rows(result: ScenarioResult | dict[str, Any]) -> list[tuple[str, str]]:
    """(label, value) pairs of the key numbers, shared by the table and the HTML."""
    d = _as_json(result)
    m = d["metrics"]
    tiers, auctions, losses = m["liquidations_by_tier"], m["auctions"], m["borrower_losses_by_n"]
    clearing = auctions["clearing_vs_oracle"]
    rows = [
        ("scenario", f"{d['name']}: {d['description']}"),
        ("borrowers / steps", f"{m['run']['borrowers']} / {m['run']['steps']} ({m['run']['simulated_seconds'] / 3600:.1f} h simulated)"),
        ("price", f"{m['run']['start_price']:,.2f} -> {m['run']['end_price']:,.2f}"),
        ("bad debt", f"{_fmt(m['bad_debt'])} ({m.get('bad_debt_pct_of_debt', 0.0):.3f}% of the {_fmt(m.get('debt_at_start', 0.0))} borrowed)"),
        ("reserves", _fmt(m["reserves"])),
        ("borrower loss", f"{_fmt(losses['total_loss'])} ({losses['total_loss_pct']:.3f}% of collateral)"),
    ]
    for bucket, row in losses["by_bands"].items():
        rows.append((f"  loss N={bucket}", f"{row['loss_pct']:.3f}% ({row['borrowers']} borrowers)"))
    rows += [
        ("liquidations tier 1 / 2", f"{tiers['1']} / {tiers['2']}"),
        ("auctions kicked / settled / live", f"{auctions['kicked']} / {auctions['settled']} / {auctions['live_at_end']}"),
        ("auction takes / redos", f"{auctions['takes']} / {auctions['redos']}"),
        ("clearing price / oracle", "-" if clearing["mean"] is None else f"mean {clearing['mean']:.4f} (min {clearing['min']:.4f}, max {clearing['max']:.4f})"),
    ]
    for role, k in m["keepers"].items():
        rows.append((f"{role} profit / gas", f"{_fmt(k['profit'] / 1e18)} / {k['gas']:,} gas ({k['succeeded']} ok, {k['failed']} failed)"))
    rows.append(("gas spent (all keepers)", f"{m['gas_spent']:,}"))
    return rows


def summary_table(result: ScenarioResult | dict[str, Any]) -> str:
    """The key numbers as an aligned text table for the terminal."""
    rows = summary_rows(result)
    width = max(len(label) for label, _ in rows)
    rule = "-" * (width + 2 + max(len(v) for _, v in rows))
    return "\n".join([rule] + [f"{label:<{width}}  {value}" for label, value in rows] + [rule])


__all__ = ["REPORT_FILES", "ReportError", "summary_rows", "summary_table", "write_atomically", "write_report"]
