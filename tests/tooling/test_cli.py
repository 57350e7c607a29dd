"""The `softliq` command line: every command is listed and documented, every option's
help states its default, and bad input is one line on stderr with exit status 2."""

from __future__ import annotations

import argparse
import tomllib
from pathlib import Path

import pytest

from softliq.cli import COMMANDS, main, parser
from softliq.scenarios import SCENARIOS

ROOT = Path(__file__).resolve().parents[2]


def subparsers(p: argparse.ArgumentParser, prefix: str = "softliq") -> dict[str, argparse.ArgumentParser]:
    """Every (sub)command's parser, by its command line."""
    found = {prefix: p}
    for action in p._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                found.update(subparsers(child, f"{prefix} {name}"))
    return found


def test_console_script_points_at_main() -> None:
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts == {"softliq": "softliq.cli:console"}


def test_every_command_has_help_and_every_default_is_shown() -> None:
    every = subparsers(parser())
    assert {"softliq deploy", "softliq scenario list", "softliq scenario run", "softliq fork", "softliq fuzz"} <= set(every)
    assert len(COMMANDS) >= 4
    for name, p in every.items():
        for action in p._actions:
            if not action.option_strings or action.dest in ("help",):
                continue
            assert action.help, f"{name} {action.option_strings[0]} has no help"
            shows = "default" in p.formatter_class(name)._get_help_string(action)  # type: ignore[attr-defined]
            needs = action.default not in (None, False)
            assert shows or not needs, f"{name} {action.option_strings[0]} hides its default {action.default!r}"


def test_scenario_list_names_every_scenario_with_its_description(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scenario", "list"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert [line.split()[0] for line in lines] == list(SCENARIOS)
    for line, scenario in zip(lines, SCENARIOS.values()):
        assert line.endswith(scenario.description)


@pytest.mark.parametrize(
    "argv, message",
    [
        (["scenario", "run", "moon"], "softliq scenario run: error: unknown scenario 'moon'"),
        (["scenario", "run", "crash", "--seed", "-1"], "must be in [0, 2**32)"),
        (["scenario", "run", "crash", "--max-blocks-per-sleep", "-1"], "--max-blocks-per-sleep must be >= 0"),
        (["scenario", "run", "crash", "--params", "missing.toml"], "no such parameters file"),
        (["scenario"], "the following arguments are required"),
        (["deploy", "--params", "missing.toml"], "missing.toml: no such parameters file"),
        (["fork"], "the following arguments are required: --upstream"),
        (["nonsense"], "invalid choice"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(argv: list[str], message: str, capsys: pytest.CaptureFixture[str],
                                          tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert message in captured.err
    assert len(captured.err.strip().splitlines()) == 1
    assert captured.out == ""
    assert list(tmp_path.iterdir()) == []


def test_out_that_is_a_file_is_refused_before_running(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    occupied = tmp_path / "file"
    occupied.write_text("x")
    assert main(["scenario", "run", "crash", "--out", str(occupied)]) == 2
    assert "not a directory" in capsys.readouterr().err


def test_help_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    for command in ("deploy", "scenario", "fork", "fuzz"):
        assert command in out


def test_docs_cli_reference_is_current() -> None:
    """docs/cli.md's reference is every command's --help as the code has it now
    (regenerate: python -m softliq.cli.reference --write)."""
    from softliq.cli.reference import DOC, current_doc

    assert DOC.read_text() == current_doc(), "docs/cli.md is stale: run python -m softliq.cli.reference --write"
