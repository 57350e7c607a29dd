"""py-evm (titanoboa) against pyrevm (Rust EVM, in-process) on softliq's heavy calls.

titanoboa 0.2.8 runs only on py-evm, so the stateful suite cannot switch EVMs. This
measures what switching would buy: the same market is deployed through
`softliq.deploy.deploy_market` on both (a pyrevm `Backend` below), the same loans are
opened and the price moved, then the heaviest views the suite calls (x_down, y_up,
health, exchange quotes) are timed on both and their results compared to the wei.
Used by bench/fuzz_throughput.py; needs the `pyrevm` package.
"""

from __future__ import annotations

import time
from typing import Any

from eth_abi import decode, encode
from eth_utils import keccak

from softliq.params import WAD, MarketParams


class PyrevmContract:
    """ABI-encoding handle on a contract deployed in a pyrevm EVM."""

    def __init__(self, evm: Any, address: str, abi: list[dict[str, Any]]) -> None:
        self.evm, self.address = evm, address
        self.functions = {(f["name"], len(f["inputs"])): f for f in abi if f.get("type") == "function"}

    def call(self, sender: str, name: str, *args: Any) -> Any:
        """Call `name(*args)` as `sender` (state-changing calls are committed)."""
        f = self.functions[(name, len(args))]
        types = [i["type"] for i in f["inputs"]]
        selector = keccak(text=f"{name}({','.join(types)})")[:4]
        out = self.evm.message_call(sender, self.address, calldata=selector + encode(types, list(args)))
        values = decode([o["type"] for o in f["outputs"]], bytes(out))
        return values[0] if len(values) == 1 else values

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return lambda *args: self.call(PyrevmBackend.CALLER, name, *args)


class PyrevmBackend:
    """softliq.deploy.Backend on pyrevm: compiles with vyper through titanoboa's loader,
    deploys and calls through pyrevm."""

    CALLER = "0x" + "11" * 20

    def __init__(self, deployer: str) -> None:
        from pyrevm import EVM

        self.evm = EVM()
        self.deployer = deployer
        for who in (deployer, self.CALLER):
            self.evm.set_balance(who, 10**30)

    def deploy(self, name: str, *args: Any) -> PyrevmContract:
        import boa

        from softliq import deploy

        from vyper.compiler.output import build_abi_output

        d = boa.load_partial(str(deploy.CONTRACTS / f"{name}.vy"))
        abi = build_abi_output(d.compiler_data)
        ctor = next((f for f in abi if f.get("type") == "constructor"), {"inputs": []})
        code = d.compiler_data.bytecode + encode([i["type"] for i in ctor["inputs"]], list(args))
        address = self.evm.deploy(self.deployer, code)
        return PyrevmContract(self.evm, address, abi)

    def transact(self, contract: PyrevmContract, method: str, *args: Any) -> Any:
        return contract.call(self.deployer, method, *args)

    def transact_as(self, sender: str, contract: PyrevmContract, method: str, *args: Any) -> Any:
        self.evm.set_balance(sender, 10**30)
        return contract.call(sender, method, *args)

    def address(self, contract: PyrevmContract) -> str:
        return contract.address

    def deployer_address(self) -> str:
        return self.deployer


BORROWERS = ["0x" + f"{0xB0 + i:02x}" * 20 for i in range(3)]
ADMIN, DEPLOYER = "0x" + "ad" * 20, "0x" + "de" * 20
MAX_UINT = 2**256 - 1


def _prepare(backend: Any, market: Any) -> None:
    """Three loans over 4, 10 and 20 bands; the price falls 2% into the first."""
    for who, n in zip(BORROWERS, (4, 10, 20)):
        backend.transact(market.collateral, "mint", who, 10 * WAD)
        backend.transact_as(who, market.collateral, "approve", backend.address(market.controller), MAX_UINT)
        debt = backend.transact(market.controller, "max_borrowable", 10 * WAD, n) * 9 // 10
        backend.transact_as(who, market.controller, "create_loan", 10 * WAD, debt, n)
    backend.transact_as(ADMIN, market.oracle, "set_price", 2940 * WAD)


def _calls(backend: Any, market: Any) -> list[tuple[str, Any, str, tuple[Any, ...]]]:
    views = []
    for who, n in zip(BORROWERS, (4, 10, 20)):
        views += [(f"get_x_down N={n}", market.amm, "get_x_down", (who,)), (f"get_y_up N={n}", market.amm, "get_y_up", (who,))]
        views.append((f"health N={n}", market.controller, "health", (who, True)))
    views.append(("get_dxdy 3 coll", market.amm, "get_dxdy", (1, 0, 3 * WAD)))
    return views


def measure(repeats: int = 3) -> list[dict[str, Any]]:
    """Time every heavy view on both EVMs; rows with both timings and whether they agree."""
    import boa

    from softliq.deploy import BoaBackend, deploy_market

    boa_backend = BoaBackend(DEPLOYER)
    with boa.env.anchor():
        boa_market = deploy_market(boa_backend, MarketParams(), ADMIN)
        _prepare(boa_backend, boa_market)
        boa_results = _time_all(boa_backend, boa_market, repeats)
    revm_backend = PyrevmBackend(DEPLOYER)
    revm_market = deploy_market(revm_backend, MarketParams(), ADMIN)
    _prepare(revm_backend, revm_market)
    revm_results = _time_all(revm_backend, revm_market, repeats)
    rows = []
    for (label, b_val, b_ms), (_, r_val, r_ms) in zip(boa_results, revm_results):
        same = tuple(b_val) == tuple(r_val) if isinstance(b_val, (tuple, list)) else b_val == r_val
        rows.append({"call": label, "py_evm_ms": round(b_ms, 2), "pyrevm_ms": round(r_ms, 3), "speedup": round(b_ms / r_ms, 1), "identical": same})
    return rows


def _time_all(backend: Any, market: Any, repeats: int) -> list[tuple[str, Any, float]]:
    out = []
    for label, contract, method, args in _calls(backend, market):
        start = time.perf_counter()
        for _ in range(repeats):
            value = backend.transact(contract, method, *args)
        out.append((label, value, (time.perf_counter() - start) / repeats * 1000))
    return out
