"""`--cluster`: a real Dask scheduler and two workers, each its own process on
127.0.0.1, run a small Monte Carlo and a small calibration sweep; the results equal the
local run's bit for bit. The processes are shut down whatever happens."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from .helpers import results_only, run_cli, summary

START_SECONDS = 60
STOP_SECONDS = 10


def _spawn(*argv: str, log: Path) -> subprocess.Popen:
    out = log.open("w")
    return subprocess.Popen([sys.executable, "-m", "dask", *argv], stdout=out, stderr=subprocess.STDOUT,
                            start_new_session=True, env={**os.environ, "DASK_DISTRIBUTED__WORKER__DAEMON": "False"})


def _stop(processes: list[subprocess.Popen]) -> None:
    """Workers first, then the scheduler: SIGTERM, and SIGKILL after STOP_SECONDS."""
    for proc in reversed(processes):
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=STOP_SECONDS)


def _wait_for_workers(address: str, n: int) -> None:
    from distributed import Client

    with Client(address, timeout=START_SECONDS, set_as_default=False) as client:
        client.wait_for_workers(n, timeout=START_SECONDS)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory) -> Iterator[str]:
    """The address of a scheduler with two single-threaded workers (three processes)."""
    tmp = tmp_path_factory.mktemp("dask")
    info = tmp / "scheduler.json"
    processes = [_spawn("scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard", "--scheduler-file", str(info),
                        log=tmp / "scheduler.log")]
    try:
        deadline = time.monotonic() + START_SECONDS
        while not info.exists() and time.monotonic() < deadline and processes[0].poll() is None:
            time.sleep(0.1)
        address = json.loads(info.read_text())["address"]
        for k in range(2):
            processes.append(_spawn("worker", "--scheduler-file", str(info), "--nthreads", "1", "--no-nanny", "--no-dashboard",
                                    "--name", f"w{k}", log=tmp / f"worker{k}.log"))
        _wait_for_workers(address, 2)
        yield address
    finally:
        _stop(processes)
    assert all(p.poll() is not None for p in processes)


def test_montecarlo_on_the_cluster_equals_the_local_run(cluster, tmp_path):
    local, remote = tmp_path / "local", tmp_path / "remote"
    args = ("montecarlo", "--paths", "6", "--steps", "200", "--vol", "2", "--quiet")
    assert run_cli(*args, "--out", str(local)) == 0
    assert run_cli(*args, "--cluster", cluster, "--out", str(remote)) == 0
    a, b = summary(local), summary(remote)
    assert b["run"]["cluster"] == cluster
    assert a["liquidations_by_tier"]["1"] + a["liquidations_by_tier"]["2"] > 0
    assert results_only(a) == results_only(b)


def test_calibration_sweep_on_the_cluster_equals_the_local_run(cluster, tmp_path):
    local, remote = tmp_path / "local", tmp_path / "remote"
    args = ("calibrate", "--vol", "2", "--paths", "3", "--steps", "150", "--quick", "--quiet")
    assert run_cli(*args, "--out", str(local)) == 0
    assert run_cli(*args, "--cluster", cluster, "--out", str(remote)) == 0
    a, b = summary(local), summary(remote)
    assert a["candidates"] == b["candidates"] == 8
    assert results_only(a) == results_only(b)
    assert (local / "recommended.toml").read_text() == (remote / "recommended.toml").read_text()
