"""A call on titanoboa together with the events it emitted, and picking events out.

Shared by the test suites that check events (every state change logs one).
"""

from __future__ import annotations

from typing import Any

import boa


def act(who: str, contract: Any, method: str, *args: Any, **kwargs: Any) -> tuple[Any, list[Any]]:
    """Call `contract.method(*args)` as `who`; return (result, every log of the call, from
    every contract it touched).

    Logs are read at once: boa's get_logs() describes a contract's latest call, views included."""
    with boa.env.prank(who):
        result = getattr(contract, method)(*args, **kwargs)
    return result, contract.get_logs()


def events(logs: list[Any], name: str, emitter: Any = None) -> list[Any]:
    """The `name` events in `logs`, only those emitted by `emitter` if given."""
    out = [e for e in logs if type(e).__name__ == name]
    if emitter is not None:
        addr = str(emitter.address).lower()
        out = [e for e in out if str(e.address).lower() == addr]
    return out


def one_event(logs: list[Any], name: str, emitter: Any = None) -> Any:
    """The only `name` event in `logs` (from `emitter` if given); fails if not exactly one."""
    found = events(logs, name, emitter)
    assert len(found) == 1, f"expected exactly one {name}, got {found}"
    return found[0]
