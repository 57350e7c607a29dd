"""Controller.liquidate_many: a keeper liquidates a list of users in one transaction.

Skips (no revert) users without a loan or with health >= 0, duplicates included; one
Liquidate event and one auction per liquidated user; one keeper payment for the batch.
Bad input (an empty list, more than MAX_BATCH users) reverts with a reason and changes
nothing. (tests/model/test_agreement.py checks a batch against the model to the wei.)"""

import boa
import pytest

from softliq.actors import collateral_units, fund_collateral

from .helpers import act, events, identity_gap, lots_in_amm, snapshot

MAX_BATCH = 50


def test_batch_matches_one_by_one(market, keeper, underwater):
    """Liquidating three underwater users in one call ends where three single calls end:
    the same auctions (lots, tabs, tops), debts and totals; the keeper is paid the same
    rewards, in one mint."""
    c, a, sc = market.controller, market.auction, market.stablecoin
    keeper_sc = sc.balanceOf(keeper)
    with boa.env.anchor():
        singles = [act(keeper, c, "liquidate", u)[0] for u in underwater]
        one_by_one = (
            [tuple(a.sales(i)) for i in singles], c.total_debt(), c.reserves(), c.bad_debt(),
            a.total_tab(), sc.balanceOf(keeper), lots_in_amm(market),
        )
    ids, logs = act(keeper, c, "liquidate_many", list(underwater))
    batch = (
        [tuple(a.sales(i)) for i in ids], c.total_debt(), c.reserves(), c.bad_debt(),
        a.total_tab(), sc.balanceOf(keeper), lots_in_amm(market),
    )
    assert batch == one_by_one
    assert all(i > 0 for i in ids) and len(set(ids)) == 3
    liquidated = events(logs, "Liquidate", c)
    assert [str(e.user) for e in liquidated] == list(map(str, underwater))
    assert [e.auction_id for e in liquidated] == list(ids)
    assert [e.keeper for e in liquidated] == [keeper] * 3
    assert len(events(logs, "Kick", a)) == 3
    assert sc.balanceOf(keeper) > keeper_sc  # the rewards, minted once
    assert len([e for e in events(logs, "Transfer", sc) if str(e.receiver) == str(keeper)]) == 1
    assert identity_gap(market) == 0
    assert list(c.users_to_liquidate()) == []


def test_skips_healthy_unknown_and_duplicate_users(market, keeper, underwater, borrowers):
    """A healthy borrower, an address without a loan and a user listed twice are skipped
    (id 0): the healthy one is left exactly as it was, and the duplicate is liquidated once."""
    c = market.controller
    healthy = borrowers[5]
    open_healthy(market, healthy)
    stranger = boa.env.generate_address("stranger")
    before = snapshot(market, users=[healthy])[str(healthy)]
    users = [underwater[0], healthy, stranger, underwater[0], underwater[1]]

    ids, logs = act(keeper, c, "liquidate_many", users)

    assert ids[1] == ids[2] == ids[3] == 0 and ids[0] > 0 and ids[4] > 0
    assert [str(e.user) for e in events(logs, "Liquidate", c)] == [str(underwater[0]), str(underwater[1])]
    assert snapshot(market, users=[healthy])[str(healthy)] == before


def open_healthy(market, who) -> None:
    """A loan far from its bands: healthy at any price the suite sets."""
    collateral = collateral_units(market, 100 * 10**18)
    fund_collateral(market, who, collateral)
    with boa.env.prank(who):
        market.controller.create_loan(collateral, market.controller.max_borrowable(collateral, 10) // 10, 10)
    assert market.controller.health(who, True) > 0


@pytest.mark.parametrize("count, reason", [(0, "no users"), (MAX_BATCH + 1, "too many users")])
def test_bad_list_reverts_and_changes_nothing(market, keeper, underwater, count, reason):
    users = (list(underwater) * 20)[:count]
    before = snapshot(market, users=underwater)
    with boa.env.prank(keeper), boa.reverts(reason):
        market.controller.liquidate_many(users)
    assert snapshot(market, users=underwater) == before


def test_nothing_to_liquidate_pays_nothing(market, keeper, borrowers):
    """A list of healthy users only: every id 0, no event, no reward, no state change."""
    c, sc = market.controller, market.stablecoin
    for who in borrowers[5:7]:
        open_healthy(market, who)
    before, keeper_sc = snapshot(market, users=borrowers[5:7]), sc.balanceOf(keeper)
    ids, logs = act(keeper, c, "liquidate_many", list(borrowers[5:7]))
    assert list(ids) == [0, 0] and not events(logs, "Liquidate", c)
    assert sc.balanceOf(keeper) == keeper_sc
    assert snapshot(market, users=borrowers[5:7]) == {**before, "amm": snapshot(market)["amm"]}
