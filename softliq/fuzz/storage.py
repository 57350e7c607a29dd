"""Read contract storage directly (no EVM call): ~1 microsecond per value instead of
~0.4 ms per view call on py-evm (~20 us on pyrevm), which is what makes checking invariants after every
step affordable.

Slots come from the compiler's storage layout; a HashMap value lives at
keccak256(slot ++ key) (Vyper's order), keys ABI-encoded to 32 bytes.
"""

from __future__ import annotations

from typing import Any, Callable

from eth_utils import keccak


class LayoutError(KeyError):
    """The storage variable is not in the contract's layout."""


def _find_slot(layout: dict[str, Any], name: str) -> int:
    if name in layout and "slot" in layout[name]:
        return int(layout[name]["slot"])
    for value in layout.values():
        if isinstance(value, dict) and "slot" not in value:
            try:
                return _find_slot(value, name)
            except LayoutError:
                continue
    raise LayoutError(f"no storage variable {name!r} in layout")


def _key32(key: int | str) -> bytes:
    if isinstance(key, str):
        return int(key, 16).to_bytes(32, "big")
    return (key % 2**256).to_bytes(32, "big")


class Storage:
    """Raw storage of one deployed contract, read through `read(address, slot)`."""

    def __init__(self, contract: Any, read: Callable[[str, int], int]) -> None:
        self.address = str(contract.address)
        self._read = read
        self.layout = contract.compiler_data.storage_layout["storage_layout"]
        self._slots: dict[str, int] = {}
        self._keys: dict[tuple[str, int | str], int] = {}

    def slot(self, name: str) -> int:
        """The slot of variable `name` (searched through module namespaces)."""
        if name not in self._slots:
            self._slots[name] = _find_slot(self.layout, name)
        return self._slots[name]

    def get(self, name: str) -> int:
        """The value of a one-slot variable."""
        return self._read(self.address, self.slot(name))

    def get_map(self, name: str, key: int | str) -> int:
        """`name[key]` of a HashMap with a one-slot value (address or integer key)."""
        k = (name, key)
        if k not in self._keys:
            self._keys[k] = int.from_bytes(keccak(self.slot(name).to_bytes(32, "big") + _key32(key)), "big")
        return self._read(self.address, self._keys[k])
