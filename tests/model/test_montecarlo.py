"""Monte Carlo over the model: bit-exact with the chain on a sample, sane results,
clear errors for bad input."""

import numpy as np
import pytest

from softliq import MarketParams
from softliq.model import ModelMarket, montecarlo
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


# ---------------------------------------------------------------- fast paths stay exact


SCREEN_CASES = [
    pytest.param(MarketParams(), 0.01, id="default"),
    pytest.param(MarketParams(collateral_decimals=6, rate=634195839 * 50), 0.01, id="6dec-rate"),
    pytest.param(MarketParams(A=1000, amplification=11 * 10**17), 0.005, id="A1000"),
]


@pytest.mark.parametrize("params, vol", SCREEN_CASES)
def test_health_screen_tracks_exact_health_and_never_clears_an_unhealthy_loan(monkeypatch, params, vol):
    """At every keeper round, for every loan: the float screen is within 1e-9 above the
    exact full health (it may understate, never overstate), so it never skips a loan
    the keepers would liquidate."""
    seen: list[tuple[float, int]] = []
    keepers = montecarlo._keepers

    def checking_keepers(driver, keeper, market, skip, *rest):
        m = driver.model
        for user in list(m.controller.loans):
            debt = m.controller.debt(user)
            estimate = montecarlo.HealthScreen(m).health(user, debt)
            exact = m.controller._health_now(user, debt, True)
            assert estimate is not None, user
            assert estimate - exact / WAD <= 1e-9, (user, estimate, exact)
            seen.append((estimate, exact))
        return keepers(driver, keeper, market, skip, *rest)

    monkeypatch.setattr(montecarlo, "_keepers", checking_keepers)
    simulate_paths(gbm_paths(2, 300, seed=17, vol_per_step=vol), params, seed=17, workers=1)
    assert len(seen) > 100
    assert any(exact < 0 for _, exact in seen), "the paths never made a loan unhealthy"
    assert not any(est > montecarlo.HEALTH_MARGIN and exact < 0 for est, exact in seen)


MEMO_CASES = [
    pytest.param(MarketParams(), montecarlo.Keepers(), 0.01, id="default"),
    pytest.param(MarketParams(collateral_decimals=6, rate=634195839 * 50), montecarlo.Keepers(gas_price=20 * 10**9), 0.01, id="6dec-rate-20gwei"),
    pytest.param(MarketParams(A=1000, amplification=11 * 10**17), montecarlo.Keepers(lag_steps=2, gas_price=2 * 10**9), 0.005, id="A1000-lag2"),
]


def _memo_checks(monkeypatch, params, keepers, vol, seed):
    """Run paths; at every estimate made with the path's HealthMemo, record (memo
    estimate, fresh estimate, exact health, bands the memo supplied)."""
    health = montecarlo.HealthScreen.health
    seen: list[tuple[float | None, float | None, int, int]] = []

    def checking_health(self, user, debt, memo=None):
        estimate = health(self, user, debt, memo)
        if memo is not None:
            entry = memo.loans[user]
            supplied = len(entry[2]) + len(entry[3]) - 2
            exact = self.model.controller._health_now(user, debt, True)
            seen.append((estimate, health(self, user, debt), exact, supplied))
        return estimate

    monkeypatch.setattr(montecarlo.HealthScreen, "health", checking_health)
    simulate_paths(gbm_paths(2, 300, seed=seed, vol_per_step=vol), params, seed=seed, workers=1, keepers=keepers)
    return seen


@pytest.mark.parametrize("params, keepers, vol", MEMO_CASES)
def test_health_memo_gives_the_fresh_estimate(monkeypatch, params, keepers, vol):
    """Every estimate a keeper round makes with the path's HealthMemo equals the
    estimate read afresh from every band (to float rounding), so it too never clears a
    loan whose exact health is negative; and the memo does supply most bands."""
    seen = _memo_checks(monkeypatch, params, keepers, vol, seed=37)
    assert len(seen) > 100
    for memo_estimate, fresh, exact, _ in seen:
        assert (memo_estimate is None) == (fresh is None)
        if fresh is not None:
            assert abs(memo_estimate - fresh) <= 1e-12 * max(1.0, abs(fresh)), (memo_estimate, fresh)
            assert memo_estimate - exact / WAD <= 1e-9, (memo_estimate, exact)
    assert any(exact < 0 for _, _, exact, _ in seen), "the paths never made a loan unhealthy"
    assert sum(supplied for *_, supplied in seen) > 5 * len(seen), "the memo supplied few bands"


def test_health_memo_not_told_of_swaps_goes_stale(monkeypatch):
    """The check above can fail: a memo that is not told which bands the swaps wrote
    keeps values the bands no longer hold."""
    monkeypatch.setattr(montecarlo.HealthMemo, "swapped", lambda self, a, b: None)
    seen = _memo_checks(monkeypatch, MarketParams(), montecarlo.Keepers(), 0.01, seed=37)
    assert any(
        fresh is not None and abs(memo_estimate - fresh) > 1e-6 for memo_estimate, fresh, _, _ in seen
    )


def test_quiet_directions_have_no_profitable_trade(monkeypatch):
    """Whenever the float pre-check calls a direction quiet, the exact search of that
    direction alone finds nothing, and skipping it does not change the chosen trade."""
    search = montecarlo.best_trade
    skipped = []

    def checking_search(model, market, quiet=(False, False)):
        chosen = search(model, market, quiet)
        full = search(model, market)
        assert (chosen is None) == (full is None)
        if full is not None:
            assert (chosen.i, chosen.amount, chosen.profit) == (full.i, full.amount, full.profit)
        for side, is_quiet in enumerate(quiet):
            if is_quiet:
                skipped.append(side)
                assert search(model, market, (side == 1, side == 0)) is None
        return chosen

    monkeypatch.setattr(montecarlo, "best_trade", checking_search)
    simulate_paths(gbm_paths(3, 300, seed=21, vol_per_step=0.01), MarketParams(), seed=21, workers=1)
    assert skipped, "no direction was ever quiet: the check did not run"


def _moved_market() -> ModelMarket:
    """A copy of the population after a 3% oracle move (the bands now trade)."""
    model = base_market(MarketParams()).copy()
    model.set_price(model.amm.price_oracle() * 97 // 100)
    model.time_travel(600)
    return model


def test_amm_memos_follow_fee_and_rate_changes():
    """Quotes after set_amm_fee / set_rate (and time) equal those of a copy with empty
    memos, and differ from the stale quote."""
    model = _moved_market()
    amount = 20_000 * WAD
    before = model.amm.get_dxdy(0, 1, amount)
    assert before == model.amm.get_dxdy(0, 1, amount)  # memo hit, same answer
    model.set_amm_fee(10**16)
    after_fee = model.amm.get_dxdy(0, 1, amount)
    assert after_fee != before
    assert after_fee == model.copy().amm.get_dxdy(0, 1, amount)
    model.set_rate(634195839 * 50)
    model.time_travel(30 * 86400)
    after_rate = model.amm.get_dxdy(0, 1, amount)
    assert after_rate != after_fee
    assert after_rate == model.copy().amm.get_dxdy(0, 1, amount)


def test_swap_memo_rereads_the_bands_and_returns_fresh_trades():
    """A quote is not reused once a swap changed the bands it read; mutating a returned
    Trade does not leak into later quotes."""
    model = _moved_market()
    model.exchange("arbitrageur", 0, 1, 10 * WAD)  # the active band is now the first holding collateral
    amm = model.amm
    ctx = amm.ctx(amm.price_oracle())
    first = amm.calc_swap_out(True, 20_000 * WAD, ctx)
    first.bands.clear()
    first.values.clear()
    again = amm.calc_swap_out(True, 20_000 * WAD, ctx)
    assert again.bands and len(again.bands) == len(again.values)
    active = amm.active
    model.exchange("arbitrageur", 0, 1, 10 * WAD)  # a small buy: same active band, new contents
    assert amm.active == active  # so only re-reading the bands can tell the quote is stale
    requote = amm.calc_swap_out(True, 20_000 * WAD, ctx)
    fresh = model.copy().amm.calc_swap_out(True, 20_000 * WAD, ctx)
    assert (requote.in_amount, requote.out_amount, requote.n_end, requote.bands, requote.values) == (
        fresh.in_amount,
        fresh.out_amount,
        fresh.n_end,
        fresh.bands,
        fresh.values,
    )
    assert requote.out_amount != again.out_amount


GAS_CASES = [
    pytest.param(MarketParams(), montecarlo.Keepers(gas_price=5 * 10**9), 0.004, id="default-5gwei"),
    pytest.param(MarketParams(), montecarlo.Keepers(), 0.004, id="default-free-gas"),
    pytest.param(MarketParams(collateral_decimals=6, rate=634195839 * 50), montecarlo.Keepers(gas_price=20 * 10**9), 0.01, id="6dec-rate-20gwei"),
    pytest.param(MarketParams(A=1000, amplification=11 * 10**17, swing_factor=10**18), montecarlo.Keepers(gas_price=5 * 10**9), 0.015, id="A1000-swing"),
    pytest.param(MarketParams(), montecarlo.Keepers(lag_steps=3, gas_price=2 * 10**9), 0.01, id="lag3-2gwei"),
]


@pytest.mark.parametrize("params, keepers, vol", GAS_CASES)
def test_gas_screen_skips_only_trades_that_cannot_beat_the_gas(monkeypatch, params, keepers, vol):
    """Whenever GasScreen calls a direction quiet, the exact search of that direction
    finds no trade earning more than the swap's gas; and it does skip searches."""
    screen = montecarlo.GasScreen.quiet
    skipped = []

    def checking_quiet(self, market, cost, known=(False, False)):
        quiet = screen(self, market, cost, known)
        for side, is_quiet in enumerate(quiet):
            if is_quiet and not known[side]:
                arb = montecarlo.best_trade(self.model, montecarlo._oracle_price(market), (side == 1, side == 0))
                assert arb is None or arb.profit <= cost, (side, arb, cost)
                skipped.append(side)
        return quiet

    monkeypatch.setattr(montecarlo.GasScreen, "quiet", checking_quiet)
    result = simulate_paths(gbm_paths(3, 300, seed=23, vol_per_step=vol), params, seed=23, workers=1, keepers=keepers)
    assert result.trades.sum() > 0
    assert skipped.count(0) > 20 and skipped.count(1) > 20, "the screen never skipped a search"


@pytest.mark.parametrize("params, keepers, vol", GAS_CASES)
def test_gas_bound_is_at_least_the_best_trade_profit(monkeypatch, params, keepers, vol):
    """Wherever GasScreen is asked, its bound of each direction is at least the profit
    of the exact search's trade in that direction (so a skip can never drop a trade
    that beats the gas), and the bound is close: within 1% of the profit on most
    trades worth 0.01 stablecoin at the oracle's price (the bound does not count the
    away fee a lagging market pays), so the screen leaves few exact searches that find
    nothing worth the gas."""
    screen = montecarlo.GasScreen.quiet
    ratios: list[float] = []
    checked: list[bool] = []
    worth = 10**16

    def checking_quiet(self, market, cost, known=(False, False)):
        price = montecarlo._oracle_price(market)
        for side in (0, 1):
            arb = montecarlo.best_trade(self.model, price, (side == 1, side == 0))
            if arb is not None:
                bound = self.gain(side == 0, market, self.least_fee())
                checked.append(arb.profit <= bound)
                assert checked[-1], (side, arb.profit, bound)
                if arb.profit >= worth and price == self.p_o:
                    ratios.append(bound / arb.profit)
        return screen(self, market, cost, known)

    monkeypatch.setattr(montecarlo.GasScreen, "quiet", checking_quiet)
    simulate_paths(gbm_paths(3, 300, seed=29, vol_per_step=vol), params, seed=29, workers=1, keepers=keepers)
    assert len(checked) > 100
    assert keepers.lag_steps or len(ratios) > 50
    assert not ratios or np.median(ratios) < 1.01, np.median(ratios)


def test_path_oracle_prices_are_rounded_as_each_step_rounds_them():
    """`_oracle_prices` (one numpy pass per path) gives exactly `_oracle_price` of every
    price: ties at half a micro-unit go to even, tiny prices to 1 wei, large ones exact."""
    rng = np.random.default_rng(31)
    prices = np.concatenate([
        gbm_paths(1, 2000, seed=31, vol_per_step=0.05)[0],
        rng.uniform(0, 1e15, 500),
        np.array([0.5e-6, 1.5e-6, 2.5e-6, 1e-9, 1234.0000005, 3000.0000025, 1e15, 2**-30]),
    ]).tolist()
    assert montecarlo._oracle_prices(prices) == [montecarlo._oracle_price(p) for p in prices]
    below = [p for p in prices if p < 1e12]  # the int64 conversion (every micro-unit below 2**62)
    assert montecarlo._oracle_prices(below) == [montecarlo._oracle_price(p) for p in below]


def test_keepers_read_the_restored_market_after_a_reverted_liquidation():
    """A liquidation that reverts puts the market back in new objects (ModelMarket's
    atomic copy); the keeper round then judges the remaining loans on that restored state,
    not on the objects the failed call left half-changed: here the failed call zeroes
    every other loan's debt in the old controller, and the round must still liquidate
    the next unhealthy loan."""
    model = base_market(MarketParams()).copy()
    market = model.amm.price_oracle() * 60 // 100
    model.set_price(market)  # every loan under water
    driver = montecarlo.ModelDriver(model)
    for _ in range(100):  # arbitrage walks the active band down through the loans
        model.time_travel(600)
        arb = best_trade(model, market)
        if arb is None:
            break
        driver.exchange(montecarlo.ARBITRAGEUR, arb.i, arb.amount)
    tried: list[str] = []
    liquidate = driver.liquidate

    def first_one_reverts(keeper: str, user: str) -> int:
        tried.append(user)
        if len(tried) > 1:
            return liquidate(keeper, user)
        saved = model.copy()
        stale = model.controller
        for other in list(stale.loans):
            if other != user:
                stale.norms.pop(other, None)  # the failed call's half-done writes
        model._adopt(saved)
        raise montecarlo.ModelRevert("a revert mid-way")

    driver.liquidate = first_one_reverts  # type: ignore[method-assign]
    done = montecarlo._keepers(driver, montecarlo.KEEPER, market, {montecarlo.ARBITRAGEUR, montecarlo.KEEPER})
    assert len(tried) >= 2 and done == len(tried) - 1
