"""`softliq calibrate`: the search, the Pareto frontier, the recommendation within the
budget, a recommended params file that --params accepts, and bad input."""

from __future__ import annotations


import pytest

from softliq.params import MarketParams, load_params
from softliq.risklab import calibrate as cal

from .helpers import check_bad_input, run_cli, summary


def _scored(label: str, ltv: float, p99: float, loss: float) -> cal.Scored:
    bad = {"mean": p99 / 2, "p50": 0.0, "p95": p99 / 2, "p99": p99, "max": p99}
    return cal.Scored(cal.Candidate((("name", label),), MarketParams()), ltv, bad, loss, 0.0)


def test_pareto_keeps_only_undominated_candidates():
    a = _scored("a", 0.80, 0.50, 1.0)
    b = _scored("b", 0.70, 0.10, 0.8)
    c = _scored("c", 0.70, 0.20, 0.9)  # dominated by b
    d = _scored("d", 0.60, 0.10, 0.8)  # dominated by b
    e = _scored("e", 0.60, 0.00, 2.0)  # least bad debt: on the frontier
    assert [s.candidate.label() for s in cal.pareto([a, b, c, d, e], 99)] == ["name=a", "name=b", "name=e"]


def test_recommendation_is_the_highest_ltv_within_the_budget():
    a, b, e = _scored("a", 0.80, 0.50, 1.0), _scored("b", 0.70, 0.10, 0.8), _scored("e", 0.60, 0.00, 2.0)
    assert cal.recommend([a, b, e], 99, 0.1) == (b, True)
    assert cal.recommend([a, b, e], 99, 1.0) == (a, True)
    assert cal.recommend([a, b], 99, 0.01) == (b, False)  # none within: the least bad debt


@pytest.mark.parametrize("text, pct", [("0.1%", 0.1), ("0.001", 0.1), ("2%", 2.0), ("0", 0.0)])
def test_budget_accepts_fractions_and_percentages(text, pct):
    assert cal.budget_fraction(text) == pytest.approx(pct)


def test_quick_calibration_writes_a_frontier_and_a_loadable_recommendation(tmp_path):
    out = tmp_path / "cal"
    assert run_cli("calibrate", "--vol", "0.8", "--paths", "4", "--steps", "40", "--quick", "--quiet", "--out", str(out)) == 0
    assert sorted(p.name for p in out.iterdir()) == ["frontier.md", "frontier.png", "index.html", "recommended.toml", "summary.json"]
    data = summary(out)
    assert data["candidates"] == 8 and data["recommendation"]["budget_met"]
    assert 1 <= len(data["frontier"]) <= 8
    chosen = data["recommendation"]
    assert chosen["bad_debt_p99_pct"] <= 0.1
    assert all(row["ltv"] <= chosen["ltv"] for row in data["all"] if row["bad_debt_p99_pct"] <= 0.1)
    params = load_params(out / "recommended.toml")
    assert params.A == chosen["values"]["A"]
    mc = tmp_path / "mc"
    assert run_cli("montecarlo", "--params", str(out / "recommended.toml"), "--paths", "2", "--steps", "20", "--quiet", "--out", str(mc)) == 0
    assert summary(mc)["run"]["params_changed"] == chosen["params_changed"]


def test_a_market_with_crashes_recommends_a_lower_ltv_than_a_calm_one(tmp_path):
    """The recommendation moves with the risk: with 25% crash jumps (about one a week)
    the budget rules out the loan discount a calm market allows."""
    space = tmp_path / "space.toml"
    space.write_text('[space]\nloan_discount = ["7%", "20%", "35%"]\n')
    chosen = {}
    for name, model in (("calm", ["--vol", "0.2"]), ("crashes", ["--vol", "3", "--model", "jump", "--jump-mean", "-0.25", "--jump-rate", "50"])):
        out = tmp_path / name
        assert run_cli("calibrate", *model, "--space", str(space), "--paths", "6", "--steps", "300", "--max-bad-debt", "0.01%",
                       "--quiet", "--out", str(out)) == 0
        chosen[name] = summary(out)["recommendation"]
    assert chosen["calm"]["values"]["loan_discount"] == "7%"
    assert chosen["crashes"]["ltv"] < chosen["calm"]["ltv"]
    assert chosen["crashes"]["bad_debt_p99_pct"] <= 0.01


BAD = [
    (["--space", "@unknown.toml"], "unknown parameter"),
    (["--space", "@range.toml"], "A = 5"),
    (["--space", "@empty.toml"], "non-empty list"),
    (["--max-bad-debt", "abc"], "--max-bad-debt"),
    (["--max-bad-debt", "200%"], "--max-bad-debt"),
    (["--vol", "0"], "--vol"),
    (["--percentile", "90"], "--percentile"),
]


@pytest.mark.parametrize("args, message", BAD, ids=[" ".join(a) for a, _ in BAD])
def test_bad_input_is_one_line_exit_2_and_writes_nothing(tmp_path, capsys, args, message):
    files = {
        "@unknown.toml": "[space]\ncolour = [1, 2]\n",
        "@range.toml": "[space]\nA = [5, 100]\n",
        "@empty.toml": "[space]\nA = []\n",
    }
    check_bad_input(tmp_path, capsys, ["calibrate", *args, "--paths", "2", "--steps", "10", "--quick"], files, message)
