"""`ape run fork` against a second local anvil acting as the upstream chain: the fork
reuses the softliq deployment recorded on the upstream and runs a scenario on it,
and the upstream's state is exactly what it was before."""

import json

import pytest

from .cli import ape_run, chain_state

pytestmark = pytest.mark.integration

DEPLOYER = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
ADMIN = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"


def test_fork_runs_a_scenario_and_leaves_the_upstream_unchanged(node_url, tmp_path):
    upstream_record = tmp_path / "upstream.json"
    deployed = ape_run("deploy", "--network", node_url, "--deployment", str(upstream_record))
    assert deployed.returncode == 0, deployed.stderr
    addresses = json.loads(upstream_record.read_text())["addresses"]
    watched = [DEPLOYER, ADMIN, *sorted(set(addresses.values()))]
    before = chain_state(node_url, watched)
    fork_record, reports = tmp_path / "fork.json", tmp_path / "reports"

    forked = ape_run(
        "fork", "--upstream", node_url, "--reuse", str(upstream_record), "--deployment", str(fork_record),
        "--scenario", "crash", "--borrowers", "2", "--steps", "10", "--out", str(reports), "--no-progress",
    )

    assert forked.returncode == 0, forked.stderr
    assert "reused the deployment" in forked.stdout  # the fork has the upstream's contracts
    assert json.loads(fork_record.read_text())["addresses"] == addresses
    [report] = list(reports.iterdir())
    assert (report / "metrics.json").is_file()
    assert f"report: {report}" in forked.stdout.replace("\n", "")
    metrics = json.loads((report / "metrics.json").read_text())
    assert metrics["metrics"]["run"]["borrowers"] == 2  # loans were opened on the fork...
    assert chain_state(node_url, watched) == before  # ...and none of it reached the upstream


def test_fork_of_nothing_is_a_clear_error(tmp_path):
    from softliq.chain_ape import free_port

    result = ape_run("fork", "--upstream", f"http://127.0.0.1:{free_port()}", "--deployment", str(tmp_path / "f.json"))

    assert result.returncode == 2
    assert "no node answers JSON-RPC at upstream" in result.stderr
    assert not (tmp_path / "f.json").exists()
