# pragma version 0.4.3
"""
@title LiquidationPolicy
@notice How much of an unhealthy position a liquidation takes, at what penalty, and what
        the keeper earns; plus the throughput cap on what may be in auction at once.
        Pure decisions over numbers the Controller reads: the Controller executes them
        (withdraws from the AMM, moves debt, starts the auction).
@dev Glossary
     tier 1   still solvent after the penalty and the remainder is not dust: take only the
              share f of the position that brings the rest back to target_health, and at
              least collateral worth min_debt (a keeper is paid for no smaller lot)
     tier 2   deeper, or the remainder would be dust: take the whole position
     v        tier-1 value of one collateral unit: p_o * (1 - ld) / (1 + penalty_tier1)
     tab      stablecoin an auction must raise: debt moved to it * (1 + penalty)
     room     max_in_auction - total tab of live auctions
     reward   keeper reward: tip + chip * tab, none for a tab below min_debt; a redo pays
              it only while the lot, valued at the new top, covers half of the tab
     All amounts are 18-decimal (the Controller scales collateral before calling).
"""
from .modules import constants as c
from .modules import admin_role

initializes: admin_role
exports: (admin_role.admin, admin_role.set_admin)


interface IController:
    def liquidation_discount() -> uint256: view


event SetController:
    controller: indexed(address)

event SetLiquidationParams:
    penalty_tier1: uint256
    penalty_tier2: uint256
    target_health: uint256
    min_debt: uint256
    tip: uint256
    chip: uint256
    max_in_auction: uint256

event SetMinDebtPerBand:
    min_debt_per_band: uint256


controller: public(address)
# The parameters a liquidation reads, packed so that it reads two slots instead of six
# (set_liquidation_params bounds each below its field):
# penalty_tier1 | penalty_tier2 << 64 | target_health << 128 | chip << 192 (64 bits each)
_fractions: uint256
# min_debt | tip << 128 (128 bits each)
_amounts: uint256
max_in_auction: public(uint256)  # cap on the total tab of live auctions
# a loan over N bands carries at least max(min_debt, N * min_debt_per_band): liquidating
# it costs gas per band (read only when a loan is opened or repaid in part)
min_debt_per_band: public(uint256)

MAX_PENALTY: constant(uint256) = 3 * c.WAD // 10
MAX_MIN_DEBT: constant(uint256) = 10**9 * c.WAD
MAX_CHIP: constant(uint256) = c.WAD // 10
SHARE_MARGIN: constant(uint256) = c.WAD // 10**9  # covers the AMM shares' rounding
MASK64: constant(uint256) = 2**64 - 1
MASK128: constant(uint256) = 2**128 - 1


@deploy
def __init__(admin: address):
    """
    @notice Create the policy of one market. The admin then sets the Controller once
            (`set_controller`) and the parameters (`set_liquidation_params`).
    """
    admin_role.__init__(admin)


@external
def set_controller(controller: address):
    """
    @notice Set the Controller whose liquidation discount bounds the tier-1 penalty. Once;
            admin only.
    """
    admin_role._check_admin()
    assert self.controller == empty(address), "controller already set"
    assert controller != empty(address), "zero controller"
    self.controller = controller
    log SetController(controller=controller)


@external
def set_liquidation_params(
    penalty_tier1: uint256,
    penalty_tier2: uint256,
    target_health: uint256,
    min_debt: uint256,
    tip: uint256,
    chip: uint256,
    max_in_auction: uint256,
):
    """
    @notice Liquidation parameters (WAD where fractional). Bounds: 0 < penalty_tier1 <
            liquidation_discount, penalty_tier1 < penalty_tier2 <= 30%, 0 < target_health
            <= 50%, 0 < min_debt <= 1e9, chip <= 10%, max_in_auction >= min_debt, and the
            keeper reward on the largest tab of a minimum-size position,
            tip + chip * min_debt * (1 + penalty_tier2), stays below the smallest penalty
            of that position, penalty_tier1 * min_debt. Admin only.
    """
    admin_role._check_admin()
    assert self.controller != empty(address), "controller not set"
    ld: uint256 = staticcall IController(self.controller).liquidation_discount()
    assert penalty_tier1 > 0 and penalty_tier1 < ld, "tier-1 penalty out of range"
    assert penalty_tier2 > penalty_tier1 and penalty_tier2 <= MAX_PENALTY, "tier-2 penalty out of range"
    assert target_health > 0 and target_health <= c.WAD // 2, "target health out of range"
    assert min_debt > 0 and min_debt <= MAX_MIN_DEBT, "min debt out of range"
    assert chip <= MAX_CHIP, "chip out of range"
    assert max_in_auction >= min_debt, "max in auction below min debt"
    largest_tab: uint256 = min_debt * (c.WAD + penalty_tier2) // c.WAD
    assert tip + chip * largest_tab // c.WAD < penalty_tier1 * min_debt // c.WAD, "keeper reward above the penalty of a minimum-size position"
    # every fraction is at most 50% < 2**64 and both amounts below 2**128 (min_debt <= 1e27
    # and the tip below the penalty of a minimum-size position), as asserted above
    self._fractions = penalty_tier1 | (penalty_tier2 << 64) | (target_health << 128) | (chip << 192)
    self._amounts = min_debt | (tip << 128)
    self.max_in_auction = max_in_auction
    log SetLiquidationParams(penalty_tier1=penalty_tier1, penalty_tier2=penalty_tier2, target_health=target_health, min_debt=min_debt, tip=tip, chip=chip, max_in_auction=max_in_auction)


@external
def set_min_debt_per_band(min_debt_per_band: uint256):
    """
    @notice Per-band part of the smallest loan: a loan over N bands must carry at least
            max(min_debt, N * min_debt_per_band), so that a wide loan, whose liquidation
            costs more gas (every band is read and withdrawn), still pays its keeper.
            0 turns it off. At most 1e9 / 50 (a 50-band loan then needs at most 1e9).
            Admin only.
    """
    admin_role._check_admin()
    assert min_debt_per_band <= MAX_MIN_DEBT // c.MAX_TICKS, "min debt per band out of range"
    self.min_debt_per_band = min_debt_per_band
    log SetMinDebtPerBand(min_debt_per_band=min_debt_per_band)


# ---------------------------------------------------------------- packed fields

@internal
@view
def _penalty_tier1() -> uint256:
    return self._fractions & MASK64


@internal
@view
def _penalty_tier2() -> uint256:
    return (self._fractions >> 64) & MASK64


@internal
@view
def _target_health() -> uint256:
    return (self._fractions >> 128) & MASK64


@internal
@view
def _chip() -> uint256:
    return self._fractions >> 192


@internal
@view
def _min_debt() -> uint256:
    return self._amounts & MASK128


@internal
@view
def _tip() -> uint256:
    return self._amounts >> 128


# ---------------------------------------------------------------- parameters

@external
@view
def penalty_tier1() -> uint256:
    """
    @notice Penalty of a tier-1 liquidation, on the debt moved to auction (WAD).
    """
    return self._penalty_tier1()


@external
@view
def penalty_tier2() -> uint256:
    """
    @notice Penalty of a tier-2 liquidation, on the debt moved to auction (WAD).
    """
    return self._penalty_tier2()


@external
@view
def target_health() -> uint256:
    """
    @notice Health a tier-1 liquidation restores the rest of the position to (WAD).
    """
    return self._target_health()


@external
@view
def chip() -> uint256:
    """
    @notice Keeper reward per unit of tab (WAD).
    """
    return self._chip()


@external
@view
def min_debt() -> uint256:
    """
    @notice Smallest loan; also the dust below which a remainder is liquidated whole and
            below which a tab earns no keeper reward.
    """
    return self._min_debt()


@external
@view
def min_debt_for(n_bands: uint256) -> uint256:
    """
    @notice Smallest debt a loan over `n_bands` bands may be opened with or repaid down to:
            max(min_debt, n_bands * min_debt_per_band).
    """
    # checked product: only an absurd n_bands (no loan has more than MAX_TICKS) can revert it
    return max(self._min_debt(), n_bands * self.min_debt_per_band)


@external
@view
def tip() -> uint256:
    """
    @notice Flat keeper reward (stablecoin).
    """
    return self._tip()


# ---------------------------------------------------------------- decisions

@internal
@view
def _tier1_value(p_o: uint256, ld: uint256) -> uint256:
    return p_o * (c.WAD - ld) // (c.WAD + self._penalty_tier1())  # rounds down: collateral counts for less


@internal
@view
def _tier1_fraction(debt: uint256, x_down: uint256, x: uint256, y: uint256, ld: uint256, p_o: uint256) -> uint256:
    """
    Taking share f moves f * (x + y * v) of debt out; the rest keeps (1 - f) of x_down, so
    health returns to target when f >= (debt - K) / (V - K), K = x_down * (1 - ld) /
    (1 + target_health). 0 if tier 1 does not apply.
    """
    yv: uint256 = y * self._tier1_value(p_o, ld) // c.WAD  # rounds down
    value: uint256 = x + yv
    k: uint256 = x_down * (c.WAD - ld) // (c.WAD + self._target_health())  # rounds down
    if value <= debt or k >= debt:
        return 0  # not solvent after the penalty (or already healthy enough)
    # rounds up (takes more, restores at least the target), plus a margin for share rounding
    f: uint256 = ((debt - k) * c.WAD + value - k - 1) // (value - k) + SHARE_MARGIN
    min_debt: uint256 = self._min_debt()
    if yv > min_debt:
        # at least min_debt of collateral value to auction, so that the keeper's reward
        # (tip + chip * tab) stays below the penalty (a position holding less collateral
        # keeps its small lot, which pays no reward); rounds up
        f = max(f, (min_debt * c.WAD + yv - 1) // yv)
    if f >= c.WAD or debt - min(debt, f * value // c.WAD) < min_debt:
        return 0  # the remainder would be dust: tier 2
    return f


@external
@view
def plan(debt: uint256, x_down: uint256, x: uint256, y: uint256, ld: uint256, p_o: uint256, live_tab: uint256) -> uint256[2]:
    """
    @notice Tier (1 or 2) and share of the position (WAD) to liquidate, for a position with
            `debt`, `x_down`, stablecoin `x` and collateral `y` (18 decimals) in its bands,
            liquidation discount `ld`, at oracle price `p_o`, with `live_tab` already in
            auction. A share that would not fit under max_in_auction is cut to what fits;
            reverts "auction capacity full" when less than a minimum-size tab fits.
    """
    tier: uint256 = 1
    frac: uint256 = self._tier1_fraction(debt, x_down, x, y, ld, p_o)
    tab: uint256 = 0
    if frac == 0:
        tier = 2
        frac = c.WAD
        tab = ((debt - min(debt, x)) * (c.WAD + self._penalty_tier2()) + c.WAD - 1) // c.WAD  # rounds up
    else:
        # an upper bound on the tier-1 tab (the collateral at the full oracle price); rounds up
        tab = (frac * y // c.WAD * p_o + c.WAD - 1) // c.WAD
    cap: uint256 = self.max_in_auction
    room: uint256 = 0
    if cap > live_tab:
        room = cap - live_tab
    if tab <= room:
        return [tier, frac]
    # only cut to a room that holds at least a minimum-size tab: no dust auctions
    min_debt: uint256 = self._min_debt()
    assert room >= min_debt, "auction capacity full"
    # rounds down, and 3 wei of room are kept for the rounding of a partial withdrawal
    # (a cut tab is at most 2 wei above its share of the estimate): stays under the cap
    frac = frac * (room - 3) // tab
    if tier == 2:
        # a cut tier 2 must leave a remainder that is a valid loan
        frac = min(frac, (debt - min(debt, min_debt)) * c.WAD // debt)  # rounds down
    assert frac > 0, "auction capacity full"
    return [tier, frac]


@external
@view
def split(tier: uint256, frac: uint256, debt: uint256, x_out: uint256, y_out: uint256, ld: uint256, p_o: uint256) -> uint256[3]:
    """
    @notice How a liquidation of share `frac` (tier `tier`) that withdrew stablecoin
            `x_out` and collateral `y_out` (18 decimals) from a position with `debt`
            divides it: [debt repaid from the stablecoin, debt moved to auction, penalty].
            Tier 1 may repay any of the debt from the stablecoin and moves to auction the
            collateral's tier-1 value; tier 2 moves its share of the debt.
    """
    debt_part: uint256 = debt
    if tier == 2 and frac < c.WAD:
        debt_part = debt * frac // c.WAD  # a cut tier 2 moves its share; rounds down
    repaid: uint256 = min(x_out, debt_part)
    to_auction: uint256 = 0
    penalty: uint256 = 0
    if tier == 1:
        to_auction = min(y_out * self._tier1_value(p_o, ld) // c.WAD, debt - repaid)  # rounds down
        penalty = to_auction * self._penalty_tier1() // c.WAD  # rounds down
    else:
        to_auction = debt_part - repaid
        penalty = to_auction * self._penalty_tier2() // c.WAD  # rounds down
    if y_out == 0:
        penalty = 0  # nothing to sell: no auction, no penalty
    return [repaid, to_auction, penalty]


@internal
@view
def _keeper_reward(tab: uint256) -> uint256:
    if tab < self._min_debt():
        return 0
    return self._tip() + tab * self._chip() // c.WAD  # rounds down: the protocol pays less


@external
@view
def keeper_reward(tab: uint256) -> uint256:
    """
    @notice What a keeper earns for starting or re-pricing an auction with `tab`:
            tip + chip * tab, and nothing for a tab below min_debt (as Maker's clip pays
            nothing below chost): a dust tab's penalty cannot pay a flat tip.
    """
    return self._keeper_reward(tab)


@external
@view
def redo_reward(tab: uint256, lot_value: uint256) -> uint256:
    """
    @notice What a keeper earns for re-pricing an auction with `tab` whose lot is worth
            `lot_value` at the new top: the tip while the lot covers at least half of the
            tab (2 * lot_value >= tab) and the tab is at least min_debt, nothing otherwise. A lot worth less than half its
            tab even at oracle * buf is mostly a shortfall already: re-pricing it raises
            little, and paying for it would let a keeper who drained the lot (bought all
            but a crumb below market) farm rewards from reserves at every redo. Above
            the bar the reward (below half of a tab of at least min_debt, as the bound of
            set_liquidation_params keeps it) is also below the lot's value.
    """
    if lot_value < tab - tab // 2 or tab < self._min_debt():  # 2 * lot_value < tab, without overflow
        return 0
    # the tip only: a redo's work does not grow with the tab, and an auction that nobody
    # takes goes stale again within the hour (cusp), so a chip per redo would bleed the
    # reserves by a share of the tab every time
    return self._tip()
