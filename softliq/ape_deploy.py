"""Deploy a softliq market through ape (anvil, a fork, or any ape network).

`ApeBackend` runs the shared plan `softliq.deploy.deploy_market` on whatever
network ape is connected to; `deploy_ape` is the one-call entry point used by
`ape run deploy` and the integration tests. ape is imported lazily so that
importing this module costs nothing on titanoboa-only runs.
"""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any

from softliq.deploy import Market, deploy_market
from softliq.params import MarketParams

if TYPE_CHECKING:
    from ape.api import AccountAPI, ReceiptAPI
    from ape.contracts import ContractContainer, ContractInstance
    from ape.managers.project import ProjectManager


def _ape_project() -> "ProjectManager":
    """The ape project of the current working directory (the repo root)."""
    from ape import project

    return project


def _test_account(index: int) -> "AccountAPI":
    """ape's funded test account number `index`."""
    from ape import accounts

    return accounts.test_accounts[index]


def _account_for(sender: "str | AccountAPI") -> "AccountAPI":
    """The signing account for `sender`: an account as is, an address looked up
    among ape's accounts (test accounts included)."""
    from ape import accounts
    from ape.api import AccountAPI

    if isinstance(sender, AccountAPI):
        return sender
    return accounts[str(sender)]


class ApeBackend:
    """Deploys and transacts through ape, signing as `deployer`.

    Contracts are looked up in the ape project by file name: ape names every
    contract after its file, whatever its folder, so the plan's
    "testing/ERC20Mock" is ape's `ERC20Mock` (checked against its source path).
    """

    def __init__(self, deployer: "AccountAPI", project: "ProjectManager | None" = None) -> None:
        self.deployer = deployer
        self.project = project if project is not None else _ape_project()

    def container(self, name: str) -> "ContractContainer":
        """The ape contract container for `name` (path under contracts/, no .vy)."""
        container = self.project.get_contract(PurePosixPath(name).name)
        source_id = container.contract_type.source_id or ""
        if not source_id.endswith(f"{name}.vy"):
            raise LookupError(f"ape's contract {PurePosixPath(name).name!r} comes from {source_id!r}, not {name}.vy")
        return container

    def deploy(self, name: str, *args: Any) -> "ContractInstance":
        """Deploy contract `name` with constructor `args`, as the deployer."""
        return self.container(name).deploy(*args, sender=self.deployer)

    def transact(self, contract: "ContractInstance", method: str, *args: Any) -> "ReceiptAPI":
        """Send `method(*args)` to `contract` as the deployer."""
        return self.transact_as(self.deployer, contract, method, *args)

    def transact_as(
        self, sender: "str | AccountAPI", contract: "ContractInstance", method: str, *args: Any
    ) -> "ReceiptAPI":
        """Send `method(*args)` to `contract` from `sender` (an account or an address
        ape can sign for)."""
        return getattr(contract, method)(*args, sender=_account_for(sender))

    def address(self, contract: "ContractInstance") -> str:
        """The checksummed address of a deployed contract."""
        return str(contract.address)

    def deployer_address(self) -> str:
        """The deployer's checksummed address."""
        return str(self.deployer.address)


def deploy_ape(
    params: MarketParams | None = None,
    deployer: "AccountAPI | None" = None,
    admin: "str | AccountAPI | None" = None,
) -> Market:
    """Deploy a whole market on ape's current network and return its handles.

    Defaults: `MarketParams()`, ape test account 0 deploys, test account 1
    administers (oracle price, setters). `admin` may be an account or an address;
    `Market.admin` is its address.
    """
    deployer = deployer if deployer is not None else _test_account(0)
    admin = admin if admin is not None else _test_account(1)
    admin_address = str(getattr(admin, "address", admin))
    return deploy_market(ApeBackend(deployer), params or MarketParams(), admin_address)


ONCHAIN_VIEWS: dict[str, tuple[str, str]] = {
    "price": ("oracle", "price"),
    "collateral_decimals": ("collateral", "decimals"),
    "A": ("amm", "A"),
    "amplification": ("amm", "AMPLIFICATION"),
    "fee": ("amm", "fee"),
    "oracle_fee_window": ("amm", "ORACLE_FEE_WINDOW"),
    "loan_discount": ("controller", "loan_discount"),
    "liquidation_discount": ("controller", "liquidation_discount"),
    "debt_ceiling": ("controller", "debt_ceiling"),
    "rate": ("controller", "rate"),
    "penalty_tier1": ("controller", "penalty_tier1"),
    "penalty_tier2": ("controller", "penalty_tier2"),
    "target_health": ("controller", "target_health"),
    "min_debt": ("controller", "min_debt"),
    "tip": ("controller", "tip"),
    "chip": ("controller", "chip"),
    "max_in_auction": ("controller", "max_in_auction"),
    "auction_curve": ("auction", "curve_kind"),
    "auction_curve_a": ("auction", "curve_a"),
    "auction_curve_b": ("auction", "curve_b"),
    "auction_buf": ("auction", "buf"),
    "auction_tail": ("auction", "tail"),
    "auction_cusp": ("auction", "cusp"),
    "auction_chost": ("auction", "chost"),
    "ema_time": ("price_source", "EMA_TIME"),
    "stablecoin_name": ("stablecoin", "name"),
    "stablecoin_symbol": ("stablecoin", "symbol"),
}
"""Where each MarketParams field can be read back: (Market attribute, view)."""


def onchain_params(market: Market) -> dict[str, Any]:
    """Each MarketParams field as the deployed contracts report it (see ONCHAIN_VIEWS).

    Works on any backend whose handles call views as `contract.view()` (ape and
    titanoboa). `ema_time` reads 0 when the AMM reads the settable oracle
    directly, as MarketParams says.
    """
    has_ema = market.price_source is not None and str(market.price_source.address) != str(market.oracle.address)
    values: dict[str, Any] = {}
    for field, (role, view) in ONCHAIN_VIEWS.items():
        if field == "ema_time" and not has_ema:
            values[field] = 0
        else:
            values[field] = getattr(getattr(market, role), view)()
    return values
