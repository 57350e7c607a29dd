# pragma version 0.4.3
# pragma optimize codesize
"""
@title AMM
@notice Band AMM of softliq: holds every borrower's collateral in price bands and lets
        anyone swap against them. Swaps are how soft liquidation happens: as the oracle
        price falls through a band, arbitrageurs buy that band's collateral for
        stablecoin; when the price comes back, they sell it back (de-liquidation).
@dev Glossary
     x            stablecoin (coin 0, the borrowed coin), 18 decimals
     y            collateral (coin 1); stored in its own units, normalised to 18
                  decimals (times COLLATERAL_PRECISION) inside the math
     p_o          oracle price, stablecoin per collateral, WAD
     A            band density: each band spans a factor (A-1)/A of oracle price
     band n       oracle-price range [p_oracle_down(n), p_oracle_up(n)];
                  p_oracle_up(n) = base_price * ((A-1)/A)**n; higher n = lower price
     base_price   BASE_PRICE * rate_mul: accrued interest lifts the whole grid
     k            AMPLIFICATION: inside band n the AMM price range is
                  [p_o**k/p_up**(k-1), p_o**k/p_down**(k-1)] (LLAMMA: k = 3)
     sa, sb       square roots of those range ends (WAD)
     L            liquidity of a band: (L*sa + x)(L/sb + y) = L**2
     active band  where trading happens now; bands above it (lower n) hold only x,
                  bands below it (higher n) hold only y
     shares       per-band ownership; DEAD_SHARES virtual shares make pumping futile
     x_down       stablecoin a position would hold after the price walked down through
                  all its bands, a lower bound: each band's collateral is valued at the
                  band's bottom price
     y_up         collateral a position would hold after the price walked up through all
                  its bands, a lower bound: stablecoin rebuys at the band's top price
     fee          base fee on the input, kept in the band (borrowers earn it); the
                  effective fee is the max of it, the oracle-move fee and the band's
                  dynamic fee
     swing fee    after the oracle reversed direction more than once lately (it
                  oscillates), every trade pays SWING_FACTOR times the size of the
                  earlier reversals (decaying over SWING_TIME): conversions that the
                  next swing would undo wait. One-way moves and a single turn (a V)
                  pay nothing extra
     toward/away  a trade moves a band's price toward p_o (what arbitrage does after the
                  oracle moved) or away from it (buying above p_o, selling below it:
                  only worth it to someone who expects p_o to move next). Each band's
                  part of a trade is split where arbitrage at p_o stops paying
                  (p_o * (1 - fee) buying, p_o / (1 - fee) selling): the toward part
                  pays the effective fee, the away part at least AWAY_FEE
     exchange i=0 stablecoin in, collateral out: walks n upwards
     exchange i=1 collateral in, stablecoin out: walks n downwards
"""
from ethereum.ercs import IERC20
from ethereum.ercs import IERC20Detailed
from .interfaces import IPriceOracle
from .modules import constants as c
from .modules import wad_math
from .modules import band_math

event TokenExchange:
    buyer: indexed(address)
    sold_id: uint256
    tokens_sold: uint256
    bought_id: uint256
    tokens_bought: uint256

event Deposit:
    provider: indexed(address)
    amount: uint256
    n1: int256
    n2: int256

event Withdraw:
    provider: indexed(address)
    amount_borrowed: uint256
    amount_collateral: uint256

event SetRate:
    rate: uint256
    rate_mul: uint256
    time: uint256

event SetFee:
    fee: uint256

event SetAdmin:
    admin: indexed(address)

struct OracleState:  # one slot: p_o (128 bits) | dfee (60) | time (34) | dir (2) | swing (16) | last (16)
    p_o: uint256
    dfee: uint256
    time: uint256
    dir: uint256  # direction of the last oracle move between writes: 0 none, 1 up, 2 down
    swing: uint256  # reversals before the last one, summed and decaying (SWING_UNIT)
    last: uint256  # the last reversal's size, decaying (SWING_UNIT)

struct RateState:  # stored in one slot: rate_mul (128 bits) | rate (64) | time (64)
    rate_mul: uint256
    rate: uint256
    time: uint256

struct BandRange:  # one slot: active | min | max | virgin, each int32 offset by 2**31 | carry (128 bits)
    active: int256
    lo: int256  # lowest band that may hold liquidity
    hi: int256  # highest band that may hold liquidity
    virgin: int256  # V: bands n >= V no swap has reached (lazy; see the glossary); V > active
    carry: uint256  # W(V): the pending withdrawal entering band V

struct Ctx:
    p_o: uint256
    sqrt_po: uint256
    ln0: int256  # ln(p_o / p_oracle_up(0)), WAD
    fee: uint256  # max(base fee, oracle-move fee)

struct Curve:  # band n's curve now: (f + x)(g + y) = inv, and its effective fee
    f: uint256
    g: uint256
    inv: uint256
    fee: uint256
    p_lo: uint256  # the band's price range at p_o: all collateral ..
    p_hi: uint256  # .. all stablecoin (both rounded down)
    root: uint256  # at least sqrt(inv): L padded for its roundings
    sa: uint256

struct Sides:  # a band as one trade sees it; balances and offsets in 18 decimals
    in_bal: uint256
    in_off: uint256
    in_prec: uint256  # token units -> 18 decimals, input coin
    out_bal: uint256
    out_off: uint256
    out_prec: uint256  # token units -> 18 decimals, output coin
    inv: uint256
    fee: uint256  # fee of the toward part
    away_fee: uint256  # fee of the away part
    cheap_net: uint256  # net input (18 dec) the toward part takes; max_value: the whole band
    cheap_gross: uint256  # the same with the toward fee, rounded up
    sa: uint256  # the band's _sa

struct Trade:
    in_amount: uint256
    out_amount: uint256
    n_start: int256  # the active band the walk started from
    n_end: int256
    virgin: int256  # V when the walk started
    bands: DynArray[int256, 50]
    values: DynArray[uint256, 50]

MAX_TOUCH: constant(uint256) = 50
HALF_MASK: constant(uint256) = 2**128 - 1
MASK64: constant(uint256) = 2**64 - 1
MASK60: constant(uint256) = 2**60 - 1
MASK34: constant(uint256) = 2**34 - 1
MASK32: constant(uint256) = 2**32 - 1
OFFSET32: constant(int256) = 2**31
MASK16: constant(uint256) = 2**16 - 1

BORROWED_TOKEN: public(immutable(IERC20))
COLLATERAL_TOKEN: public(immutable(IERC20))
COLLATERAL_PRECISION: public(immutable(uint256))
A: public(immutable(uint256))
AMPLIFICATION: public(immutable(uint256))
BASE_PRICE: public(immutable(uint256))
LOG_A_RATIO: immutable(int256)  # ln(A / (A - 1)), WAD
HALF_K1: immutable(int256)  # (k - 1) / 2, WAD
SB_OVER_SA: immutable(uint256)  # (A / (A - 1))**((k - 1)/2), WAD
CURVE_D: immutable(uint256)  # 1 - sa/sb, WAD
ORACLE: public(immutable(IPriceOracle))
MAX_BASE_FEE: public(immutable(uint256))
ORACLE_FEE_WINDOW: public(immutable(uint256))
AWAY_FEE: public(immutable(uint256))
SWING_FACTOR: public(immutable(uint256))
SWING_TIME: public(immutable(uint256))

admin: public(address)
fee: public(uint256)

# Hot state is packed so that a swap touches few slots (see the structs above).
_rate_state: uint256
_band_range: uint256
_oracle_state: uint256

_bands: HashMap[int256, uint256]  # x in the low 128 bits, y (collateral units) in the high 128; n >= V: start | gross y
_total_shares: HashMap[int256, uint256]  # bands 2m (low 128 bits) and 2m+1 (high) at key m; n >= V: end + 1
# a position: a (128 bits: collateral per band) | n1 | n2 | v1 | dust, each of the last four
# 32 bits (bands offset by 2**31); 0: no position. Bands n1 .. v1 - 1 are explicit (their
# shares in _user_ticks, two per slot), v1 .. n2 implicit (DEAD_SHARES * a each)
user_position: public(HashMap[address, uint256])
user_ticks: public(HashMap[address, uint256[25]])


@deploy
def __init__(
    borrowed_token: IERC20,
    collateral_token: IERC20,
    A_: uint256,
    amplification: uint256,
    base_price: uint256,
    fee: uint256,
    price_oracle: IPriceOracle,
    admin: address,
    oracle_fee_window: uint256,
    away_fee: uint256,
    swing_factor: uint256,
    swing_time: uint256,
):
    """
    @notice Create the AMM. Band 0's top is `base_price`; `admin` (the deployer, later the
            Controller) alone may deposit, withdraw and set rate and fee.
    @param A_ band density, MIN_A..MAX_A
    @param amplification k in WAD, MIN_AMPLIFICATION..MAX_AMPLIFICATION
    @param fee base fee, WAD, MIN_FEE..min(MAX_FEE, 4/A)
    @param oracle_fee_window seconds over which the oracle-move fee decays (12..600)
    @param away_fee fee (WAD) on the part of a trade that moves a band's price away from
           p_o: 0 (off: the whole trade pays the effective fee) or MIN_AWAY_FEE..MAX_AWAY_FEE
    @param swing_factor swing fee per unit of earlier oracle reversals (WAD, 0 = off, at
           most MAX_SWING_FACTOR)
    @param swing_time seconds over which reversals are forgotten (MIN_SWING_TIME..MAX_SWING_TIME)
    """
    assert A_ >= c.MIN_A and A_ <= c.MAX_A, "AMM: A out of range"
    assert amplification >= c.MIN_AMPLIFICATION and amplification <= c.MAX_AMPLIFICATION, "AMM: amplification out of range"
    assert base_price > 0, "AMM: zero base price"
    max_fee: uint256 = min(c.MAX_FEE, 4 * c.WAD // A_)
    assert fee >= c.MIN_FEE and fee <= max_fee, "AMM: fee out of range"
    assert admin != empty(address), "AMM: zero admin"
    assert oracle_fee_window >= c.MIN_ORACLE_FEE_WINDOW and oracle_fee_window <= c.MAX_ORACLE_FEE_WINDOW, "AMM: oracle fee window out of range"
    ORACLE_FEE_WINDOW = oracle_fee_window
    assert away_fee == 0 or (away_fee >= c.MIN_AWAY_FEE and away_fee <= c.MAX_AWAY_FEE), "AMM: away fee out of range"
    AWAY_FEE = away_fee
    assert swing_factor <= c.MAX_SWING_FACTOR, "AMM: swing factor out of range"
    assert swing_time >= c.MIN_SWING_TIME and swing_time <= c.MAX_SWING_TIME, "AMM: swing time out of range"
    SWING_FACTOR = swing_factor
    SWING_TIME = swing_time
    decimals: uint8 = staticcall IERC20Detailed(collateral_token.address).decimals()
    assert decimals <= 18, "AMM: collateral decimals above 18"

    BORROWED_TOKEN = borrowed_token
    COLLATERAL_TOKEN = collateral_token
    COLLATERAL_PRECISION = 10 ** convert(18 - decimals, uint256)
    A = A_
    AMPLIFICATION = amplification
    BASE_PRICE = base_price
    ORACLE = price_oracle
    MAX_BASE_FEE = max_fee
    log_a: int256 = wad_math._ln(A_ * c.WAD // (A_ - 1))
    LOG_A_RATIO = log_a
    half_k1: int256 = (convert(amplification, int256) - c.IWAD) // 2
    HALF_K1 = half_k1
    ratio: uint256 = wad_math._exp(half_k1 * log_a // c.IWAD)
    SB_OVER_SA = ratio
    CURVE_D = c.WAD - c.WAD * c.WAD // ratio

    self.admin = admin
    self.fee = fee
    self._store_rate(RateState(rate_mul=c.WAD, rate=0, time=block.timestamp))
    self._store_range(BandRange(active=0, lo=0, hi=-1, virgin=1, carry=0))  # hi < lo: no liquidity yet
    p_o: uint256 = staticcall price_oracle.price()
    assert p_o > 0, "AMM: oracle price is zero"
    assert p_o <= c.MAX_AMOUNT, "AMM: oracle price too high"
    self._store_oracle(OracleState(p_o=p_o, dfee=0, time=block.timestamp, dir=0, swing=0, last=0))
    log SetFee(fee=fee)
    log SetAdmin(admin=admin)


# ---------------------------------------------------------------- packed state

@internal
@view
def _load_rate() -> RateState:
    v: uint256 = self._rate_state
    return RateState(rate_mul=v & HALF_MASK, rate=(v >> 128) & MASK64, time=v >> 192)


@internal
def _store_rate(r: RateState):
    self._rate_state = r.rate_mul | (r.rate << 128) | (r.time << 192)


@internal
@pure
def _to32(n: int256) -> uint256:
    return convert(n + OFFSET32, uint256)  # every band is within [-2**31, 2**31): deposit_range checks


@internal
@pure
def _from32(v: uint256) -> int256:
    return convert(v & MASK32, int256) - OFFSET32


@internal
@view
def _load_range() -> BandRange:
    v: uint256 = self._band_range
    return BandRange(
        active=convert(v & MASK32, int256) - OFFSET32,
        lo=convert((v >> 32) & MASK32, int256) - OFFSET32,
        hi=convert((v >> 64) & MASK32, int256) - OFFSET32,
        virgin=convert((v >> 96) & MASK32, int256) - OFFSET32,
        carry=v >> 128,
    )


@internal
def _store_range(r: BandRange):
    self._band_range = self._to32(r.active) | (self._to32(r.lo) << 32) | (self._to32(r.hi) << 64) | (self._to32(r.virgin) << 96) | (r.carry << 128)


@internal
@view
def _load_oracle() -> OracleState:
    v: uint256 = self._oracle_state
    return OracleState(
        p_o=v & HALF_MASK,
        dfee=(v >> 128) & MASK60,
        time=(v >> 188) & MASK34,
        dir=(v >> 222) & 3,
        swing=(v >> 224) & MASK16,
        last=v >> 240,
    )


@internal
@pure
def _pack_oracle(o: OracleState) -> uint256:
    assert o.time <= MASK34, "AMM: timestamp overflow"
    return o.p_o | (o.dfee << 128) | (o.time << 188) | (o.dir << 222) | (o.swing << 224) | (o.last << 240)


@internal
def _store_oracle(o: OracleState):
    self._oracle_state = self._pack_oracle(o)


@internal
@pure
def _pair_key(n: int256) -> int256:
    return n >> 1  # floor(n / 2), also for negative n


@internal
@pure
def _pair_shift(n: int256) -> uint256:
    return convert(n & 1, uint256) << 7  # 0 or 128: n's half of its pair slot (n & 1 is n mod 2, also for negative n)


@external
@view
def total_shares(n: int256) -> uint256:
    """
    @notice Shares issued in band n (virtual dead shares not included).
    """
    return self._band_now(n)[2]


@internal
@view
def _lazy_step(n: int256, w: uint256) -> (uint256, uint256):
    """
    Virgin band n (n >= V) with W(n - 1) after its predecessor (the carry at V):
    (the band's true collateral, gross y - W(n), and the pending withdrawal after it).
    W(n) = carry + start[V..n] - end[V..n-1]; end[n] is stored plus one once deposited.
    """
    v: uint256 = self._bands[n]
    w_n: uint256 = w + (v & HALF_MASK)  # + start[n]
    h: uint256 = (self._total_shares[self._pair_key(n)] >> self._pair_shift(n)) & HALF_MASK
    return (v >> 128) - w_n, w_n - (max(h, 1) - 1)  # gross y >= W(n) and W(n) >= end[n]: withdrawals never exceed deposits


@internal
@view
def _band_now(n: int256) -> uint256[3]:
    """
    [x, y, shares] of band n; a virgin band's are summed from V (views only: a swap walk
    steps through them as it goes).
    """
    r: BandRange = self._load_range()
    if n < r.virgin or n > r.hi:  # past hi no deposit ever reached: the slots are empty
        v: uint256 = self._bands[n]
        return [v & HALF_MASK, v >> 128, (self._total_shares[self._pair_key(n)] >> self._pair_shift(n)) & HALF_MASK]
    w: uint256 = r.carry
    y: uint256 = 0
    m: int256 = r.virgin
    for _k: uint256 in range(4096):
        y, w = self._lazy_step(m, w)
        if m == n:
            return [0, y, y * c.DEAD_SHARES]  # a virgin band's shares are DEAD_SHARES per unit
        m += 1
    raise "AMM: band too far"


@external
@view
def rate() -> uint256:
    """
    @notice Borrow rate per second (WAD) in force.
    """
    return self._load_rate().rate


@external
@view
def active_band() -> int256:
    """
    @notice The band trading happens in now.
    """
    return self._from32(self._band_range)


@external
@view
def min_band() -> int256:
    """
    @notice Lowest band index that may hold liquidity.
    """
    return self._from32(self._band_range >> 32)


@external
@view
def max_band() -> int256:
    """
    @notice Highest band index that may hold liquidity.
    """
    return self._from32(self._band_range >> 64)


@external
@view
def oracle_state() -> uint256[6]:
    """
    @notice The oracle state the last write (a swap) stored: [p_o, oracle-move fee (WAD),
            time, direction of the last oracle move (0 none, 1 up, 2 down), earlier
            reversals, last reversal (both in SWING_UNIT of relative price move, as of
            that time; they decay as SWING_TIME / (SWING_TIME + dt))].
    """
    o: OracleState = self._load_oracle()
    return [o.p_o, o.dfee, o.time, o.dir, o.swing, o.last]


# ---------------------------------------------------------------- admin

@internal
@view
def _only_admin():
    assert msg.sender == self.admin, "AMM: only admin"


@external
def set_admin(admin: address):
    """
    @notice Hand the admin role (deposit, withdraw, rate, fee) to `admin`, normally the
            Controller. Approves it to move the AMM's coins. Admin only.
    """
    self._only_admin()
    assert admin != empty(address), "AMM: zero admin"
    self.admin = admin
    for coin: IERC20 in [BORROWED_TOKEN, COLLATERAL_TOKEN]:
        extcall coin.approve(admin, max_value(uint256), default_return_value=True)
    log SetAdmin(admin=admin)


@external
def set_fee(fee: uint256):
    """
    @notice Set the base fee (WAD) within [MIN_FEE, min(MAX_FEE, 4/A)]. Admin only.
    """
    self._only_admin()
    assert fee >= c.MIN_FEE and fee <= MAX_BASE_FEE, "AMM: fee out of range"
    self.fee = fee
    log SetFee(fee=fee)


@internal
@view
def _rate_mul_now() -> uint256:
    r: RateState = self._load_rate()
    # rounds down: interest accrued is never over-counted between writes
    return r.rate_mul * (c.WAD + r.rate * (block.timestamp - r.time)) // c.WAD


@external
def set_rate(rate: uint256) -> uint256:
    """
    @notice Compound interest so far and set the per-second rate (WAD). Admin only.
    @return The rate multiplier after compounding.
    """
    self._only_admin()
    assert rate <= c.MAX_RATE, "AMM: rate too high"
    rate_mul: uint256 = self._rate_mul_now()
    assert rate_mul <= c.MAX_AMOUNT, "AMM: rate multiplier overflow"
    self._store_rate(RateState(rate_mul=rate_mul, rate=rate, time=block.timestamp))
    log SetRate(rate=rate, rate_mul=rate_mul, time=block.timestamp)
    return rate_mul


@external
@view
def get_rate_mul() -> uint256:
    """
    @notice Interest multiplier as of now (WAD, starts at 1).
    """
    return self._rate_mul_now()


# ---------------------------------------------------------------- grid and prices

@internal
@view
def _base_price() -> uint256:
    return BASE_PRICE * self._rate_mul_now() // c.WAD  # rounds down


@internal
@view
def _p_oracle_up(n: int256) -> uint256:
    # rounds down (wad_math._exp rounds down)
    return self._base_price() * wad_math._exp(-n * LOG_A_RATIO) // c.WAD


@external
@view
def get_base_price() -> uint256:
    """
    @notice Top price of band 0 now: BASE_PRICE times the interest multiplier (WAD).
    """
    return self._base_price()


@external
@view
def p_oracle_up(n: int256) -> uint256:
    """
    @notice Highest oracle price of band n (WAD).
    """
    return self._p_oracle_up(n)


@external
@view
def p_oracle_down(n: int256) -> uint256:
    """
    @notice Lowest oracle price of band n (WAD), equal to p_oracle_up(n + 1).
    """
    return self._p_oracle_up(n + 1)


@internal
@view
def _next_oracle(o: OracleState, p_o: uint256) -> OracleState:
    """
    The oracle state a write at p_o would store now, from the stored one `o`:
    - dfee, the oracle-move fee: 1 - (p_min/p_max)**k for the move since the last write,
      added to the fee then in force, decaying linearly to zero over ORACLE_FEE_WINDOW;
    - the swing memory: on a move against the last one (a reversal), the previous
      reversal joins `swing` and this one becomes `last`; both decay as T / (T + dt).
    """
    dt: uint256 = block.timestamp - o.time
    new: OracleState = OracleState(p_o=p_o, dfee=0, time=block.timestamp, dir=o.dir, swing=0, last=0)
    if dt < ORACLE_FEE_WINDOW:
        move: uint256 = 0
        if o.p_o != p_o:
            ratio: uint256 = min(o.p_o, p_o) * c.WAD // max(o.p_o, p_o)  # rounds down: fee rounds up
            ratio_k: uint256 = wad_math._exp(wad_math._ln(ratio) * convert(AMPLIFICATION, int256) // c.IWAD)
            move = c.WAD - min(ratio_k, c.WAD)
        new.dfee = min((o.dfee + move) * (ORACLE_FEE_WINDOW - dt) // ORACLE_FEE_WINDOW, c.MAX_DYNAMIC_FEE)
    if SWING_FACTOR == 0:
        return new
    if o.swing != 0 or o.last != 0:
        # both decay as T / (T + dt), rounded down: memory only fades
        new.swing = o.swing * SWING_TIME // (SWING_TIME + dt)
        new.last = o.last * SWING_TIME // (SWING_TIME + dt)
    if o.p_o != p_o:
        d: uint256 = 2
        if p_o > o.p_o:
            d = 1
        if o.dir != 0 and d != o.dir:
            size: uint256 = (max(o.p_o, p_o) - min(o.p_o, p_o)) * (c.WAD // c.SWING_UNIT) // max(o.p_o, p_o) + 1  # rounds up
            new.swing = min(new.swing + new.last, MASK16)
            new.last = min(size, MASK16)
        new.dir = d
    return new


@internal
@view
def _swing_fee(swing: uint256) -> uint256:
    if swing == 0:
        return 0
    # rounds up: the fee is the protocol's
    return min((SWING_FACTOR * swing * c.SWING_UNIT + c.WAD - 1) // c.WAD, c.MAX_SWING_FEE)


@internal
@view
def _ctx_at(p_o: uint256, dfee: uint256, swing: uint256) -> Ctx:
    """
    What a call knows about the oracle: p_o and the fee in force, from the state a write
    now would store.
    """
    # p_o > 0: both callers pass a price _price_oracle or _price_oracle_w checked
    ln0: int256 = wad_math._ln(p_o * c.WAD // self._base_price())
    return Ctx(
        p_o=p_o,
        sqrt_po=self._isqrt(p_o * c.WAD),
        ln0=ln0,
        fee=max(max(self.fee, dfee), self._swing_fee(swing)),
    )


@internal
@view
def _ctx(p_o: uint256) -> Ctx:
    # p_o > 0: every caller passes _price_oracle(), which checked it
    o: OracleState = self._next_oracle(self._load_oracle(), p_o)
    return self._ctx_at(p_o, o.dfee, o.swing)


@internal
@view
def _price_oracle() -> uint256:
    p: uint256 = staticcall ORACLE.price()
    assert p > 0, "AMM: oracle price is zero"
    return p


@internal
def _price_oracle_w() -> Ctx:
    p: uint256 = extcall ORACLE.price_w()
    assert p > 0, "AMM: oracle price is zero"
    assert p <= c.MAX_AMOUNT, "AMM: oracle price too high"
    old: OracleState = self._load_oracle()
    new: OracleState = self._next_oracle(old, p)
    packed: uint256 = self._pack_oracle(new)
    if packed != self._oracle_state:
        self._oracle_state = packed
    return self._ctx_at(p, new.dfee, new.swing)


@internal
@view
def _sa(ctx: Ctx, n: int256) -> uint256:
    # sqrt(p_o**k / p_up(n)**(k-1)) = sqrt(p_o) * (p_o/p_up(n))**((k-1)/2); rounds down
    return ctx.sqrt_po * wad_math._exp(HALF_K1 * (ctx.ln0 + n * LOG_A_RATIO) // c.IWAD) // c.WAD


@internal
@view
def _band_fee(ctx: Ctx, lo: uint256, hi: uint256) -> uint256:
    """
    Dynamic fee of a band whose price range [lo, hi] lies away from p_o: a quarter of the gap.
    """
    if ctx.p_o < lo:
        return max(ctx.fee, (lo - ctx.p_o) * c.WAD // lo // 4)
    if ctx.p_o > hi:
        return max(ctx.fee, (ctx.p_o - hi) * c.WAD // ctx.p_o // 4)
    return ctx.fee


@external
@view
def price_oracle() -> uint256:
    """
    @notice The oracle price the AMM uses (WAD). Reverts if the oracle returns zero.
    """
    return self._price_oracle()


@external
@view
def dynamic_fee() -> uint256:
    """
    @notice Effective fee now, before any band-specific component: max(fee, oracle-move fee).
    """
    return self._ctx(self._price_oracle()).fee


@external
@view
def bands_x(n: int256) -> uint256:
    """
    @notice Stablecoin held in band n (18 decimals).
    """
    return self._band_now(n)[0]


@external
@view
def bands_y(n: int256) -> uint256:
    """
    @notice Collateral held in band n (collateral token units).
    """
    return self._band_now(n)[1]


@external
@view
def coins(i: uint256) -> address:
    """
    @notice Coin i: 0 = stablecoin, 1 = collateral.
    """
    assert i < 2, "AMM: coin index out of range"
    if i == 0:
        return BORROWED_TOKEN.address
    return COLLATERAL_TOKEN.address


@external
@view
def get_p() -> uint256:
    """
    @notice Current AMM price in the active band (WAD); mid-range if the band is empty.
    """
    n: int256 = self._from32(self._band_range)
    v: uint256 = self._bands[n]  # the active band is below V: stored as it is
    x: uint256 = v & HALF_MASK
    y: uint256 = v >> 128
    cv: Curve = self._curve(self._ctx(self._price_oracle()), n, x, y * COLLATERAL_PRECISION)
    if x == 0 and y == 0:
        return self._isqrt(cv.p_lo * cv.p_hi)  # rounds down
    return (cv.f + x) * c.WAD // (cv.g + y * COLLATERAL_PRECISION)  # rounds down


# ---------------------------------------------------------------- swaps

@internal
@view
def _curve(ctx: Ctx, n: int256, x: uint256, y: uint256) -> Curve:
    """
    The constant-product curve band n (holding x, and y in 18 decimals) trades on now.
    """
    sa: uint256 = self._sa(ctx, n)
    sb: uint256 = sa * SB_OVER_SA // c.WAD
    l: uint256 = band_math._liquidity(x, y, sa, sb, CURVE_D)
    f: uint256 = l * sa // c.WAD  # rounds down
    g: uint256 = l * c.WAD // sb  # rounds down
    lo: uint256 = sa * sa // c.WAD  # rounds down
    hi: uint256 = sb * sb // c.WAD  # rounds down
    # L rounds down from the exact root L* of the band's quadratic, and inv <= L***2: pad L
    # by 1e-9 of itself and 10/CURVE_D (the isqrt's and the coefficients' roundings)
    # l * WAD did not overflow in band_math, so l < 2**196 and the sums cannot; CURVE_D > 0
    root: uint256 = unsafe_add(unsafe_add(l, unsafe_div(l, 10**9)), unsafe_div(10 * c.WAD, CURVE_D))
    return Curve(f=f, g=g, inv=(f + x) * (g + y), fee=self._band_fee(ctx, lo, hi), p_lo=lo, p_hi=hi, root=root, sa=sa)


@internal
@view
def _sides(pump: bool, ctx: Ctx, n: int256, x: uint256, y_raw: uint256) -> Sides:
    """
    Band n seen from a trade: the input coin's side and the output coin's side.
    pump (i=0): stablecoin in, collateral out; otherwise collateral in, stablecoin out.
    """
    cv: Curve = self._curve(ctx, n, x, y_raw * COLLATERAL_PRECISION)
    y: uint256 = y_raw * COLLATERAL_PRECISION
    sd: Sides = Sides(in_bal=x, in_off=cv.f, in_prec=1, out_bal=y, out_off=cv.g, out_prec=COLLATERAL_PRECISION, inv=cv.inv, fee=cv.fee, away_fee=cv.fee, cheap_net=max_value(uint256), cheap_gross=max_value(uint256), sa=cv.sa)
    if not pump:  # the other way round
        sd.in_bal = y
        sd.in_off = cv.g
        sd.in_prec = COLLATERAL_PRECISION
        sd.out_bal = x
        sd.out_off = cv.f
        sd.out_prec = 1
    if AWAY_FEE != 0:
        sd.away_fee = max(AWAY_FEE, cv.fee)
        left: uint256 = sd.out_bal  # the band's whole range lies beyond p_o: every unit is away
        if (pump and ctx.p_o > cv.p_lo) or (not pump and ctx.p_o < cv.p_hi):
            left = self._cheap_left(pump, ctx.sqrt_po, cv.root, cv.fee, sd.out_bal, sd.out_off)
        if left != 0:
            sd.cheap_net = self._net_to(sd.inv, sd.out_off, sd.in_off + sd.in_bal, left)
            sd.cheap_gross = (sd.cheap_net * c.WAD + c.WAD - sd.fee - 1) // (c.WAD - sd.fee)  # rounds up
    return sd


@internal
@view
def _cheap_left(pump: bool, sqrt_po: uint256, root: uint256, fee: uint256, out_bal: uint256, out_off: uint256) -> uint256:
    """
    Output left in the band (18 decimals) where its toward part ends (0: the whole band
    is toward): where arbitrage at the oracle price stops paying, p_o * (1 - fee) when
    buying collateral and p_o / (1 - fee) when selling it. Arbitrage takes the toward part
    whole, so a trader who expects p_o to move next finds only away liquidity. On the
    curve (f + x)(g + y) = inv the price p sits at f + x = sqrt(inv * p), g + y = sqrt(inv / p);
    `root` is at least sqrt(inv). Rounded up: the toward part ends early, against the trader.
    """
    # sqrt(1 - fee) >= 1 - fee/2 - fee**2/2 on [0, 1]: a lower bound, rounded down.
    # fee < WAD, so nothing below overflows and the two terms sum to at most WAD.
    keep: uint256 = max(unsafe_sub(unsafe_sub(c.WAD, unsafe_div(unsafe_add(fee, 1), 2)), unsafe_div(unsafe_add(unsafe_mul(fee, fee), 2 * c.WAD - 1), 2 * c.WAD)), 1)
    # g + y = sqrt(inv / (p_o * (1 - fee))) when buying collateral,
    # f + x = sqrt(inv * p_o / (1 - fee)) when selling it: numerators up, divisors down
    # products checked (a huge band reverts); keep, sqrt_po >= 1; a quotient + 1 cannot overflow
    eq: uint256 = unsafe_add(unsafe_div(root * (sqrt_po + 1), keep), 1)
    if pump:
        eq = unsafe_add(unsafe_div((unsafe_div(root * c.WAD, sqrt_po) + 1) * c.WAD, keep), 1)
    if eq <= out_off:
        return 0
    return min(eq - out_off, out_bal)


@internal
@pure
def _isqrt(v: uint256) -> uint256:
    return isqrt(v)  # rounds down; one copy of the builtin's code for every use


@internal
@pure
def _net_to(inv: uint256, out_off: uint256, pos: uint256, out_left: uint256) -> uint256:
    """
    Net input (18 dec) that moves a band's input coordinate from `pos` to where
    `out_left` of the output coin is left. Rounds up.
    """
    need: uint256 = (inv + out_off + out_left - 1) // (out_off + out_left)  # rounds up
    if need > pos:
        return need - pos
    return 0


@internal
@pure
def _input_for(sd: Sides, out_left: uint256) -> uint256:
    """
    Input (token units, fee included) that leaves `out_left` (18 dec) of the output coin
    in the band: the toward part at sd.fee, anything beyond it at sd.away_fee. Rounds up.
    """
    net: uint256 = self._net_to(sd.inv, sd.out_off, sd.in_off + sd.in_bal, out_left)
    fee: uint256 = sd.fee
    gross: uint256 = 0
    if net > sd.cheap_net:
        gross = sd.cheap_gross
        net -= sd.cheap_net
        fee = sd.away_fee
    # rounds up; fee < WAD, so WAD - fee >= 1 (unsafe ops are the ones that cannot fail)
    gross += unsafe_div(net * c.WAD + unsafe_sub(c.WAD - 1, fee), unsafe_sub(c.WAD, fee))
    return (gross + sd.in_prec - 1) // sd.in_prec  # rounds up


@internal
@pure
def _net_of(sd: Sides, gross: uint256) -> uint256:
    """
    Net input (18 dec) that `gross` (18 dec, fee included) adds to the band's curve
    coordinate: the toward part at sd.fee, the rest at sd.away_fee. Rounds down.
    """
    net: uint256 = unsafe_div(gross * unsafe_sub(c.WAD, sd.fee), c.WAD)  # rounds down; fee < WAD
    if net <= sd.cheap_net:
        return net
    if gross <= sd.cheap_gross:
        return sd.cheap_net  # never past the toward part's end at the toward fee
    return sd.cheap_net + (gross - sd.cheap_gross) * (c.WAD - sd.away_fee) // c.WAD  # rounds down


@internal
@view
def _calc_swap(pump: bool, amount: uint256, exact_out: bool, ctx: Ctx) -> Trade:
    """
    Walk bands from the active one, spending up to `amount` of the input coin: the bands'
    new values, the input used and the output, input rounded up, output down.
    exact_out: only the input (in_amount, rounded up) needed to receive at least `amount`
    of the output coin; max_value if the bands cannot supply it.
    pump (i=0): stablecoin in, collateral out, n increases.
    """
    t: Trade = empty(Trade)
    remaining: uint256 = amount
    need: uint256 = 0  # exact_out: the input so far
    r: BandRange = self._load_range()
    n: int256 = r.active
    t.n_start = n
    t.n_end = n
    t.virgin = r.virgin
    w: uint256 = r.carry  # the pending withdrawal: a walk meets the virgin bands from V on
    for _i: uint256 in range(1074):
        x: uint256 = 0
        y_raw: uint256 = 0
        if n < r.virgin:
            v: uint256 = self._bands[n]
            x = v & HALF_MASK
            y_raw = v >> 128
        else:
            y_raw, w = self._lazy_step(n, w)
        in_raw: uint256 = y_raw
        out_raw: uint256 = x
        if pump:
            in_raw = x
            out_raw = y_raw
        if out_raw > 0:
            t.n_end = n
            sd: Sides = self._sides(pump, ctx, n, x, y_raw)
            take_all: uint256 = max(self._input_for(sd, 0), 1)  # at least 1: no free dust
            if exact_out:
                if remaining >= out_raw:
                    need += take_all
                    remaining -= out_raw
                else:
                    need += min(self._input_for(sd, sd.out_bal - remaining * sd.out_prec), take_all)
                    remaining = 0
            elif remaining >= take_all:
                remaining -= take_all
                t.out_amount += out_raw
                in_raw += take_all
                out_raw = 0
            else:
                net: uint256 = self._net_of(sd, remaining * sd.in_prec)  # rounds down
                new_out: uint256 = (sd.inv + sd.in_off + sd.in_bal + net - 1) // (sd.in_off + sd.in_bal + net)  # rounds up
                d: uint256 = 0
                if new_out < sd.out_off + sd.out_bal:
                    d = (sd.out_off + sd.out_bal - new_out) // sd.out_prec  # rounds down
                d = min(d, out_raw)
                t.out_amount += d
                in_raw += remaining
                out_raw -= d
                remaining = 0
            if pump:
                x = in_raw
                y_raw = out_raw
            else:
                x = out_raw
                y_raw = in_raw
            # the band stays packable and its curve computable: its L is at most ~1.21x
            # b = sa*y + x/sb over d (band_math), so the input coin's term of b may not
            # pass MAX_BAND_SIZE * d; the output coin's only shrinks (after an oracle move it
            # may exceed the bound, and arbitrage must still be able to empty it). x/sa with
            # sa <= sb rounded down overstates the x term; the y term errs by under 1 wei of
            # 2**110 * d. Unsafe ops: x, y <= 2**128 first, precision <= 1e18, d <= WAD
            sa: uint256 = sd.sa
            assert exact_out or (max(x, y_raw) <= c.MAX_AMOUNT and (unsafe_div(unsafe_mul(x, c.WAD), sa) if pump else unsafe_div(sa * unsafe_mul(y_raw, COLLATERAL_PRECISION), c.WAD)) < unsafe_div(unsafe_mul(c.MAX_BAND_SIZE, CURVE_D), c.WAD)), "AMM: band overflow"
            t.bands.append(n)
            t.values.append(x | (y_raw << 128))
            if remaining == 0 or len(t.bands) == MAX_TOUCH:
                break
        if pump:
            if n >= r.hi:
                break
            n += 1
        else:
            if n <= r.lo:
                break
            n -= 1
    t.in_amount = amount - remaining
    if exact_out:
        t.in_amount = need
        if remaining > 0:
            t.in_amount = max_value(uint256)
    return t


@internal
def _materialise(virgin: int256, n_end: int256, carry: uint256) -> uint256:
    """
    A swap reached virgin bands V..n_end: give each its true collateral and its shares
    (DEAD_SHARES per unit), fold their pending withdrawals into the carry at n_end + 1.
    The bands the swap touched (every one holding collateral) get their traded values
    from the caller afterwards; the empty ones are cleared here. Returns the new carry.
    """
    w: uint256 = carry
    n: int256 = virgin
    for _i: uint256 in range(1074):
        y: uint256 = 0
        y, w = self._lazy_step(n, w)
        key: int256 = self._pair_key(n)
        half: uint256 = self._pair_shift(n)
        self._total_shares[key] = (self._total_shares[key] & ~(HALF_MASK << half)) | (y * c.DEAD_SHARES << half)  # y * DEAD_SHARES <= MAX_AMOUNT: checked at deposit on the gross
        if y == 0:
            self._bands[n] = 0
        if n == n_end:
            break
        n += 1
    return w


@internal
@pure
def _check_pair(i: uint256, j: uint256):
    assert (i == 0 and j == 1) or (i == 1 and j == 0), "AMM: wrong coin index"


@internal
def _exchange(i: uint256, j: uint256, in_amount: uint256, min_out: uint256, receiver: address, ctx: Ctx) -> uint256[2]:
    self._check_pair(i, j)
    assert in_amount > 0, "AMM: zero amount"
    t: Trade = self._calc_swap(i == 0, in_amount, False, ctx)
    assert t.out_amount >= min_out, "AMM: slippage"
    if t.out_amount == 0:
        return [0, 0]
    if t.n_start != t.n_end:  # the range is read and written only when the active band moves
        r: BandRange = self._load_range()
        if t.n_end >= t.virgin:
            r.carry = self._materialise(r.virgin, t.n_end, r.carry)
            r.virgin = t.n_end + 1
        r.active = t.n_end
        self._store_range(r)
    for k: uint256 in range(MAX_TOUCH):
        if k == len(t.bands):
            break
        self._bands[t.bands[k]] = t.values[k]
    coin_in: IERC20 = BORROWED_TOKEN
    coin_out: IERC20 = COLLATERAL_TOKEN
    if i == 1:
        coin_in = COLLATERAL_TOKEN
        coin_out = BORROWED_TOKEN
    assert extcall coin_in.transferFrom(msg.sender, self, t.in_amount, default_return_value=True), "AMM: transfer in failed"
    assert extcall coin_out.transfer(receiver, t.out_amount, default_return_value=True), "AMM: transfer out failed"
    log TokenExchange(buyer=msg.sender, sold_id=i, tokens_sold=t.in_amount, bought_id=j, tokens_bought=t.out_amount)
    return [t.in_amount, t.out_amount]


@external
@nonreentrant
def exchange(i: uint256, j: uint256, in_amount: uint256, min_amount: uint256, _for: address = msg.sender) -> uint256[2]:
    """
    @notice Swap `in_amount` of coin i for coin j. Uses only as much input as the bands can
            absorb; reverts if less than `min_amount` comes out.
    @param i input coin: 0 stablecoin, 1 collateral
    @param j output coin: the other one
    @return [input used, output received]
    """
    ctx: Ctx = self._price_oracle_w()
    return self._exchange(i, j, in_amount, min_amount, _for, ctx)


@external
@nonreentrant
def exchange_dy(i: uint256, j: uint256, out_amount: uint256, max_amount: uint256, _for: address = msg.sender) -> uint256[2]:
    """
    @notice Buy at least `out_amount` of coin j, paying at most `max_amount` of coin i.
    @return [input paid, output received]
    """
    self._check_pair(i, j)
    ctx: Ctx = self._price_oracle_w()
    in_amount: uint256 = self._calc_swap(i == 0, out_amount, True, ctx).in_amount
    assert in_amount != max_value(uint256), "AMM: not enough liquidity"
    assert in_amount <= max_amount, "AMM: slippage"
    return self._exchange(i, j, in_amount, out_amount, _for, ctx)


@internal
@view
def _quote(i: uint256, j: uint256, in_amount: uint256) -> uint256[2]:
    self._check_pair(i, j)
    t: Trade = self._calc_swap(i == 0, in_amount, False, self._ctx(self._price_oracle()))
    return [t.in_amount, t.out_amount]


@external
@view
def get_dy(i: uint256, j: uint256, in_amount: uint256) -> uint256:
    """
    @notice Output `exchange(i, j, in_amount, 0)` would give now.
    """
    return self._quote(i, j, in_amount)[1]


@external
@view
def get_dxdy(i: uint256, j: uint256, in_amount: uint256) -> (uint256, uint256):
    """
    @notice Input used and output given by `exchange(i, j, in_amount, 0)` now.
    """
    q: uint256[2] = self._quote(i, j, in_amount)
    return q[0], q[1]


@external
@view
def get_dx(i: uint256, j: uint256, out_amount: uint256) -> uint256:
    """
    @notice Input `exchange_dy(i, j, out_amount, ...)` would take now; max_value(uint256)
            if the bands cannot supply `out_amount`.
    """
    self._check_pair(i, j)
    return self._calc_swap(i == 0, out_amount, True, self._ctx(self._price_oracle())).in_amount


# ---------------------------------------------------------------- positions

@external
def deposit_range(user: address, amount: uint256, n1: int256, n2: int256):
    """
    @notice Put `amount` collateral (already sent to the AMM by the admin) of `user` evenly
            into bands n1..n2, below the active band. Admin only. Each band gets
            amount // N; the rest (under N units) stays the user's, in no band.
    """
    self._only_admin()
    # bands within (-2**31, 2**31 - 1): active >= n1 - 1 and V <= n2 + 1 stay packable
    assert n2 >= n1 and n2 - n1 < 50 and n1 > -OFFSET32 and n2 < OFFSET32 - 1, "AMM: bad band range"
    assert self.user_position[user] == 0, "AMM: user already deposited"
    r: BandRange = self._load_range()
    if n1 <= r.active:
        # the position may sit above the active band only across empty bands (at most 1024)
        assert self._can_skip(r.active, n1), "AMM: deposit above active band"
        r.active = n1 - 1
    n_bands: uint256 = convert(n2 - n1 + 1, uint256)
    dy: uint256 = amount // n_bands  # rounds down: the rest is the user's dust
    assert dy > c.MIN_BAND_Y, "AMM: amount too low"
    v1: int256 = min(max(n1, r.virgin), n2 + 1)  # explicit bands n1 .. v1 - 1, implicit v1 .. n2
    explicit: uint256 = convert(v1 - n1, uint256)
    for k: uint256 in range(50):
        if k == n_bands:
            break
        n: int256 = unsafe_add(n1, convert(k, int256))  # within [n1, n2]
        key: int256 = n >> 1
        half: uint256 = convert(n & 1, uint256) << 7  # n's half of its pair slot
        pair: uint256 = self._total_shares[key]
        s: uint256 = (pair >> half) & HALF_MASK
        v: uint256 = self._bands[n]
        y: uint256 = v >> 128
        if k < explicit:
            # below the active band a band holds collateral only (x == 0), and the bands
            # above it that a deposit may cover were checked empty
            ds: uint256 = (s + c.DEAD_SHARES) * dy // (y + 1)  # rounds down: against the depositor
            assert ds > 0, "AMM: amount too low"
            assert s + ds <= c.MAX_AMOUNT and y + dy <= c.MAX_AMOUNT, "AMM: band overflow"
            self._total_shares[key] = pair + (ds << half)  # s + ds fits its half: checked above
            self._bands[n] = (y + dy) << 128
            self.user_ticks[user][k >> 1] |= ds << ((k & 1) << 7)  # the tick slots of a new position are zero
        else:
            # virgin: the gross collateral grows, the user's shares (DEAD_SHARES * dy) are
            # implicit; the band's end entry is marked (+1) so a withdrawal rewrites a slot
            assert y + dy <= c.MAX_AMOUNT // c.DEAD_SHARES, "AMM: band overflow"
            self._bands[n] = v + (dy << 128)
            if s == 0:
                self._total_shares[key] = pair | (1 << half)
    # the dust is under n_bands
    self.user_position[user] = dy | self._to32(n1) << 128 | self._to32(n2) << 160 | self._to32(v1) << 192 | (amount - dy * n_bands) << 224
    if r.hi < r.lo:  # the first deposit
        r.lo = n1
        r.hi = n2
    r.lo = min(r.lo, n1)
    r.hi = max(r.hi, n2)
    self._store_range(r)
    log Deposit(provider=user, amount=amount, n1=n1, n2=n2)


@external
def withdraw(user: address, frac: uint256) -> uint256[2]:
    """
    @notice Take fraction `frac` (WAD, up to 1) of `user`'s shares out of every band (and
            the user's dust when frac is 1). Coins stay in the AMM for the admin to move.
            Admin only. Bands no swap has reached cost O(1) together, however many.
    @return [stablecoin, collateral (token units)] withdrawn, both rounded down
    """
    self._only_admin()
    assert frac > 0 and frac <= c.WAD, "AMM: bad fraction"
    rec: uint256 = self.user_position[user]
    assert rec != 0, "AMM: no deposit"
    n1: int256 = self._from32(rec >> 128)
    n2: int256 = self._from32(rec >> 160)
    a: uint256 = rec & HALF_MASK
    v1: int256 = self._from32(rec >> 192)
    virgin: int256 = self._from32(self._band_range >> 96)
    # a < 2**128 and frac <= WAD: no overflow
    da: uint256 = unsafe_div(unsafe_mul(a, frac), c.WAD)  # rounds down: the user keeps the rest
    explicit: uint256 = convert(v1 - n1, uint256)
    implicit_ds: uint256 = unsafe_mul(c.DEAD_SHARES, da)  # from v1 the user holds DEAD_SHARES * a a band; a < 2**128
    last: int256 = min(n2, virgin - 1) - n1  # bands n1 .. n1 + last are materialised
    total_x: uint256 = 0
    total_y: uint256 = 0
    pair_key: int256 = n1 >> 1
    pair: uint256 = 0
    if last >= 0:
        pair = self._total_shares[pair_key]
    n: int256 = n1
    for k: uint256 in range(50):
        if convert(k, int256) > last:
            break
        if k > 0:
            n = unsafe_add(n, 1)  # n1 + k, within [n1, n2]
            if n & 1 == 0:  # n starts the next pair slot
                self._total_shares[pair_key] = pair
                pair_key = n >> 1
                pair = self._total_shares[pair_key]
        ds: uint256 = implicit_ds
        if k < explicit:
            tick: uint256 = (k & 1) << 7  # band k's half of the user's tick slot k // 2
            shares: uint256 = (self.user_ticks[user][k >> 1] >> tick) & HALF_MASK
            ds = unsafe_div(unsafe_mul(shares, frac), c.WAD)  # rounds down: the user keeps the rest
            self.user_ticks[user][k >> 1] -= ds << tick  # ds <= shares: no borrow into the other half
        half: uint256 = convert(n & 1, uint256) << 7  # n's half of the pair slot
        # shares, x and y are below 2**128 and frac <= WAD; ds <= the user's shares <= s,
        # so dx <= x and dy <= y: every unsafe operation below is in range
        v: uint256 = self._bands[n]
        x: uint256 = v & HALF_MASK
        y: uint256 = v >> 128
        s: uint256 = (pair >> half) & HALF_MASK
        dx: uint256 = x
        dy: uint256 = y
        if ds != s:  # else the last holder: takes everything, no dust left behind
            dx = unsafe_div(unsafe_mul(unsafe_add(x, 1), ds), unsafe_add(s, c.DEAD_SHARES))  # rounds down
            dy = unsafe_div(unsafe_mul(unsafe_add(y, 1), ds), unsafe_add(s, c.DEAD_SHARES))  # rounds down
        pair = unsafe_sub(pair, ds << half)  # ds <= s: no borrow into the other half
        self._bands[n] = unsafe_sub(v, dx | (dy << 128))  # dx <= x, dy <= y: no borrow across halves
        total_x = unsafe_add(total_x, dx)
        total_y = unsafe_add(total_y, dy)
    if last >= 0:
        self._total_shares[pair_key] = pair
    s0: int256 = max(v1, virgin)
    if n2 >= s0 and da > 0:
        # virgin bands s0 .. n2 hand out da each: one start and one end entry record it
        total_y += da * convert(n2 - s0 + 1, uint256)
        self._bands[s0] += da
        self._total_shares[n2 >> 1] += da << self._pair_shift(n2)
    if frac == c.WAD:
        total_y += rec >> 224  # the dust
        self.user_position[user] = 0
    else:
        self.user_position[user] = rec - da
    log Withdraw(provider=user, amount_borrowed=total_x, amount_collateral=total_y)
    return [total_x, total_y]


@external
@view
def can_skip_bands(n_end: int256) -> bool:
    """
    @notice Whether every band from the active one up to (lower n) `n_end` is empty, so a
            new position may be placed at n_end or above the active band.
    """
    return self._can_skip(self._from32(self._band_range), n_end)


@internal
@view
def _can_skip(active: int256, n_end: int256) -> bool:
    # bands above the active one are below V: stored as they are
    for k: uint256 in range(1024):
        nk: int256 = active - convert(k, int256)
        if nk < n_end:
            return True
        if self._bands[nk] != 0:
            return False
    return False  # too far to check


@external
@view
def read_user_tick_numbers(user: address) -> int256[2]:
    """
    @notice Bands [n1, n2] of `user`'s position (zeros if none).
    """
    rec: uint256 = self.user_position[user]
    if rec == 0:
        return [0, 0]
    return [self._from32(rec >> 128), self._from32(rec >> 160)]


@external
@view
def has_liquidity(user: address) -> bool:
    """
    @notice Whether `user` has a deposit in the bands.
    """
    return self.user_position[user] != 0


@internal
@view
def _user_xy(user: address, mode: uint256) -> uint256[3]:
    """
    [value, x, y]: x and y the user owns now (y in token units); value is 0 in mode 0,
    x_down in mode 1, y_up (token units) in mode 2. All round down.
    """
    rec: uint256 = self.user_position[user]
    if rec == 0:
        return [0, 0, 0]
    n1: int256 = self._from32(rec >> 128)
    last: uint256 = convert(self._from32(rec >> 160) - n1, uint256)
    a: uint256 = rec & HALF_MASK
    explicit: uint256 = convert(self._from32(rec >> 192) - n1, uint256)
    implicit: uint256 = unsafe_mul(c.DEAD_SHARES, a)  # the user's shares in each band from v1; a < 2**128
    virgin: int256 = self._from32(self._band_range >> 96)
    ctx: Ctx = empty(Ctx)
    sa: uint256 = 0  # band n's lowest sqrt price at p_o
    edge: uint256 = 0  # the price band n's value is taken at: p_oracle_down(n) in mode 1, p_oracle_up(n) in mode 2
    if mode > 0:
        # the oracle price and where it sits on the grid; no fee: nothing is traded here
        ctx.p_o = self._price_oracle()
        ctx.sqrt_po = self._isqrt(ctx.p_o * c.WAD)
        ctx.ln0 = wad_math._ln(ctx.p_o * c.WAD // self._base_price())
        sa = self._sa(ctx, n1)
        edge = self._p_oracle_up(n1 + convert(mode % 2, int256))
    t: int256 = ctx.ln0 + n1 * LOG_A_RATIO  # ln(p_o / p_oracle_up(n)), band n's
    acc_x: uint256 = 0
    acc_y: uint256 = 0
    acc_v: uint256 = 0
    pair: uint256 = 0  # n's pair slot, read at n1 and at each even n below V
    packed: uint256 = 0  # the user's tick slot of bands k and k + 1 (k even)
    n: int256 = n1
    for k: uint256 in range(50):
        if k > last:
            break
        if k > 0:
            n = unsafe_add(n, 1)  # n1 + k, within [n1, n2]
        # a virgin band is valued as the user's own slice alone: x = 0, y = a, whole
        shares: uint256 = 1
        s: uint256 = 1
        x: uint256 = 0
        y: uint256 = a
        if n < virgin:
            if k == 0 or n & 1 == 0:
                pair = self._total_shares[n >> 1]
            shares = implicit
            if k < explicit:
                if k & 1 == 0:
                    packed = self.user_ticks[user][k >> 1]
                    shares = packed & HALF_MASK
                else:
                    shares = packed >> 128
            # a band's shares, x and y are each below 2**128 (MAX_AMOUNT), and a user's shares
            # are at most the band's: each term below is at most x (or y), 50 of them at most
            s = unsafe_add((pair >> ((convert(n & 1, uint256)) << 7)) & HALF_MASK, c.DEAD_SHARES)  # n's half of the pair slot
            v: uint256 = self._bands[n]
            x = v & HALF_MASK
            y = v >> 128
        acc_x = unsafe_add(acc_x, unsafe_div(unsafe_mul(x, shares), s))  # rounds down
        acc_y = unsafe_add(acc_y, unsafe_div(unsafe_mul(y, shares), s))  # rounds down
        if mode == 0:
            continue
        # the band's content where the oracle puts it: as it is when p_o lies beyond it
        # on the side its one coin came from (the walk converts it at the far edge, or
        # not at all), else on its curve at p_o
        ex: uint256 = x
        ey: uint256 = unsafe_mul(y, COLLATERAL_PRECISION)  # below 2**128 * 10**18
        sb: uint256 = sa * SB_OVER_SA // c.WAD  # rounds down, as in _curve
        if (y == 0 and unsafe_add(t, LOG_A_RATIO) <= 0) or (x == 0 and t >= 0):  # |t| is far below 2**254
            pass  # as it is
        elif x == 0 and ctx.sqrt_po >= sb:
            # all collateral, the oracle at or below the band's AMM range: the curve's
            # equilibrium is all stablecoin, L * (sb - sa) with L = b / d, b = sa * y: the
            # numbers _liquidity and _equilibrium give (s clamps to sb, y to 0), directly
            ex = sa * ey // c.WAD * c.WAD // CURVE_D * (sb - sa) // c.WAD  # rounds down
            ey = 0
        else:
            ex, ey = band_math._equilibrium(band_math._liquidity(x, ey, sa, sb, CURVE_D), sa, sb, ctx.sqrt_po)
        # never credit more than the band could reach from what it holds
        value: uint256 = 0
        if mode == 1:
            value = ex + ey * edge // c.WAD  # rounds down
        else:
            value = (ey + ex * c.WAD // edge) // COLLATERAL_PRECISION  # rounds down
        if n < virgin:  # a virgin band's value is the user's whole (shares / s is 1 / 1)
            value = value * shares // s  # rounds down
        acc_v += value
        # the next band along the grid, without an exp each: its lowest sqrt price is this
        # band's highest, and its edge price is this one's times (A - 1) / A; both round
        # down (lower values: against the borrower, by ~1e-18 of a price per band)
        sa = sb
        edge = unsafe_div(unsafe_mul(edge, unsafe_sub(A, 1)), A)  # edge < 2**256 / WAD (a product over WAD) and 2 <= A <= 10**4: no overflow
        t = unsafe_add(t, LOG_A_RATIO)  # |t| stays far below 2**255: ln of a price ratio
    return [acc_v, acc_x, acc_y + (rec >> 224)]  # the dust counts as the user's collateral, not in the value


@external
@view
def get_sum_xy(user: address) -> uint256[2]:
    """
    @notice [stablecoin, collateral (token units)] `user` owns in the bands now.
    """
    xy: uint256[3] = self._user_xy(user, 0)
    return [xy[1], xy[2]]


@external
@view
def get_xy_and_x_down(user: address) -> uint256[3]:
    """
    @notice [stablecoin, collateral (token units), x_down] of `user` in one pass over its
            bands: what health and liquidation read (get_sum_xy and get_x_down together).
    """
    xy: uint256[3] = self._user_xy(user, 1)
    return [xy[1], xy[2], xy[0]]


@external
@view
def get_x_down(user: address) -> uint256:
    """
    @notice Stablecoin `user`'s position would hold after the price walked down through all
            its bands (a lower bound; each band's collateral valued at its bottom price).
    """
    return self._user_xy(user, 1)[0]


@external
@view
def get_y_up(user: address) -> uint256:
    """
    @notice Collateral (token units) `user`'s position would hold after the price walked up
            through all its bands (a lower bound).
    """
    return self._user_xy(user, 2)[0]
