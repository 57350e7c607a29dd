"""What actors do to a titanoboa market: fund, approve, open loans, get stablecoin.

Shared by tests, benchmarks and scripts so none of them repeats these steps.
"""

from __future__ import annotations

import boa

from softliq.deploy import Market
from softliq.params import WAD

MAX_UINT = 2**256 - 1


def collateral_units(market: Market, amount_wad: int) -> int:
    """`amount_wad` (18-decimal) of collateral in the token's own units."""
    return amount_wad // 10 ** (18 - market.params.collateral_decimals)


def fund_collateral(market: Market, who: str, amount: int) -> None:
    """Mint `amount` collateral (token units) to `who` and approve the Controller and AMM."""
    market.collateral.mint(who, amount)
    with boa.env.prank(who):
        market.collateral.approve(market.controller.address, MAX_UINT)
        market.collateral.approve(market.amm.address, MAX_UINT)
        market.stablecoin.approve(market.controller.address, MAX_UINT)
        market.stablecoin.approve(market.amm.address, MAX_UINT)


def open_loan(market: Market, borrower: str, collateral: int, debt: int, n_bands: int) -> tuple[int, int]:
    """Fund `borrower` with `collateral` (token units) and open a loan; returns its bands."""
    fund_collateral(market, borrower, collateral)
    with boa.env.prank(borrower):
        market.controller.create_loan(collateral, debt, n_bands)
    n1, n2 = market.amm.read_user_tick_numbers(borrower)
    return n1, n2


def open_loan_at(market: Market, borrower: str, collateral: int, share_of_max: float, n_bands: int) -> tuple[int, int]:
    """Open a loan borrowing `share_of_max` of max_borrowable; returns its bands."""
    parts = round(share_of_max * 10**9)  # integer math: share 1.0 must not exceed the max
    debt = market.controller.max_borrowable(collateral, n_bands) * parts // 10**9
    return open_loan(market, borrower, collateral, debt, n_bands)


def fund_stablecoin(market: Market, who: str, amount: int) -> None:
    """Give `who` `amount` stablecoin by a loan against ample collateral whose bands sit
    far below the oracle (out of the way of price paths that stay within ~50% of it)."""
    collateral = collateral_units(market, amount * 4 * WAD // market.amm.price_oracle() + WAD)
    open_loan(market, who, collateral, amount, 50)
