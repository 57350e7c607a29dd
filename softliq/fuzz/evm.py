"""The EVM a fuzz world runs on: pyrevm (default) or titanoboa's py-evm.

Both give the state machine the same small surface: deploy a market, `prank`, `anchor`,
`time_travel`, raw `get_storage`, `generate_address`, the revert reason of an error, and
the raw logs of the last transaction (`last_logs`, decoded by
`softliq.chain_revm.EventCodec`).
`bench/fuzz_throughput.py` runs the same seeded examples on both and requires identical
results; pyrevm is kept as the default because it is the faster (see its JSON).

`SOFTLIQ_EVM` chooses: `revm` (default) or `pyevm`.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from typing import Any, Protocol

RawLog = tuple[Any, list[Any], bytes]
"""One log as the EVM gives it: (emitter address, topics, data)."""

from softliq.deploy import Market
from softliq.params import MarketParams

EVM_ENV = "SOFTLIQ_EVM"
CHOICES = ("revm", "pyevm")


class EvmChoiceError(ValueError):
    """`SOFTLIQ_EVM` names no known EVM."""


class FuzzEvm(Protocol):
    """What the fuzz world needs from an EVM."""

    name: str
    errors: tuple[type[BaseException], ...]
    """Exceptions a reverted call raises."""

    @property
    def timestamp(self) -> int: ...
    def deploy_market(self, params: MarketParams) -> Market: ...
    def deploy_contract(self, name: str, deployer: str, *args: Any) -> Any: ...
    def prank(self, who: str) -> contextlib.AbstractContextManager[None]: ...
    def anchor(self) -> contextlib.AbstractContextManager[None]: ...
    def time_travel(self, seconds: int) -> None: ...
    def get_storage(self, address: str, slot: int) -> int: ...
    def generate_address(self, label: str) -> str: ...
    def revert_reason(self, error: BaseException) -> str: ...
    def last_logs(self, contract: Any) -> list[RawLog]: ...


class RevmFuzzEvm:
    """pyrevm through `softliq.revm`."""

    name = "pyrevm"

    def __init__(self) -> None:
        from softliq.revm import RevmEnv, RevmRevert

        self.env = RevmEnv()
        self.errors = (RevmRevert,)

    @property
    def timestamp(self) -> int:
        return self.env.timestamp

    def deploy_market(self, params: MarketParams) -> Market:
        from softliq.revm import deploy_revm

        return deploy_revm(self.env, params)

    def deploy_contract(self, name: str, deployer: str, *args: Any) -> Any:
        """Deploy contracts/`name`.vy as `deployer`."""
        from softliq.deploy import boa_deployer

        with self.env.prank(deployer):
            return self.env.deploy(boa_deployer(name), *args, name=name.split("/")[-1])

    def prank(self, who: str) -> contextlib.AbstractContextManager[None]:
        return self.env.prank(who)

    def anchor(self) -> contextlib.AbstractContextManager[None]:
        return self.env.anchor()

    def time_travel(self, seconds: int) -> None:
        self.env.time_travel(seconds=seconds)

    def get_storage(self, address: str, slot: int) -> int:
        return self.env.get_storage(address, slot)

    def generate_address(self, label: str) -> str:
        return self.env.generate_address(label)

    def revert_reason(self, error: BaseException) -> str:
        return str(getattr(error, "reason", error))

    def last_logs(self, contract: Any) -> list[RawLog]:
        """Every log of the last transaction (sent to `contract`), in order."""
        return [(log.address, *log.data) for log in self.env.last_logs]


class BoaFuzzEvm:
    """titanoboa's global env (py-evm), its clock left as it is (other suites in the same
    process share it)."""

    name = "py-evm"

    def __init__(self) -> None:
        import boa

        self.errors = (boa.BoaError,)

    @property
    def timestamp(self) -> int:
        import boa

        return int(boa.env.evm.patch.timestamp)

    def deploy_market(self, params: MarketParams) -> Market:
        from softliq.deploy import deploy_boa

        return deploy_boa(params)

    def deploy_contract(self, name: str, deployer: str, *args: Any) -> Any:
        """Deploy contracts/`name`.vy as `deployer`."""
        import boa

        from softliq.deploy import boa_deployer

        with boa.env.prank(deployer):
            return boa_deployer(name).deploy(*args)

    def prank(self, who: str) -> contextlib.AbstractContextManager[None]:
        import boa

        return boa.env.prank(who)

    @contextlib.contextmanager
    def anchor(self) -> Iterator[None]:
        import boa

        with boa.env.anchor():
            yield

    def time_travel(self, seconds: int) -> None:
        import boa

        boa.env.time_travel(seconds=seconds)

    def get_storage(self, address: str, slot: int) -> int:
        import boa
        from boa.util.abi import Address

        return int(boa.env.evm.get_storage(Address(address), slot))

    def generate_address(self, label: str) -> str:
        import boa

        return str(boa.env.generate_address(label))

    def revert_reason(self, error: BaseException) -> str:
        """The revert reason of a titanoboa error (innermost frame), or its text."""
        trace = getattr(error, "stack_trace", None)
        frame = getattr(trace, "last_frame", None)
        reason = getattr(frame, "pretty_vm_reason", None)
        if reason:
            return str(reason)
        return str(error).strip().splitlines()[-1] if str(error).strip() else type(error).__name__

    def last_logs(self, contract: Any) -> list[RawLog]:
        """Every log of `contract`'s last call (its child calls' included), in order:
        titanoboa keeps that call's computation on the contract."""
        computation = getattr(contract, "_computation", None)
        if computation is None:
            return []
        return [(address, topics, data) for _, address, topics, data in sorted(computation.get_raw_log_entries())]


def make_evm(choice: str | None = None) -> Any:
    """The EVM named by `choice`, else by `$SOFTLIQ_EVM`, else pyrevm."""
    choice = choice or os.environ.get(EVM_ENV) or "revm"
    if choice == "revm":
        return RevmFuzzEvm()
    if choice == "pyevm":
        return BoaFuzzEvm()
    raise EvmChoiceError(f"{EVM_ENV}={choice!r}: choose one of {', '.join(CHOICES)}")
