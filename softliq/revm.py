"""softliq's contracts on revm, the Rust EVM, in-process through the `pyrevm` package.

titanoboa 0.2.8 executes on py-evm only. The fuzz suites spend most of their time in
view calls (quotes, x_down, health), which pyrevm runs 100-200x faster, so this module
gives them a small titanoboa-like environment on pyrevm:

- `RevmEnv`: one EVM with a block clock, `prank(who)`, `anchor()` (roll back everything
  done inside, clock included), `time_travel`, raw `get_storage` and `generate_address`.
- `RevmContract`: a deployed contract; `contract.method(*args)` ABI-encodes the call,
  runs it as the current sender and decodes the result as titanoboa would (one value,
  or a tuple). A revert raises `RevmRevert` with the decoded reason.
- `RevmBackend`: a `softliq.deploy.Backend`, so `deploy_market` deploys the same market
  (same constructor arguments, same wiring) as on titanoboa; `deploy_revm` does it all.

Contracts are compiled by vyper through titanoboa's loader (`softliq.deploy.boa_deployer`),
so both EVMs run the same bytecode.
"""

from __future__ import annotations

import contextlib
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Callable

from eth_abi import decode, encode
from eth_utils import keccak, to_checksum_address

from softliq.params import MarketParams

GENESIS_TIMESTAMP = 1_700_000_000
"""block.timestamp of a fresh RevmEnv (fixed: runs are reproducible)."""
GENESIS_BLOCK = 1
BLOCK_TIME = 12
"""Seconds per block when time travels by seconds (titanoboa's default)."""
ERROR_SELECTOR = bytes.fromhex("08c379a0")
PANIC_SELECTOR = bytes.fromhex("4e487b71")
_OUTPUT = re.compile(r"output: 0x([0-9a-fA-F]*)")


class RevmRevert(Exception):
    """A call reverted (or halted); `reason` is the decoded revert string."""

    def __init__(self, method: str, reason: str) -> None:
        super().__init__(f"{method} reverted: {reason}")
        self.method = method
        self.reason = reason


def decode_revert(message: str) -> str:
    """The reason in pyrevm's error text: an Error(string), a Panic(code), or the text."""
    match = _OUTPUT.search(message)
    if match is None:
        return message.split("{")[0].strip() or message  # a halt (out of gas, invalid opcode...)
    return revert_data_reason(bytes.fromhex(match.group(1)))


def revert_data_reason(data: bytes) -> str:
    """The reason in raw revert data: an Error(string), a Panic(code), or what it is."""
    if data[:4] == ERROR_SELECTOR:
        return str(decode(["string"], data[4:])[0])
    if data[:4] == PANIC_SELECTOR:
        return f"panic {decode(['uint256'], data[4:])[0]:#x}"
    return "revert without reason" if not data else f"revert 0x{data.hex()}"


def abi_type(param: dict[str, Any]) -> str:
    """The canonical ABI type of a parameter (structs become tuples)."""
    kind = str(param["type"])
    if kind.startswith("tuple"):
        inner = ",".join(abi_type(c) for c in param["components"])
        return f"({inner}){kind[5:]}"
    return kind


@lru_cache(maxsize=1 << 16)
def checksummed(address: str | bytes) -> str:
    """An address (20 bytes or hex text) in checksum form; cached, as a market has few
    addresses and the checksum costs a keccak."""
    return to_checksum_address(address)


def word_decoder(kind: str) -> Callable[[bytes], Any] | None:
    """The decoder of a one-word static ABI type, or None (eth_abi handles it)."""
    codec = _word_codec(kind)
    return codec[1] if codec else None


def _word_codec(kind: str) -> tuple[Callable[[Any], bytes], Callable[[bytes], Any]] | None:
    """Encoder and decoder of a one-word static ABI type, or None (eth_abi handles it).
    Most softliq calls take and return only such words; eth_abi's generic codec costs
    ~25 us a value, these ~1 us."""
    if "[" in kind or "(" in kind:
        return None
    if kind.startswith("uint") or kind == "bool":
        enc: Callable[[Any], bytes] = lambda v: int(v).to_bytes(32, "big")
        dec: Callable[[bytes], Any] = (lambda w: w[31] == 1) if kind == "bool" else (lambda w: int.from_bytes(w, "big"))
        return enc, dec
    if kind.startswith("int"):
        return (lambda v: int(v).to_bytes(32, "big", signed=True)), (lambda w: int.from_bytes(w, "big", signed=True))
    if kind == "address":
        return (lambda v: bytes(12) + bytes.fromhex(str(v)[2:])), (lambda w: checksummed(w[12:]))
    return None


@dataclass(frozen=True)
class Function:
    """One ABI function: selector, argument and result types, whether it is a view, and
    word codecs when every argument (or every result) is a one-word static type."""

    name: str
    selector: bytes
    inputs: list[str]
    outputs: list[str]
    static: bool
    encoders: list[Callable[[Any], bytes]] | None
    decoders: list[Callable[[bytes], Any]] | None

    @classmethod
    def from_abi(cls, item: dict[str, Any]) -> "Function":
        inputs = [abi_type(p) for p in item["inputs"]]
        outputs = [abi_type(p) for p in item["outputs"]]
        signature = f"{item['name']}({','.join(inputs)})"
        static = item.get("stateMutability") in ("view", "pure")
        in_codecs, out_codecs = [_word_codec(t) for t in inputs], [_word_codec(t) for t in outputs]
        encoders = [c[0] for c in in_codecs] if all(in_codecs) else None  # type: ignore[index]
        decoders = [c[1] for c in out_codecs] if all(out_codecs) else None  # type: ignore[index]
        return cls(item["name"], keccak(text=signature)[:4], inputs, outputs, static, encoders, decoders)

    def encode_args(self, args: tuple[Any, ...]) -> bytes:
        """Selector and ABI-encoded arguments."""
        if self.encoders is not None:
            return self.selector + b"".join(e(a) for e, a in zip(self.encoders, args))
        return self.selector + encode(self.inputs, [str(a) if isinstance(a, RevmContract) else a for a in args])

    def decode_result(self, out: bytes) -> tuple[Any, ...]:
        """The ABI-decoded results (addresses checksummed, arrays as tuples)."""
        if self.decoders is not None:
            return tuple(d(out[32 * k : 32 * k + 32]) for k, d in enumerate(self.decoders))
        return _checksummed(decode(self.outputs, out)) if self.outputs else ()


class RevmContract:
    """A contract deployed in a `RevmEnv`; attribute access gives callable methods."""

    def __init__(self, env: "RevmEnv", address: str, abi: list[dict[str, Any]], compiler_data: Any, name: str) -> None:
        self.env, self.address, self.compiler_data, self.name = env, address, compiler_data, name
        self._functions: dict[tuple[str, int], Function] = {}
        for item in abi:
            if item.get("type") == "function":
                f = Function.from_abi(item)
                self._functions[(f.name, len(f.inputs))] = f
        self._names = {name for name, _ in self._functions}

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_") or name not in self._names:
            raise AttributeError(f"{self.name} has no function {name!r}")

        def method(*args: Any) -> Any:
            f = self._functions.get((name, len(args)))
            if f is None:
                raise TypeError(f"{self.name}.{name} takes no {len(args)} arguments")
            return self.env.call(self, f, args)

        return method

    def __repr__(self) -> str:
        return f"<{self.name} at {self.address} (revm)>"


class RevmEnv:
    """One in-process revm EVM with a clock and a current sender, titanoboa-style."""

    name = "pyrevm"

    def __init__(self, seed: int = 0) -> None:
        from pyrevm import EVM

        self.evm = EVM()
        self._random = random.Random(seed)
        self.timestamp = GENESIS_TIMESTAMP
        self.block_number = GENESIS_BLOCK
        self._apply_block()
        self.eoa = self.generate_address("eoa")
        self._senders: list[str] = []
        self._last_tx: Any = None
        """pyrevm's result of the last transaction (non-view call) that went through."""

    # ------------------------------------------------------------ environment

    def _apply_block(self) -> None:
        from pyrevm import BlockEnv

        self.evm.set_block_env(BlockEnv(number=self.block_number, timestamp=self.timestamp))

    def time_travel(self, seconds: int | None = None, blocks: int | None = None) -> None:
        """Move the clock forward by `seconds` (and seconds // 12 blocks) or by `blocks`."""
        if (seconds is None) == (blocks is None):
            raise ValueError("give exactly one of seconds or blocks")
        if seconds is None:
            seconds = blocks * BLOCK_TIME  # type: ignore[operator]
        if seconds < 0:
            raise ValueError(f"time only moves forward, not by {seconds} s")
        self.timestamp += seconds
        self.block_number += seconds // BLOCK_TIME if blocks is None else blocks
        self._apply_block()

    def generate_address(self, label: str | None = None) -> str:
        """A fresh (deterministic per env) checksummed address; `label` is for readers."""
        return to_checksum_address(self._random.randbytes(20))

    @property
    def sender(self) -> str:
        """Who the next call is from: the innermost prank, else `eoa`."""
        return self._senders[-1] if self._senders else self.eoa

    @contextlib.contextmanager
    def prank(self, who: str) -> Iterator[None]:
        """Calls inside come from `who`."""
        self._senders.append(str(who))
        try:
            yield
        finally:
            self._senders.pop()

    @contextlib.contextmanager
    def anchor(self) -> Iterator[None]:
        """Everything done inside (state and clock) is undone on the way out."""
        checkpoint = self.evm.snapshot()
        clock = (self.timestamp, self.block_number)
        try:
            yield
        finally:
            self.evm.revert(checkpoint)
            self.timestamp, self.block_number = clock
            self._apply_block()

    def get_storage(self, address: str, slot: int) -> int:
        """Raw storage word `slot` of `address`."""
        return int(self.evm.storage(str(address), slot))

    @property
    def last_logs(self) -> list[Any]:
        """The logs (pyrevm `Log`s: `.address`, `.data` = (topics, data)) of the last
        transaction sent through `call`, in order; none if it reverted. View calls in
        between do not change them."""
        return list(self._last_tx.logs) if self._last_tx is not None else []

    # ------------------------------------------------------------ contracts

    def deploy(self, deployer: Any, *args: Any, name: str = "contract") -> RevmContract:
        """Deploy a titanoboa deployer's (compiled) contract with constructor `args`."""
        from vyper.compiler.output import build_abi_output

        data = deployer.compiler_data
        abi = build_abi_output(data)
        ctor = next((item for item in abi if item.get("type") == "constructor"), {"inputs": []})
        code = data.bytecode + encode([abi_type(p) for p in ctor["inputs"]], list(args))
        try:
            address = self.evm.deploy(self.sender, code)
        except RuntimeError as error:
            raise RevmRevert(f"deploy {name}", decode_revert(str(error))) from error
        return RevmContract(self, to_checksum_address(address), abi, data, name)

    def call(self, contract: RevmContract, f: Function, args: tuple[Any, ...]) -> Any:
        """Run `f(*args)` on `contract` as the current sender; views run static."""
        calldata = f.encode_args(args)
        if not f.static:
            self._last_tx = None
        try:
            out = self.evm.message_call(self.sender, contract.address, calldata=calldata, is_static=f.static)
        except RuntimeError as error:
            raise RevmRevert(f"{contract.name}.{f.name}", decode_revert(str(error))) from error
        if not f.static:
            self._last_tx = self.evm.result
        values = f.decode_result(bytes(out))
        return values[0] if len(values) == 1 else tuple(values) if values else None


def _checksummed(value: Any) -> Any:
    """Addresses checksummed, arrays as tuples: the shapes titanoboa returns."""
    if isinstance(value, (list, tuple)):
        return tuple(_checksummed(v) for v in value)
    if isinstance(value, str) and len(value) == 42 and value.startswith("0x"):
        return to_checksum_address(value)
    return value


class RevmBackend:
    """`softliq.deploy.Backend` on a RevmEnv: deploys and transacts as `deployer`."""

    def __init__(self, env: RevmEnv, deployer: str) -> None:
        self.env, self.deployer = env, deployer

    def deploy(self, name: str, *args: Any) -> RevmContract:
        from softliq.deploy import boa_deployer

        with self.env.prank(self.deployer):
            return self.env.deploy(boa_deployer(name), *args, name=name.split("/")[-1])

    def transact(self, contract: RevmContract, method: str, *args: Any) -> Any:
        return self.transact_as(self.deployer, contract, method, *args)

    def transact_as(self, sender: str, contract: RevmContract, method: str, *args: Any) -> Any:
        with self.env.prank(sender):
            return getattr(contract, method)(*args)

    def address(self, contract: RevmContract) -> str:
        return contract.address

    def deployer_address(self) -> str:
        return self.deployer


def deploy_revm(env: RevmEnv, params: MarketParams | None = None, admin: str | None = None) -> Any:
    """Deploy a whole market in `env` (as `softliq.deploy.deploy_boa` does on titanoboa)."""
    from softliq.deploy import deploy_market

    admin = admin or env.generate_address("admin")
    deployer = env.generate_address("deployer")
    return deploy_market(RevmBackend(env, deployer), params or MarketParams(), admin)
