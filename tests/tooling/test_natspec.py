"""Every external function of every deployable contract carries a NatSpec @notice (the
house rule), read from the compiler's user documentation; public storage and immutable
getters are exempt (Vyper gives them none)."""

import json
import re
import subprocess
import sys
from functools import lru_cache
from pathlib import Path

import pytest

CONTRACTS = Path(__file__).resolve().parents[2] / "contracts"
DEPLOYABLE = sorted(p for p in CONTRACTS.glob("*.vy"))
VYPER = Path(sys.executable).with_name("vyper")


@lru_cache(maxsize=None)
def compiled(path: Path) -> tuple[list[dict], dict]:
    """(ABI, userdoc) of a contract, from the vyper the project pins."""
    out = subprocess.run([str(VYPER), "-f", "abi,userdoc", str(path)], check=True, capture_output=True, text=True)
    abi, userdoc = out.stdout.strip().splitlines()
    return json.loads(abi), json.loads(userdoc)


def public_getters(path: Path) -> set[str]:
    """Names declared `public(...)` at the top level: their getters have no docstring."""
    return set(re.findall(r"^(\w+): public\(", path.read_text(), flags=re.M))


def exported(path: Path) -> dict[str, Path]:
    """Functions a contract exports from its modules (`exports: (module.fn, ...)`), by
    name, with the module's file: their NatSpec lives there."""
    found = re.search(r"^exports: \((.*?)\)", path.read_text(), flags=re.M | re.S)
    names = re.findall(r"(\w+)\.(\w+)", found.group(1)) if found else []
    return {fn: CONTRACTS / "modules" / f"{module}.vy" for module, fn in names}


def documented(path: Path) -> set[str]:
    """Names of the external functions the compiler's userdoc gives a notice."""
    return {sig.split("(")[0] for sig, doc in compiled(path)[1].get("methods", {}).items() if doc.get("notice", "").strip()}


def test_every_deployable_contract_is_checked():
    assert {p.stem for p in DEPLOYABLE} >= {"AMM", "Controller", "Auction", "LiquidationPolicy", "Stablecoin", "EmaOracle", "LlammaAdapter"}


@pytest.mark.parametrize("path", DEPLOYABLE, ids=lambda p: p.stem)
def test_every_external_function_has_a_notice(path: Path):
    abi, userdoc = compiled(path)
    functions = {item["name"] for item in abi if item["type"] == "function"}
    covered = documented(path) | public_getters(path)
    for fn, module in exported(path).items():
        if fn in documented(module) or fn in public_getters(module):
            covered.add(fn)
    missing = sorted(functions - covered)
    assert not missing, f"{path.name}: external functions without @notice: {missing}"
    assert userdoc.get("notice", "").strip(), f"{path.name}: no contract-level @notice"
