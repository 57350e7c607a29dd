"""Borrower losses from soft liquidation on named price paths, and what a trader who knows
the next oracle update makes: softliq vs our contracts configured as LLAMMA.

Prints three tables and writes reports/bench/econ.json
(bench/results/econ.json, tracked, with --record):

1. Loss on price paths. One borrower (10 collateral at 55% of max_borrowable, N = 4, 10
   or 20); after each oracle step `wait` seconds pass and one profit-maximising
   arbitrage trades against a market at the oracle price; at the end 600 s pass and a
   final arbitrage runs. Loss = share of the position's value at the first price that the
   borrower no longer has when the oracle is back there. "crash and stay" is the
   shortfall instead: one jump to the middle of the bands, an hour of arbitrage there,
   value lost at that price.
2. Informed round trips: the bands at equilibrium in the middle of a loan (N = 10); a
   trader buys collateral (sells it, for the mirror), the oracle moves by `move` after
   `delay` seconds, the trader trades everything back. Best profit over 48 sizes, in %
   of the first leg's volume; negative or zero means it does not pay.

Every row runs with softliq's defaults, with softliq before AMM economics v2 (no away
fee, no swing fee: the contracts' previous behaviour) and with the contracts configured
as LLAMMA (amplification 3, fee 0.6%, oracle-move fee over 120 s). It runs on the
integer-exact model (`softliq.econ`); `--chain` also replays the trades of the headline
V-shape and oscillation paths on titanoboa and requires the same loss to the last digit.

    python bench/econ.py [--quick] [--chain]
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import asdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from softliq import econ  # noqa: E402
from softliq.econ import LLAMMA_LIKE, PricePath  # noqa: E402
from softliq.params import MarketParams  # noqa: E402
sys.path.insert(0, str(Path(__file__).resolve().parent))
from results_dir import add_record, write_results  # noqa: E402

BAND_COUNTS = (4, 10, 20)
CONFIGS: dict[str, MarketParams] = {
    "softliq": MarketParams(),
    "before": MarketParams(away_fee=0, swing_factor=0),
    "llamma": LLAMMA_LIKE,
}
"""softliq's defaults; the same without the away and swing fees (the contracts before this
change); our contracts configured as LLAMMA."""

PATHS = [
    PricePath("v-shape 1%/step, 60 s", econ.v_shape),
    PricePath("v-shape 0.5%/step, 60 s", lambda r: econ.v_shape(r, 0.005)),
    PricePath("v-shape 2%/step, 60 s", lambda r: econ.v_shape(r, 0.02)),
    PricePath("v-shape 1%/step, 600 s", econ.v_shape, 600),
    PricePath("v-shape 1%/step, 12 s", econ.v_shape, 12),
    PricePath("sawtooth +-2% x5 in bands", econ.sawtooth),
    PricePath("one-step crash and back", econ.one_step_crash),
    PricePath("oscillation +-1.5% x10, 120 s", econ.oscillation, 120),
    PricePath("oscillation +-0.5% x10, 120 s", lambda r: econ.oscillation(r, 0.005), 120),
    PricePath("oscillation +-3% x10, 120 s", lambda r: econ.oscillation(r, 0.03), 120),
    PricePath("oscillation +-1.5% x10, 12 s", econ.oscillation, 12),
    PricePath("oscillation +-1.5% x10, 600 s", econ.oscillation, 600),
    PricePath("w-shape 1%/step, 60 s", econ.w_shape),
    PricePath("noisy v (seed 1), 60 s", lambda r: econ.noisy_v(r, 1)),
    PricePath("noisy v (seed 2), 60 s", lambda r: econ.noisy_v(r, 2)),
    PricePath("noisy v (seed 3), 60 s", lambda r: econ.noisy_v(r, 3)),
]
MOVES = (0.001, 0.005, 0.01, 0.02, 0.03, 0.05)
DELAYS = (0, 12, 60, 120, 600)


def _row(label: str, values: list[float], fmt: str = "{:>9.3f}%") -> str:
    return f"{label:<38}" + "".join(fmt.format(v) for v in values)


def _ratio(a: float, b: float) -> float:
    return a / b if b > 1e-12 else (0.0 if abs(a) <= 1e-12 else float("inf"))


def path_table(paths: list[PricePath]) -> list[dict[str, object]]:
    print(f"{'path (loss % of start value)':<38}" + "".join(f"{'N=' + str(n):>10}" for n in BAND_COUNTS))
    rows = []
    for path in paths:
        losses = {name: [econ.loss(p, path, n) for n in BAND_COUNTS] for name, p in CONFIGS.items()}
        rows.append(_print_rows(path.label, losses))
    losses = {name: [econ.crash_and_stay(p, n) for n in BAND_COUNTS] for name, p in CONFIGS.items()}
    rows.append(_print_rows("crash and stay (shortfall)", losses))
    return rows


def _print_rows(label: str, losses: dict[str, list[float]]) -> dict[str, object]:
    ratio = [_ratio(a, b) for a, b in zip(losses["softliq"], losses["llamma"])]
    print(_row(label + ": softliq", losses["softliq"]))
    print(_row("  before (no away/swing fee)", losses["before"]))
    print(_row("  LLAMMA-like (k=3, 0.6%, 120 s)", losses["llamma"]))
    print(_row("  ratio softliq / LLAMMA-like", ratio, "{:>10.2f}"))
    return {"path": label, **{f"{k}_loss_pct": dict(zip(BAND_COUNTS, v)) for k, v in losses.items()}, "ratio": dict(zip(BAND_COUNTS, ratio))}


def round_trip_table() -> list[dict[str, object]]:
    print("\ninformed round trip: best profit, % of volume (<= 0: does not pay); N = 10")
    print(f"{'':<38}" + "".join(f"{m * 100:>+8.1f}%" for m in MOVES) + "".join(f"{-m * 100:>+8.1f}%" for m in MOVES))
    rows = []
    for name, p in CONFIGS.items():
        for delay in DELAYS:
            cells = []
            for first, sign in ((0, 1), (1, -1)):
                for move in MOVES:
                    trip = econ.informed_round_trip(p, sign * move, delay, first)
                    cells.append(100 * trip.per_volume)
                    rows.append({"config": name, "delay_s": delay, "move": sign * move, "first": "buy" if first == 0 else "sell",
                                 "profit_wei": trip.profit, "volume_wei": trip.volume, "profit_pct_of_volume": 100 * trip.per_volume})
            print(_row(f"{name}, delay {delay} s (buy | sell first)", cells, "{:>9.3f}"))
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="only the headline V-shape and oscillation paths, no round trips")
    ap.add_argument("--chain", action="store_true", help="also replay the headline path on titanoboa and compare")
    add_record(ap)
    args = ap.parse_args()
    started = time.time()
    paths = [PATHS[0], PATHS[7]] if args.quick else PATHS
    out: dict[str, object] = {"params": {k: asdict(v) for k, v in CONFIGS.items()}, "paths": path_table(paths)}
    if not args.quick:
        out["round_trips"] = round_trip_table()
    if args.chain:
        out["chain_replay"] = {}
        for path in (PATHS[0], PATHS[7]):
            model, chain = econ.replay_on_chain(CONFIGS["softliq"], 10, path)
            print(f"chain replay of '{path.label}', N=10: model {model:.12f}%, titanoboa {chain:.12f}%")
            if model != chain:
                sys.exit("the model and the chain disagree")
            out["chain_replay"][path.label] = {"model": model, "chain": chain}
    print(f"({time.time() - started:.0f} s)")
    write_results("econ", args.record, out)


if __name__ == "__main__":
    main()
