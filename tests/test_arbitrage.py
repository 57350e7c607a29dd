"""softliq.arbitrage: the one arbitrage search of the keepers, the fuzz machines and the
tests. On a constant-product pool behind the AMM's views (the optimum is known in closed
form, and the quotes are cheap): the searches find it, stop inside the fee's dead zone,
keep to their caps, survive or surface view reverts, and ask the same quotes as before
they shared one home (pinned). On a deployed market: the trade beats its neighbours and
fills as quoted. On the model: the Monte Carlo's closed-form walk earns at least what the
quote search finds."""

import hashlib
import json
import math

import boa
import pytest

from softliq import MarketParams, actors
from softliq.arbitrage import (
    GOLDEN,
    REVERTED,
    band_cap,
    best_quote,
    direction,
    find_arbitrage,
    golden,
    grown_search,
    probe_size,
    quote,
)
from softliq.model.montecarlo import ARBITRAGEUR, ModelDriver, base_market, best_trade

WAD = 10**18
FEE = 6 * 10**15
BIG = 10**30
"""A cap that does not bind."""


class PoolAMM:
    """A constant-product pool behind the AMM's views: x stablecoin wei against y
    collateral token units, a fee on the input. Every quote asked is logged in `asked`;
    inputs above `revert_above` revert (ValueError, as a view call would raise). With
    `collateral_left`, the pool gives at most y - collateral_left collateral and, as the
    AMM when its bands run out, takes only the input that buys it."""

    def __init__(
        self,
        price: int = 3000,
        depth: int = 1000,
        decimals: int = 18,
        revert_above: int | None = None,
        collateral_left: int | None = None,
    ):
        self.x, self.y = depth * price * WAD, depth * 10**decimals
        self.precision = 10 ** (18 - decimals)
        self.revert_above = revert_above
        self.collateral_left = collateral_left
        self.asked: list[tuple[int, int]] = []

    def get_dxdy(self, i: int, j: int, amount: int) -> tuple[int, int]:
        assert j == 1 - i and amount > 0
        self.asked.append((i, amount))
        if self.revert_above is not None and amount > self.revert_above:
            raise ValueError("view reverted")
        net, k = amount * (WAD - FEE) // WAD, self.x * self.y
        if i == 1:
            return amount, self.x - -(-k // (self.y + net))
        out = self.y - -(-k // (self.x + net))
        if self.collateral_left is None or out <= self.y - self.collateral_left:
            return amount, out
        net = -(-k // self.collateral_left) - self.x  # what buys all but collateral_left
        return min(amount, -(-net * WAD // (WAD - FEE))), self.y - self.collateral_left

    def get_p(self) -> int:
        return self.x * WAD // (self.y * self.precision)

    def fee(self) -> int:
        return FEE

    def COLLATERAL_PRECISION(self) -> int:
        return self.precision

    def active_band(self) -> int:
        return 0

    def A(self) -> int:
        return 100

    def get_base_price(self) -> int:
        return self.get_p()

    def bands(self, parts: int = 5) -> dict[int, tuple[int, int]]:
        """The pool's contents spread over `parts` bands around the active one."""
        return {n - parts // 2: (self.x // parts, self.y // parts) for n in range(parts)}

    def optimum(self, i: int, market: int) -> float:
        """The most a trade of coin i can earn at `market` (float, stablecoin wei): the
        input that moves the pool's marginal price after fee to the market's."""
        f, p = 1 - FEE / WAD, market * self.precision / WAD  # p: stablecoin wei per token unit
        if i == 0:  # the pool's stablecoin side grows to sqrt(f * k * p)
            net = math.sqrt(f * self.x * self.y * p) - self.x
            return (self.y - self.x * self.y / (self.x + net)) * p - net / f
        net = math.sqrt(f * self.x * self.y / p) - self.y
        return self.x - self.x * self.y / (self.y + net) - net / f * p


def keeper_search(amm: PoolAMM, i: int, market: int, cap: int):
    """The keeper's search, as `Arbitrageur.best_trade` calls it."""
    return grown_search(amm, i, market, amm.precision, cap, probe_size(i, market, amm.precision))


def profit_of(amm, i: int, amount: int, market: int) -> int:
    return quote(amm, i, amount, market, amm.COLLATERAL_PRECISION()).profit


# ---------------------------------------------------------------- the parts


def test_golden_brackets_the_maximum_and_shrinks_by_the_ratio():
    for from_top in (True, False):
        seen = []

        def f(t: float) -> float:
            seen.append(t)
            return -((t - 3.3) ** 2)

        lo, hi = golden(f, 0.0, 10.0, 30, from_top)
        assert lo <= 3.3 <= hi
        assert hi - lo == pytest.approx(10 * GOLDEN**30, rel=1e-6)
        assert len(seen) == 32  # two inner points, then one a step


def test_golden_keeps_each_callers_inner_point():
    """The two forms of the lower inner point differ in the last bit here; each search
    keeps its own (find_arbitrage the lower-end form, the others the upper-end one), so
    their quotes are what they were."""
    lo, hi = 0.0, 16.306998177728083
    assert hi - GOLDEN * (hi - lo) != lo + (1 - GOLDEN) * (hi - lo)
    for from_top, first in ((True, hi - GOLDEN * (hi - lo)), (False, lo + (1 - GOLDEN) * (hi - lo))):
        seen = []
        golden(lambda t: seen.append(t) or 0, lo, hi, 0, from_top)
        assert seen == [first, lo + GOLDEN * (hi - lo)]


def test_direction_and_its_dead_zone():
    amm = PoolAMM()  # at 3000
    assert direction(amm, 3100 * WAD) == 0  # the AMM sells collateral cheap: buy it
    assert direction(amm, 2900 * WAD) == 1
    assert direction(amm, 3000 * WAD) is None
    assert direction(amm, 3010 * WAD) == 0
    assert direction(amm, 3010 * WAD, FEE) is None  # within the fee: nothing can pay
    assert direction(amm, 3020 * WAD, FEE) == 0


def test_a_view_revert_is_no_trade_unless_strict():
    amm = PoolAMM(revert_above=10 * WAD)
    lost = quote(amm, 0, 20 * WAD, 3100 * WAD, 1)
    assert (lost.out, lost.profit) == (0, REVERTED)
    with pytest.raises(ValueError):
        quote(amm, 0, 20 * WAD, 3100 * WAD, 1, strict=True)


def test_band_cap_bounds_by_what_the_bands_hold():
    amm = PoolAMM()
    market = 3100 * WAD
    one_band = {0: (10**6 * WAD, 5 * WAD)}  # 5 collateral, worth 15,500
    assert band_cap(amm, 0, market, 1, one_band) == 31_000 * WAD + 1  # twice its worth
    assert band_cap(amm, 1, 2900 * WAD, 1, {0: (2900 * WAD, 0)}) == 2 * WAD + 1
    assert band_cap(amm, 0, market, 1, {50: (0, 5 * WAD)}) == 1  # far away: not counted


# ---------------------------------------------------------------- the searches on a pool


@pytest.mark.parametrize("decimals", [18, 6])
@pytest.mark.parametrize("market, i", [(3100, 0), (2900, 1), (3300, 0), (2500, 1)])
def test_the_searches_find_the_closed_form_optimum(decimals, market, i):
    """The thorough search to the worth of one collateral unit (the outputs are whole
    units), the keeper's within 0.1%, the fuzz machines' 9 quotes within 2%."""
    price = market * WAD
    best = PoolAMM(decimals=decimals).optimum(i, price)
    unit = 10 ** (18 - decimals) * market
    thorough = find_arbitrage(PoolAMM(decimals=decimals), price, BIG, BIG)
    assert thorough.i == i and thorough.profit == pytest.approx(best, rel=1e-12, abs=unit)
    keeper = keeper_search(PoolAMM(decimals=decimals), i, price, BIG)
    assert keeper.i == i and best * 0.999 <= keeper.profit <= best * (1 + 1e-9)
    fuzz = best_quote(PoolAMM(decimals=decimals), price, BIG, BIG, PoolAMM(decimals=decimals).bands())
    assert fuzz.i == i and best * 0.98 <= fuzz.profit <= best * (1 + 1e-9)


@pytest.mark.parametrize("market, i", [(3100, 0), (2900, 1)])
def test_the_chosen_size_beats_its_neighbours(market, i):
    amm = PoolAMM()
    price = market * WAD
    q = find_arbitrage(amm, price, BIG, BIG)
    for factor in (0.5, 0.9, 0.99, 0.999, 1.001, 1.01, 1.1, 2):
        assert profit_of(amm, i, int(q.amount * factor), price) <= q.profit


@pytest.mark.parametrize("market", [2990, 3000, 3010])
def test_no_trade_within_the_fee_of_the_market(market):
    price = market * WAD
    amm = PoolAMM()
    assert find_arbitrage(amm, price, BIG, BIG) is None
    for i in (0, 1):
        probed = PoolAMM()
        assert keeper_search(probed, i, price, BIG) is None
        assert len(probed.asked) == 1  # the probe lost: no more quotes
    quiet = PoolAMM()
    assert best_quote(quiet, price, BIG, BIG, quiet.bands()) is None and quiet.asked == []


def test_the_searches_keep_to_their_caps():
    price = 3100 * WAD  # buying pays, up to ~40,000 stablecoin
    cap = 500 * WAD
    for q in (
        find_arbitrage(PoolAMM(), price, cap, BIG),
        keeper_search(PoolAMM(), 0, price, cap),
        best_quote(PoolAMM(), price, cap, BIG, PoolAMM().bands()),
    ):
        assert q.i == 0 and q.used <= cap
    assert find_arbitrage(PoolAMM(), price, cap, BIG).amount == pytest.approx(cap, rel=1e-6)  # it pays to the cap
    assert find_arbitrage(PoolAMM(), price, 0, BIG) is None  # selling does not pay, buying has nothing
    assert keeper_search(PoolAMM(), 0, price, 0) is None
    thin = {0: (0, 2 * WAD)}  # only 2 collateral near: the fuzz search spends at most twice their worth
    q = best_quote(PoolAMM(), price, BIG, BIG, thin)
    assert q.used <= band_cap(PoolAMM(), 0, price, 1, thin)


def test_a_view_revert_costs_the_keeper_only_the_reverting_sizes():
    price, limit = 3100 * WAD, 1_000 * WAD  # the optimum (~40,000) reverts
    amm = PoolAMM(revert_above=limit)
    q = keeper_search(amm, 0, price, BIG)
    assert q is not None and q.used <= limit
    assert profit_of(PoolAMM(), 0, q.used, price) == q.profit
    q = find_arbitrage(PoolAMM(revert_above=limit), price, BIG, BIG)
    assert q is not None and q.amount <= limit
    with pytest.raises(ValueError):  # the fuzz machines want to see it
        best_quote(PoolAMM(revert_above=limit), price, BIG, BIG, PoolAMM().bands())


def test_where_the_bands_run_out_the_first_of_equal_trades_is_kept():
    """Past the size that empties the pool every quote is the same trade (the AMM takes
    only what it needs); each search keeps the first such quote it asked."""
    price, left = 3300 * WAD, 990 * WAD  # 10 collateral to buy, far below the optimum's ~45
    for search in (
        lambda amm: find_arbitrage(amm, price, BIG, BIG),
        lambda amm: keeper_search(amm, 0, price, BIG),
        lambda amm: best_quote(amm, price, BIG, BIG, amm.bands()),
    ):
        amm = PoolAMM(collateral_left=left)
        q = search(amm)
        assert q.out == 10 * WAD and q.used < q.amount
        ties = [a for i, a in list(amm.asked) if i == 0 and amm.get_dxdy(0, 1, a) == (q.used, q.out)]
        assert len(ties) > 1 and q.amount == ties[0]


def test_each_search_asks_each_size_once_and_few_quotes():
    price = 3100 * WAD
    amm = PoolAMM()
    find_arbitrage(amm, price, BIG, BIG)
    assert len(amm.asked) == len(set(amm.asked))
    amm = PoolAMM()
    best_quote(amm, price, BIG, BIG, amm.bands(), 9)
    assert len(amm.asked) == len(set(amm.asked)) == 9
    amm = PoolAMM()
    keeper_search(amm, 0, price, BIG)
    assert len(amm.asked) <= 15


def _asked(amm: PoolAMM) -> str:
    return hashlib.sha256(json.dumps(amm.asked).encode()).hexdigest()[:12]


# Recorded from the searches before they shared softliq/arbitrage.py (softliq.arbitrage,
# softliq.keepers.arbitrageur._search, softliq.fuzz.arb.best_quote) on these pools: the
# trade (i, amount or used, out, profit), how many quotes, and a digest of their sizes in
# order. DRY: the pool runs out 10 collateral in (equal trades past it); ODD_CAP: a cap
# whose search meets a bracket where the two forms of the inner point differ.
DRY = {"collateral_left": 990 * WAD}
ODD_CAP = 13758486836511953479845019648
PINNED = [
    ("find", {}, 3100, (BIG, BIG), (0, 40671631287898597228544, 13296682835080139690, 548085500849835810456), 72, "8517bf0d2180"),
    ("find", {"decimals": 6}, 2900, (BIG, BIG), (1, 14136333, 41570417652795479527487, 575051952795479527487), 53, "e0e0696c23a2"),
    ("find", {}, 3100, (500 * WAD, BIG), (0, 499999999999998230528, 165639225768263804, 13481599881619561872), 73, "c4e05a8b8d1c"),
    ("find", {}, 3100, (ODD_CAP, ODD_CAP), (0, 40671631275234508668928, 13296682830994949832, 548085500849835810272), 72, "91fa0168d755"),
    ("find", DRY, 3300, (BIG, BIG), (0, 82786719765202584207360, 10 * WAD, 2514054021096274617400), 72, "1ceebdedae94"),
    ("keeper", {}, 3100, BIG, (0, 40023642494781343399936, 13087609900981118193, 547948198260122998364), 15, "1c13c348c915"),
    ("keeper", {"decimals": 6}, 2900, BIG, (1, 14204535, 41768183198586909459164, 575031698586909459164), 15, "52d714b89610"),
    ("keeper", {}, 3100, 1000 * WAD, (0, 1000 * WAD, 331223587917869879, 26793122545396624900), 12, "0ea5c204c5ed"),
    ("keeper", {}, 3100, 10**17, (0, 10**17, 33133332235515, 2713329930096500), 1, "cd84e3eece49"),  # cap below the probe
    ("keeper", DRY, 3300, BIG, (0, 30485945978903725382600, 10 * WAD, 2514054021096274617400), 27, "dec98d8c39ec"),
    ("fuzz", {}, 3100, (500 * WAD, BIG, 9), (0, 380688227569841930240, 126118791445626421, 10280025911599974860), 9, "47b9c21fa500"),
    ("fuzz", {"decimals": 6}, 2900, (BIG, BIG, 5), (1, 11029848, 32534308641445658757343, 547749441445658757343), 5, "bf313dd073ad"),
    ("fuzz", DRY, 3300, (BIG, BIG, 9), (0, 30485945978903725382600, 10 * WAD, 2514054021096274617400), 9, "53e583bce79f"),
]


@pytest.mark.parametrize("search, pool, market, args, trade, n_quotes, digest", PINNED)
def test_the_searches_ask_the_quotes_they_asked_before(search, pool, market, args, trade, n_quotes, digest):
    amm, price = PoolAMM(**pool), market * WAD
    if search == "find":
        q = find_arbitrage(amm, price, *args)
        got = (q.i, q.amount, q.out, q.profit)
    elif search == "keeper":
        q = keeper_search(amm, trade[0], price, args)
        got = (q.i, q.used, q.out, q.profit)
    else:
        stable_cap, collateral_cap, n = args
        q = best_quote(amm, price, stable_cap, collateral_cap, amm.bands(), n)
        got = (q.i, q.used, q.out, q.profit)
    assert (got, len(amm.asked), _asked(amm)) == (trade, n_quotes, digest)


# ---------------------------------------------------------------- on a deployed market


def test_on_a_market_the_trade_beats_its_neighbours_and_fills_as_quoted(market, borrowers, arbitrageur):
    amm = market.amm
    for who, n_bands in zip(borrowers[:3], (4, 6, 10)):
        actors.open_loan_at(market, who, 10 * WAD, 0.95, n_bands)
    n1, _ = amm.read_user_tick_numbers(borrowers[1])
    price = amm.p_oracle_down(n1 + 1)
    with boa.env.prank(market.admin):
        market.oracle.set_price(price)
    boa.env.time_travel(seconds=amm.ORACLE_FEE_WINDOW())
    actors.fund_stablecoin(market, arbitrageur, 100_000 * WAD)
    stable = market.stablecoin.balanceOf(arbitrageur)
    q = find_arbitrage(amm, price, stable, 0)
    assert q is not None and q.i == 0 and q.used <= stable
    for factor in (0.5, 0.9, 0.99, 1.01, 1.1, 2):
        assert profit_of(amm, 0, int(q.amount * factor), price) <= q.profit
    keeper = grown_search(amm, 0, price, 1, stable, probe_size(0, price, 1))
    assert keeper.i == 0 and q.profit * 0.99 <= keeper.profit
    assert find_arbitrage(amm, amm.get_p(), stable, 0) is None  # at the AMM's price: within its fee
    before = market.collateral.balanceOf(arbitrageur)
    with boa.env.prank(arbitrageur):
        amm.exchange(0, 1, q.amount, q.out)
    assert stable - market.stablecoin.balanceOf(arbitrageur) == q.used
    assert market.collateral.balanceOf(arbitrageur) - before == q.out


# ---------------------------------------------------------------- against the model's walk


class ModelViews:
    """The model AMM behind the views the quote search reads."""

    def __init__(self, amm) -> None:
        self.amm = amm

    def get_dxdy(self, i: int, j: int, amount: int) -> tuple[int, int]:
        return self.amm.get_dxdy(i, j, amount)

    def COLLATERAL_PRECISION(self) -> int:
        return self.amm.COLLATERAL_PRECISION


def _moved(params: MarketParams, down: int, up: int | None):
    """The Monte Carlo's population after the oracle fell to `down` % (and, with `up`,
    was arbitraged there and rose again to `up` %: the AMM then buys collateral back)."""
    model = base_market(params).copy()
    start = model.amm.price_oracle()
    model.set_price(start * down // 100)
    model.time_travel(600)
    if up is not None:
        for _ in range(5):
            arb = best_trade(model, start * down // 100)
            if arb is None:
                break
            ModelDriver(model).exchange(ARBITRAGEUR, arb.i, arb.amount)
        model.set_price(start * up // 100)
        model.time_travel(600)
    return model


@pytest.mark.parametrize("decimals", [18, 6])
@pytest.mark.parametrize("down, up", [(97, None), (85, None), (70, None), (85, 95), (90, 100)])
def test_the_model_walk_earns_at_least_the_quote_search(decimals, down, up):
    """`montecarlo.best_trade` (closed form per band) against `find_arbitrage` over the
    same model's quotes, at and around the oracle: never less, up to the worth of one
    token unit of collateral (the walk's input or output rounds to whole units), and
    never more than the thorough search's rounding away (both find the optimum)."""
    model = _moved(MarketParams(collateral_decimals=decimals), down, up)
    oracle = model.amm.price_oracle()
    compared = 0
    for market in (oracle, oracle * 99 // 100, oracle * 101 // 100):
        walk = best_trade(model, market)
        quoted = find_arbitrage(ModelViews(model.amm), market, BIG, BIG)
        unit = model.amm.COLLATERAL_PRECISION * market // WAD + 1
        if quoted is None or quoted.profit <= unit:
            assert walk is None or walk.profit <= unit + (quoted.profit if quoted else 0)
            continue
        compared += 1
        assert walk is not None and walk.i == quoted.i
        assert walk.profit + unit >= quoted.profit
        assert walk.profit <= quoted.profit * (1 + 1e-5) + unit
    assert compared
