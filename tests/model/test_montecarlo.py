"""Monte Carlo over the model: bit-exact with the chain on a sample, sane results,
clear errors for bad input."""

import numpy as np
import pytest

from softliq import MarketParams
from softliq.model.montecarlo import best_trade, base_market, check_sample_against_chain, gbm_paths, simulate_paths

WAD = 10**18


def test_sample_paths_agree_with_chain_to_the_wei():
    # two 25-step paths with 1%-per-step moves: swaps every step, keepers every 10 steps
    assert check_sample_against_chain(n_paths=2, n_steps=25, seed=3)


def test_simulate_paths_runs_every_step_and_trades():
    prices = gbm_paths(3, 60, seed=5, vol_per_step=0.01)
    result = simulate_paths(prices, MarketParams(), seed=5, workers=1)
    assert list(result.steps) == [60, 60, 60]
    assert result.trades.sum() > 0
    assert len(result.bad_debt) == 3 and all(isinstance(b, int) for b in result.bad_debt)
    assert result.path_steps_per_second > 0


def test_a_gradual_fall_converts_without_liquidation_but_a_jump_liquidates():
    fall = np.linspace(3000, 1500, 80)[None, :]
    gradual = simulate_paths(fall, MarketParams(), seed=1, workers=1)
    assert gradual.trades.sum() > 0 and gradual.liquidations.sum() == 0 and gradual.bad_debt == [0]
    jump = np.concatenate([np.full(5, 3000.0), np.full(40, 1800.0)])[None, :]
    crashed = simulate_paths(jump, MarketParams(), seed=1, workers=1)
    assert crashed.liquidations.sum() > 0


def test_best_trade_is_unprofitable_when_market_equals_amm_price():
    model = base_market(MarketParams()).copy()
    arb = best_trade(model, model.amm.price_oracle())
    assert arb is None  # every band holds only collateral below the oracle: nothing to buy at p_o


def test_workers_give_the_same_results():
    prices = gbm_paths(4, 30, seed=9, vol_per_step=0.01)
    one = simulate_paths(prices, MarketParams(), seed=9, workers=1)
    two = simulate_paths(prices, MarketParams(), seed=9, workers=2)
    assert one.bad_debt == two.bad_debt and one.borrower_loss == two.borrower_loss
    assert list(one.trades) == list(two.trades)


@pytest.mark.parametrize(
    "prices, message",
    [
        (np.array([[3000.0, 0.0]]), "positive"),
        (np.array([[3000.0, -1.0]]), "positive"),
        (np.array([[3000.0, np.nan]]), "non-finite"),
        (np.array([[3000.0, np.inf]]), "non-finite"),
        (np.zeros((0, 5)), "empty"),
        (np.array([3000.0, 2900.0]), "shape"),
    ],
)
def test_bad_paths_are_rejected(prices, message):
    with pytest.raises(ValueError, match=message):
        simulate_paths(prices, MarketParams(), seed=0, workers=1)


def test_bad_workers_rejected():
    with pytest.raises(ValueError, match="workers"):
        simulate_paths(np.full((1, 3), 3000.0), MarketParams(), seed=0, workers=0)
