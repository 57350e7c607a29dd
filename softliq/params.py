"""Market parameters with documented defaults."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

WAD = 10**18


@dataclass(frozen=True)
class MarketParams:
    """Every parameter of one softliq market. All prices and fractions are WAD.

    Defaults describe an ETH-like market: 18-decimal collateral at 3000, A = 100
    (1% bands), amplification 1.2, a 0.01% base fee, 9% loan discount and 6%
    liquidation discount (LLAMMA's test parameters), no interest. Amplification 1.2,
    a 0.01% fee, a 10% away fee and a 0.1 swing factor are softliq's own choice:
    measured by bench/econ.py, they cut borrower losses on every V-shape, crash and
    oscillation we run to well under LLAMMA's (k = 3, fee 0.6%), and make a trader who
    knows the next oracle update lose (docs/design.md, "AMM economics v2").
    """

    price: int = 3000 * WAD
    """Oracle price at deployment; also the top of band 0 (the AMM's base price)."""
    collateral_decimals: int = 18
    """Decimals of the test collateral token (6, 8 and 18 are tested)."""
    A: int = 100
    """Band density: each band spans a factor (A-1)/A of oracle price."""
    amplification: int = 12 * WAD // 10
    """k: inside a band the AMM price moves as p_o**k (LLAMMA: 3). Lower k hands
    arbitrageurs less per oracle step."""
    fee: int = 10**14
    """Base swap fee (0.01%), kept in the bands for their owners."""
    oracle_fee_window: int = 12
    """Seconds over which the fee charged after an oracle move decays (LLAMMA: 120).
    One block: it stops a sandwich of the oracle update within a block; a longer window
    delays conversion, which bench/econ.py shows costs borrowers more."""
    away_fee: int = 10**17
    """Fee (10%) on the part of a trade that moves a band's price away from the oracle
    price: buying collateral above p_o or selling it below. Arbitrage never does that; a
    trader who knows the next oracle update would, and then sell back after it. 10% makes
    that round trip lose for any update up to (1.1)**(1/k) - 1 (8.3% at k = 1.2).
    0 turns it off (LLAMMA has none)."""
    swing_factor: int = 10**17
    """Swing fee per unit of the oracle's earlier reversals (0.1): once the oracle has
    turned more than once lately, every trade pays 0.1 times the size of the earlier
    turns (at most 1%), so conversions a swing back would undo wait. A one-way move or a
    single turn pays nothing. 0 turns it off."""
    swing_time: int = 600
    """Seconds over which oracle reversals are forgotten (the swing memory decays as
    T / (T + dt))."""
    loan_discount: int = 9 * 10**16
    """Haircut on collateral value when borrowing."""
    liquidation_discount: int = 6 * 10**16
    """Haircut on collateral value when judging health; below loan_discount."""
    debt_ceiling: int = 10**9 * WAD
    """Most stablecoin the market may have outstanding."""
    rate: int = 0
    """Borrow rate per second (WAD); 634195839 is about 2% APY."""
    penalty_tier1: int = 2 * 10**16
    """Liquidation penalty when only part of a position is sold (tier 1), below the
    liquidation discount."""
    penalty_tier2: int = 5 * 10**16
    """Liquidation penalty when the whole position is sold (tier 2)."""
    target_health: int = 5 * 10**16
    """Health a tier-1 liquidation restores the rest of the position to."""
    min_debt: int = 100 * WAD
    """Smallest loan; a liquidation that would leave less is taken whole."""
    tip: int = WAD
    """Flat keeper reward per liquidation or re-pricing (stablecoin)."""
    chip: int = 10**15
    """Keeper reward per unit of tab (0.1%)."""
    max_in_auction: int = 10**7 * WAD
    """Cap on the total tab of live auctions: selling is spread over time."""
    auction_curve: int = 1
    """Price curve: 0 linear, 1 stairstep-exponential, 2 exponential."""
    auction_curve_a: int = 99 * 10**16
    """Curve parameter a: linear tau (s), or the cut per step/second (WAD)."""
    auction_curve_b: int = 90
    """Curve parameter b: the stairstep's step (s)."""
    auction_buf: int = 11 * 10**17
    """Auctions start at the oracle price times buf."""
    auction_tail: int = 3 * 3600
    """Seconds after which an auction must be re-priced."""
    auction_cusp: int = 6 * 10**17
    """Price / top below which an auction must be re-priced."""
    auction_chost: int = 100 * WAD
    """Dust floor: a partial take may not leave a tab below this."""
    ema_time: int = 0
    """If non-zero, the AMM reads an EmaOracle with this time constant (seconds)
    over the settable oracle; 0 means the AMM reads the settable oracle directly."""
    stablecoin_name: str = "softliq USD"
    stablecoin_symbol: str = "slUSD"

    def with_(self, **changes: object) -> "MarketParams":
        """A copy with some fields changed."""
        return replace(self, **changes)  # type: ignore[arg-type]


# ---------------------------------------------------------------- parameter files


class ParamsError(ValueError):
    """A parameters file or a set of parameters is unusable (message says why)."""


_PARAM_TYPES: dict[str, type] = {f.name: (str if f.type in (str, "str") else int) for f in fields(MarketParams)}
MAX_UINT256 = 2**256 - 1


def params_from_dict(values: dict[str, Any], source: str = "parameters") -> MarketParams:
    """MarketParams from `values` (a subset of its fields; the rest keep their documented
    defaults). Unknown fields, wrong types and negative or oversized integers raise
    ParamsError naming the field. Range rules between fields are the contracts' (see
    `dry_run_reason`)."""
    if not isinstance(values, dict):
        raise ParamsError(f"{source}: expected a table of MarketParams fields, got {type(values).__name__}")
    unknown = sorted(set(values) - set(_PARAM_TYPES))
    if unknown:
        raise ParamsError(f"{source}: unknown parameter(s) {', '.join(unknown)}; known: {', '.join(_PARAM_TYPES)}")
    for name, value in values.items():
        kind = _PARAM_TYPES[name]
        if kind is int and (isinstance(value, bool) or not isinstance(value, int)):
            raise ParamsError(f"{source}: {name} must be an integer (WAD-scaled where fractional), got {value!r}")
        if kind is str and not isinstance(value, str):
            raise ParamsError(f"{source}: {name} must be a string, got {value!r}")
        if kind is int and not 0 <= value <= MAX_UINT256:
            raise ParamsError(f"{source}: {name} = {value} is out of range (0 .. 2**256-1)")
    return MarketParams(**values)


def load_params(path: str | Path) -> MarketParams:
    """MarketParams from a .json or .toml file of field values (see params_from_dict)."""
    import json
    import tomllib

    path = Path(path)
    if not path.is_file():
        raise ParamsError(f"{path}: no such parameters file")
    text = path.read_text()
    try:
        if path.suffix == ".json":
            values = json.loads(text)
        elif path.suffix == ".toml":
            values = tomllib.loads(text)
        else:
            raise ParamsError(f"{path}: parameters file must end in .json or .toml")
    except (json.JSONDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ParamsError(f"{path}: not valid {path.suffix[1:].upper()}: {exc}") from None
    return params_from_dict(values, str(path))
