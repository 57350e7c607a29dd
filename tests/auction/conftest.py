"""Fixtures of the auction suite: gradual liquidation (Controller.liquidate) and the Dutch
auctions it starts (Auction.vy).

Actors by role (tests/conftest.py): borrowers, `liquidator` (the keeper who liquidates,
takes and redoes), `arbitrageur`, `admin`. The market is the session `market` fixture;
titanoboa rolls state back after each test (and each hypothesis example)."""

from pathlib import Path

import boa
import pytest

from softliq.actors import fund_stablecoin, open_loan_at

from .helpers import MAX_UINT, WAD, set_price, units

CONTRACTS = Path(__file__).resolve().parents[2] / "contracts"
KEEPER_FUNDS = 500_000 * WAD


@pytest.fixture(scope="session")
def flash_taker_deployer():
    return boa.load_partial(str(CONTRACTS / "testing" / "FlashTaker.vy"))


@pytest.fixture(scope="session")
def reentrant_taker_deployer():
    return boa.load_partial(str(CONTRACTS / "testing" / "ReentrantTaker.vy"))


@pytest.fixture(scope="session", autouse=True)
def _session_fixtures_first(
    market, admin, borrower, borrowers, arbitrageur, liquidator, flash_taker_deployer, reentrant_taker_deployer
):
    """Instantiate the session fixtures before any module or function fixture (titanoboa
    unwinds its per-fixture anchors last-in first-out)."""


@pytest.fixture
def keeper(market, liquidator):
    """`liquidator`, holding KEEPER_FUNDS stablecoin (a loan far below the oracle) and
    having approved the auction house."""
    fund_stablecoin(market, liquidator, KEEPER_FUNDS)
    with boa.env.prank(liquidator):
        market.stablecoin.approve(market.auction.address, MAX_UINT)
    return liquidator


@pytest.fixture
def rich_arbitrageur(market, arbitrageur):
    """`arbitrageur` with 1,000,000 stablecoin, approvals to the AMM."""
    fund_stablecoin(market, arbitrageur, 1_000_000 * WAD)
    return arbitrageur


def open_underwater(market, users, drop_pct: int = 90, n_bands: int = 10, share: float = 0.95):
    """Each of `users` borrows `share` of max against 10 collateral over `n_bands` bands
    (all land in the same bands); then the oracle falls to drop_pct % of their top band
    (no trade). Returns the bands."""
    ns = None
    for u in users:
        ns = open_loan_at(market, u, units(market, 10 * WAD), share, n_bands)
    set_price(market, market.amm.p_oracle_up(ns[0]) * drop_pct // 100)
    return ns


@pytest.fixture
def underwater(market, borrowers):
    """Three borrowers (10 collateral, 10 bands, 95% of max) after the oracle fell to 90%
    of their top band without any trade: all three liquidatable in tier 2, and their
    auctions start with the lot worth more than the tab (top = oracle * buf)."""
    users = borrowers[:3]
    open_underwater(market, users)
    assert set(map(str, market.controller.users_to_liquidate())) == set(map(str, users))
    return users


@pytest.fixture
def auction_id(market, keeper, underwater):
    """One live auction: the tier-2 liquidation of underwater[0] by the keeper."""
    with boa.env.prank(keeper):
        return market.controller.liquidate(underwater[0])
