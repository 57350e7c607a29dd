"""Gas of a titanoboa call as a transaction receipt would show it.

titanoboa runs every call inside one long "block": after the first call every
touched slot and account stays warm (EIP-2929), and the EIP-2200/3529
"original" value of a slot is never refreshed, so a re-call reports far less
gas than the same call sent as its own transaction. This module puts a
transaction boundary around one call and reports what a receipt's `gasUsed`
would be.

API
---
``measure_call(method, *args, sender=None, value=0, gas_limit=None, **kwargs)``
    Call a boa contract method (``contract.fn``) as one transaction; boa
    builds the calldata from the ABI. Returns ``(result, TxGas)``::

        result, gas = measure_call(token.transfer, bob, 10, sender=alice)
        gas.total   # == receipt["gasUsed"] of the same call on a node

``measure(fn, *, gas_limit=None)``
    General form: ``fn`` is any zero-argument callable that makes exactly one
    top-level call or deployment through ``boa.env`` (a contract method, a
    ``deployer.deploy(...)``, ``boa.env.raw_call``...). Sender, target and
    calldata are read from the message boa builds, so they need not be
    passed. Returns ``(fn(), TxGas)``.

``TxGas(total, execution, intrinsic, refund)``
    ``total = max(intrinsic + execution - refund, eip7623_floor(data))``, the
    receipt's ``gasUsed``; ``refund`` is the refund actually granted (capped at
    1/5 of ``intrinsic + execution``, EIP-3529).

``intrinsic_gas``, ``initcode_word_gas``, ``eip7623_floor`` and
``receipt_gas`` are the pure formulas; ``computation_gas`` applies them to a
finished py-evm computation (no boundary: on a plain titanoboa call it gives
the naive, warm figure).

What the boundary does (each measured call)
-------------------------------------------
* Original values (EIP-2200/3529): py-evm reads a slot's original value with
  ``state.get_storage(..., from_journal=False)``, which titanoboa never
  refreshes. During the measured call that read is answered with the slot's
  value at the start of the call (recorded at its first read; every SSTORE
  reads the original before it writes, so the first read always precedes the
  first write). This is what committing the journal (``lock_changes``) would
  give, but without its side effect: ``lock_changes`` flattens the storage
  journal and so breaks ``boa.env.anchor()`` / titanoboa's per-test
  rollback. Here everything stays revertible.
* Warm sets (EIP-2929): the accessed address/slot journal is swapped for a
  fresh one, then the sender, the target (or created address), the coinbase
  (EIP-3651) and the precompiles are marked warm, as a transaction does. The
  previous journal is put back afterwards, so snapshots taken before the call
  still revert cleanly.
* Transient storage (EIP-1153) starts empty, as in a new transaction, and the
  previous content is restored afterwards.
* Intrinsic gas: 21000 (+32000 and 2 per initcode word for a deployment,
  EIP-3860) + 4 per zero / 16 per nonzero calldata byte. EIP-7623 (Prague)
  floor: ``21000 + 10 * (zero_bytes + 4 * nonzero_bytes)``.

Caveats
-------
* Prague rules, as titanoboa 0.2.8's py-evm runs Prague; no access lists,
  blobs or EIP-7702 authorizations.
* A call that fails with REVERT is measured as a reverted receipt: the
  exception propagates with the ``TxGas`` attached as ``exc.tx_gas``. An
  exceptional halt (out of gas, invalid opcode) burns the whole message gas,
  which is boa's block gas limit unless ``gas_limit=`` gives the
  transaction's.
* Gas metering must be on (not ``NoGasMeter``); fast mode is not supported.
* Only the default py-evm backed ``boa.env`` (not a network env).
"""

from __future__ import annotations

import contextlib
import inspect
from dataclasses import dataclass
from typing import Any, Callable, Iterator

import boa
from boa.vm.gas_meters import NoGasMeter

__all__ = [
    "TxGas",
    "computation_gas",
    "eip7623_floor",
    "initcode_word_gas",
    "intrinsic_gas",
    "measure",
    "measure_call",
    "receipt_gas",
]

TX_BASE_GAS = 21_000
TX_CREATE_GAS = 32_000
TX_DATA_ZERO_GAS = 4
TX_DATA_NONZERO_GAS = 16
INITCODE_WORD_GAS = 2  # EIP-3860
STANDARD_TOKEN_COST = 4  # EIP-7623: a nonzero byte counts as 4 tokens
TOTAL_COST_FLOOR_PER_TOKEN = 10  # EIP-7623
MAX_REFUND_QUOTIENT = 5  # EIP-3529


@dataclass(frozen=True)
class TxGas:
    """Gas of one call as a transaction receipt shows it.

    total: the receipt's ``gasUsed``.
    execution: gas used by the EVM message (after intrinsic gas).
    intrinsic: 21000 + calldata cost (+ creation costs for a deployment).
    refund: refund granted, after the EIP-3529 cap (1/5 of gas used).
    """

    total: int
    execution: int
    intrinsic: int
    refund: int


def _zero_nonzero(data: bytes) -> tuple[int, int]:
    """Count (zero bytes, nonzero bytes) in ``data``."""
    zeros = data.count(0)
    return zeros, len(data) - zeros


def initcode_word_gas(initcode: bytes) -> int:
    """EIP-3860 initcode charge: 2 gas per (started) 32-byte word."""
    return INITCODE_WORD_GAS * ((len(initcode) + 31) // 32)


def intrinsic_gas(data: bytes, *, create: bool = False) -> int:
    """Intrinsic gas of a transaction carrying ``data`` (no access list).

    For a deployment ``data`` is the initcode (with constructor arguments).
    """
    zeros, nonzeros = _zero_nonzero(data)
    gas = TX_BASE_GAS + TX_DATA_ZERO_GAS * zeros + TX_DATA_NONZERO_GAS * nonzeros
    if create:
        gas += TX_CREATE_GAS + initcode_word_gas(data)
    return gas


def eip7623_floor(data: bytes) -> int:
    """EIP-7623 minimum gas of a transaction carrying ``data`` (Prague)."""
    zeros, nonzeros = _zero_nonzero(data)
    tokens = zeros + STANDARD_TOKEN_COST * nonzeros
    return TX_BASE_GAS + TOTAL_COST_FLOOR_PER_TOKEN * tokens


def receipt_gas(
    data: bytes, execution: int, refund_counter: int, *, create: bool = False
) -> TxGas:
    """Combine a message's execution gas and refund counter into receipt gas.

    ``refund_counter`` is the raw refund accumulated by the execution
    (``computation.get_gas_refund()``); it is capped here at 1/5 of the gas
    used (EIP-3529), and the result is raised to the EIP-7623 floor.
    """
    intrinsic = intrinsic_gas(data, create=create)
    used = intrinsic + execution
    refund = min(max(refund_counter, 0), used // MAX_REFUND_QUOTIENT)
    total = max(used - refund, eip7623_floor(data))
    return TxGas(total=total, execution=execution, intrinsic=intrinsic, refund=refund)


def computation_gas(computation: Any, data: bytes, *, create: bool = False) -> TxGas:
    """Receipt gas of a finished top-level py-evm ``computation``.

    ``data`` is the transaction's calldata (the initcode for a deployment).
    py-evm charges the EIP-3860 initcode words inside the top-level create
    message; they are moved to ``intrinsic`` here, where the EIP puts them.
    No transaction boundary is implied: on a plain titanoboa call this gives
    the "naive" figure.
    """
    execution = computation.get_gas_used()
    if create:
        execution -= initcode_word_gas(data)
    return receipt_gas(data, execution, computation.get_gas_refund(), create=create)


@contextlib.contextmanager
def _patched(obj: Any, name: str, value: Any) -> Iterator[None]:
    """Set an instance attribute for the duration of the block, then undo it."""
    had_own = name in vars(obj)
    previous = vars(obj).get(name)
    setattr(obj, name, value)
    try:
        yield
    finally:
        if had_own:
            setattr(obj, name, previous)
        else:
            delattr(obj, name)


def _tx_original_storage(state: Any) -> Callable[..., int]:
    """A ``state.get_storage`` whose ``from_journal=False`` reads return the
    slot's value as of the start of the transaction (EIP-2200 "original")."""
    current = state.get_storage
    originals: dict[tuple[bytes, int], int] = {}

    def get_storage(address: bytes, slot: int, from_journal: bool = True) -> int:
        if from_journal:
            return current(address, slot)
        key = (address, slot)
        if key not in originals:
            originals[key] = current(address, slot)
        return originals[key]

    return get_storage


@contextlib.contextmanager
def _transaction_boundary(state: Any, *, sender: bytes, target: bytes) -> Iterator[None]:
    """Make the enclosed message run as if it started a new transaction."""
    account_db = state._account_db
    saved_access = account_db._journal_accessed_state
    saved_transient = vars(state).get("_transient_storage")
    with _patched(state, "get_storage", _tx_original_storage(state)):
        account_db._reset_access_counters()  # fresh EIP-2929 journal
        state._transient_storage = None  # recreated empty on first use
        try:
            for address in (sender, target, state.coinbase):
                state.mark_address_warm(address)
            for address in state.computation_class.get_precompiles():
                state.mark_address_warm(address)
            yield
        finally:
            account_db._journal_accessed_state = saved_access
            state._transient_storage = saved_transient


@dataclass
class _Captured:
    """One top-level message run under a transaction boundary."""

    data: bytes
    create: bool
    computation: Any

    def tx_gas(self) -> TxGas:
        """Receipt gas of the captured message."""
        return computation_gas(self.computation, self.data, create=self.create)


def _message_gas(gas_limit: int | None, data: bytes, create: bool, given: int | None) -> int | None:
    """Message gas for a transaction gas limit (None: keep what boa passes)."""
    if gas_limit is None:
        return given
    intrinsic = intrinsic_gas(data, create=create)
    if gas_limit < max(intrinsic, eip7623_floor(data)):
        raise ValueError(
            f"gas_limit {gas_limit} is below the intrinsic gas {intrinsic} "
            f"or the EIP-7623 floor {eip7623_floor(data)}"
        )
    return gas_limit - intrinsic


def _wrap_execute(evm: Any, captured: list[_Captured], gas_limit: int | None) -> Callable[..., Any]:
    """Wrap ``PyEVM.execute_code`` so its message runs as a transaction."""
    original = evm.execute_code
    signature = inspect.signature(original)

    def execute_code(*args: Any, **kwargs: Any) -> Any:
        bound = signature.bind(*args, **kwargs)
        params = bound.arguments
        data = bytes(params["data"])
        params["gas"] = _message_gas(gas_limit, data, False, params["gas"])
        with _transaction_boundary(
            evm.vm.state,
            sender=params["sender"].canonical_address,
            target=params["to"].canonical_address,
        ):
            computation = original(*bound.args, **bound.kwargs)
        captured.append(_Captured(data, False, computation))
        return computation

    return execute_code


def _wrap_deploy(evm: Any, captured: list[_Captured], gas_limit: int | None) -> Callable[..., Any]:
    """Wrap ``PyEVM.deploy_code`` so its creation runs as a transaction."""
    original = evm.deploy_code
    signature = inspect.signature(original)

    def deploy_code(*args: Any, **kwargs: Any) -> Any:
        bound = signature.bind(*args, **kwargs)
        params = bound.arguments
        data = bytes(params["bytecode"])
        params["gas"] = _message_gas(gas_limit, data, True, params["gas"])
        with _transaction_boundary(
            evm.vm.state,
            sender=params["sender"].canonical_address,
            target=params["target_address"].canonical_address,
        ):
            computation = original(*bound.args, **bound.kwargs)
        captured.append(_Captured(data, True, computation))
        return computation

    return deploy_code


def _pyevm() -> Any:
    """The py-evm wrapper of the current ``boa.env``, checked for metering."""
    evm = getattr(boa.env, "evm", None)
    if evm is None or not hasattr(evm, "vm"):
        raise TypeError("softliq.gas needs titanoboa's py-evm environment (boa.env.evm)")
    if issubclass(evm.get_gas_meter_class(), NoGasMeter):
        raise RuntimeError("gas metering is disabled (NoGasMeter); nothing to measure")
    return evm


def _single(captured: list[_Captured]) -> _Captured:
    """The one top-level message a measured callable must make."""
    if len(captured) != 1:
        raise ValueError(
            f"measure() needs exactly one top-level call or deployment, saw {len(captured)}"
        )
    return captured[0]


def measure(fn: Callable[[], Any], *, gas_limit: int | None = None) -> tuple[Any, TxGas]:
    """Run ``fn`` as one transaction; return ``(fn(), TxGas)``.

    ``fn`` must make exactly one top-level call or deployment through
    ``boa.env``. ``gas_limit`` is the transaction's gas limit; it matters only
    for calls that halt exceptionally (they burn all of it). If ``fn``
    raises after its message ran (e.g. a revert), the exception gets the
    ``TxGas`` as ``exc.tx_gas`` and is re-raised.
    """
    evm = _pyevm()
    captured: list[_Captured] = []
    with (
        _patched(evm, "execute_code", _wrap_execute(evm, captured, gas_limit)),
        _patched(evm, "deploy_code", _wrap_deploy(evm, captured, gas_limit)),
    ):
        try:
            result = fn()
        except Exception as exc:
            if len(captured) == 1:
                with contextlib.suppress(AttributeError):  # exotic exception types
                    exc.tx_gas = captured[0].tx_gas()  # type: ignore[attr-defined]
            raise
    return result, _single(captured).tx_gas()


def measure_call(
    method: Callable[..., Any],
    *args: Any,
    sender: Any = None,
    value: int = 0,
    gas_limit: int | None = None,
    **kwargs: Any,
) -> tuple[Any, TxGas]:
    """Call a boa contract method as one transaction; return ``(result, TxGas)``.

    ``method`` is a bound contract function (``contract.fn``); boa encodes
    ``args``/``kwargs`` with the contract's ABI. ``sender`` defaults to
    ``boa.env.eoa``.
    """
    return measure(
        lambda: method(*args, sender=sender, value=value, **kwargs), gas_limit=gas_limit
    )
