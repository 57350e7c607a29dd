"""Record slots (Auction._slots): a sale is stored in the lowest free slot, so a kick
rewrites storage an earlier sale left instead of creating it; an id names one sale for
ever (its slot and that slot's generation), so an ended auction's id never reaches the
next sale of its slot."""

import boa

from .conftest import open_underwater
from .helpers import MAX_UINT, liquidate, set_liquidation_params, take

SLOT_BITS = 10


def settle_by_taking_all(market, keeper, auction_id: int) -> None:
    """The keeper buys the whole lot: the tab is covered and the auction ends."""
    lot = market.auction.status(auction_id)[2]
    take(market, keeper, auction_id, lot)
    assert market.auction.status(auction_id) == (False, 0, 0, 0)


def test_an_ended_auctions_id_never_names_the_next_sale_of_its_slot(market, keeper, borrowers):
    users = borrowers[:2]
    open_underwater(market, users)
    first, _, _ = liquidate(market, keeper, users[0])
    assert first == 1  # the first sale of slot 1
    settle_by_taking_all(market, keeper, first)
    second, _, _ = liquidate(market, keeper, users[1])
    assert second == (1 << SLOT_BITS) | 1  # slot 1 again, its second sale
    assert list(market.auction.active_ids()) == [second] and market.auction.kicks() == 2
    assert market.auction.sales(first).user == "0x" + "00" * 20
    assert market.auction.status(first) == (False, 0, 0, 0)
    with boa.env.prank(keeper):
        with boa.reverts("Auction: not running"):
            market.auction.take(first, MAX_UINT, MAX_UINT, keeper, b"")
        with boa.reverts("Auction: not running"):
            market.auction.redo(first)
    assert market.auction.sales(second).user == users[1]


def test_a_kick_takes_the_lowest_free_slot_across_slot_words(market, keeper):
    """21 live auctions fill slots 1..21 (slot words 0, 1 and 2: 8 slots a word, slot 0
    never used); settling the sales in slots 3, 9 and 20 frees them, and the next three
    kicks take exactly those, lowest first, each with the slot's next id."""
    users = [boa.env.generate_address(f"borrower_slot_{k}") for k in range(24)]
    set_liquidation_params(market, max_in_auction=10**12 * 10**18)
    open_underwater(market, users, n_bands=4)
    ids = [liquidate(market, keeper, u)[0] for u in users[:21]]
    assert ids == list(range(1, 22))
    assert list(market.auction.active_ids()) == ids
    for slot in (20, 3, 9):
        settle_by_taking_all(market, keeper, slot)
    again = [liquidate(market, keeper, u)[0] for u in users[21:]]
    assert again == [(1 << SLOT_BITS) | s for s in (3, 9, 20)]
    live = [i for i in ids if i not in (3, 9, 20)] + again
    assert list(market.auction.active_ids()) == sorted(live, key=lambda i: i & ((1 << SLOT_BITS) - 1))
    assert market.auction.count() == 21 and market.auction.kicks() == 24
