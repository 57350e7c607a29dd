"""Deploy a softliq market through ape (anvil, a fork, or any ape network).

`ApeBackend` runs the shared plan `softliq.deploy.deploy_market` on whatever
network ape is connected to; `deploy_ape` is the one-call entry point used by
`ape run deploy` and the integration tests. ape is imported lazily so that
importing this module costs nothing on titanoboa-only runs.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, fields
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from softliq.deploy import Market, deploy_market
from softliq.params import MarketParams, ParamsError, load_params, params_from_dict  # noqa: F401 (re-exported)

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
        self.names: dict[str, str] = {}
        """Contract name (path under contracts/, no .vy) by deployed address."""

    def container(self, name: str) -> "ContractContainer":
        """The ape contract container for `name` (path under contracts/, no .vy)."""
        return self.container_in(self.project, name)

    @staticmethod
    def container_in(project: "ProjectManager", name: str) -> "ContractContainer":
        """The container for `name` in `project`, checked against its source path."""
        container = project.get_contract(PurePosixPath(name).name)
        source_id = container.contract_type.source_id or ""
        if not source_id.endswith(f"{name}.vy"):
            raise LookupError(f"ape's contract {PurePosixPath(name).name!r} comes from {source_id!r}, not {name}.vy")
        return container

    def deploy(self, name: str, *args: Any) -> "ContractInstance":
        """Deploy contract `name` with constructor `args`, as the deployer; remembers
        which contract each address holds (`self.names`)."""
        instance = self.container(name).deploy(*args, sender=self.deployer)
        self.names[str(instance.address)] = name
        return instance

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


def _liquidation_role() -> str:
    """Where the liquidation parameters live: the LiquidationPolicy once the deploy plan
    has one (`Market.policy`), else the Controller (the plan before the policy split)."""
    return "policy" if "policy" in {f.name for f in fields(Market)} else "controller"


_LIQ = _liquidation_role()

ONCHAIN_VIEWS: dict[str, tuple[str, str]] = {
    "price": ("oracle", "price"),
    "collateral_decimals": ("collateral", "decimals"),
    "A": ("amm", "A"),
    "amplification": ("amm", "AMPLIFICATION"),
    "fee": ("amm", "fee"),
    "oracle_fee_window": ("amm", "ORACLE_FEE_WINDOW"),
    "away_fee": ("amm", "AWAY_FEE"),
    "swing_factor": ("amm", "SWING_FACTOR"),
    "swing_time": ("amm", "SWING_TIME"),
    "loan_discount": ("controller", "loan_discount"),
    "liquidation_discount": ("controller", "liquidation_discount"),
    "debt_ceiling": ("controller", "debt_ceiling"),
    "rate": ("controller", "rate"),
    "penalty_tier1": (_LIQ, "penalty_tier1"),
    "penalty_tier2": (_LIQ, "penalty_tier2"),
    "target_health": (_LIQ, "target_health"),
    "min_debt": (_LIQ, "min_debt"),
    "min_debt_per_band": (_LIQ, "min_debt_per_band"),
    "tip": (_LIQ, "tip"),
    "chip": (_LIQ, "chip"),
    "max_in_auction": (_LIQ, "max_in_auction"),
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


def revert_reason(exc: BaseException) -> str | None:
    """The revert reason of a failed call on ape or titanoboa, if it carries one."""
    message = getattr(exc, "revert_message", None)  # ape's ContractLogicError
    if isinstance(message, str) and message:
        return message
    for detail in getattr(exc, "stack_trace", None) or []:  # titanoboa's BoaError
        data = (getattr(getattr(detail, "vm_error", None), "args", None) or [b""])[0]
        if isinstance(data, bytes) and data[:4] == bytes.fromhex("08c379a0"):
            from eth_abi import decode

            return str(decode(["string"], data[4:])[0])
    return None


# ---------------------------------------------------------------- deployments files


class DeploymentError(RuntimeError):
    """A deployment could not be made or reused (message says why)."""


class ChainMismatchError(DeploymentError):
    """The deployments file describes another chain."""


RECORD_FORMAT = 1
RECORD_MODE = 0o644


def network_label(provider: Any) -> str:
    """`<ecosystem>-<network>` of an ape provider, as used for deployments/<label>.json."""
    return f"{provider.network.ecosystem.name}-{provider.network.name}".replace(":", "-").replace("/", "-")


def write_json_atomic(path: Path, data: Any) -> None:
    """Write `data` as JSON to `path` all at once: a reader sees the old file or the new
    one, never half of it (temporary file in the same folder, then rename)."""
    import json
    import os
    import tempfile

    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w") as fh:
            json.dump(data, fh, indent=2, sort_keys=False)
            fh.write("\n")
        os.chmod(tmp, RECORD_MODE)  # mkstemp makes 0600; a record is for every reader
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_record(path: Path) -> dict[str, Any] | None:
    """The deployments record at `path`, None if there is none; DeploymentError if it is
    not a record this code wrote."""
    import json

    if not path.exists():
        return None
    try:
        record = json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise DeploymentError(f"{path}: not a deployments file (bad JSON: {exc}); move it away or use --force") from None
    needed = {"format", "chain_id", "addresses", "contracts", "params", "admin", "bytecode_hash"}
    if not isinstance(record, dict) or not needed <= set(record):
        raise DeploymentError(f"{path}: not a deployments file (needs {', '.join(sorted(needed))}); use --force")
    return record


def _runtime_code(project: "ProjectManager", name: str) -> str:
    """The compiled runtime bytecode (hex, no 0x) of contract `name`."""
    container = ApeBackend.container_in(project, name)
    code = container.contract_type.runtime_bytecode
    return (code.bytecode if code and code.bytecode else "").removeprefix("0x").lower()


def bytecode_hashes(project: "ProjectManager", names: list[str]) -> dict[str, str]:
    """keccak256 of each contract's compiled runtime bytecode, by name."""
    from eth_utils import keccak

    return {n: "0x" + keccak(hexstr=_runtime_code(project, n)).hex() for n in sorted(set(names))}


def combined_hash(hashes: dict[str, str]) -> str:
    """One keccak256 over every contract's name and bytecode hash (sorted by name)."""
    from eth_utils import keccak

    return "0x" + keccak(text="\n".join(f"{n}={h}" for n, h in sorted(hashes.items()))).hex()


@dataclass
class Deployment:
    """A market on the connected chain and the record that describes it."""

    market: Market
    record: dict[str, Any]
    reused: bool
    reason: str
    """Why it was reused or deployed afresh (one line, for humans)."""


STATE_PARAMS = {"price"}
"""Fields that are market state after deployment, not configuration: scenarios move
the oracle, so a reused market's price need not be the initial one."""


def _contract_roles() -> set[str]:
    """Market fields that hold contracts (every field but `admin` and `params`)."""
    return {f.name for f in fields(Market)} - {"admin", "params"}


def make_record(market: Market, names: dict[str, str], network: str, deployer: str) -> dict[str, Any]:
    """The deployments record of a market just deployed (names: contract by address)."""
    from ape import chain

    addresses = market.addresses()
    contracts = {role: names[addr] for role, addr in addresses.items()}
    hashes = bytecode_hashes(_ape_project(), list(contracts.values()))
    return {
        "format": RECORD_FORMAT,
        "network": network,
        "chain_id": int(chain.chain_id),
        "block": int(chain.blocks.height),
        "deployer": deployer,
        "admin": market.admin,
        "addresses": addresses,
        "contracts": contracts,
        "params": asdict(market.params),
        "bytecode_hash": combined_hash(hashes),
        "code_hashes": hashes,
        "abi": contract_abis(list(contracts.values())),
    }


def contract_abis(names: list[str]) -> dict[str, list[dict[str, Any]]]:
    """Each contract's ABI (JSON, as solc and vyper write it) by contract name, from the
    compiled project: what a web3 client needs besides the addresses."""
    project = _ape_project()
    return {
        name: [item.model_dump(mode="json", by_alias=True, exclude_none=True)
               for item in ApeBackend.container_in(project, name).contract_type.abi]
        for name in sorted(set(names))
    }


def _why_not_reusable(record: dict[str, Any], params: MarketParams, admin: str) -> tuple[str | None, Market | None]:
    """(None, market) if the record's market is on chain as asked; else (reason, None).

    Checks, cheapest first: same parameters and admin; the same set of roles as the
    current deploy plan; the current compiled bytecode; at every address, code that is
    that contract's runtime code (followed only by its immutables); and the parameters
    as the contracts report them."""
    from ape import chain

    if record["params"] != asdict(params):
        changed = sorted(k for k in set(record["params"]) | set(asdict(params)) if record["params"].get(k) != asdict(params).get(k))
        return f"parameters differ from the recorded ones ({', '.join(changed)})", None
    if record["admin"].lower() != admin.lower():
        return f"recorded admin {record['admin']} is not {admin}", None
    roles = set(record["addresses"])
    if roles != _contract_roles() or set(record["contracts"]) != roles:
        return f"recorded roles {sorted(roles)} differ from the deploy plan's {sorted(_contract_roles())}", None
    project = _ape_project()
    try:
        hashes = bytecode_hashes(project, list(record["contracts"].values()))
    except (LookupError, AttributeError, ValueError) as exc:
        return f"a recorded contract is not in this project ({exc})", None
    if combined_hash(hashes) != record["bytecode_hash"]:
        return "the contracts changed since (compiled bytecode hash differs)", None
    handles: dict[str, Any] = {}
    for role, address in record["addresses"].items():
        name = record["contracts"][role]
        code = bytes(chain.provider.get_code(address)).hex().lower()
        if not code:
            return f"no code at the recorded {role} address {address} (chain reset?)", None
        if not code.startswith(_runtime_code(project, name)):
            return f"the code at {address} is not {name} ({role})", None
        handles[role] = ApeBackend.container_in(project, name).at(address)
    market = Market(admin=record["admin"], params=params, **handles)
    onchain = onchain_params(market)
    changed = sorted(k for k in onchain if k not in STATE_PARAMS and onchain[k] != asdict(params)[k])
    if changed:
        return f"parameters on chain differ from the recorded ones ({', '.join(changed)})", None
    return None, market


def recorded_market(path: Path) -> Market:
    """The market the deployment record at `path` describes, on the connected chain,
    after the same checks as a reuse (chain id, code at every address, parameters read
    back); DeploymentError (ChainMismatchError for another chain) saying what differs."""
    from ape import chain

    record = read_record(path)
    if record is None:
        raise DeploymentError(f"{path}: no such deployment record (softliq deploy writes one)")
    if int(record["chain_id"]) != int(chain.chain_id):
        raise ChainMismatchError(f"{path} describes chain id {record['chain_id']}, not the connected chain's {chain.chain_id}")
    reason, market = _why_not_reusable(record, params_from_dict(record["params"], str(path)), record["admin"])
    if market is None:
        raise DeploymentError(f"{path}: the recorded market is not usable here: {reason}")
    return market


def deploy_or_reuse(
    params: MarketParams,
    path: Path,
    deployer: "AccountAPI",
    admin: "AccountAPI | str",
    *,
    force: bool = False,
    network: str = "",
    save_to: Path | None = None,
) -> Deployment:
    """The market described by the deployments file `path` if it is on the connected
    chain exactly as asked (see _why_not_reusable), else a fresh deployment, recorded
    in `path` (written atomically, only after the deployment succeeded).

    `save_to` (default `path`) is where the record is written: a fork reads its
    upstream's record and keeps its own. A file for another chain id raises
    ChainMismatchError unless `force`. Parameters the
    contracts reject raise ParamsError; on anvil (or hardhat) the chain is rolled back
    to where it was, so nothing is left half-deployed.
    """
    from ape import chain

    admin_address = str(getattr(admin, "address", admin))
    record = None if force else read_record(path)
    reason = "forced" if force else f"no deployments file {path}"
    if record is not None:
        if int(record["chain_id"]) != int(chain.chain_id):
            raise ChainMismatchError(
                f"{path} describes chain id {record['chain_id']}, but the connected chain has id "
                f"{chain.chain_id}: pass another --deployment file, or --force to deploy afresh and overwrite it"
            )
        reason, market = _why_not_reusable(record, params, admin_address)
        if market is not None:
            if "abi" not in record:  # written before records carried ABIs
                record["abi"] = contract_abis(list(record["contracts"].values()))
                write_json_atomic(path, record)
            if save_to is not None and Path(save_to) != Path(path):
                write_json_atomic(Path(save_to), record)
            return Deployment(market, record, True, f"reused the deployment recorded in {path}")
    backend = ApeBackend(deployer)
    market = _deploy_checked(backend, params, admin_address)
    record = make_record(market, backend.names, network, backend.deployer_address())
    write_json_atomic(Path(save_to) if save_to is not None else path, record)
    return Deployment(market, record, False, f"deployed afresh: {reason}")


def _deploy_checked(backend: ApeBackend, params: MarketParams, admin: str) -> Market:
    """Run the deploy plan; a revert raises ParamsError with the contract's reason.

    On a node that can snapshot (anvil, hardhat) a failed plan is rolled back. On any
    other network the plan is first dry-run on titanoboa, so a rejected parameter set
    sends no transaction at all.
    """
    from ape import chain

    client = str(getattr(chain.provider.web3, "client_version", "")).lower()
    can_snapshot = client.startswith(("anvil", "hardhat"))
    if not can_snapshot:
        reason = dry_run_reason(params)
        if reason is not None:
            raise ParamsError(f"the contracts reject these parameters: {reason} (nothing was deployed)")
    snapshot = chain.provider.make_request("evm_snapshot", []) if can_snapshot else None
    try:
        return deploy_market(backend, params, admin)
    except Exception as exc:
        reason = revert_reason(exc)
        if snapshot is not None:
            chain.provider.make_request("evm_revert", [snapshot])
        if reason is None:
            raise
        rolled = "rolled back, nothing deployed" if snapshot is not None else "some contracts may be deployed"
        raise ParamsError(f"the contracts reject these parameters: {reason} ({rolled})") from exc


def dry_run_reason(params: MarketParams) -> str | None:
    """Deploy `params` on a scratch titanoboa chain: None if every contract accepts them,
    else the revert reason (slow: ~10 s; used before touching a real network)."""
    import boa

    from softliq.deploy import deploy_boa

    with boa.env.anchor():
        try:
            deploy_boa(params)
        except boa.BoaError as exc:
            return revert_reason(exc) or str(exc).splitlines()[0]
    return None


# ---------------------------------------------------------------- CLI building blocks


@contextmanager
def quiet_ape() -> Iterator[None]:
    """Hide ape's INFO lines (one per transaction) unless DEBUG was asked for."""
    import logging

    from ape.logging import logger

    level = logger.level
    if logging.INFO <= level < logging.WARNING:
        logger.set_level(logging.WARNING)
    try:
        yield
    finally:
        logger.set_level(level)

DEFAULT_NETWORK = "ethereum:local:foundry"
DEPLOYMENTS_DIR = Path("deployments")


def deployment_path(provider: Any, given: str | Path | None) -> Path:
    """The deployments file: `given`, else deployments/chain-<chain id>.json (the chain
    id, not the network's name: a node given by URL may be any chain)."""
    from ape import chain

    return Path(given) if given else DEPLOYMENTS_DIR / f"chain-{int(chain.chain_id)}.json"


def ephemeral_warning(provider: Any) -> str | None:
    """A warning when `provider` is a node ape started for this command (it stops when
    the command ends, and the record then describes a chain that is gone)."""
    if getattr(provider, "process", None) is None:
        return None
    return ("warning: ape started this node for this command and stops it on exit: the deployment and its "
            "record will describe a chain that no longer exists. Start a node yourself (e.g. `anvil`) and "
            "pass --network http://127.0.0.1:8545 to keep it.")


def params_callback(ctx: Any, param: Any, value: str | None) -> MarketParams:
    """Click callback of --params: MarketParams from the file (defaults without one);
    a bad file is a usage error before anything connects or starts."""
    import click

    if value is None:
        return MarketParams()
    try:
        return load_params(value)
    except ParamsError as exc:
        raise click.BadParameter(str(exc), ctx=ctx, param=param) from None


def cli_options(func: Any) -> Any:
    """The options every softliq ape script shares: --network, --params, --deployment,
    --force. Bad --params files are rejected while parsing, before any connection."""
    import click

    decorators = [
        click.option("--network", default=DEFAULT_NETWORK, show_default=True, metavar="CHOICE",
                     help="ape network choice, or the URL of a running node"),
        click.option("--params", "params", callback=params_callback, metavar="FILE",
                     help="MarketParams fields (.json or .toml); the rest keep their defaults"),
        click.option("--deployment", metavar="FILE",
                     help="deployments file [default: deployments/chain-<chain id>.json]"),
        click.option("--force", is_flag=True,
                     help="deploy afresh even if the file records a deployment (even for another chain)"),
    ]
    for decorator in reversed(decorators):
        func = decorator(func)
    return func


@contextmanager
def cli_errors(*extra: type[BaseException]) -> Iterator[None]:
    """Turn softliq's expected errors (and `extra` kinds) into a one-line message on
    stderr and exit status 2, as `softliq` does for bad input."""
    import click

    from softliq.chain_ape import ConnectError

    class InputProblem(click.ClickException):
        exit_code = 2

    try:
        yield
    except (ParamsError, DeploymentError, ConnectError, *extra) as exc:
        raise InputProblem(str(exc)) from None
