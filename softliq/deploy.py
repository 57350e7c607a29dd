"""Deploy a whole softliq market: one plan, two backends (titanoboa and ape)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from softliq.params import MarketParams

CONTRACTS = Path(__file__).resolve().parent.parent / "contracts"


class Backend(Protocol):
    """What a chain must offer to deploy a market."""

    def deploy(self, name: str, *args: Any) -> Any:
        """Deploy contract `name` (path under contracts/, without .vy) and return a handle."""

    def transact(self, contract: Any, method: str, *args: Any) -> Any:
        """Call `method` on `contract` as the deployer."""

    def transact_as(self, sender: str, contract: Any, method: str, *args: Any) -> Any:
        """Call `method` on `contract` as `sender`."""

    def address(self, contract: Any) -> str:
        """The address of a deployed handle."""

    def deployer_address(self) -> str:
        """The address that deploys (and first administers the AMM)."""


@dataclass
class Market:
    """Handles to a deployed market (DESIGN.md section 6)."""

    stablecoin: Any
    collateral: Any
    oracle: Any
    """The settable oracle: `oracle.set_price(p)` moves the market (as `admin`)."""
    amm: Any
    controller: Any
    admin: str
    params: MarketParams
    price_source: Any = None
    """What the AMM reads: the EmaOracle if params.ema_time, else `oracle` itself."""
    auction: Any = None
    """The auction house of gradual liquidations."""
    policy: Any = None
    """The LiquidationPolicy: tiers, penalties, keeper rewards, the cap on auctions."""
    llamma_adapter: Any = None
    """LLAMMA's bot interface over the AMM: get_dydx, p_current_up/down,
    get_amount_for_price, and exchange_dy that buys all there is (docs/integrating.md)."""

    def addresses(self) -> dict[str, str]:
        """Contract addresses by role."""
        named = {
            "stablecoin": self.stablecoin,
            "collateral": self.collateral,
            "oracle": self.oracle,
            "price_source": self.price_source,
            "amm": self.amm,
            "controller": self.controller,
            "auction": self.auction,
            "policy": self.policy,
            "llamma_adapter": self.llamma_adapter,
        }
        return {k: str(v.address) for k, v in named.items() if v is not None}


def deploy_market(backend: Backend, params: MarketParams, admin: str) -> Market:
    """Deploy and wire every contract of a market; `admin` governs it."""
    p = params
    stablecoin = backend.deploy("Stablecoin", p.stablecoin_name, p.stablecoin_symbol)
    collateral = backend.deploy("testing/ERC20Mock", "Collateral", "COLL", p.collateral_decimals)
    oracle = backend.deploy("testing/PriceOracleMock", p.price, admin)
    source = oracle
    if p.ema_time:
        source = backend.deploy("EmaOracle", backend.address(oracle), p.ema_time)
    amm = backend.deploy(
        "AMM",
        backend.address(stablecoin),
        backend.address(collateral),
        p.A,
        p.amplification,
        p.price,
        p.fee,
        backend.address(source),
        backend.deployer_address(),
        p.oracle_fee_window,
        p.away_fee,
        p.swing_factor,
        p.swing_time,
    )
    policy = backend.deploy("LiquidationPolicy", admin)
    controller = backend.deploy(
        "Controller",
        backend.address(amm),
        backend.address(stablecoin),
        backend.address(collateral),
        p.loan_discount,
        p.liquidation_discount,
        p.debt_ceiling,
        admin,
        backend.address(policy),
    )
    auction = backend.deploy(
        "Auction",
        backend.address(stablecoin),
        backend.address(collateral),
        backend.address(source),
        admin,
        p.auction_curve,
        p.auction_curve_a,
        p.auction_curve_b,
        p.auction_buf,
        p.auction_tail,
        p.auction_cusp,
        p.auction_chost,
    )
    backend.transact(amm, "set_admin", backend.address(controller))
    backend.transact(stablecoin, "set_minter", backend.address(controller))
    backend.transact(stablecoin, "set_burner", backend.address(auction))
    backend.transact_as(admin, policy, "set_controller", backend.address(controller))
    backend.transact_as(admin, auction, "set_controller", backend.address(controller))
    backend.transact_as(admin, controller, "set_auction", backend.address(auction))
    backend.transact_as(
        admin,
        policy,
        "set_liquidation_params",
        p.penalty_tier1,
        p.penalty_tier2,
        p.target_health,
        p.min_debt,
        p.tip,
        p.chip,
        p.max_in_auction,
    )
    if p.min_debt_per_band:
        backend.transact_as(admin, policy, "set_min_debt_per_band", p.min_debt_per_band)
    adapter = backend.deploy("LlammaAdapter", backend.address(amm))
    market = Market(stablecoin, collateral, oracle, amm, controller, admin, params, source, auction, policy, adapter)
    if p.rate:
        backend.transact_as(admin, controller, "set_rate", p.rate)
    return market


_DEPLOYERS: dict[str, Any] = {}
"""Compiled contracts by source path, per process: loading from boa's disk cache still
takes seconds, so suites and scenarios that deploy many markets compile each once."""


def boa_deployer(name: str) -> Any:
    """titanoboa's deployer (compiled, not deployed) of contract `name` (path under
    CONTRACTS, without .vy); keyed by full path, so pointing CONTRACTS elsewhere (the
    mutation benchmark does) compiles the other sources."""
    import boa

    path = CONTRACTS / f"{name}.vy"
    key = str(path)
    if key not in _DEPLOYERS:
        if not path.is_file():
            raise FileNotFoundError(f"no contract {name!r} (looked for {path})")
        _DEPLOYERS[key] = boa.load_partial(key)
    return _DEPLOYERS[key]


class BoaBackend:
    """Deploys in-process on titanoboa, as `deployer`."""

    def __init__(self, deployer: str) -> None:
        self.deployer = deployer

    def deploy(self, name: str, *args: Any) -> Any:
        import boa

        with boa.env.prank(self.deployer):
            return boa_deployer(name).deploy(*args)

    def transact(self, contract: Any, method: str, *args: Any) -> Any:
        return self.transact_as(self.deployer, contract, method, *args)

    def transact_as(self, sender: str, contract: Any, method: str, *args: Any) -> Any:
        import boa

        with boa.env.prank(sender):
            return getattr(contract, method)(*args)

    def address(self, contract: Any) -> str:
        return str(contract.address)

    def deployer_address(self) -> str:
        return self.deployer


def deploy_boa(params: MarketParams | None = None, admin: str | None = None) -> Market:
    """Deploy a whole market on titanoboa and return its handles.

    `admin` governs the market (setters, oracle); a fresh address if omitted.
    """
    import boa

    admin = admin or boa.env.generate_address("admin")
    deployer = boa.env.generate_address("deployer")
    return deploy_market(BoaBackend(deployer), params or MarketParams(), admin)
