"""Rules about who calls: outsiders at entry points only the market's own contracts (or
its admin, or the deployer) may use, and actors acting for someone else (`_for`
arguments, a redo naming its keeper).

`CallerRules` is a mixin of `softliq.fuzz.machine.SystemMachine`: it uses the machine's
world, market and helpers (`_tick`, `_has_loan`, `_units`, `_breaker_reasons`).
"""

from __future__ import annotations

from typing import Any, Callable

from hypothesis import strategies as st
from hypothesis.stateful import precondition, rule

from softliq.fuzz import invariants as inv
from softliq.fuzz.world import REFUSED, ZERO_ADDRESS, FuzzFailure
from softliq.params import WAD

Args = Callable[[str], tuple[Any, ...]]
OUTSIDER_ARGS: dict[tuple[str, str], Args] = {
    ("amm", "set_admin"): lambda who: (who,),
    ("amm", "set_fee"): lambda who: (10**16,),
    ("amm", "set_rate"): lambda who: (0,),
    ("amm", "deposit_range"): lambda who: (who, 1, 0, 0),
    ("amm", "withdraw"): lambda who: (who, WAD),
    ("controller", "set_auction"): lambda who: (who,),
    ("controller", "set_admin"): lambda who: (who,),
    ("controller", "book_shortfall"): lambda who: (1,),
    ("controller", "pay_incentive"): lambda who: (who, WAD, WAD),
    ("controller", "send_collateral"): lambda who: (who, 1),
    ("auction", "kick"): lambda who: (who, 1, 1, who),
    ("auction", "set_controller"): lambda who: (who,),
    ("auction", "set_admin"): lambda who: (who,),
    ("policy", "set_controller"): lambda who: (who,),
    ("policy", "set_admin"): lambda who: (who,),
    ("stablecoin", "mint"): lambda who: (who, 1),
    ("stablecoin", "burn_from"): lambda who: (who, 1),
    ("stablecoin", "burn"): lambda who: (1,),
    ("stablecoin", "set_minter"): lambda who: (who,),
    ("stablecoin", "set_burner"): lambda who: (who,),
}
"""Arguments (given the caller) for each refused entry point of `REFUSED`."""
assert set(OUTSIDER_ARGS) == set(REFUSED), "every refused entry point needs arguments"
ENTRY_POINTS = sorted(OUTSIDER_ARGS)
CALLERS = ("borrower", "arbitrageur", "keeper", "liquidator")


class CallerRules:
    """Mixin: outsiders are refused, and acting for another moves the right wallets."""

    def _caller(self, role: str, b: int = 0) -> str:
        w = self.world  # type: ignore[attr-defined]
        return w.borrowers[b % len(w.borrowers)] if role == "borrower" else getattr(w, role)

    @rule(which=st.sampled_from(ENTRY_POINTS), role=st.sampled_from(CALLERS))
    def outsider_calls(self, which: tuple[str, str], role: str) -> None:
        """Anyone outside the market calling an entry point meant for its own contracts
        (AMM deposits and withdrawals, kicks, incentive payments, collateral moves,
        minting, burning, wiring, admin hand-over) is refused with the contract's reason
        and changes nothing (World.attempt compares the state before and after)."""
        self._tick()  # type: ignore[attr-defined]
        w = self.world  # type: ignore[attr-defined]
        contract = getattr(w.market, which[0], None)
        if contract is None:
            return  # no separate policy contract in this market
        who = self._caller(role)
        out = w.attempt(who, contract, which[1], *OUTSIDER_ARGS[which](who), allowed={REFUSED[which]})
        if out.ok:
            raise FuzzFailure(f"{role} called {which[0]}.{which[1]} and it went through")
        inv.STATS.count("outsiders refused")
        inv.STATS.rule_succeeded()  # the refusal is what this rule is for

    @rule(b=st.integers(0, 3), tenths=st.integers(1, 20), pct=st.integers(1, 60), repay=st.booleans())
    def help_borrower(self, b: int, tenths: int, pct: int, repay: bool) -> None:
        """The keeper adds collateral to, or repays part of, a borrower's loan (`_for`):
        the keeper's wallet pays, the borrower's wallet is untouched."""
        self._tick()  # type: ignore[attr-defined]
        w, c = self.world, self.m.controller  # type: ignore[attr-defined]
        borrower = w.borrowers[b]
        coin = "stablecoin" if repay else "collateral"
        if repay:
            amount = max(1, c.debt(borrower) * pct // 100) if self._has_loan(borrower) else 1  # type: ignore[attr-defined]
            w.give_stablecoin(w.keeper, max(0, amount - w.balance("stablecoin", w.keeper)))
            allowed = {"no loan", "debt below minimum", "debt too high for collateral", "position in soft liquidation"}
        else:
            amount = self._units(tenths)  # type: ignore[attr-defined]
            w.mint_collateral(w.keeper, amount)
            allowed = {"no loan", "position in soft liquidation", "debt too high for collateral", "AMM: amount too low"}
        wallet = (w.balance("stablecoin", borrower), w.balance("collateral", borrower))
        paid_from = w.balance(coin, w.keeper)
        out = w.attempt(w.keeper, c, "repay" if repay else "add_collateral", amount, borrower, allowed=allowed)
        if not out.ok:
            return
        paid = paid_from - w.balance(coin, w.keeper)
        if (w.balance("stablecoin", borrower), w.balance("collateral", borrower)) != wallet or not 0 < paid <= amount:
            raise FuzzFailure(f"{'repay' if repay else 'add_collateral'}({amount}) for {borrower}: keeper paid {paid}, borrower's wallet {wallet} changed")
        inv.STATS.count("acting for a borrower pays from the actor")

    @rule(i=st.integers(0, 1), size=st.sampled_from([10**15, 10**17, 10**18]), b=st.integers(0, 3))
    def trade_for(self, i: int, size: int, b: int) -> None:
        """The arbitrageur trades with the output sent to a borrower (`_for`): the
        arbitrageur pays, the borrower receives exactly what the trade reports."""
        self._tick()  # type: ignore[attr-defined]
        w, amm = self.world, self.m.amm  # type: ignore[attr-defined]
        coins = ("stablecoin", "collateral")
        amount = self._arbitrageur_amount(i, size)  # type: ignore[attr-defined]
        receiver = w.borrowers[b]
        if amount == 0:
            return
        got_before, kept_before = w.balance(coins[1 - i], receiver), w.balance(coins[1 - i], w.arbitrageur)
        used, out = w.attempt(w.arbitrageur, amm, "exchange", i, 1 - i, amount, 0, receiver).result
        if w.balance(coins[1 - i], receiver) - got_before != out or w.balance(coins[1 - i], w.arbitrageur) != kept_before:
            raise FuzzFailure(f"exchange({i}, {amount}) for {receiver}: output {out} did not go to the receiver alone")
        inv.STATS.count("a trade's output goes to its receiver")

    @precondition(lambda self: bool(self.m.auction.count()))
    @rule(nobody=st.booleans(), which=st.integers(0, 7))
    def redo_for(self, nobody: bool, which: int) -> None:
        """A keeper re-prices a stale auction naming who earns the incentive: the
        liquidator, or nobody (the zero address: no stablecoin is minted)."""
        self._tick()  # type: ignore[attr-defined]
        w, a = self.world, self.m.auction  # type: ignore[attr-defined]
        ids = list(a.active_ids())
        if not ids:
            return
        auction_id = ids[which % len(ids)]
        if not a.status(auction_id)[0]:
            w.time_travel(a.tail() + 1)
        beneficiary = ZERO_ADDRESS if nobody else w.liquidator
        before = (w.supply("stablecoin"), w.balance("stablecoin", w.keeper), w.balance("stablecoin", w.liquidator))
        out = w.attempt(w.keeper, a, "redo", auction_id, beneficiary, allowed=self._breaker_reasons(2))  # type: ignore[attr-defined]
        if not out.ok:
            return
        supply, keeper, liquidator = w.supply("stablecoin"), w.balance("stablecoin", w.keeper), w.balance("stablecoin", w.liquidator)
        paid = liquidator - before[2]
        if keeper != before[1] or (nobody and supply != before[0]) or supply - before[0] != paid:
            raise FuzzFailure(f"redo({auction_id}, {beneficiary}): supply {before[0]} -> {supply}, keeper {before[1]} -> {keeper}, liquidator +{paid}")
        inv.STATS.count("a redo pays only whom it names")
