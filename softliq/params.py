"""Market parameters with documented defaults."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

WAD = 10**18
GWEI = 10**9

# ---- what keepers are paid: the defaults of tip, chip and min_debt (docs/design.md,
# "Liquidation v2"). A liquidation pays its keeper tip + chip * tab out of the penalty it
# books; min_debt is the smallest debt whose liquidation still pays at the design gas
# price, so that no loan is too small to be worth liquidating there.
DEFAULT_TIP = 25 * WAD
"""Flat keeper reward: a share of the gas every liquidation costs whatever its size."""
DEFAULT_CHIP = 10**16
"""1% of the tab: half of the tier-1 penalty, a fifth of the tier-2 one."""
LIQUIDATION_GAS_REF = 400_000
"""Gas of a tier-2 liquidation of an N = 10 position when min_debt was set (402,740,
rounded down; bench/results/gas.json's liquidate_tier2 is 181,670 now). Kept: it covers
positions over about 20 bands at the design gas price, where 280,000 would cover 10."""
GAS_PRICE_REF = 40 * GWEI
"""The design gas price (wei per gas): up to it, liquidating a min_debt loan pays."""
LIQUIDATION_GAS_PER_BAND = 13_000
"""Gas a liquidation costs per band of the position, rounded up from bench/gas.py's
costliest N = 10 to N = 50 slope: 11,827 to a position every band of which a swap has
reached (liquidate_tier2_n50_walked); bands no swap reached cost far less (tier 1:
4,712; tier 2: 1,334). tests/bench checks it still bounds the measured slopes.
min_debt_per_band follows from it."""
LIQUIDATION_GAS_FIXED = 170_000
"""Gas a liquidation costs besides its bands: with LIQUIDATION_GAS_PER_BAND an upper
bound of bench/gas.py's single liquidations at N = 10 and 50, both tiers (tests/bench
checks it); the liquidator keeper estimates its gas with liquidation_gas."""


def liquidation_gas(n_bands: int) -> int:
    """Upper estimate of the gas of liquidating one position over `n_bands` bands alone
    (in a liquidate_many each costs less: the oracle, the policy and the reward are read
    and paid once)."""
    return LIQUIDATION_GAS_FIXED + LIQUIDATION_GAS_PER_BAND * n_bands


SMALL_LOANS: dict[str, int] = {"min_debt": 100 * WAD, "min_debt_per_band": 0, "tip": WAD, "chip": 10**15}
"""Liquidation parameters for markets of small loans (a few collateral units, as the
test suites and the fuzz campaigns open): min_debt 100 whatever N, tip 1, chip 0.1%.
With the defaults such loans could not be opened (below min_debt) or would always go
tier 2."""


def liquidation_reward(debt: int, tip: int, chip: int, penalty_tier2: int) -> int:
    """What liquidating a whole loan of `debt` pays its keeper: tip + chip * tab, the
    tab being the debt with the tier-2 penalty (Policy.keeper_reward; rounds down)."""
    return tip + chip * (debt * (WAD + penalty_tier2) // WAD) // WAD


def min_debt_paying(gas: int, gas_price: int, native_price: int, tip: int, chip: int, penalty_tier2: int) -> int:
    """Smallest debt (stablecoin wei, rounded up to a whole 1,000) whose liquidation
    reward covers `gas` at `gas_price` (wei per gas) with the chain's native token worth
    `native_price` (stablecoin per token, WAD)."""
    cost = gas * gas_price * native_price // WAD
    per_debt = chip * (WAD + penalty_tier2) // WAD  # reward per unit of debt (WAD)
    debt = max(cost - tip, 0) * WAD // per_debt + 1
    step = 1000 * WAD
    return -(-debt // step) * step


def min_debt_per_band_paying(gas_per_band: int, gas_price: int, native_price: int, chip: int, penalty_tier2: int) -> int:
    """Debt per band (stablecoin wei, rounded up to a whole 10) whose chip pays for the
    gas a liquidation spends on one band, `gas_per_band` at `gas_price` with the native
    token worth `native_price`: with min_debt_for(N) = max(min_debt, N * this), the part
    of a wide loan's liquidation that grows with N pays for itself and the tip for the
    rest (docs/design.md, "Liquidation v2")."""
    cost = gas_per_band * gas_price * native_price // WAD
    per_debt = chip * (WAD + penalty_tier2) // WAD  # reward per unit of debt (WAD)
    debt = cost * WAD // per_debt + 1
    step = 10 * WAD
    return -(-debt // step) * step


def break_even_gas_price(debt: int, gas: int, native_price: int, tip: int, chip: int, penalty_tier2: int) -> int:
    """The gas price (wei per gas) up to which liquidating a loan of `debt` with `gas`
    pays its keeper (native token worth `native_price`)."""
    return liquidation_reward(debt, tip, chip, penalty_tier2) * WAD // (gas * native_price)



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
    min_debt: int = min_debt_paying(LIQUIDATION_GAS_REF, GAS_PRICE_REF, 3000 * WAD, DEFAULT_TIP, DEFAULT_CHIP, 5 * 10**16)
    """Smallest loan (3,000 with the defaults: the smallest whose liquidation pays at
    GAS_PRICE_REF with collateral at 3000; it pays up to 47 gwei); a liquidation that
    would leave less is taken whole, and a tier-1 liquidation sends at least this much
    to auction."""
    min_debt_per_band: int = min_debt_per_band_paying(LIQUIDATION_GAS_PER_BAND, GAS_PRICE_REF, 3000 * WAD, DEFAULT_CHIP, 5 * 10**16)
    """Per-band part of the smallest loan (150 with the defaults): a loan over N bands
    needs at least max(min_debt, N * min_debt_per_band), 7,500 at N = 50, because its
    liquidation costs LIQUIDATION_GAS_PER_BAND more gas per band. 0 turns it off."""
    tip: int = DEFAULT_TIP
    """Flat keeper reward per liquidation or re-pricing (stablecoin)."""
    chip: int = DEFAULT_CHIP
    """Keeper reward per unit of tab (1%)."""
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
    """A parameters file or a set of parameters is unusable (message names the field)."""


RAW_WAD_FROM = 10**12
"""A WAD field given as an integer this large or larger is taken as its raw WAD value
(as files written before human units were); smaller numbers are in human units."""

UNITS: dict[str, str] = {
    "price": "amount", "collateral_decimals": "int", "A": "int", "amplification": "factor",
    "fee": "fraction", "oracle_fee_window": "duration", "away_fee": "fraction", "swing_factor": "factor",
    "swing_time": "duration", "loan_discount": "fraction", "liquidation_discount": "fraction",
    "debt_ceiling": "amount", "rate": "rate", "penalty_tier1": "fraction", "penalty_tier2": "fraction",
    "target_health": "fraction", "min_debt": "amount", "min_debt_per_band": "amount", "tip": "amount", "chip": "fraction",
    "max_in_auction": "amount", "auction_curve": "curve", "auction_curve_a": "curve_a",
    "auction_curve_b": "duration", "auction_buf": "factor", "auction_tail": "duration",
    "auction_cusp": "factor", "auction_chost": "amount", "ema_time": "duration",
    "stablecoin_name": "str", "stablecoin_symbol": "str",
}
"""The unit each MarketParams field is written in (docs/cli.md, params/defaults.toml):
amount: stablecoin or price, e.g. 3000; fraction: 0.006 or "0.6%"; factor: a plain
number, e.g. 1.2; duration: 120, "120s", "45m", "1h", "2d"; rate: "2% APY" or per-second
WAD; curve: "linear", "stairstep", "exponential" (or 0, 1, 2); curve_a: tau as a
duration for the linear curve, else the cut per step as a factor (0.99)."""
CURVES = ("linear", "stairstep", "exponential")
MAX_UINT256 = 2**256 - 1


def _wad(value: Any, field: str, kind: str) -> int:
    """A WAD field's raw value from human units (or a raw WAD integer, see RAW_WAD_FROM)."""
    from softliq import units

    if isinstance(value, int) and not isinstance(value, bool) and value >= RAW_WAD_FROM:
        return value
    number = units.fraction(value, field) if kind in ("fraction", "factor") else units.decimal(value, field)
    return units.to_wad(number, field)


def _curve(value: Any, field: str) -> int:
    if isinstance(value, str) and value.lower() in CURVES:
        return CURVES.index(value.lower())
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < len(CURVES):
        return value
    raise ParamsError(f"{field} must be one of {', '.join(CURVES)} (or 0, 1, 2), got {value!r}")


def _convert(field: str, value: Any, curve: int) -> Any:
    """One field's raw MarketParams value from the file's value."""
    from softliq import units

    kind = UNITS[field]
    if kind == "str":
        if not isinstance(value, str):
            raise ParamsError(f"{field} must be a string, got {value!r}")
        return value
    if kind == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            raise ParamsError(f"{field} must be an integer, got {value!r}")
        return value
    if kind == "duration":
        return units.duration(value, field)
    if kind == "rate":
        return units.per_second_rate(value, field)
    if kind == "curve":
        return _curve(value, field)
    if kind == "curve_a":
        return units.duration(value, field) if curve == 0 and not (isinstance(value, int) and value >= RAW_WAD_FROM) \
            else _wad(value, field, "factor")
    return _wad(value, field, kind)


def params_from_dict(values: dict[str, Any], source: str = "parameters", base: MarketParams | None = None) -> MarketParams:
    """MarketParams from `values` in human units (a subset of its fields; the rest keep
    `base`'s values, by default the documented defaults), checked against the contracts'
    bounds (`check_bounds`). ParamsError names the first field that is unknown, not in
    its unit, or out of range."""
    from softliq.units import UnitError

    if not isinstance(values, dict):
        raise ParamsError(f"{source}: expected a table of MarketParams fields, got {type(values).__name__}")
    unknown = sorted(set(values) - set(UNITS))
    if unknown:
        raise ParamsError(f"{source}: unknown parameter(s) {', '.join(unknown)}; known: {', '.join(UNITS)}")
    base = base or MarketParams()
    raw: dict[str, Any] = {}
    try:
        curve = _curve(values.get("auction_curve", base.auction_curve), "auction_curve")
        for name, value in values.items():
            raw[name] = _convert(name, value, curve)
            if isinstance(raw[name], int) and not 0 <= raw[name] <= MAX_UINT256:
                raise ParamsError(f"{name} = {value} is out of range (0 .. 2**256-1)")
        params = base.with_(**raw)
        check_bounds(params)
    except (ParamsError, UnitError) as error:
        raise ParamsError(f"{source}: {error}") from None
    return params


def load_params(path: str | Path, base: MarketParams | None = None) -> MarketParams:
    """MarketParams from a .toml or .json file of field values (see params_from_dict)."""
    import json
    import tomllib

    path = Path(path)
    if not path.is_file():
        raise ParamsError(f"{path}: no such parameters file")
    if path.suffix not in (".json", ".toml"):
        raise ParamsError(f"{path}: parameters file must end in .json or .toml")
    text = path.read_text()
    try:
        values = json.loads(text) if path.suffix == ".json" else tomllib.loads(text)
    except (json.JSONDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ParamsError(f"{path}: not valid {path.suffix[1:].upper()}: {exc}") from None
    return params_from_dict(values, str(path), base)


def _duration_text(seconds: int) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{seconds // size} {unit}"
    return f"{seconds} s"


def human(field: str, value: Any, curve: int = 1) -> str:
    """A raw MarketParams value in its field's unit (UNITS), as a file would write it:
    6 * 10**15 fee -> "0.6%", 120 oracle_fee_window -> "2 m", a rate as its APY.
    `curve` (auction_curve) tells what auction_curve_a is."""
    kind = UNITS.get(field, "str")
    if not isinstance(value, int) or isinstance(value, bool) or kind in ("str", "int"):
        return f"{value:,}" if kind == "int" and isinstance(value, int) and value >= 10_000 else str(value)
    if kind == "amount":
        return f"{value // WAD:,}" if value % WAD == 0 else f"{value / WAD:,.6g}"
    if kind == "fraction":
        return f"{value * 100 / WAD:g}%"
    if kind == "duration" or (kind == "curve_a" and curve == 0):
        return _duration_text(value)
    if kind == "rate":
        return f"{(1 + value / WAD) ** (365 * 86400) - 1:.2%} APY" if value else "0"
    if kind == "curve":
        return CURVES[value] if 0 <= value < len(CURVES) else str(value)
    return f"{value / WAD:g}"


def human_params(params: MarketParams) -> list[tuple[str, str, str]]:
    """(field, value in its unit, unit kind) for every field of `params`."""
    return [(f.name, human(f.name, getattr(params, f.name), params.auction_curve), UNITS[f.name]) for f in fields(MarketParams)]


# ---------------------------------------------------------------- the contracts' bounds
# Mirrors the constructor and setter checks of contracts/ (constants.vy, AMM, Controller,
# LiquidationPolicy, Auction, price_curves, EmaOracle); tests/tooling/test_params.py
# deploys each edge to keep the two in step.

MAX_AMOUNT = 2**128 - 1
MAX_RATE = 43959106799
MAX_DURATION = 10 * 365 * 86400
"""price_curves: the longest linear tau or stairstep step (seconds)."""
MIN_FEE, MAX_FEE = 10**6, 10**17
"""AMM base fee (WAD); the AMM also caps it at 4/A (`max_amm_fee`)."""
MIN_LIQUIDATION_DISCOUNT = 10**16
MAX_LOAN_DISCOUNT = 5 * 10**17
MIN_DISCOUNT_GAP = 10**15
"""loan_discount - liquidation_discount, at least."""
MAX_PENALTY = 3 * WAD // 10
"""LiquidationPolicy: penalty_tier2 at most (penalty_tier1 < liquidation_discount)."""
MAX_TARGET_HEALTH = WAD // 2
MAX_MIN_DEBT = 10**9 * WAD
MAX_TICKS = 50
"""The widest loan (bands)."""
MAX_MIN_DEBT_PER_BAND = MAX_MIN_DEBT // MAX_TICKS
"""LiquidationPolicy.set_min_debt_per_band: at most this (a 50-band loan then needs at
most MAX_MIN_DEBT); 0 turns the per-band minimum off."""
MAX_CHIP = WAD // 10
BUF_RANGE = (WAD, 2 * WAD)
"""Auction.set_params: buf, tail (seconds), cusp in these closed ranges; chost <= MAX_CHOST."""
TAIL_RANGE = (60, 7 * 86400)
CUSP_RANGE = (WAD // 100, 99 * WAD // 100)
MAX_CHOST = 10**9 * WAD
MAX_BREAKER_LEVEL = 3
"""Auction.set_stopped: 0 none .. 3 no takes."""
MAX_CUT = WAD
"""price_curves: the stairstep / exponential cut per step is in (0, MAX_CUT]."""


def max_amm_fee(A: int) -> int:
    """The AMM's MAX_BASE_FEE for band density `A`: min(10%, 4/A)."""
    return min(MAX_FEE, 4 * WAD // A) if A > 0 else 0


def _bounds(p: MarketParams) -> list[tuple[str, bool, str]]:
    """(field, holds, rule) for every bound the contracts enforce at deployment."""
    max_fee = max_amm_fee(p.A)
    largest_tab = p.min_debt * (WAD + p.penalty_tier2) // WAD
    curve_a_ok = 0 < p.auction_curve_a <= (MAX_DURATION if p.auction_curve == 0 else MAX_CUT)
    curve_b_ok = (0 < p.auction_curve_b <= MAX_DURATION) if p.auction_curve == 1 else p.auction_curve_b == 0
    return [
        ("price", 0 < p.price <= MAX_AMOUNT, "must be > 0"),
        ("collateral_decimals", p.collateral_decimals <= 18, "must be at most 18"),
        ("A", 10 <= p.A <= 10_000, "must be in [10, 10000]"),
        ("amplification", 11 * 10**17 <= p.amplification <= 3 * WAD, "must be in [1.1, 3]"),
        ("fee", MIN_FEE <= p.fee <= max_fee, f"must be in [1e-12, min(10%, 4/A) = {max_fee / WAD:.4%}]"),
        ("oracle_fee_window", 12 <= p.oracle_fee_window <= 600, "must be in [12s, 600s]"),
        ("away_fee", p.away_fee == 0 or 10**6 <= p.away_fee <= 5 * 10**17, "must be 0 or in [1e-12, 50%]"),
        ("swing_factor", p.swing_factor <= WAD, "must be at most 1"),
        ("swing_time", 60 <= p.swing_time <= 86400, "must be in [60s, 1d]"),
        ("liquidation_discount", p.liquidation_discount >= MIN_LIQUIDATION_DISCOUNT, "must be at least 1%"),
        ("loan_discount", p.loan_discount <= MAX_LOAN_DISCOUNT, "must be at most 50%"),
        ("loan_discount", p.loan_discount >= p.liquidation_discount + MIN_DISCOUNT_GAP,
         "must exceed liquidation_discount by at least 0.1%"),
        ("rate", p.rate <= MAX_RATE, f"must be at most {MAX_RATE} per second (~300% APY)"),
        ("penalty_tier1", 0 < p.penalty_tier1 < p.liquidation_discount, "must be in (0, liquidation_discount)"),
        ("penalty_tier2", p.penalty_tier1 < p.penalty_tier2 <= MAX_PENALTY, "must be in (penalty_tier1, 30%]"),
        ("target_health", 0 < p.target_health <= MAX_TARGET_HEALTH, "must be in (0, 50%]"),
        ("min_debt", 0 < p.min_debt <= MAX_MIN_DEBT, "must be in (0, 1e9]"),
        ("min_debt_per_band", p.min_debt_per_band <= MAX_MIN_DEBT_PER_BAND, "must be in [0, 2e7]"),
        ("chip", p.chip <= MAX_CHIP, "must be at most 10%"),
        ("max_in_auction", p.max_in_auction >= p.min_debt, "must be at least min_debt"),
        ("tip", p.tip + p.chip * largest_tab // WAD < p.penalty_tier1 * p.min_debt // WAD,
         "tip + chip * min_debt * (1 + penalty_tier2) must stay below penalty_tier1 * min_debt"),
        ("auction_curve_a", curve_a_ok, "must be in (0, 10 years] for linear, (0, 1] otherwise"),
        ("auction_curve_b", curve_b_ok, "must be in (0, 10 years] for stairstep, 0 otherwise"),
        ("auction_buf", BUF_RANGE[0] <= p.auction_buf <= BUF_RANGE[1], "must be in [1, 2]"),
        ("auction_tail", TAIL_RANGE[0] <= p.auction_tail <= TAIL_RANGE[1], "must be in [60s, 7d]"),
        ("auction_cusp", CUSP_RANGE[0] <= p.auction_cusp <= CUSP_RANGE[1], "must be in [0.01, 0.99]"),
        ("auction_chost", p.auction_chost <= MAX_CHOST, "must be at most 1e9"),
        ("ema_time", p.ema_time == 0 or 60 <= p.ema_time <= 86400, "must be 0 (no EMA) or in [60s, 1d]"),
    ]


def check_bounds(params: MarketParams) -> MarketParams:
    """`params` if the contracts would accept them; ParamsError naming the first field
    out of bounds otherwise (before any chain is touched)."""
    for field, holds, rule in _bounds(params):
        if not holds:
            raise ParamsError(f"{field} = {getattr(params, field)} {rule}")
    return params
