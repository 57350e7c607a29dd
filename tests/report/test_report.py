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
