"""n_loans / loans / loan_ix / loan_exists bookkeeping as loans open and close in any order."""

import boa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from softliq.actors import collateral_units, fund_collateral
from softliq.params import WAD

N_BANDS = 4
N_USERS = 5


@pytest.fixture(scope="module")
def users(market, borrowers):
    """N_USERS borrowers funded with collateral and approvals (loans not yet open)."""
    amount = collateral_units(market, 10 * WAD)
    for who in borrowers[:N_USERS]:
        fund_collateral(market, who, amount)
    return borrowers[:N_USERS]


def _open(market, who):
    amount = collateral_units(market, WAD)
    debt = market.controller.max_borrowable(amount, N_BANDS) // 3
    with boa.env.prank(who):
        market.controller.create_loan(amount, debt, N_BANDS)


def _close(market, who):
    c = market.controller
    with boa.env.prank(who):
        c.repay(c.debt(who))


def _check_book(market, users, expected):
    """`expected` is the list of open loans in the order the contract must hold them."""
    c = market.controller
    assert c.n_loans() == len(expected)
    assert [c.loans(i) for i in range(len(expected))] == expected
    assert c.loans(len(expected)) == "0x" + "00" * 20
    for who in users:
        if who in expected:
            assert c.loan_exists(who)
            assert c.loan_ix(who) == expected.index(who)
        else:
            assert not c.loan_exists(who)
            assert c.loan_ix(who) == 0
            assert c.debt(who) == 0


def test_close_moves_last_loan_into_the_gap(market, users):
    book = []
    for who in users:
        _open(market, who)
        book.append(who)
    _check_book(market, users, book)

    _close(market, users[1])  # the last loan fills slot 1
    book = [users[0], users[4], users[2], users[3]]
    _check_book(market, users, book)

    _close(market, users[3])  # closing the last one moves nothing
    book = [users[0], users[4], users[2]]
    _check_book(market, users, book)

    _close(market, users[0])  # slot 0
    book = [users[2], users[4]]
    _check_book(market, users, book)

    _open(market, users[1])
    book.append(users[1])
    _check_book(market, users, book)


@settings(deadline=None, max_examples=10)
@given(ops=st.lists(st.integers(0, N_USERS - 1), min_size=1, max_size=12))
def test_book_stays_consistent(market, users, ops):
    """Each op toggles a user's loan; the book is checked against a Python model of the
    swap-with-last removal."""
    book: list = []
    for i in ops:
        who = users[i]
        if who in book:
            _close(market, who)
            ix = book.index(who)
            last = book.pop()
            if last != who:
                book[ix] = last
        else:
            _open(market, who)
            book.append(who)
        _check_book(market, users, book)
