"""Stateful invariant fuzzing of a whole softliq market, on pyrevm (default) or py-evm,
with the integer-exact model mirroring every action (invariant 8).

- `evm`: the EVM a world runs on (`SOFTLIQ_EVM=revm | pyevm`), one small interface.
- `world`: the market deployed once per process, its role-named actors, `attempt`
  (expected reverts by reason, state unchanged after them, the model doing the same).
- `storage`: raw storage reads (balances, bands) so invariants are cheap every step.
- `invariants`: the checks of DESIGN.md section 5 and their counters (`STATS`).
- `machine`: the hypothesis state machines (`SystemMachine`, `GentleMachine`); their
  arbitrageur is `softliq.arbitrage.best_quote` (direction from get_p, ~9 exact quotes).
- `profiles`: `ci` / `deep`, seeds, the example database.
- `runner`: run a machine for N examples with a seed (tests and the campaign share it).
- `campaign`: multi-process campaigns behind `python -m softliq fuzz`.
- `throughput`: one seeded run on a named EVM, digested (bench/fuzz_throughput.py).

Running it:

    pytest -p no:ape_test -q tests/fuzz                     # ci profile (make test)
    SOFTLIQ_FUZZ=deep pytest -p no:ape_test -n auto tests/fuzz   # deep, across cores
    python -m softliq fuzz --minutes 30 --workers 2          # campaign + JSON summary

Environment: SOFTLIQ_FUZZ (ci | deep), SOFTLIQ_FUZZ_SEED (replay a seed; a failure
prints the exact command), SOFTLIQ_CONTRACTS (deploy contracts from another folder,
used by bench/mutants.py), SOFTLIQ_FUZZ_QUICK_FAIL=1 (no shrinking, no database),
SOFTLIQ_EVM (revm | pyevm), SOFTLIQ_FUZZ_MODEL=0 (leave the model out).
Failing examples are kept in .hypothesis/examples and replayed first next time.
"""

from softliq.fuzz.world import FuzzFailure, ModelMismatch, UnexpectedRevert, World

__all__ = ["FuzzFailure", "ModelMismatch", "UnexpectedRevert", "World"]
