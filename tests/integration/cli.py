"""Run softliq's ape scripts as a user does (`ape run NAME ...`) and read a node's state.

Shared by the CLI, fork and main-job tests of this suite."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 300


def tool_env() -> dict[str, str]:
    """The environment with the venv's and node_modules' bins first on PATH."""
    env = dict(os.environ)
    env["PATH"] = f"{ROOT / '.venv' / 'bin'}:{ROOT / 'node_modules' / '.bin'}:{env.get('PATH', '')}"
    env.setdefault("COLUMNS", "160")
    return env


def ape_run(script: str, *args: str, timeout: float = TIMEOUT) -> subprocess.CompletedProcess[str]:
    """`ape run SCRIPT ARGS` from the repository root; output captured as text."""
    return subprocess.run(
        ["ape", "run", script, *args], cwd=ROOT, env=tool_env(), capture_output=True, text=True, timeout=timeout
    )


def softliq_run(*args: str, timeout: float = TIMEOUT) -> subprocess.CompletedProcess[str]:
    """`softliq ARGS` (as `python -m softliq`) from the repository root; output captured."""
    import sys

    return subprocess.run(
        [sys.executable, "-m", "softliq", *args], cwd=ROOT, env=tool_env(), capture_output=True, text=True, timeout=timeout
    )


def rpc(url: str, method: str, *params: Any) -> Any:
    """One JSON-RPC call; AssertionError on an RPC error."""
    reply = requests.post(url, json={"jsonrpc": "2.0", "id": 1, "method": method, "params": list(params)}, timeout=10).json()
    assert "error" not in reply, reply
    return reply["result"]


def block_number(url: str) -> int:
    return int(rpc(url, "eth_blockNumber"), 16)


def chain_state(url: str, addresses: list[str], slots: int = 16) -> dict[str, Any]:
    """What a chain holds at `addresses`: balance, nonce, code and the first `slots`
    storage slots of each, plus the block number."""
    state: dict[str, Any] = {"block": block_number(url)}
    for address in addresses:
        state[address] = {
            "balance": rpc(url, "eth_getBalance", address, "latest"),
            "nonce": rpc(url, "eth_getTransactionCount", address, "latest"),
            "code": rpc(url, "eth_getCode", address, "latest"),
            "storage": [rpc(url, "eth_getStorageAt", address, hex(i), "latest") for i in range(slots)],
        }
    return state
