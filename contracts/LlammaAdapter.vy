# pragma version 0.4.3
"""
@title LlammaAdapter
@notice LLAMMA's bot-facing interface over one softliq AMM. An arbitrage bot written for
        Curve's LLAMMA calls views the AMM has no room for (it sits at the EIP-170 size
        limit) and expects `exchange_dy` to buy all there is when asked for more; point
        it here for those and at the AMM for everything else. Holds no coins between
        calls and has no admin.
@dev Band prices are recomputed from the AMM's public state with the AMM's own formulas
     (wad_math, band_math, the constructor's constants), so p_current_down/up equal the
     AMM's band ranges to the wei. get_amount_for_price is an estimate, as LLAMMA's is:
     it prices each band's path at the band's fees but not the AMM's last-wei roundings;
     get_dx / get_dxdy give exact figures.
"""
from ethereum.ercs import IERC20
from .modules import constants as c
from .modules import wad_math
from .modules import band_math

interface IAMM:
    def A() -> uint256: view
    def AMPLIFICATION() -> uint256: view
    def COLLATERAL_PRECISION() -> uint256: view
    def AWAY_FEE() -> uint256: view
    def coins(i: uint256) -> address: view
    def price_oracle() -> uint256: view
    def dynamic_fee() -> uint256: view
    def oracle_state() -> uint256[6]: view
    def get_base_price() -> uint256: view
    def active_band() -> int256: view
    def min_band() -> int256: view
    def max_band() -> int256: view
    def bands_x(n: int256) -> uint256: view
    def bands_y(n: int256) -> uint256: view
    def get_p() -> uint256: view
    def get_dx(i: uint256, j: uint256, out_amount: uint256) -> uint256: view
    def get_dxdy(i: uint256, j: uint256, in_amount: uint256) -> (uint256, uint256): view
    def exchange_dy(i: uint256, j: uint256, out_amount: uint256, max_amount: uint256, _for: address) -> uint256[2]: nonpayable

event TokenExchange:
    buyer: indexed(address)
    sold_id: uint256
    tokens_sold: uint256
    bought_id: uint256
    tokens_bought: uint256

struct Band:  # band n as the AMM's curve sees it now; amounts in 18 decimals
    x: uint256
    y: uint256
    sa: uint256  # sqrt of the band's price range ends (WAD)
    sb: uint256
    f: uint256  # the curve's offsets: (f + x)(g + y) = inv
    g: uint256
    inv: uint256
    p: uint256  # its price now, (f + x) / (g + y)
    lo: uint256  # its price range at p_o: all collateral ..
    hi: uint256  # .. all stablecoin
    fee: uint256  # the band's effective fee

MAX_TOUCH: constant(uint256) = 50  # the AMM's limit on bands with liquidity per swap

AMM: public(immutable(IAMM))
BORROWED_TOKEN: public(immutable(IERC20))
COLLATERAL_TOKEN: public(immutable(IERC20))
COLLATERAL_PRECISION: immutable(uint256)
LOG_A_RATIO: immutable(int256)  # ln(A / (A - 1)), WAD, as the AMM computes it
HALF_K1: immutable(int256)  # (k - 1) / 2, WAD
SB_OVER_SA: immutable(uint256)  # (A / (A - 1))**((k - 1)/2), WAD
CURVE_D: immutable(uint256)  # 1 - sa/sb, WAD


@deploy
def __init__(amm: IAMM):
    """
    @notice Serve the AMM at `amm`; its constants are read once, here.
    """
    assert amm.address != empty(address), "Adapter: zero AMM"
    AMM = amm
    BORROWED_TOKEN = IERC20(staticcall amm.coins(0))
    COLLATERAL_TOKEN = IERC20(staticcall amm.coins(1))
    COLLATERAL_PRECISION = staticcall amm.COLLATERAL_PRECISION()
    a: uint256 = staticcall amm.A()
    # the AMM constructor's own expressions, so every band edge matches it to the wei
    log_a: int256 = wad_math._ln(a * c.WAD // (a - 1))
    LOG_A_RATIO = log_a
    half_k1: int256 = (convert(staticcall amm.AMPLIFICATION(), int256) - c.IWAD) // 2
    HALF_K1 = half_k1
    ratio: uint256 = wad_math._exp(half_k1 * log_a // c.IWAD)
    SB_OVER_SA = ratio
    CURVE_D = c.WAD - c.WAD * c.WAD // ratio


# ---------------------------------------------------------------- band prices

@internal
@view
def _sa(p_o: uint256, n: int256) -> uint256:
    """
    The AMM's _sa: sqrt of band n's lowest AMM price at oracle price p_o (rounds down).
    """
    ln0: int256 = wad_math._ln(p_o * c.WAD // staticcall AMM.get_base_price())
    return isqrt(p_o * c.WAD) * wad_math._exp(HALF_K1 * (ln0 + n * LOG_A_RATIO) // c.IWAD) // c.WAD


@internal
@view
def _band(p_o: uint256, fee: uint256, n: int256) -> Band:
    """
    Band n's curve now, as the AMM's _curve builds it (same roundings).
    """
    sa: uint256 = self._sa(p_o, n)
    sb: uint256 = sa * SB_OVER_SA // c.WAD
    b: Band = empty(Band)
    b.x = staticcall AMM.bands_x(n)
    b.y = staticcall AMM.bands_y(n) * COLLATERAL_PRECISION
    l: uint256 = band_math._liquidity(b.x, b.y, sa, sb, CURVE_D)
    b.sa = sa
    b.sb = sb
    b.f = l * sa // c.WAD
    b.g = l * c.WAD // sb
    b.inv = (b.f + b.x) * (b.g + b.y)
    b.lo = sa * sa // c.WAD
    b.hi = sb * sb // c.WAD
    if b.inv != 0:
        b.p = (b.f + b.x) * c.WAD // (b.g + b.y)
    # the AMM's _band_fee: a quarter of the gap when the band's range lies away from p_o
    b.fee = fee
    if p_o < b.lo:
        b.fee = max(fee, (b.lo - p_o) * c.WAD // b.lo // 4)
    elif p_o > b.hi:
        b.fee = max(fee, (p_o - b.hi) * c.WAD // p_o // 4)
    return b


@external
@view
def p_current_down(n: int256) -> uint256:
    """
    @notice Lowest AMM price of band n at the current oracle price (WAD): the band holds
            only collateral there. LLAMMA: p_o**3 / p_oracle_up(n)**2; here k for 3.
    """
    sa: uint256 = self._sa(staticcall AMM.price_oracle(), n)
    return sa * sa // c.WAD  # rounds down, as the AMM's _curve


@external
@view
def p_current_up(n: int256) -> uint256:
    """
    @notice Highest AMM price of band n at the current oracle price (WAD): the band holds
            only stablecoin there. LLAMMA: p_o**3 / p_oracle_down(n)**2; here k for 3.
    """
    sb: uint256 = self._sa(staticcall AMM.price_oracle(), n) * SB_OVER_SA // c.WAD
    return sb * sb // c.WAD  # rounds down, as the AMM's _curve


@external
@view
def old_p_o() -> uint256:
    """
    @notice Oracle price the AMM stored at its last write (a swap, a liquidation's refresh).
    """
    return (staticcall AMM.oracle_state())[0]


@external
@view
def old_dfee() -> uint256:
    """
    @notice Oracle-move fee (WAD) the AMM stored at its last write.
    """
    return (staticcall AMM.oracle_state())[1]


@external
@view
def prev_p_o_time() -> uint256:
    """
    @notice Time of the AMM's last write.
    """
    return (staticcall AMM.oracle_state())[2]


# ---------------------------------------------------------------- amounts

@internal
@pure
def _coord(inv: uint256, pump: bool, q: uint256) -> uint256:
    """
    The input coin's curve coordinate at price q: f + x = sqrt(inv * q) when stablecoin
    goes in, g + y = sqrt(inv / q) when collateral does. Rounds down.
    """
    if pump:
        return isqrt(inv // c.WAD * q)
    return isqrt(inv // q * c.WAD)


@internal
@pure
def _gross(net: uint256, fee: uint256) -> uint256:
    return (net * c.WAD + c.WAD - fee - 1) // (c.WAD - fee)  # rounds up: input needed


@internal
@view
def _gross_of(b: Band, pump: bool, net: uint256, p_o: uint256, away_fee: uint256) -> uint256:
    """
    Input (18 decimals, fees included) that adds `net` to band b's curve coordinate. As
    in the AMM, the part past where arbitrage at p_o stops paying (p_o * (1 - fee) buying,
    p_o / (1 - fee) selling) pays the away fee.
    """
    away: uint256 = b.fee
    if away_fee != 0:
        away = max(away_fee, b.fee)
    split: uint256 = p_o * (c.WAD - b.fee) // c.WAD
    if not pump:
        split = p_o * c.WAD // (c.WAD - b.fee)
    start: uint256 = self._coord(b.inv, pump, b.p)
    cheap: uint256 = 0  # net at the toward fee
    if (pump and split > b.p) or (not pump and split < b.p):
        cheap = self._coord(b.inv, pump, split) - start
    if net <= cheap:
        return self._gross(net, b.fee)
    return self._gross(cheap, b.fee) + self._gross(net - cheap, away)


@internal
@view
def _price_after(b: Band, pump: bool, net: uint256, gross: uint256) -> uint256:
    """
    Band b's price once a swap moved its curve coordinate by `net` and left all of
    `gross` (the fee stays in the band, so the band's curve grows).
    """
    x: uint256 = 0
    y: uint256 = 0
    if pump:
        x = b.x + gross
        y = b.inv // (b.f + b.x + net) - min(b.g, b.inv // (b.f + b.x + net))
    else:
        y = b.y + gross
        x = b.inv // (b.g + b.y + net) - min(b.f, b.inv // (b.g + b.y + net))
    l: uint256 = band_math._liquidity(x, y, b.sa, b.sb, CURVE_D)
    return (l * b.sa // c.WAD + x) * c.WAD // (l * c.WAD // b.sb + y)


@internal
@view
def _cost(b: Band, pump: bool, target: uint256, p_o: uint256, away_fee: uint256) -> uint256:
    """
    Input (18 decimals, fees included) that moves band b's price from b.p to `target`:
    to the band's edge, as the AMM's take-all; inside the band, found by bisection on the
    price the band shows afterwards (its kept fees included).
    """
    end: uint256 = 0
    if pump:
        end = (b.inv + b.g - 1) // b.g  # the AMM's take-all: the output coin's side at 0
    else:
        end = (b.inv + b.f - 1) // b.f
    if target != b.hi and target != b.lo:
        end = self._coord(b.inv, pump, target)
    start: uint256 = b.f + b.x
    if not pump:
        start = b.g + b.y
    if end <= start:
        return 0
    net: uint256 = end - start
    if target == b.hi or target == b.lo:
        gross: uint256 = self._gross_of(b, pump, net, p_o, away_fee)
        return gross + gross // 10**9 + 1  # rounds up: past the AMM's own take-all
    lo: uint256 = 0  # the kept fee moves the price further than the curve: net <= end - start
    for _k: uint256 in range(96):
        if lo >= net:
            break
        mid: uint256 = (lo + net) // 2
        after: uint256 = self._price_after(b, pump, mid, self._gross_of(b, pump, mid, p_o, away_fee))
        if (pump and after >= target) or (not pump and after <= target):
            net = mid
        else:
            lo = mid + 1
    return self._gross_of(b, pump, net, p_o, away_fee)


@external
@view
def get_amount_for_price(p: uint256) -> (uint256, bool):
    """
    @notice Input that moves the AMM's price (get_p) to `p` now: stablecoin when `pump`
            (p above the price), else collateral (token units); fees included. Past the
            last band with liquidity, the input that reaches it. An estimate (see @dev).
    @return (amount, pump)
    """
    assert p > 0, "Adapter: zero price"
    p_o: uint256 = staticcall AMM.price_oracle()
    fee: uint256 = staticcall AMM.dynamic_fee()
    away_fee: uint256 = staticcall AMM.AWAY_FEE()
    pump: bool = p > staticcall AMM.get_p()
    n: int256 = staticcall AMM.active_band()
    lo: int256 = staticcall AMM.min_band()
    hi: int256 = staticcall AMM.max_band()
    total: uint256 = 0
    touched: uint256 = 0
    for _i: uint256 in range(1074):
        b: Band = self._band(p_o, fee, n)
        if b.inv != 0:
            total += self._cost(b, pump, max(min(p, b.hi), b.lo), p_o, away_fee)
            touched += 1
        if (pump and p <= b.hi) or (not pump and p >= b.lo) or touched == MAX_TOUCH:
            break  # p lies in this band's range (or before it): the walk ends here
        if pump:
            if n >= hi:
                break
            n += 1
        else:
            if n <= lo:
                break
            n -= 1
    if pump:
        return total, pump
    return (total + COLLATERAL_PRECISION - 1) // COLLATERAL_PRECISION, pump  # rounds up


# ---------------------------------------------------------------- buying all there is

@internal
@view
def _fillable(i: uint256, j: uint256, out_amount: uint256) -> uint256:
    """
    `out_amount`, or less if one swap cannot give it: all of coin j that the bands one
    swap may walk hold (the AMM's walk: from the active band, at most MAX_TOUCH bands).
    """
    assert (i == 0 and j == 1) or (i == 1 and j == 0), "Adapter: wrong coin index"
    if staticcall AMM.get_dx(i, j, out_amount) != max_value(uint256):
        return out_amount
    n: int256 = staticcall AMM.active_band()
    lo: int256 = staticcall AMM.min_band()
    hi: int256 = staticcall AMM.max_band()
    there: uint256 = 0
    touched: uint256 = 0
    for _i: uint256 in range(1074):
        held: uint256 = 0
        if i == 0:
            held = staticcall AMM.bands_y(n)
        else:
            held = staticcall AMM.bands_x(n)
        if held != 0:
            there += held
            touched += 1
            if touched == MAX_TOUCH:
                break
        if i == 0:
            if n >= hi:
                break
            n += 1
        else:
            if n <= lo:
                break
            n -= 1
    return min(there, out_amount)


@external
@view
def get_dydx(i: uint256, j: uint256, out_amount: uint256) -> (uint256, uint256):
    """
    @notice What `exchange_dy(i, j, out_amount, ...)` here would do now: (output received,
            input paid). Asked for more than one swap can give, it buys all there is.
    """
    out: uint256 = self._fillable(i, j, out_amount)
    if out == 0:
        return 0, 0
    used: uint256 = 0
    got: uint256 = 0
    used, got = staticcall AMM.get_dxdy(i, j, staticcall AMM.get_dx(i, j, out))
    return got, used


@external
@nonreentrant
def exchange_dy(i: uint256, j: uint256, out_amount: uint256, max_amount: uint256, _for: address = msg.sender) -> uint256[2]:
    """
    @notice Buy `out_amount` of coin j, or all one swap can give if that is less, paying
            at most `max_amount` of coin i (approved to this adapter). The coins bought go
            to `_for`; nothing to buy, nothing happens.
    @return [input paid, output received]
    """
    out: uint256 = self._fillable(i, j, out_amount)
    if out == 0:
        return [0, 0]
    dx: uint256 = staticcall AMM.get_dx(i, j, out)
    assert dx <= max_amount, "Adapter: slippage"
    coin_in: IERC20 = BORROWED_TOKEN
    if i == 1:
        coin_in = COLLATERAL_TOKEN
    assert extcall coin_in.transferFrom(msg.sender, self, dx, default_return_value=True), "Adapter: transfer in failed"
    assert extcall coin_in.approve(AMM.address, dx, default_return_value=True), "Adapter: approve failed"
    done: uint256[2] = extcall AMM.exchange_dy(i, j, out, dx, _for)
    if done[0] < dx:  # the AMM takes exactly its quote; never keep a remainder
        assert extcall coin_in.approve(AMM.address, 0, default_return_value=True), "Adapter: approve failed"
        assert extcall coin_in.transfer(msg.sender, dx - done[0], default_return_value=True), "Adapter: refund failed"
    log TokenExchange(buyer=msg.sender, sold_id=i, tokens_sold=done[0], bought_id=j, tokens_bought=done[1])
    return done
