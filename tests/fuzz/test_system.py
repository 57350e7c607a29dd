"""The stateful invariant suite over the whole system (DESIGN.md section 5).

SystemMachine: borrowers, price moves of up to 3%, arbitrage, keepers with latency,
time, admin changes; on 18- and 6-decimal collateral. GentleMachine: moves of at most
one band with the arbitrageur acting every step, where no bad debt may accrue."""

from __future__ import annotations

from softliq.fuzz.machine import GentleMachine, SystemMachine
from softliq.fuzz.profiles import Profile
from softliq.fuzz.runner import run_machine
from softliq.fuzz.world import World


def test_system_invariants(world: World, fuzz_profile: Profile, fuzz_seed: int) -> None:
    run_machine(SystemMachine, world, fuzz_profile, fuzz_seed)


def test_gentle_market_has_no_bad_debt(world_18: World, fuzz_profile: Profile, fuzz_seed: int) -> None:
    run_machine(GentleMachine, world_18, fuzz_profile, fuzz_seed)
