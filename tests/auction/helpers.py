"""Shared helpers of the auction suite: oracle moves, events, the accounting identity,
token totals, state snapshots, and exact Python re-statements of the liquidation rules.

Markets come from the `market` fixture; funding and loans from softliq.actors."""

from __future__ import annotations

import boa
from hypothesis import HealthCheck

from softliq import actors
from softliq.arbitrage import find_arbitrage
from softliq.bands import reader_for
from softliq.logs import act, events, one_event  # noqa: F401 - the suites import them from here
from softliq.params import WAD
from softliq.positions import total_dust

MAX_UINT = 2**256 - 1
MAX_PRICE = 2**255  # a max_price no auction reaches
LINEAR, STAIRSTEP, EXPONENTIAL = 0, 1, 2

# hypothesis settings of the suite: titanoboa anchors every example, so the state that
# function-scoped fixtures built is restored between examples (the health check's worry)
FIXTURE_OK = {"deadline": None, "suppress_health_check": [HealthCheck.function_scoped_fixture]}


# ---------------------------------------------------------------- actions


def set_price(market, price: int) -> None:
    """Move the settable oracle (as the market's admin)."""
    with boa.env.prank(market.admin):
        market.oracle.set_price(price)


def units(market, amount_wad: int) -> int:
    return actors.collateral_units(market, amount_wad)


def liquidate(market, keeper: str, user: str):
    """Liquidate `user` as `keeper`; returns (auction id, Liquidate event, logs)."""
    auction_id, logs = act(keeper, market.controller, "liquidate", user)
    ev = one_event(logs, "Liquidate", market.controller)
    assert ev.auction_id == auction_id
    return auction_id, ev, logs


def take(market, who: str, auction_id: int, max_collateral: int, max_price: int = MAX_PRICE, receiver=None, data=b""):
    """Take from auction `auction_id` as `who` (collateral to `receiver`, default `who`);
    returns ((bought, paid), logs)."""
    result, logs = act(who, market.auction, "take", auction_id, max_collateral, max_price, receiver or who, data)
    return tuple(result), logs


def arbitrage(market, arbitrageur: str) -> None:
    """Let `arbitrageur` make the most profitable AMM trade at the oracle price, if any."""
    amm = market.amm
    arb = find_arbitrage(
        amm,
        amm.price_oracle(),
        market.stablecoin.balanceOf(arbitrageur),
        market.collateral.balanceOf(arbitrageur),
    )
    if arb is not None:
        with boa.env.prank(arbitrageur):
            amm.exchange(arb.i, 1 - arb.i, arb.amount, 0)


def set_liquidation_params(market, **changes) -> None:
    """set_liquidation_params as admin, changing only the named fields."""
    names = ("penalty_tier1", "penalty_tier2", "target_health", "min_debt", "tip", "chip", "max_in_auction")
    values = {n: getattr(market.policy, n)() for n in names}
    values.update(changes)
    with boa.env.prank(market.admin):
        market.policy.set_liquidation_params(*(values[n] for n in names))


def set_auction_params(market, **changes) -> None:
    """Auction.set_params as admin, changing only the named fields."""
    a = market.auction
    names = ("buf", "tail", "cusp", "chost")
    values = {n: getattr(a, n)() for n in names}
    values.update(changes)
    with boa.env.prank(market.admin):
        a.set_params(*(values[n] for n in names))


def set_curve(market, kind: int, a: int, b: int = 0) -> None:
    with boa.env.prank(market.admin):
        market.auction.set_curve(kind, a, b)


def at_time(ts: int) -> None:
    """Set the chain's timestamp (absolute)."""
    boa.env.evm.patch.timestamp = ts


def now() -> int:
    return boa.env.evm.patch.timestamp


# ---------------------------------------------------------------- accounting


def identity_sides(market) -> tuple[int, int]:
    """(supply + reserves - bad_debt, total_debt + total_tab): the identity's two sides."""
    c = market.controller
    lhs = market.stablecoin.totalSupply() + c.reserves() - c.bad_debt()
    rhs = c.total_debt() + market.auction.total_tab()
    return lhs, rhs


def identity_gap(market) -> int:
    """rhs - lhs of the accounting identity. The Controller books the difference between
    the change of total debt and the change of a loan's (rounded-up) debt into reserves
    at every write (_set_debt), so the identity is exact: the suite asserts 0."""
    lhs, rhs = identity_sides(market)
    return rhs - lhs


def collateral_holders(market, wallets) -> int:
    """Collateral in the AMM, the auction house and `wallets` (token units)."""
    col = market.collateral
    return (
        col.balanceOf(market.amm.address)
        + col.balanceOf(market.auction.address)
        + sum(col.balanceOf(w) for w in set(map(str, wallets)))
    )


def stablecoin_holders(market, wallets) -> int:
    st = market.stablecoin
    return (
        st.balanceOf(market.amm.address)
        + st.balanceOf(market.auction.address)
        + st.balanceOf(market.controller.address)
        + sum(st.balanceOf(w) for w in set(map(str, wallets)))
    )


def bands_collateral(market) -> int:
    """Collateral the AMM's bands account for (token units)."""
    amm = market.amm
    lo, hi = amm.min_band(), amm.max_band()
    return sum(y for _, y, _ in reader_for(amm).bands(lo, hi).values()) if hi >= lo else 0


def lots_in_amm(market) -> int:
    """Collateral the AMM holds beyond its bands: the live auctions' lots, which stay in
    the AMM until a take or a settlement moves them."""
    return market.collateral.balanceOf(market.amm.address) - bands_collateral(market) - positions_dust(market)


def positions_dust(market) -> int:
    """Collateral the open positions hold in no band: each one's dust, under N units
    (docs/lazy-bands-spec.md)."""
    c = market.controller
    return total_dust(market.amm, [c.loans(i) for i in range(c.n_loans())])


def live_lots_and_tabs(market) -> tuple[int, int]:
    """Sum of lots and of tabs over the live auctions."""
    lots = tabs = 0
    for i in market.auction.active_ids():
        _, _, lot, tab = market.auction.status(i)
        lots += lot
        tabs += tab
    return lots, tabs


# ---------------------------------------------------------------- snapshots


def snapshot(market, users=(), ids=()) -> dict:
    """Every view a revert must leave unchanged."""
    c, a, amm, st, col = market.controller, market.auction, market.amm, market.stablecoin, market.collateral
    state = {
        "controller": (
            c.n_loans(), c.total_debt(), c.reserves(), c.bad_debt(), c.admin(),
            market.policy.penalty_tier1(), market.policy.penalty_tier2(), market.policy.target_health(), market.policy.min_debt(),
            market.policy.tip(), market.policy.chip(), market.policy.max_in_auction(), str(c.auction()),
        ),
        "auction": (
            a.kicks(), a.total_tab(), tuple(a.active_ids()), a.curve_kind(), a.curve_a(), a.curve_b(),
            a.buf(), a.tail(), a.cusp(), a.chost(), a.stopped(), str(a.controller()), a.admin(),
        ),
        "supply": (st.totalSupply(), col.totalSupply()),
        "balances": tuple(
            (st.balanceOf(h), col.balanceOf(h)) for h in (amm.address, a.address, c.address)
        ),
        "amm": (amm.active_band(), amm.get_rate_mul()),
    }
    for u in users:
        state[str(u)] = (
            c.loan_exists(u), c.debt(u), tuple(amm.get_sum_xy(u)), tuple(amm.read_user_tick_numbers(u)),
            st.balanceOf(u), col.balanceOf(u),
        )
    for i in ids:
        state[f"sale{i}"] = tuple(a.sales(i))
    return state


# ---------------------------------------------------------------- rules in Python


def tier1_fraction(market, debt: int, x_down: int, x: int, y18: int, ld: int, p_o: int) -> int:
    """The documented tier-1 rule (Controller._tier1_fraction): 0 means tier 2."""
    c = market.controller
    v = p_o * (WAD - ld) // (WAD + market.policy.penalty_tier1())
    yv = y18 * v // WAD
    value = x + yv
    k = x_down * (WAD - ld) // (WAD + market.policy.target_health())
    if value <= debt or k >= debt:
        return 0
    f = ((debt - k) * WAD + value - k - 1) // (value - k) + WAD // 10**9
    if yv > market.policy.min_debt():  # a tier-1 lot is worth at least min_debt (tier-1 value), rounded up
        f = max(f, -(-market.policy.min_debt() * WAD // yv))
    if f >= WAD or debt - min(debt, f * value // WAD) < market.policy.min_debt():
        return 0
    return f


def expected_fraction(market, user) -> int:
    """tier1_fraction for `user` from the views, now."""
    c, amm = market.controller, market.amm
    x, y = amm.get_sum_xy(user)
    prec = 10 ** (18 - market.params.collateral_decimals)
    return tier1_fraction(
        market, c.debt(user), amm.get_x_down(user), x, y * prec, c.liquidation_discounts(user), amm.price_oracle()
    )


def health_boundary(market, user: str, lo: int, hi: int) -> int:
    """Smallest oracle price p in (lo, hi] with health(user, full) >= 0; requires health
    < 0 at lo and >= 0 at hi (health is non-decreasing in the oracle price). Secant steps
    near the root, bisection elsewhere (x_down over many bands is slow on py-evm). Leaves the oracle at p."""
    c = market.controller

    def health_at(p: int) -> int:
        set_price(market, p)
        return c.health(user, True)

    h_lo, h_hi = health_at(lo), health_at(hi)
    assert h_lo < 0 <= h_hi
    secant = True
    while hi - lo > 1:
        if secant and hi - lo < hi // 1000 and h_hi - h_lo > 1000:
            # nearly linear here: aim at the root, then probe just past it on the other
            # side, so both ends close in on it
            width, dh = hi - lo, h_hi - h_lo
            mid = min(max(lo + width * (-h_lo) // dh, lo + 1), hi - 1)
            h = health_at(mid)
            overshoot = 2 * abs(h) * width // dh + max(width // 256, 64)
            probe = mid - overshoot if h >= 0 else mid + overshoot
            if h >= 0:
                hi, h_hi = mid, h
            else:
                lo, h_lo = mid, h
            if lo < probe < hi:
                hp = health_at(probe)
                if hp >= 0:
                    hi, h_hi = probe, hp
                else:
                    lo, h_lo = probe, hp
            secant = hi - lo < width // 8  # keep aiming while it pays
            continue
        mid = (lo + hi) // 2
        h = health_at(mid)
        if h >= 0:
            hi, h_hi = mid, h
        else:
            lo, h_lo = mid, h
        secant = True
    set_price(market, hi)
    return hi


def curve_price(kind: int, top: int, a: int, b: int, dur: int) -> float:
    """The price curve in floating point (the module's own exact tests are in
    tests/modules); used only for loose cross-checks."""
    if kind == LINEAR:
        return 0.0 if dur >= a else top * (a - dur) / a
    if kind == STAIRSTEP:
        return top * (a / WAD) ** (dur // b)
    return top * (a / WAD) ** dur
