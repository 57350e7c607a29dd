"""The fuzz tooling itself: the campaign command's bad-input handling, profiles, the
raw storage reader against the views, and the mutation patterns of bench/mutants.py."""

from __future__ import annotations

import importlib.util
import shutil
import sys
from pathlib import Path

import pytest

from softliq.__main__ import main
from softliq.fuzz import profiles
from softliq.fuzz.world import World
from softliq.params import WAD

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    "argv, message",
    [
        (["fuzz", "--minutes", "-1"], "must be a positive finite number"),
        (["fuzz", "--minutes", "nan"], "must be a positive finite number"),
        (["fuzz", "--examples", "0"], "must be at least 1"),
        (["fuzz", "--examples", "two"], "is not an integer"),
        (["fuzz"], "one of the arguments --minutes --examples is required"),
        (["fuzz", "--minutes", "1", "--examples", "3"], "not allowed with argument"),
        (["fuzz", "--examples", "2", "--bogus"], "unrecognized arguments: --bogus"),
        (["fuzz", "--examples", "2", "--workers", "0"], "must be at least 1"),
        (["fuzz", "--examples", "2", "--seed", "-5"], "must be in [0, 2**32)"),
        (["frobnicate"], "invalid choice"),
    ],
)
def test_bad_input_exits_nonzero_with_message(argv: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "summary.json"
    assert main([*argv, "--json", str(out)] if argv[0] == "fuzz" and len(argv) > 1 else argv) == 2
    assert message in capsys.readouterr().err
    assert not out.exists()


def test_unwritable_summary_is_refused_before_running(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "a-dir"
    target.mkdir()
    assert main(["fuzz", "--examples", "1", "--json", str(target)]) == 2
    assert "is a directory" in capsys.readouterr().err
    assert list(target.iterdir()) == []


def test_profiles_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(profiles.PROFILE_ENV, raising=False)
    assert profiles.profile().name == "ci"
    monkeypatch.setenv(profiles.PROFILE_ENV, "deep")
    assert profiles.profile().name == "deep"
    assert profiles.profile().examples > profiles.PROFILES["ci"].examples
    monkeypatch.setenv(profiles.PROFILE_ENV, "fast")
    with pytest.raises(profiles.ProfileError, match="unknown fuzz profile"):
        profiles.profile()
    monkeypatch.delenv(profiles.SEED_ENV, raising=False)
    assert profiles.seed_from_env("ci") == profiles.seed_from_env("ci") == profiles.CI_SEED
    assert len({profiles.seed_from_env("deep") for _ in range(4)}) > 1  # deep explores
    monkeypatch.setenv(profiles.SEED_ENV, "abc")
    with pytest.raises(profiles.ProfileError, match="is not an integer"):
        profiles.seed_from_env()
    monkeypatch.setenv(profiles.SEED_ENV, "42")
    assert profiles.seed_from_env() == 42
    assert "SOFTLIQ_FUZZ_SEED=42" in profiles.replay_command("tests/fuzz/x.py::t", 42, "ci")


def test_storage_reads_match_the_views(world_18: World) -> None:
    """The invariants read balances and bands from raw storage: they must equal the views."""
    m, w = world_18.market, world_18
    borrower = w.borrowers[0]
    with w.example():
        collateral = 10 * WAD
        w.mint_collateral(borrower, collateral)
        w.attempt(borrower, m.controller, "create_loan", collateral, m.controller.max_borrowable(collateral, 6) * 9 // 10, 6)
        for token, contract in (("stablecoin", m.stablecoin), ("collateral", m.collateral)):
            assert w.supply(token) == contract.totalSupply()
            for who in [*w.wallets, m.amm.address]:
                assert w.balance(token, who) == contract.balanceOf(who)
        bands = w.bands()
        n1, n2 = m.amm.read_user_tick_numbers(borrower)
        for n in range(n1, n2 + 1):  # odd and even bands: shares of a pair share a slot
            assert bands[n] == (m.amm.bands_x(n), m.amm.bands_y(n))
            assert w.band(n) == (m.amm.bands_x(n), m.amm.bands_y(n), m.amm.total_shares(n)) != (0, 0, 0)
        assert set(bands) <= set(range(m.amm.min_band(), m.amm.max_band() + 1))
        assert w.model is not None and w.model.controller.loan_exists(borrower)


def test_attempt_tells_expected_from_unexpected_reverts(world_18: World) -> None:
    from softliq.fuzz.world import UnexpectedRevert

    w, c = world_18, world_18.market.controller
    who = w.borrowers[1]
    assert w.attempt(who, c, "repay", 1, allowed={"no loan"}).reason == "no loan"
    with pytest.raises(UnexpectedRevert, match="no loan"):
        w.attempt(who, c, "repay", 1, allowed={"debt below minimum"})
    with w.evm.prank(w.market.admin):
        assert not c.loan_exists(who)


def _mutants_module():
    if "bench_mutants" not in sys.modules:
        spec = importlib.util.spec_from_file_location("bench_mutants", ROOT / "bench" / "mutants.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules["bench_mutants"] = module  # dataclasses resolve annotations through it
        spec.loader.exec_module(module)
    return sys.modules["bench_mutants"]


def test_every_mutant_pattern_applies_exactly_once(tmp_path: Path) -> None:
    mutants = _mutants_module()
    assert len(mutants.MUTANTS) >= 8
    for m in mutants.MUTANTS:
        folder = tmp_path / m.name
        shutil.copytree(ROOT / "contracts", folder)
        mutants.apply(m, folder)
        assert any((folder / f).read_text() != (ROOT / "contracts" / f).read_text() for f, _, _ in m.edits)


def test_a_vanished_pattern_fails_loudly(tmp_path: Path) -> None:
    mutants = _mutants_module()
    shutil.copytree(ROOT / "contracts", tmp_path / "c")
    ghost = mutants.Mutant("ghost", "pattern that is not there", (("AMM.vy", "no such text", "x"),))
    with pytest.raises(mutants.PatternError, match="found 0 times"):
        mutants.apply(ghost, tmp_path / "c")


def test_campaign_machines_are_the_cli_choices_and_replay_by_name() -> None:
    """Every machine of the campaign (the EMA market's included) can be run alone with
    `--only`, and a failure's replay command names its market key."""
    from softliq.cli.fuzz import MACHINE_CHOICES
    from softliq.fuzz import campaign

    assert set(MACHINE_CHOICES) == {f"{name}:{market}" for name, market in campaign.MACHINES}
    assert {market for _, market in campaign.MACHINES} <= set(campaign.MARKETS)
    ema = campaign.market_params("18ema")
    assert ema.ema_time > 0 and ema.collateral_decimals == 18
    assert campaign.market_params("18").ema_time == 0
    assert "--only SystemMachine:18ema " in campaign.replay_command("SystemMachine", "18ema", 7)
