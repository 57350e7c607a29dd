"""Shared helpers of the Controller suite: protocol constants read from the contracts,
event filtering, state snapshots, exact Python re-computations of the Controller's
formulas, and driving a position into soft liquidation."""

from __future__ import annotations

import ast
import re
from functools import lru_cache
from pathlib import Path

import boa

from softliq.arbitrage import find_arbitrage
from softliq.deploy import Market
from softliq.logs import act, events, one_event  # noqa: F401 - the suites import them from here
from softliq.params import WAD
from softliq.positions import read_user_ticks

CONSTANTS_VY = Path(__file__).resolve().parents[2] / "contracts" / "modules" / "constants.vy"


@lru_cache(maxsize=1)
def constants() -> dict[str, int]:
    """Every `NAME: constant(type) = expr` of contracts/modules/constants.vy, evaluated.

    Read from the contract source so tests follow the lead's tuning."""
    out: dict[str, int] = {}
    pattern = re.compile(r"^([A-Z_][A-Z0-9_]*)\s*:\s*constant\([^)]*\)\s*=\s*(.+?)\s*(#.*)?$")
    for line in CONSTANTS_VY.read_text().splitlines():
        m = pattern.match(line)
        if not m:
            continue
        expr = ast.parse(m.group(2), mode="eval")
        out[m.group(1)] = eval(compile(expr, "constants.vy", "eval"), {"__builtins__": {}}, dict(out))  # noqa: S307
    return out


def C(name: str) -> int:
    return constants()[name]


# ---------------------------------------------------------------- snapshots


def snapshot(market: Market, users: list[str]) -> dict:
    """Every view a revert must leave unchanged, for the market and `users`."""
    c, amm, st, col = market.controller, market.amm, market.stablecoin, market.collateral
    state: dict = {
        "n_loans": c.n_loans(),
        "total_debt": c.total_debt(),
        "debt_ceiling": c.debt_ceiling(),
        "rate": c.rate(),
        "admin": c.admin(),
        "discounts": (c.loan_discount(), c.liquidation_discount()),
        "amm_fee": amm.fee(),
        "amm_rate_mul": amm.get_rate_mul(),
        "active_band": amm.active_band(),
        "supply": st.totalSupply(),
        "amm_balances": (st.balanceOf(amm.address), col.balanceOf(amm.address)),
        "oracle": market.oracle.price(),
        "reserves": (c.reserves(), c.bad_debt()),
    }
    state["loans"] = [c.loans(i) for i in range(state["n_loans"])]
    for u in users:
        exists = c.loan_exists(u)
        state[u] = {
            "exists": exists,
            "debt": c.debt(u),
            "user_state": c.user_state(u),
            "ticks": amm.read_user_tick_numbers(u),
            "shares": read_user_ticks(amm, u),
            "ld": c.liquidation_discounts(u),
            "ix": c.loan_ix(u),
            "balances": (st.balanceOf(u), col.balanceOf(u)),
        }
    return state


# ---------------------------------------------------------------- exact formulas


def ceil_div(a: int, b: int) -> int:
    return -(-a // b)


def precision(market: Market) -> int:
    return 10 ** (18 - market.params.collateral_decimals)


def value_coefficient(market: Market, collateral: int, n_bands: int) -> int:
    """The Controller's _value_coefficient, step by step, in Python."""
    A = market.amm.A()
    q = (A - 1) * WAD // A
    s, term = 0, WAD
    for _ in range(n_bands):
        term = term * q // WAD
        s += term
    col = collateral * precision(market)
    return col * (WAD - market.controller.loan_discount()) // WAD * s // WAD // n_bands


def band_value(market: Market, collateral: int, n_bands: int, n1: int) -> int:
    """Discounted value of `collateral` spread over bands n1..n1+N-1 at their bottom prices,
    as the Controller computes it (coefficient times p_oracle_up(n1))."""
    return value_coefficient(market, collateral, n_bands) * market.amm.p_oracle_up(n1) // WAD


def independent_band_value(market: Market, collateral: int, n_bands: int, n1: int) -> float:
    """Same quantity from the AMM's own band prices: sum of (y/N)(1-d) p_oracle_down(n)."""
    y = collateral * precision(market) / n_bands * (1 - market.controller.loan_discount() / WAD)
    return sum(y * market.amm.p_oracle_down(n1 + k) / WAD for k in range(n_bands))


def health_formula(market: Market, user: str) -> tuple[int, int]:
    """(health(user), health(user, True)) recomputed in Python from the contracts' views."""
    c, amm = market.controller, market.amm
    debt = c.debt(user)
    h = amm.get_x_down(user) * (WAD - c.liquidation_discounts(user)) // debt - WAD
    full = h
    n1, _ = amm.read_user_tick_numbers(user)
    if n1 > amm.active_band():
        p_o, p_up = amm.price_oracle(), amm.p_oracle_up(n1)
        if p_o > p_up:
            full += (p_o - p_up) * amm.get_sum_xy(user)[1] * precision(market) // debt
    return h, full


# ---------------------------------------------------------------- soft liquidation


def soft_liquidate(market: Market, borrower: str, arbitrageur: str, bands_in: int = 2) -> int:
    """Move the oracle `bands_in` bands into `borrower`'s position, let the oracle-move fee
    decay, and let `arbitrageur` (who must hold stablecoin and have approved the AMM) make
    the most profitable trade. Returns the new oracle price. Afterwards the position holds
    stablecoin and the active band lies inside it."""
    amm = market.amm
    n1, _ = amm.read_user_tick_numbers(borrower)
    price = amm.p_oracle_down(n1 + bands_in - 1)
    with boa.env.prank(market.admin):
        market.oracle.set_price(price)
    boa.env.time_travel(seconds=600)
    arb = find_arbitrage(amm, price, market.stablecoin.balanceOf(arbitrageur), 0)
    assert arb is not None and arb.i == 0, "expected a profitable purchase of collateral"
    with boa.env.prank(arbitrageur):
        amm.exchange(0, 1, arb.amount, 0)
    x, _ = amm.get_sum_xy(borrower)
    assert x > 0 and n1 <= amm.active_band(), "position should be in soft liquidation"
    return price
