"""The reference part of docs/cli.md: every command's --help, generated from the parsers
so the page cannot drift from the code (tests/tooling/test_cli.py compares them).

    python -m softliq.cli.reference --write      # regenerate docs/cli.md's reference
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

MARKER = "<!-- generated below by `python -m softliq.cli.reference --write`: do not edit -->"
DOC = Path(__file__).resolve().parents[2] / "docs" / "cli.md"
WIDTH = "100"


OWN = ("deploy", "scenario", "fork", "fuzz", "keepers", "compare")
"""The commands this page documents (the risk lab documents montecarlo and calibrate)."""


def reference() -> str:
    """Markdown: one section per command of OWN with its help text."""
    from softliq.cli import parser
    from softliq.cli.common import CliParser

    old = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = WIDTH
    try:
        sections = []
        for path, p in _commands(parser()).items():
            if path.split(" ")[1:2] and path.split(" ")[1] not in OWN or path == "softliq":
                continue
            sections.append(f"### `{path}`\n\n```\n{p.format_help().rstrip()}\n```\n")
    finally:
        if old is None:
            del os.environ["COLUMNS"]
        else:
            os.environ["COLUMNS"] = old
    assert CliParser  # the parsers above are CliParsers: their help shows every default
    return "\n".join(sections)


def _commands(p: object, prefix: str = "softliq") -> dict[str, object]:
    import argparse

    found = {prefix: p}
    for action in getattr(p, "_actions", []):
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                found.update(_commands(child, f"{prefix} {name}"))
    return found


def current_doc() -> str:
    """docs/cli.md's text up to and including the marker, then the reference."""
    head = DOC.read_text().split(MARKER)[0] if DOC.exists() else ""
    return f"{head}{MARKER}\n\n{reference()}"


if __name__ == "__main__":
    if "--write" in sys.argv[1:]:
        DOC.write_text(current_doc())
        print(f"wrote {DOC}")
    else:
        print(reference())
