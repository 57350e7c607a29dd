"""The stateful invariant suite over the whole system (DESIGN.md section 5).

SystemMachine: borrowers, price moves of up to 3%, arbitrage, keepers with latency,
flash and re-entrant takes, time, admin changes; on 18- and 6-decimal collateral.
GentleMachine: moves of at most one band with the arbitrageur acting every step, where
no bad debt may accrue. SystemMachine again on a market whose AMM reads an EmaOracle
(EmaOracle.price_w refreshed by every trade, liquidation, kick and redo, and by keepers;
invariant 8 compares its state with the model's OracleModel). Each run must also reach
every rule: a rule that never succeeds (none of its calls went through) in a run fails
the test, so a blind spot cannot reopen unnoticed."""

from __future__ import annotations

from softliq.fuzz.machine import GentleMachine, SystemMachine
from softliq.fuzz.profiles import Profile
from softliq.fuzz.runner import run_machine
from softliq.fuzz.stats import STATS
from softliq.fuzz.world import World


def _run_and_check_coverage(machine: type[SystemMachine], world: World, profile: Profile, seed: int) -> None:
    STATS.reset()
    run_machine(machine, world, profile, seed)
    never = [name for name in machine.rule_names() if name not in machine.UNREACHABLE and not STATS.rules_succeeded[name]]
    ran = {name: STATS.rules_run[name] for name in never}
    assert not never, f"rules that never succeeded (ran {ran} times): the fuzz no longer reaches them"


def test_system_invariants(world: World, fuzz_profile: Profile, fuzz_seed: int) -> None:
    _run_and_check_coverage(SystemMachine, world, fuzz_profile, fuzz_seed)


def test_gentle_market_has_no_bad_debt(world_18: World, fuzz_profile: Profile, fuzz_seed: int) -> None:
    _run_and_check_coverage(GentleMachine, world_18, fuzz_profile, fuzz_seed)


def test_system_invariants_on_an_ema_market(world_ema: World, fuzz_profile: Profile, fuzz_seed: int) -> None:
    """Every rule reaches success on the EMA market too (none is UNREACHABLE there): the
    crashes that need liquidatable loans wait for the average (EMA_CATCH_UP)."""
    assert world_ema.market.params.ema_time > 0 and world_ema.market.price_source.address != world_ema.market.oracle.address
    _run_and_check_coverage(SystemMachine, world_ema, fuzz_profile, fuzz_seed)
