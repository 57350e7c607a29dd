"""`softliq keepers` against a recorded deployment on a running anvil: after the price
falls into a borrower's bands the arbitrageur converts them, after it falls through them
the liquidator liquidates; every transaction is one line, the books are printed on exit.
Bad input is one line and exit 2."""

import json

import pytest
from web3 import Web3

from .cli import softliq_run

pytestmark = pytest.mark.integration

WAD = 10**18


@pytest.fixture
def deployment(node_url, tmp_path):
    record = tmp_path / "kept.json"
    deployed = softliq_run("deploy", "--network", node_url, "--deployment", str(record))
    assert deployed.returncode == 0, deployed.stderr
    data = json.loads(record.read_text())
    w3 = Web3(Web3.HTTPProvider(node_url))

    def contract(role):
        return w3.eth.contract(address=data["addresses"][role], abi=data["abi"][data["contracts"][role]])

    return record, w3, data["admin"], {role: contract(role) for role in ("controller", "amm", "oracle", "collateral")}


def open_loan(w3, c, collateral=10 * WAD, share=90):
    borrower = w3.eth.accounts[2]
    c["collateral"].functions.mint(borrower, collateral).transact({"from": borrower})
    c["collateral"].functions.approve(c["controller"].address, collateral).transact({"from": borrower})
    debt = c["controller"].functions.max_borrowable(collateral, 4).call() * share // 100
    c["controller"].functions.create_loan(collateral, debt, 4).transact({"from": borrower})
    return borrower


def move_oracle(w3, c, admin, price):
    """The admin moves the oracle; a minute passes (the AMM's oracle-move fee fades)."""
    c["oracle"].functions.set_price(price).transact({"from": admin})
    w3.provider.make_request("evm_increaseTime", [60])
    w3.provider.make_request("evm_mine", [])


def keepers(node_url, record, *extra):
    return softliq_run("keepers", "--network", node_url, "--deployment", str(record), "--interval", "0", *extra)


def test_keepers_arbitrage_then_liquidate(node_url, deployment):
    record, w3, admin, c = deployment
    borrower = open_loan(w3, c)
    n1, n2 = c["amm"].functions.read_user_tick_numbers(borrower).call()
    move_oracle(w3, c, admin, c["amm"].functions.p_oracle_down(n1 + 1).call())
    x_before = c["controller"].functions.user_state(borrower).call()[1]

    arbitrage = keepers(node_url, record, "--only", "arbitrageur", "--fund", "100000", "--rounds", "2")

    assert arbitrage.returncode == 0, arbitrage.stderr
    assert " swap " in arbitrage.stdout and "ok, gas" in arbitrage.stdout
    assert c["controller"].functions.user_state(borrower).call()[1] > x_before  # bands now hold stablecoin
    assert "arbitrageur: " in arbitrage.stdout.splitlines()[-1]

    move_oracle(w3, c, admin, c["amm"].functions.p_oracle_down(n2 + 25).call())
    assert c["controller"].functions.health(borrower, False).call() < 0

    liquidation = keepers(node_url, record, "--only", "liquidator,taker", "--fund", "100000", "--rounds", "1")

    assert liquidation.returncode == 0, liquidation.stderr
    assert " liquidate " in liquidation.stdout, liquidation.stdout
    controller = c["controller"].functions
    assert not controller.loan_exists(borrower).call() or controller.health(borrower, False).call() >= 0
    assert "liquidator: 1 ok" in liquidation.stdout


@pytest.mark.parametrize(
    "args, message",
    [
        (["--only", "banker"], "--only: choose from arbitrageur, liquidator, taker"),
        (["--interval", "-1"], "--interval and --rounds must be >= 0"),
    ],
)
def test_bad_keepers_input(node_url, deployment, args, message):
    record = deployment[0]
    result = keepers(node_url, record, *args)
    assert result.returncode == 2
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_missing_record(node_url, tmp_path):
    result = softliq_run("keepers", "--network", node_url, "--deployment", str(tmp_path / "none.json"))
    assert result.returncode == 2 and "no such deployment record" in result.stderr
