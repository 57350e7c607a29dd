"""Proof that the fuzz suite can fail: deliberate bugs in a copy of the contracts.

Each mutant copies contracts/ to a temporary directory, applies exact text
substitutions (each pattern must occur exactly once, so a refactor makes this script
fail loudly instead of silently testing nothing), and runs the `ci` profile of the
stateful suite (tests/fuzz/test_system.py) against it (SOFTLIQ_CONTRACTS points the
deployment there), stopping at the first failure. Each mutant runs twice: with the
invariants of DESIGN.md section 5 alone (SOFTLIQ_FUZZ_MODEL=0), and with invariant 8
(the model must match the chain, its events included) as well; a mutant marked
`model_only` (a wrong event field: no state changes) need only be caught with it. Prints a table and writes reports/bench/mutants.json
(bench/results/mutants.json, tracked, with --record).

    python bench/mutants.py [--only NAME ...] [--seed S]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from results_dir import add_record, verdict, write_results  # noqa: E402

from softliq.fuzz.profiles import CI_SEED  # noqa: E402  # what `make test` runs; seed 1 stopped reaching reentrant_take when the per-band rule came

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Mutant:
    """A named bug: (file, old text, new text) substitutions."""

    name: str
    description: str
    edits: tuple[tuple[str, str, str], ...]
    model_only: bool = False
    """Only invariant 8 can see it (e.g. an event field): invariants 1-7 may miss it."""


MUTANTS = (
    Mutant(
        "exchange_rounds_up_output",
        "AMM: a partial band fill rounds the output up instead of down",
        (("AMM.vy", "d = (sd.out_off + sd.out_bal - new_out) // sd.out_prec  # rounds down",
          "d = (sd.out_off + sd.out_bal - new_out + sd.out_prec - 1) // sd.out_prec"),),
    ),
    Mutant(
        "drop_fee",
        "AMM: bands trade without any fee",
        (("AMM.vy", "fee=self._band_fee(ctx, lo, hi), p_lo=lo", "fee=0, p_lo=lo"),),
    ),
    Mutant(
        "forget_dead_shares",
        "AMM: deposits mint shares without the virtual dead shares",
        (("AMM.vy", "ds: uint256 = (s + c.DEAD_SHARES) * dy // (y + 1)", "ds: uint256 = s * dy // (y + 1)"),),
    ),
    Mutant(
        "repay_skips_debt_update",
        "Controller: a partial repay burns the coins but re-places the old debt",
        (("Controller.vy", "self._place(_for, xy[1], new_debt, convert(ns[1] - ns[0] + 1, uint256), rate_mul, cfg)",
          "self._place(_for, xy[1], debt, convert(ns[1] - ns[0] + 1, uint256), rate_mul, cfg)"),),
    ),
    Mutant(
        "liquidate_healthy",
        "Controller: liquidate skips the health check",
        (("Controller.vy", "if self._health(user, debt, True, xy[2], xy[1], rate_mul, p_o) >= 0:",
          "if self._health(user, debt, True, xy[2], xy[1], rate_mul, p_o) >= 10**18:"),),
    ),
    Mutant(
        "mis_scale_collateral",
        "Controller: collateral value ignores the token's decimals",
        (("Controller.vy", "col: uint256 = collateral * COLLATERAL_PRECISION", "col: uint256 = collateral"),),
    ),
    Mutant(
        "keep_surplus",
        "Auction: a covered auction keeps the leftover lot instead of returning it",
        (("Auction.vy",
          "extcall controller.send_collateral(sale.user, sale.lot)",
          "pass"),),
    ),
    Mutant(
        "take_exceeds_tab",
        "Auction: a take is not capped at the tab",
        (("Auction.vy", "    if owe > sale.tab:\n", "    if owe > sale.tab * 2:\n"),
         ("Auction.vy", "    sale.tab -= owe\n", "    sale.tab -= min(owe, sale.tab)\n")),
    ),
    Mutant(
        "kick_without_lock",
        "Auction: kick takes no re-entrancy lock (a take's callback can liquidate)",
        (("Auction.vy", "@external\n@nonreentrant\ndef kick(", "@external\ndef kick("),),
    ),
    Mutant(
        "pay_incentive_unguarded",
        "Controller: anyone may have the Controller pay them a keeper incentive",
        (("Controller.vy",
          '    assert msg.sender == self.auction.address, "only auction"\n    self._accrue()\n    self._pay_keeper(',
          "    self._accrue()\n    self._pay_keeper("),),
    ),
    Mutant(
        "repay_for_charges_borrower",
        "Controller: a partial repay for someone else burns the borrower's coins, not the payer's",
        (("Controller.vy", "    extcall STABLECOIN.burn_from(msg.sender, amount)", "    extcall STABLECOIN.burn_from(_for, amount)"),),
    ),
    Mutant(
        "redo_keeps_old_curve",
        "Auction: a redo re-prices on the auction's old curve, not the one in force",
        (("Auction.vy", "    sale.curve = (ctl >> 168) & MAX_CURVES\n", ""),),
    ),
    Mutant(
        "swap_event_wrong_field",
        "AMM: TokenExchange logs the output amount as tokens_sold",
        (("AMM.vy", "tokens_sold=t.in_amount", "tokens_sold=t.out_amount"),),
        model_only=True,
    ),
    # blind spots closed by softliq/fuzz/rules_admin.py and rules_market.py (issue 14)
    Mutant(
        "exchange_dy_exact_budget_refused",
        "AMM: exchange_dy refuses a max_amount equal to the input it needs (off by one)",
        (("AMM.vy", 'assert in_amount <= max_amount, "AMM: slippage"', 'assert in_amount < max_amount, "AMM: slippage"'),),
    ),
    Mutant(
        "tail_bound_off_by_one",
        "Auction: set_params refuses the shortest allowed tail (60 s)",
        (("Auction.vy", "assert tail >= 60 and tail <= 7 * 86400,", "assert tail > 60 and tail <= 7 * 86400,"),),
    ),
    Mutant(
        "cap_ignores_live_tab",
        "LiquidationPolicy: plan fits each tab under max_in_auction alone, not under the room the live tabs leave",
        (("LiquidationPolicy.vy", "    if tab <= room:\n", "    if tab <= cap:\n"),),
    ),
    Mutant(
        "page_one_too_many",
        "Controller: users_to_liquidate reads limit + 1 loans per page",
        (("Controller.vy", "if k >= limit or offset + k >= n:", "if k > limit or offset + k >= n:"),),
    ),
    # the per-band minimum debt (liquidation v2): wide loans must stay worth liquidating
    Mutant(
        "repay_ignores_width_minimum",
        "Controller: a partial repay checks min_debt alone, not the loan's min_debt_for(N)",
        (("Controller.vy", "staticcall POLICY.min_debt_for(convert(ns[1] - ns[0] + 1, uint256))", "staticcall POLICY.min_debt_for(1)"),),
    ),
    Mutant(
        "width_minimum_one_band_short",
        "LiquidationPolicy: min_debt_for counts one band fewer than the loan has",
        (("LiquidationPolicy.vy", "return max(self._min_debt(), n_bands * self.min_debt_per_band)", "return max(self._min_debt(), (n_bands - 1) * self.min_debt_per_band)"),),
    ),
    # virgin bands (docs/lazy-bands-spec.md): the pending withdrawals must reach every view
    Mutant(
        "materialise_drops_carry",
        "AMM: a swap reaching virgin bands forgets the withdrawals pending from before V",
        (("AMM.vy", "    w: uint256 = carry\n", "    w: uint256 = 0\n"),),
    ),
    Mutant(
        "withdraw_skips_end_entry",
        "AMM: a withdrawal from virgin bands records where it starts but not where it ends",
        (("AMM.vy", "        self._total_shares[n2 >> 1] += da << self._pair_shift(n2)\n", ""),),
    ),
    Mutant(
        "walk_reads_v_as_stored",
        "AMM: a swap walk reads band V from storage instead of summing its pending withdrawals",
        (("AMM.vy", "        if n < r.virgin:\n            v: uint256 = self._bands[n]", "        if n <= r.virgin:\n            v: uint256 = self._bands[n]"),),
    ),
)


class PatternError(RuntimeError):
    """A mutation pattern is not found exactly once: the contracts changed."""


def apply(mutant: Mutant, folder: Path) -> None:
    """Apply `mutant`'s substitutions to the contracts in `folder`."""
    for file, old, new in mutant.edits:
        path = folder / file
        text = path.read_text()
        count = text.count(old)
        if count != 1:
            raise PatternError(f"{mutant.name}: pattern found {count} times in {file} (expected once): {old!r}")
        path.write_text(text.replace(old, new))


def run_suite(folder: Path | None, seed: int, timeout: float, model: bool = True) -> tuple[bool, float, str]:
    """Run the ci fuzz profile (stop at the first failure), with or without invariant 8;
    (caught, seconds, the failure's line)."""
    env = dict(os.environ, SOFTLIQ_FUZZ="ci", SOFTLIQ_FUZZ_SEED=str(seed), SOFTLIQ_FUZZ_QUICK_FAIL="1", SOFTLIQ_FUZZ_MODEL="1" if model else "0")
    if folder is not None:
        env["SOFTLIQ_CONTRACTS"] = str(folder)
    cmd = [sys.executable, "-m", "pytest", "-p", "no:ape_test", "-q", "-x", "-p", "no:cacheprovider", "tests/fuzz/test_system.py"]
    start = time.monotonic()
    try:
        proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return False, time.monotonic() - start, "timeout"
    lines = [line for line in (proc.stdout + proc.stderr).splitlines() if line.strip()]
    errors = [line[1:].strip() for line in lines if line.startswith("E ") and ("Failure" in line or "Revert" in line or "Error" in line or "Mismatch" in line)]
    why = errors[-1] if errors else (lines[-1] if lines else "")  # the last: a chained cause comes first
    return proc.returncode != 0, time.monotonic() - start, why[:200]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--only", nargs="*", choices=[m.name for m in MUTANTS], help="run only these mutants")
    p.add_argument("--seed", type=int, default=CI_SEED, help=f"fuzz seed for every run (default the ci profile's, {CI_SEED})")
    p.add_argument("--timeout", type=float, default=900.0, help="seconds per mutant run")
    add_record(p)
    args = p.parse_args(argv)
    chosen = [m for m in MUTANTS if not args.only or m.name in args.only]
    with tempfile.TemporaryDirectory(prefix="softliq-mutants-") as tmp:
        for m in chosen:  # check every pattern before running anything
            scratch = Path(tmp) / "check" / m.name
            shutil.copytree(ROOT / "contracts", scratch)
            apply(m, scratch)
        caught, seconds, why = run_suite(None, args.seed, args.timeout)
        print(f"{'(unmutated contracts)':<28} {'FAILS' if caught else 'passes':<7} {seconds:7.1f}s  {why}", flush=True)
        if caught:
            print("the suite fails on the unmutated contracts: fix that first", file=sys.stderr)
            return 2
        rows = []
        for m in chosen:
            folder = Path(tmp) / m.name
            shutil.copytree(ROOT / "contracts", folder)
            apply(m, folder)
            row: dict[str, Any] = {"mutant": m.name, "description": m.description}
            for mode, model in (("invariants", False), ("with_model", True)):
                caught, seconds, why = run_suite(folder, args.seed, args.timeout, model)
                row[mode] = {"caught": caught, "seconds": round(seconds, 1), "evidence": why}
                print(f"{m.name:<28} {mode:<11} {'CAUGHT' if caught else 'MISSED':<7} {seconds:7.1f}s  {why}", flush=True)
            row["caught"] = (row["invariants"]["caught"] or m.model_only) and row["with_model"]["caught"]
            rows.append(row)
    print(f"\n{'mutant':<28} {'invariants 1-7':>16} {'with model (8)':>16}")
    for r in rows:
        cells = [f"{'caught' if r[k]['caught'] else 'MISSED'} {r[k]['seconds']:>6}s" for k in ("invariants", "with_model")]
        print(f"{r['mutant']:<28} {cells[0]:>16} {cells[1]:>16}")
    caught = sum(r["caught"] for r in rows)
    print(f"\n{caught}/{len(rows)} mutants caught in both modes (model_only ones: with the model)")
    if not args.only:
        write_results("mutants", args.record, {"seed": args.seed, "profile": "ci", "caught": caught, "total": len(rows), "mutants": rows})
    return verdict({"every mutant caught in both modes (model_only: with the model)": caught == len(rows)})


if __name__ == "__main__":
    sys.exit(main())
