"""`softliq compare`: two runs of flash-crash (default and LLAMMA-like parameters) side by
side: every run's key numbers, only the parameters that differ, overlaid plots that a
real browser renders; bad input is refused with exit 2 and nothing written."""

import json
import re
import subprocess

import pytest

from softliq.cli import main
from softliq.econ import LLAMMA_LIKE
from softliq.report import write_report
from softliq.report.compare import OVERLAYS
from softliq.scenarios import ScenarioOptions, get_scenario, run_scenario
from softliq.scenarios.local import local_chain

from .test_browser import FLAGS, chromium


@pytest.fixture(scope="module")
def two_reports(report_dir, tmp_path_factory):
    """The suite's flash-crash report and the same run on LLAMMA-like parameters."""
    scenario = get_scenario("flash-crash")
    chain = local_chain(scenario.market_params(LLAMMA_LIKE))
    llamma = run_scenario(scenario, chain, ScenarioOptions(borrowers=3, steps=10, max_bands=6, progress=False))
    return [report_dir, write_report(llamma, tmp_path_factory.mktemp("llamma"), stamp="llamma")]


@pytest.fixture(scope="module")
def comparison(two_reports, tmp_path_factory):
    out = tmp_path_factory.mktemp("compare")
    assert main(["compare", *map(str, two_reports), "--out", str(out)]) == 0
    [folder] = list(out.iterdir())
    return folder


def test_comparison_page(two_reports, comparison):
    assert sorted(p.name for p in comparison.iterdir()) == sorted(["index.html", "runs.json", *OVERLAYS])
    page = (comparison / "index.html").read_text()
    runs = json.loads((comparison / "runs.json").read_text())
    assert list(runs) == [d.name for d in two_reports]
    for data in runs.values():
        assert f"{data['metrics']['bad_debt']:,.2f}" in page
    differing = set(re.findall(r"<tr><td>([a-z_]+)</td><td>[^<]*</td><td>[^<]*</td></tr>", page.split("Parameters that differ")[1]))
    assert differing == {"amplification", "fee", "oracle_fee_window", "away_fee", "swing_factor"}


def test_comparison_renders_in_a_browser(comparison):
    dom = subprocess.run([chromium(), *FLAGS, "--dump-dom", (comparison / "index.html").as_uri()],
                         capture_output=True, text=True, timeout=120, check=True).stdout
    assert f'data-images="ok {len(OVERLAYS)}/{len(OVERLAYS)}"' in dom


@pytest.mark.parametrize("which, message", [("one", "at least two report directories"), ("bogus", "not a scenario report")])
def test_bad_input(two_reports, tmp_path, capsys, which, message):
    dirs = [two_reports[0]] if which == "one" else [two_reports[0], tmp_path]
    out = tmp_path / "out"
    assert main(["compare", *map(str, dirs), "--out", str(out)]) == 2
    assert message in capsys.readouterr().err
    assert not out.exists() or list(out.iterdir()) == []
