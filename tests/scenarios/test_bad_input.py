"""Unknown scenario names, out-of-range options and an unsuitable market raise
ScenarioError with a clear message, before anything is deployed or sent."""

import pytest

from softliq.chain import BoaChain, deploy_boa_cached
from softliq.keepers import Arbitrageur, AuctionTaker, KeeperError, Liquidator
from softliq.scenarios import ScenarioError, ScenarioOptions, run_scenario
from softliq.scenarios.cli import main


def test_unknown_name():
    with pytest.raises(ScenarioError, match=r"unknown scenario 'moon'; known: crash, flash-crash"):
        run_scenario("moon")


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"borrowers": 0}, r"borrowers must be an integer in \[1, 200\], got 0"),
        ({"borrowers": 201}, r"borrowers must be an integer in \[1, 200\], got 201"),
        ({"steps": 9}, r"steps must be an integer in \[10, 20000\], got 9"),
        ({"steps": 2.5}, r"steps must be an integer"),
        ({"max_bands": 3}, r"max_bands must be an integer in \[4, 50\], got 3"),
        ({"seed": -1}, r"seed must be an integer"),
        ({"latency_blocks": -1}, r"latency_blocks must be an integer in \[0, 10000\]"),
        ({"gas_price_gwei": float("inf")}, r"gas_price_gwei must be a number"),
        ({"borrowers": True}, r"borrowers must be an integer"),
    ],
)
def test_bad_options(changes, message):
    with pytest.raises(ScenarioError, match=message):
        run_scenario("crash", options=ScenarioOptions(**changes))


def test_unknown_option_key():
    with pytest.raises(ScenarioError, match="unknown option.*colour"):
        ScenarioOptions.from_dict({"colour": "red"})


def test_market_without_ema_for_oracle_lag():
    chain = BoaChain(deploy_boa_cached())  # ema_time = 0
    with pytest.raises(ScenarioError, match=r"oracle-lag needs a market deployed with ema_time=3600"):
        run_scenario("oracle-lag", chain, ScenarioOptions(borrowers=1, steps=10, progress=False))
    assert chain.market.controller.n_loans() == 0  # nothing was done


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: Liquidator("0x" + "11" * 20, latency_blocks=-1), "latency_blocks must be an int >= 0"),
        (lambda: Liquidator("0x" + "11" * 20, page=51), "page must be in 1..50"),
        (lambda: Arbitrageur("0x" + "11" * 20, gas_price=-5), "gas_price must be an int >= 0"),
        (lambda: AuctionTaker("0x" + "11" * 20, mode="yolo"), "mode must be one of inventory, flash, auto"),
        (lambda: AuctionTaker("0x" + "11" * 20, margin=10**18), r"margin must be in \[0, 1e18\)"),
    ],
)
def test_bad_keeper_settings(make, message):
    with pytest.raises(KeeperError, match=message):
        make()


# ---------------------------------------------------------------- price path files


def test_bad_price_path_file_is_refused_before_anything_runs(tmp_path):
    bad = tmp_path / "path.csv"
    bad.write_text("0,3000\n12,-5\n")
    with pytest.raises(ScenarioError, match="bad price path file.*line 2"):
        ScenarioOptions(path_file=str(bad)).validate()
    with pytest.raises(ScenarioError, match="bad price path file"):
        ScenarioOptions(path_file=str(tmp_path / "missing.csv")).validate()


def test_cli_bad_price_path_file_exits_2_and_writes_nothing(tmp_path, capsys):
    bad = tmp_path / "path.csv"
    bad.write_text("seconds,price\n0,3000\n12,abc\n")
    out = tmp_path / "reports"
    assert main(["crash", "--path-file", str(bad), "--out", str(out), "--no-progress"]) == 2
    assert "bad price path file" in capsys.readouterr().err
    assert not out.exists()


def test_price_path_file_drives_the_market(tmp_path):
    """A good file replaces the scenario's path: the market follows its shape, scaled to
    start at the market's price."""
    good = tmp_path / "path.csv"
    good.write_text("seconds,price\n0,100\n600,90\n1200,80\n1800,90\n2400,100\n")
    result = run_scenario("v-shape", None, ScenarioOptions(borrowers=2, max_bands=4, path_file=str(good), progress=False))
    market = result.series["market"]
    p0 = market[0]
    assert len(market) >= 2
    assert min(market) == pytest.approx(p0 * 0.8, rel=1e-9)
    assert result.options["path_file"] == str(good)
