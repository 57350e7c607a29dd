"""The stateful invariant suite over the whole system (DESIGN.md section 5).

SystemMachine: borrowers, price moves of up to 3%, arbitrage, keepers with latency,
flash and re-entrant takes, time, admin changes; on 18- and 6-decimal collateral.
GentleMachine: moves of at most one band with the arbitrageur acting every step, where
no bad debt may accrue. Each run must also reach every rule: a rule that never succeeds
(none of its calls went through) in a run fails the test, so a blind spot cannot
reopen unnoticed."""

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
