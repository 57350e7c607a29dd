"""Borrower losses from soft liquidation on named price paths, softliq vs LLAMMA's curve.

Prints a loss table and writes bench/results/econ.json.

Headline path (the core issue's V-shape): the oracle starts 2 bands above the borrower's
top band, walks down 1% per step to the middle of the bands and back; after each step
60 s pass and one profit-maximising arbitrage trades against a market at the oracle
price; at the end 600 s pass and a final arbitrage runs. Loss = share of the
collateral's value at the start price that the borrower no longer has.

Every path runs twice: with softliq's default parameters and with the same contracts
configured as LLAMMA (amplification 3, fee 0.6%, oracle-fee window 120 s), which
reproduces the issue's LLAMMA figures on the V-shape; the ratio column compares them.

    python bench/econ.py [--quick]
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable

import boa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from softliq import WAD, MarketParams, deploy_boa  # noqa: E402
from softliq.actors import collateral_units, fund_stablecoin, open_loan_at  # noqa: E402
from softliq.arbitrage import find_arbitrage  # noqa: E402
from softliq.deploy import Market  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results" / "econ.json"
LLAMMA_ISSUE = {4: 1.00, 10: 1.57, 20: 2.21}
"""LLAMMA's loss (%) on the V-shape path as measured for the core issue."""
LLAMMA_LIKE = MarketParams(amplification=3 * WAD, fee=6 * 10**15, oracle_fee_window=120)
"""softliq's contracts configured with LLAMMA's curve, fee and oracle-fee window."""
BAND_COUNTS = (4, 10, 20)


@dataclass
class Run:
    market: Market
    borrower: str
    arbitrageur: str
    n1: int
    n2: int


def _setup(params: MarketParams, n_bands: int) -> Run:
    market = deploy_boa(params)
    borrower = boa.env.generate_address("borrower")
    arbitrageur = boa.env.generate_address("arbitrageur")
    n1, n2 = open_loan_at(market, borrower, collateral_units(market, 10 * WAD), 0.55, n_bands)
    fund_stablecoin(market, arbitrageur, 10**6 * WAD)
    market.collateral.mint(arbitrageur, collateral_units(market, 10**4 * WAD))
    return Run(market, borrower, arbitrageur, n1, n2)


def _arbitrage(run: Run) -> None:
    m = run.market
    arb = find_arbitrage(
        m.amm, m.amm.price_oracle(), m.stablecoin.balanceOf(run.arbitrageur), m.collateral.balanceOf(run.arbitrageur)
    )
    if arb is not None:
        with boa.env.prank(run.arbitrageur):
            m.amm.exchange(arb.i, 1 - arb.i, arb.amount, 0)


def _set_price(run: Run, price: int) -> None:
    with boa.env.prank(run.market.admin):
        run.market.oracle.set_price(price)


def _value(run: Run, price: int) -> int:
    x, y = run.market.amm.get_sum_xy(run.borrower)
    return x + y * run.market.amm.COLLATERAL_PRECISION() * price // WAD


def walk(run: Run, prices: list[int], wait: int = 60, final_wait: int = 600) -> float:
    """Move the oracle along `prices` (the first is the start), one arbitrage `wait` s after
    each step; returns the borrower's loss in % of the value at the start price."""
    _set_price(run, prices[0])
    boa.env.time_travel(seconds=final_wait)
    _arbitrage(run)
    start = _value(run, prices[0])
    for price in prices[1:]:
        _set_price(run, price)
        boa.env.time_travel(seconds=wait)
        _arbitrage(run)
    boa.env.time_travel(seconds=final_wait)
    _arbitrage(run)
    return 100 * (start - _value(run, prices[0])) / start


def _geometric(start: int, end: int, step: float) -> list[int]:
    """Prices from start to end (inclusive), moving by a factor (1 +- step) each time."""
    out = [start]
    up = end > start
    while (out[-1] < end) if up else (out[-1] > end):
        nxt = int(out[-1] * ((1 + step) if up else (1 - step)))
        out.append(min(nxt, end) if up else max(nxt, end))
    return out


def _start_and_middle(run: Run) -> tuple[int, int]:
    amm = run.market.amm
    A = amm.A()
    start = amm.p_oracle_up(run.n1) * A * A // ((A - 1) * (A - 1))  # 2 bands above the top
    middle = math.isqrt(amm.p_oracle_up(run.n1) * amm.p_oracle_down(run.n2))
    return start, middle


def v_shape(run: Run, step: float = 0.01) -> list[int]:
    """Down from 2 bands above the top band to the middle of the bands and back."""
    start, middle = _start_and_middle(run)
    return _geometric(start, middle, step) + _geometric(middle, start, step)[1:]


def sawtooth(run: Run, step: float = 0.01, swings: int = 5, amplitude: float = 0.02) -> list[int]:
    """Into the middle of the bands, `swings` oscillations of +amplitude, then back out."""
    start, middle = _start_and_middle(run)
    high = int(middle * (1 + amplitude))
    swing = _geometric(middle, high, step)[1:] + _geometric(high, middle, step)[1:]
    return _geometric(start, middle, step) + swing * swings + _geometric(middle, start, step)[1:]


def one_step_crash(run: Run) -> list[int]:
    """One jump from 2 bands above the top band to the middle of the bands, one jump back."""
    start, middle = _start_and_middle(run)
    return [start, middle, start]


@dataclass(frozen=True)
class Path_:
    label: str
    prices: Callable[[Run], list[int]]
    wait: int = 60


PATHS = [
    Path_("v-shape 1%/step, 60 s", v_shape),
    Path_("v-shape 0.5%/step, 60 s", lambda r: v_shape(r, 0.005)),
    Path_("v-shape 2%/step, 60 s", lambda r: v_shape(r, 0.02)),
    Path_("v-shape 1%/step, 600 s", v_shape, 600),
    Path_("v-shape 1%/step, 12 s", v_shape, 12),
    Path_("sawtooth +-2% x5 in bands", sawtooth),
    Path_("one-step crash and back", one_step_crash),
]


def measure(params: MarketParams, path: Path_, n_bands: int) -> float:
    """Loss (%) of a borrower with N = n_bands on `path` in a fresh market."""
    with boa.env.anchor():
        run = _setup(params, n_bands)
        return walk(run, path.prices(run), wait=path.wait)


def _row(label: str, values: dict[int, float], fmt: str = "{:>9.3f}%") -> str:
    return f"{label:<34}" + "".join(fmt.format(values[n]) for n in BAND_COUNTS)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="only the headline V-shape path")
    args = ap.parse_args()
    ours = MarketParams()
    paths = PATHS[:1] if args.quick else PATHS
    print(f"{'path (loss % of start value)':<34}" + "".join(f"{'N=' + str(n):>10}" for n in BAND_COUNTS))
    rows = []
    for path in paths:
        mine = {n: measure(ours, path, n) for n in BAND_COUNTS}
        base = {n: measure(LLAMMA_LIKE, path, n) for n in BAND_COUNTS}
        ratio = {n: (mine[n] / base[n] if base[n] > 0 else float("nan")) for n in BAND_COUNTS}
        print(_row(path.label + ": softliq", mine))
        print(_row("  LLAMMA curve (k=3, 0.6%, 120 s)", base))
        print(_row("  ratio softliq / LLAMMA", ratio, "{:>10.2f}"))
        rows.append({"path": path.label, "softliq_loss_pct": mine, "llamma_curve_loss_pct": base, "ratio": ratio})
    print(_row("V-shape, LLAMMA itself (issue)", {n: float(v) for n, v in LLAMMA_ISSUE.items()}))
    print(_row("V-shape bar (half of LLAMMA)", {n: v / 2 for n, v in LLAMMA_ISSUE.items()}))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    out = {"params": asdict(ours), "llamma_like_params": asdict(LLAMMA_LIKE), "llamma_issue": LLAMMA_ISSUE, "rows": rows}
    RESULTS.write_text(json.dumps(out, indent=2))
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
