"""The stateful suite: hypothesis drives borrowers, the market price, an arbitrageur,
keepers, time and the admin against one market deployed once per process.

Every example runs inside `World.example()` (entered in `__init__`, left in
`teardown`), so it starts from the freshly funded market and model. After every step
the `@invariant` methods check DESIGN.md section 5, including invariant 8 (the model
matches the chain: every action in `World.attempt`, the state here); the rules
themselves check what only they can see (a trade's effect on x_down/y_up, who may be
liquidated, expected reverts). `bind(world)` returns a machine class bound to a `World`.
"""

from __future__ import annotations

import inspect
import sys

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from softliq import actors
from softliq.fuzz import invariants as inv
from softliq.arbitrage import best_quote
from softliq.fuzz.rules_admin import AdminRules
from softliq.fuzz.rules_callers import CallerRules
from softliq.fuzz.rules_market import MarketRules
from softliq.fuzz.world import FuzzFailure, World
from softliq.params import MAX_TICKS, WAD
from softliq.revm import revert_data_reason

MAX_PRICE = 2**255
PRICE_FLOOR, PRICE_CEIL = 60, 180
"""The market stays within [60%, 180%] of its initial price: the funder's deep loan
(bands below ~35%) never trades, so stablecoin floats stay valid."""
N_CHOICES = (4, 5, 6, 8, 10)
DEAD_SHARES = 1000
"""The AMM's virtual shares per band (contracts/modules/constants.vy)."""
COINS = ("stablecoin", "collateral")
"""Coin i of the AMM (0: stablecoin, 1: collateral), as World.balance names it."""
AUCTION_ROUNDS = 5
"""Keeper rounds (a minute apart) in which every live auction must end once worked off."""
FULL_MODEL_EVERY = 5
"""Every this many steps invariant 8 also compares every loan's x_down, y_up and health."""

PER_BAND_SHARES = (0, 10, 25, 50, 200)
"""min_debt_per_band the admin sets, in percent of min_debt: 0 is off; 10 binds only
beyond 10 bands (none of N_CHOICES; a 50-band loan needs 5 min_debt); 25 gives exactly
min_debt at N = 4 and 2.5 min_debt at 10; 50 and 200 bind for every N_CHOICES loan (up
to 20 min_debt at N = 10, a loan of a few tenths of a collateral unit)."""
PROBE_TENTHS = 30
"""Collateral (tenths of a unit) of the loan that probes min_debt_for at its edge: even at
PRICE_FLOOR it can carry the largest minimum PER_BAND_SHARES asks for."""

borrower_ix = st.integers(0, 3)
loan_share = st.sampled_from([100, 99, 97, 95, 90, 80, 60, 30, 5, 101])
"""Share of max_borrowable (percent) a new loan asks for; 101 must revert."""


def _path_moves() -> st.SearchStrategy[list[int]]:
    """Price moves in basis points, step by step: from a softliq.paths path (market
    price paths: GBM, crashes, V-shapes, spikes...) if that module is present, else
    drawn directly."""
    try:
        from softliq import paths
    except ImportError:
        return st.lists(st.integers(-1500, 800), min_size=1, max_size=30)

    def to_moves(path: "paths.PricePath") -> list[int]:
        prices = [float(p) for p in path.prices]
        return [int(10_000 * (b / a - 1)) for a, b in zip(prices, prices[1:])] or [0]

    return paths.st_any_path(max_steps=30).map(to_moves)

percent = st.integers(1, 100)

SOFT_DIP_BP = 300
"""How far the market dips to put a fresh maximal loan into soft liquidation."""
EMA_CATCH_UP = 6
"""On a market whose AMM reads an EmaOracle (`ema_time` > 0), the rules that need a fall
of the market to have reached the oracle (loans made liquidatable, bands converted) wait
this many time constants after a keeper refreshed it: e^-6, 0.25% of the move, is left.
`SystemMachine._oracle_catches_up`; the other rules let the average lag."""
BLOCK = 12
"""Seconds between two blocks."""
FLASH_WAITS = 20
"""A flash keeper looks this many times over an auction's tail for a lot the AMM pays for."""
FLASH_SHARES = (100, 50, 20, 10, 5, 2, 1)
REENTRY_MODES = {1: "take", 2: "redo", 3: "liquidate", 4: "liquidate_many", 5: "send_collateral"}
"""What contracts/testing/ReentrantTaker.vy tries from inside a take, by mode."""
SEND_COLLATERAL = 5


LOCKED = "revert without reason"
"""What the re-entrancy lock's empty revert decodes to (softliq.revm.revert_data_reason)."""


PRINCIPAL_CALLS = {
    "liquidate": frozenset({"liquidate"}),
    "crash_then_sweep": frozenset({"liquidate", "liquidate_many"}),
    "take_or_redo": frozenset({"take", "redo"}),
    "flash_take": frozenset({"flash"}),
    "reentrant_take": frozenset({"attack"}),
    "curve_change_then_redo": frozenset({"redo"}),
    "redo_for": frozenset({"redo"}),
    "auctions_end": frozenset({"take", "redo"}),
    "round_trip": frozenset({"exchange"}),
    "shifted_round_trip": frozenset({"exchange"}),
    "exchange_dy": frozenset({"exchange_dy"}),
    "adapter_exchange_dy": frozenset({"exchange_dy"}),
    "cap_binds": frozenset({"liquidate", "liquidate_many"}),
}
"""Rules that succeed only when one of these calls goes through (the others: any call
but plumbing; see softliq.fuzz.stats)."""
AUCTION_RULES = frozenset({"liquidate", "take_or_redo", "flash_take", "reentrant_take", "curve_change_then_redo", "redo_for", "auctions_end"})
"""Rules that succeed only once some loan has been liquidated."""
PARTIAL_TAKE_REASONS = {"Auction: no partial purchase", "Auction: lot left below dust"}
"""Why a take of part of a lot may be refused (it would leave dust behind)."""
def _auctions_live(machine: "SystemMachine") -> bool:
    """Precondition of the rules that work on live auctions (drawn only then)."""
    return bool(machine.m.auction.count())


def _amm_buys_collateral(machine: "SystemMachine") -> bool:
    """The AMM's bands hold stablecoin a flash taker can sell collateral for: it would
    pay at least half the oracle price for a tenth of a unit."""
    amount, amm = machine._units(1), machine.m.amm
    value = amount * machine.world.precision * amm.price_oracle() // WAD
    return amm.get_dy(1, 0, amount) * 2 >= value  # the AMM pays at least half the oracle price


LOAN_REASONS = {"no loan"}
REPLACE_REASONS = {"position in soft liquidation", "debt too high for collateral", "AMM: amount too low"}


class SystemMachine(CallerRules, AdminRules, MarketRules, RuleBasedStateMachine):
    """Full-system fuzzing with price moves of up to `max_move_bp` basis points."""

    world: World
    max_move_bp = 2000
    keeper_latency = 3
    gentle = False
    """Gentle mode: moves of at most one band, the arbitrageur trades after every move,
    and no bad debt may accrue (invariant 7)."""

    UNREACHABLE: frozenset[str] = frozenset()
    """Rules that cannot succeed in this market (tests/fuzz requires every other rule to
    succeed at least once in the ci profile)."""

    @classmethod
    def rule_names(cls) -> list[str]:
        """Every rule of the machine (hypothesis marks them), in name order."""
        return sorted(name for name, f in inspect.getmembers(cls) if hasattr(f, "hypothesis_stateful_rule"))

    def __init__(self) -> None:
        super().__init__()
        w = self.world
        self._example = w.example()
        self._example.__enter__()
        self.m = w.market
        self.p0 = self.m.oracle.price()
        self.price = self.p0
        self.step = 0
        self.last_acted: dict[str, int] = {}
        self.liq = dict(w.liq_params)
        self.seen: dict[int, inv.AuctionSeen] = {}
        self.moves: list[int] = []
        self.stopped = 0
        """The auction breaker level the admin set (0: none)."""
        self.min_debt_per_band = self.m.params.min_debt_per_band
        """The per-band part of the smallest loan the admin set (LiquidationPolicy)."""
        inv.STATS.examples += 1
        inv.STATS.start_rule("")  # set-up calls count for no rule

    def teardown(self) -> None:
        self._example.__exit__(None, None, None)

    # ------------------------------------------------------------------ helpers

    def _tick(self) -> None:
        """A rule's step begins: counted, and the rule (the caller) named for coverage."""
        self.step += 1
        inv.STATS.steps += 1
        name = sys._getframe(1).f_code.co_name
        inv.STATS.start_rule(name, PRINCIPAL_CALLS.get(name, frozenset()))

    def _has_loan(self, who: str) -> bool:
        return bool(self.m.controller.loan_exists(who))

    def _units(self, tenths: int) -> int:
        return actors.collateral_units(self.m, tenths * WAD // 10)

    def _min_debt_for(self, n_bands: int) -> int:
        """The smallest debt a loan over `n_bands` may be opened with or repaid down to,
        from the settings the machine tracks: max(min_debt, n_bands * min_debt_per_band)."""
        return max(self.liq["min_debt"], n_bands * self.min_debt_per_band)

    # ------------------------------------------------------------------ set-up

    @initialize(
        moves=_path_moves(),
        first=st.tuples(st.integers(5, 100), loan_share, st.sampled_from(N_CHOICES)),
        second=st.tuples(st.integers(5, 100), loan_share, st.sampled_from(N_CHOICES)),
    )
    def start(self, moves: list[int], first: tuple[int, int, int], second: tuple[int, int, int]) -> None:
        """Draw the market's price path; two borrowers open loans (usually near the max)."""
        self.moves = list(moves)
        self._create_loan(0, *first)
        self._create_loan(1, *second)

    # ------------------------------------------------------------------ borrowers

    @rule(b=borrower_ix, tenths=st.integers(1, 100), pct=loan_share, n=st.sampled_from(N_CHOICES))
    def create_loan(self, b: int, tenths: int, pct: int, n: int) -> None:
        """Open a loan of pct% of max_borrowable: <= 100% must work, above must revert."""
        self._tick()
        self._create_loan(b, tenths, pct, n)

    def _create_loan(self, b: int, tenths: int, pct: int, n: int) -> None:
        who, c = self.world.borrowers[b], self.m.controller
        collateral = self._units(tenths)
        self.world.mint_collateral(who, collateral)
        max_debt = c.max_borrowable(collateral, n)
        self._check_max_borrowable(collateral, max_debt)
        debt = max_debt * pct // 100 + (1 if pct > 100 else 0)
        exists = self._has_loan(who)
        allowed = {"loan exists", "debt below minimum", "debt too high for collateral", "zero debt", "debt ceiling exceeded"}
        out = self.world.attempt(who, c, "create_loan", collateral, debt, n, allowed=allowed)
        least = self._min_debt_for(n)
        should = not exists and least <= debt <= max_debt
        if out.ok != should:
            raise FuzzFailure(f"create_loan({collateral}, {debt}, {n}) of max {max_debt}, min_debt_for {least}: ok={out.ok} ({out.reason}), expected ok={should}")
        inv.STATS.count("create_loan as predicted")
        if not exists and self.liq["min_debt"] <= debt < least:
            inv.STATS.event("create_loan below the per-band minimum refused")
        inv.STATS.event("loan opened" if out.ok else f"create_loan reverted: {out.reason}")

    def _check_max_borrowable(self, collateral: int, max_debt: int) -> None:
        """max_borrowable lies between 1% and all of the collateral's discounted value at
        the oracle price the AMM reads (bands sit at or below it, maybe well below when
        other positions are converting): catches mis-scaled decimals. On an EMA market
        that is the average, not the market's (the mock's) price."""
        if max_debt >= self.m.controller.debt_ceiling() - self.m.controller.total_debt():
            return  # capped by the ceiling
        value = collateral * self.world.precision * self.m.amm.price_oracle() // WAD
        discounted = value * (WAD - self.m.controller.loan_discount()) // WAD
        if not discounted // 100 <= max_debt <= discounted:
            raise FuzzFailure(f"max_borrowable({collateral}) = {max_debt}, collateral worth {discounted} after discount")
        inv.STATS.count("max_borrowable scaled to the collateral")

    @rule(b=borrower_ix, tenths=st.integers(1, 50))
    def add_collateral(self, b: int, tenths: int) -> None:
        self._tick()
        who = self.world.borrowers[b]
        collateral = self._units(tenths)
        self.world.mint_collateral(who, collateral)
        self.world.attempt(who, self.m.controller, "add_collateral", collateral, allowed=LOAN_REASONS | REPLACE_REASONS)

    @rule(b=borrower_ix, pct=percent)
    def remove_collateral(self, b: int, pct: int) -> None:
        self._tick()
        who = self.world.borrowers[b]
        amount = max(1, self.m.controller.user_state(who)[0] * pct // 100)
        allowed = LOAN_REASONS | REPLACE_REASONS | {"not enough collateral"}
        self.world.attempt(who, self.m.controller, "remove_collateral", amount, allowed=allowed)

    @rule(b=borrower_ix, tenths=st.integers(0, 20), pct=st.integers(1, 50))
    def borrow_more(self, b: int, tenths: int, pct: int) -> None:
        self._tick()
        who, c = self.world.borrowers[b], self.m.controller
        collateral = self._units(tenths)
        self.world.mint_collateral(who, collateral)
        extra = max(1, c.debt(who) * pct // 100)
        allowed = LOAN_REASONS | REPLACE_REASONS | {"debt ceiling exceeded", "zero debt"}
        self.world.attempt(who, c, "borrow_more", collateral, extra, allowed=allowed)

    @rule(b=borrower_ix, pct=st.integers(1, 120))
    def repay(self, b: int, pct: int) -> None:
        """Partial (pct < 100) or full repay; a full one returns everything and closes."""
        self._tick()
        who, c, m = self.world.borrowers[b], self.m.controller, self.m
        if not self._has_loan(who):
            self.world.attempt(who, c, "repay", 1, allowed=LOAN_REASONS)
            return
        debt = c.debt(who)
        amount = max(1, debt * pct // 100)
        if pct >= 100:
            self._repay_full(who, amount)
            return
        self.world.give_stablecoin(who, max(0, amount - self.world.balance("stablecoin", who)))
        n1, n2 = m.amm.read_user_tick_numbers(who)
        least = self._min_debt_for(n2 - n1 + 1)
        below = debt - amount < least
        # re-placing the rest may not fit when the loan discount rose since the loan was
        # placed (LLAMMA's behaviour too): that revert is expected, and counted; the
        # minimum is checked first
        out = self.world.attempt(who, c, "repay", amount, allowed={"debt below minimum", "debt too high for collateral"})
        if out.reason == "debt too high for collateral" and not below:
            inv.STATS.event("partial repay blocked: rest does not fit at the new discount")
            return
        if out.ok == below or (below and out.reason != "debt below minimum"):
            raise FuzzFailure(f"repay({amount}) of {debt} over {n2 - n1 + 1} bands: ok={out.ok} ({out.reason}), min_debt_for {least}")
        if below and debt - amount >= self.liq["min_debt"]:
            inv.STATS.event("partial repay below the per-band minimum refused")
        # the rest is stored as a normalised debt rounded up and read back rounded up:
        # at most ceil(rate_mul / WAD) wei above debt - amount (against the borrower)
        slack = -(-m.amm.get_rate_mul() // WAD)
        if out.ok and c.debt(who) > debt - amount + slack:
            raise FuzzFailure(f"repay({amount}) of {debt} left debt {c.debt(who)}, more than {slack} wei above the rest")
        inv.STATS.count("repay as predicted")

    def _repay_full(self, who: str, amount: int) -> None:
        m, c = self.m, self.m.controller
        w = self.world
        x, y = m.amm.get_sum_xy(who)
        w.give_stablecoin(who, max(0, amount - x - w.balance("stablecoin", who)))
        col_before, stable_before = w.balance("collateral", who), w.balance("stablecoin", who)
        debt = c.debt(who)
        n1, n2 = m.amm.read_user_tick_numbers(who)
        # sum_xy rounds each band down (a wei or two) and leaves out the part of a band
        # its virtual dead shares stand for, which the last holder of the band withdraws
        # too: band * DEAD / (shares + DEAD), large for tiny 6-decimal positions
        slack_x = slack_y = 0
        for n in range(n1, n2 + 1):
            band_x, band_y, shares = w.band(n)
            slack_x += band_x * DEAD_SHARES // (shares + DEAD_SHARES) + 2
            slack_y += band_y * DEAD_SHARES // (shares + DEAD_SHARES) + 2
        w.attempt(who, c, "repay", amount)
        got_col = w.balance("collateral", who) - col_before
        paid = stable_before - w.balance("stablecoin", who)
        if self._has_loan(who) or not y <= got_col <= y + slack_y or not debt - x - slack_x <= paid <= debt - x:
            raise FuzzFailure(f"full repay of {debt}: loan open={self._has_loan(who)}, got {got_col} of {y} collateral, paid {paid} (debt {debt} - bands {x})")
        inv.STATS.count("full repay returns everything")

    # ------------------------------------------------------------------ market

    @rule()
    def follow_path(self) -> None:
        """The market takes the next step of the drawn path (each move capped at
        `max_move_bp`); the oracle follows one block later."""
        self._tick()
        bp = 0
        for move in self.moves[:3]:  # three path steps per rule: paths play out in an example
            bp = (10_000 + bp) * (10_000 + move) // 10_000 - 10_000
        del self.moves[:3]
        if bp:
            self._move(bp)

    @precondition(lambda self: not self.gentle)
    @rule(bp=st.integers(500, 2000))
    def crash(self, bp: int) -> None:
        """The market falls 5-20% in one block (not in the gentle market)."""
        self._tick()
        self._move(-bp)

    @rule(bp=st.integers(-300, 300))
    def move_price(self, bp: int) -> None:
        """The oracle follows the market by `bp` basis points (one block later)."""
        self._tick()
        self._move(bp)

    def _moved(self, bp: int) -> int:
        """The market price after a move of `bp` (capped at `max_move_bp`), kept within
        [PRICE_FLOOR, PRICE_CEIL] percent of the start."""
        bp = max(-self.max_move_bp, min(self.max_move_bp, bp))
        price = self.price * (10_000 + bp) // 10_000
        return max(self.p0 * PRICE_FLOOR // 100, min(self.p0 * PRICE_CEIL // 100, price))

    def _move(self, bp: int) -> None:
        self._set_price(self._moved(bp))
        if self.gentle:
            self._arbitrage(0)

    def _set_price(self, price: int) -> None:
        self.world.time_travel(BLOCK)
        self.world.set_price(price)
        self.price = price

    def _oracle_catches_up(self) -> None:
        """On an EMA market, the market's price reaches the oracle the AMM and the
        Controller read: a block later a keeper refreshes the EmaOracle (price_w records
        the market's price as its source; the average follows a move only once two
        writes saw it), then EMA_CATCH_UP time constants pass. The average must then be
        within e^-EMA_CATCH_UP of the way from what the refresh stored to the market
        price (a few wei of rounding aside). On a market without an EMA the oracle is
        the market's price already: nothing happens, and no time passes."""
        ema_time = self.m.params.ema_time
        if not ema_time:
            return
        w, source = self.world, self.m.price_source
        w.time_travel(BLOCK)
        w.refresh_oracle(w.keeper)
        stored = source.last_price()
        w.time_travel(EMA_CATCH_UP * ema_time)
        now = self.m.amm.price_oracle()
        if abs(now - self.price) > abs(stored - self.price) // 400 + 2:  # e^-6 < 1/400
            inv.fail("EMA follows the market", f"{EMA_CATCH_UP} time constants after a refresh at {stored}, the oracle reads {now}, market {self.price}")
        inv.STATS.count("EMA follows the market")
        inv.STATS.event("EMA caught up with the market")

    @rule(pick=st.integers(0, 3))
    def arbitrage(self, pick: int) -> None:
        self._tick()
        self._arbitrage(pick)

    def _arbitrage(self, pick: int) -> None:
        """Trade toward the market price if profitable; the fill must match the quote and
        the trade must not lower x_down/y_up of a user whose bands it crossed."""
        w, m = self.world, self.m
        q = best_quote(m.amm, self.price, w.balance("stablecoin", w.arbitrageur), w.balance("collateral", w.arbitrageur), w.bands())
        if q is None:
            return
        active = m.amm.active_band()
        touched = self._users_near(active, q.i)
        user = touched[pick % len(touched)] if touched else None
        before = (m.amm.get_x_down(user), m.amm.get_y_up(user)) if user else None
        out = w.attempt(w.arbitrageur, m.amm, "exchange", q.i, 1 - q.i, q.amount, q.out)
        if tuple(out.result) != (q.used, q.out):
            raise FuzzFailure(f"exchange filled {tuple(out.result)}, quoted {(q.used, q.out)}")
        inv.STATS.count("fill equals quote")
        inv.STATS.event("arbitrage trade")
        if user and before:
            # one wei of share rounding per band (at most 50 bands), plus x_down's and y_up's
            # own rounding: their sqrt and power chains keep ~16 significant digits
            for name, value, now in (("x_down", before[0], m.amm.get_x_down(user)), ("y_up", before[1], m.amm.get_y_up(user))):
                inv.check_not_lowered(name, user, value, now, 50 + value // 10**15)

    def _users_near(self, active: int, i: int) -> list[str]:
        """Borrowers whose bands a trade from `active` in direction `i` may cross."""
        out = []
        for who in self.world.borrowers:
            n1, n2 = self.m.amm.read_user_tick_numbers(who)
            if not self.m.amm.has_liquidity(who):
                continue
            if (i == 0 and n2 >= active) or (i == 1 and n1 <= active):
                out.append(who)
        return out

    def _arbitrageur_amount(self, i: int, size: int) -> int:
        """`size` (18 decimals) of coin i in token units, capped at what the arbitrageur holds."""
        w = self.world
        return min(size if i == 0 else max(1, size // w.precision), w.balance(COINS[i], w.arbitrageur))

    @rule(i=st.integers(0, 1), size=st.sampled_from([10**3, 10**9, 10**15, 10**17, 10**18, 10**20]))
    def round_trip(self, i: int, size: int) -> None:
        """Invariant 4: at a constant oracle, a trade and its reverse return no more than
        the input less one base fee (a few wei of rounding aside)."""
        self._tick()
        w, amm = self.world, self.m.amm
        amount = self._arbitrageur_amount(i, size)
        if amount == 0:
            return
        fee = amm.fee()
        used, got = w.attempt(w.arbitrageur, amm, "exchange", i, 1 - i, amount, 0).result
        if got == 0:
            return
        used_back, back = w.attempt(w.arbitrageur, amm, "exchange", 1 - i, i, got, 0).result
        if used_back != got:
            inv.STATS.event("round trip: partial reverse")
            return
        if back > used - used * fee // WAD + 10:
            inv.fail("4 no round-trip profit", f"coin {i}: put {used}, got {got}, got back {back} (fee {fee})")
        inv.STATS.count("4 no round-trip profit")

    @rule(i=st.integers(0, 1), size=st.sampled_from([10**9, 10**15, 10**17, 10**18, 10**20]), bp=st.integers(-1000, 1000))
    def shifted_round_trip(self, i: int, size: int, bp: int) -> None:
        """Invariant 4 as DESIGN.md states it: trade, the oracle moves by `bp` in the same
        block, trade everything received back: the trader ends with no more of the coin
        it started in (what the bands could not take back counts as worth nothing). On an
        EMA market only the source moves: the average the AMM reads does not change
        within the block, so the trade back is at the first trade's oracle."""
        self._tick()
        w, amm = self.world, self.m.amm
        coin = COINS[i]
        amount = self._arbitrageur_amount(i, size)
        if amount == 0:
            return
        start = w.balance(coin, w.arbitrageur)
        got = w.attempt(w.arbitrageur, amm, "exchange", i, 1 - i, amount, 0).result[1]
        self.price = self._moved(bp)
        w.set_price(self.price)  # same block: the oracle-move fee is at full strength
        if got:
            w.attempt(w.arbitrageur, amm, "exchange", 1 - i, i, got, 0)
        end = w.balance(coin, w.arbitrageur)
        if end > start:
            inv.fail("4 no profit from an oracle shift", f"coin {i}: sold {amount}, got {got}, oracle {bp:+} bp, ended {end - start} up")
        inv.STATS.count("4 no profit from an oracle shift")
        if self.gentle:
            self._arbitrage(0)

    @rule(seconds=st.sampled_from([1, 12, 60, 600, 3600, 4 * 3600]))
    def time_passes(self, seconds: int) -> None:
        """Interest accrues, oracle fees and auction prices decay."""
        self._tick()
        self.world.time_travel(seconds)
        inv.STATS.rule_succeeded()  # time passing is all this rule does

    # ------------------------------------------------------------------ keepers

    def _due(self, role: str) -> bool:
        """Keepers (and the liquidator) act only every `keeper_latency` steps."""
        if self.step - self.last_acted.get(role, 0) < self.keeper_latency:
            return False
        self.last_acted[role] = self.step
        return True

    @rule(b=borrower_ix)
    def liquidate(self, b: int) -> None:
        """Invariant 5: liquidate succeeds exactly when health (full) < 0."""
        self._tick()
        if not self._due("liquidator"):
            return
        c = self.m.controller
        borrowers = [x for x in self.world.borrowers if self._has_loan(x)] or self.world.borrowers
        unhealthy = [str(u) for u in c.users_to_liquidate(0, 50) if str(u) in self.world.borrowers]
        # half the time the liquidator goes for a user the Controller lists as liquidatable
        # (what a keeper does), else for any borrower (healthy ones must be refused)
        who = unhealthy[b % len(unhealthy)] if unhealthy and b % 2 == 0 else borrowers[b % len(borrowers)]
        self._liquidate(who)

    def _liquidate(self, who: str) -> None:
        """The liquidator tries `who`: must succeed exactly when health (full) < 0 (or be
        held by the breaker, or by a full auction cap)."""
        c = self.m.controller
        if not self._has_loan(who):
            self.world.attempt(self.world.liquidator, c, "liquidate", who, allowed=LOAN_REASONS)
            return
        health = c.health(who, True)
        allowed = {"not liquidatable"} if health >= 0 else {"auction capacity full", *self._breaker_reasons(1)}
        out = self.world.attempt(self.world.liquidator, c, "liquidate", who, allowed=allowed)
        if out.reason in self._breaker_reasons(1):
            inv.STATS.event("liquidation held by the breaker")
            return
        if out.ok == (health >= 0):
            raise FuzzFailure(f"liquidate({who}) with health {health}: ok={out.ok} ({out.reason})")
        inv.STATS.count("5 liquidation iff unhealthy")
        inv.STATS.event("liquidation" if out.ok else f"liquidate reverted: {out.reason}")

    @precondition(lambda self: not self.gentle)
    @rule(bp=st.integers(1000, 2000))
    def crash_then_sweep(self, bp: int) -> None:
        """The market falls 10-20% in one block and the liquidator, a block later (on an
        EMA market: once the average has caught up), tries every user the Controller
        lists as liquidatable (keeper bots after a crash)."""
        self._tick()
        self._move(-bp)
        self.world.time_travel(BLOCK)
        self._oracle_catches_up()
        listed = [str(u) for u in self.m.controller.users_to_liquidate(0, 50)]
        if bp % 2 == 0 and listed:
            self._liquidate_many(listed)
            return
        for who in listed:
            self._liquidate(who)

    def _liquidate_many(self, listed: list[str]) -> None:
        """The liquidator sweeps `listed` in one liquidate_many, with every other borrower
        and a repeat of the first appended: each unhealthy user is liquidated (an id or a
        changed loan), each healthy one left exactly as it was (invariant 5)."""
        c, w = self.m.controller, self.world
        others = [b for b in w.borrowers if b not in listed]
        users = [*listed, *others, listed[0]][:50]
        amm = self.m.amm

        def loan(u: str) -> tuple:
            return c.debt(u), tuple(amm.read_user_tick_numbers(u)), tuple(amm.get_sum_xy(u))

        def untouched(before: tuple, after: tuple) -> bool:
            """Same debt and bands; the bands' value within the rounding dust a band-mate's
            withdrawal moves (2 wei a band, either way: its share of the band's rounding)."""
            n1, n2 = before[1]
            dust = 2 * (n2 - n1 + 1)
            return before[:2] == after[:2] and all(abs(a - b) <= dust for b, a in zip(before[2], after[2]))

        before = {u: (c.health(u, True) if self._has_loan(u) else None, loan(u)) for u in users}
        allowed = {"auction capacity full", *self._breaker_reasons(1)}
        out = w.attempt(w.liquidator, c, "liquidate_many", users, allowed=allowed)
        if not out.ok:
            inv.STATS.event(f"liquidate_many reverted: {out.reason}")
            return
        for u, (health, print_before) in before.items():
            if health is not None and health >= 0 and not untouched(print_before, loan(u)):
                raise FuzzFailure(f"liquidate_many changed healthy {u} (health {health})")
        inv.STATS.count("5 liquidation iff unhealthy")
        inv.STATS.event("liquidate_many")

    @rule(pct=st.sampled_from([100, 100, 50, 10, 1]), which=st.integers(0, 7))
    def take_or_redo(self, pct: int, which: int) -> None:
        """A keeper re-prices a stale auction, or buys pct% of a live one's lot."""
        self._tick()
        if not self._due("keeper"):
            return
        a, w = self.m.auction, self.world
        ids = list(a.active_ids())
        if not ids:
            return
        auction_id = ids[which % len(ids)]
        needs_redo, price, lot, tab = a.status(auction_id)
        if needs_redo:
            out = w.attempt(w.keeper, a, "redo", auction_id, allowed=self._breaker_reasons(2))
            inv.STATS.count("redo when due")
            inv.STATS.event("redo" if out.ok else "redo held by the breaker")
            return
        top = a.sales(auction_id)[3]
        if price * WAD < a.cusp() * top:
            inv.fail("6 auctions", f"auction {auction_id} offered at {price} below cusp * top {top}")
        amount = max(1, lot * pct // 100)
        allowed = {*PARTIAL_TAKE_REASONS, *self._breaker_reasons(3)}
        out = w.attempt(w.keeper, a, "take", auction_id, amount, price, w.keeper, b"", allowed=allowed)
        if out.ok:
            bought, paid = out.result
            if paid > tab or bought > lot:
                inv.fail("6 auctions", f"take paid {paid} of tab {tab}, bought {bought} of lot {lot}")
            inv.STATS.count("take within tab and lot")
            inv.STATS.event("take")

    def _takeable(self, which: int) -> tuple[int, int, int, int] | None:
        """(id, price, lot, tab) of a live auction that can be bought now (no redo due)."""
        ids = list(self.m.auction.active_ids())
        if not ids:
            return None
        auction_id = ids[which % len(ids)]
        needs_redo, price, lot, tab = self.m.auction.status(auction_id)
        return None if needs_redo else (auction_id, price, lot, tab)

    @precondition(_auctions_live)
    @rule(pct=st.sampled_from([100, 50, 10]), which=st.integers(0, 7))
    def flash_take(self, pct: int, which: int) -> None:
        """A keeper buys a lot with no stablecoin of its own: its FlashTaker receives the
        collateral, sells it to the AMM inside the take's callback (the AMM entered
        from inside a take) and pays from the proceeds; the profit goes to the keeper."""
        self._tick()
        ids = list(self.m.auction.active_ids())
        if not ids or self.stopped >= 2:
            return
        auction_id = ids[which % len(ids)]
        w = self.world
        if self.m.auction.status(auction_id)[0]:  # stale: the keeper re-prices it first
            w.attempt(w.keeper, self.m.auction, "redo", auction_id)
            if auction_id not in self.m.auction.active_ids():
                return  # settled by the redo
        if not _amm_buys_collateral(self) and not self._soft_liquidate_someone():
            inv.STATS.event("flash take: no stablecoin in the AMM to sell to")
            return
        price, lot, tab, size, needs_redo = self._wait_for_margin(auction_id)
        if needs_redo:
            return
        taker = w.takers["flash_taker"]
        stable_before = w.balance("stablecoin", w.keeper)
        allowed = {*PARTIAL_TAKE_REASONS, "AMM: slippage", *self._breaker_reasons(3)}
        amount = size or max(1, lot * pct // 100)  # none pays: try anyway (must revert cleanly)
        out = w.attempt(w.keeper, taker, "flash", auction_id, amount, price, allowed=allowed)
        if not out.ok:
            inv.STATS.event(f"flash take reverted: {out.reason}")
            return
        bought, paid = out.result
        gained = w.balance("stablecoin", w.keeper) - stable_before
        kept = w.balance("stablecoin", taker) + w.balance("collateral", taker)
        if paid > tab or bought > lot or gained < 0 or kept:
            inv.fail("6 auctions", f"flash take of {auction_id}: bought {bought} of {lot}, paid {paid} of {tab}, keeper gained {gained}, taker kept {kept}")
        inv.STATS.count("6 flash take paid from its own sale")
        inv.STATS.event("flash take")

    def _soft_liquidate_someone(self) -> bool:
        """Give the AMM stablecoin to pay flash takers with: a borrower without a loan
        opens one at its maximum (N = 4, bands just below the price), the market dips
        SOFT_DIP_BP (on an EMA market the average catches up) and the arbitrageur
        converts the top bands. True if the AMM now buys collateral."""
        free = [b for b, who in enumerate(self.world.borrowers) if not self._has_loan(who)]
        if not free:
            return False
        self._create_loan(free[0], 30, 100, 4)
        self._move(-SOFT_DIP_BP)
        self._oracle_catches_up()
        self._arbitrage(0)
        return _amm_buys_collateral(self)

    def _flash_size(self, lot: int, price: int) -> int:
        """The largest share of `lot` (of FLASH_SHARES, percent) the AMM would buy for at
        least what it costs at `price`, as a flash keeper sizes its take; 0 if none."""
        for pct in FLASH_SHARES:
            amount = lot * pct // 100
            owe = -(-amount * self.world.precision * price // WAD)  # the auction rounds up
            if amount and self.m.amm.get_dy(1, 0, amount) >= owe:
                return amount
        return 0

    def _wait_for_margin(self, auction_id: int) -> tuple[int, int, int, int, bool]:
        """A flash keeper waits (a FLASH_WAITS-th of the auction's tail at a time) until
        the AMM would pay for some of the lot at least its price, or a redo falls due;
        returns (price, lot, tab, size it would take: 0 if none, needs_redo)."""
        a = self.m.auction
        wait = max(60, a.tail() // FLASH_WAITS)

        def look() -> tuple[int, int, int, int, bool]:
            needs_redo, price, lot, tab = a.status(auction_id)
            return price, lot, tab, 0 if needs_redo else self._flash_size(lot, price), needs_redo

        seen = look()
        for _ in range(FLASH_WAITS):
            if seen[3] or seen[4]:
                break
            self.world.time_travel(wait)
            seen = look()
        return seen

    @precondition(_auctions_live)
    @rule(mode=st.sampled_from(sorted(REENTRY_MODES)), pct=st.sampled_from([100, 50]), which=st.integers(0, 7))
    def reentrant_take(self, mode: int, pct: int, which: int) -> None:
        """A taker's callback tries to re-enter (REENTRY_MODES): the inner call must fail
        (the lock, or the Controller's "only auction") and change nothing; the take
        itself completes as a plain one, which is what the model does."""
        self._tick()
        if not self.m.auction.active_ids() or not self._due("reentrant keeper"):
            return
        liquidating = REENTRY_MODES[mode].startswith("liquidate")
        liquidatable = [u for u in self._liquidatable(falling=liquidating) if not liquidating or self._kicks_auction(u)]
        picked = self._takeable(which)
        if picked is None or (liquidating and not liquidatable):
            # a healthy target would be refused for its health, and one whose bands repay
            # it all is liquidated without an auction: neither reaches the lock
            return
        auction_id, _, lot, tab = picked
        w, a = self.world, self.m.auction
        taker = w.takers["reentrant_taker"]
        w.give_stablecoin(taker.address, max(0, tab - w.balance("stablecoin", taker.address)))
        ids = list(a.active_ids())
        target_user = liquidatable[which % len(liquidatable)] if liquidatable else w.borrowers[0]
        args = (auction_id, max(1, lot * pct // 100), mode, ids[(which + 1) % len(ids)], target_user, False)
        out = w.attempt(w.keeper, taker, "attack", *args, allowed={*PARTIAL_TAKE_REASONS, *self._breaker_reasons(3)})
        if not out.ok:
            inv.STATS.event(f"re-entrant take reverted: {out.reason}")
            return
        inner = revert_data_reason(bytes(taker.inner_revert_data()))
        refused = {"only auction"} if mode == SEND_COLLATERAL else {LOCKED, "auction capacity full", *self._breaker_reasons(1)}
        if taker.inner_success() or inner not in refused:
            inv.fail("no re-entry from a take callback", f"{REENTRY_MODES[mode]} from inside a take of {auction_id}: success={taker.inner_success()}, reason {inner!r}")
        inv.STATS.count("no re-entry from a take callback")
        inv.STATS.event(f"re-entry refused: {REENTRY_MODES[mode]}")

    def _kicks_auction(self, user: str) -> bool:
        """Whether liquidating `user` now would open an auction (tried on the chain and
        rolled back: nothing the model needs to follow)."""
        with self.world.evm.anchor(), self.world.evm.prank(self.world.liquidator):
            try:
                return self.m.controller.liquidate(user) != 0
            except self.world.evm.errors:
                return False

    def _liquidatable(self, falling: bool) -> list[str]:
        """Users the Controller lists as liquidatable; with `falling`, if there are none,
        the market first falls by a full move (the auctions' prices do not follow it; on
        an EMA market the average catches up)."""
        listed = [str(u) for u in self.m.controller.users_to_liquidate(0, 50)]
        if listed or not falling:
            return listed
        self._move(-self.max_move_bp)
        self._oracle_catches_up()
        return [str(u) for u in self.m.controller.users_to_liquidate(0, 50)]

    @precondition(_auctions_live)
    @rule(pct=st.integers(1, 99), which=st.integers(0, 7))
    def curve_change_then_redo(self, pct: int, which: int) -> None:
        """The admin changes the auction curve while auctions are live: they keep their
        own (sale and price unchanged); once stale, a redo re-prices one on the curve in
        force, from now."""
        self._tick()
        a, w = self.m.auction, self.world
        ids = list(a.active_ids())
        if not ids or self.stopped >= 2:
            return
        auction_id = ids[which % len(ids)]
        sale, price = tuple(a.sales(auction_id)), a.status(auction_id)[1]
        self._set_curve(pct)
        if tuple(a.sales(auction_id)) != sale or a.status(auction_id)[1] != price:
            inv.fail("6 auctions", f"a curve change touched live auction {auction_id}: {sale} -> {tuple(a.sales(auction_id))}")
        w.time_travel(a.tail() + 1)
        if not a.status(auction_id)[0]:
            inv.fail("6 auctions", f"auction {auction_id} not due for a redo {a.tail() + 1} s after its tic")
        w.attempt(w.keeper, a, "redo", auction_id)
        if auction_id in a.active_ids():  # else settled: its lot was worth too little
            redone = a.sales(auction_id)
            if redone[5] != a.curve_id() or redone[4] != w.evm.timestamp:
                inv.fail("6 auctions", f"redo of {auction_id} on curve {redone[5]} from {redone[4]}, curve in force {a.curve_id()}")
        inv.STATS.count("6 redo re-prices on the curve in force")

    @rule()
    def auctions_end(self) -> None:
        """Invariant 6, liveness: every auction ends. The admin lifts the breaker and a
        keeper works through the live auctions (redo when due, else buy the whole lot)
        while time passes, until none is left; the house then holds no collateral."""
        self._tick()
        w, a = self.world, self.m.auction
        if not a.active_ids():
            return
        if self.stopped:
            w.attempt(self.m.admin, a, "set_stopped", 0)
            self.stopped = 0
        for _ in range(AUCTION_ROUNDS):
            for auction_id in a.active_ids():
                needs_redo, price, lot, tab = a.status(auction_id)
                if needs_redo:
                    w.attempt(w.keeper, a, "redo", auction_id)
                    continue
                w.give_stablecoin(w.keeper, max(0, tab - w.balance("stablecoin", w.keeper)))
                w.attempt(w.keeper, a, "take", auction_id, lot, price, w.keeper, b"")
            if not a.active_ids():
                break
            w.time_travel(60)
        if a.active_ids() or w.balance("collateral", a):
            inv.fail("6 every auction ends", f"auctions {list(a.active_ids())} still live after {AUCTION_ROUNDS} keeper rounds")
        inv.STATS.count("6 every auction ends")
        inv.STATS.event("auctions worked off")

    def _breaker_reasons(self, level: int) -> set[str]:
        """The revert the breaker gives at `level` (1 kicks, 2 redo, 3 take) if it is on."""
        reasons = {1: "Auction: liquidations stopped", 2: "Auction: redo stopped", 3: "Auction: takes stopped"}
        return {reasons[level]} if self.stopped >= level else set()

    # ------------------------------------------------------------------ admin

    @rule(which=st.integers(0, 6), pct=percent)
    def admin_sets(self, which: int, pct: int) -> None:
        """The admin changes one parameter group within its documented bounds."""
        self._tick()
        w, c, a = self.world, self.m.controller, self.m.auction
        admin = self.m.admin
        if which == 0:
            w.attempt(admin, c, "set_rate", 43959106799 * pct // 400)
        elif which == 1:
            w.attempt(admin, c, "set_amm_fee", 10**6 + (10**16 - 10**6) * pct // 100)
        elif which == 2:
            liq = self.liq["penalty_tier1"] + 10**16 + 4 * 10**16 * pct // 100
            w.attempt(admin, c, "set_discounts", liq + 10**16 + 10**15 * pct, liq)
        elif which == 3:
            buf, tail = WAD + 3 * 10**15 * pct, 600 + 144 * pct
            cusp, chost = 3 * 10**17 + 5 * 10**15 * pct, pct * WAD
            w.attempt(admin, a, "set_params", buf, tail, cusp, chost)
        elif which == 4:
            self._set_liquidation_params(pct)
        elif which == 5:
            self._set_curve(pct)
        else:
            self._set_breaker(pct)
        inv.STATS.count("admin change within bounds")

    @rule(share=st.sampled_from(PER_BAND_SHARES), b=borrower_ix, n=st.sampled_from(N_CHOICES))
    def admin_sets_min_debt_per_band(self, share: int, b: int, n: int) -> None:
        """The admin sets min_debt_per_band to `share`% of min_debt; the machine keeps it
        (create_loan and partial repays predict with it). The getter and the model hold
        it, min_debt_for(N) is max(min_debt, N * it) for N_CHOICES and MAX_TICKS, and a
        borrower without a loan over `n` bands is refused one wei below that minimum and
        accepted at it."""
        self._tick()
        w, policy = self.world, self.world.liquidation_holder()
        value = self.liq["min_debt"] * share // 100
        w.attempt(self.m.admin, policy, "set_min_debt_per_band", value)
        self.min_debt_per_band = value
        if policy.min_debt_per_band() != value:
            inv.fail("min debt per band", f"set_min_debt_per_band({value}): the getter returns {policy.min_debt_per_band()}")
        model = w.model.controller.policy if w.model is not None else None
        if model is not None and model.min_debt_per_band != value:
            inv.fail("8 model matches chain", f"set_min_debt_per_band({value}): model holds {model.min_debt_per_band}")
        for n_bands in (*N_CHOICES, MAX_TICKS):
            if policy.min_debt_for(n_bands) != self._min_debt_for(n_bands):
                inv.fail("min debt per band", f"min_debt_for({n_bands}) = {policy.min_debt_for(n_bands)}, expected {self._min_debt_for(n_bands)}")
        inv.STATS.count("min_debt_for = max(min_debt, N * min_debt_per_band)")
        inv.STATS.event(f"min_debt_per_band set to {share}% of min_debt")
        self._probe_min_debt(b, n)

    def _probe_min_debt(self, b: int, n: int) -> None:
        """Borrower b, if without a loan, asks over `n` bands for one wei less than the
        minimum the machine tracks (must be refused: "debt below minimum"), then for
        exactly it (must go through, if the collateral carries it)."""
        who, c, w = self.world.borrowers[b], self.m.controller, self.world
        if self._has_loan(who):
            return
        least, collateral = self._min_debt_for(n), self._units(PROBE_TENTHS)
        w.mint_collateral(who, collateral)
        out = w.attempt(who, c, "create_loan", collateral, least - 1, n, allowed={"debt below minimum"})
        if out.ok:
            raise FuzzFailure(f"create_loan({collateral}, {least - 1}, {n}) went through below min_debt_for {least}")
        if least > c.max_borrowable(collateral, n):
            inv.STATS.event("min debt probe: minimum beyond the collateral")
            return
        w.attempt(who, c, "create_loan", collateral, least, n)
        inv.STATS.count("a loan of exactly min_debt_for(N) opens, one wei less does not")
        # closed again at once: minimum-size probe loans left open crowded out the loans
        # whose liquidations start auctions (reentrant_take never ran at seed 1)
        w.give_stablecoin(who, max(0, c.debt(who) - w.balance("stablecoin", who)))
        w.attempt(who, c, "repay", 2**256 - 1)

    def _set_curve(self, pct: int) -> None:
        """A new auction curve (live auctions keep theirs: invariant 6 checks prices never
        rise without a reset); pct 100 asks for an unknown kind, which must revert."""
        kind = pct % 3 if pct < 100 else 3
        a, b = [(600 + 864 * pct, 0), (WAD - 10**15 * pct, 30 + 6 * pct), (WAD - 10**13 * pct, 0), (1, 0)][kind]
        out = self.world.attempt(self.m.admin, self.m.auction, "set_curve", kind, a, b, allowed={"price_curves: unknown curve"})
        if out.ok == (kind == 3):
            raise FuzzFailure(f"set_curve({kind}, {a}, {b}): ok={out.ok} ({out.reason})")
        inv.STATS.event("auction curve changed" if out.ok else "unknown curve refused")

    def _set_breaker(self, pct: int) -> None:
        """The admin sets the auction breaker: usually back to 0, else level 1-3."""
        level = 0 if pct <= 55 else 1 + (pct - 56) * 3 // 45  # 1, 2 or 3
        self.world.attempt(self.m.admin, self.m.auction, "set_stopped", level)
        self.stopped = level
        inv.STATS.event(f"breaker level {level}")

    def _set_liquidation_params(self, pct: int) -> None:
        ld = self.m.controller.liquidation_discount()
        p1 = 5 * 10**15 + (ld - 10**16) * pct // 100
        p2 = p1 + 10**16 + 10**17 * pct // 100
        new = dict(self.liq, penalty_tier1=p1, penalty_tier2=p2, target_health=10**16 * (1 + pct // 4))
        new["tip"] = min(self.liq["tip"], p1 * new["min_debt"] // WAD // 4)
        holder = self.world.liquidation_holder()
        self.world.attempt(self.m.admin, holder, "set_liquidation_params", *(new[k] for k in self.liq))
        self.liq = new

    # ------------------------------------------------------------------ invariants

    @invariant()
    def conservation(self) -> None:
        inv.check_conservation(self.world)

    @invariant()
    def identity(self) -> None:
        inv.check_identity(self.world)

    @invariant()
    def auctions(self) -> None:
        inv.check_auctions(self.world, self.seen)

    @invariant()
    def model_matches(self) -> None:
        """Invariant 8: the model's state equals the chain's; the costly views
        (x_down, y_up, health, get_p) every `FULL_MODEL_EVERY` steps."""
        inv.check_model(self.world, full=self.step % FULL_MODEL_EVERY == 0)

    @invariant()
    def gentle_no_bad_debt(self) -> None:
        if self.gentle:
            inv.check_no_bad_debt(self.world)


class GentleMachine(SystemMachine):
    """Invariant 7's market: oracle moves of at most one band (1% at A = 100) per step,
    the arbitrageur trading after each; no admin changes to the discounts."""

    max_move_bp = 100
    gentle = True
    UNREACHABLE = frozenset({"crash", "crash_then_sweep", "cap_binds", "admin_at_bound"}) | AUCTION_RULES
    """No crash here, and so no loan ever becomes liquidatable: nothing is auctioned (nor
    does the admin go to the bounds: softliq.fuzz.rules_admin)."""


def bind(machine: type[SystemMachine], world: World) -> type[SystemMachine]:
    """A subclass of `machine` acting on `world` (hypothesis instantiates it per example)."""
    return type(machine.__name__, (machine,), {"world": world, "__module__": machine.__module__})

