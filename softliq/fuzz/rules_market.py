"""Stateful rules for what the other rules leave out (a mixin of
`softliq.fuzz.machine.SystemMachine`):

- `exchange_dy`: the arbitrageur asks for an exact output; the fill must be the AMM's
  own quote (get_dx, then get_dxdy of that input), and reverts only for the contract's
  reasons (slippage, not enough liquidity, zero amount);
- `cap_binds`: the admin caps the tab in auction near a few minimum-size tabs, the
  market crashes and the liquidator sweeps: the cap must hold and refuse (liquidate) or
  skip (liquidate_many) only when full;
- `page_liquidatable`: a crowd of extra borrowers opens loans, and users_to_liquidate
  read in pages of 1..3 over every offset (also beyond n_loans) must concatenate to the
  whole list, which is exactly the loans with health (full) < 0, in loan order.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hypothesis import strategies as st
from hypothesis.stateful import precondition, rule

from softliq.fuzz import invariants as inv
from softliq.fuzz.world import World
from softliq.params import WAD
from softliq.positions import decode_position

MAX_UINT = 2**256 - 1
DEAD_SHARES = 1000
"""The AMM's virtual shares per band (contracts/modules/constants.vy)."""
BAND_OVERFLOW = "AMM: band overflow"
INSUFFICIENT_BALANCE = "erc20: insufficient balance"
"""A trade that would leave a band too large for its curve math (constants.MAX_BAND_SIZE)."""
CAP_FULL = "auction capacity full"
"""LiquidationPolicy.plan's reason when no minimum-size tab fits under max_in_auction."""
CROWD_FROM = 4
"""Borrowers from this index on are the crowd: only `_open_crowd` opens their loans."""
PAGE_LIMITS = (1, 2, 3)
OUTPUT_SIZES = (0, 10**3, 10**15, 10**17, 10**18, 10**20, -1)
"""Output asked of exchange_dy (18 decimals); -1: one more than every band holds."""
BUDGETS = ("generous", "exact", "tight")
"""max_amount of exchange_dy: twice the quote, the quote, the quote less one."""


class MarketRules:
    """Mixin of SystemMachine. Uses the machine's `world`, `m`, `liq`, `stopped`,
    `gentle`, `_tick`, `_move`, `_oracle_catches_up`, `_create_loan`, `_has_loan` and
    `_breaker_reasons`."""

    world: World
    m: Any
    liq: dict[str, int]
    stopped: int
    gentle: bool
    _tick: Callable[[], None]
    _move: Callable[[int], None]
    _oracle_catches_up: Callable[[], None]
    _create_loan: Callable[[int, int, int, int], None]
    _has_loan: Callable[[str], bool]
    _breaker_reasons: Callable[[int], set[str]]

    # ------------------------------------------------------------------ exchange_dy

    @rule(i=st.integers(0, 1), size=st.sampled_from(OUTPUT_SIZES), budget=st.sampled_from(BUDGETS))
    def exchange_dy(self, i: int, size: int, budget: str) -> None:
        """The arbitrageur buys an exact amount of coin 1 - i paying coin i, with a
        generous, exact or too tight max_amount: the fill is get_dx's quote."""
        self._tick()
        w, amm, j = self.world, self.m.amm, 1 - i
        out_amount = self._dy_target(j, size)
        if out_amount == 0:
            out = w.attempt(w.arbitrageur, amm, "exchange_dy", i, j, 0, MAX_UINT, allowed={"AMM: zero amount"})
            _expect(not out.ok, "exchange_dy of 0 went through")
            inv.STATS.event("exchange_dy refused: zero amount")
            return
        dx = amm.get_dx(i, j, out_amount)
        if dx == MAX_UINT:
            out = w.attempt(w.arbitrageur, amm, "exchange_dy", i, j, out_amount, MAX_UINT, allowed={"AMM: not enough liquidity"})
            _expect(not out.ok, f"exchange_dy({i}, {out_amount}) filled {out.result} though get_dx says no liquidity")
            inv.STATS.event("exchange_dy refused: not enough liquidity")
            return
        _expect(size != -1, f"get_dx({i}, {out_amount}) quotes {dx} for more than the bands hold")
        if i == 0 and dx > w.balance("stablecoin", w.funder):
            # the last units of a band can cost more than all the stablecoin there is
            # (a near-empty band's curve): no wallet could pay; seen in deep campaigns
            inv.STATS.event("exchange_dy: quote beyond every wallet")
            return
        self._fund_arbitrageur(i, dx)
        try:
            quote = tuple(amm.get_dxdy(i, j, dx))
        except w.evm.errors as error:
            # a quote so large (the last units of a near-empty band at a fee near 1) that
            # the band it pays into would outgrow its math: the trade must be refused too
            _expect(w.evm.revert_reason(error) == BAND_OVERFLOW, f"get_dxdy({i}, {dx}) reverted: {error}")
            out = w.attempt(w.arbitrageur, amm, "exchange_dy", i, j, out_amount, MAX_UINT, allowed={BAND_OVERFLOW})
            _expect(not out.ok, f"exchange_dy({i}, {out_amount}) filled {out.result} though its quote overflows a band")
            inv.STATS.event("exchange_dy refused: band overflow")
            return
        max_amount = {"generous": 2 * dx + 10, "exact": dx, "tight": dx - 1}[budget]
        out = w.attempt(w.arbitrageur, amm, "exchange_dy", i, j, out_amount, max_amount, allowed={"AMM: slippage"})
        if budget == "tight":
            _expect(not out.ok, f"exchange_dy({i}, {out_amount}, max {max_amount}) filled {out.result}: quote was {dx}")
            inv.STATS.event("exchange_dy refused: slippage")
            return
        _expect(out.ok, f"exchange_dy({i}, {out_amount}, max {max_amount}) reverted {out.reason!r}: quote was {dx}")
        filled = tuple(out.result)
        if filled != (dx, quote[1]) or quote[0] != dx or filled[1] < out_amount:
            inv.fail("exchange_dy fill", f"asked {out_amount} of coin {j}: filled {filled}, get_dx {dx}, get_dxdy {quote}")
        inv.STATS.count("exchange_dy fill equals get_dx quote")
        inv.STATS.event(f"exchange_dy filled ({budget})")

    @rule(i=st.integers(0, 1), size=st.sampled_from(OUTPUT_SIZES), b=st.integers(0, 3))
    def adapter_exchange_dy(self, i: int, size: int, b: int) -> None:
        """The arbitrageur buys through the LlammaAdapter for a borrower: asked for more
        than one swap can give (size -1), it buys all there is (LLAMMA's rule), as
        get_dydx said; otherwise exactly what the AMM's exchange_dy would."""
        self._tick()
        w, amm, adapter, j = self.world, self.m.amm, self.m.llamma_adapter, 1 - i
        receiver = w.borrowers[b]
        want = self._dy_target(j, size)
        if want == 0:
            return
        try:
            got, paid = adapter.get_dydx(i, j, want)
        except w.evm.errors as error:
            _expect(w.evm.revert_reason(error) == BAND_OVERFLOW, f"get_dydx({i}, {want}) reverted: {error}")
            # fund what the AMM quotes, where a wallet can: then only the band refuses; a
            # buyer who cannot pay (a quote beyond every wallet) is refused by the token
            try:
                dx = amm.get_dx(i, j, want)
            except w.evm.errors:
                dx = MAX_UINT
            if dx != MAX_UINT and (i == 1 or dx <= w.balance("stablecoin", w.funder)):
                self._fund_arbitrageur(i, dx)
            out = w.attempt(w.arbitrageur, adapter, "exchange_dy", i, j, want, MAX_UINT, receiver, allowed={BAND_OVERFLOW, INSUFFICIENT_BALANCE})
            _expect(not out.ok, f"adapter exchange_dy({i}, {want}) filled {out.result} though its quote overflows a band")
            inv.STATS.event("adapter exchange_dy refused: band overflow")
            return
        if i == 0 and paid > w.balance("stablecoin", w.funder):
            inv.STATS.event("adapter exchange_dy: quote beyond every wallet")
            return
        beyond = amm.get_dx(i, j, want) == MAX_UINT  # more than one swap can give
        self._fund_arbitrageur(i, paid)
        bought = ("stablecoin", "collateral")[j]
        before = w.balance(bought, receiver)
        filled = tuple(w.attempt(w.arbitrageur, adapter, "exchange_dy", i, j, want, paid, receiver).result)
        received = w.balance(bought, receiver) - before
        if filled != (paid, got) or received != got or (got < want and not beyond):
            inv.fail("adapter exchange_dy fill", f"asked {want} of coin {j}: filled {filled}, get_dydx {(got, paid)}, receiver got {received}")
        if w.balance("stablecoin", adapter.address) or w.balance("collateral", adapter.address):
            inv.fail("adapter keeps nothing", "the LlammaAdapter holds coins after a purchase")
        inv.STATS.count("adapter exchange_dy fill equals get_dydx")
        inv.STATS.event("adapter exchange_dy: all there is" if beyond else "adapter exchange_dy: filled")

    def _dy_target(self, j: int, size: int) -> int:
        """The output of coin j to ask for: `size` (18 decimals) in token units, or
        (size -1) one unit more than all the bands hold."""
        if size == -1:
            bands = self.world.bands().values()
            return sum(x if j == 0 else y for x, y in bands) + 1
        return size if j == 0 else size // self.world.precision

    def _fund_arbitrageur(self, i: int, amount: int) -> None:
        """The arbitrageur gets enough of coin i to pay `amount`."""
        w = self.world
        short = amount - w.balance("stablecoin" if i == 0 else "collateral", w.arbitrageur)
        if short > 0:
            if i == 0:
                w.give_stablecoin(w.arbitrageur, short)
            else:
                w.mint_collateral(w.arbitrageur, short)

    # ------------------------------------------------------------------ the crowd

    def _open_crowd(self, tenths: int, pct: int) -> None:
        """Every crowd borrower without a loan opens one of pct% of max_borrowable for
        `tenths` tenths of a collateral unit over 4 bands."""
        for b in range(CROWD_FROM, len(self.world.borrowers)):
            if not self._has_loan(self.world.borrowers[b]):
                self._create_loan(b, tenths + b, pct, 4)

    # ------------------------------------------------------------------ the auction cap

    @precondition(lambda self: not self.gentle)
    @rule(slots=st.integers(0, 3), bp=st.integers(1000, 2000), many=st.booleans(), tenths=st.integers(10, 60))
    def cap_binds(self, slots: int, bp: int, many: bool, tenths: int) -> None:
        """The admin caps max_in_auction at the live tab plus `slots` minimum-size tabs
        (and lifts the breaker), the crowd borrows, the market falls 10-20% (on an EMA
        market the average catches up) and the liquidator sweeps everyone listed, one
        by one or in liquidate_many: the total tab stays under the cap (up to the AMM's
        share rounding), and the cap refuses or skips only when full. The admin then puts the machine's cap back."""
        self._tick()
        w, a = self.world, self.m.auction
        min_debt, old = self.liq["min_debt"], self.liq
        cap = max(min_debt, a.total_tab() + slots * min_debt)
        self._set_cap(cap)
        if self.stopped:
            w.attempt(self.m.admin, a, "set_stopped", 0)
            self.stopped = 0
        self._open_crowd(tenths, 100)
        self._move(-bp)
        w.time_travel(12)
        self._oracle_catches_up()
        listed = [str(u) for u in self.m.controller.users_to_liquidate(0, 50)]
        slack = sum(self._share_slack(u) for u in listed)
        if many and listed:
            self._sweep_many(listed, cap)
        else:
            for who in listed:
                self._liquidate_capped(who, cap)
        if a.total_tab() > cap + slack:
            inv.fail("auction cap", f"total tab {a.total_tab()} above max_in_auction {cap} (+ {slack} share rounding)")
        inv.STATS.count("auction cap holds")
        if a.total_tab() > cap:
            inv.STATS.event("auction cap exceeded by share rounding")
        self._set_cap(old["max_in_auction"])

    def _set_cap(self, cap: int) -> None:
        """The admin sets max_in_auction (the other liquidation parameters unchanged)."""
        new = dict(self.liq, max_in_auction=cap)
        self.world.attempt(self.m.admin, self.world.liquidation_holder(), "set_liquidation_params", *new.values())
        self.liq = new

    def _share_slack(self, who: str) -> int:
        """How far a liquidation of `who` may push the live tab past the cap: AMM.withdraw
        rounds each band's share count down, so up to one share's worth of stablecoin per
        band stays with the user instead of repaying debt, and goes to auction with the
        tier-2 penalty (plan keeps only 3 wei of room for rounding; with 6-decimal
        collateral a share is worth ~1e12 wei). In the implicit bands (from v1,
        docs/lazy-bands-spec.md) the withdrawal rounds the user's collateral per band
        down instead, a step of DEAD_SHARES shares: up to that many shares' worth."""
        n1, n2 = self.m.amm.read_user_tick_numbers(who)
        pos = decode_position(self.m.amm.user_position(who))
        v1 = n2 + 1 if pos is None else pos.v1
        read = self.world.band_reader()
        per_share = 0
        for n in range(n1, n2 + 1):
            band_x, _, shares = read(n)
            step = DEAD_SHARES if n >= v1 else 1
            per_share += step * (band_x + 1) // (shares + DEAD_SHARES) + 1
        return per_share * (WAD + self.liq["penalty_tier2"]) // WAD + 3

    def _liquidate_capped(self, who: str, cap: int) -> None:
        """The liquidator tries `who` under `cap`: a refusal for the cap only when a
        whole-position tab would not fit."""
        c, w = self.m.controller, self.world
        health = c.health(who, True)
        if health >= 0:
            return
        room = max(0, cap - self.m.auction.total_tab())
        out = w.attempt(w.liquidator, c, "liquidate", who, allowed={CAP_FULL})
        if out.ok:
            inv.STATS.event("liquidation under the cap")
            return
        x, y = self.m.amm.get_sum_xy(who)
        debt = c.debt(who)
        largest_tab = max(debt * (WAD + self.liq["penalty_tier2"]) // WAD, y * w.precision * self.m.amm.price_oracle() // WAD) + 2
        if room >= largest_tab:
            inv.fail("auction cap", f"liquidate({who}) refused for the cap with room {room} >= any tab of it ({largest_tab})")
        inv.STATS.count("auction cap refuses only when full")
        inv.STATS.event("auction cap bound: liquidate refused")

    def _sweep_many(self, listed: list[str], cap: int) -> None:
        """liquidate_many over `listed`: any unhealthy user it skipped (loan untouched)
        means the cap had no room left for a minimum-size tab."""
        c, w, amm = self.m.controller, self.world, self.m.amm

        def loan(u: str) -> tuple[Any, ...]:
            return c.debt(u), tuple(amm.get_sum_xy(u))

        before = {u: loan(u) for u in listed if c.health(u, True) < 0}
        out = w.attempt(w.liquidator, c, "liquidate_many", listed, allowed={CAP_FULL})
        if not out.ok:
            inv.STATS.event("auction cap bound: liquidate_many reverted")
            return
        skipped = [u for u, print_before in before.items() if loan(u) == print_before]
        room = cap - self.m.auction.total_tab()
        if skipped and room >= self.liq["min_debt"]:
            inv.fail("auction cap", f"liquidate_many skipped unhealthy {skipped} with room {room} >= min_debt")
        inv.STATS.count("auction cap skips only when full")
        if skipped:
            inv.STATS.event("auction cap bound: liquidate_many skipped")

    # ------------------------------------------------------------------ paging

    @rule(crowd=st.booleans(), tenths=st.integers(5, 40), pct=st.sampled_from([90, 97, 100]), bp=st.sampled_from([0, 0, 500, 1200, 2000]))
    def page_liquidatable(self, crowd: bool, tenths: int, pct: int, bp: int) -> None:
        """The crowd may borrow and the market may fall by `bp`; then a keeper reads
        users_to_liquidate in pages of 1, 2 and 3 over every offset: the pages join into
        users_to_liquidate(0, 50), which lists exactly the loans with health (full) < 0,
        in loan order; offsets at or beyond n_loans give nothing."""
        self._tick()
        if crowd:
            self._open_crowd(tenths, pct)
        if bp:
            self._move(-bp)
        c = self.m.controller
        n = c.n_loans()
        whole = [str(u) for u in c.users_to_liquidate(0, 50)]
        loans = [str(c.loans(k)) for k in range(n)]
        unhealthy = [u for u in loans if c.health(u, True) < 0]
        if whole != unhealthy:
            inv.fail("users_to_liquidate", f"lists {whole}, loans with health < 0 are {unhealthy}")
        for limit in PAGE_LIMITS:
            joined = []
            for offset in range(0, n + 2 * limit, limit):
                page = [str(u) for u in c.users_to_liquidate(offset, limit)]
                if len(page) > limit or (offset >= n and page):
                    inv.fail("users_to_liquidate", f"page ({offset}, {limit}) of {n} loans is {page}")
                joined += page
            if joined != whole:
                inv.fail("users_to_liquidate", f"pages of {limit} join to {joined}, the whole list is {whole}")
        if self.world.model is not None and self.world.model.controller.users_to_liquidate(0, 50) != whole:
            inv.fail("8 model matches chain", f"users_to_liquidate: model {self.world.model.controller.users_to_liquidate(0, 50)}, chain {whole}")
        inv.STATS.count("users_to_liquidate pages join to the unhealthy loans")
        inv.STATS.rule_succeeded()  # reading the pages is what this rule is for
        inv.STATS.event(f"paged {n} loans, {min(len(whole), 3)}{'+' if len(whole) >= 3 else ''} liquidatable")


def _expect(condition: bool, message: str) -> None:
    """Fail the example with `message` unless `condition`."""
    if not condition:
        inv.fail("market rules", message)
