"""Integer-exact model of contracts/Controller.vy: loans, normalised debts, interest,
health, band placement, reserves, and liquidation (whose tier math is in policy.py)."""

from __future__ import annotations

import dataclasses

from functools import lru_cache
from typing import TYPE_CHECKING

from softliq.model.amm import AMMModel
from softliq.model.events import EventLog
from softliq.model.policy import PolicyModel
from softliq.model.tokens import TokenModel
from softliq.model.wad_math import (
    MAX_LOAN_DISCOUNT,
    MAX_RATE,
    MAX_SKIP_TICKS,
    MAX_TICKS,
    MIN_DISCOUNT_GAP,
    MIN_LIQUIDATION_DISCOUNT,
    MIN_TICKS,
    WAD,
    exp_wad,
    ln_wad,
    require,
    sdiv,
    sub,
)
from softliq.params import MAX_MIN_DEBT_PER_BAND

if TYPE_CHECKING:
    from softliq.model.auction import AuctionModel

MAX_BATCH = 50  # users per liquidate_many

MASK128 = 2**128 - 1
LD_UNIT = 10**9


@lru_cache(maxsize=4096)
def _ratio_sum(band_ratio: int, n: int) -> int:
    """sum_{k=1..n} band_ratio**k, every power rounded down step by step."""
    s, term = 0, WAD
    for _ in range(n):
        term = term * band_ratio // WAD
        s += term
    return s


class ControllerModel:
    """contracts/Controller.vy. `sender` arguments play msg.sender."""

    def __init__(
        self,
        address: str,
        amm: AMMModel,
        stable: TokenModel,
        collateral: TokenModel,
        policy: PolicyModel,
        loan_discount: int,
        liquidation_discount: int,
        debt_ceiling: int,
    ) -> None:
        self.address = address
        self.amm = amm
        self.amm_address = ""
        self.stable = stable
        self.collateral = collateral
        self.policy = policy
        self.auction: AuctionModel | None = None
        self.log = EventLog()
        self.COLLATERAL_PRECISION = amm.COLLATERAL_PRECISION
        a = amm.A
        self.LOG_A_RATIO = ln_wad(a * WAD // (a - 1))
        self.BAND_RATIO = (a - 1) * WAD // a
        self.loan_discount = self.liquidation_discount = 0
        self.rate = 0
        self.set_discounts(loan_discount, liquidation_discount)
        self.debt_ceiling = debt_ceiling
        self.reserves_booked = 0
        self.bad_debt = 0
        self.norms: dict[str, int] = {}
        self.lds: dict[str, int] = {}  # liquidation discount in units of 1e-9
        self.total_norm = 0
        self.total_last = 0
        self.loans: list[str] = []
        self.loan_ix: dict[str, int] = {}

    def copy(self, amm: AMMModel, stable: TokenModel, collateral: TokenModel) -> "ControllerModel":
        """An independent copy (auction and policy rebound by the caller)."""
        new = object.__new__(ControllerModel)
        new.__dict__.update(self.__dict__)
        new.amm, new.stable, new.collateral = amm, stable, collateral
        new.norms = dict(self.norms)
        new.lds = dict(self.lds)
        new.loans = list(self.loans)
        new.loan_ix = dict(self.loan_ix)
        return new

    # ------------------------------------------------------------ admin

    def set_discounts(self, loan_discount: int, liquidation_discount: int) -> None:
        """set_discounts."""
        require(liquidation_discount >= MIN_LIQUIDATION_DISCOUNT, "liquidation discount too low")
        require(loan_discount > liquidation_discount, "loan discount must exceed liquidation discount")
        require(loan_discount <= MAX_LOAN_DISCOUNT, "loan discount too high")
        require(loan_discount >= liquidation_discount + MIN_DISCOUNT_GAP, "discounts too close")
        require(liquidation_discount > self.policy.penalty_tier1, "liquidation discount not above tier-1 penalty")
        self.loan_discount, self.liquidation_discount = loan_discount, liquidation_discount
        self.log.emit("controller", "SetDiscounts", loan_discount=loan_discount, liquidation_discount=liquidation_discount)

    def set_debt_ceiling(self, debt_ceiling: int) -> None:
        """set_debt_ceiling."""
        self.debt_ceiling = debt_ceiling
        self.log.emit("controller", "SetDebtCeiling", debt_ceiling=debt_ceiling)

    def set_rate(self, rate: int) -> None:
        """set_rate: compounds in the AMM."""
        require(rate <= MAX_RATE, "rate too high")
        self.rate = rate
        self.amm.set_rate(rate)
        self.log.emit("controller", "SetRate", rate=rate)

    def set_amm_fee(self, fee: int) -> None:
        """set_amm_fee."""
        self.amm.set_fee(fee)
        self.log.emit("controller", "SetAmmFee", fee=fee)

    def set_liquidation_params(self, p1: int, p2: int, target: int, min_debt: int, tip: int, chip: int, cap: int) -> None:
        """set_liquidation_params (LiquidationPolicy's, which logs it)."""
        PolicyModel.check(self.liquidation_discount, p1, p2, target, min_debt, tip, chip, cap)
        self.policy = PolicyModel(p1, p2, target, min_debt, tip, chip, cap, self.policy.min_debt_per_band)
        self.log.emit("policy", "SetLiquidationParams", **self.policy.fields())

    def set_min_debt_per_band(self, amount: int) -> None:
        """LiquidationPolicy.set_min_debt_per_band (which logs it)."""
        require(amount <= MAX_MIN_DEBT_PER_BAND, "min debt per band out of range")
        # a new policy object, as set_liquidation_params makes: model copies share the old one
        self.policy = dataclasses.replace(self.policy, min_debt_per_band=amount)
        self.log.emit("policy", "SetMinDebtPerBand", min_debt_per_band=amount)

    def min_debt_for(self, n_bands: int) -> int:
        """LiquidationPolicy.min_debt_for: the smallest debt of a loan over n_bands."""
        return self.policy.min_debt_for(n_bands)

    # ------------------------------------------------------------ debt bookkeeping

    def _save_rate(self) -> int:
        return self.amm.set_rate(self.rate)

    def _debt(self, user: str, rate_mul: int) -> int:
        return (self.norms.get(user, 0) * rate_mul + WAD - 1) // WAD

    def _total(self, rate_mul: int) -> int:
        return self.total_norm * rate_mul // WAD

    def _set_debt(self, user: str, debt: int, rate_mul: int, liquidation_discount: int) -> None:
        old_norm = self.norms.get(user, 0)
        old_debt = (old_norm * rate_mul + WAD - 1) // WAD
        norm = (debt * WAD + rate_mul - 1) // rate_mul
        total_norm = self.total_norm + norm - old_norm
        require(total_norm <= MASK128, "debt overflow")
        total = total_norm * rate_mul // WAD
        require(total <= MASK128, "debt overflow")
        gain = total + old_debt
        cost = self.total_last + debt
        if gain >= cost:
            self.reserves_booked += gain - cost
        else:
            self._charge_reserves(cost - gain)
        self.total_norm, self.total_last = total_norm, total
        if norm == 0:
            self.norms.pop(user, None)
            self.lds.pop(user, None)
        else:
            self.norms[user] = norm
            self.lds[user] = (liquidation_discount + LD_UNIT - 1) // LD_UNIT

    def _check_ceiling(self, rate_mul: int, increase: int) -> None:
        require(self._total(rate_mul) + increase <= self.debt_ceiling, "debt ceiling exceeded")

    def _charge_reserves(self, amount: int) -> None:
        r = self.reserves_booked
        if r >= amount:
            self.reserves_booked = r - amount
        else:
            self.reserves_booked = 0
            self.bad_debt += amount - r
        self.log.emit("controller", "Reserves", reserves=self.reserves_booked, bad_debt=self.bad_debt)

    # ------------------------------------------------------------ band placement

    def _p_up(self, base_price: int, n: int) -> int:
        return base_price * exp_wad(-n * self.LOG_A_RATIO) // WAD

    def _value_coefficient(self, collateral: int, N: int, loan_discount: int) -> int:
        s = _ratio_sum(self.BAND_RATIO, N)
        col = collateral * self.COLLATERAL_PRECISION
        return col * (WAD - loan_discount) // WAD * s // WAD // N

    def _top_allowed_band(self, base_price: int, p_o: int) -> int:
        n = sdiv(ln_wad(base_price * WAD // p_o), self.LOG_A_RATIO)
        for _ in range(3):
            if self._p_up(base_price, n) > p_o:
                n += 1
            elif self._p_up(base_price, n - 1) <= p_o:
                n -= 1
            else:
                break
        active = self.amm.active
        if n <= active and not self.amm.can_skip_bands(n):
            n = active + 1
        return n

    def _calculate_debt_n1(self, collateral: int, debt: int, N: int, loan_discount: int) -> int:
        require(debt > 0, "zero debt")
        base_price = self.amm.get_base_price()
        p_o = self.amm.price_oracle()
        coef = self._value_coefficient(collateral, N, loan_discount)
        n_top = self._top_allowed_band(base_price, p_o)
        require(coef * self._p_up(base_price, n_top) // WAD >= debt, "debt too high for collateral")
        ratio = coef * base_price // debt
        n1 = sdiv(ln_wad(ratio), self.LOG_A_RATIO)
        for _ in range(4):
            if n1 > n_top and coef * self._p_up(base_price, n1) // WAD < debt:
                n1 -= 1
            elif coef * self._p_up(base_price, n1 + 1) // WAD >= debt:
                n1 += 1
            else:
                break
        n1 = max(n1, n_top)
        return min(n1, n_top + MAX_SKIP_TICKS - N)

    # ------------------------------------------------------------ views

    def calculate_debt_n1(self, collateral: int, debt: int, N: int) -> int:
        """calculate_debt_n1()."""
        require(MIN_TICKS <= N <= MAX_TICKS, "N out of range")
        return self._calculate_debt_n1(collateral, debt, N, self.loan_discount)

    def max_borrowable(self, collateral: int, N: int) -> int:
        """max_borrowable()."""
        require(MIN_TICKS <= N <= MAX_TICKS, "N out of range")
        base_price = self.amm.get_base_price()
        p_o = self.amm.price_oracle()
        n_top = self._top_allowed_band(base_price, p_o)
        coef = self._value_coefficient(collateral, N, self.loan_discount)
        value = coef * self._p_up(base_price, n_top) // WAD
        total = self._total(self.amm.get_rate_mul())
        room = self.debt_ceiling - total if self.debt_ceiling > total else 0
        return min(value, room)

    def debt(self, user: str) -> int:
        """debt(user)."""
        return self._debt(user, self.amm.get_rate_mul())

    def total_debt(self) -> int:
        """total_debt()."""
        return self._total(self.amm.get_rate_mul())

    def loan_exists(self, user: str) -> bool:
        """loan_exists(user)."""
        return self.norms.get(user, 0) != 0

    def n_loans(self) -> int:
        """n_loans()."""
        return len(self.loans)

    def liquidation_discounts(self, user: str) -> int:
        """liquidation_discounts(user)."""
        return self.lds.get(user, 0) * LD_UNIT

    def user_state(self, user: str) -> tuple[int, int, int, int]:
        """user_state(): (collateral, stablecoin, debt, N)."""
        x, y = self.amm.get_sum_xy(user)
        n1, n2 = self.amm.read_user_tick_numbers(user)
        n = n2 - n1 + 1 if self.loan_exists(user) else 0
        return y, x, self.debt(user), n

    def _health(self, user: str, debt: int, full: bool, x_down: int, collateral: int) -> int:
        ld = self.liquidation_discounts(user)
        h = x_down * (WAD - ld) // debt - WAD
        if full:
            n1, _ = self.amm.read_user_tick_numbers(user)
            if n1 > self.amm.active:
                p_o = self.amm.price_oracle()
                p_up = self._p_up(self.amm.get_base_price(), n1)
                if p_o > p_up:
                    h += (p_o - p_up) * collateral * self.COLLATERAL_PRECISION // debt
        return h

    def _health_now(self, user: str, debt: int, full: bool) -> int:
        return self._health(user, debt, full, self.amm.get_x_down(user), self.amm.get_sum_xy(user)[1])

    def health(self, user: str, full: bool = False) -> int:
        """health(user, full)."""
        debt = self.debt(user)
        require(debt > 0, "no loan")
        return self._health_now(user, debt, full)

    def reserves(self) -> int:
        """reserves(): booked plus interest accrued since the last write."""
        return self.reserves_booked + sub(self._total(self.amm.get_rate_mul()), self.total_last)

    def users_to_liquidate(self, offset: int = 0, limit: int = 50) -> list[str]:
        """users_to_liquidate(offset, limit)."""
        out = []
        rate_mul = self.amm.get_rate_mul()
        for k in range(min(limit, 50)):
            if offset + k >= len(self.loans):
                break
            user = self.loans[offset + k]
            if self._health_now(user, self._debt(user, rate_mul), True) < 0:
                out.append(user)
        return out

    # ------------------------------------------------------------ borrower actions

    def _log_state(self, user: str, collateral: int, debt: int, n1: int, n2: int) -> None:
        """_log_state: UserState, with the liquidation discount now recorded for `user`."""
        self.log.emit(
            "controller", "UserState",
            user=user, collateral=collateral, debt=debt, n1=n1, n2=n2, liquidation_discount=self.liquidation_discounts(user),
        )

    def _place(self, user: str, collateral: int, debt: int, N: int, rate_mul: int) -> None:
        n1 = self._calculate_debt_n1(collateral, debt, N, self.loan_discount)
        self._set_debt(user, debt, rate_mul, self.liquidation_discount)
        self.amm.deposit_range(user, collateral, n1, n1 + N - 1)
        self._log_state(user, collateral, debt, n1, n1 + N - 1)

    def create_loan(self, sender: str, collateral: int, debt: int, N: int) -> None:
        """create_loan()."""
        require(collateral > 0, "zero collateral")
        require(debt > 0, "zero debt")
        require(MIN_TICKS <= N <= MAX_TICKS, "N out of range")
        require(not self.loan_exists(sender), "loan exists")
        require(debt >= self.min_debt_for(N), "debt below minimum")
        rate_mul = self._save_rate()
        self._check_ceiling(rate_mul, debt)
        self._place(sender, collateral, debt, N, rate_mul)
        self.loan_ix[sender] = len(self.loans)
        self.loans.append(sender)
        self.collateral.transfer(sender, self.amm_address, collateral)
        self.stable.mint(sender, debt)
        self.log.emit("controller", "Borrow", user=sender, collateral_increase=collateral, loan_increase=debt)

    def _rebalance(self, user: str, collateral_in: int, collateral_out: int, debt_increase: int) -> int:
        require(self.loan_exists(user), "no loan")
        rate_mul = self._save_rate()
        debt = self._debt(user, rate_mul) + debt_increase
        if debt_increase > 0:
            self._check_ceiling(rate_mul, debt_increase)
        n1, n2 = self.amm.read_user_tick_numbers(user)
        x, y = self.amm.withdraw(user, WAD)
        require(x == 0, "position in soft liquidation")
        require(y + collateral_in > collateral_out, "not enough collateral")
        self._place(user, y + collateral_in - collateral_out, debt, n2 - n1 + 1, rate_mul)
        return debt

    def add_collateral(self, sender: str, collateral: int, for_: str | None = None) -> None:
        """add_collateral(collateral, _for)."""
        require(collateral > 0, "zero collateral")
        user = sender if for_ is None else for_
        self._rebalance(user, collateral, 0, 0)
        self.collateral.transfer(sender, self.amm_address, collateral)
        self.log.emit("controller", "Borrow", user=user, collateral_increase=collateral, loan_increase=0)

    def remove_collateral(self, sender: str, collateral: int) -> None:
        """remove_collateral(collateral)."""
        require(collateral > 0, "zero collateral")
        self._rebalance(sender, 0, collateral, 0)
        self.collateral.transfer(self.amm_address, sender, collateral)
        self.log.emit("controller", "RemoveCollateral", user=sender, collateral_decrease=collateral)

    def borrow_more(self, sender: str, collateral: int, debt: int) -> None:
        """borrow_more(collateral, debt)."""
        require(debt > 0, "zero debt")
        self._rebalance(sender, collateral, 0, debt)
        if collateral > 0:
            self.collateral.transfer(sender, self.amm_address, collateral)
        self.stable.mint(sender, debt)
        self.log.emit("controller", "Borrow", user=sender, collateral_increase=collateral, loan_increase=debt)

    def _remove_loan(self, user: str) -> None:
        self.norms.pop(user, None)
        self.lds.pop(user, None)
        ix = self.loan_ix.get(user, 0)
        last = len(self.loans) - 1
        if ix != last:
            moved = self.loans[last]
            self.loans[ix] = moved
            self.loan_ix[moved] = ix
        self.loans.pop()
        self.loan_ix.pop(user, None)

    def repay(self, sender: str, amount: int, for_: str | None = None) -> None:
        """repay(amount, _for)."""
        user = sender if for_ is None else for_
        require(amount > 0, "zero amount")
        require(self.loan_exists(user), "no loan")
        rate_mul = self._save_rate()
        debt = self._debt(user, rate_mul)
        amm = self.amm_address
        if amount >= debt:
            x, y = self.amm.withdraw(user, WAD)
            from_bands = min(x, debt)
            if from_bands > 0:
                self.stable.burn(amm, from_bands)
            if debt > from_bands:
                self.stable.burn(sender, debt - from_bands)
            if x > from_bands:
                self.stable.transfer(amm, user, x - from_bands)
            if y > 0:
                self.collateral.transfer(amm, user, y)
            self._set_debt(user, 0, rate_mul, 0)
            self._remove_loan(user)
            self._log_state(user, 0, 0, 0, 0)
            self.log.emit("controller", "Repay", user=user, collateral_decrease=y, loan_decrease=debt)
            return
        new_debt = debt - amount
        n1, n2 = self.amm.read_user_tick_numbers(user)
        require(new_debt >= self.min_debt_for(n2 - n1 + 1), "debt below minimum")
        self.stable.burn(sender, amount)
        if n1 > self.amm.active:
            _, y = self.amm.withdraw(user, WAD)
            self._place(user, y, new_debt, n2 - n1 + 1, rate_mul)
        else:
            self._set_debt(user, new_debt, rate_mul, self.liquidation_discounts(user))
            self._log_state(user, self.amm.get_sum_xy(user)[1], new_debt, n1, n2)
        self.log.emit("controller", "Repay", user=user, collateral_decrease=0, loan_decrease=amount)

    # ------------------------------------------------------------ liquidation

    def _accrue(self) -> None:
        total = self.total_norm * self.amm.get_rate_mul() // WAD
        self.reserves_booked += sub(total, self.total_last)
        self.total_last = total

    def book_shortfall(self, amount: int) -> None:
        """book_shortfall (the Auction's call): accrue, then charge reserves."""
        self._accrue()
        self._charge_reserves(amount)

    def pay_incentive(self, keeper: str, tab: int, lot_value: int) -> None:
        """pay_incentive (the Auction's call): accrue, then pay the keeper redo_reward."""
        self._accrue()
        self._pay_keeper(keeper, self.policy.redo_reward(tab, lot_value))

    def _pay_keeper(self, keeper: str, reward: int) -> None:
        if reward > 0:
            self._charge_reserves(reward)
            self.stable.mint(keeper, reward)

    def _refresh(self) -> tuple[int, int]:
        """_refresh: the oracle's price_w, then compounding; (rate_mul, p_o)."""
        p_o = self.amm.oracle.price_w()  # extcall ORACLE.price_w(): refresh, and the price for this block
        require(p_o > 0, "oracle price is zero")
        return self.amm.get_rate_mul(), p_o  # no rate checkpoint

    def _liquidate(self, sender: str, user: str, rate_mul: int, p_o: int) -> tuple[bool, int, int]:
        """_liquidate: (liquidated, auction id, keeper reward not yet paid); skips health >= 0."""
        assert self.auction is not None
        pol = self.policy
        prec = self.COLLATERAL_PRECISION
        debt = self._debt(user, rate_mul)
        x_down = self.amm.get_x_down(user)
        xy_x, xy_y = self.amm.get_sum_xy(user)
        if self._health(user, debt, True, x_down, xy_y) >= 0:
            return False, 0, 0
        ld = self.liquidation_discounts(user)

        tier, frac = pol.plan(debt, x_down, xy_x, xy_y * prec, ld, p_o, self.auction.total_tab)
        out_x, out_y = self.amm.withdraw(user, frac)
        repaid, to_auction, penalty = pol.split(tier, frac, debt, out_x, out_y * prec, ld, p_o)
        tab = to_auction + penalty
        reward, sell = 0, False
        if to_auction > 0 and out_y > 0:
            reward = min(pol.keeper_reward(tab), penalty)
            # a lot worth less than its keeper's reward is not auctioned (rounds down)
            sell = out_y * prec * p_o // WAD >= reward
        if not sell:
            penalty = reward = 0
            tab = to_auction

        amm = self.amm_address
        if repaid > 0:
            self.stable.burn(amm, repaid)
        if out_x > repaid:
            self.stable.transfer(amm, user, out_x - repaid)

        remaining = debt - (repaid + to_auction)
        if frac == WAD:
            self._set_debt(user, 0, rate_mul, 0)
            self._remove_loan(user)
            self._log_state(user, 0, 0, 0, 0)
        else:
            self._set_debt(user, remaining, rate_mul, ld)
            self._log_state(user, xy_y - out_y, remaining, *self.amm.read_user_tick_numbers(user))
        self.reserves_booked += penalty

        id_ = 0
        if sell:
            # the lot stays in the AMM until the auction sells it
            id_ = self.auction.kick(user, out_y, tab, sender)
        else:
            if out_y > 0:
                self.collateral.transfer(amm, user, out_y)
            if to_auction > 0:
                self._charge_reserves(to_auction)
        self.log.emit(
            "controller", "Liquidate",
            user=user, keeper=sender, tier=tier, debt_repaid_from_bands=repaid, debt_to_auction=to_auction, tab=tab, lot=out_y, auction_id=id_,
        )
        return True, id_, reward

    def liquidate(self, sender: str, user: str) -> int:
        """liquidate(user): returns the auction id (0 if none)."""
        require(self.auction is not None, "no auction house")
        require(self.loan_exists(user), "no loan")
        rate_mul, p_o = self._refresh()
        done, id_, reward = self._liquidate(sender, user, rate_mul, p_o)
        require(done, "not liquidatable")
        self._pay_keeper(sender, reward)
        return id_

    def liquidate_many(self, sender: str, users: list[str]) -> list[int]:
        """liquidate_many(users): per user the auction id, 0 if skipped or no auction."""
        require(len(users) > 0, "no users")
        require(len(users) <= MAX_BATCH, "too many users")
        require(self.auction is not None, "no auction house")
        assert self.auction is not None
        rate_mul, p_o = self._refresh()
        cap, least = self.policy.max_in_auction, self.policy.min_debt
        ids: list[int] = []
        reward = 0
        for user in users:
            id_ = 0
            if self.loan_exists(user) and self.auction.total_tab + least <= cap:
                _, id_, r = self._liquidate(sender, user, rate_mul, p_o)
                reward += r
            ids.append(id_)
        self._pay_keeper(sender, reward)
        return ids
