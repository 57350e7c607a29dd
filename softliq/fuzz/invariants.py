"""The system-wide invariants of DESIGN.md section 5, as checks over a `World`.

Each check raises `FuzzFailure` with a message naming the invariant, and counts itself
in `STATS` (the campaign command reports the counts). Which check runs when is the
state machine's business (`softliq.fuzz.machine`).
"""

from __future__ import annotations

from dataclasses import dataclass

from softliq.fuzz.stats import STATS, Stats  # noqa: F401 - re-exported: inv.STATS
from softliq.fuzz.world import FuzzFailure, World
from softliq.params import WAD


def fail(invariant: str, message: str) -> None:
    """Raise a FuzzFailure naming the broken invariant."""
    raise FuzzFailure(f"[{invariant}] {message}")


def check_conservation(world: World) -> None:
    """Invariant 1: every token unit is in a wallet, the AMM or the auction house, and the
    AMM holds at least what its bands and the positions' dust account for."""
    m = world.market
    holders = [*world.wallets, m.amm, m.auction, m.controller]
    for token in ("collateral", "stablecoin"):
        held = sum(world.balance(token, h) for h in holders)
        supply = world.supply(token)
        if held != supply:
            fail("1 conservation", f"{token}: supply {supply} but holders have {held}")
    bands = world.bands().values()
    x_bands, y_bands = sum(x for x, _ in bands), sum(y for _, y in bands)
    lots = sum(m.auction.status(i)[2] for i in m.auction.active_ids())  # lots wait in the AMM
    dust = world.dust()
    x_amm, y_amm = world.balance("stablecoin", m.amm), world.balance("collateral", m.amm)
    if x_amm < x_bands or y_amm < y_bands + lots + dust:
        fail("1 conservation", f"AMM holds ({x_amm}, {y_amm}) < its bands ({x_bands}, {y_bands}), lots ({lots}) and dust ({dust})")
    STATS.count("1 conservation")


def identity_gap(world: World) -> int:
    """(total_debt + total_tab) - (supply + reserves - bad_debt): docs/accounting.md."""
    m = world.market
    c = m.controller
    lhs = m.stablecoin.totalSupply() + c.reserves() - c.bad_debt()
    return c.total_debt() + m.auction.total_tab() - lhs


def check_identity(world: World) -> None:
    """Invariant 2: supply + reserves - bad_debt == total_debt + total_tab, up to one wei
    per open loan (user debts round up, the total rounds down)."""
    gap = identity_gap(world)
    n_loans = world.market.controller.n_loans()
    if abs(gap) > n_loans:
        fail("2 stablecoin identity", f"gap {gap} wei with {n_loans} loans")
    STATS.count("2 stablecoin identity")


def check_not_lowered(name: str, user: str, before: int, after: int, tolerance: int) -> None:
    """Invariant 3: a trade at constant oracle does not lower x_down or y_up (beyond
    `tolerance` wei of share rounding)."""
    if after + tolerance < before:
        fail("3 trades keep x_down/y_up", f"{name} of {user} fell from {before} to {after}")
    STATS.count("3 trades keep x_down/y_up")


@dataclass
class AuctionSeen:
    """What the suite last saw of a live auction: its curve anchor and its price."""

    top: int
    tic: int
    price: int


def check_auctions(world: World, seen: dict[int, AuctionSeen]) -> None:
    """Invariant 6 (and 1 for the auction house): the AMM holds exactly the live lots beyond its bands
    and the positions' dust, their tabs sum to total_tab, none is empty, the house keeps no
    stablecoin, and each price never rises between resets. Updates `seen`."""
    m = world.market
    a = m.auction
    ids = list(a.active_ids())
    lots = tabs = 0
    for auction_id in ids:
        lot, tab, top, tic = a.sales(auction_id)[1:5]  # Sale: user, lot, tab, top, tic, ...
        needs_redo, price, _, _ = a.status(auction_id)
        if lot == 0 or tab == 0:
            fail("6 auctions", f"auction {auction_id} is live with lot {lot}, tab {tab}")
        lots += lot
        tabs += tab
        last = seen.get(auction_id)
        if last is not None and (last.top, last.tic) == (top, tic) and price > last.price:
            fail("6 auctions", f"auction {auction_id} price rose from {last.price} to {price} without a reset")
        if not needs_redo and price * WAD < a.cusp() * top:
            fail("6 auctions", f"auction {auction_id} takeable at {price} below cusp * top")
        seen[auction_id] = AuctionSeen(top, tic, price)
    for gone in set(seen) - set(ids):
        del seen[gone]
    if tabs != a.total_tab():
        fail("6 auctions", f"live tabs sum to {tabs}, total_tab is {a.total_tab()}")
    held = world.balance("collateral", a)
    if held != 0:
        fail("6 auctions", f"auction house holds {held} collateral (lots stay in the AMM)")
    spare = world.balance("collateral", m.amm) - sum(y for _, y in world.bands().values()) - world.dust()
    if spare != lots:
        fail("6 auctions", f"AMM holds {spare} collateral beyond its bands and the positions' dust, live lots are {lots} (stuck collateral)")
    if world.balance("stablecoin", a) != 0:
        fail("6 auctions", "auction house keeps stablecoin")
    STATS.count("6 auctions")


def check_no_bad_debt(world: World) -> None:
    """Invariant 7 (gentle markets only): no bad debt accrues."""
    bad = world.market.controller.bad_debt()
    if bad != 0:
        fail("7 no bad debt when gentle", f"bad_debt is {bad}")
    STATS.count("7 no bad debt when gentle")


def check_model(world: World, full: bool) -> None:
    """Invariant 8: the model (`softliq.model`, a second implementation) holds the same
    state as the chain to the wei: every band, tick, loan, total, reserve, balance,
    supply and auction; with `full`, also every loan's x_down, y_up, health and state."""
    if world.model is None:
        return
    from softliq.model.chain import Twin

    users = [who for who in world.wallets if not world.idle(who)]
    twin = Twin(world.market, world.model, users=users, band_reader=world.band_reader())
    diffs = twin.differences(full_views=full)
    if diffs:
        fail("8 model matches chain", "\n".join(diffs[:20]))
    STATS.count("8 model matches chain")
