"""contracts/LlammaAdapter.vy: LLAMMA's bot interface over the AMM (get_dydx, exchange_dy
that buys all there is, p_current_up/down, get_amount_for_price), checked against the
AMM itself: its quotes, its swaps and the price it shows afterwards."""

import boa
import pytest

from .helpers import MAX_UINT, WAD, amm_state, balances, set_oracle, trade


@pytest.fixture
def traded(loaded_market, arbitrageur):
    """Oracle 2% down and one purchase into the first loan's bands: both coins in the
    active band, both directions tradable; the arbitrageur approves the adapter."""
    market = loaded_market
    set_oracle(market, market.amm.price_oracle() * 98 // 100)
    trade(market, arbitrageur, 0, 2000 * WAD)
    with boa.env.prank(arbitrageur):
        market.stablecoin.approve(market.llamma_adapter.address, MAX_UINT)
        market.collateral.approve(market.llamma_adapter.address, MAX_UINT)
    return market


def mint_stablecoin(market, who: str, amount: int) -> None:
    """Stablecoin for a buyer of everything, minted as the Controller would: any loan
    would put its own collateral into the bands being bought."""
    with boa.env.prank(market.controller.address):
        market.stablecoin.mint(who, amount)


def reachable(amm, i: int) -> int:
    """All of coin 1 - i one swap may take: the first 50 bands holding it, walking from
    the active band the way the swap walks."""
    ns = range(amm.active_band(), amm.max_band() + 1) if i == 0 else range(amm.active_band(), amm.min_band() - 1, -1)
    held = [amm.bands_y(n) if i == 0 else amm.bands_x(n) for n in ns]
    return sum([h for h in held if h][:50])


def test_band_edges_are_the_amms(traded):
    """p_current_down/up are LLAMMA's p_o**k / p_up**(k-1) and p_o**k / p_down**(k-1),
    contiguous from band to band, and the AMM's price lies inside the active band's."""
    market = traded
    amm, adapter = market.amm, market.llamma_adapter
    p_o, k = amm.price_oracle(), amm.AMPLIFICATION() / WAD
    n = amm.active_band()
    assert adapter.p_current_down(n) <= amm.get_p() <= adapter.p_current_up(n)
    for m in range(n - 3, n + 6):
        down, up = adapter.p_current_down(m), adapter.p_current_up(m)
        assert down == pytest.approx(p_o**k / amm.p_oracle_up(m) ** (k - 1), rel=1e-12)
        assert up == pytest.approx(p_o**k / amm.p_oracle_down(m) ** (k - 1), rel=1e-12)
        assert up == pytest.approx(adapter.p_current_down(m + 1), rel=1e-15)
        assert down < up


@pytest.mark.parametrize("i", [0, 1])
def test_exchange_dy_buys_all_there_is(traded, arbitrageur, liquidator, i):
    """Asked for more than one swap can give, the AMM refuses; the adapter buys all of it,
    exactly as get_dydx said, sends it to the receiver and keeps nothing."""
    market = traded
    amm, adapter = market.amm, market.llamma_adapter
    there = reachable(amm, i)
    ask = there + 10**6
    assert amm.get_dx(i, 1 - i, ask) == MAX_UINT
    with boa.env.prank(arbitrageur), boa.reverts("AMM: not enough liquidity"):
        amm.exchange_dy(i, 1 - i, ask, MAX_UINT)
    got, paid = adapter.get_dydx(i, 1 - i, ask)
    assert got >= there - 1 and paid == amm.get_dx(i, 1 - i, there)
    if i == 0:
        mint_stablecoin(market, arbitrageur, paid)
    payer_before, receiver_before = balances(market, arbitrageur), balances(market, liquidator)
    with boa.env.prank(arbitrageur):
        done = adapter.exchange_dy(i, 1 - i, ask, paid, liquidator)
    assert list(done) == [paid, got]
    assert payer_before[i] - balances(market, arbitrageur)[i] == paid
    assert balances(market, liquidator)[1 - i] - receiver_before[1 - i] == got
    assert balances(market, adapter.address) == (0, 0)
    assert [(e.buyer, e.sold_id, e.tokens_sold, e.bought_id, e.tokens_bought) for e in adapter.get_logs() if type(e).__name__ == "TokenExchange" and e.address == adapter.address] == [
        (arbitrageur, i, paid, 1 - i, got)
    ]


@pytest.mark.parametrize("i", [0, 1])
def test_within_liquidity_the_adapter_is_the_amm(traded, arbitrageur, i):
    """Asked for what the bands hold, get_dydx is the AMM's get_dx / get_dxdy pair."""
    amm, adapter = traded.amm, traded.llamma_adapter
    want = reachable(amm, i) // 3
    dx = amm.get_dx(i, 1 - i, want)
    got = amm.get_dxdy(i, 1 - i, dx)[1]
    assert got >= want and adapter.get_dydx(i, 1 - i, want) == (got, dx)
    if i == 0:
        mint_stablecoin(traded, arbitrageur, dx)
    with boa.env.prank(arbitrageur):
        assert list(adapter.exchange_dy(i, 1 - i, want, dx)) == [dx, got]


@pytest.mark.parametrize("i", [0, 1])
def test_exchange_dy_bad_input_changes_nothing(traded, arbitrageur, i):
    market = traded
    amm, adapter = market.amm, market.llamma_adapter
    want = reachable(amm, i) // 2
    dx = amm.get_dx(i, 1 - i, want)
    before, wallet = amm_state(market), balances(market, arbitrageur)
    with boa.env.prank(arbitrageur):
        with boa.reverts("Adapter: slippage"):
            adapter.exchange_dy(i, 1 - i, want, dx - 1)
        with boa.reverts("Adapter: wrong coin index"):
            adapter.exchange_dy(i, i, want, MAX_UINT)
        with boa.reverts("Adapter: wrong coin index"):
            adapter.get_dydx(2, 1 - i, want)
    assert amm_state(market) == before and balances(market, arbitrageur) == wallet


def test_nothing_to_buy_is_a_no_op(loaded_market, arbitrageur):
    """No band holds stablecoin yet: LLAMMA's exchange_dy then does nothing, and so does
    the adapter's."""
    market = loaded_market
    adapter = market.llamma_adapter
    assert adapter.get_dydx(1, 0, WAD) == (0, 0)
    before, wallet = amm_state(market), balances(market, arbitrageur)
    with boa.env.prank(arbitrageur):
        assert list(adapter.exchange_dy(1, 0, WAD, MAX_UINT)) == [0, 0]
    assert amm_state(market) == before and balances(market, arbitrageur) == wallet
    with boa.reverts("Adapter: zero price"):
        adapter.get_amount_for_price(0)


def target_price(market, where: str) -> int:
    """A price for get_amount_for_price: inside the active band below or above the AMM's
    price, inside a band further up, or below the lowest band (unreachable)."""
    amm, adapter = market.amm, market.llamma_adapter
    p, n = amm.get_p(), amm.active_band()
    down, up = adapter.p_current_down(n), adapter.p_current_up(n)
    band = {"up1": n + 1, "up3": n + 3, "up8": n + 8}.get(where)
    if band is not None:
        return (adapter.p_current_down(band) + 2 * adapter.p_current_up(band)) // 3
    return {
        "below": p - (p - down) * 3 // 10,
        "near bottom": p - (p - down) * 9 // 10,
        "above": p + (up - p) // 2,
        "past the last band": adapter.p_current_down(amm.min_band()) * 99 // 100,
    }[where]


@pytest.mark.parametrize("where", ["below", "near bottom", "above", "up1", "up3", "up8", "past the last band"])
def test_amount_for_price_moves_the_price_there(traded, arbitrageur, where):
    """Trading get_amount_for_price(p) leaves the AMM's price at p, within one part in a
    million, across bands and on either side of the oracle price; a price past the last
    band with liquidity gets the amount that reaches that band's edge."""
    market = traded
    amm, adapter = market.amm, market.llamma_adapter
    target = target_price(market, where)
    amount, pump = adapter.get_amount_for_price(target)
    assert pump == (target > amm.get_p()) and amount > 0
    edge = adapter.p_current_down(amm.min_band())
    trade(market, arbitrageur, 0 if pump else 1, amount)
    assert amm.get_p() == pytest.approx(max(target, edge), rel=1e-6)
