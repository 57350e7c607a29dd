"""Both EVMs the fuzz world can run on (pyrevm, the default, and titanoboa's py-evm) do
the same things for the same seed: every check and event count is equal."""

from __future__ import annotations

import pytest

from softliq.fuzz.throughput import BackendError, in_subprocess, stateful_run


def test_pyrevm_and_py_evm_run_the_same_examples_identically() -> None:
    revm = in_subprocess("pyrevm", 4, 25, seed=11)
    pyevm = in_subprocess("py-evm", 4, 25, seed=11)
    assert revm["steps"] == pyevm["steps"] > 25
    assert revm["counts"] == pyevm["counts"]
    assert revm["counts"]["checks"]["8 model matches chain"] == revm["steps"] + revm["examples"]
    assert revm["digest"] == pyevm["digest"]


def test_unknown_backend_is_refused() -> None:
    with pytest.raises(BackendError, match="unknown backend 'geth'"):
        stateful_run("geth", 1, 1, 0)
