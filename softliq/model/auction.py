"""Integer-exact model of contracts/Auction.vy (with price_curves.vy): Dutch auctions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable

from softliq.model import price_curves
from softliq.model.events import ZERO_ADDRESS, EventLog
from softliq.model.oracle import Clock, OracleModel
from softliq.model.tokens import TokenModel
from softliq.model.wad_math import WAD, require

if TYPE_CHECKING:
    from softliq.model.controller import ControllerModel

MAX_ACTIVE = 1000
SLOT_BITS = 10
SLOT_MASK = 2**SLOT_BITS - 1
MAX_CURVES = 2**15 - 1
TOP_DIGITS = 12


def stored_top(top: int) -> int:
    """A top as a sale stores it (_pack_top/_unpack_top): its TOP_DIGITS leading decimal
    digits, rounded down."""
    e = max(0, len(str(top)) - TOP_DIGITS)
    return top // 10**e * 10**e


@dataclass
class Sale:
    """Auction.Sale."""

    user: str
    lot: int
    tab: int
    top: int
    tic: int
    curve: int


class AuctionModel:
    """contracts/Auction.vy. Flash callbacks (`data`) are not modelled."""

    def __init__(
        self,
        address: str,
        clock: Clock,
        oracle: OracleModel,
        stable: TokenModel,
        collateral: TokenModel,
        collateral_decimals: int,
        curve: tuple[int, int, int],
        buf: int,
        tail: int,
        cusp: int,
        chost: int,
    ) -> None:
        self.address = address
        self.clock = clock
        self.oracle = oracle
        self.stable = stable
        self.collateral = collateral
        self.COLLATERAL_PRECISION = 10 ** (18 - collateral_decimals)
        self.controller: ControllerModel | None = None
        self.sales: dict[int, Sale] = {}
        self.kicks = 0
        self.generations: dict[int, int] = {}
        """Record slot -> sales it has held (Auction._slots' generations)."""
        self.total_tab = 0
        self.custody = ""  # where lots are kept until sold: the AMM (set by the system)
        self.stopped = 0
        self.curves: dict[int, tuple[int, int, int]] = {}
        self.curve_id = 0
        self.log = EventLog()
        self.set_curve(*curve)
        self.set_params(buf, tail, cusp, chost)

    def copy(self, clock: Clock, oracle: OracleModel, stable: TokenModel, collateral: TokenModel) -> "AuctionModel":
        """An independent copy (the controller is rebound by the caller)."""
        new = object.__new__(AuctionModel)
        new.__dict__.update(self.__dict__)
        new.clock, new.oracle, new.stable, new.collateral = clock, oracle, stable, collateral
        new.sales = {k: Sale(v.user, v.lot, v.tab, v.top, v.tic, v.curve) for k, v in self.sales.items()}
        new.curves = dict(self.curves)
        new.generations = dict(self.generations)
        return new

    # ------------------------------------------------------------ admin

    def set_curve(self, kind: int, a: int, b: int) -> None:
        """set_curve: a new curve id for auctions started or re-priced from now on."""
        price_curves.check_params(kind, a, b)
        require(self.curve_id + 1 <= MAX_CURVES, "Auction: too many curves")
        self.curve_id += 1
        self.curves[self.curve_id] = (kind, a, b)
        self.log.emit("auction", "SetCurve", id=self.curve_id, kind=kind, a=a, b=b)

    @property
    def curve(self) -> tuple[int, int, int]:
        """(kind, a, b) of the current curve."""
        return self.curves[self.curve_id]

    def set_params(self, buf: int, tail: int, cusp: int, chost: int) -> None:
        """set_params."""
        require(WAD <= buf <= 2 * WAD, "Auction: buf out of range")
        require(60 <= tail <= 7 * 86400, "Auction: tail out of range")
        require(WAD // 100 <= cusp <= 99 * WAD // 100, "Auction: cusp out of range")
        require(chost <= 10**9 * WAD, "Auction: chost out of range")
        self.buf, self.tail, self.cusp, self.chost = buf, tail, cusp, chost
        self.log.emit("auction", "SetParams", buf=buf, tail=tail, cusp=cusp, chost=chost)

    def set_stopped(self, level: int) -> None:
        """set_stopped (breaker)."""
        require(level <= 3, "Auction: breaker level out of range")
        self.stopped = level
        self.log.emit("auction", "SetStopped", level=level)

    # ------------------------------------------------------------ pricing

    def _price(self, sale: Sale) -> int:
        kind, a, b = self.curves.get(sale.curve, (0, 0, 0))
        return price_curves.price(kind, sale.top, a, b, self.clock.now - sale.tic)

    def _needs_redo(self, sale: Sale, price: int) -> bool:
        return self.clock.now - sale.tic >= self.tail or price * WAD < self.cusp * sale.top

    def _oracle_top(self) -> int:
        p = self.oracle.price_w()  # the Auction refreshes the oracle before it reads it
        require(p > 0, "Auction: oracle price is zero")
        return stored_top(p * self.buf // WAD)

    def status(self, id_: int) -> tuple[bool, int, int, int]:
        """status(id): (needs_redo, price, lot, tab); zeros if not live."""
        sale = self.sales.get(id_)
        if sale is None:
            return False, 0, 0, 0
        price = self._price(sale)
        return self._needs_redo(sale, price), price, sale.lot, sale.tab

    def active_ids(self) -> list[int]:
        """active_ids(): by record slot (the contract scans its slot words)."""
        return sorted(self.sales, key=lambda id_: id_ & SLOT_MASK)

    def count(self) -> int:
        """count()."""
        return len(self.sales)

    # ------------------------------------------------------------ life cycle

    def _remove(self, id_: int) -> None:
        self.sales.pop(id_, None)

    def _settle(self, id_: int, sale: Sale) -> None:
        """_settle: the lot left back to the borrower, the tab left booked as a shortfall."""
        if sale.lot > 0:
            self.collateral.transfer(self.custody, sale.user, sale.lot)
        if sale.tab > 0:
            self.total_tab -= sale.tab
            assert self.controller is not None
            self.controller.book_shortfall(sale.tab)
        self.log.emit("auction", "Settle", id=id_, user=sale.user, collateral_returned=sale.lot, shortfall=sale.tab)
        self._remove(id_)

    def kick(self, user: str, lot: int, tab: int, keeper: str) -> int:
        """kick (the Controller's call): start an auction; returns its id."""
        require(self.stopped < 1, "Auction: liquidations stopped")
        require(lot > 0 and tab > 0, "Auction: zero lot or tab")
        require(len(self.sales) < MAX_ACTIVE, "Auction: too many live auctions")
        live = {i & SLOT_MASK for i in self.sales}
        slot = next(s for s in range(1, MAX_ACTIVE + 1) if s not in live)  # the lowest free
        gen = self.generations.get(slot, 0) + 1
        require(gen < 2**30, "Auction: slot worn out")
        self.generations[slot] = gen
        id_ = ((gen - 1) << SLOT_BITS) | slot
        self.kicks += 1
        top = self._oracle_top()
        self.sales[id_] = Sale(user, lot, tab, top, self.clock.now, self.curve_id)
        self.total_tab += tab
        self.log.emit("auction", "Kick", id=id_, user=user, top=top, tab=tab, lot=lot, keeper=keeper)
        return id_

    def redo(self, sender: str, id_: int, keeper: str | None = None) -> None:
        """redo(id, keeper): re-price a stale auction from the oracle."""
        keeper = sender if keeper is None else keeper
        require(self.stopped < 2, "Auction: redo stopped")
        sale = self.sales.get(id_)
        require(sale is not None, "Auction: not running")
        assert sale is not None
        require(self._needs_redo(sale, self._price(sale)), "Auction: redo not due")
        sale.top = self._oracle_top()
        lot_value = sale.lot * self.COLLATERAL_PRECISION * sale.top // WAD
        if lot_value < self.chost and lot_value < sale.tab:
            self._settle(id_, sale)  # not worth taking: settled, not re-priced
            return
        sale.tic = self.clock.now
        sale.curve = self.curve_id
        if sale.tab >= self.chost and keeper != "":
            assert self.controller is not None
            self.controller.pay_incentive(keeper, sale.tab, lot_value)
        self.log.emit("auction", "Redo", id=id_, top=sale.top, tab=sale.tab, lot=sale.lot, keeper=keeper or ZERO_ADDRESS)

    def take(
        self, sender: str, id_: int, max_collateral: int, max_price: int, receiver: str, on_take: Callable[[int, int], None] | None = None
    ) -> tuple[int, int]:
        """take(id, max_collateral, max_price, receiver, data): returns (bought, paid).
        `on_take(owe, amount)` stands for the receiver's callback (non-empty data): it
        runs once the collateral has been sent, before the sender pays."""
        require(self.stopped < 3, "Auction: takes stopped")
        require(max_collateral > 0, "Auction: zero amount")
        require(receiver not in ("", self.address), "Auction: bad receiver")
        sale = self.sales.get(id_)
        require(sale is not None, "Auction: not running")
        assert sale is not None
        price = self._price(sale)
        require(not self._needs_redo(sale, price), "Auction: needs redo")
        require(price <= max_price, "Auction: price too high")
        require(price > 0, "Auction: zero price")
        prec = self.COLLATERAL_PRECISION
        amount = min(sale.lot, max_collateral)
        owe = (amount * prec * price + WAD - 1) // WAD
        if owe > sale.tab:
            owe = sale.tab
            amount = max(owe * WAD // price // prec, 1)
        elif owe < sale.tab and amount < sale.lot:
            if sale.tab - owe < self.chost:
                require(sale.tab > self.chost, "Auction: no partial purchase")
                owe = sale.tab - self.chost
                amount = max(owe * WAD // price // prec, 1)
        amount = min(amount, sale.lot)
        if sale.tab > owe and sale.lot > amount:  # checked before any state changes
            require((sale.lot - amount) * prec * price >= self.chost * WAD, "Auction: lot left below dust")
        sale.tab -= owe
        sale.lot -= amount
        require(receiver != self.custody, "receiver is the AMM")  # Controller.send_collateral
        self.collateral.transfer(self.custody, receiver, amount)
        if on_take is not None:
            on_take(owe, amount)
        self.stable.transfer(sender, self.address, owe)
        self.stable.burn(self.address, owe)
        self.total_tab -= owe
        self.log.emit("auction", "Take", id=id_, keeper=sender, price=price, owe=owe, amount=amount, tab_left=sale.tab, lot_left=sale.lot)
        if sale.tab == 0 or sale.lot == 0:
            self._settle(id_, sale)
        return amount, owe
