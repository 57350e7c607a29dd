"""Integer-exact model of contracts/AMM.vy (with band_math.vy): the band AMM.

Each method mirrors the contract function of the same name, expression by expression,
so every rounding matches. Token movements are left to the caller (`ModelMarket`),
which moves balances exactly as the contract's transfers do. State is plain dicts;
`copy()` gives an independent copy cheaply (used by the Monte Carlo).

Lazy bands (docs/lazy-bands-spec.md): the contract stores the bands no swap has
reached (n >= V) as gross deposits and pending withdrawals; the model keeps every
band's true contents eagerly and only what the observable results depend on: V, each
virgin band's gross collateral (its overflow check) and each position's record
(v1, a, dust).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from math import isqrt

from softliq.model.events import EventLog
from softliq.model.oracle import Clock, OracleModel
from softliq.model.wad_math import (
    DEAD_SHARES,
    IWAD,
    MAX_AMOUNT,
    MAX_BAND_SIZE,
    MAX_DYNAMIC_FEE,
    MAX_AWAY_FEE,
    MAX_FEE,
    MAX_RATE,
    MAX_SWING_FACTOR,
    MAX_SWING_FEE,
    MAX_SWING_TIME,
    MIN_SWING_TIME,
    SWING_UNIT,
    MIN_AWAY_FEE,
    MIN_BAND_Y,
    WAD,
    ModelRevert,
    exp_wad,
    ln_wad,
    require,
    sdiv,
)

MAX_TOUCH = 50
MAX_UINT256 = 2**256 - 1
MASK16 = 2**16 - 1


def liquidity(x: int, y: int, sa: int, sb: int, d: int) -> int:
    """band_math._liquidity: L of a band holding (x, y), rounded down."""
    b = sa * y // WAD + x * WAD // sb
    if x == 0 or y == 0:
        return b * WAD // d  # one coin: disc = b**2, the root is exactly this
    disc = b * b + 4 * (d * x // WAD) * y
    return (b + isqrt(disc)) * WAD // (2 * d)


def equilibrium(l: int, sa: int, sb: int, sp: int) -> tuple[int, int]:
    """band_math._equilibrium: band content on curve L at sqrt price sp (clamped)."""
    s = min(max(sp, sa), sb)
    x = l * (s - sa) // WAD
    t1 = l * WAD // s
    t2 = (l * WAD + sb - 1) // sb
    return x, (t1 - t2 if t1 > t2 else 0)


@dataclass(slots=True)
class Ctx:
    """AMM.Ctx: what one call knows about the oracle."""

    p_o: int
    sqrt_po: int
    ln0: int
    fee: int


@dataclass(slots=True)
class Sides:
    """AMM.Sides: a band as one trade sees it. Treat as read-only: `AMMModel.sides`
    memoises it (not frozen only because frozen dataclasses are slow to build)."""

    in_bal: int
    in_off: int
    in_prec: int
    out_bal: int
    out_off: int
    out_prec: int
    inv: int
    fee: int
    away_fee: int
    cheap_net: int
    cheap_gross: int
    sa: int = 0
    """The band's _sa."""


@dataclass
class Trade:
    """AMM.Trade: the result of walking the bands."""

    in_amount: int = 0
    out_amount: int = 0
    n_end: int = 0
    bands: list[int] = field(default_factory=list)
    values: list[tuple[int, int]] = field(default_factory=list)


class AMMModel:
    """contracts/AMM.vy. Amounts: x in stablecoin wei, y in collateral token units."""

    def __init__(
        self,
        clock: Clock,
        oracle: OracleModel,
        A: int,
        amplification: int,
        base_price: int,
        fee: int,
        collateral_decimals: int,
        oracle_fee_window: int,
        away_fee: int = 0,
        swing_factor: int = 0,
        swing_time: int = 600,
    ) -> None:
        require(10 <= A <= 10000, "AMM: A out of range")
        require(11 * 10**17 <= amplification <= 3 * WAD, "AMM: amplification out of range")
        require(base_price > 0, "AMM: zero base price")
        max_fee = min(MAX_FEE, 4 * WAD // A)
        require(10**6 <= fee <= max_fee, "AMM: fee out of range")
        require(12 <= oracle_fee_window <= 600, "AMM: oracle fee window out of range")
        require(away_fee == 0 or MIN_AWAY_FEE <= away_fee <= MAX_AWAY_FEE, "AMM: away fee out of range")
        require(collateral_decimals <= 18, "AMM: collateral decimals above 18")
        self.clock = clock
        self.oracle = oracle
        self.A = A
        self.AMPLIFICATION = amplification
        self.BASE_PRICE = base_price
        self.COLLATERAL_PRECISION = 10 ** (18 - collateral_decimals)
        self.MAX_BASE_FEE = max_fee
        self.ORACLE_FEE_WINDOW = oracle_fee_window
        self.AWAY_FEE = away_fee
        require(swing_factor <= MAX_SWING_FACTOR, "AMM: swing factor out of range")
        require(MIN_SWING_TIME <= swing_time <= MAX_SWING_TIME, "AMM: swing time out of range")
        self.SWING_FACTOR = swing_factor
        self.SWING_TIME = swing_time
        log_a = ln_wad(A * WAD // (A - 1))
        self.LOG_A_RATIO = log_a
        self.HALF_K1 = sdiv(amplification - IWAD, 2)
        ratio = exp_wad(sdiv(self.HALF_K1 * log_a, IWAD))
        self.SB_OVER_SA = ratio
        self.CURVE_D = WAD - WAD * WAD // ratio
        self.fee = fee
        self.rate_mul, self.rate, self.rate_time = WAD, 0, clock.now
        self.active, self.lo, self.hi = 0, 0, -1
        p_o = oracle.price()
        require(p_o > 0, "AMM: oracle price is zero")
        require(p_o <= MAX_AMOUNT, "AMM: oracle price too high")
        self.old_p_o, self.old_dfee, self.prev_p_o_time = p_o, 0, clock.now
        self.swing_dir, self.swing, self.swing_last = 0, 0, 0
        self.bands_x: dict[int, int] = {}
        self.bands_y: dict[int, int] = {}
        self.total_shares: dict[int, int] = {}
        self.virgin = self.active + 1
        """V: bands n >= V no swap has reached (docs/lazy-bands-spec.md); V > active."""
        self.gross_y: dict[int, int] = {}
        """Virgin band n -> collateral ever deposited into it while virgin (withdrawals do
        not lower it; dropped once a swap reaches the band)."""
        self.user_ns: dict[str, tuple[int, int]] = {}
        self.user_ticks: dict[str, list[int]] = {}
        """User -> shares of the explicit bands n1 .. v1 - 1."""
        self.user_lazy: dict[str, tuple[int, int, int]] = {}
        """User -> (v1, a, dust): a in every band n1..n2 (DEAD_SHARES * a shares in each
        implicit band v1..n2), dust in no band; no entry: no position."""
        self.log = EventLog()
        self._reset_memos()

    def _reset_memos(self) -> None:
        """Memos of pure computations (see `sides` and `calc_swap_out`). Their keys hold
        every input that can change on a live market (the oracle context with the fee,
        the bands read, active/lo/hi); A, amplification, base price, collateral
        precision and the derived constants are fixed at construction, as in the
        contract (immutables)."""
        self._sides_memo: dict[tuple[int, int, int, int, int, int, int], tuple[Sides, Sides]] = {}
        self._swap_memo: dict[tuple[bool, int, int, int, int, int, int, int, int], tuple[Trade, tuple[tuple[int, int, int], ...]]] = {}

    def copy(self, clock: Clock, oracle: OracleModel) -> "AMMModel":
        """An independent copy bound to another clock and oracle."""
        new = copy.copy(self)
        new.clock, new.oracle = clock, oracle
        new.bands_x = dict(self.bands_x)
        new.bands_y = dict(self.bands_y)
        new.total_shares = dict(self.total_shares)
        new.gross_y = dict(self.gross_y)
        new.user_ns = dict(self.user_ns)
        new.user_ticks = {u: list(t) for u, t in self.user_ticks.items()}
        new.user_lazy = dict(self.user_lazy)
        new._reset_memos()
        return new

    # ------------------------------------------------------------ rate, grid, oracle

    def set_fee(self, fee: int) -> None:
        """set_fee (the Controller's call)."""
        require(10**6 <= fee <= self.MAX_BASE_FEE, "AMM: fee out of range")
        self.fee = fee
        self.log.emit("amm", "SetFee", fee=fee)

    def get_rate_mul(self) -> int:
        """_rate_mul_now: rounds down (at rate 0 that is rate_mul itself)."""
        if not self.rate:
            return self.rate_mul
        return self.rate_mul * (WAD + self.rate * (self.clock.now - self.rate_time)) // WAD

    def set_rate(self, rate: int) -> int:
        """set_rate: compound and set the per-second rate; returns rate_mul."""
        require(rate <= MAX_RATE, "AMM: rate too high")
        rate_mul = self.get_rate_mul()
        require(rate_mul <= MAX_AMOUNT, "AMM: rate multiplier overflow")
        self.rate_mul, self.rate, self.rate_time = rate_mul, rate, self.clock.now
        self.log.emit("amm", "SetRate", rate=rate, rate_mul=rate_mul, time=self.clock.now)
        return rate_mul

    def get_base_price(self) -> int:
        """_base_price."""
        return self.BASE_PRICE * self.get_rate_mul() // WAD

    def p_oracle_up(self, n: int) -> int:
        """_p_oracle_up(n)."""
        return self.get_base_price() * exp_wad(-n * self.LOG_A_RATIO) // WAD

    def p_oracle_down(self, n: int) -> int:
        """p_oracle_down(n) == p_oracle_up(n + 1)."""
        return self.p_oracle_up(n + 1)

    def _decayed(self, v: int, dt: int) -> int:
        return v * self.SWING_TIME // (self.SWING_TIME + dt)

    def next_oracle(self, p_o: int) -> tuple[int, int, int, int, int, int]:
        """_next_oracle: (p_o, dfee, time, dir, swing, last) a write at p_o would store."""
        old, now = self.old_p_o, self.clock.now
        dt = now - self.prev_p_o_time
        window = self.ORACLE_FEE_WINDOW
        dfee = 0
        if dt < window:
            move = 0
            if old != p_o:
                ratio = min(old, p_o) * WAD // max(old, p_o)
                ratio_k = exp_wad(sdiv(ln_wad(ratio) * self.AMPLIFICATION, IWAD))
                move = WAD - min(ratio_k, WAD)
            dfee = min((self.old_dfee + move) * (window - dt) // window, MAX_DYNAMIC_FEE)
        d = self.swing_dir
        if not self.SWING_FACTOR:
            return p_o, dfee, now, d, 0, 0
        swing, last = self._decayed(self.swing, dt), self._decayed(self.swing_last, dt)
        if old != p_o:
            nd = 1 if p_o > old else 2
            if d != 0 and nd != d:
                hi = max(old, p_o)
                size = (hi - min(old, p_o)) * (WAD // SWING_UNIT) // hi + 1
                swing = min(swing + last, MASK16)
                last = min(size, MASK16)
            d = nd
        return p_o, dfee, now, d, swing, last

    def swing_fee_of(self, swing: int) -> int:
        """_swing_fee: rounds up, capped."""
        return min((self.SWING_FACTOR * swing * SWING_UNIT + WAD - 1) // WAD, MAX_SWING_FEE)

    def _ctx_at(self, p_o: int, state: tuple[int, int, int, int, int, int]) -> Ctx:
        require(p_o > 0, "AMM: oracle price is zero")
        ln0 = ln_wad(p_o * WAD // self.get_base_price())
        return Ctx(p_o, isqrt(p_o * WAD), ln0, max(self.fee, state[1], self.swing_fee_of(state[4])))

    def ctx(self, p_o: int) -> Ctx:
        """_ctx(p_o)."""
        require(p_o > 0, "AMM: oracle price is zero")
        return self._ctx_at(p_o, self.next_oracle(p_o))

    def oracle_state(self) -> tuple[int, int, int, int, int, int]:
        """oracle_state(): the stored (p_o, dfee, time, dir, swing, last)."""
        return self.old_p_o, self.old_dfee, self.prev_p_o_time, self.swing_dir, self.swing, self.swing_last

    def price_oracle(self) -> int:
        """price_oracle() / _price_oracle()."""
        p = self.oracle.price()
        require(p > 0, "AMM: oracle price is zero")
        return p

    def _price_oracle_w(self) -> Ctx:
        p = self.oracle.price_w()
        require(p > 0, "AMM: oracle price is zero")
        require(p <= MAX_AMOUNT, "AMM: oracle price too high")
        state = self.next_oracle(p)
        require(state[2] < 2**34, "AMM: timestamp overflow")
        self.old_p_o, self.old_dfee, self.prev_p_o_time, self.swing_dir, self.swing, self.swing_last = state
        return self._ctx_at(p, state)

    def dynamic_fee(self) -> int:
        """dynamic_fee(): max(fee, oracle-move fee) now."""
        return self.ctx(self.price_oracle()).fee

    def sa(self, ctx: Ctx, n: int) -> int:
        """_sa: sqrt of band n's lowest AMM price, rounded down."""
        a = self.HALF_K1 * (ctx.ln0 + n * self.LOG_A_RATIO)
        return ctx.sqrt_po * exp_wad(a // IWAD if a >= 0 else -(-a // IWAD)) // WAD  # sdiv

    @staticmethod
    def band_fee(ctx: Ctx, lo: int, hi: int) -> int:
        """_band_fee: a quarter of the gap between p_o and the band's range [lo, hi]."""
        if ctx.p_o < lo:
            return max(ctx.fee, (lo - ctx.p_o) * WAD // lo // 4)
        if ctx.p_o > hi:
            return max(ctx.fee, (ctx.p_o - hi) * WAD // ctx.p_o // 4)
        return ctx.fee

    def band(self, n: int) -> tuple[int, int]:
        """(x, y in collateral units) of band n."""
        return self.bands_x.get(n, 0), self.bands_y.get(n, 0)

    def get_p(self) -> int:
        """get_p(): AMM price in the active band (geometric mid-range if it is empty)."""
        ctx = self.ctx(self.price_oracle())
        n = self.active
        x, y = self.band(n)
        prec = self.COLLATERAL_PRECISION
        sd = self.sides(True, ctx, n, x, y)
        if x == 0 and y == 0:
            sa = self.sa(ctx, n)
            sb = sa * self.SB_OVER_SA // WAD
            return isqrt((sa * sa // WAD) * (sb * sb // WAD))
        return (sd.in_off + x) * WAD // (sd.out_off + y * prec)

    # ------------------------------------------------------------ swaps

    def sides(self, pump: bool, ctx: Ctx, n: int, x: int, y_raw: int) -> Sides:
        """_curve + _sides. Memoised for both directions at once: the curve of a band
        is a pure function of the band, the oracle context and the AMM's constants, and
        one trade search asks for the same band several times, often both ways."""
        key = (n, x, y_raw, ctx.p_o, ctx.sqrt_po, ctx.ln0, ctx.fee)
        both = self._sides_memo.get(key)
        if both is None:
            if len(self._sides_memo) >= 4096:
                self._sides_memo.clear()
            both = self._sides_memo[key] = self._both_sides(ctx, n, x, y_raw)
        return both[0] if pump else both[1]

    def _both_sides(self, ctx: Ctx, n: int, x: int, y_raw: int) -> tuple[Sides, Sides]:
        """(Sides when pumping, Sides when dumping) of band n holding (x, y_raw)."""
        prec = self.COLLATERAL_PRECISION
        y = y_raw * prec
        sa = self.sa(ctx, n)
        sb = sa * self.SB_OVER_SA // WAD
        l = liquidity(x, y, sa, sb, self.CURVE_D)
        f = l * sa // WAD
        g = l * WAD // sb
        inv = (f + x) * (g + y)
        lo = sa * sa // WAD
        hi = sb * sb // WAD
        fee = self.band_fee(ctx, lo, hi)
        pump = Sides(x, f, 1, y, g, prec, inv, fee, fee, MAX_UINT256, MAX_UINT256, sa)
        dump = Sides(y, g, prec, x, f, 1, inv, fee, fee, MAX_UINT256, MAX_UINT256, sa)
        if self.AWAY_FEE:
            away = max(self.AWAY_FEE, fee)
            root = l + l // 10**9 + 10 * WAD // self.CURVE_D
            keep = max(WAD - (fee + 1) // 2 - (fee * fee + 2 * WAD - 1) // (2 * WAD), 1)
            for sd, beyond, eq in (
                (pump, ctx.p_o <= lo, (root * WAD // ctx.sqrt_po + 1) * WAD // keep + 1),
                (dump, ctx.p_o >= hi, root * (ctx.sqrt_po + 1) // keep + 1),
            ):
                sd.away_fee = away
                if beyond:
                    left = sd.out_bal
                else:
                    left = 0 if eq <= sd.out_off else min(eq - sd.out_off, sd.out_bal)
                if left:
                    sd.cheap_net = self.net_to(inv, sd.out_off, sd.in_off + sd.in_bal, left)
                    sd.cheap_gross = self.gross(sd.cheap_net, fee)
        return pump, dump

    @staticmethod
    def net_to(inv: int, out_off: int, pos: int, out_left: int) -> int:
        """_net_to: net input (18 dec) from coordinate pos to out_left; rounds up."""
        need = (inv + out_off + out_left - 1) // (out_off + out_left)
        return need - pos if need > pos else 0

    @staticmethod
    def gross(net: int, fee: int) -> int:
        """_gross: input with the fee for `net`; rounds up."""
        return (net * WAD + WAD - fee - 1) // (WAD - fee)

    @staticmethod
    def input_for(sd: Sides, out_left: int) -> int:
        """_input_for: input (fee included, token units) leaving out_left; the toward
        part at sd.fee, the rest at sd.away_fee; rounds up."""
        net = AMMModel.net_to(sd.inv, sd.out_off, sd.in_off + sd.in_bal, out_left)
        if net <= sd.cheap_net:
            gross = AMMModel.gross(net, sd.fee)
        else:
            gross = sd.cheap_gross + AMMModel.gross(net - sd.cheap_net, sd.away_fee)
        return (gross + sd.in_prec - 1) // sd.in_prec

    @staticmethod
    def net_of(sd: Sides, gross: int) -> int:
        """_net_of: net input (18 dec) that gross (18 dec) adds; rounds down."""
        net = gross * (WAD - sd.fee) // WAD
        if net <= sd.cheap_net:
            return net
        if gross <= sd.cheap_gross:
            return sd.cheap_net
        return sd.cheap_net + (gross - sd.cheap_gross) * (WAD - sd.away_fee) // WAD

    def calc_swap_out(self, pump: bool, in_amount: int, ctx: Ctx) -> Trade:
        """_calc_swap_out: walk bands spending up to in_amount.

        Memoised: the result depends only on the arguments, active/lo/hi and the bands
        the walk read, so a memo entry is reused only after re-reading those bands and
        finding them unchanged (a quote followed by the same exchange walks once).
        Returns a fresh Trade each time."""
        key = (pump, in_amount, ctx.p_o, ctx.sqrt_po, ctx.ln0, ctx.fee, self.active, self.lo, self.hi)
        hit = self._swap_memo.get(key)
        if hit is not None:
            t, reads = hit
            bx, by = self.bands_x, self.bands_y
            if all(bx.get(n, 0) == x and by.get(n, 0) == y for n, x, y in reads):
                return Trade(t.in_amount, t.out_amount, t.n_end, list(t.bands), list(t.values))
        reads: list[tuple[int, int, int]] = []
        t = self._calc_swap_out(pump, in_amount, ctx, reads)
        if len(self._swap_memo) >= 256:
            self._swap_memo.clear()
        self._swap_memo[key] = (Trade(t.in_amount, t.out_amount, t.n_end, list(t.bands), list(t.values)), tuple(reads))
        return t

    def _calc_swap_out(self, pump: bool, in_amount: int, ctx: Ctx, reads: list[tuple[int, int, int]]) -> Trade:
        t = Trade()
        remaining = in_amount
        n = self.active
        t.n_end = n
        lo, hi = self.lo, self.hi
        get_x, get_y = self.bands_x.get, self.bands_y.get
        for _ in range(1074):
            x, y_raw = get_x(n, 0), get_y(n, 0)
            reads.append((n, x, y_raw))
            in_raw, out_raw = (x, y_raw) if pump else (y_raw, x)
            if out_raw > 0:
                t.n_end = n
                sd = self.sides(pump, ctx, n, x, y_raw)
                take_all = max(self.input_for(sd, 0), 1)
                if remaining >= take_all:
                    remaining -= take_all
                    t.out_amount += out_raw
                    in_raw += take_all
                    out_raw = 0
                else:
                    net = self.net_of(sd, remaining * sd.in_prec)
                    base = sd.in_off + sd.in_bal + net
                    new_out = (sd.inv + base - 1) // base
                    d = 0
                    if new_out < sd.out_off + sd.out_bal:
                        d = (sd.out_off + sd.out_bal - new_out) // sd.out_prec
                    d = min(d, out_raw)
                    t.out_amount += d
                    in_raw += remaining
                    out_raw -= d
                    remaining = 0
                x, y_raw = (in_raw, out_raw) if pump else (out_raw, in_raw)
                sa = sd.sa  # the input coin's term of the band's b stays small (MAX_BAND_SIZE)
                require(
                    max(x, y_raw) <= MAX_AMOUNT
                    and (x * WAD // sa if pump else sa * y_raw * self.COLLATERAL_PRECISION // WAD)
                    < MAX_BAND_SIZE * self.CURVE_D // WAD,
                    "AMM: band overflow",
                )
                t.bands.append(n)
                t.values.append((x, y_raw))
                if remaining == 0 or len(t.bands) == MAX_TOUCH:
                    break
            if pump:  # _next_band
                if n >= hi:
                    break
                n += 1
            else:
                if n <= lo:
                    break
                n -= 1
        t.in_amount = in_amount - remaining
        return t

    @staticmethod
    def _next_band(n: int, pump: bool, lo: int, hi: int) -> int | None:
        """The band a swap walks to after n (up when pumping), None past the range."""
        if pump:
            return n + 1 if n < hi else None
        return n - 1 if n > lo else None

    def calc_swap_in(self, pump: bool, out_amount: int, ctx: Ctx) -> int:
        """_calc_swap_in: input for at least out_amount; MAX_UINT256 if liquidity runs out."""
        remaining = out_amount
        total_in = 0
        touched = 0
        n = self.active
        lo, hi = self.lo, self.hi
        for _ in range(1074):
            x, y_raw = self.band(n)
            out_raw = y_raw if pump else x
            if out_raw > 0:
                touched += 1
                sd = self.sides(pump, ctx, n, x, y_raw)
                take_all = max(self.input_for(sd, 0), 1)
                if remaining >= out_raw:
                    total_in += take_all
                    remaining -= out_raw
                else:
                    total_in += min(self.input_for(sd, sd.out_bal - remaining * sd.out_prec), take_all)
                    remaining = 0
                if remaining == 0 or touched == MAX_TOUCH:
                    break
            nxt = self._next_band(n, pump, lo, hi)
            if nxt is None:
                break
            n = nxt
        return MAX_UINT256 if remaining > 0 else total_in

    @staticmethod
    def _check_pair(i: int, j: int) -> None:
        require((i == 0 and j == 1) or (i == 1 and j == 0), "AMM: wrong coin index")

    def apply_trade(self, t: Trade) -> None:
        """Write a computed trade's bands and active band (the storage part of _exchange)."""
        if t.n_end >= self.virgin:
            self._reach(t.n_end)
        for n, (x, y) in zip(t.bands, t.values):
            self.bands_x[n] = x
            self.bands_y[n] = y
        self.active = t.n_end

    def _reach(self, n_end: int) -> None:
        """A swap reached the virgin bands V..n_end (_materialise): they are no longer
        virgin. The model's bands already hold their true contents; their gross
        collateral is forgotten."""
        for n in range(self.virgin, n_end + 1):
            self.gross_y.pop(n, None)
        self.virgin = n_end + 1

    def exchange(self, i: int, j: int, in_amount: int, min_amount: int) -> tuple[int, int]:
        """exchange(): returns (input used, output); the caller moves the tokens."""
        ctx = self._price_oracle_w()
        return self._exchange(i, j, in_amount, min_amount, ctx)

    def _exchange(self, i: int, j: int, in_amount: int, min_out: int, ctx: Ctx) -> tuple[int, int]:
        self._check_pair(i, j)
        require(in_amount > 0, "AMM: zero amount")
        t = self.calc_swap_out(i == 0, in_amount, ctx)
        require(t.out_amount >= min_out, "AMM: slippage")
        if t.out_amount == 0:
            return 0, 0
        self.apply_trade(t)
        return t.in_amount, t.out_amount

    def exchange_dy(self, i: int, j: int, out_amount: int, max_amount: int) -> tuple[int, int]:
        """exchange_dy(): returns (input paid, output)."""
        self._check_pair(i, j)
        require(out_amount > 0, "AMM: zero amount")
        ctx = self._price_oracle_w()
        in_amount = self.calc_swap_in(i == 0, out_amount, ctx)
        require(in_amount != MAX_UINT256, "AMM: not enough liquidity")
        require(in_amount <= max_amount, "AMM: slippage")
        return self._exchange(i, j, in_amount, out_amount, ctx)

    def get_dxdy(self, i: int, j: int, in_amount: int) -> tuple[int, int]:
        """get_dxdy()."""
        self._check_pair(i, j)
        t = self.calc_swap_out(i == 0, in_amount, self.ctx(self.price_oracle()))
        return t.in_amount, t.out_amount

    def get_dy(self, i: int, j: int, in_amount: int) -> int:
        """get_dy()."""
        return self.get_dxdy(i, j, in_amount)[1]

    def get_dx(self, i: int, j: int, out_amount: int) -> int:
        """get_dx()."""
        self._check_pair(i, j)
        return self.calc_swap_in(i == 0, out_amount, self.ctx(self.price_oracle()))

    # ------------------------------------------------------------ positions

    def _user_shares(self, user: str) -> tuple[int, int, list[int]]:
        """(n1, n2, shares): the explicit bands' ticks, then DEAD_SHARES * a for each
        implicit band v1..n2; (0, 0, []) without a position."""
        lazy = self.user_lazy.get(user)
        if lazy is None:
            return 0, 0, []
        v1, a, _ = lazy
        n1, n2 = self.user_ns[user]
        return n1, n2, self.user_ticks.get(user, []) + [DEAD_SHARES * a] * (n2 - v1 + 1)

    def _deposit_band(self, n: int, dy: int, explicit: bool) -> tuple[int, int, int]:
        """Check one band of a deposit of dy; returns (shares issued, new total shares,
        new y). Explicit bands (below V at the deposit) as the eager AMM; an implicit one
        is virgin (x == 0, total shares == DEAD_SHARES * y), where the eager formula
        gives DEAD_SHARES * dy, and its overflow check is on its gross collateral."""
        x, y = self.band(n)
        s = self.total_shares.get(n, 0)
        if explicit:
            require(x == 0, "AMM: band not empty")
            ds = (s + DEAD_SHARES) * dy // (y + 1)
            require(ds > 0, "AMM: amount too low")
            require(s + ds <= MAX_AMOUNT and y + dy <= MAX_AMOUNT, "AMM: band overflow")
        else:
            require(self.gross_y.get(n, 0) + dy <= MAX_AMOUNT // DEAD_SHARES, "AMM: band overflow")
            ds = DEAD_SHARES * dy
        return ds, s + ds, y + dy

    def deposit_range(self, user: str, amount: int, n1: int, n2: int) -> None:
        """deposit_range(): collateral already in the AMM goes into bands n1..n2, amount // N
        in each; the rest (dust, under N units) stays the user's, in no band."""
        require(n2 >= n1 and n2 - n1 < 50 and n1 > -(2**31) and n2 < 2**31 - 1, "AMM: bad band range")  # bands pack in 32 bits
        require(user not in self.user_lazy, "AMM: user already deposited")
        active = self.active
        if n1 <= active:  # only across empty bands, at most 1024 of them (can_skip_bands)
            require(self.can_skip_bands(n1), "AMM: deposit above active band")
            active = n1 - 1
        n_bands = n2 - n1 + 1
        a = amount // n_bands
        require(a > MIN_BAND_Y, "AMM: amount too low")
        v1 = min(max(n1, self.virgin), n2 + 1)  # explicit bands n1 .. v1 - 1, implicit v1 .. n2
        writes = [(n, *self._deposit_band(n, a, n < v1)) for n in range(n1, n2 + 1)]  # every check before any write
        for n, _, s, y in writes:
            self.total_shares[n] = s
            self.bands_x[n] = 0
            self.bands_y[n] = y
        for n in range(v1, n2 + 1):
            self.gross_y[n] = self.gross_y.get(n, 0) + a
        self.user_ticks[user] = [ds for _, ds, _, _ in writes[: v1 - n1]]
        self.user_lazy[user] = (v1, a, amount - a * n_bands)
        self.user_ns[user] = (n1, n2)
        self.active = active
        if self.hi < self.lo:
            self.lo, self.hi = n1, n2
        else:
            self.lo, self.hi = min(self.lo, n1), max(self.hi, n2)
        self.log.emit("amm", "Deposit", provider=user, amount=amount, n1=n1, n2=n2)

    def _withdraw_band(self, n: int, ds: int) -> tuple[int, int]:
        """Take ds shares out of band n (the last holder takes all); returns (dx, dy)."""
        x, y = self.band(n)
        s = self.total_shares.get(n, 0)
        if ds == s:
            dx, dy = x, y
        else:
            dx = (x + 1) * ds // (s + DEAD_SHARES)
            dy = (y + 1) * ds // (s + DEAD_SHARES)
        self.total_shares[n] = s - ds
        self.bands_x[n] = x - dx
        self.bands_y[n] = y - dy
        return dx, dy

    def withdraw(self, user: str, frac: int) -> tuple[int, int]:
        """withdraw(): take frac (WAD) of user's shares (and the dust when frac is WAD);
        returns (x, y token units)."""
        require(0 < frac <= WAD, "AMM: bad fraction")
        lazy = self.user_lazy.get(user)
        require(lazy is not None, "AMM: no deposit")
        assert lazy is not None
        v1, a, dust = lazy
        n1, n2 = self.user_ns[user]
        total_x = total_y = 0
        rest: list[int] = []
        for k, sh in enumerate(self.user_ticks.get(user, [])):  # explicit bands n1 .. v1 - 1
            ds = sh * frac // WAD
            dx, dy = self._withdraw_band(n1 + k, ds)
            total_x += dx
            total_y += dy
            rest.append(sh - ds)
        da = a * frac // WAD  # rounds down: the user keeps the rest
        for n in range(v1, n2 + 1):  # implicit bands: DEAD_SHARES * da shares out of each
            dx, dy = self._withdraw_band(n, DEAD_SHARES * da)
            total_x += dx
            total_y += dy
        if frac == WAD:
            total_y += dust
            del self.user_lazy[user]
            self.user_ticks.pop(user, None)
            self.user_ns[user] = (0, 0)
        else:
            self.user_ticks[user] = rest
            self.user_lazy[user] = (v1, a - da, dust)
        self.log.emit("amm", "Withdraw", provider=user, amount_borrowed=total_x, amount_collateral=total_y)
        return total_x, total_y

    def can_skip_bands(self, n_end: int) -> bool:
        """can_skip_bands(n_end)."""
        active = self.active
        for k in range(1024):
            nk = active - k
            if nk < n_end:
                return True
            if self.bands_x.get(nk, 0) or self.bands_y.get(nk, 0):
                return False
        return False

    def read_user_tick_numbers(self, user: str) -> tuple[int, int]:
        """read_user_tick_numbers()."""
        return self.user_ns.get(user, (0, 0))

    def read_user_ticks(self, user: str) -> list[int]:
        """read_user_ticks()."""
        return self._user_shares(user)[2]

    def has_liquidity(self, user: str) -> bool:
        """has_liquidity(): the user has a position record."""
        return user in self.user_lazy

    def _user_band(self, n: int, sh: int, a: int) -> tuple[int, int, int, int]:
        """(x, y, the user's shares, total shares with DEAD_SHARES) of band n as the
        valuation sees it: a virgin band (n >= V) is the user's own slice of it alone,
        (0, a) at 1/1."""
        if n >= self.virgin:
            return 0, a, 1, 1
        x, y = self.band(n)
        return x, y, sh, self.total_shares.get(n, 0) + DEAD_SHARES

    def _user_xy(self, user: str, mode: int) -> int | tuple[int, int]:
        n1, _, shares = self._user_shares(user)
        _, a, dust = self.user_lazy.get(user, (0, 0, 0))
        ctx = None
        if mode > 0 and shares:  # the oracle on the grid, without a fee: nothing is traded here
            p_o = self.price_oracle()
            ctx = Ctx(p_o, isqrt(p_o * WAD), ln_wad(p_o * WAD // self.get_base_price()), 0)
        prec = self.COLLATERAL_PRECISION
        sa = edge = 0
        if ctx is not None:
            sa = self.sa(ctx, n1)
            edge = self.p_oracle_up(n1 + mode % 2)  # p_oracle_down(n1) in mode 1, p_oracle_up(n1) in mode 2
        acc_x = acc_y = 0
        for k, user_sh in enumerate(shares):
            n = n1 + k
            x, y, sh, s = self._user_band(n, user_sh, a)
            if mode == 0:
                acc_x += x * sh // s
                acc_y += y * sh // s
                continue
            assert ctx is not None
            ex, ey = x, y * prec  # as it is when p_o lies beyond the band on its coin's side
            sb = sa * self.SB_OVER_SA // WAD
            t = ctx.ln0 + n * self.LOG_A_RATIO  # ln(p_o / p_oracle_up(n))
            if not ((y == 0 and t + self.LOG_A_RATIO <= 0) or (x == 0 and t >= 0)):
                ex, ey = equilibrium(liquidity(x, ey, sa, sb, self.CURVE_D), sa, sb, ctx.sqrt_po)
            if mode == 1:
                value = ex + ey * edge // WAD
            else:
                value = (ey + ex * WAD // edge) // prec
            acc_x += value * sh // s
            sa, edge = sb, edge * (self.A - 1) // self.A  # the next band along the grid, as the AMM steps
        if mode == 0:
            return acc_x, acc_y + dust  # the dust is the user's collateral, in no band
        return acc_x

    def get_sum_xy(self, user: str) -> tuple[int, int]:
        """get_sum_xy(): (stablecoin, collateral units) the user owns in the bands."""
        return self._user_xy(user, 0)  # type: ignore[return-value]

    def get_x_down(self, user: str) -> int:
        """get_x_down()."""
        return self._user_xy(user, 1)  # type: ignore[return-value]

    def get_y_up(self, user: str) -> int:
        """get_y_up()."""
        return self._user_xy(user, 2)  # type: ignore[return-value]

    def band_numbers(self) -> range:
        """Bands that may hold liquidity: min_band()..max_band()."""
        return range(self.lo, self.hi + 1)


__all__ = ["AMMModel", "Ctx", "ModelRevert", "Sides", "Trade", "equilibrium", "liquidity"]
