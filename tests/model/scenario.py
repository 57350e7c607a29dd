"""Random action sequences applied to a chain market and its model in lock-step."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

import boa

from softliq.model.chain import Twin

WAD = 10**18


@dataclass
class Cast:
    """The actors of a sequence, named by role."""

    borrowers: list[str]
    arbitrageur: str
    liquidator: str

    @classmethod
    def make(cls, n_borrowers: int) -> "Cast":
        return cls(
            [str(boa.env.generate_address(f"borrower_{i}")) for i in range(n_borrowers)],
            str(boa.env.generate_address("arbitrageur")),
            str(boa.env.generate_address("liquidator")),
        )


@dataclass
class Driver:
    """Picks random actions and applies them to both sides; counts what succeeded."""

    twin: Twin
    cast: Cast
    rng: random.Random
    done: dict[str, int] = field(default_factory=dict)

    @property
    def model(self):
        return self.twin.model

    def units(self, amount_wad: int) -> int:
        return amount_wad // 10 ** (18 - self.twin.market.params.collateral_decimals)

    def setup(self, stable: int = 2 * 10**6 * WAD) -> None:
        """Fund every actor; the arbitrageur and the liquidator get stablecoin too."""
        for who in self.cast.borrowers:
            self.twin.fund_collateral(who, self.units(200 * WAD))
        for who in (self.cast.arbitrageur, self.cast.liquidator):
            self.twin.fund_stablecoin(who, stable)
            self.twin.fund_collateral(who, self.units(2000 * WAD))
        self.twin.approve_auction(self.cast.liquidator)

    def _count(self, name: str, outcome) -> None:
        if outcome.reverted is None:
            self.done[name] = self.done.get(name, 0) + 1

    # ------------------------------------------------------------ actions

    def open_loan(self, share: float | None = None) -> None:
        free = [b for b in self.cast.borrowers if not self.model.controller.loan_exists(b)]
        if not free:
            return
        who = self.rng.choice(free)
        n = self.rng.choice([4, 5, 7, 10, 20, 35, 50])
        collateral = self.units(self.rng.randint(WAD // 2, 30 * WAD))
        top = self.model.controller.max_borrowable(collateral, n)
        parts = int((share if share is not None else self.rng.uniform(0.3, 1.0)) * 10**6)
        debt = max(top * parts // 10**6, 1)
        self._count("create_loan", self.twin.create_loan(who, collateral, debt, n))

    def swap(self) -> None:
        i = self.rng.randint(0, 1)
        if self.rng.random() < 0.3:
            out = self.rng.randint(1, 5 * WAD) if i == 1 else self.units(self.rng.randint(1, 3 * WAD))
            self._count("exchange_dy", self.twin.exchange_dy(self.cast.arbitrageur, i, out))
            return
        amount = self.rng.randint(1, 20000 * WAD) if i == 0 else self.units(self.rng.randint(10**12, 8 * WAD))
        self._count("exchange", self.twin.exchange(self.cast.arbitrageur, i, max(amount, 1)))

    def move_oracle(self, max_move: float = 0.03) -> None:
        p = self.model.oracle.source
        step = self.rng.uniform(-max_move, max_move * 0.8)
        self.twin.set_price(max(int(p * (1 + step)), WAD))
        if self.rng.random() < 0.5:
            self.twin.time_travel(self.rng.randint(1, 60))

    def travel(self) -> None:
        self.twin.time_travel(self.rng.choice([1, 5, 12, 300, 3600, 4 * 3600, 86400]))

    def _with_loan(self) -> str | None:
        users = [b for b in self.cast.borrowers if self.model.controller.loan_exists(b)]
        return self.rng.choice(users) if users else None

    def change_loan(self) -> None:
        who = self._with_loan()
        if who is None:
            return
        kind = self.rng.choice(["repay", "repay_full", "add", "remove", "borrow_more"])
        debt = self.model.controller.debt(who)
        if kind == "repay":
            self._count("repay", self.twin.repay(who, max(debt * self.rng.randint(1, 60) // 100, 1)))
        elif kind == "repay_full":
            # the liquidator pays the part of the debt the bands do not hold
            self._count("repay_full", self.twin.repay(self.cast.liquidator, debt + self.rng.randint(0, 10), who))
        elif kind == "add":
            self._count("add_collateral", self.twin.add_collateral(who, self.units(self.rng.randint(WAD // 10, 5 * WAD))))
        elif kind == "remove":
            y = self.model.amm.get_sum_xy(who)[1]
            self._count("remove_collateral", self.twin.remove_collateral(who, max(y * self.rng.randint(1, 30) // 100, 1)))
        else:
            self._count("borrow_more", self.twin.borrow_more(who, self.units(self.rng.randint(0, 2 * WAD)), self.rng.randint(100 * WAD, 3000 * WAD)))

    def liquidate(self) -> None:
        targets = self.model.controller.users_to_liquidate(0, 50)
        if len(targets) > 1 and self.rng.random() < 0.4:
            # a batch: the targets, a user who may be healthy, and a duplicate
            batch = [*targets[:3], *filter(None, [self._with_loan()]), targets[0]]
            self._count("liquidate_many", self.twin.liquidate_many(self.cast.liquidator, batch))
            return
        who = self.rng.choice(targets) if targets else self._with_loan()
        if who is not None:
            self._count("liquidate", self.twin.liquidate(self.cast.liquidator, who))

    def auction_step(self) -> None:
        ids = self.model.auction.active_ids()
        if not ids:
            return
        id_ = self.rng.choice(ids)
        needs_redo, _, lot, _ = self.model.auction.status(id_)
        if needs_redo or self.rng.random() < 0.1:
            self._count("redo", self.twin.redo(self.cast.liquidator, id_))
        else:
            amount = max(lot * self.rng.randint(10, 100) // 100, 1)
            self._count("take", self.twin.take(self.cast.liquidator, id_, amount))
        if self.rng.random() < 0.5:
            self.twin.time_travel(self.rng.choice([30, 90, 600, 3 * 3600]))

    def step(self) -> None:
        """One random action, weighted toward trading and oracle moves."""
        action = self.rng.choices(
            [self.open_loan, self.swap, self.move_oracle, self.travel, self.change_loan, self.liquidate, self.auction_step],
            weights=[3, 6, 4, 1, 3, 2, 2],
        )[0]
        action()
