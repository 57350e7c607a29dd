"""Model of contracts/LiquidationPolicy.vy: tiers, the tier-1 fraction, the cap on what
may be in auction (`plan`), how a liquidation divides debt (`split`), the keeper reward
(`keeper_reward`, and `redo_reward` for a re-pricing)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from softliq.model.wad_math import WAD, require
from softliq.params import MarketParams

SHARE_MARGIN = WAD // 10**9  # covers the AMM shares' rounding


@dataclass
class PolicyModel:
    """The liquidation parameters and the formulas that use them."""

    penalty_tier1: int
    penalty_tier2: int
    target_health: int
    min_debt: int
    tip: int
    chip: int
    max_in_auction: int
    min_debt_per_band: int = 0
    """Set apart (set_min_debt_per_band); not a field of SetLiquidationParams."""

    @classmethod
    def from_params(cls, params: MarketParams) -> "PolicyModel":
        """The parameters as deploy_boa sets them."""
        return cls(
            params.penalty_tier1,
            params.penalty_tier2,
            params.target_health,
            params.min_debt,
            params.tip,
            params.chip,
            params.max_in_auction,
            params.min_debt_per_band,
        )

    def fields(self) -> dict[str, int]:
        """The parameters by name, in SetLiquidationParams' order (this class declares
        them in that order)."""
        values = dataclasses.asdict(self)
        del values["min_debt_per_band"]
        return values

    def min_debt_for(self, n_bands: int) -> int:
        """min_debt_for(): the smallest debt of a loan over n_bands bands."""
        return max(self.min_debt, n_bands * self.min_debt_per_band)

    @staticmethod
    def check(liquidation_discount: int, p1: int, p2: int, target: int, min_debt: int, tip: int, chip: int, cap: int) -> None:
        """set_liquidation_params' bounds."""
        require(0 < p1 < liquidation_discount, "tier-1 penalty out of range")
        require(p1 < p2 <= 3 * WAD // 10, "tier-2 penalty out of range")
        require(0 < target <= WAD // 2, "target health out of range")
        require(0 < min_debt <= 10**9 * WAD, "min debt out of range")
        require(chip <= WAD // 10, "chip out of range")
        require(cap >= min_debt, "max in auction below min debt")
        largest_tab = min_debt * (WAD + p2) // WAD
        require(
            tip + chip * largest_tab // WAD < p1 * min_debt // WAD,
            "keeper reward above the penalty of a minimum-size position",
        )

    def tier1_value(self, p_o: int, ld: int) -> int:
        """_tier1_value: p_o * (1 - ld) / (1 + p1), rounded down."""
        return p_o * (WAD - ld) // (WAD + self.penalty_tier1)

    def tier1_fraction(self, debt: int, x_down: int, x: int, y: int, ld: int, p_o: int) -> int:
        """_tier1_fraction: share (WAD) a tier-1 liquidation takes, 0 when tier 2 applies."""
        yv = y * self.tier1_value(p_o, ld) // WAD
        value = x + yv
        k = x_down * (WAD - ld) // (WAD + self.target_health)
        if value <= debt or k >= debt:
            return 0
        f = ((debt - k) * WAD + value - k - 1) // (value - k) + SHARE_MARGIN
        if yv > self.min_debt:
            f = max(f, (self.min_debt * WAD + yv - 1) // yv)  # at least min_debt to auction
        if f >= WAD or debt - min(debt, f * value // WAD) < self.min_debt:
            return 0
        return f

    def plan(self, debt: int, x_down: int, x: int, y: int, ld: int, p_o: int, live_tab: int) -> tuple[int, int]:
        """plan(): (tier, share) to liquidate, cut to fit under max_in_auction."""
        tier = 1
        frac = self.tier1_fraction(debt, x_down, x, y, ld, p_o)
        if frac == 0:
            tier = 2
            frac = WAD
            tab = ((debt - min(debt, x)) * (WAD + self.penalty_tier2) + WAD - 1) // WAD
        else:
            tab = (frac * y // WAD * p_o + WAD - 1) // WAD
        cap = self.max_in_auction
        room = cap - live_tab if cap > live_tab else 0
        if tab <= room:
            return tier, frac
        require(room >= self.min_debt, "auction capacity full")
        frac = frac * (room - 3) // tab
        if tier == 2:
            frac = min(frac, (debt - min(debt, self.min_debt)) * WAD // debt)
        require(frac > 0, "auction capacity full")
        return tier, frac

    def split(self, tier: int, frac: int, debt: int, x_out: int, y_out: int, ld: int, p_o: int) -> tuple[int, int, int]:
        """split(): (debt repaid from stablecoin, debt moved to auction, penalty)."""
        debt_part = debt
        if tier == 2 and frac < WAD:
            debt_part = debt * frac // WAD
        repaid = min(x_out, debt_part)
        if tier == 1:
            to_auction = min(y_out * self.tier1_value(p_o, ld) // WAD, debt - repaid)
            penalty = to_auction * self.penalty_tier1 // WAD
        else:
            to_auction = debt_part - repaid
            penalty = to_auction * self.penalty_tier2 // WAD
        if y_out == 0:
            penalty = 0
        return repaid, to_auction, penalty

    def keeper_reward(self, tab: int) -> int:
        """keeper_reward(): tip + chip * tab, rounded down; 0 for a tab below min_debt."""
        if tab < self.min_debt:
            return 0
        return self.tip + tab * self.chip // WAD

    def redo_reward(self, tab: int, lot_value: int) -> int:
        """redo_reward(): the tip while the lot, worth `lot_value` at the new top, covers
        half of the tab (2 * lot_value >= tab) and tab >= min_debt; 0 otherwise."""
        if lot_value < tab - tab // 2 or tab < self.min_debt:
            return 0
        return self.tip  # a redo's work does not grow with the tab
