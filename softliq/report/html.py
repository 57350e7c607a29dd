"""The report's index.html, self-contained (no scripts or styles from the network): the
key numbers, the market parameters with their units, one row per borrower, the plots.

A small inline script records on <body data-images="..."> whether every image loaded
("ok n/n" or "broken k/n"), so a headless browser test can read it from the DOM; nothing
of it shows on the page."""

from __future__ import annotations

import html
from typing import Any, Iterable, Sequence

from softliq.report.plots import PLOTS

STYLE = """
body { font-family: sans-serif; margin: 2em; max-width: 1100px; color: #222; }
table { border-collapse: collapse; margin-bottom: 2em; }
th, td { border-bottom: 1px solid #ddd; padding: 4px 10px; text-align: right; }
th:first-child, td:first-child { text-align: left; }
table.summary td:first-child { font-weight: bold; }
figure { margin: 0 0 2em 0; }
img { max-width: 100%; border: 1px solid #ccc; }
.note { color: #555; font-size: 90%; }
"""

IMAGE_CHECK = """
<script>
function imagesChecked() {
  const imgs = Array.from(document.images);
  const loaded = imgs.filter(i => i.complete && i.naturalWidth > 0).length;
  const ok = imgs.length > 0 && loaded === imgs.length;
  document.body.dataset.images = (ok ? "ok " : "broken ") + loaded + "/" + imgs.length;
}
window.addEventListener("load", imagesChecked);
</script>
"""

UNIT_TEXT = {
    "amount": "stablecoin", "fraction": "share", "factor": "factor", "duration": "time", "rate": "per year",
    "curve": "curve", "curve_a": "curve parameter", "int": "count", "str": "text",
}


def table(header: Sequence[str], rows: Iterable[Sequence[Any]], css: str = "") -> str:
    """An HTML table; every cell escaped."""
    head = "".join(f"<th>{html.escape(str(h))}</th>" for h in header)
    body = "\n".join("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>" for row in rows)
    cls = f' class="{css}"' if css else ""
    return f"<table{cls}>\n<tr>{head}</tr>\n{body}\n</table>"


def figures(plots: Sequence[str], captions: dict[str, str]) -> str:
    """<figure>s for the image files `plots`."""
    return "\n".join(
        f'<figure><img src="{html.escape(name)}" alt="{html.escape(captions[name])}">'
        f"<figcaption>{html.escape(captions[name])}</figcaption></figure>"
        for name in plots
    )


def page(title: str, body: str) -> str:
    """A whole self-contained HTML page."""
    title = html.escape(title)
    return f"""<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>{title}</title><style>{STYLE}</style></head>
<body data-images="pending">
<h1>{title}</h1>
{body}
{IMAGE_CHECK}
</body>
</html>
"""


def _number(value: float | None, digits: int = 2) -> str:
    return "closed" if value is None else f"{value:,.{digits}f}"


def borrower_rows(data: dict[str, Any]) -> list[list[str]]:
    """One row per borrower: loan at the start, outcome at the end."""
    return [
        [f"borrower {i}", _number(b["collateral"], 4), _number(b["collateral_value"]), _number(b["debt"]),
         str(b["n_bands"]), _number(b["health_end"], 4), _number(b["loss"]), f"{b['loss_pct']:.3f}%",
         str(b["liquidations"]) + (f" (tier {', '.join(map(str, b['tiers']))})" if b["tiers"] else "")]
        for i, b in enumerate(data["metrics"].get("borrowers", []))
    ]


def params_rows(data: dict[str, Any]) -> list[list[str]]:
    """Every market parameter in its unit."""
    from softliq.params import MarketParams, human_params

    return [[name, value, UNIT_TEXT[kind]] for name, value, kind in human_params(MarketParams(**data["params"]))]


def render_index(data: dict[str, Any], plots: list[str]) -> str:
    """index.html for a result (JSON form) whose plots are the files `plots`."""
    from softliq.report import summary_rows

    body = f"""<p>{html.escape(data['description'])}.</p>
<h2>Outcome</h2>
{table(("", ""), summary_rows(data), "summary")}
<h2>Borrowers</h2>
<p class="note">Collateral value and debt at the start; health at the end (closed: repaid or
liquidated whole); loss: value the borrower lost to conversion, penalties and auctions
beyond what the price move alone took, in stablecoin and in % of the collateral's value.</p>
{table(("borrower", "collateral", "value at start", "debt", "bands", "health at end", "loss", "loss %", "liquidations"), borrower_rows(data))}
<h2>Plots</h2>
{figures(plots, {name: caption for name, (caption, _) in PLOTS.items()})}
<h2>Market parameters</h2>
{table(("parameter", "value", "unit"), params_rows(data))}
<p class="note">Full data: <a href="metrics.json">metrics.json</a>.</p>"""
    return page(f"softliq scenario: {data['name']}", body)
