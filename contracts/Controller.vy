# pragma version 0.4.3
# pragma optimize codesize
"""
@title Controller
@notice The borrower's only entry point: opens, changes and closes loans whose collateral
        sits in the AMM's bands; mints the stablecoin on borrow and burns it on repay;
        accrues interest; reports health.
@dev Debts are kept normalised by the interest multiplier: a loan stores
     norm = debt * 1e18 / rate_mul (rounded up) and owes ceil(norm * rate_mul_now / 1e18);
     the total is floor(sum(norm) * rate_mul_now / 1e18). So sum(debt) - total_debt is in
     [0, n_loans) wei at every moment, whatever the history.
     Liquidation: when health < 0 anyone may `liquidate`. LiquidationPolicy.vy decides the
     tier and the share taken (tier 1: only what brings the rest back to target_health;
     tier 2: all of it; both cut to fit the cap on what may be in auction) and the penalty;
     this contract executes: the position's stablecoin repays debt first, its collateral
     goes to a Dutch auction (Auction.vy) with tab = debt moved * (1 + penalty).
     Accounting identity (docs/accounting.md):
       stablecoin supply + reserves - bad_debt == total_debt + auction total_tab
     exact up to one wei per loan (user debts round up, the total rounds down).
"""
from ethereum.ercs import IERC20
from ethereum.ercs import IERC20Detailed
from .modules import constants as c
from .modules import admin_role
from .modules import wad_math
from .interfaces import IPriceOracle

initializes: admin_role
exports: (admin_role.admin, admin_role.set_admin)


interface IAMM:
    def deposit_range(user: address, amount: uint256, n1: int256, n2: int256): nonpayable
    def withdraw(user: address, frac: uint256) -> uint256[2]: nonpayable
    def set_rate(rate: uint256) -> uint256: nonpayable
    def set_fee(fee: uint256): nonpayable
    def get_rate_mul() -> uint256: view
    def get_base_price() -> uint256: view
    def active_band() -> int256: view
    def price_oracle() -> uint256: view
    def get_xy_and_x_down(user: address) -> uint256[3]: view
    def get_sum_xy(user: address) -> uint256[2]: view
    def read_user_tick_numbers(user: address) -> int256[2]: view
    def has_liquidity(user: address) -> bool: view
    def can_skip_bands(n_end: int256) -> bool: view
    def A() -> uint256: view
    def ORACLE() -> IPriceOracle: view
    def BASE_PRICE() -> uint256: view


interface IStablecoin:
    def mint(receiver: address, amount: uint256): nonpayable
    def burn_from(owner: address, amount: uint256): nonpayable


interface IPolicy:
    def penalty_tier1() -> uint256: view
    def min_debt() -> uint256: view
    def min_debt_for(n_bands: uint256) -> uint256: view
    def max_in_auction() -> uint256: view
    def plan(debt: uint256, x_down: uint256, x: uint256, y: uint256, ld: uint256, p_o: uint256, live_tab: uint256) -> uint256[2]: view
    def split(tier: uint256, frac: uint256, debt: uint256, x_out: uint256, y_out: uint256, ld: uint256, p_o: uint256) -> uint256[3]: view
    def keeper_reward(tab: uint256) -> uint256: view
    def redo_reward(tab: uint256, lot_value: uint256) -> uint256: view


interface IAuction:
    def kick(user: address, lot: uint256, tab: uint256, keeper: address) -> uint256: nonpayable
    def total_tab() -> uint256: view


event Borrow:
    user: indexed(address)
    collateral_increase: uint256
    loan_increase: uint256

event Repay:
    user: indexed(address)
    collateral_decrease: uint256
    loan_decrease: uint256

event RemoveCollateral:
    user: indexed(address)
    collateral_decrease: uint256

event UserState:
    user: indexed(address)
    collateral: uint256
    debt: uint256
    n1: int256
    n2: int256
    liquidation_discount: uint256

event SetRate:
    rate: uint256

event SetDebtCeiling:
    debt_ceiling: uint256

event SetDiscounts:
    loan_discount: uint256
    liquidation_discount: uint256

event SetAmmFee:
    fee: uint256

event SetAuction:
    auction: indexed(address)

event Liquidate:
    user: indexed(address)
    keeper: indexed(address)
    tier: uint256
    debt_repaid_from_bands: uint256
    debt_to_auction: uint256
    tab: uint256
    lot: uint256
    auction_id: uint256

event Reserves:
    reserves: uint256
    bad_debt: uint256

struct Loan:  # stored in one slot: norm (224 bits) | liquidation discount in 1e-9 (32)
    norm: uint256
    liquidation_discount: uint256

struct Config:  # stored in one slot, 64 bits each
    loan_discount: uint256
    liquidation_discount: uint256
    rate: uint256
    n_loans: uint256

MASK32: constant(uint256) = 2**32 - 1
MASK64: constant(uint256) = 2**64 - 1
MASK224: constant(uint256) = 2**224 - 1
MASK128: constant(uint256) = 2**128 - 1
MASK127: constant(uint256) = 2**127 - 1
BOOKS_SET: constant(uint256) = 2**127  # _books' set bit
LD_UNIT: constant(uint256) = 10**9  # a loan's liquidation discount is kept in units of 1e-9
MAX_BATCH: constant(uint256) = 50  # users per liquidate_many

AMM: public(immutable(IAMM))
STABLECOIN: public(immutable(IStablecoin))
COLLATERAL_TOKEN: public(immutable(IERC20))
POLICY: public(immutable(IPolicy))
COLLATERAL_PRECISION: immutable(uint256)
LOG_A_RATIO: immutable(int256)  # ln(A/(A-1)), WAD: the same grid as the AMM's
BAND_RATIO: immutable(uint256)  # (A-1)/A, WAD
BASE_PRICE: immutable(uint256)  # the AMM's: its get_base_price() is BASE_PRICE * get_rate_mul() // WAD
ORACLE: immutable(IPriceOracle)  # the AMM's price source

debt_ceiling: public(uint256)

# liquidation
auction: public(IAuction)
# reserves (penalties and interest booked, less keeper rewards and shortfalls; 127 bits) |
# a set bit (bit 127) | bad debt (shortfall the reserves could not absorb) << 128: a
# liquidation reads one slot for both. Each stays below its field (asserted where it
# grows). The set bit is written at deployment, so the first penalty of a market rewrites
# a non-zero slot (~5k gas) instead of creating one (~22k).
_books: uint256

# Hot state is packed so that a loan action touches few slots (see the structs above).
_config: uint256
_loans: HashMap[address, uint256]
_total_debt: uint256  # sum of norms (128 bits) | total debt at the last write (128)
loans: public(HashMap[uint256, address])
loan_ix: public(HashMap[address, uint256])


@deploy
def __init__(
    amm: IAMM,
    stablecoin: IStablecoin,
    collateral_token: IERC20,
    loan_discount: uint256,
    liquidation_discount: uint256,
    debt_ceiling: uint256,
    admin: address,
    policy: IPolicy,
):
    """
    @notice Create the Controller of one market. The AMM's admin and the stablecoin's
            minter must be set to this contract after deployment.
    @param loan_discount haircut on collateral value when borrowing (WAD)
    @param liquidation_discount haircut when judging health (WAD), below loan_discount
    @param debt_ceiling most stablecoin this market may have outstanding
    @param policy the LiquidationPolicy: liquidation tiers, penalties, keeper rewards, cap
    """
    admin_role.__init__(admin)
    AMM = amm
    STABLECOIN = stablecoin
    COLLATERAL_TOKEN = collateral_token
    POLICY = policy
    decimals: uint8 = staticcall IERC20Detailed(collateral_token.address).decimals()
    COLLATERAL_PRECISION = 10 ** convert(18 - decimals, uint256)
    a: uint256 = staticcall amm.A()
    LOG_A_RATIO = wad_math._ln(a * c.WAD // (a - 1))
    BAND_RATIO = (a - 1) * c.WAD // a
    BASE_PRICE = staticcall amm.BASE_PRICE()
    ORACLE = staticcall amm.ORACLE()
    self._set_discounts(loan_discount, liquidation_discount)
    self.debt_ceiling = debt_ceiling
    log SetDebtCeiling(debt_ceiling=debt_ceiling)
    self._books = BOOKS_SET  # reserves 0, bad debt 0


# ---------------------------------------------------------------- packed state

@internal
@view
def _load_config() -> Config:
    v: uint256 = self._config
    return Config(loan_discount=v & MASK64, liquidation_discount=(v >> 64) & MASK64, rate=(v >> 128) & MASK64, n_loans=v >> 192)


@internal
def _store_config(cfg: Config):
    self._config = cfg.loan_discount | (cfg.liquidation_discount << 64) | (cfg.rate << 128) | (cfg.n_loans << 192)


@internal
@view
def _load_loan(user: address) -> Loan:
    v: uint256 = self._loans[user]
    return Loan(norm=v & MASK224, liquidation_discount=(v >> 224) * LD_UNIT)


@external
@view
def loan_discount() -> uint256:
    """
    @notice Haircut on collateral value when borrowing (WAD).
    """
    return self._load_config().loan_discount


@external
@view
def liquidation_discount() -> uint256:
    """
    @notice Haircut on collateral value when judging health of new or changed loans (WAD).
    """
    return self._load_config().liquidation_discount


@external
@view
def liquidation_discounts(user: address) -> uint256:
    """
    @notice The liquidation discount in force for `user`: the one when they last acted
            (WAD, rounded up to 1e-9).
    """
    return self._load_loan(user).liquidation_discount


@external
@view
def rate() -> uint256:
    """
    @notice Borrow rate per second (WAD).
    """
    return self._load_config().rate


@external
@view
def n_loans() -> uint256:
    """
    @notice Number of open loans (see loans(i)).
    """
    return self._load_config().n_loans


# ---------------------------------------------------------------- admin

@internal
def _set_discounts(loan_discount: uint256, liquidation_discount: uint256):
    assert liquidation_discount >= c.MIN_LIQUIDATION_DISCOUNT, "liquidation discount too low"
    assert loan_discount > liquidation_discount, "loan discount must exceed liquidation discount"
    assert loan_discount <= c.MAX_LOAN_DISCOUNT, "loan discount too high"
    assert loan_discount >= liquidation_discount + c.MIN_DISCOUNT_GAP, "discounts too close"
    assert liquidation_discount > staticcall POLICY.penalty_tier1(), "liquidation discount not above tier-1 penalty"
    cfg: Config = self._load_config()
    cfg.loan_discount = loan_discount
    cfg.liquidation_discount = liquidation_discount
    self._store_config(cfg)
    log SetDiscounts(loan_discount=loan_discount, liquidation_discount=liquidation_discount)


@external
def set_discounts(loan_discount: uint256, liquidation_discount: uint256):
    """
    @notice Set the borrowing and liquidation haircuts (WAD): 1% <= liquidation <
            loan <= 50%. Existing loans keep their liquidation discount until they act. Admin only.
    """
    admin_role._check_admin()
    self._set_discounts(loan_discount, liquidation_discount)


@external
def set_debt_ceiling(debt_ceiling: uint256):
    """
    @notice Cap on total debt of this market; lowering it below total debt only blocks new
            borrowing. Admin only.
    """
    admin_role._check_admin()
    self.debt_ceiling = debt_ceiling
    log SetDebtCeiling(debt_ceiling=debt_ceiling)


@external
def set_rate(rate: uint256):
    """
    @notice Set the borrow rate, per second in WAD, at most MAX_RATE (~300% APY). Interest
            so far is compounded first. Admin only.
    """
    admin_role._check_admin()
    assert rate <= c.MAX_RATE, "rate too high"
    cfg: Config = self._load_config()
    cfg.rate = rate
    self._store_config(cfg)
    extcall AMM.set_rate(rate)
    log SetRate(rate=rate)


@external
def set_amm_fee(fee: uint256):
    """
    @notice Set the AMM's base fee (WAD); the AMM enforces its bounds. Admin only.
    """
    admin_role._check_admin()
    extcall AMM.set_fee(fee)
    log SetAmmFee(fee=fee)


@external
def set_auction(auction: IAuction):
    """
    @notice Set the auction house that liquidations sell through. Once; admin only.
    """
    admin_role._check_admin()
    assert self.auction.address == empty(address), "auction already set"
    assert auction.address != empty(address), "zero auction"
    self.auction = auction
    log SetAuction(auction=auction.address)


# ---------------------------------------------------------------- debt bookkeeping

@internal
def _save_rate(cfg: Config) -> uint256:
    return extcall AMM.set_rate(cfg.rate)


@internal
@view
def _debt(user: address, rate_mul: uint256) -> uint256:
    norm: uint256 = self._loans[user] & MASK224
    # rounds up: a user never owes less than the exact amount
    return (norm * rate_mul + c.WAD - 1) // c.WAD


@internal
@view
def _total(rate_mul: uint256) -> uint256:
    return (self._total_debt & MASK128) * rate_mul // c.WAD  # rounds down (see the header)


@internal
def _set_debt(user: address, debt: uint256, rate_mul: uint256, liquidation_discount: uint256):
    """
    Record that `user` owes `debt` now. The change of total debt beyond the change of
    this user's debt (interest accrued since the last write, and rounding) is booked
    into reserves, so supply + reserves - bad_debt == total_debt + total_tab exactly.
    """
    t: uint256 = self._total_debt
    old_norm: uint256 = self._loans[user] & MASK224
    old_debt: uint256 = (old_norm * rate_mul + c.WAD - 1) // c.WAD  # as _debt: rounds up
    norm: uint256 = (debt * c.WAD + rate_mul - 1) // rate_mul  # rounds up: against the borrower
    total_norm: uint256 = (t & MASK128) + norm - old_norm
    assert total_norm <= MASK128, "debt overflow"
    total: uint256 = total_norm * rate_mul // c.WAD  # rounds down
    assert total <= MASK128, "debt overflow"
    # reserves gain = (total - total at last write) - (debt - old_debt), in signed terms
    gain: uint256 = total + old_debt
    cost: uint256 = (t >> 128) + debt
    if gain >= cost:
        self._add_reserves(gain - cost)
    else:
        self._charge_reserves(cost - gain)
    self._total_debt = total_norm | (total << 128)
    if norm == 0:
        self._loans[user] = 0
    else:
        ld: uint256 = (liquidation_discount + LD_UNIT - 1) // LD_UNIT  # rounds up: against the borrower
        self._loans[user] = norm | (ld << 224)


@internal
@view
def _check_ceiling(rate_mul: uint256, increase: uint256):
    assert self._total(rate_mul) + increase <= self.debt_ceiling, "debt ceiling exceeded"


# ---------------------------------------------------------------- band placement

@internal
@view
def _p_up(base_price: uint256, n: int256) -> uint256:
    # the AMM's p_oracle_up(n), computed the same way (rounds down)
    return base_price * wad_math._exp(-n * LOG_A_RATIO) // c.WAD


@internal
@view
def _value_coefficient(collateral: uint256, N: uint256, loan_discount: uint256) -> uint256:
    """
    Discounted value of `collateral` spread over N bands from n1, per unit of p_up(n1):
    collateral * (1 - loan_discount) / N * sum_{k=1..N} ((A-1)/A)**k. Each band is valued at
    its bottom price, as x_down does. Rounds down.
    """
    q: uint256 = BAND_RATIO
    s: uint256 = 0
    term: uint256 = c.WAD
    for k: uint256 in range(c.MAX_TICKS):
        if k == N:
            break
        term = term * q // c.WAD  # rounds down
        s += term
    col: uint256 = collateral * COLLATERAL_PRECISION
    return col * (c.WAD - loan_discount) // c.WAD * s // c.WAD // N  # rounds down


@internal
@view
def _top_allowed_band(base_price: uint256, p_o: uint256) -> int256:
    """
    Highest band (lowest n) a new position may start at: its top must not be above the
    oracle, and it must lie below the active band unless the bands between are empty.
    """
    # first band whose top is at or below p_o
    n: int256 = wad_math._ln(base_price * c.WAD // p_o) // LOG_A_RATIO
    for _i: uint256 in range(3):
        if self._p_up(base_price, n) > p_o:
            n += 1
        elif self._p_up(base_price, n - 1) <= p_o:
            n -= 1
        else:
            break
    active: int256 = staticcall AMM.active_band()
    if n <= active and not staticcall AMM.can_skip_bands(n):
        n = active + 1
    return n


@internal
@view
def _calculate_debt_n1(collateral: uint256, debt: uint256, N: uint256, loan_discount: uint256) -> int256:
    """
    Top band n1 for a loan: the lowest-priced band from which the discounted value of the
    collateral still covers the debt. Reverts if even the highest allowed band does not.
    """
    assert debt > 0, "zero debt"
    base_price: uint256 = staticcall AMM.get_base_price()
    p_o: uint256 = staticcall AMM.price_oracle()
    coef: uint256 = self._value_coefficient(collateral, N, loan_discount)
    n_top: int256 = self._top_allowed_band(base_price, p_o)
    assert coef * self._p_up(base_price, n_top) // c.WAD >= debt, "debt too high for collateral"
    ratio: uint256 = coef * base_price // debt  # WAD; >= p_up(n_top) * WAD / base > 0
    n1: int256 = wad_math._ln(ratio) // LOG_A_RATIO
    # correct the log's rounding with exact comparisons
    for _i: uint256 in range(4):
        if n1 > n_top and coef * self._p_up(base_price, n1) // c.WAD < debt:
            n1 -= 1
        elif coef * self._p_up(base_price, n1 + 1) // c.WAD >= debt:
            n1 += 1
        else:
            break
    n1 = max(n1, n_top)
    # keep the position within an exchange's reach of the active band
    return min(n1, n_top + c.MAX_SKIP_TICKS - convert(N, int256))


# ---------------------------------------------------------------- views

@external
@view
def calculate_debt_n1(collateral: uint256, debt: uint256, N: uint256) -> int256:
    """
    @notice Top band a loan of `debt` against `collateral` over N bands would start at now.
    """
    assert N >= c.MIN_TICKS and N <= c.MAX_TICKS, "N out of range"
    return self._calculate_debt_n1(collateral, debt, N, self._load_config().loan_discount)


@external
@view
def max_borrowable(collateral: uint256, N: uint256) -> uint256:
    """
    @notice Most stablecoin a new loan with `collateral` over N bands may borrow now,
            capped by the debt ceiling.
    """
    assert N >= c.MIN_TICKS and N <= c.MAX_TICKS, "N out of range"
    base_price: uint256 = staticcall AMM.get_base_price()
    p_o: uint256 = staticcall AMM.price_oracle()
    n_top: int256 = self._top_allowed_band(base_price, p_o)
    coef: uint256 = self._value_coefficient(collateral, N, self._load_config().loan_discount)
    value: uint256 = coef * self._p_up(base_price, n_top) // c.WAD  # rounds down
    rate_mul: uint256 = staticcall AMM.get_rate_mul()
    total: uint256 = self._total(rate_mul)
    room: uint256 = 0
    if self.debt_ceiling > total:
        room = self.debt_ceiling - total
    return min(value, room)


@external
@view
def debt(user: address) -> uint256:
    """
    @notice What `user` owes now, interest included (rounded up).
    """
    return self._debt(user, staticcall AMM.get_rate_mul())


@external
@view
def total_debt() -> uint256:
    """
    @notice What all borrowers owe now (rounded down; at most one wei per loan below the sum).
    """
    return self._total(staticcall AMM.get_rate_mul())


@external
@view
def loan_exists(user: address) -> bool:
    """
    @notice Whether `user` has an open loan.
    """
    return self._loans[user] != 0


@external
@view
def user_state(user: address) -> uint256[4]:
    """
    @notice [collateral (token units), stablecoin in bands, debt, N] of `user`'s loan.
    """
    xy: uint256[2] = staticcall AMM.get_sum_xy(user)
    ns: int256[2] = staticcall AMM.read_user_tick_numbers(user)
    n: uint256 = 0
    if self._loans[user] != 0:
        n = convert(ns[1] - ns[0] + 1, uint256)
    return [xy[1], xy[0], self._debt(user, staticcall AMM.get_rate_mul()), n]


@internal
@view
def _health(user: address, debt: uint256, full: bool, x_down: uint256, collateral: uint256, rate_mul: uint256, p_o: uint256) -> int256:
    """
    Health from `x_down` and the position's `collateral` (token units), read by the caller
    with the interest multiplier `rate_mul`; `p_o` is the oracle price if the caller has
    it (0: read here, only if the full health needs it).
    """
    ld: uint256 = self._load_loan(user).liquidation_discount
    # rounds down (towards unhealthy)
    h: int256 = convert(x_down * (c.WAD - ld) // debt, int256) - c.IWAD
    if full:
        n1: int256 = (staticcall AMM.read_user_tick_numbers(user))[0]
        price: uint256 = p_o
        if price == 0:
            price = staticcall AMM.price_oracle()
        # the AMM's base price at rate_mul, as its get_base_price() computes it (rounds down)
        p_up: uint256 = self._p_up(BASE_PRICE * rate_mul // c.WAD, n1)
        # the cushion while the oracle is above the top band and soft liquidation has not
        # reached it (the active band, read last: a crash below the bands never needs it)
        if price > p_up and n1 > staticcall AMM.active_band():
            h += convert((price - p_up) * collateral * COLLATERAL_PRECISION // debt, int256)  # rounds down
    return h


@internal
@view
def _health_now(user: address, debt: uint256, full: bool, rate_mul: uint256) -> int256:
    xyd: uint256[3] = staticcall AMM.get_xy_and_x_down(user)
    return self._health(user, debt, full, xyd[2], xyd[1], rate_mul, 0)


@external
@view
def health(user: address, full: bool = False) -> int256:
    """
    @notice Health of `user`'s loan (WAD): x_down * (1 - liquidation_discount) / debt - 1.
            With `full`, adds the cushion of price above the top band while not yet in soft
            liquidation. Negative means liquidatable.
    """
    rate_mul: uint256 = staticcall AMM.get_rate_mul()
    debt: uint256 = self._debt(user, rate_mul)
    assert debt > 0, "no loan"
    return self._health_now(user, debt, full, rate_mul)


# ---------------------------------------------------------------- borrower actions

@internal
def _log_state(user: address, collateral: uint256, debt: uint256, n1: int256, n2: int256):
    log UserState(user=user, collateral=collateral, debt=debt, n1=n1, n2=n2, liquidation_discount=self._load_loan(user).liquidation_discount)


@internal
def _place(user: address, collateral: uint256, debt: uint256, N: uint256, rate_mul: uint256, cfg: Config):
    """
    Deposit `collateral` for `user` into fresh bands fitting `debt`; record the loan.
    """
    n1: int256 = self._calculate_debt_n1(collateral, debt, N, cfg.loan_discount)
    n2: int256 = n1 + convert(N, int256) - 1
    self._set_debt(user, debt, rate_mul, cfg.liquidation_discount)
    extcall AMM.deposit_range(user, collateral, n1, n2)
    self._log_state(user, collateral, debt, n1, n2)


@external
@nonreentrant
def create_loan(collateral: uint256, debt: uint256, N: uint256):
    """
    @notice Lock `collateral` (token units) over N bands (4..50) and borrow `debt` stablecoin,
            at least the policy's min_debt_for(N) (wider loans cost more to liquidate).
    """
    assert collateral > 0, "zero collateral"
    assert debt > 0, "zero debt"
    assert N >= c.MIN_TICKS and N <= c.MAX_TICKS, "N out of range"
    assert self._loans[msg.sender] == 0, "loan exists"
    assert debt >= staticcall POLICY.min_debt_for(N), "debt below minimum"
    cfg: Config = self._load_config()
    rate_mul: uint256 = self._save_rate(cfg)
    self._check_ceiling(rate_mul, debt)
    self._place(msg.sender, collateral, debt, N, rate_mul, cfg)
    self.loans[cfg.n_loans] = msg.sender
    self.loan_ix[msg.sender] = cfg.n_loans
    cfg.n_loans += 1
    self._store_config(cfg)
    assert extcall COLLATERAL_TOKEN.transferFrom(msg.sender, AMM.address, collateral, default_return_value=True), "collateral transfer failed"
    extcall STABLECOIN.mint(msg.sender, debt)
    log Borrow(user=msg.sender, collateral_increase=collateral, loan_increase=debt)


@internal
def _rebalance(user: address, collateral_in: uint256, collateral_out: uint256, debt_increase: uint256) -> uint256:
    """
    Withdraw `user`'s position, change collateral and debt, and deposit it into bands that
    fit. Only outside soft liquidation. Returns the new debt.
    """
    assert self._loans[user] != 0, "no loan"
    cfg: Config = self._load_config()
    rate_mul: uint256 = self._save_rate(cfg)
    debt: uint256 = self._debt(user, rate_mul) + debt_increase
    if debt_increase > 0:
        self._check_ceiling(rate_mul, debt_increase)
    ns: int256[2] = staticcall AMM.read_user_tick_numbers(user)
    xy: uint256[2] = extcall AMM.withdraw(user, c.WAD)
    assert xy[0] == 0, "position in soft liquidation"
    assert xy[1] + collateral_in > collateral_out, "not enough collateral"
    collateral: uint256 = xy[1] + collateral_in - collateral_out
    self._place(user, collateral, debt, convert(ns[1] - ns[0] + 1, uint256), rate_mul, cfg)
    return debt


@external
@nonreentrant
def add_collateral(collateral: uint256, _for: address = msg.sender):
    """
    @notice Add `collateral` (token units, paid by the caller) to `_for`'s loan; the
            position moves to safer bands. Not while in soft liquidation.
    """
    assert collateral > 0, "zero collateral"
    self._rebalance(_for, collateral, 0, 0)
    assert extcall COLLATERAL_TOKEN.transferFrom(msg.sender, AMM.address, collateral, default_return_value=True), "collateral transfer failed"
    log Borrow(user=_for, collateral_increase=collateral, loan_increase=0)


@external
@nonreentrant
def remove_collateral(collateral: uint256):
    """
    @notice Take `collateral` (token units) out of the caller's loan; reverts if what is
            left would not cover the debt. Not while in soft liquidation.
    """
    assert collateral > 0, "zero collateral"
    self._rebalance(msg.sender, 0, collateral, 0)
    assert extcall COLLATERAL_TOKEN.transferFrom(AMM.address, msg.sender, collateral, default_return_value=True), "collateral transfer failed"
    log RemoveCollateral(user=msg.sender, collateral_decrease=collateral)


@external
@nonreentrant
def borrow_more(collateral: uint256, debt: uint256):
    """
    @notice Add `collateral` (may be 0) and borrow `debt` more (> 0) on the caller's loan.
            Not while in soft liquidation.
    """
    assert debt > 0, "zero debt"
    self._rebalance(msg.sender, collateral, 0, debt)
    if collateral > 0:
        assert extcall COLLATERAL_TOKEN.transferFrom(msg.sender, AMM.address, collateral, default_return_value=True), "collateral transfer failed"
    extcall STABLECOIN.mint(msg.sender, debt)
    log Borrow(user=msg.sender, collateral_increase=collateral, loan_increase=debt)


@internal
def _remove_loan(user: address, cfg: Config):
    self._loans[user] = 0
    ix: uint256 = self.loan_ix[user]
    last: uint256 = cfg.n_loans - 1
    if ix != last:
        moved: address = self.loans[last]
        self.loans[ix] = moved
        self.loan_ix[moved] = ix
    self.loans[last] = empty(address)
    self.loan_ix[user] = 0
    cfg.n_loans = last
    self._store_config(cfg)


@external
@nonreentrant
def repay(amount: uint256, _for: address = msg.sender):
    """
    @notice Repay up to `amount` of `_for`'s debt from the caller's stablecoin (the caller
            approves the Controller). If `amount` >= debt the loan closes: stablecoin in the
            position's bands pays first, the caller pays only the rest, and `_for` receives
            all collateral plus any stablecoin left. A partial repay outside soft
            liquidation moves the position to safer bands; inside, it only lowers the debt.
            A partial repay may not leave less than the policy's min_debt_for(N).
    """
    assert amount > 0, "zero amount"
    assert self._loans[_for] != 0, "no loan"
    cfg: Config = self._load_config()
    rate_mul: uint256 = self._save_rate(cfg)
    debt: uint256 = self._debt(_for, rate_mul)
    if amount >= debt:
        xy: uint256[2] = extcall AMM.withdraw(_for, c.WAD)
        from_bands: uint256 = min(xy[0], debt)
        if from_bands > 0:
            extcall STABLECOIN.burn_from(AMM.address, from_bands)
        if debt > from_bands:
            extcall STABLECOIN.burn_from(msg.sender, debt - from_bands)
        if xy[0] > from_bands:
            assert extcall IERC20(STABLECOIN.address).transferFrom(AMM.address, _for, xy[0] - from_bands, default_return_value=True), "stablecoin transfer failed"
        if xy[1] > 0:
            assert extcall COLLATERAL_TOKEN.transferFrom(AMM.address, _for, xy[1], default_return_value=True), "collateral transfer failed"
        self._set_debt(_for, 0, rate_mul, 0)
        self._remove_loan(_for, cfg)
        self._log_state(_for, 0, 0, 0, 0)
        log Repay(user=_for, collateral_decrease=xy[1], loan_decrease=debt)
        return
    new_debt: uint256 = debt - amount
    ns: int256[2] = staticcall AMM.read_user_tick_numbers(_for)
    assert new_debt >= staticcall POLICY.min_debt_for(convert(ns[1] - ns[0] + 1, uint256)), "debt below minimum"
    extcall STABLECOIN.burn_from(msg.sender, amount)
    if ns[0] > staticcall AMM.active_band():
        xy: uint256[2] = extcall AMM.withdraw(_for, c.WAD)
        self._place(_for, xy[1], new_debt, convert(ns[1] - ns[0] + 1, uint256), rate_mul, cfg)
    else:
        self._set_debt(_for, new_debt, rate_mul, self._load_loan(_for).liquidation_discount)
        xy: uint256[2] = staticcall AMM.get_sum_xy(_for)
        self._log_state(_for, xy[1], new_debt, ns[0], ns[1])
    log Repay(user=_for, collateral_decrease=0, loan_decrease=amount)


# ---------------------------------------------------------------- liquidation

@internal
def _charge_reserves(amount: uint256):
    """
    Take `amount` from reserves; what they cannot cover is booked as bad debt.
    """
    b: uint256 = self._books
    r: uint256 = b & MASK127
    bad: uint256 = b >> 128
    if r >= amount:
        r -= amount
    else:
        bad += amount - r
        r = 0
        assert bad <= MASK128, "bad debt overflow"
    self._books = r | BOOKS_SET | (bad << 128)
    log Reserves(reserves=r, bad_debt=bad)


@internal
def _add_reserves(amount: uint256):
    b: uint256 = self._books
    assert (b & MASK127) + amount <= MASK127, "reserves overflow"
    self._books = b + amount  # the reserves field does not carry into the set bit


@external
@view
def bad_debt() -> uint256:
    """
    @notice Shortfall the reserves could not absorb (stablecoin): debt no collateral backs.
    """
    return self._books >> 128


@internal
def _pay_keeper(keeper: address, reward: uint256):
    if reward > 0:
        self._charge_reserves(reward)
        extcall STABLECOIN.mint(keeper, reward)


@external
@view
def reserves() -> uint256:
    """
    @notice Stablecoin the protocol has earned and not spent: penalties and interest
            (including interest accrued since the last action), less keeper rewards and
            shortfalls.
    """
    pending: uint256 = self._total(staticcall AMM.get_rate_mul()) - (self._total_debt >> 128)
    return (self._books & MASK127) + pending


@internal
def _accrue():
    """
    Book interest accrued since the last write of the total into reserves (what
    `reserves()` already reports), so a charge can use it.
    """
    t: uint256 = self._total_debt
    total: uint256 = (t & MASK128) * (staticcall AMM.get_rate_mul()) // c.WAD  # rounds down, as _total
    self._add_reserves(total - (t >> 128))  # rate_mul never falls: total >= the last write
    self._total_debt = (t & MASK128) | (total << 128)


@external
def book_shortfall(amount: uint256):
    """
    @notice An auction ran out of collateral with `amount` of its tab unpaid: reserves
            absorb it first, the rest becomes bad debt. Auction only.
    """
    assert msg.sender == self.auction.address, "only auction"
    self._accrue()
    self._charge_reserves(amount)


@external
def pay_incentive(keeper: address, tab: uint256, lot_value: uint256):
    """
    @notice Reward `keeper` (POLICY.redo_reward: the tip while the lot, worth
            `lot_value` at the new top, covers half of the tab; minted from reserves) for
            re-pricing an auction. Auction only.
    """
    assert msg.sender == self.auction.address, "only auction"
    self._accrue()
    self._pay_keeper(keeper, staticcall POLICY.redo_reward(tab, lot_value))


@internal
def _liquidate(user: address, auction: IAuction, rate_mul: uint256, p_o: uint256, live_tab: uint256) -> uint256[3]:
    """
    Liquidate `user` if their health (full) is below zero, for the caller (the keeper);
    `live_tab` is the auction house's total_tab() now.
    @return [1 if liquidated else 0, auction id (0 if none), keeper reward (not yet paid)]
    """
    debt: uint256 = self._debt(user, rate_mul)
    xy: uint256[3] = staticcall AMM.get_xy_and_x_down(user)  # [x, y, x_down]
    if self._health(user, debt, True, xy[2], xy[1], rate_mul, p_o) >= 0:
        return [0, 0, 0]
    cfg: Config = self._load_config()
    ld: uint256 = self._load_loan(user).liquidation_discount
    plan: uint256[2] = staticcall POLICY.plan(debt, xy[2], xy[0], xy[1] * COLLATERAL_PRECISION, ld, p_o, live_tab)
    tier: uint256 = plan[0]
    frac: uint256 = plan[1]

    out: uint256[2] = extcall AMM.withdraw(user, frac)
    parts: uint256[3] = staticcall POLICY.split(tier, frac, debt, out[0], out[1] * COLLATERAL_PRECISION, ld, p_o)
    repaid: uint256 = parts[0]
    to_auction: uint256 = parts[1]
    penalty: uint256 = parts[2]
    tab: uint256 = to_auction + penalty
    reward: uint256 = 0
    sell: bool = False
    if to_auction > 0 and out[1] > 0:
        # never more than the penalty this liquidation books: keepers are paid from it
        reward = min(staticcall POLICY.keeper_reward(tab), penalty)
        # an auction that cannot raise what it pays its keeper is not started: a lot worth
        # less than the reward at the oracle price (a position's dust, a rounding crumb)
        # goes back to the borrower, and selling it would only pay the keeper from reserves
        sell = out[1] * COLLATERAL_PRECISION * p_o // c.WAD >= reward  # rounds down: the lot is worth no more than it is
    if not sell:
        # only a sale raises a penalty; the debt moved out is a shortfall now
        penalty = 0
        reward = 0
        tab = to_auction

    if repaid > 0:
        extcall STABLECOIN.burn_from(AMM.address, repaid)
    if out[0] > repaid:
        assert extcall IERC20(STABLECOIN.address).transferFrom(AMM.address, user, out[0] - repaid, default_return_value=True), "stablecoin transfer failed"

    remaining: uint256 = debt - repaid - to_auction
    if frac == c.WAD:
        # the whole debt leaves the loan: what the bands and the auction do not carry is
        # booked by _set_debt as a cost to reserves (it is below one wei per rounding)
        self._set_debt(user, 0, rate_mul, 0)
        self._remove_loan(user, cfg)
        self._log_state(user, 0, 0, 0, 0)
    else:
        self._set_debt(user, remaining, rate_mul, ld)
        ns: int256[2] = staticcall AMM.read_user_tick_numbers(user)
        self._log_state(user, xy[1] - out[1], remaining, ns[0], ns[1])
    self._add_reserves(penalty)

    id: uint256 = 0
    if sell:
        # the lot stays in the AMM: the auction has it moved to buyers by send_collateral
        id = extcall auction.kick(user, out[1], tab, msg.sender)
    else:
        if out[1] > 0:
            assert extcall COLLATERAL_TOKEN.transferFrom(AMM.address, user, out[1], default_return_value=True), "collateral transfer failed"
        if to_auction > 0:
            self._charge_reserves(to_auction)  # nothing worth selling: a shortfall now
    log Liquidate(user=user, keeper=msg.sender, tier=tier, debt_repaid_from_bands=repaid, debt_to_auction=to_auction, tab=tab, lot=out[1], auction_id=id)
    return [1, id, reward]


@internal
def _refresh() -> uint256[2]:
    """
    Refresh the oracle and compound interest before a liquidation reads either.
    @return [rate_mul, p_o]
    """
    # health, the plan and the auction's top all see the value price_w() stores in this
    # block (the AMM's price_oracle() view returns that same value for the rest of it)
    p_o: uint256 = extcall ORACLE.price_w()
    # interest as of now, without a checkpoint: the rate does not change here
    assert p_o > 0, "oracle price is zero"
    return [staticcall AMM.get_rate_mul(), p_o]


@external
@nonreentrant
def liquidate(user: address) -> uint256:
    """
    @notice Liquidate `user`, whose health (full) is below zero; anyone may call and earns
            tip + chip * tab. Tier 1 takes only the share of the position that brings the
            rest back to target_health; tier 2 takes all of it. The position's stablecoin
            repays debt first; its collateral goes to a Dutch auction (unless it is worth
            less than the keeper reward: then back to the borrower). Refreshes the
            oracle (price_w) first, so everything here acts on the refreshed price.
    @return The auction id, or 0 if no auction was needed.
    """
    auction: IAuction = self.auction
    assert auction.address != empty(address), "no auction house"
    assert self._loans[user] != 0, "no loan"
    now: uint256[2] = self._refresh()
    done: uint256[3] = self._liquidate(user, auction, now[0], now[1], staticcall auction.total_tab())
    assert done[0] == 1, "not liquidatable"
    self._pay_keeper(msg.sender, done[2])
    return done[1]


@external
@nonreentrant
def liquidate_many(users: DynArray[address, 255]) -> DynArray[uint256, 255]:
    """
    @notice Liquidate every user in `users` (at most MAX_BATCH = 50) whose health (full)
            is below zero, as `liquidate` would one by one, for one oracle refresh and
            one keeper payment. Users without a loan or with health >= 0 (also a
            duplicate already liquidated earlier in the list) are skipped, not reverted;
            once the auction cap has no room for a minimum-size tab the rest are skipped.
            One Liquidate event per liquidated user; each gets its own auction.
    @return Per user in `users`: the auction id, 0 if skipped or no auction was needed.
    """
    assert len(users) > 0, "no users"
    assert len(users) <= MAX_BATCH, "too many users"
    auction: IAuction = self.auction
    assert auction.address != empty(address), "no auction house"
    now: uint256[2] = self._refresh()
    cap: uint256 = staticcall POLICY.max_in_auction()
    least: uint256 = staticcall POLICY.min_debt()
    ids: DynArray[uint256, 255] = []
    reward: uint256 = 0
    for user: address in users:
        id: uint256 = 0
        if self._loans[user] != 0:  # no loan (or already liquidated whole): skipped, nothing read
            live: uint256 = staticcall auction.total_tab()
            if live + least <= cap:
                done: uint256[3] = self._liquidate(user, auction, now[0], now[1], live)
                id = done[1]
                reward += done[2]
        ids.append(id)
    self._pay_keeper(msg.sender, reward)
    return ids


@external
def send_collateral(receiver: address, amount: uint256):
    """
    @notice Move `amount` of auctioned collateral, kept in the AMM since the liquidation,
            to `receiver` (a buyer, or the borrower at settlement). Auction only.
    """
    assert msg.sender == self.auction.address, "only auction"
    # sent to the AMM it would be nobody's: neither a band's nor a lot's
    assert receiver != AMM.address, "receiver is the AMM"
    assert extcall COLLATERAL_TOKEN.transferFrom(AMM.address, receiver, amount, default_return_value=True), "collateral transfer failed"


@external
@view
def users_to_liquidate(offset: uint256 = 0, limit: uint256 = 50) -> DynArray[address, 50]:
    """
    @notice Loans among loans[offset : offset + limit] (limit <= 50) whose health (full)
            is below zero.
    """
    out: DynArray[address, 50] = []
    n: uint256 = self._load_config().n_loans
    rate_mul: uint256 = staticcall AMM.get_rate_mul()
    for k: uint256 in range(50):
        if k >= limit or offset + k >= n:
            break
        user: address = self.loans[offset + k]
        if self._health_now(user, self._debt(user, rate_mul), True, rate_mul) < 0:
            out.append(user)
    return out
