"""The `softliq.chain.Chain` protocol through ape, on anvil (local or a fork).

`ApeChain` lets keepers and scenarios written for titanoboa run unchanged on a real
node: ape holds the connection, the compiled contracts and the deployment; the hot
path (views and transactions) talks JSON-RPC over ape's web3 connection directly,
because ape's own call machinery costs ~20 ms per view (8x a raw `eth_call`) and a
scenario makes thousands of them.

* Views: `chain.market.amm.get_p()` works as on titanoboa: the market's handles are
  `RpcContract`s that ABI-encode, `eth_call` and decode (arrays and structs as tuples,
  addresses checksummed, one output as a bare value).
* Transactions: sent as `sender` with `eth_sendTransactionSync` (one round trip returns
  the receipt); anvil impersonates every sender, so accounts need no keys. A reverted
  transaction is mined (as on a real chain) and raises `TxReverted` with the reason,
  replayed by `eth_call` against the block before it.
* Time: moves only in `sleep`, which mines one block per `BLOCK_TIME` seconds (capped
  by `max_blocks_per_sleep`, the timestamps still exact).

Only anvil can do this (impersonation, mining and time at will), including forks of
any chain started by anvil. `connected(choice)` opens an ape network with a clear error when no
node answers.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import fields, replace
from typing import TYPE_CHECKING, Any

from softliq.chain import BLOCK_TIME, ChainBase, ChainEvent, Tx, TxReverted
from softliq.deploy import Market

if TYPE_CHECKING:
    from ape.api import ProviderAPI

ERROR_SELECTOR = bytes.fromhex("08c379a0")
PANIC_SELECTOR = bytes.fromhex("4e487b71")
GAS_MONEY = 100 * 10**18
"""Ether every new account starts with."""


class ConnectError(RuntimeError):
    """No usable node behind an ape network choice (message says why)."""


class NotADevNodeError(ConnectError):
    """The node cannot impersonate accounts or mine at will (not anvil)."""


# ---------------------------------------------------------------- connecting


@contextmanager
def connected(choice: str) -> Iterator["ProviderAPI"]:
    """Connect ape to `choice` (`ethereum:local:foundry`, `http://127.0.0.1:8545`, any
    network ape knows) for the duration of the block; ConnectError with a clear message
    if the choice is unknown or no node answers. ape-managed nodes stop on exit."""
    from ape import networks
    from ape.exceptions import ApeException

    try:
        manager = networks.parse_network_choice(choice)
        provider = manager.__enter__()
    except (ApeException, ValueError, OSError) as exc:
        raise ConnectError(f"cannot connect to network {choice!r}: {_first_line(exc)}") from None
    try:
        yield provider
    finally:
        manager.__exit__(None, None, None)


def _first_line(exc: BaseException) -> str:
    """An exception's message, first line only, with its class when it is empty."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def is_dev_node(provider: "ProviderAPI") -> bool:
    """True when the node is anvil (impersonation, mining and time at will, snapshots)."""
    try:
        client = str(provider.web3.client_version).lower()
    except Exception:  # noqa: BLE001 - any RPC failure means "not a usable dev node"
        return False
    return client.startswith("anvil")


# ---------------------------------------------------------------- ABI plumbing


def _checksum(value: str) -> str:
    from eth_utils import to_checksum_address

    return to_checksum_address(value)


def _as_abi_arg(value: Any) -> Any:
    """Contract handles and address objects as address strings; lists as lists."""
    if hasattr(value, "address") and not isinstance(value, (str, bytes, int)):
        return str(value.address)
    if isinstance(value, (list, tuple)):
        return [_as_abi_arg(v) for v in value]
    if type(value).__name__ in ("Address", "AddressType"):
        return str(value)
    return value


def _from_abi(kind: str, value: Any) -> Any:
    """A decoded ABI value as boa shows it: checksummed addresses, tuples for arrays."""
    if kind == "address":
        return _checksum(value)
    if kind.endswith("]") and isinstance(value, (list, tuple)):
        inner = kind[: kind.rindex("[")]
        return tuple(_from_abi(inner, v) for v in value)
    if kind.startswith("(") and isinstance(value, (list, tuple)):
        return tuple(value)
    return value


def _canonical(io: Any) -> str:
    """The canonical ABI type of an ethpm_types input/output (tuples spelled out)."""
    return str(io.canonical_type)


class RpcMethod:
    """One contract function (all overloads of a name), called over raw JSON-RPC."""

    def __init__(self, owner: "RpcContract", name: str, abis: list[Any]) -> None:
        from eth_utils import keccak

        self.owner = owner
        self.name = name
        self.by_arity: dict[int, tuple[bytes, list[str], list[str]]] = {}
        for abi in abis:
            ins = [_canonical(i) for i in abi.inputs]
            outs = [_canonical(o) for o in abi.outputs]
            selector = keccak(text=f"{name}({','.join(ins)})")[:4]
            self.by_arity[len(ins)] = (selector, ins, outs)
        self.is_view = all(a.stateMutability in ("view", "pure") for a in abis)

    def encode(self, *args: Any) -> bytes:
        """Calldata for `name(*args)`; TypeError naming the arities on a wrong count."""
        from eth_abi import encode

        if len(args) not in self.by_arity:
            raise TypeError(f"{self.name} takes {sorted(self.by_arity)} arguments, got {len(args)}")
        selector, ins, _ = self.by_arity[len(args)]
        return selector + encode(ins, [_as_abi_arg(a) for a in args])

    def decode(self, arity: int, data: bytes) -> Any:
        """Return value(s) of the overload with `arity` inputs, decoded from `data`."""
        from eth_abi import decode

        outs = self.by_arity[arity][2]
        if not outs:
            return None
        values = [_from_abi(k, v) for k, v in zip(outs, decode(outs, data))]
        return values[0] if len(values) == 1 else tuple(values)

    def __call__(self, *args: Any) -> Any:
        """Call as a view (`eth_call` at the latest block) and decode the result;
        TxReverted if the call reverts."""
        try:
            data = self.owner.rpc.call(self.owner.address, self.encode(*args))
        except Exception as exc:  # noqa: BLE001 - the provider's error class varies
            if "revert" in str(exc).lower():
                raise TxReverted(self.name, _reason_from_error(exc)) from None
            raise
        return self.decode(len(args), data)


class RpcContract:
    """A deployed contract whose functions are called over raw JSON-RPC (see RpcMethod);
    `ape` is the ape ContractInstance, for anything else."""

    def __init__(self, rpc: "Rpc", address: str, contract_type: Any, ape_instance: Any = None) -> None:
        self.rpc = rpc
        self.address = _checksum(str(address))
        self.contract_type = contract_type
        self.ape = ape_instance
        grouped: dict[str, list[Any]] = {}
        for abi in contract_type.abi:
            if getattr(abi, "type", None) == "function":
                grouped.setdefault(abi.name, []).append(abi)
        self._methods = {name: RpcMethod(self, name, abis) for name, abis in grouped.items()}

    def __getattr__(self, name: str) -> RpcMethod:
        methods = self.__dict__.get("_methods", {})
        if name in methods:
            return methods[name]
        raise AttributeError(f"{self.contract_type.name} at {self.__dict__.get('address')} has no function {name!r}")

    def __repr__(self) -> str:
        return f"<RpcContract {self.contract_type.name} at {self.address}>"


class EventDecoder:
    """Decodes receipt logs of every contract it has seen (by topic 0)."""

    def __init__(self) -> None:
        self.by_topic: dict[bytes, tuple[str, list[Any]]] = {}

    def learn(self, contract_type: Any) -> None:
        """Add every event of `contract_type`."""
        from eth_utils import keccak

        for abi in contract_type.abi:
            if getattr(abi, "type", None) == "event":
                types = ",".join(_canonical(i) for i in abi.inputs)
                self.by_topic[keccak(text=f"{abi.name}({types})")] = (abi.name, list(abi.inputs))

    def decode(self, log: dict[str, Any]) -> ChainEvent | None:
        """One raw RPC log as a ChainEvent, None if its event is unknown."""
        from eth_abi import decode

        topics = [bytes.fromhex(t[2:]) for t in log["topics"]]
        if not topics or topics[0] not in self.by_topic:
            return None
        name, inputs = self.by_topic[topics[0]]
        indexed = [i for i in inputs if i.indexed]
        plain = [i for i in inputs if not i.indexed]
        args: dict[str, Any] = {}
        for inp, topic in zip(indexed, topics[1:]):
            kind = _canonical(inp)
            dynamic = kind in ("string", "bytes") or kind.endswith("]") or kind.startswith("(")
            args[inp.name] = "0x" + topic.hex() if dynamic else _from_abi(kind, decode([kind], topic)[0])
        data = bytes.fromhex(log["data"][2:])
        kinds = [_canonical(i) for i in plain]
        for inp, kind, value in zip(plain, kinds, decode(kinds, data)):
            args[inp.name] = _from_abi(kind, value)
        return ChainEvent(name, _checksum(log["address"]), args)


class Rpc:
    """Raw JSON-RPC through ape's provider."""

    def __init__(self, provider: "ProviderAPI") -> None:
        self.provider = provider

    def request(self, method: str, *params: Any) -> Any:
        return self.provider.make_request(method, list(params))

    def call(self, to: str, data: bytes, block: str = "latest") -> bytes:
        out = self.request("eth_call", {"to": to, "data": "0x" + data.hex()}, block)
        return bytes.fromhex(str(out)[2:])

    def call_reason(self, tx: dict[str, Any], block: str) -> str:
        """Why `tx` reverts when replayed against `block` (best effort)."""
        try:
            self.request("eth_call", tx, block)
        except Exception as exc:  # noqa: BLE001 - the reason is in the error text
            return _reason_from_error(exc)
        return "reverted (no reason on replay)"


def _reason_from_error(exc: BaseException) -> str:
    """The revert reason in an RPC error (`execution reverted: X` or Error(string) data)."""
    text = str(exc)
    marker = "execution reverted"
    if marker in text:
        tail = text[text.index(marker) + len(marker) :].lstrip(": ").strip().strip("'\"")
        return tail.splitlines()[0] if tail else "execution reverted"
    return _first_line(exc)


def decode_revert_data(data: bytes) -> str:
    """Error(string) and Panic(uint256) revert data in words."""
    from eth_abi import decode

    if data[:4] == ERROR_SELECTOR:
        return str(decode(["string"], data[4:])[0])
    if data[:4] == PANIC_SELECTOR:
        return f"panic {decode(['uint256'], data[4:])[0]:#x}"
    return "reverted without a reason" if not data else f"reverted with data 0x{data.hex()}"


# ---------------------------------------------------------------- the chain


class ApeChain(ChainBase):
    """A `softliq.chain.Chain` on the node ape is connected to (anvil or an anvil fork).

    `market` comes from `softliq.ape_deploy` (ape handles); ApeChain keeps its own copy
    whose handles are RpcContracts.

    Time moves only when `sleep` says, as on titanoboa: while an ApeChain is open the
    node stamps every transaction's block with the previous block's time
    (`anvil_setBlockTimestampInterval 0`), so a run does not depend on how fast the
    machine is. `close()` (or leaving a `with ApeChain(...)` block) gives the node its
    clock back.

    `max_blocks_per_sleep` caps the blocks `sleep` mines: anvil takes 2-25 ms per
    empty block, and a one-day scenario at one block per 12 s is 7,200 of them (minutes
    of mining). The timestamps stay exact, and `block_number()` counts the skipped
    blocks too, so keepers' latencies (in blocks) keep their meaning in time; no
    contract reads block.number. None mines every block. The blocks anvil mines for
    each transaction are not counted (`tx_blocks`): on titanoboa and pyrevm only time
    moves blocks, and a run must tell the same story on every backend.

    `freeze_clock=False` leaves the node's clock alone (keepers on a live node, where
    time is the node's: `softliq keepers`); `sleep` is then not for use.
    """

    def __init__(self, market: Market, max_blocks_per_sleep: int | None = 1, salt: str | None = None,
                 freeze_clock: bool = True) -> None:
        from ape import chain

        provider = chain.provider
        if not is_dev_node(provider):
            raise NotADevNodeError(
                f"ApeChain needs anvil to impersonate accounts and mine at will; "
                f"the node on {provider.network.name} is {provider.web3.client_version!r}. "
                "Fork it instead (scripts/fork.py)."
            )
        if max_blocks_per_sleep is not None and max_blocks_per_sleep < 1:
            raise ValueError(f"max_blocks_per_sleep must be >= 1 or None, got {max_blocks_per_sleep}")
        self.rpc = Rpc(provider)
        self.events = EventDecoder()
        self.max_blocks_per_sleep = max_blocks_per_sleep
        self.skipped_blocks = 0
        self.tx_blocks = 0
        """Blocks the node mined for our transactions (anvil mines one per transaction)."""
        self.market = self._wrap_market(market)
        self._salt = salt if salt is not None else f"{self.block_number()}"
        self._counter = 0
        self._impersonated: set[str] = set()
        self._approved: set[str] = set()
        self._last_gas = 0
        self.freeze_clock = freeze_clock
        if freeze_clock:
            self.rpc.request("anvil_setBlockTimestampInterval", 0)

    def close(self) -> None:
        """Give the node its own clock back (blocks follow wall-clock time again)."""
        if self.freeze_clock:
            self.rpc.request("anvil_removeBlockTimestampInterval")

    def __enter__(self) -> "ApeChain":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- handles

    def wrap(self, instance: Any) -> RpcContract:
        """An RpcContract for an ape ContractInstance (its events become decodable)."""
        self.events.learn(instance.contract_type)
        return RpcContract(self.rpc, str(instance.address), instance.contract_type, instance)

    def _wrap_market(self, market: Market) -> Market:
        """A copy of `market` whose contract handles are RpcContracts."""
        changes: dict[str, Any] = {}
        for f in fields(Market):
            value = getattr(market, f.name)
            if f.name not in ("admin", "params") and value is not None:
                changes[f.name] = value if isinstance(value, RpcContract) else self.wrap(value)
        return replace(market, **changes)

    # -- Chain protocol

    def now(self) -> int:
        return int(self.rpc.request("eth_getBlockByNumber", "latest", False)["timestamp"], 16)

    def block_number(self) -> int:
        """The node's block number plus the blocks `sleep` skipped, less the blocks our
        own transactions mined (see the class): blocks advance with time only, as on
        the in-process chains, so keepers' latencies mean the same on every backend."""
        return int(self.rpc.request("eth_blockNumber"), 16) + self.skipped_blocks - self.tx_blocks

    def sleep(self, seconds: int) -> None:
        if seconds < 0:
            raise ValueError(f"cannot sleep a negative time ({seconds} s)")
        wanted = max(1, seconds // BLOCK_TIME)
        blocks = wanted if self.max_blocks_per_sleep is None else min(wanted, self.max_blocks_per_sleep)
        self.skipped_blocks += wanted - blocks
        target = self.now() + seconds
        self.rpc.request("anvil_removeBlockTimestampInterval")
        try:
            if blocks > 1:
                self.rpc.request("anvil_mine", hex(blocks - 1), hex(seconds // blocks))
            self.rpc.request("evm_setNextBlockTimestamp", hex(target))
            self.rpc.request("anvil_mine", hex(1))
        finally:
            self.rpc.request("anvil_setBlockTimestampInterval", 0)

    def new_account(self, role: str) -> str:
        from eth_utils import keccak

        if not role or not role.isidentifier():
            raise ValueError(f"role must be a word like 'borrower', got {role!r}")
        self._counter += 1
        address = _checksum("0x" + keccak(text=f"softliq:{self._salt}:{role}:{self._counter}")[-20:].hex())
        self.rpc.request("anvil_setBalance", address, hex(GAS_MONEY))
        return address

    def transact(self, sender: str, contract: Any, method: str, *args: Any) -> Tx:
        handle = contract if isinstance(contract, RpcContract) else self.wrap(contract)
        fn = getattr(handle, method)
        tx = {"from": _checksum(str(sender)), "to": handle.address, "data": "0x" + fn.encode(*args).hex()}
        receipt = self._send(tx, method)
        return Tx(self._last_gas, self._decode_logs(receipt))

    def deploy(self, sender: str, name: str, *args: Any) -> Any:
        from eth_abi import encode

        from softliq.ape_deploy import ApeBackend, _ape_project

        container = ApeBackend.container_in(_ape_project(), name)
        ctype = container.contract_type
        ctor = next((a for a in ctype.abi if getattr(a, "type", None) == "constructor"), None)
        types = [_canonical(i) for i in ctor.inputs] if ctor is not None else []
        if len(types) != len(args):
            raise TypeError(f"{name}'s constructor takes {len(types)} arguments, got {len(args)}")
        code = bytes.fromhex(ctype.deployment_bytecode.bytecode[2:]) + encode(types, [_as_abi_arg(a) for a in args])
        receipt = self._send({"from": _checksum(str(sender)), "data": "0x" + code.hex()}, f"deploy {name}")
        instance = container.at(receipt["contractAddress"])
        return self.wrap(instance)


    # -- plumbing

    def _impersonate(self, address: str) -> None:
        if address not in self._impersonated:
            self.rpc.request("anvil_impersonateAccount", address)
            self._impersonated.add(address)

    def _send(self, tx: dict[str, Any], what: str) -> dict[str, Any]:
        """Send `tx` and return its receipt; TxReverted if it reverted (it is mined)."""
        self._impersonate(tx["from"])
        try:
            receipt = self.rpc.request("eth_sendTransactionSync", tx)
        except Exception as exc:  # noqa: BLE001 - anvil refuses some reverts up front
            if "revert" in str(exc).lower():
                self._last_gas = 0
                raise TxReverted(what, _reason_from_error(exc)) from None
            raise
        self._last_gas = int(receipt["gasUsed"], 16)
        self.tx_blocks += 1
        if int(receipt["status"], 16) != 1:
            before = hex(int(receipt["blockNumber"], 16) - 1)
            reason = self.rpc.call_reason(tx, before)
            sent = self.rpc.request("eth_getTransactionByHash", receipt["transactionHash"])
            limit = int(sent["gas"], 16) if sent else 0
            if reason.startswith("reverted (no reason") and limit and self._last_gas >= limit * 63 // 64:
                reason = f"out of gas ({self._last_gas} of {limit})"
            raise TxReverted(what, reason)
        return receipt

    def _decode_logs(self, receipt: dict[str, Any]) -> list[ChainEvent]:
        decoded = (self.events.decode(log) for log in receipt.get("logs", []))
        return [e for e in decoded if e is not None]


# ---------------------------------------------------------------- anvil processes


def free_port() -> int:
    """A TCP port on 127.0.0.1 nobody listens on right now."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def rpc_answers(url: str, timeout: float = 2.0) -> int | None:
    """The chain id of the node at `url`, None if nothing answers JSON-RPC there."""
    import requests

    try:
        reply = requests.post(url, json={"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []}, timeout=timeout)
        return int(reply.json()["result"], 16)
    except (requests.RequestException, ValueError, KeyError, TypeError):
        return None


@contextmanager
def anvil(fork_url: str | None = None, fork_block: int | None = None, port: int | None = None,
          timeout: float = 60.0) -> Iterator[str]:
    """Run an anvil (a fork of `fork_url` if given) on a free port for the duration of
    the block and yield its URL; it is stopped (by its pid) on exit. ConnectError if
    anvil is not on PATH, the upstream does not answer, or anvil does not come up."""
    import shutil
    import subprocess
    import tempfile
    import time

    binary = shutil.which("anvil")
    if binary is None:
        raise ConnectError("anvil is not on PATH (export PATH=$PWD/node_modules/.bin:$PATH)")
    if fork_url is not None and rpc_answers(fork_url) is None:
        raise ConnectError(f"no node answers JSON-RPC at upstream {fork_url}")
    port = port or free_port()
    command = [binary, "--port", str(port), "--host", "127.0.0.1"]
    if fork_url is not None:
        command += ["--fork-url", fork_url]
        if fork_block is not None:
            command += ["--fork-block-number", str(fork_block)]
    url = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + timeout
            while rpc_answers(url, timeout=0.5) is None:
                if process.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    tail = log.read().decode(errors="replace").strip().splitlines()[-3:]
                    raise ConnectError(f"anvil did not start on {url}: {' | '.join(tail) or 'timed out'}")
                time.sleep(0.1)
            yield url
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


# ---------------------------------------------------------------- scenarios through ape


def run_scenario_here(
    name: Any,
    options: Any,
    base_params: Any,
    deployment: str | None,
    force: bool,
    reports_dir: str,
    max_blocks_per_sleep: int = 1,
    save_to: Any = None,
) -> tuple[Any, Any, Any]:
    """On the connected network: deploy (or reuse) a market with the scenario's
    parameters, run scenario `name` (a name or a Scenario) through an ApeChain, write its report.
    Returns (deployment, result, report directory)."""
    from pathlib import Path

    from ape import accounts, chain

    from softliq.ape_deploy import deploy_or_reuse, deployment_path, network_label, quiet_ape
    from softliq.report import write_report
    from softliq.scenarios import run_scenario, scenario_params

    provider = chain.provider
    if not is_dev_node(provider):
        raise NotADevNodeError(f"scenarios need anvil: fork {provider.network.name} with scripts/fork.py")
    params = scenario_params(name, base_params)
    path = deployment_path(provider, deployment)
    save = Path(save_to) if save_to is not None else None
    with quiet_ape():
        dep = deploy_or_reuse(params, path, accounts.test_accounts[0], accounts.test_accounts[1],
                              force=force, network=network_label(provider), save_to=save)
    with ApeChain(dep.market, max_blocks_per_sleep=max_blocks_per_sleep or None) as ape_chain:
        result = run_scenario(name, ape_chain, options)
    report = write_report(result, Path(reports_dir))
    return dep, result, report
