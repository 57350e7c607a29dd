"""`ModelMarket`: the whole system in the model — clock, oracle, both tokens, AMM,
Controller, liquidation policy and Auction — wired as `softliq.deploy_boa` wires the
contracts, with token balances per address and the stablecoin supply.

Every action is atomic like a transaction: if the contracts would revert, the model
raises `ModelRevert` (with the contract's reason) and its state is unchanged, its event
log included. The parts share one `EventLog` (`softliq.model.events`): an action appends
the events its contracts would log, in their order; `drain_events` hands them over.
"""

from __future__ import annotations

import copy
import functools
from typing import Any, Callable, TypeVar

from softliq.model.amm import MAX_TOUCH, MAX_UINT256, AMMModel
from softliq.model.auction import AuctionModel
from softliq.model.controller import ControllerModel
from softliq.model.events import Event, EventLog
from softliq.model.oracle import Clock, OracleModel
from softliq.model.policy import PolicyModel
from softliq.model.tokens import TokenModel
from softliq.model.wad_math import ModelRevert, require
from softliq.params import MarketParams

F = TypeVar("F", bound=Callable[..., Any])


def atomic(method: F) -> F:
    """Run `method` as a transaction: on ModelRevert, put the state back (events too)."""

    @functools.wraps(method)
    def wrapper(self: "ModelMarket", *args: Any, **kwargs: Any) -> Any:
        saved = self.copy()
        try:
            return method(self, *args, **kwargs)
        except ModelRevert:
            self._adopt(saved)
            raise

    return wrapper  # type: ignore[return-value]


class ModelMarket:
    """A deployed market, in the model. Addresses are plain strings; pass the chain's
    addresses to compare balances with a titanoboa market."""

    def __init__(
        self,
        params: MarketParams,
        now: int = 0,
        amm_address: str = "amm",
        controller_address: str = "controller",
        auction_address: str = "auction",
        stablecoin_address: str = "stablecoin",
        collateral_address: str = "collateral",
        record_events: bool = True,
        admin_address: str | None = None,
    ) -> None:
        """`record_events` False: the event log keeps nothing (runs that never read it)."""
        p = params
        self.params = params
        self.admin = admin_address
        """The admin of the Controller, the policy and the Auction (None: setters do not
        check their sender)."""
        self.clock = Clock(now)
        self.oracle = OracleModel(self.clock, p.price, p.ema_time)
        self.stable = TokenModel(stablecoin_address, "stablecoin")
        self.collateral = TokenModel(collateral_address, "collateral")
        self.amm = AMMModel(
            self.clock, self.oracle, p.A, p.amplification, p.price, p.fee, p.collateral_decimals, p.oracle_fee_window, p.away_fee,
            p.swing_factor, p.swing_time,
        )
        self.controller = ControllerModel(
            controller_address,
            self.amm,
            self.stable,
            self.collateral,
            PolicyModel(0, 0, 0, 0, 0, 0, 0),
            p.loan_discount,
            p.liquidation_discount,
            p.debt_ceiling,
        )
        self.controller.amm_address = amm_address
        self.amm_address = amm_address
        self.auction = AuctionModel(
            auction_address,
            self.clock,
            self.oracle,
            self.stable,
            self.collateral,
            p.collateral_decimals,
            (p.auction_curve, p.auction_curve_a, p.auction_curve_b),
            p.auction_buf,
            p.auction_tail,
            p.auction_cusp,
            p.auction_chost,
        )
        self.auction.controller = self.controller
        self.auction.custody = self.controller.amm_address
        self.controller.auction = self.auction
        self.controller.set_liquidation_params(
            p.penalty_tier1, p.penalty_tier2, p.target_health, p.min_debt, p.tip, p.chip, p.max_in_auction
        )
        if p.min_debt_per_band:
            self.controller.set_min_debt_per_band(p.min_debt_per_band)
        if p.rate:
            self.controller.set_rate(p.rate)
        self._bind_log(EventLog(record_events))  # what deployment logged is not an action's

    # ------------------------------------------------------------ events

    def _bind_log(self, log: EventLog) -> None:
        """Every part appends to `log`."""
        self.log = log
        for part in (self.oracle, self.stable, self.collateral, self.amm, self.controller, self.auction):
            part.log = log

    @property
    def events(self) -> list[Event]:
        """Events logged since the last `drain_events`: (emitter role, name, fields)."""
        return self.log.entries

    def drain_events(self) -> list[Event]:
        """The events logged since the last drain; the log is empty afterwards."""
        return self.log.drain()

    # ------------------------------------------------------------ copies

    def copy(self) -> "ModelMarket":
        """An independent copy of the whole state (cheap: dict copies)."""
        new = object.__new__(ModelMarket)
        new.params = self.params
        new.admin = self.admin
        new.amm_address = self.amm_address
        new.clock = Clock(self.clock.now)
        new.oracle = copy.copy(self.oracle)
        new.oracle.clock = new.clock
        new.stable = self.stable.copy()
        new.collateral = self.collateral.copy()
        new.amm = self.amm.copy(new.clock, new.oracle)
        new.controller = self.controller.copy(new.amm, new.stable, new.collateral)
        new.auction = self.auction.copy(new.clock, new.oracle, new.stable, new.collateral)
        new.auction.controller = new.controller
        new.controller.auction = new.auction
        new._bind_log(self.log.copy())
        return new

    def _adopt(self, other: "ModelMarket") -> None:
        self.__dict__.update(other.__dict__)

    # ------------------------------------------------------------ environment

    @property
    def now(self) -> int:
        """block.timestamp."""
        return self.clock.now

    def time_travel(self, seconds: int) -> None:
        """Advance time (boa.env.time_travel)."""
        require(seconds >= 0, "time only moves forward")
        self.clock.now += seconds

    def set_price(self, price: int) -> None:
        """The admin sets the settable oracle."""
        self.oracle.set_price(price)

    def mint_collateral(self, who: str, amount: int) -> None:
        """ERC20Mock.mint: fund an actor with collateral."""
        self.collateral.mint(who, amount)

    @atomic
    def transfer_stablecoin(self, sender: str, receiver: str, amount: int) -> bool:
        """Stablecoin.transfer as `sender`."""
        self.stable.transfer(sender, receiver, amount)
        return True

    # ------------------------------------------------------------ borrowers

    @atomic
    def create_loan(self, borrower: str, collateral: int, debt: int, n_bands: int) -> None:
        """Controller.create_loan as `borrower`."""
        self.controller.create_loan(borrower, collateral, debt, n_bands)

    @atomic
    def add_collateral(self, sender: str, collateral: int, for_: str | None = None) -> None:
        """Controller.add_collateral."""
        self.controller.add_collateral(sender, collateral, for_)

    @atomic
    def remove_collateral(self, borrower: str, collateral: int) -> None:
        """Controller.remove_collateral."""
        self.controller.remove_collateral(borrower, collateral)

    @atomic
    def borrow_more(self, borrower: str, collateral: int, debt: int) -> None:
        """Controller.borrow_more."""
        self.controller.borrow_more(borrower, collateral, debt)

    @atomic
    def repay(self, sender: str, amount: int, for_: str | None = None) -> None:
        """Controller.repay."""
        self.controller.repay(sender, amount, for_)

    # ------------------------------------------------------------ traders

    def _settle_swap(self, trader: str, i: int, used: int, out: int, receiver: str | None = None) -> None:
        """`trader` pays `used` of coin i; `receiver` (default: the trader) gets `out`."""
        coin_in, coin_out = (self.stable, self.collateral) if i == 0 else (self.collateral, self.stable)
        coin_in.transfer(trader, self.amm_address, used)
        coin_out.transfer(self.amm_address, trader if receiver is None else receiver, out)
        self.log.emit("amm", "TokenExchange", buyer=trader, sold_id=i, tokens_sold=used, bought_id=1 - i, tokens_bought=out)

    @atomic
    def exchange(self, trader: str, i: int, j: int, in_amount: int, min_amount: int = 0, for_: str | None = None) -> tuple[int, int]:
        """AMM.exchange as `trader` (output to `for_`, default the trader): returns (used, received)."""
        used, out = self.amm.exchange(i, j, in_amount, min_amount)
        if out:
            self._settle_swap(trader, i, used, out, for_)
        return used, out

    @atomic
    def exchange_dy(self, trader: str, i: int, j: int, out_amount: int, max_amount: int, for_: str | None = None) -> tuple[int, int]:
        """AMM.exchange_dy as `trader` (output to `for_`, default the trader): returns (paid, received)."""
        used, out = self.amm.exchange_dy(i, j, out_amount, max_amount)
        if out:
            self._settle_swap(trader, i, used, out, for_)
        return used, out

    @atomic
    def adapter_exchange_dy(
        self, adapter: str, trader: str, i: int, j: int, out_amount: int, max_amount: int, for_: str | None = None
    ) -> tuple[int, int]:
        """LlammaAdapter.exchange_dy as `trader` (`adapter`: its address): buys
        `out_amount`, or all one swap can give if that is less, through the AMM's
        exchange_dy; (0, 0) when there is nothing to buy."""
        require((i, j) in ((0, 1), (1, 0)), "Adapter: wrong coin index")
        out = self._fillable(i, out_amount)
        if out == 0:
            return 0, 0
        dx = self.amm.get_dx(i, j, out)
        require(dx <= max_amount, "Adapter: slippage")
        coin = self.stable if i == 0 else self.collateral
        coin.transfer(trader, adapter, dx)
        # the adapter approves the AMM for exactly dx (allowances are otherwise not modelled)
        self.log.emit(coin.role, "Approval", owner=adapter, spender=self.amm_address, value=dx)
        used, got = self.exchange_dy(adapter, i, j, out, dx, trader if for_ is None else for_)
        require(used == dx, "model: the AMM took less than its quote")  # the adapter would refund
        self.log.emit("llamma_adapter", "TokenExchange", buyer=trader, sold_id=i, tokens_sold=used, bought_id=j, tokens_bought=got)
        return used, got

    def _fillable(self, i: int, out_amount: int) -> int:
        """LlammaAdapter._fillable: `out_amount`, or all of coin 1 - i that the first
        MAX_TOUCH bands holding it hold, walking from the active band as a swap does."""
        amm = self.amm
        if amm.get_dx(i, 1 - i, out_amount) != MAX_UINT256:
            return out_amount
        held = amm.bands_y if i == 0 else amm.bands_x
        there = touched = 0
        n = amm.active
        while True:
            if held.get(n, 0):
                there += held[n]
                touched += 1
                if touched == MAX_TOUCH:
                    break
            if (i == 0 and n >= amm.hi) or (i == 1 and n <= amm.lo):
                break
            n += 1 if i == 0 else -1
        return min(there, out_amount)

    # ------------------------------------------------------------ keepers

    @atomic
    def liquidate(self, keeper: str, user: str) -> int:
        """Controller.liquidate as `keeper`: returns the auction id (0 if none)."""
        return self.controller.liquidate(keeper, user)

    @atomic
    def liquidate_many(self, keeper: str, users: list[str]) -> list[int]:
        """Controller.liquidate_many as `keeper`: per user the auction id (0: skipped or none)."""
        return self.controller.liquidate_many(keeper, users)

    @atomic
    def take(self, keeper: str, id_: int, max_collateral: int, max_price: int, receiver: str | None = None) -> tuple[int, int]:
        """Auction.take (no callback data): returns (bought, paid)."""
        return self.auction.take(keeper, id_, max_collateral, max_price, keeper if receiver is None else receiver)

    @atomic
    def flash_take(self, owner: str, taker: str, id_: int, max_collateral: int, max_price: int) -> tuple[int, int]:
        """FlashTaker.flash (contracts/testing) as its `owner`: `taker` takes from auction
        `id_` for itself; its callback sells the collateral to the AMM (exchange 1 -> 0,
        at least what it owes), the proceeds pay the auction, and the profit and any
        collateral left over go to `owner`. Returns (bought, paid)."""

        def sell(owe: int, amount: int) -> None:
            used, out = self.amm.exchange(1, 0, amount, owe)
            if out:
                self._settle_swap(taker, 1, used, out)

        result = self.auction.take(taker, id_, max_collateral, max_price, taker, on_take=sell)
        for token in (self.stable, self.collateral):
            left = token.balance_of(taker)
            if left:
                token.transfer(taker, owner, left)
        return result

    @atomic
    def reentrant_take(self, taker: str, id_: int, max_collateral: int) -> tuple[int, int]:
        """ReentrantTaker.attack in recording mode (contracts/testing), its re-entry refused:
        `taker` takes from auction `id_` for itself at any price; the callback's inner
        call reverts and changes nothing. Returns (bought, paid)."""
        return self.auction.take(taker, id_, max_collateral, 2**256 - 1, taker, on_take=lambda owe, amount: None)

    @atomic
    def redo(self, sender: str, id_: int, keeper: str | None = None) -> None:
        """Auction.redo as `sender`, paying `keeper` (default: the sender; "": nobody)."""
        self.auction.redo(sender, id_, keeper)

    # ------------------------------------------------------------ admin
    # Each setter takes the caller as `sender` (None: not checked); like admin_role's
    # _check_admin, anyone but the admin is refused before any bound is checked.

    def _check_admin(self, sender: str | None) -> None:
        """admin_role._check_admin: "Only admin" unless `sender` is the admin."""
        if sender is not None and self.admin is not None:
            require(sender.lower() == self.admin.lower(), "Only admin")

    @atomic
    def set_rate(self, rate: int, sender: str | None = None) -> None:
        """Controller.set_rate."""
        self._check_admin(sender)
        self.controller.set_rate(rate)

    @atomic
    def set_amm_fee(self, fee: int, sender: str | None = None) -> None:
        """Controller.set_amm_fee."""
        self._check_admin(sender)
        self.controller.set_amm_fee(fee)

    @atomic
    def set_discounts(self, loan_discount: int, liquidation_discount: int, sender: str | None = None) -> None:
        """Controller.set_discounts."""
        self._check_admin(sender)
        self.controller.set_discounts(loan_discount, liquidation_discount)

    @atomic
    def set_debt_ceiling(self, ceiling: int, sender: str | None = None) -> None:
        """Controller.set_debt_ceiling."""
        self._check_admin(sender)
        self.controller.set_debt_ceiling(ceiling)

    @atomic
    def set_liquidation_params(self, *values: int, sender: str | None = None) -> None:
        """set_liquidation_params(p1, p2, target_health, min_debt, tip, chip, max_in_auction)."""
        self._check_admin(sender)
        self.controller.set_liquidation_params(*values)

    @atomic
    def set_min_debt_per_band(self, amount: int, sender: str | None = None) -> None:
        """LiquidationPolicy.set_min_debt_per_band."""
        self._check_admin(sender)
        self.controller.set_min_debt_per_band(amount)

    @atomic
    def set_auction_params(self, buf: int, tail: int, cusp: int, chost: int, sender: str | None = None) -> None:
        """Auction.set_params."""
        self._check_admin(sender)
        self.auction.set_params(buf, tail, cusp, chost)

    @atomic
    def set_curve(self, kind: int, a: int, b: int, sender: str | None = None) -> None:
        """Auction.set_curve: auctions started from now on use the new curve."""
        self._check_admin(sender)
        self.auction.set_curve(kind, a, b)

    @atomic
    def set_breaker(self, level: int, sender: str | None = None) -> None:
        """Auction.set_stopped: 0 none, 1 no new auctions, 2 also no redo, 3 also no take."""
        self._check_admin(sender)
        self.auction.set_stopped(level)

    # ------------------------------------------------------------ accounting

    def identity_gap(self) -> int:
        """supply + reserves - bad_debt - (total_debt + total_tab): in [0, n_loans]
        by docs/accounting.md (user debts round up, the total rounds down)."""
        c = self.controller
        return self.stable.supply + c.reserves() - c.bad_debt - c.total_debt() - self.auction.total_tab
