"""softliq.gas against real receipts.

The same sequence of operations on contracts/testing/GasProbe.vy, each its
own transaction, runs
  (a) on titanoboa through softliq.gas (transaction boundaries emulated), and
  (b) on a real anvil node (Prague) through web3.py, reading receipt gasUsed;
the two must agree exactly. The sequence is also run on plain titanoboa
(one long block) to show that a naive re-call under-reports a repeated SSTORE.

Run with `-s` to see the per-operation table.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boa
import pytest
from vyper.compiler.output import build_abi_output
from web3 import Web3

REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT) not in sys.path:  # plain `pytest` does not put the root on sys.path
    sys.path.insert(0, str(REPO_ROOT))

from softliq.gas import (  # noqa: E402
    TxGas,
    computation_gas,
    eip7623_floor,
    intrinsic_gas,
    measure,
    measure_call,
    receipt_gas,
)

PROBE_SOURCE = REPO_ROOT / "contracts" / "testing" / "GasProbe.vy"
HARDFORK = "prague"  # titanoboa 0.2.8's py-evm runs Prague
TX_GAS_LIMIT = 5_000_000
# anvil's first default account: same sender and nonces on both sides, so the
# deployed addresses (and hence every calldata byte) are identical.
SENDER = Web3.to_checksum_address("0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266")
NEW_HOLDER = Web3.to_checksum_address("0x00000000000000000000000000000000c0ffee01")
NEW_HOLDER_2 = Web3.to_checksum_address("0x00000000000000000000000000000000c0ffee02")
OTHER = "<address of the second probe>"  # placeholder, resolved at run time


@dataclass(frozen=True)
class Step:
    """One transaction: a deployment (fn is None) or a call to the first probe."""

    label: str
    fn: str | None = None
    args: tuple[Any, ...] = ()
    reverts: bool = False


STEPS = (
    Step("deploy probe"),
    Step("deploy other probe"),
    Step("set_stored 0->1 (cold, zero->nonzero)", "set_stored", (1,)),
    Step("set_stored 1->2 (nonzero->nonzero)", "set_stored", (2,)),
    Step("set_stored 2->2 (unchanged)", "set_stored", (2,)),
    Step("set_stored_twice 2->3->4 (dirty slot)", "set_stored_twice", (3, 4)),
    Step("bump 4->5 + warm re-read", "bump"),
    Step("set_stored 5->0 (refund)", "set_stored", (0,)),
    Step("call_other (cold address, callee 0->1)", "call_other", (OTHER,)),
    Step("call_other again (callee 1->2)", "call_other", (OTHER,)),
    Step("mint 1000 to sender", "mint", (SENDER, 1000)),
    Step("transfer 100 to new holder", "transfer", (NEW_HOLDER, 100)),
    Step("transfer 50 to existing holder", "transfer", (NEW_HOLDER, 50)),
    Step("transfer 850 (sender -> 0, refund)", "transfer", (NEW_HOLDER_2, 850)),
    Step("transfer 1 from empty balance (reverts)", "transfer", (NEW_HOLDER, 1), True),
    Step("take_calldata 1024 nonzero bytes (floor)", "take_calldata", (b"\x01" * 1024,)),
)
REPEATED_SSTORE = 3  # index of "set_stored 1->2": same slot written in the previous tx


def _resolve(args: tuple[Any, ...], other: str) -> list[Any]:
    """Replace the OTHER placeholder with the second probe's address."""
    return [other if a is OTHER else a for a in args]


# --------------------------------------------------------------------------- anvil


def _native_anvil(path: Path) -> Path:
    """The real anvil binary behind npm's node wrapper, if ``path`` is one.

    `node_modules/.bin/anvil` links to @foundry-rs/anvil/bin.mjs, a node script
    that spawns the platform binary (@foundry-rs/anvil-<platform>/bin/anvil).
    Running the binary directly avoids a second process that outlives or
    orphans it on shutdown.
    """
    real = path.resolve()
    if real.suffix in (".mjs", ".js", ".cjs"):
        for candidate in sorted(real.parent.parent.glob("anvil-*/bin/anvil")):
            if os.access(candidate, os.X_OK):
                return candidate
    return path


def _anvil_binary() -> str:
    """anvil on PATH, else the npm-installed one under the repo root."""
    found = shutil.which("anvil")
    if found:
        return str(_native_anvil(Path(found)))
    local = REPO_ROOT / "node_modules" / ".bin" / "anvil"
    if local.exists():
        return str(_native_anvil(local))
    pytest.fail("anvil not found on PATH nor in node_modules/.bin: run `npm install`")


def _free_port() -> int:
    """A loopback port that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _signal_group(proc: subprocess.Popen[bytes], sig: signal.Signals) -> None:
    """Send ``sig`` to anvil's own process group (anvil and any wrapper)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, sig)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """Terminate anvil, killing it if it does not exit promptly."""
    if proc.poll() is None:
        _signal_group(proc, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            _signal_group(proc, signal.SIGKILL)
            proc.wait(timeout=10)


def _start_anvil(binary: str, request: pytest.FixtureRequest) -> Web3:
    """Start one anvil on a free loopback port; its finalizer stops it."""
    port = _free_port()
    errors = tempfile.TemporaryFile()
    request.addfinalizer(errors.close)
    proc = subprocess.Popen(
        [binary, "--host", "127.0.0.1", "--port", str(port), "--silent", "--hardfork", HARDFORK],
        stdout=subprocess.DEVNULL,
        stderr=errors,
        start_new_session=True,  # own process group: _stop signals only it
    )
    request.addfinalizer(lambda: _stop(proc))
    w3 = Web3(Web3.HTTPProvider(f"http://127.0.0.1:{port}", request_kwargs={"timeout": 30}))
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            errors.seek(0)
            err = errors.read().decode(errors="replace")
            raise RuntimeError(f"anvil exited with {proc.returncode}: {err}")
        if w3.is_connected():
            return w3
        time.sleep(0.1)
    raise RuntimeError(f"anvil did not answer on port {port} within 30 s")


@pytest.fixture(scope="module")
def anvil(request: pytest.FixtureRequest) -> Web3:
    """A fresh anvil node (retried on a new port if the first one dies)."""
    binary = _anvil_binary()
    for attempt in range(3):
        try:
            return _start_anvil(binary, request)
        except RuntimeError:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


# ------------------------------------------------------------------- compiled probe


@pytest.fixture(scope="module")
def deployer() -> Any:
    """GasProbe compiled by titanoboa (vyper 0.4.3)."""
    return boa.load_partial(str(PROBE_SOURCE))


@pytest.fixture(scope="module")
def initcode(deployer: Any) -> bytes:
    """GasProbe's deployment bytecode (no constructor arguments)."""
    return bytes(deployer.compiler_data.bytecode)


@pytest.fixture(scope="module")
def abi(deployer: Any) -> list[dict[str, Any]]:
    """GasProbe's ABI."""
    return build_abi_output(deployer.compiler_data)


# ------------------------------------------------------------------ the three runs


@dataclass(frozen=True)
class Run:
    """Receipt gas per step, and the calldata each step sent."""

    gas: list[int]
    calldata: list[bytes]


@pytest.fixture(scope="module")
def anvil_run(anvil: Web3, initcode: bytes, abi: list[dict[str, Any]]) -> Run:
    """Every step as its own transaction on anvil; gasUsed from each receipt."""
    gas: list[int] = []
    calldata: list[bytes] = []
    addresses: list[str] = []
    for step in STEPS:
        tx: dict[str, Any] = {"from": SENDER, "gas": TX_GAS_LIMIT}
        if step.fn is None:
            tx["data"] = initcode
        else:
            probe = anvil.eth.contract(address=addresses[0], abi=abi)
            tx["to"] = addresses[0]
            encoded = probe.encode_abi(step.fn, args=_resolve(step.args, addresses[1]))
            tx["data"] = Web3.to_bytes(hexstr=encoded)
        receipt = anvil.eth.wait_for_transaction_receipt(anvil.eth.send_transaction(tx))
        assert receipt["status"] == (0 if step.reverts else 1), step.label
        if step.fn is None:
            addresses.append(receipt["contractAddress"])
        gas.append(receipt["gasUsed"])
        calldata.append(bytes(tx["data"]))
    return Run(gas, calldata)


def _boa_step(step: Step, deployer: Any, contracts: list[Any]) -> Any:
    """Run one step on titanoboa (plain call or deploy)."""
    if step.fn is None:
        contracts.append(deployer.deploy(sender=SENDER))
        return contracts[-1]
    args = _resolve(step.args, contracts[1].address)
    return getattr(contracts[0], step.fn)(*args, sender=SENDER)


def _step_calldata(step: Step, contracts: list[Any], initcode: bytes) -> bytes:
    """The calldata titanoboa sends for ``step`` (ABI-encoded by boa)."""
    if step.fn is None:
        return initcode
    method = getattr(contracts[0], step.fn)
    return bytes(method.prepare_calldata(*_resolve(step.args, contracts[1].address)))


def _measured_step(step: Step, deployer: Any, contracts: list[Any]) -> TxGas:
    """One step through softliq.gas.measure."""
    if not step.reverts:
        return measure(lambda: _boa_step(step, deployer, contracts))[1]
    with pytest.raises(Exception) as info:
        measure(lambda: _boa_step(step, deployer, contracts))
    return info.value.tx_gas


def _naive_step(step: Step, deployer: Any, contracts: list[Any], data: bytes) -> int:
    """One step as plain titanoboa reports it: same receipt formula, no boundary."""
    if step.reverts:
        with pytest.raises(Exception):
            _boa_step(step, deployer, contracts)
    else:
        _boa_step(step, deployer, contracts)
    c = (contracts[-1] if step.fn is None else contracts[0])._computation
    return computation_gas(c, data, create=step.fn is None).total


@pytest.fixture(scope="module")
def boa_runs(deployer: Any, initcode: bytes) -> tuple[Run, Run, list[TxGas]]:
    """(naive run, measured run, measured TxGas) on a fresh titanoboa env."""
    with boa.swap_env(boa.Env()):
        naive_gas: list[int] = []
        with boa.env.anchor():
            contracts: list[Any] = []
            for step in STEPS:
                data = _step_calldata(step, contracts, initcode)
                naive_gas.append(_naive_step(step, deployer, contracts, data))
        contracts = []
        measured: list[TxGas] = []
        calldata: list[bytes] = []
        for step in STEPS:
            calldata.append(_step_calldata(step, contracts, initcode))
            measured.append(_measured_step(step, deployer, contracts))
    return Run(naive_gas, calldata), Run([g.total for g in measured], calldata), measured


# -------------------------------------------------------------------------- tests


def _table(naive: Run, measured: list[TxGas], receipts: Run) -> str:
    """Per-step comparison table."""
    cols = ("operation", "naive boa", "softliq.gas", "anvil", "exec", "intr", "refund")
    row = "{:44} {:>10} {:>11} {:>8} {:>7} {:>6} {:>6}"
    head = row.format(*cols)
    lines = [head, "-" * len(head)]
    for step, n, m, r in zip(STEPS, naive.gas, measured, receipts.gas):
        lines.append(row.format(step.label, n, m.total, r, m.execution, m.intrinsic, m.refund))
    return "\n".join(lines)


def test_same_calldata_on_both_sides(
    boa_runs: tuple[Run, Run, list[TxGas]], anvil_run: Run
) -> None:
    """Sanity: titanoboa and web3 sent byte-identical transactions."""
    _, measured, _ = boa_runs
    assert measured.calldata == anvil_run.calldata


def test_measured_gas_equals_receipts(
    boa_runs: tuple[Run, Run, list[TxGas]], anvil_run: Run
) -> None:
    """softliq.gas reports exactly the receipts' gasUsed, step by step."""
    naive, measured, txgas = boa_runs
    print("\n" + _table(naive, txgas, anvil_run))
    mismatches = [
        (s.label, m, r) for s, m, r in zip(STEPS, measured.gas, anvil_run.gas) if m != r
    ]
    assert not mismatches, mismatches


def test_naive_recall_under_reports_repeated_sstore(
    boa_runs: tuple[Run, Run, list[TxGas]], anvil_run: Run
) -> None:
    """Without boundaries, a second SSTORE to a slot looks warm and dirty."""
    naive, measured, _ = boa_runs
    receipt = anvil_run.gas[REPEATED_SSTORE]
    assert naive.gas[REPEATED_SSTORE] < receipt
    assert measured.gas[REPEATED_SSTORE] == receipt


def test_eip7623_floor_applies_to_large_calldata(boa_runs: tuple[Run, Run, list[TxGas]]) -> None:
    """The calldata-heavy step is priced at the EIP-7623 floor, not above it."""
    _, measured, txgas = boa_runs
    i = len(STEPS) - 1
    data = measured.calldata[i]
    assert txgas[i].intrinsic + txgas[i].execution < eip7623_floor(data) == txgas[i].total


def test_formulas() -> None:
    """Intrinsic gas and EIP-7623 floor on hand-computed examples."""
    data = b"\x00\x01\x00\xff"  # 2 zero, 2 nonzero bytes
    assert intrinsic_gas(data) == 21_000 + 2 * 4 + 2 * 16
    assert eip7623_floor(data) == 21_000 + 10 * (2 + 4 * 2)
    # creation: +32000 and 2 per 32-byte initcode word (EIP-3860)
    assert intrinsic_gas(b"\x01" * 33, create=True) == 21_000 + 33 * 16 + 32_000 + 2 * 2
    # refund capped at 1/5 of gas used
    assert receipt_gas(b"", 9_000, 100_000) == TxGas(
        total=30_000 - 6_000, execution=9_000, intrinsic=21_000, refund=6_000
    )


def test_measure_keeps_anchors_and_later_calls_working(
    deployer: Any, boa_runs: tuple[Run, Run, list[TxGas]]
) -> None:
    """Measuring inside an anchor reverts cleanly and repeats identically."""
    _, measured, _ = boa_runs
    probe = deployer.deploy(sender=SENDER)
    probe.set_stored(1, sender=SENDER)
    for _ in range(2):
        with boa.env.anchor():
            _, gas = measure_call(probe.set_stored, 2, sender=SENDER)
            assert gas.total == measured.gas[REPEATED_SSTORE]
            assert probe.stored() == 2
            probe.set_stored(3, sender=SENDER)  # plain calls still work afterwards
        assert probe.stored() == 1
    with boa.env.anchor():  # a transaction gas limit does not change a normal call
        _, gas = measure_call(probe.set_stored, 2, sender=SENDER, gas_limit=60_000)
        assert gas.total == measured.gas[REPEATED_SSTORE]
    with pytest.raises(ValueError):  # below intrinsic gas
        measure_call(probe.set_stored, 2, sender=SENDER, gas_limit=21_000)


def test_measure_needs_exactly_one_message(deployer: Any) -> None:
    """A callable that sends nothing (or two messages) is rejected."""
    with pytest.raises(ValueError):
        measure(lambda: None)
    probe = deployer.deploy(sender=SENDER)
    with pytest.raises(ValueError):
        measure(lambda: (probe.set_stored(1), probe.set_stored(2)))
