"""In-process chains for scenario runs: which EVM, and a fresh market on it."""

from __future__ import annotations

from typing import Any

from softliq.params import MarketParams

EVMS = ("revm", "pyevm")
"""In-process EVMs a scenario can run on, fastest first."""


def local_chain(params: MarketParams, evm: str = EVMS[0]) -> Any:
    """A `Chain` holding a fresh market with `params` on the in-process EVM `evm`."""
    if evm == "revm":
        from softliq.chain_revm import revm_chain

        return revm_chain(params)
    if evm == "pyevm":
        from softliq.chain import BoaChain, deploy_boa_cached

        return BoaChain(deploy_boa_cached(params))
    raise ValueError(f"unknown in-process EVM {evm!r}; choose one of {', '.join(EVMS)}")
