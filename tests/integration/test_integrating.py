"""docs/integrating.md's web3.py walk-through, run as it stands against a deployment on
anvil: a borrower opens a loan, an arbitrageur buys the collateral its bands sell after
the price falls, the borrower repays and the loan closes."""

import re
from pathlib import Path

import pytest

from .cli import ROOT, softliq_run

pytestmark = pytest.mark.integration

DOC = ROOT / "docs" / "integrating.md"


def python_blocks(text: str) -> str:
    """Every ```python block of a markdown page, in order."""
    return "\n".join(re.findall(r"```python\n(.*?)```", text, flags=re.S))


def test_walkthrough_runs_against_anvil(node_url, tmp_path, monkeypatch, capsys):
    record = tmp_path / "local.json"
    deployed = softliq_run("deploy", "--network", node_url, "--deployment", str(record))
    assert deployed.returncode == 0, deployed.stderr
    monkeypatch.setenv("SOFTLIQ_RECORD", str(record))
    monkeypatch.setenv("SOFTLIQ_RPC", node_url)
    code = python_blocks(DOC.read_text())
    assert code.count("transact(") >= 10

    scope: dict = {}
    exec(compile(code, str(DOC), "exec"), scope)

    out = capsys.readouterr().out
    assert re.search(r"^health 0\.\d+", out, flags=re.M)  # healthy at 60% of max borrowable
    assert scope["quote"] > 0
    assert scope["collateral"].functions.balanceOf(scope["arbitrageur"]).call() == scope["quote"]
    assert scope["controller"].functions.loan_exists(scope["borrower"]).call() is False
    assert scope["collateral"].functions.balanceOf(scope["borrower"]).call() == scope["amount"] - scope["quote"]
    assert Path(record).stat().st_mode & 0o777 == 0o644
