"""Run a bound state machine for a number of examples under a fixed seed."""

from __future__ import annotations

from hypothesis import seed as hypothesis_seed
from hypothesis.stateful import run_state_machine_as_test

from softliq.fuzz.invariants import STATS
from softliq.fuzz.machine import SystemMachine, bind
from softliq.fuzz.profiles import Profile, hypothesis_settings
from softliq.fuzz.world import World


def run_machine(
    machine: type[SystemMachine],
    world: World,
    p: Profile,
    seed: int,
    examples: int | None = None,
    database: bool = True,
    report: bool = True,
) -> None:
    """Run `machine` on `world` for `examples` (default: the profile's) with `seed`.
    Raises the (shrunk) failure, whose report lists the minimal failing steps.
    With `report`, prints the process's check and event counters afterwards."""
    bound = bind(machine, world)

    def factory() -> SystemMachine:
        return bound()

    hypothesis_seed(seed)(factory)
    # the example database keys on the factory's digest: add the machine and market so
    # that each keeps its own failing examples
    key = f"{machine.__name__}/{market_label(world)}"
    factory._hypothesis_internal_add_digest = key.encode()  # type: ignore[attr-defined]
    try:
        run_state_machine_as_test(factory, settings=hypothesis_settings(p, examples, database))
    finally:
        if report:  # what the run exercised (pytest shows it with -s or on failure)
            print(f"{machine.__name__} ({market_label(world, long=True)}): {STATS.snapshot()}")


def market_label(world: World, long: bool = False) -> str:
    """The market a world runs: "18dec", or "18dec/ema600" when its AMM reads an EMA
    (the example database keeps failures apart by it); `long`: for people."""
    p = world.market.params
    if long:
        return f"{p.collateral_decimals}-dec collateral" + (f", EMA {p.ema_time} s" if p.ema_time else "")
    return f"{p.collateral_decimals}dec" + (f"/ema{p.ema_time}" if p.ema_time else "")
