"""Unknown scenario names, out-of-range options and an unsuitable market raise
ScenarioError with a clear message, before anything is deployed or sent."""

import pytest

from softliq.chain import BoaChain, deploy_boa_cached
from softliq.keepers import Arbitrageur, AuctionTaker, KeeperError, Liquidator
from softliq.scenarios import ScenarioError, ScenarioOptions, run_scenario


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
