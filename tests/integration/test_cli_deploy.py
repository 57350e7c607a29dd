"""`ape run deploy` as a user runs it, against an anvil node of its own: the record it
writes, reuse on a second run, and every kind of bad input (clear message, non-zero
exit, nothing deployed, nothing written)."""

import json
import re
from pathlib import Path
from dataclasses import asdict, fields

import pytest

from softliq import MarketParams
from softliq.ape_deploy import ParamsError, deploy_or_reuse, load_params
from softliq.deploy import Market

from .cli import ape_run, block_number, chain_state, rpc, softliq_run

pytestmark = pytest.mark.integration

DEPLOYER = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
"""ape test account 0, which deploys."""
CONTRACT_ROLES = {f.name for f in fields(Market)} - {"admin", "params"}


def deploy(url, record, *extra):
    return ape_run("deploy", "--network", url, "--deployment", str(record), *extra)


def test_deploy_writes_a_record_and_a_second_run_reuses_it(node_url, tmp_path):
    record_file = tmp_path / "local.json"

    first = deploy(node_url, record_file)

    assert first.returncode == 0, first.stderr
    assert "deployed afresh" in first.stdout
    record = json.loads(record_file.read_text())
    assert record["chain_id"] == 31337
    assert record["block"] == block_number(node_url)
    assert record["deployer"] == DEPLOYER
    assert set(record["addresses"]) == CONTRACT_ROLES
    assert record["params"] == asdict(MarketParams())
    assert record["bytecode_hash"].startswith("0x") and len(record["bytecode_hash"]) == 66
    assert record_file.stat().st_mode & 0o777 == 0o644
    assert set(record["abi"]) == set(record["contracts"].values())
    amm_functions = {item["name"] for item in record["abi"][record["contracts"]["amm"]] if item["type"] == "function"}
    assert {"exchange", "get_dy", "read_user_tick_numbers"} <= amm_functions
    assert "warning" not in first.stderr  # a node we started: it outlives the command
    for role, address in record["addresses"].items():
        assert len(rpc(node_url, "eth_getCode", address, "latest")) > 2, role
    before = chain_state(node_url, [DEPLOYER, *record["addresses"].values()])
    text = record_file.read_text()

    second = deploy(node_url, record_file)

    assert second.returncode == 0, second.stderr
    assert "reused the deployment" in second.stdout, second.stdout.splitlines()[:3]
    assert chain_state(node_url, [DEPLOYER, *record["addresses"].values()]) == before  # not one transaction
    assert record_file.read_text() == text

    changed = tmp_path / "changed.json"
    changed.write_text(json.dumps({"fee": 2 * 10**14}))
    third = deploy(node_url, record_file, "--params", str(changed))

    assert third.returncode == 0, third.stderr
    assert "parameters differ" in third.stdout
    new = json.loads(record_file.read_text())
    assert new["params"]["fee"] == 2 * 10**14
    assert set(new["addresses"].values()).isdisjoint(record["addresses"].values())


def test_record_of_another_chain_is_refused_unless_forced(node_url, tmp_path):
    record_file = tmp_path / "other.json"
    record_file.write_text(json.dumps({
        "format": 1, "chain_id": 1, "addresses": {}, "contracts": {}, "params": {}, "admin": DEPLOYER,
        "bytecode_hash": "0x00",
    }))
    text, block = record_file.read_text(), block_number(node_url)

    refused = deploy(node_url, record_file)

    assert refused.returncode == 2
    assert "describes chain id 1" in refused.stderr and "--force" in refused.stderr
    assert record_file.read_text() == text
    assert block_number(node_url) == block

    forced = deploy(node_url, record_file, "--force")

    assert forced.returncode == 0, forced.stderr
    assert json.loads(record_file.read_text())["chain_id"] == 31337


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("unknown.json", '{"fee": 10000000000000, "fees": 1}', "unknown parameter(s) fees"),
        ("penalty.json", '{"penalty_tier1": 100000000000000000}', "penalty_tier1 = 100000000000000000 must be in (0, liquidation_discount)"),
    ],
)
def test_bad_params_file_is_refused_and_nothing_is_deployed(node_url, tmp_path, name, content, message):
    params_file = tmp_path / name
    params_file.write_text(content)
    record_file = tmp_path / "never.json"
    block = block_number(node_url)

    result = deploy(node_url, record_file, "--params", str(params_file))

    assert result.returncode != 0
    assert message in result.stderr
    assert not record_file.exists()
    assert block_number(node_url) == block  # a rejected plan is rolled back


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("type.toml", 'A = "many"\n', "A must be an integer"),
        ("syntax.json", '{"A": 100,', "not valid JSON"),
        ("negative.toml", "tip = -1\n", "tip = -1 is out of range"),
        ("list.json", "[1, 2]", "expected a table of MarketParams fields"),
        ("params.yaml", "A: 100\n", "must end in .json or .toml"),
    ],
)
def test_params_file_checks(tmp_path, name, content, message):
    params_file = tmp_path / name
    params_file.write_text(content)
    with pytest.raises(ParamsError, match=re.escape(message)):
        load_params(params_file)
    assert load_params(_write(tmp_path / "ok.toml", 'A = 50\nstablecoin_symbol = "X"\n')) == MarketParams(
        A=50, stablecoin_symbol="X"
    )


def _write(path, text):
    path.write_text(text)
    return path


def test_rejected_parameters_roll_back_in_process(tmp_path, deployer, admin):
    from ape import chain

    height = chain.blocks.height
    record_file = tmp_path / "never.json"
    with pytest.raises(ParamsError, match="fee out of range.*rolled back"):
        deploy_or_reuse(MarketParams(fee=5 * 10**17), record_file, deployer, admin)
    assert chain.blocks.height == height
    assert not record_file.exists()


def test_default_record_is_named_by_chain_id_and_ape_started_nodes_warn():
    from ape import chain

    from softliq.ape_deploy import deployment_path, ephemeral_warning

    assert deployment_path(chain.provider, None) == Path("deployments") / f"chain-{chain.chain_id}.json"
    assert deployment_path(chain.provider, "mine.json") == Path("mine.json")
    assert "stops it on exit" in ephemeral_warning(chain.provider)  # this session's anvil is ape's


def test_softliq_deploy_is_the_same_command(node_url, tmp_path):
    record_file = tmp_path / "softliq.json"
    params_file = tmp_path / "p.toml"
    params_file.write_text('fee = "0.02%"\noracle_fee_window = "1m"\n')

    result = softliq_run("deploy", "--network", node_url, "--deployment", str(record_file), "--params", str(params_file))

    assert result.returncode == 0, result.stderr
    record = json.loads(record_file.read_text())
    assert record["params"]["fee"] == 2 * 10**14 and record["params"]["oracle_fee_window"] == 60
    assert "deployed afresh" in result.stdout


def test_no_node_running_is_a_clear_error(tmp_path):
    from softliq.chain_ape import free_port

    record_file = tmp_path / "none.json"

    result = deploy(f"http://127.0.0.1:{free_port()}", record_file)

    assert result.returncode == 2
    assert "cannot connect to network" in result.stderr
    assert not record_file.exists()
