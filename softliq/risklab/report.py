"""The output directory of a risk-lab command: checked before the run (`check_out`),
built under a temporary name beside it and renamed into place at the end (`written`),
so bad input writes nothing and an interrupted run leaves no half-written report.
Also the pieces every report has: JSON, PNG figures (matplotlib, Agg) and index.html."""

from __future__ import annotations

import html
import json
import shutil
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402  (after choosing the backend)

from softliq.risklab.inputs import RiskInputError  # noqa: E402

Figure = tuple[str, str, Callable[[Any], None]]
"""(file name, caption, draw(ax))."""


def check_out(out: Path) -> Path:
    """`out` if a report can go there: absent, or an empty directory, under a
    directory we can write."""
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise RiskInputError(f"--out {out}: exists and is not an empty directory")
    parent = out.absolute().parent
    probe = parent
    while not probe.exists():
        probe = probe.parent
    try:
        with tempfile.TemporaryFile(dir=probe):
            pass
    except OSError as error:
        raise RiskInputError(f"--out {out}: cannot write under {probe} ({error.strerror})") from None
    return out


@contextmanager
def written(out: Path) -> Iterator[Path]:
    """A temporary directory beside `out` to write the report in; renamed to `out` when
    the block ends normally, removed if it raises (or is interrupted)."""
    parent = out.absolute().parent
    parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=parent))
    try:
        yield tmp
        if out.exists():
            out.rmdir()  # check_out allowed only an empty one
        tmp.rename(out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def write_json(path: Path, data: dict[str, Any]) -> None:
    path.write_text(json.dumps(data, indent=1, allow_nan=False) + "\n")


def draw(directory: Path, figures: Sequence[Figure]) -> list[tuple[str, str]]:
    """Each figure as a PNG in `directory`; (file, caption) pairs."""
    for name, _, paint in figures:
        fig, ax = plt.subplots(figsize=(8, 4.5))
        try:
            paint(ax)
            ax.grid(alpha=0.3)
            fig.tight_layout()
            fig.savefig(directory / name, dpi=90)
        finally:
            plt.close(fig)
    return [(name, caption) for name, caption, _ in figures]


_STYLE = """
body { font-family: sans-serif; margin: 2em; max-width: 1000px; }
table { border-collapse: collapse; margin-bottom: 2em; }
td, th { border-bottom: 1px solid #ddd; padding: 4px 12px; text-align: left; }
figure { margin: 0 0 2em 0; }
img { max-width: 100%; border: 1px solid #ccc; }
"""


def table(rows: Sequence[Sequence[Any]], header: Sequence[str] | None = None) -> str:
    """An HTML table of `rows` (cells escaped)."""
    head = "" if header is None else "<tr>" + "".join(f"<th>{html.escape(str(h))}</th>" for h in header) + "</tr>\n"
    body = "\n".join("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table>\n{head}{body}\n</table>"


def page(title: str, paragraphs: Sequence[str], tables: Sequence[str], figures: Sequence[tuple[str, str]]) -> str:
    """A self-contained index.html: paragraphs (escaped), tables (HTML), figures."""
    text = "\n".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    images = "\n".join(
        f'<figure><img src="{html.escape(n)}" alt="{html.escape(c)}"><figcaption>{html.escape(c)}</figcaption></figure>' for n, c in figures
    )
    return f"""<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>{html.escape(title)}</title><style>{_STYLE}</style></head>
<body>
<h1>{html.escape(title)}</h1>
{text}
{chr(10).join(tables)}
{images}
</body>
</html>
"""
