"""A `softliq.chain.Chain` on pyrevm, the Rust EVM, in-process (`softliq.revm`).

Scenario runs spend their time in view calls (quotes, health, x_down) and in the
transactions keepers send; pyrevm runs both far faster than titanoboa's py-evm, with
the same compiled bytecode and the same market (`softliq.revm.deploy_revm`).

Gas: pyrevm keeps one journal for the whole run, so a storage slot or an account that
an earlier transaction touched counts as warm (EIP-2929), and a slot's EIP-2200
"original" value is the one it had when first touched. Gas per transaction is
therefore what revm reports under those rules: lower than a receipt for the same call
(which `BoaChain` and the anvil path report). Everything else a run produces (state,
events, liquidations, auctions, losses) is the same on every backend; keepers plan with
fixed gas estimates, so no decision depends on measured gas.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from eth_abi import decode
from eth_utils import keccak

from softliq.chain import BLOCK_TIME, ChainBase, ChainEvent, Tx, TxReverted
from softliq.params import MarketParams
from softliq.revm import checksummed

GAS_MONEY = 100 * 10**18
_GAS_USED = re.compile(r"gas_used: (\d+)")


@dataclass(frozen=True)
class EventShape:
    """One event of a learnt ABI: its name, its fields in declaration order (name,
    indexed, ABI type) and, when every non-indexed field is a one-word static type,
    their word decoders (eth_abi's generic decoder costs ~25 us a value, these ~1 us)."""

    name: str
    fields: tuple[tuple[str, bool, str], ...]
    topic_decoders: tuple[Callable[[bytes], Any], ...] | None
    data_decoders: tuple[Callable[[bytes], Any], ...] | None

    @classmethod
    def from_abi(cls, item: dict[str, Any]) -> "EventShape":
        """The shape of an ABI `event` item."""
        from softliq.revm import abi_type, word_decoder

        fields = tuple((str(i["name"]), bool(i.get("indexed")), abi_type(i)) for i in item["inputs"])
        topic = [word_decoder(kind) for _, indexed, kind in fields if indexed]
        data = [word_decoder(kind) for _, indexed, kind in fields if not indexed]
        return cls(
            str(item["name"]),
            fields,
            tuple(topic) if all(topic) else None,  # type: ignore[arg-type]
            tuple(data) if all(data) else None,  # type: ignore[arg-type]
        )

    def decode(self, topics: list[bytes], data: bytes) -> dict[str, Any]:
        """The fields by name, in declaration order."""
        plain = self._decode_data(data)
        indexed = self._decode_topics(topics)
        return {name: next(indexed) if is_indexed else next(plain) for name, is_indexed, _ in self.fields}

    def _decode_data(self, data: bytes) -> Iterator[Any]:
        """The non-indexed fields' values, in order."""
        if self.data_decoders is not None:
            return (d(data[32 * k : 32 * k + 32]) for k, d in enumerate(self.data_decoders))
        kinds = [kind for _, indexed, kind in self.fields if not indexed]
        return iter([_plain(v) for v in decode(kinds, data)])

    def _decode_topics(self, topics: list[bytes]) -> Iterator[Any]:
        """The indexed fields' values, in order (`topics` without topic0)."""
        if self.topic_decoders is not None:
            return (d(t) for d, t in zip(self.topic_decoders, topics))
        kinds = [kind for _, indexed, kind in self.fields if indexed]
        return (_plain(decode([kind], t)[0]) for kind, t in zip(kinds, topics))


class EventCodec:
    """Decodes the logs of every contract it has learnt (by topic0 and emitter)."""

    def __init__(self) -> None:
        self._events: dict[bytes, EventShape] = {}

    def learn(self, contract: Any) -> None:
        """Learn the events `contract` (compiled by vyper: pyrevm's or titanoboa's) declares."""
        from vyper.compiler.output import build_abi_output

        from softliq.revm import abi_type

        for item in build_abi_output(contract.compiler_data):
            if item.get("type") == "event":
                signature = f"{item['name']}({','.join(abi_type(i) for i in item['inputs'])})"
                self._events[keccak(text=signature)] = EventShape.from_abi(item)

    def decode(self, log: Any) -> ChainEvent | None:
        """A pyrevm log as a ChainEvent, or None for an event no learnt contract declares."""
        topics, data = log.data
        return self.decode_entry(log.address, topics, data)

    def decode_entry(self, address: str, topics: list[Any], data: bytes) -> ChainEvent | None:
        """A log given as its emitter, topics (bytes, hex strings or ints) and data, as a
        ChainEvent; None for an event no learnt contract declares."""
        if not topics:
            return None
        words = [_word(t) for t in topics]
        shape = self._events.get(words[0])
        if shape is None:
            return None
        return ChainEvent(shape.name, checksummed(address), shape.decode(words[1:], bytes(data)))


def _word(topic: Any) -> bytes:
    """A topic as 32 bytes, from pyrevm's bytes or hex text or py-evm's int."""
    if isinstance(topic, int):
        return topic.to_bytes(32, "big")
    if isinstance(topic, str):
        return bytes.fromhex(topic[2:] if topic.startswith("0x") else topic)
    return bytes(topic)


def _plain(value: Any) -> Any:
    """A value eth_abi decoded, addresses checksummed."""
    if isinstance(value, str) and value.startswith("0x") and len(value) == 42:
        return checksummed(value)
    return value


class RevmChain(ChainBase):
    """A `Chain` on a `softliq.revm.RevmEnv` holding `market`."""

    def __init__(self, market: Any, env: Any) -> None:
        self.market, self.env = market, env
        self._last_gas = 0
        self._approved: set[str] = set()
        self.events = EventCodec()
        for role in market.addresses():
            self.events.learn(getattr(market, role))

    def now(self) -> int:
        return int(self.env.timestamp)

    def block_number(self) -> int:
        return int(self.env.block_number)

    def sleep(self, seconds: int) -> None:
        if seconds < 0:
            raise ValueError(f"cannot sleep a negative time ({seconds} s)")
        self.env.timestamp += seconds
        self.env.block_number += max(1, seconds // BLOCK_TIME)
        self.env._apply_block()

    def new_account(self, role: str) -> str:
        if not role or not role.isidentifier():
            raise ValueError(f"role must be a word like 'borrower', got {role!r}")
        address = self.env.generate_address(role)
        self.env.evm.set_balance(address, GAS_MONEY)
        return str(address)

    def transact(self, sender: str, contract: Any, method: str, *args: Any) -> Tx:
        from softliq.revm import RevmRevert

        try:
            with self.env.prank(sender):
                result = getattr(contract, method)(*args)
        except RevmRevert as exc:
            found = _GAS_USED.search(str(exc.__cause__ or ""))
            self._last_gas = int(found.group(1)) if found else 0
            raise TxReverted(method, exc.reason) from exc
        outcome = self.env.evm.result
        self._last_gas = int(outcome.gas_used)
        events = [e for e in (self.events.decode(log) for log in outcome.logs) if e is not None]
        return Tx(self._last_gas, events, result)

    def deploy(self, sender: str, name: str, *args: Any) -> Any:
        from softliq.revm import RevmBackend

        contract = RevmBackend(self.env, sender).deploy(name, *args)
        self.events.learn(contract)
        return contract


def revm_chain(params: MarketParams) -> RevmChain:
    """A fresh RevmEnv holding a fresh market with `params`."""
    from softliq.revm import RevmEnv, deploy_revm

    env = RevmEnv()
    return RevmChain(deploy_revm(env, params), env)
