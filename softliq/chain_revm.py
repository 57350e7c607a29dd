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
from typing import Any

from eth_abi import decode
from eth_utils import keccak, to_checksum_address

from softliq.chain import BLOCK_TIME, ChainBase, ChainEvent, Tx, TxReverted
from softliq.params import MarketParams

GAS_MONEY = 100 * 10**18
_GAS_USED = re.compile(r"gas_used: (\d+)")


class EventCodec:
    """Decodes the logs of every contract it has learnt (by topic0 and emitter)."""

    def __init__(self) -> None:
        self._events: dict[bytes, tuple[str, list[dict[str, Any]]]] = {}

    def learn(self, contract: Any) -> None:
        from vyper.compiler.output import build_abi_output

        from softliq.revm import abi_type

        for item in build_abi_output(contract.compiler_data):
            if item.get("type") == "event":
                signature = f"{item['name']}({','.join(abi_type(i) for i in item['inputs'])})"
                self._events[keccak(text=signature)] = (item["name"], item["inputs"])

    def decode(self, log: Any) -> ChainEvent | None:
        """The log as a ChainEvent, or None for an event no learnt contract declares."""
        from softliq.revm import abi_type

        topics, data = log.data
        if not topics:
            return None
        found = self._events.get(bytes(topics[0]) if not isinstance(topics[0], str) else bytes.fromhex(topics[0][2:]))
        if found is None:
            return None
        name, inputs = found
        indexed = [i for i in inputs if i.get("indexed")]
        plain = [i for i in inputs if not i.get("indexed")]
        values = dict(zip((i["name"] for i in plain), decode([abi_type(i) for i in plain], bytes(data))))
        for i, topic in zip(indexed, topics[1:]):
            word = bytes(topic) if not isinstance(topic, str) else bytes.fromhex(topic[2:])
            values[i["name"]] = decode([abi_type(i)], word)[0]
        args = {i["name"]: _plain(values[i["name"]]) for i in inputs}
        return ChainEvent(name, to_checksum_address(log.address), args)


def _plain(value: Any) -> Any:
    if isinstance(value, str) and value.startswith("0x") and len(value) == 42:
        return to_checksum_address(value)
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
