"""Scenarios as data: the six built-ins under scenarios/ describe exactly the scenarios
the Python definitions did (same paths to the bit, same keepers, borrowers, market), a
user's TOML file runs through `softliq scenario run FILE.toml`, and mistakes in a file
are refused naming the file and the field."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from softliq import paths
from softliq.cli import main
from softliq.scenarios import SCENARIOS, ScenarioError, get_scenario
from softliq.scenarios.definitions import KeeperSettings, scaled_path

HOUR, DAY = 3600, 86400


def _two_falls(n: int, p0: float, dt: int) -> paths.PricePath:
    """The former crash path: -20% over 20 h, then -37.5% over 4 h, then flat."""
    times = np.arange(n + 1, dtype=np.int64) * dt
    first = np.clip(times / (20 * HOUR), 0.0, 1.0)
    second = np.clip((times - 20 * HOUR) / (4 * HOUR), 0.0, 1.0)
    prices = np.full(len(times), p0) * 0.8**first * 0.625**second
    return paths.PricePath(times, prices, "crash(-50% in a day, -37.5% of it in 4 h)")


# The definitions as they were in Python before they moved to scenarios/*.toml:
# (duration, path(n, p0, dt), keepers, whale, outage, debt_share, market params).
BEFORE = {
    "crash": (DAY + DAY // 4, _two_falls, KeeperSettings(25, 300, 200.0), False, None, (0.8, 0.99), {}),
    "flash-crash": (3 * HOUR, lambda n, p0, dt: paths.crash(n, p0, 0.3, min(45 * 60, n * dt), dt),
                    KeeperSettings(1, None, 20.0, taker_mode="flash"), True, None, (0.6, 0.99), {}),
    "v-shape": (2 * DAY, lambda n, p0, dt: paths.v_shape(n, p0, 0.35, dt), KeeperSettings(), False, None, (0.6, 0.99), {}),
    "sawtooth": (2 * DAY, lambda n, p0, dt: paths.sawtooth(n, p0, 0.08, max(6 * HOUR, 4 * dt), dt),
                 KeeperSettings(), False, None, (0.95, 0.99), {}),
    "oracle-lag": (6 * HOUR, lambda n, p0, dt: paths.crash(n, p0, 0.4, min(2 * HOUR, n * dt), dt),
                   KeeperSettings(), False, None, (0.6, 0.99), {"ema_time": HOUR}),
    "keeper-outage": (12 * HOUR, lambda n, p0, dt: paths.crash(n, p0, 0.35, min(6 * HOUR, n * dt), dt),
                      KeeperSettings(), False, (0.1, 0.6), (0.6, 0.99), {}),
}


def test_builtins_are_the_six_files_in_order() -> None:
    assert list(SCENARIOS) == list(BEFORE)
    root = Path(__file__).resolve().parents[2] / "scenarios"
    assert sorted(f.stem for f in root.glob("*.toml")) == sorted(BEFORE)


@pytest.mark.parametrize("name", list(BEFORE))
def test_builtin_behaves_as_before(name: str) -> None:
    duration, path, keepers, whale, outage, debt_share, market = BEFORE[name]
    scenario = SCENARIOS[name]
    assert (scenario.duration, scenario.whale, scenario.outage, scenario.debt_share, scenario.params) == (
        duration, whale, outage, debt_share, market)
    assert dataclasses.asdict(scenario.keepers) == dataclasses.asdict(keepers)
    for steps in (10, 37, 120, 200, 2000):
        dt = -(-duration // steps)
        got, want = scenario.price_path(steps, 3000.0, 0), path(steps, 3000.0, dt)
        assert got.name == want.name
        assert np.array_equal(got.times, want.times) and np.array_equal(got.prices, want.prices), (name, steps)


def _write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def test_a_users_file_with_a_csv_path(tmp_path: Path) -> None:
    _write(tmp_path / "dip.csv", "seconds,price\n0,2000\n3600,1500\n7200,1800\n")
    file = _write(tmp_path / "dip.toml", '''
description = "a dip from my data"
duration = "2h"
[path]
shape = "csv"
file = "dip.csv"
[keepers]
latency_blocks = 3
outage = ["0%", "25%"]
[market]
fee = "0.02%"
''')
    scenario = get_scenario(str(file))
    assert scenario.name == "dip" and scenario.description == "a dip from my data"
    assert scenario.params == {"fee": 2 * 10**14} and scenario.keepers.latency_blocks == 3
    assert scenario.outage == (0.0, 0.25)
    path = scenario.price_path(10, 3000.0, 0)
    want = scaled_path(paths.load_csv(tmp_path / "dip.csv"), 3000.0)
    assert np.array_equal(path.prices, want.prices) and list(path.times) == [0, 3600, 7200]


@pytest.mark.parametrize(
    "text, message",
    [
        ('duration = "1h"\n[path]\nshape = "v-shape"\ndrop = 0.1\n', "description must be a non-empty string"),
        ('description = "x"\nduration = "an hour"\n[path]\nshape = "v-shape"\ndrop = 0.1\n', "duration must be a duration"),
        ('description = "x"\nduration = "1h"\n[path]\nshape = "spiral"\n', "[path] shape must be one of"),
        ('description = "x"\nduration = "1h"\n[path]\nshape = "crash"\ndrop = 1.5\nover = "1h"\n', "[path] drop must be in [0, 1]"),
        ('description = "x"\nduration = "1h"\ncolour = 1\n[path]\nshape = "v-shape"\ndrop = 0.1\n', "unknown key(s) colour"),
        ('description = "x"\nduration = "1h"\n[path]\nshape = "v-shape"\ndrop = 0.1\n[keepers]\ntaker_mode = "yolo"\n',
         "[keepers] taker_mode must be one of"),
        ('description = "x"\nduration = "1h"\n[path]\nshape = "v-shape"\ndrop = 0.1\n[market]\nfee = "50%"\n',
         "fee = 500000000000000000 must be in"),
        ('description = "x"\nduration = "1h"\n[path]\nshape = "csv"\nfile = "none.csv"\n', "cannot read price path"),
        ('description = "x"\n[path\n', "Expected ']'"),
    ],
)
def test_bad_files_name_the_file_and_field(tmp_path: Path, text: str, message: str,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    file = _write(tmp_path / "mine.toml", text)
    with pytest.raises(ScenarioError) as raised:
        get_scenario(str(file))
    assert str(raised.value).startswith(f"{file}: ") and message in str(raised.value)
    assert main(["scenario", "run", str(file), "--out", str(tmp_path / "out")]) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_missing_file() -> None:
    with pytest.raises(ScenarioError, match="cannot read scenario file nowhere.toml"):
        get_scenario("nowhere.toml")
