"""ape on a real anvil node: ape-config.yaml makes `ethereum:local` default to
the foundry provider, so plain `pytest -m integration` launches anvil (on a free
port, foundry.host: auto) instead of ape's in-process EthTester."""

import pytest

pytestmark = pytest.mark.integration


@pytest.fixture
def funder(accounts):
    return accounts[0]


@pytest.fixture
def recipient(accounts):
    return accounts[1]


def test_runs_on_anvil(chain):
    assert chain.provider.name == "foundry"
    assert chain.provider.web3.client_version.startswith("anvil/")
    assert chain.chain_id == 31337


def test_value_transfer_moves_balances(funder, recipient):
    amount = 10**18
    funder_before, recipient_before = funder.balance, recipient.balance

    receipt = funder.transfer(recipient, amount)

    assert receipt.status == 1
    assert recipient.balance == recipient_before + amount
    assert funder.balance == funder_before - amount - receipt.total_fees_paid
