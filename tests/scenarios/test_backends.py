"""The same scenario on pyrevm (the default, fast) and on titanoboa's py-evm tells the
same story: every metric, time series and auction event identical, gas aside (pyrevm
meters gas with a journal kept over the whole run, softliq.chain_revm)."""

import pytest

from softliq.scenarios.metrics import GAS_FIELDS, backend_independent


@pytest.mark.parametrize("name, changes", [("flash-crash", {}), ("keeper-outage", {"borrowers": 4, "seed": 7})])
def test_pyrevm_and_pyevm_agree(run_small, name, changes):
    _, on_revm = run_small(name, "revm", **changes)
    _, on_pyevm = run_small(name, "pyevm", **changes)

    fast, slow = on_revm.to_json(), on_pyevm.to_json()
    assert backend_independent(fast) == backend_independent(slow)
    assert fast["metrics"]["liquidations_by_tier"]["events"] >= 1  # the comparison covers liquidations
    for role, books in fast["metrics"]["keepers"].items():
        other = slow["metrics"]["keepers"][role]
        assert (books["sent"], books["succeeded"]) == (other["sent"], other["succeeded"])
        assert (books["gas"] > 0) == (other["gas"] > 0)


def test_backend_independent_drops_only_gas_and_addresses(run_small):
    _, result = run_small("flash-crash")
    data = result.to_json()
    clean = backend_independent(data)
    assert clean["borrowers"] == [f"borrower {i}" for i in range(len(data["borrowers"]))]
    assert clean["metrics"]["bad_debt_wei"] == data["metrics"]["bad_debt_wei"]
    assert clean["series"] == data["series"]
    keys = set(data["metrics"]["keepers"]["arbitrageur"]) - set(clean["metrics"]["keepers"]["arbitrageur"])
    assert keys and keys <= GAS_FIELDS
