"""`ape run scenario` as a user runs it: a small run end to end (deploy, scenario,
report, summary), and bad input refused with one clear line and nothing written."""

import json

import pytest

from .cli import ape_run, block_number

pytestmark = pytest.mark.integration


def scenario(url, tmp_path, *args):
    return ape_run(
        "scenario", *args, "--network", url, "--deployment", str(tmp_path / "dep.json"),
        "--out", str(tmp_path / "reports"), "--no-progress",
    )


def test_scenario_end_to_end(node_url, tmp_path):
    result = scenario(node_url, tmp_path, "v-shape", "--borrowers", "2", "--steps", "10")

    assert result.returncode == 0, result.stderr
    [report] = list((tmp_path / "reports").iterdir())
    assert report.name.startswith("v-shape-")
    assert {"metrics.json", "index.html"} <= {p.name for p in report.iterdir()}
    assert f"report: {report}" in result.stdout.replace("\n", "")
    assert json.loads((tmp_path / "dep.json").read_text())["chain_id"] == 31337


@pytest.mark.parametrize(
    "args, message",
    [
        (["meltdown"], "unknown scenario 'meltdown'"),
        (["crash", "--borrowers", "0"], "option borrowers must be an integer in [1, 200]"),
        (["crash", "--steps", "5"], "option steps must be an integer in [10, 20000]"),
        (["crash", "--path-file", "BAD_PATH"], "bad price path file"),
    ],
)
def test_bad_scenario_input_is_refused(node_url, tmp_path, args, message):
    block = block_number(node_url)
    bad_rows = tmp_path / "bad-path.csv"
    bad_rows.write_text("seconds,price\n0,3000\n12,nan\n")
    args = [str(bad_rows) if a == "BAD_PATH" else a for a in args]

    result = scenario(node_url, tmp_path, *args)

    assert result.returncode != 0
    assert message in result.stderr
    assert not (tmp_path / "reports").exists() and not (tmp_path / "dep.json").exists()
    assert block_number(node_url) == block
