"""Borrower losses from soft liquidation on named price paths.

Prints a loss table and writes bench/results/econ.json. The headline path (the core
issue's): the oracle starts 2 bands above the borrower's top band, walks down 1% per
step to the middle of the bands and back; after each step 60 s pass and one
profit-maximising arbitrage trades against a market at the oracle price; at the end
600 s pass and a final arbitrage runs. Loss = share of the collateral's value at the
start price that the borrower no longer has.

    python bench/econ.py [--quick]
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import boa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from softliq import WAD, MarketParams, deploy_boa  # noqa: E402
from softliq.arbitrage import find_arbitrage  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results" / "econ.json"
LLAMMA_V_SHAPE = {4: 1.00, 10: 1.57, 20: 2.21}
"""LLAMMA's loss (%) on the V-shape path, from the core issue (A=100, fee 0.6%)."""


@dataclass
class Setup:
    market: object
    borrower: str
    arbitrageur: str
    n1: int
    n2: int
    collateral: int


def _setup(params: MarketParams, n_bands: int, collateral: int = 10 * WAD, share_of_max: float = 0.55) -> Setup:
    market = deploy_boa(params)
    borrower = boa.env.generate_address("borrower")
    arbitrageur = boa.env.generate_address("arbitrageur")
    c, ctrl, amm = market.collateral, market.controller, market.amm
    prec = 10 ** (18 - params.collateral_decimals)
    amount = collateral // prec
    c.mint(borrower, amount)
    with boa.env.prank(borrower):
        c.approve(ctrl.address, 2**256 - 1)
        debt = ctrl.max_borrowable(amount, n_bands) * int(share_of_max * 1000) // 1000
        ctrl.create_loan(amount, debt, n_bands)
    # the arbitrageur's stablecoin comes from a loan whose bands sit far below the path
    whale_collateral = 10**6 * WAD // prec
    c.mint(arbitrageur, whale_collateral + 10**4 * WAD // prec)
    with boa.env.prank(arbitrageur):
        c.approve(ctrl.address, 2**256 - 1)
        ctrl.create_loan(whale_collateral, 10**6 * WAD, 50)
        market.stablecoin.approve(amm.address, 2**256 - 1)
        c.approve(amm.address, 2**256 - 1)
    n1, n2 = amm.read_user_tick_numbers(borrower)
    return Setup(market, borrower, arbitrageur, n1, n2, amount)


def _arbitrage(s: Setup) -> None:
    m = s.market
    market_price = m.amm.price_oracle()
    arb = find_arbitrage(
        m.amm,
        market_price,
        m.stablecoin.balanceOf(s.arbitrageur),
        m.collateral.balanceOf(s.arbitrageur),
    )
    if arb is not None:
        with boa.env.prank(s.arbitrageur):
            m.amm.exchange(arb.i, 1 - arb.i, arb.amount, 0)


def _set_price(s: Setup, price: int) -> None:
    with boa.env.prank(s.market.admin):
        s.market.oracle.set_price(price)


def _value(s: Setup, price: int) -> int:
    x, y = s.market.amm.get_sum_xy(s.borrower)
    prec = s.market.amm.COLLATERAL_PRECISION()
    return x + y * prec * price // WAD


def run_path(s: Setup, prices: list[int], wait: int = 60, final_wait: int = 600) -> float:
    """Walk the oracle along `prices` (the first is the start), arbitraging after each step.
    Returns the borrower's loss in % of the start value."""
    _set_price(s, prices[0])
    boa.env.time_travel(seconds=final_wait)
    _arbitrage(s)
    start = _value(s, prices[0])
    for p in prices[1:]:
        _set_price(s, p)
        boa.env.time_travel(seconds=wait)
        _arbitrage(s)
    boa.env.time_travel(seconds=final_wait)
    _arbitrage(s)
    return 100 * (start - _value(s, prices[0])) / start


def _geometric(start: int, end: int, step: float) -> list[int]:
    """Prices from start to end, multiplying by (1 -/+ step) each time, ending at end."""
    out = [start]
    up = end > start
    while (out[-1] < end) if up else (out[-1] > end):
        nxt = int(out[-1] * ((1 + step) if up else (1 - step)))
        out.append(min(nxt, end) if up else max(nxt, end))
    return out


def v_shape(s: Setup, step: float = 0.01) -> list[int]:
    amm = s.market.amm
    A = amm.A()
    p0 = amm.p_oracle_up(s.n1) * A * A // ((A - 1) * (A - 1))
    mid = int(math.sqrt(amm.p_oracle_up(s.n1) * amm.p_oracle_down(s.n2)))
    down = _geometric(p0, mid, step)
    return down + _geometric(mid, p0, step)[1:]


def sawtooth(s: Setup, step: float = 0.01, swings: int = 5) -> list[int]:
    """Into the middle of the bands, then oscillate +-2 bands around it, then back out."""
    path = v_shape(s, step)
    mid_ix = len(path) // 2
    down, mid = path[: mid_ix + 1], path[mid_ix]
    hi = int(mid * 1.02)
    swing = _geometric(mid, hi, step)[1:] + _geometric(hi, mid, step)[1:]
    return down + swing * swings + path[mid_ix + 1 :]


def crash(s: Setup, depth_bands: float = 0.5) -> list[int]:
    """One step from 2 bands above the top band to the middle of the bands, one step back."""
    path = v_shape(s)
    return [path[0], path[len(path) // 2], path[0]]


PATHS: dict[str, Callable[..., list[int]]] = {"v-shape": v_shape, "sawtooth": sawtooth, "one-step crash": crash}


def measure(params: MarketParams, path: str, n_bands: int, **kw: float) -> float:
    with boa.env.anchor():
        s = _setup(params, n_bands)
        prices = PATHS[path](s, **kw) if kw else PATHS[path](s)
        wait = int(kw.get("wait", 60)) if False else 60
        return run_path(s, prices, wait=wait)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="only the headline V-shape row")
    args = ap.parse_args()
    params = MarketParams()
    rows: list[dict[str, object]] = []
    ns = [4, 10, 20]
    variants: list[tuple[str, dict[str, float]]] = [("v-shape", {})]
    if not args.quick:
        variants += [("v-shape", {"step": 0.005}), ("v-shape", {"step": 0.02}), ("sawtooth", {}), ("one-step crash", {})]
    print(f"{'path':<28}" + "".join(f"{'N=' + str(n):>10}" for n in ns))
    for name, kw in variants:
        label = name + (f" step {kw['step']:.1%}" if "step" in kw else " step 1%" if name != "one-step crash" else "")
        losses = {n: measure(params, name, n, **kw) for n in ns}
        rows.append({"path": label, "loss_pct": losses})
        print(f"{label:<28}" + "".join(f"{losses[n]:>9.3f}%" for n in ns))
        if name == "v-shape" and not kw:
            print(f"{'  LLAMMA (issue)':<28}" + "".join(f"{LLAMMA_V_SHAPE[n]:>9.2f}%" for n in ns))
            print(f"{'  bar (half of LLAMMA)':<28}" + "".join(f"{LLAMMA_V_SHAPE[n] / 2:>9.3f}%" for n in ns))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({"params": params.__dict__, "rows": rows}, indent=2, default=str))
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
