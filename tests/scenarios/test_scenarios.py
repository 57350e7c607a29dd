"""Every named scenario at small size: tokens conserved, the stablecoin identity holds,
and the metrics agree with each other and with the chain."""

import pytest

from softliq.scenarios import SCENARIOS

WAD = 10**18


def unaccounted(chain, holders) -> dict:
    """Token supply minus the balances of the market's contracts and every actor."""
    m = chain.market
    contracts = [m.amm, m.controller, m.auction] + ([m.policy] if getattr(m, "policy", None) is not None else [])
    addresses = {str(c.address) for c in contracts} | set(holders)
    tokens = {"collateral": m.collateral, "stablecoin": m.stablecoin}
    return {name: t.totalSupply() - sum(t.balanceOf(a) for a in addresses) for name, t in tokens.items()}


def identity_gap(chain) -> int:
    """(total_debt + total_tab) - (supply + reserves - bad_debt)."""
    m = chain.market
    c = m.controller
    return c.total_debt() + m.auction.total_tab() - (m.stablecoin.totalSupply() + c.reserves() - c.bad_debt())


def check_consistency(chain, result) -> None:
    """The invariants every run must end with."""
    m, metrics = chain.market, result.metrics
    # tokens: every unit is in a contract of the market or with an actor of the run
    assert unaccounted(chain, result.holders) == {"collateral": 0, "stablecoin": 0}
    assert metrics["conservation"] == {"collateral_unaccounted_wei": 0, "stablecoin_unaccounted_wei": 0}
    # the stablecoin identity, within one wei per loan
    n_loans = m.controller.n_loans()
    assert abs(identity_gap(chain)) <= n_loans
    assert metrics["identity"]["gap_wei"] == identity_gap(chain)
    assert metrics["bad_debt_wei"] == m.controller.bad_debt()
    # liquidations by tier sum to the Liquidate events, and to the liquidator's successes
    tiers = metrics["liquidations_by_tier"]
    liquidations = [r for r in result.auction_timeline if r["kind"] == "Liquidate"]
    assert tiers["1"] + tiers["2"] == tiers["events"] == len(liquidations)
    # the liquidator sends one user per liquidate or a batch per liquidate_many: every
    # event is from its transactions, and it sent none when there are none
    sent = metrics["keepers"]["liquidator"]["by_kind"].get("liquidate", 0)
    assert len({r["keeper"] for r in liquidations}) <= 1
    assert (sent == 0) == (tiers["events"] == 0)
    # auctions: each kick came from a liquidation with an auction; each is settled or live
    a = metrics["auctions"]
    assert a["kicked"] == sum(1 for r in liquidations if r["auction_id"] != 0)
    assert a["settled"] + a["live_at_end"] == a["kicked"]
    assert a["live_at_end"] == len(m.auction.active_ids())
    taker = metrics["keepers"]["keeper"]["by_kind"]
    assert a["takes"] == taker.get("take", 0) + taker.get("flash_take", 0)
    assert a["redos"] == taker.get("redo", 0)
    # keepers' books
    for books in metrics["keepers"].values():
        assert books["sent"] == books["succeeded"] + books["failed"]
        assert books["gas_cost"] >= 0 and (books["gas_cost"] > 0) == (books["gas"] > 0 and books["gas_price"] > 0)
    assert metrics["gas_spent"] == sum(k["gas"] for k in metrics["keepers"].values())
    # time series: one value per sample everywhere, bands as recorded
    s = result.series
    n = len(s["time"])
    assert n >= 2 and s["time"] == sorted(s["time"])
    for key in ("market", "oracle", "amm", "auctions_live", "auction_tab", "bad_debt", "health", "band_collateral_share"):
        assert len(s[key]) == n, key
    assert all(len(row) == len(s["bands"]) for row in s["band_collateral_share"])
    assert s["market"][0] == pytest.approx(m.params.price / WAD)
    # borrower losses: every borrower in exactly one bucket
    buckets = metrics["borrower_losses_by_n"]["by_bands"]
    assert sum(b["borrowers"] for b in buckets.values()) == len(result.borrowers)


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_scenario_small(run_small, name):
    chain, result = run_small(name)
    check_consistency(chain, result)
    assert result.metrics["run"]["steps"] == 10
    assert result.metrics["run"]["borrowers"] == 3


def test_flash_crash_liquidates_and_auctions(run_small):
    """The large borrower goes under in the -30% drop: liquidated, its lot sold by
    flash takes through the AMM."""
    chain, result = run_small("flash-crash")
    m = result.metrics
    assert m["liquidations_by_tier"]["events"] >= 1
    assert m["auctions"]["kicked"] >= 1
    assert m["auctions"]["takes"] >= 1
    check_consistency(chain, result)
