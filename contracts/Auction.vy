# pragma version 0.4.3
"""
@title Auction
@notice Gradual Dutch auctions of collateral that soft liquidation did not cover.
        The Controller starts one per liquidation (`kick`); the price starts at
        `top = oracle * buf` and decays along a price curve; keepers buy partial lots
        with `take`; a stale auction is re-priced with `redo`. When the tab is covered
        the leftover collateral goes back to the borrower; when the lot runs out first
        the remaining tab is booked as a shortfall at the Controller (reserves first,
        then bad debt). A lot no longer worth taking (a redo finds it worth less than
        min(chost, tab) at the new top) is settled the same way: what is left of it goes
        back to the borrower and the whole tab is booked as a shortfall.
@dev Glossary (MakerDAO Liquidations 2.0 names)
     lot    collateral left to sell (token units); it stays in the AMM, which holds it
            beside the bands, until a take or the settlement has the Controller move it
     tab    stablecoin left to raise (debt + penalty)
     top    starting price (WAD, stablecoin per collateral unit)
     tic    start time of the current price curve
     buf    top = oracle price * buf
     tail   seconds after which an auction needs a redo
     cusp   price / top below which an auction needs a redo
     chost  dust floor: a partial take may not leave a tab below it, nor a lot worth
            less than it at the take's price; a redo settles a lot worth less than
            min(chost, tab) at the new top
     stopped breaker: 0 none, 1 no new auctions, 2 also no redo, 3 also no take
     curve   each auction keeps the price curve it was (re)started with: set_curve
             affects auctions started or re-priced afterwards, never a live price
"""
from ethereum.ercs import IERC20
from ethereum.ercs import IERC20Detailed
from .interfaces import IPriceOracle
from .modules import constants as c
from .modules import admin_role
from .modules import price_curves

initializes: admin_role
exports: (admin_role.admin, admin_role.set_admin)


interface IController:
    def book_shortfall(amount: uint256): nonpayable
    def send_collateral(receiver: address, amount: uint256): nonpayable
    def pay_incentive(keeper: address, tab: uint256, lot_value: uint256): nonpayable


interface IStablecoin:
    def burn(amount: uint256): nonpayable


interface ITakeCallback:
    def on_take(sender: address, owe: uint256, lot: uint256, data: Bytes[1024]): nonpayable


event Kick:
    id: indexed(uint256)
    user: indexed(address)
    top: uint256
    tab: uint256
    lot: uint256
    keeper: address

event Take:
    id: indexed(uint256)
    keeper: indexed(address)
    price: uint256
    owe: uint256
    amount: uint256
    tab_left: uint256
    lot_left: uint256

event Redo:
    id: indexed(uint256)
    top: uint256
    tab: uint256
    lot: uint256
    keeper: address

event Settle:
    id: indexed(uint256)
    user: indexed(address)
    collateral_returned: uint256
    shortfall: uint256

event SetCurve:
    id: indexed(uint256)
    kind: uint256
    a: uint256
    b: uint256

event SetParams:
    buf: uint256
    tail: uint256
    cusp: uint256
    chost: uint256

event SetStopped:
    level: uint256

event SetController:
    controller: indexed(address)

struct Sale:  # stored in two slots: user | tic (34 bits) | curve id (15) | top (47, see _pack_top), lot | tab (128 each)
    user: address
    lot: uint256
    tab: uint256
    top: uint256
    tic: uint256
    curve: uint256

struct Params:  # stored in one slot: see _params
    buf: uint256
    tail: uint256
    cusp: uint256
    chost: uint256

struct Curve:  # stored in one slot: kind (8 bits) | a (64) | b (64)
    kind: uint256
    a: uint256
    b: uint256

MAX_ACTIVE: constant(uint256) = 1000
MAX_CURVES: constant(uint256) = 2**15 - 1  # curve ids fit the sale's 15 bits
SLOT_BITS: constant(uint256) = 10  # an id's low bits name its record slot, 1 .. MAX_ACTIVE
SLOT_MASK: constant(uint256) = 2**10 - 1
SLOTS_PER_WORD: constant(uint256) = 8  # a slot word holds 8 fields of FIELD_BITS and WORD_SET
FIELD_BITS: constant(uint256) = 31  # a slot's field: generation (30 bits) << 1 | live
FIELD_MASK: constant(uint256) = 2**31 - 1
LIVE_BITS: constant(uint256) = 1 | (1 << 31) | (1 << 62) | (1 << 93) | (1 << 124) | (1 << 155) | (1 << 186) | (1 << 217)
WORD_SET: constant(uint256) = 1 << 255  # set in a slot word from its first write on: it never returns to zero
SLOT_WORDS: constant(uint256) = MAX_ACTIVE // SLOTS_PER_WORD + 1
PREPAID_WORDS: constant(uint256) = 2  # slot words written at deployment, with the records of their slots
TOP_DIGITS: constant(uint256) = 12  # significant decimal digits of a stored top (< 2**40)
MASK34: constant(uint256) = 2**34 - 1
MASK54: constant(uint256) = 2**54 - 1
MASK64: constant(uint256) = 2**64 - 1
MASK128: constant(uint256) = 2**128 - 1
MASK31: constant(uint256) = 2**31 - 1
HEADER_SET: constant(uint256) = 1 << 95  # set from deployment on: the header slot is never zero
MASK160: constant(uint256) = 2**160 - 1
MASK32: constant(uint256) = 2**32 - 1
MAX_CALLBACK_DATA: constant(uint256) = 1024

STABLECOIN: public(immutable(IStablecoin))
COLLATERAL_TOKEN: public(immutable(IERC20))
COLLATERAL_PRECISION: immutable(uint256)
ORACLE: public(immutable(IPriceOracle))

# controller (160 bits) | stopped (8, from bit 160) | curve id (15, from bit 168): what a
# kick checks and stamps, in one slot
_control: uint256
_sales: HashMap[uint256, uint256[2]]  # record slot -> the sale it holds (see _load)
_curves: HashMap[uint256, uint256]  # curve id -> packed Curve
# Hot counters share one slot: kicks (54 bits) | the first slot word that may have a free
# slot (10) | live auctions (31) | a set bit | total tab (160). The set bit is written at
# deployment, so the first auction of a market rewrites a non-zero slot too.
_header: uint256
# Record slots. A sale is stored in the lowest free slot (1 .. MAX_ACTIVE), whose two
# record words and slot word an earlier sale in it (or the deployment, for the first
# PREPAID_WORDS * 8 slots) left non-zero: a kick rewrites slots instead of creating them
# (about 5k gas a word instead of 22k). Slot s's field in word s // 8 holds the number of
# sales it has held (its generation g) and whether one is live; that sale's id is
# ((g - 1) << SLOT_BITS) | s, so ids are unique (the first sale of each slot has id s)
# and an id whose sale has ended never names the next sale of its slot. Slot 0 is never
# used: its field is live from deployment, so no id is 0.
_slots: HashMap[uint256, uint256]

# buf (64 bits) | tail (32, from bit 64) | cusp (64, from bit 96) | chost (96, from bit
# 160), each bounded below its field by _set_params: what take and redo read, in one slot
_params: uint256


@deploy
def __init__(
    stablecoin: IStablecoin,
    collateral_token: IERC20,
    oracle: IPriceOracle,
    admin: address,
    curve_kind: uint256,
    curve_a: uint256,
    curve_b: uint256,
    buf: uint256,
    tail: uint256,
    cusp: uint256,
    chost: uint256,
):
    """
    @notice Create the auction house of one market. The Controller is set once by the
            admin (`set_controller`) after it is deployed.
    @param curve_kind price_curves.LINEAR, STAIRSTEP or EXPONENTIAL, with parameters a, b
    @param buf starting price over the oracle (WAD, 1..2)
    @param tail seconds before a redo is due (60 .. 7 days)
    @param cusp price/top below which a redo is due (WAD, 1% .. 99%)
    @param chost dust floor of a tab (stablecoin)
    """
    admin_role.__init__(admin)
    STABLECOIN = stablecoin
    COLLATERAL_TOKEN = collateral_token
    ORACLE = oracle
    decimals: uint8 = staticcall IERC20Detailed(collateral_token.address).decimals()
    COLLATERAL_PRECISION = 10 ** convert(18 - decimals, uint256)
    self._set_curve(curve_kind, curve_a, curve_b)
    self._set_params(buf, tail, cusp, chost)
    self._header = HEADER_SET
    self._slots[0] = 1  # slot 0's field: live (and WORD_SET below)
    for w: uint256 in range(PREPAID_WORDS):
        self._slots[w] |= WORD_SET
    for s: uint256 in range(1, SLOTS_PER_WORD * PREPAID_WORDS):
        self._sales[s] = [1, 1]  # placeholders: never read (not live), rewritten by a kick


# ---------------------------------------------------------------- admin

@internal
def _set_curve(kind: uint256, a: uint256, b: uint256):
    price_curves._check_params(kind, a, b)  # also bounds a and b below 2**64
    ctl: uint256 = self._control
    id: uint256 = ((ctl >> 168) & MAX_CURVES) + 1
    assert id <= MAX_CURVES, "Auction: too many curves"
    self._control = (ctl & ~(MAX_CURVES << 168)) | (id << 168)
    self._curves[id] = kind | (a << 8) | (b << 72)
    log SetCurve(id=id, kind=kind, a=a, b=b)


@internal
@view
def _curve(id: uint256) -> Curve:
    v: uint256 = self._curves[id]
    return Curve(kind=v & 255, a=(v >> 8) & MASK64, b=v >> 72)


@internal
@pure
def _pack_top(top: uint256) -> uint256:
    """
    A top in 47 bits: its TOP_DIGITS leading decimal digits m and the exponent e, top
    ~ m * 10**e. Rounds down, by less than 1e-11 of the top (the auction starts a hair
    lower); a top with at most TOP_DIGITS significant digits (2750 * 10**18) is exact.
    """
    # the least e with top // 10**e below 10**TOP_DIGITS, by binary search; m is
    # top // 10**e throughout (a floor of a floor is the floor of the product), and every
    # power is a constant (10**76 < 2**256)
    m: uint256 = top
    e: uint256 = 0
    if m >= 10**(TOP_DIGITS + 64):
        m //= 10**64
        e = 64
    if m >= 10**(TOP_DIGITS + 32):
        m //= 10**32
        e += 32
    if m >= 10**(TOP_DIGITS + 16):
        m //= 10**16
        e += 16
    if m >= 10**(TOP_DIGITS + 8):
        m //= 10**8
        e += 8
    if m >= 10**(TOP_DIGITS + 4):
        m //= 10**4
        e += 4
    if m >= 10**(TOP_DIGITS + 2):
        m //= 10**2
        e += 2
    if m >= 10**(TOP_DIGITS + 1):
        m //= 10
        e += 1
    if m >= 10**TOP_DIGITS:
        m //= 10
        e += 1
    return m | (e << 40)  # rounds down: the low digits are dropped


@internal
@pure
def _unpack_top(code: uint256) -> uint256:
    return (code & (2**40 - 1)) * pow_mod256(10, code >> 40)


@internal
@view
def _is_live(id: uint256) -> bool:
    """
    Whether `id` names the live sale of its slot: the slot's field is (g << 1) | 1 with g
    the id's generation, (id >> SLOT_BITS) + 1.
    """
    slot: uint256 = id & SLOT_MASK
    field: uint256 = (self._slots[slot // SLOTS_PER_WORD] >> (slot % SLOTS_PER_WORD * FIELD_BITS)) & FIELD_MASK
    return field == ((((id >> SLOT_BITS) + 1) << 1) | 1)


@internal
@view
def _load(id: uint256) -> Sale:
    """
    Auction `id`, or an empty sale (user zero) if it is not live.
    """
    if not self._is_live(id):
        return empty(Sale)
    v: uint256[2] = self._sales[id & SLOT_MASK]
    return Sale(user=convert(v[0] & MASK160, address), lot=v[1] & MASK128, tab=v[1] >> 128, top=self._unpack_top(v[0] >> 209), tic=(v[0] >> 160) & MASK34, curve=(v[0] >> 194) & MAX_CURVES)


@internal
def _store(id: uint256, sale: Sale):
    # lot and tab only fall after kick, which bounds them below 2**128; tic < 2**34 until
    # the year 2514; curve ids stop at MAX_CURVES; the top is packed by _pack_top
    self._sales[id & SLOT_MASK] = [convert(sale.user, uint256) | (sale.tic << 160) | (sale.curve << 194) | (self._pack_top(sale.top) << 209), sale.lot | (sale.tab << 128)]


@internal
@view
def _total_tab() -> uint256:
    return self._header >> 96


@internal
@view
def _count() -> uint256:
    return (self._header >> 64) & MASK31


@internal
def _set_header(kicks: uint256, hint: uint256, count: uint256, total_tab: uint256):
    self._header = kicks | (hint << 54) | (count << 64) | HEADER_SET | (total_tab << 96)


@internal
def _reduce_total_tab(amount: uint256):
    h: uint256 = self._header
    self._header = (h & (2**96 - 1)) | (((h >> 96) - amount) << 96)


@internal
def _set_params(buf: uint256, tail: uint256, cusp: uint256, chost: uint256):
    assert buf >= c.WAD and buf <= 2 * c.WAD, "Auction: buf out of range"
    assert tail >= 60 and tail <= 7 * 86400, "Auction: tail out of range"
    assert cusp >= c.WAD // 100 and cusp <= 99 * c.WAD // 100, "Auction: cusp out of range"
    assert chost <= 10**9 * c.WAD, "Auction: chost out of range"
    # buf <= 2e18 < 2**64, tail < 2**32, cusp < 1e18 < 2**64, chost <= 1e27 < 2**96
    self._params = buf | (tail << 64) | (cusp << 96) | (chost << 160)
    log SetParams(buf=buf, tail=tail, cusp=cusp, chost=chost)


@external
def set_controller(controller: address):
    """
    @notice Set the Controller, the only contract that may start auctions. Once; admin only.
    """
    admin_role._check_admin()
    ctl: uint256 = self._control
    assert ctl & MASK160 == 0, "Auction: controller already set"
    assert controller != empty(address), "Auction: zero controller"
    self._control = ctl | convert(controller, uint256)
    log SetController(controller=controller)


@external
def set_curve(kind: uint256, a: uint256, b: uint256):
    """
    @notice Choose the price curve for auctions started or re-priced from now on; live
            auctions keep theirs until re-priced. Admin only.
    """
    admin_role._check_admin()
    self._set_curve(kind, a, b)


@external
def set_params(buf: uint256, tail: uint256, cusp: uint256, chost: uint256):
    """
    @notice Set buf, tail, cusp and the dust floor (bounds in the constructor). Admin only.
    """
    admin_role._check_admin()
    self._set_params(buf, tail, cusp, chost)


@external
def set_stopped(level: uint256):
    """
    @notice Breaker: 0 none, 1 no new auctions, 2 also no redo, 3 also no take. Admin only.
    """
    admin_role._check_admin()
    assert level <= 3, "Auction: breaker level out of range"
    self._control = (self._control & ~(255 << 160)) | (level << 160)
    log SetStopped(level=level)


@internal
@view
def _load_params() -> Params:
    v: uint256 = self._params
    return Params(buf=v & MASK64, tail=(v >> 64) & MASK32, cusp=(v >> 96) & MASK64, chost=v >> 160)


@external
@view
def controller() -> address:
    """
    @notice The Controller, the only contract that may start auctions.
    """
    return convert(self._control & MASK160, address)


@external
@view
def stopped() -> uint256:
    """
    @notice Breaker level: 0 none, 1 no new auctions, 2 also no redo, 3 also no take.
    """
    return (self._control >> 160) & 255


@external
@view
def curve_id() -> uint256:
    """
    @notice Id of the curve new and re-priced auctions use.
    """
    return (self._control >> 168) & MAX_CURVES


@external
@view
def buf() -> uint256:
    """
    @notice Starting price over the oracle (WAD).
    """
    return self._load_params().buf


@external
@view
def tail() -> uint256:
    """
    @notice Seconds after which an auction needs a redo.
    """
    return self._load_params().tail


@external
@view
def cusp() -> uint256:
    """
    @notice Price over top (WAD) below which an auction needs a redo.
    """
    return self._load_params().cusp


@external
@view
def chost() -> uint256:
    """
    @notice Dust floor of a tab and of a lot's value (stablecoin).
    """
    return self._load_params().chost


# ---------------------------------------------------------------- pricing

@internal
@view
def _price(sale: Sale) -> uint256:
    curve: Curve = self._curve(sale.curve)
    return price_curves._price(curve.kind, sale.top, curve.a, curve.b, block.timestamp - sale.tic)


@external
@view
def curve_kind() -> uint256:
    """
    @notice Kind of the current curve (price_curves.LINEAR, STAIRSTEP or EXPONENTIAL).
    """
    return self._curve((self._control >> 168) & MAX_CURVES).kind


@external
@view
def curve_a() -> uint256:
    """
    @notice Parameter a of the current curve: linear tau (s), or the cut (WAD).
    """
    return self._curve((self._control >> 168) & MAX_CURVES).a


@external
@view
def curve_b() -> uint256:
    """
    @notice Parameter b of the current curve: the stairstep's step (s), else 0.
    """
    return self._curve((self._control >> 168) & MAX_CURVES).b


@external
@view
def sales(id: uint256) -> Sale:
    """
    @notice Auction `id`: user, lot, tab, top, tic and the id of its curve; zeros if it is
            not live.
    """
    return self._load(id)


@internal
@view
def _needs_redo(sale: Sale, price: uint256, p: Params) -> bool:
    # price/top < cusp, compared without division
    return block.timestamp - sale.tic >= p.tail or price * c.WAD < p.cusp * sale.top


@internal
def _oracle_top(buf: uint256) -> uint256:
    # price_w() refreshes the oracle (stores its value for this block) before we read it:
    # the top is the refreshed value, and later reads in this block see the same one
    p: uint256 = extcall ORACLE.price_w()
    assert p > 0, "Auction: oracle price is zero"
    # rounds down: the curve is anchored at the oracle; then to what a sale stores
    return self._unpack_top(self._pack_top(p * buf // c.WAD))


@external
@view
def status(id: uint256) -> (bool, uint256, uint256, uint256):
    """
    @notice (needs_redo, price now, lot, tab) of auction `id`; zeros if it is not live.
    """
    sale: Sale = self._load(id)
    if sale.user == empty(address):
        return False, 0, 0, 0
    price: uint256 = self._price(sale)
    return self._needs_redo(sale, price, self._load_params()), price, sale.lot, sale.tab


@external
@view
def active_ids() -> DynArray[uint256, MAX_ACTIVE]:
    """
    @notice Ids of the live auctions, by record slot.
    """
    out: DynArray[uint256, MAX_ACTIVE] = []
    n: uint256 = self._count()
    for w: uint256 in range(SLOT_WORDS):
        if len(out) == n:
            break
        word: uint256 = self._slots[w]
        for j: uint256 in range(SLOTS_PER_WORD):
            field: uint256 = (word >> (j * FIELD_BITS)) & FIELD_MASK
            if field & 1 == 1 and (w > 0 or j > 0):  # live (slot 0 never holds a sale)
                out.append((((field >> 1) - 1) << SLOT_BITS) | (w * SLOTS_PER_WORD + j))
    return out


@external
@view
def count() -> uint256:
    """
    @notice Number of live auctions.
    """
    return self._count()


@external
@view
def kicks() -> uint256:
    """
    @notice Auctions started so far.
    """
    return self._header & MASK54


@external
@view
def total_tab() -> uint256:
    """
    @notice Stablecoin the live auctions still have to raise (debt moved to them plus penalty).
    """
    return self._total_tab()


# ---------------------------------------------------------------- life cycle

@internal
def _remove(id: uint256):
    h: uint256 = self._header
    slot: uint256 = id & SLOT_MASK
    w: uint256 = slot // SLOTS_PER_WORD
    # the live bit goes; the generation stays, and so do the record words (the next sale
    # of this slot rewrites them)
    self._slots[w] &= ~(1 << (slot % SLOTS_PER_WORD * FIELD_BITS))
    self._set_header(h & MASK54, min((h >> 54) & SLOT_MASK, w), ((h >> 64) & MASK31) - 1, h >> 96)


@internal
def _settle(id: uint256, sale: Sale, controller: IController):
    """
    End auction `id`: what is left of the lot goes back to the borrower, what is left of
    the tab is booked as a shortfall at the Controller (reserves first, then bad debt).
    A covered tab (tab 0), an exhausted lot (lot 0) and a dust lot (both left) all end here.
    """
    if sale.lot > 0:
        extcall controller.send_collateral(sale.user, sale.lot)
    if sale.tab > 0:
        self._reduce_total_tab(sale.tab)
        extcall controller.book_shortfall(sale.tab)
    log Settle(id=id, user=sale.user, collateral_returned=sale.lot, shortfall=sale.tab)
    self._remove(id)


@external
@nonreentrant
def kick(user: address, lot: uint256, tab: uint256, keeper: address) -> uint256:
    """
    @notice Start an auction of `lot` collateral (it stays in the AMM until sold: the
            Controller's send_collateral moves it to buyers) to raise `tab` stablecoin
            for `user`'s liquidation. Controller only. The top is priced from the oracle
            refreshed by its price_w().
    @return The auction id.
    """
    ctl: uint256 = self._control
    assert msg.sender == convert(ctl & MASK160, address), "Auction: only controller"
    assert (ctl >> 160) & 255 < 1, "Auction: liquidations stopped"
    assert lot > 0 and tab > 0, "Auction: zero lot or tab"
    assert lot <= MASK128 and tab <= MASK128, "Auction: lot or tab too large"
    h: uint256 = self._header
    n: uint256 = (h >> 64) & MASK31
    assert n < MAX_ACTIVE, "Auction: too many live auctions"
    # the lowest free slot, from the first word that may have one (n < MAX_ACTIVE: one of
    # slots 1 .. MAX_ACTIVE is free, and no word below the hint has a free slot)
    w: uint256 = (h >> 54) & SLOT_MASK
    word: uint256 = self._slots[w]
    for k: uint256 in range(SLOT_WORDS):
        if ~word & LIVE_BITS != 0:
            break
        w += 1
        word = self._slots[w]
    free: uint256 = ~word & LIVE_BITS
    low: uint256 = free & unsafe_add(~free, 1)  # the lowest free field's live bit (free != 0)
    at: uint256 = 0
    for step: uint256 in [4, 2, 1]:
        if low >= 1 << (step * FIELD_BITS):
            low >>= step * FIELD_BITS
            at += step * FIELD_BITS
    gen: uint256 = ((word >> at) & FIELD_MASK) // 2 + 1  # one more sale in this slot
    assert gen < 2**30, "Auction: slot worn out"  # a billion sales in one slot
    slot: uint256 = w * SLOTS_PER_WORD + at // FIELD_BITS
    id: uint256 = ((gen - 1) << SLOT_BITS) | slot
    word = (word & ~(FIELD_MASK << at)) | (((gen << 1) | 1) << at) | WORD_SET
    self._slots[w] = word
    if ~word & LIVE_BITS == 0:
        w += 1  # this word is full now
    top: uint256 = self._oracle_top(self._params & MASK64)
    self._store(id, Sale(user=user, lot=lot, tab=tab, top=top, tic=block.timestamp, curve=(ctl >> 168) & MAX_CURVES))
    self._set_header((h & MASK54) + 1, w, n + 1, (h >> 96) + tab)  # tab < 2**128: the total stays below 2**160 for 2**32 auctions
    log Kick(id=id, user=user, top=top, tab=tab, lot=lot, keeper=keeper)
    return id


@external
@nonreentrant
def redo(id: uint256, keeper: address = msg.sender):
    """
    @notice Re-price a stale auction from the oracle, refreshed by its price_w() (after
            `tail` seconds or once the price fell below cusp * top). `keeper` earns the
            incentive (LiquidationPolicy.redo_reward) if the tab is above the dust floor
            and the lot, valued at the new top, covers half of it. A lot worth less than
            min(chost, tab) at the new top is not worth taking: the auction is settled
            instead (lot back to the borrower, tab booked as a shortfall), unpaid.
    """
    ctl: uint256 = self._control
    controller: IController = IController(convert(ctl & MASK160, address))
    assert (ctl >> 160) & 255 < 2, "Auction: redo stopped"
    sale: Sale = self._load(id)
    assert sale.user != empty(address), "Auction: not running"
    p: Params = self._load_params()
    assert self._needs_redo(sale, self._price(sale), p), "Auction: redo not due"
    sale.top = self._oracle_top(p.buf)
    lot_value: uint256 = sale.lot * COLLATERAL_PRECISION * sale.top // c.WAD  # rounds down
    if lot_value < p.chost and lot_value < sale.tab:
        self._settle(id, sale, controller)
        return
    sale.tic = block.timestamp
    sale.curve = (ctl >> 168) & MAX_CURVES
    self._store(id, sale)
    if sale.tab >= p.chost and keeper != empty(address):
        extcall controller.pay_incentive(keeper, sale.tab, lot_value)
    log Redo(id=id, top=sale.top, tab=sale.tab, lot=sale.lot, keeper=keeper)


@external
@nonreentrant
def take(id: uint256, max_collateral: uint256, max_price: uint256, receiver: address, data: Bytes[MAX_CALLBACK_DATA]) -> uint256[2]:
    """
    @notice Buy up to `max_collateral` (token units) of auction `id` at the current price,
            if it is at most `max_price`. Collateral goes to `receiver` first; if `data`
            is non-empty, `receiver.on_take(caller, owe, amount, data)` is called; then the
            caller pays `owe` stablecoin. Never collects more than the tab; never leaves
            a tab below the dust floor, nor a lot worth less than the dust floor at this
            price behind a tab (reverts "Auction: lot left below dust": buy all of it).
    @return [collateral bought, stablecoin paid]
    """
    ctl: uint256 = self._control
    controller: IController = IController(convert(ctl & MASK160, address))
    assert (ctl >> 160) & 255 < 3, "Auction: takes stopped"
    assert max_collateral > 0, "Auction: zero amount"
    assert receiver not in [empty(address), self], "Auction: bad receiver"
    sale: Sale = self._load(id)
    assert sale.user != empty(address), "Auction: not running"
    price: uint256 = self._price(sale)
    p: Params = self._load_params()
    assert not self._needs_redo(sale, price, p), "Auction: needs redo"
    assert price <= max_price, "Auction: price too high"
    assert price > 0, "Auction: zero price"

    amount: uint256 = min(sale.lot, max_collateral)
    owe: uint256 = (amount * COLLATERAL_PRECISION * price + c.WAD - 1) // c.WAD  # rounds up: keeper pays
    if owe > sale.tab:
        # buy only what the tab needs
        owe = sale.tab
        amount = max(owe * c.WAD // price // COLLATERAL_PRECISION, 1)  # rounds down: keeper gets less (at least 1 unit: no stuck dust)
    elif owe < sale.tab and amount < sale.lot:
        chost: uint256 = p.chost
        if sale.tab - owe < chost:
            # leave exactly the dust floor rather than an unsellable remainder
            assert sale.tab > chost, "Auction: no partial purchase"
            owe = sale.tab - chost
            amount = max(owe * c.WAD // price // COLLATERAL_PRECISION, 1)  # rounds down (at least 1 unit)
    amount = min(amount, sale.lot)
    sale.tab -= owe
    sale.lot -= amount
    if sale.tab > 0 and sale.lot > 0:
        # no crumb behind a tab: a lot worth less than the dust floor is not worth a
        # taker's transaction, and it would leave an auction only a settlement can end
        assert sale.lot * COLLATERAL_PRECISION * price >= p.chost * c.WAD, "Auction: lot left below dust"

    extcall controller.send_collateral(receiver, amount)
    if len(data) > 0:
        extcall ITakeCallback(receiver).on_take(msg.sender, owe, amount, data)
    assert extcall IERC20(STABLECOIN.address).transferFrom(msg.sender, self, owe, default_return_value=True), "Auction: payment failed"
    extcall STABLECOIN.burn(owe)
    self._reduce_total_tab(owe)
    log Take(id=id, keeper=msg.sender, price=price, owe=owe, amount=amount, tab_left=sale.tab, lot_left=sale.lot)

    if sale.tab == 0 or sale.lot == 0:
        self._settle(id, sale, controller)  # tab covered (leftover back) or lot exhausted (shortfall)
    else:
        self._store(id, sale)
    return [amount, owe]
