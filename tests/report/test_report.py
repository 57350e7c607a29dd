"""Report files: present, complete, consistent with the run; never half-written; the
terminal table and the command line's bad-input paths."""

import json
import struct

import pytest

from softliq.report import REPORT_FILES, ReportError, summary_table, write_report
from softliq.report.plots import PLOTS
from softliq.scenarios.cli import main

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def png_size(path) -> tuple[int, int]:
    """(width, height) from a PNG's IHDR chunk; fails on anything else."""
    data = path.read_bytes()
    assert data[:8] == PNG_MAGIC, f"{path.name} is not a PNG"
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def test_report_files_complete(result, report_dir):
    assert report_dir.name == "flash-crash-test"
    assert sorted(p.name for p in report_dir.iterdir()) == sorted(REPORT_FILES)
    saved = json.loads((report_dir / "metrics.json").read_text())
    assert saved == json.loads(json.dumps(result.to_json()))
    for key in ("bad_debt", "borrower_losses_by_n", "liquidations_by_tier", "auctions", "keepers", "gas_spent"):
        assert key in saved["metrics"], key
    for name in PLOTS:
        width, height = png_size(report_dir / name)
        assert width >= 600 and height >= 300
    page = (report_dir / "index.html").read_text()
    for name in PLOTS:
        assert f'src="{name}"' in page
    assert f"{result.metrics['bad_debt']:,.2f}" in page
    assert "flash-crash" in page


def test_summary_table(result):
    table = summary_table(result)
    assert "flash-crash" in table
    tiers = result.metrics["liquidations_by_tier"]
    assert f"{tiers['1']} / {tiers['2']}" in table
    assert "bad debt" in table and "gas spent" in table


def test_failure_leaves_nothing(result, tmp_path):
    broken = result.to_json()
    del broken["series"]["health"]  # the health plot cannot be drawn
    with pytest.raises(KeyError):
        write_report(broken, tmp_path, stamp="broken")
    assert list(tmp_path.iterdir()) == []


def test_existing_report_not_overwritten(result, tmp_path):
    first = write_report(result, tmp_path, stamp="same")
    with pytest.raises(ReportError, match="already exists"):
        write_report(result, tmp_path, stamp="same")
    assert sorted(p.name for p in tmp_path.iterdir()) == [first.name]


@pytest.mark.parametrize(
    "argv, message",
    [
        (["no-such-scenario"], "unknown scenario 'no-such-scenario'"),
        (["crash", "--steps", "3"], "option steps must be an integer in [10, 20000], got 3"),
        (["crash", "--borrowers", "0"], "option borrowers must be an integer in [1, 200], got 0"),
        (["crash", "--max-bands", "60"], "option max_bands must be an integer in [4, 50], got 60"),
        (["crash", "--gas-price-gwei", "nan"], "option gas_price_gwei"),
        (["crash", "--steps", "ten"], "invalid int value"),
        ([], "required"),
    ],
)
def test_cli_bad_input(argv, message, tmp_path, capsys):
    assert main([*argv, "--out", str(tmp_path / "out")] if argv else []) == 2
    err = capsys.readouterr().err
    assert err.startswith("softliq scenario run: error: ") and message in err
    assert len(err.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists()


def visible_text(page: str) -> str:
    """The page without tags, scripts and styles: what a reader sees."""
    import re

    page = re.sub(r"<(script|style)>.*?</\1>", "", page, flags=re.S)
    return re.sub(r"<[^>]+>", " ", page)


def test_report_for_a_risk_team(result, report_dir):
    """Parameters with units, bad debt as a share of debt, one row per borrower with its
    outcome, no test markers on the page."""
    page = (report_dir / "index.html").read_text()
    text = visible_text(page)
    m = result.metrics
    assert m["debt_at_start"] == pytest.approx(sum(b["debt"] for b in m["borrowers"]))
    assert m["bad_debt_pct_of_debt"] == pytest.approx(100 * m["bad_debt"] / m["debt_at_start"])
    assert f"{m['bad_debt_pct_of_debt']:.3f}% of the" in text
    for row in ("<td>fee</td><td>0.01%</td><td>share</td>", "<td>price</td><td>3,000</td><td>stablecoin</td>",
                "<td>auction_tail</td><td>3 h</td><td>time</td>"):
        assert row in page
    assert len(m["borrowers"]) == 3
    liquidated = [b for b in m["borrowers"] if b["liquidations"]]
    assert sum(b["liquidations"] for b in m["borrowers"]) == m["liquidations_by_tier"]["events"] >= 1
    assert all(b["tiers"] for b in liquidated)
    for i, b in enumerate(m["borrowers"]):
        assert f"<td>borrower {i}</td><td>{b['collateral']:,.4f}</td>" in page
    assert sum(b["loss"] for b in m["borrowers"]) == pytest.approx(m["borrower_losses_by_n"]["total_loss"])
    assert "IMAGES" not in text and "pending" not in text
    assert len(result.series["reserves"]) == len(result.series["time"])
    assert len(result.series["band_prices"]) == len(result.series["bands"])


def test_a_path_file_run_is_titled_by_its_file(tmp_path):
    from softliq.scenarios import ScenarioOptions, run_scenario

    path = tmp_path / "june-dip.csv"
    path.write_text("seconds,price\n0,100\n600,80\n1200,90\n1800,85\n")
    result = run_scenario("v-shape", None, ScenarioOptions(borrowers=1, steps=10, max_bands=4, progress=False,
                                                          path_file=str(path)))
    assert result.name == "v-shape-june-dip"
    assert result.description.startswith("price path from june-dip.csv")
    assert "scenario v-shape" in result.description
