"""The report's index.html: key numbers and the plots, self-contained (no scripts from
the network). A small inline script marks the page when every image has loaded, so a
headless browser test can read the result from the DOM."""

from __future__ import annotations

import html
from typing import Any

from softliq.report.plots import PLOTS

_STYLE = """
body { font-family: sans-serif; margin: 2em; max-width: 1000px; }
table { border-collapse: collapse; margin-bottom: 2em; }
td { border-bottom: 1px solid #ddd; padding: 4px 12px; }
td:first-child { font-weight: bold; }
figure { margin: 0 0 2em 0; }
img { max-width: 100%; border: 1px solid #ccc; }
"""

_CHECK = """
<script>
function imagesChecked() {
  const imgs = Array.from(document.images);
  const ok = imgs.length > 0 && imgs.every(i => i.complete && i.naturalWidth > 0);
  const out = document.getElementById("image-check");
  out.textContent = (ok ? "IMAGES-OK " : "IMAGES-BROKEN ") + imgs.filter(i => i.naturalWidth > 0).length + "/" + imgs.length;
}
window.addEventListener("load", imagesChecked);
</script>
"""


def render_index(data: dict[str, Any], plots: list[str]) -> str:
    """index.html for a result (JSON form) whose plots are the files `plots`."""
    from softliq.report import summary_rows

    rows = "\n".join(
        f"<tr><td>{html.escape(label.strip())}</td><td>{html.escape(value)}</td></tr>" for label, value in summary_rows(data)
    )
    figures = "\n".join(
        f'<figure><img src="{html.escape(name)}" alt="{html.escape(PLOTS[name][0])}">'
        f"<figcaption>{html.escape(PLOTS[name][0])}</figcaption></figure>"
        for name in plots
    )
    title = html.escape(f"softliq scenario: {data['name']}")
    return f"""<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>{title}</title><style>{_STYLE}</style></head>
<body>
<h1>{title}</h1>
<p>{html.escape(data['description'])}. Full data: <a href="metrics.json">metrics.json</a>.</p>
<table>
{rows}
</table>
{figures}
<p id="image-check">IMAGES-PENDING</p>
{_CHECK}
</body>
</html>
"""
