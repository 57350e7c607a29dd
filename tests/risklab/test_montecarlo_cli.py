"""`softliq montecarlo`: the report it writes, equal results however the work is split,
the path models, and bad input (exit 2, one line, nothing written)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from softliq import paths
from softliq.risklab import execute, pathmodels, report
from .helpers import check_bad_input, results_only, run_cli, summary

ACTIVE = ("--vol", "1.5", "--steps", "300", "--quiet")
"""A volatile week-scale run: loans get liquidated and auctions taken."""


def test_report_has_every_statistic_and_file(tmp_path):
    out = tmp_path / "mc"
    assert run_cli("montecarlo", "--paths", "6", *ACTIVE, "--seed", "4", "--out", str(out)) == 0
    assert sorted(p.name for p in out.iterdir()) == ["bad_debt.png", "health_fan.png", "index.html", "loss_by_n.png", "summary.json"]
    data = summary(out)
    assert set(data["bad_debt_pct_of_debt"]) == {"mean", "p50", "p95", "p99", "max"}
    assert set(data["borrower_loss_by_n"]) == {"4-7", "8-15", "16-31", "32-50"}
    assert 0 <= data["paths_with_bad_debt_share"] <= 1
    assert data["run"]["seed"] == 4 and data["run"]["paths"] == 6 and data["run"]["steps"] == 300
    assert data["validation"]["error_vs_exact_model"] == 0
    assert data["arbitrage_trades_per_path"] > 0
    fan = data["health_fan"]
    assert len(fan["hours"]) == len(fan["p50"]) > 10
    assert all(lo <= mid <= hi for lo, mid, hi in zip(fan["p5"], fan["p50"], fan["p95"]) if mid is not None)
    html = (out / "index.html").read_text()
    assert all(name in html for name in ("bad_debt.png", "loss_by_n.png", "health_fan.png"))


def test_workers_and_job_splits_give_identical_results(tmp_path):
    one, two = tmp_path / "one", tmp_path / "two"
    assert run_cli("montecarlo", "--paths", "5", *ACTIVE, "--out", str(one)) == 0
    assert run_cli("montecarlo", "--paths", "5", *ACTIVE, "--workers", "2", "--out", str(two)) == 0
    a, b = summary(one), summary(two)
    assert a["liquidations_by_tier"]["1"] + a["liquidations_by_tier"]["2"] > 0, "the run must exercise the keepers"
    assert results_only(a) == results_only(b)


def test_a_different_seed_gives_different_paths():
    model = pathmodels.PathModel(vol=0.8)
    a = pathmodels.generate(model, 1, 0, 3, 20, 600, 3000.0)
    assert np.array_equal(a[1:], pathmodels.generate(model, 1, 1, 2, 20, 600, 3000.0))  # path i depends on (seed, i) only
    assert not np.array_equal(a, pathmodels.generate(model, 2, 0, 3, 20, 600, 3000.0))


def test_realised_volatility_of_a_price_file(tmp_path):
    csv = tmp_path / "eth.csv"
    paths.save_csv(paths.gbm(3, 20_000, 3000.0, sigma=0.6, dt=600), csv)
    assert pathmodels.realised_vol(csv) == pytest.approx(0.6, rel=0.03)


def test_replayed_paths_keep_their_shape_from_the_market_price(tmp_path):
    for k, drop in enumerate((0.5, 0.8)):
        paths.save_csv(paths.crash(40, 100.0, drop, 12 * 2, dt=12), tmp_path / f"p{k}.csv")
    model, steps = pathmodels.replay_dir(tmp_path, None)
    assert steps == 40 and len(model.replayed) == 2
    prices = pathmodels.generate(model, 0, 0, 2, steps, 600, 3000.0)
    assert prices[0, -1] == pytest.approx(1500.0) and prices[1, -1] == pytest.approx(600.0)
    out = tmp_path / "out"
    assert run_cli("montecarlo", "--paths-from", str(tmp_path), "--quiet", "--out", str(out)) == 0
    data = summary(out)
    assert data["run"]["paths"] == 2 and data["run"]["path_model"]["kind"] == "replay"
    assert data["liquidations_by_tier"]["per_path_mean"] > 0  # a two-step 80% crash liquidates


def test_population_file_and_jump_model(tmp_path):
    pop = tmp_path / "pop.toml"
    pop.write_text("[[borrower]]\ncollateral = 4.5\nbands = 5\nltv_share = 0.99\n\n[[borrower]]\ncollateral = 40\nbands = 40\nltv_share = 0.9\n")
    out = tmp_path / "out"
    assert run_cli("montecarlo", "--population", str(pop), "--model", "jump", "--paths", "3", "--steps", "100", "--quiet", "--out", str(out)) == 0
    data = summary(out)
    assert data["run"]["population"] == [{"collateral": 4.5, "bands": 5, "ltv_share": 0.99}, {"collateral": 40.0, "bands": 40, "ltv_share": 0.9}]
    assert set(data["borrower_loss_by_n"]) == {"4-7", "32-50"}
    assert data["run"]["path_model"]["kind"] == "jump"


BAD = [
    (["--vol", "0"], "--vol"),
    (["--vol", "-0.5"], "--vol"),
    (["--vol", "nan"], "--vol"),
    (["--vol", "inf"], "--vol"),
    (["--paths", "0"], "--paths"),
    (["--steps", "0"], "--steps"),
    (["--dt", "1000000000"], "--dt"),
    (["--vol", "99", "--dt", "600000", "--steps", "2000"], "the path leaves"),
    (["--params", "@unknown.toml"], "unknown parameter"),
    (["--params", "@range.toml"], "A = 5 must be in"),
    (["--vol-from", "@bad.csv"], "line 3"),
    (["--vol-from", "@short.csv"], "at least 3"),
    (["--population", "@pop.toml"], "bands"),
    (["--population", "@dust.toml"], "the contracts reject"),
    (["--cluster", "tcp://127.0.0.1:9"], "--cluster"),
]


@pytest.mark.parametrize("args, message", BAD, ids=[" ".join(a) for a, _ in BAD])
def test_bad_input_is_one_line_exit_2_and_writes_nothing(tmp_path, capsys, monkeypatch, args, message):
    monkeypatch.setattr(execute, "CONNECT_SECONDS", 1)
    files = {
        "@unknown.toml": "colour = 3\n",
        "@range.toml": "A = 5\n",
        "@bad.csv": "seconds,price\n0,3000\n600,abc\n",
        "@short.csv": "seconds,price\n0,3000\n600,3010\n",
        "@pop.toml": "[[borrower]]\ncollateral = 1\nbands = 60\nltv_share = 0.5\n",
        "@dust.toml": "[[borrower]]\ncollateral = 1e-15\nbands = 50\nltv_share = 0.5\n",
    }
    size = [] if {"--paths", "--steps"} & set(args) else ["--paths", "2", "--steps", "20"]
    check_bad_input(tmp_path, capsys, ["montecarlo", *args, *size], files, message)


def test_an_interrupted_run_leaves_no_half_written_report(tmp_path, monkeypatch):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(report, "draw", interrupted)
    out = tmp_path / "out"
    assert run_cli("montecarlo", "--paths", "2", "--steps", "20", "--quiet", "--out", str(out)) == 130
    assert list(tmp_path.iterdir()) == []


def test_chain_check_replays_the_run_on_titanoboa(tmp_path):
    out = tmp_path / "out"
    assert run_cli("montecarlo", "--paths", "2", "--steps", "60", "--vol", "3", "--check-chain", "1", "--quiet", "--out", str(out)) == 0
    check = summary(out)["validation"]["chain_check"]
    assert check["paths"] == 1 and check["bit_exact"] is True and not math.isnan(check["seconds"])
