"""softliq.revm: the contracts on pyrevm behave as on titanoboa where the fuzz suites
rely on it: results and their shapes, revert reasons, senders, rollback and the clock."""

from __future__ import annotations

import boa
import pytest
from eth_abi import encode

from softliq.deploy import deploy_boa
from softliq.params import WAD, MarketParams
from softliq.revm import GENESIS_TIMESTAMP, RevmEnv, RevmRevert, decode_revert, deploy_revm

MAX_UINT = 2**256 - 1


@pytest.fixture(scope="module")
def env_market() -> tuple[RevmEnv, object]:
    env = RevmEnv()
    return env, deploy_revm(env, MarketParams())


def _open_loan(prank, market, borrower: str, n: int = 6) -> None:  # type: ignore[no-untyped-def]
    market.collateral.mint(borrower, 10 * WAD)
    with prank(borrower):
        market.collateral.approve(market.controller.address, MAX_UINT)
        debt = market.controller.max_borrowable(10 * WAD, n) * 9 // 10
        market.controller.create_loan(10 * WAD, debt, n)


def test_views_equal_titanoboa_in_value_and_shape(env_market) -> None:  # type: ignore[no-untyped-def]
    env, market = env_market
    with env.anchor(), boa.env.anchor():
        boa_market = deploy_boa(MarketParams())
        borrower = "0x" + "b0" * 20
        _open_loan(env.prank, market, borrower)
        _open_loan(boa.env.prank, boa_market, borrower)
        for name, args in [("read_user_tick_numbers", (borrower,)), ("get_sum_xy", (borrower,)), ("get_x_down", (borrower,)),
                           ("get_dxdy", (1, 0, WAD)), ("active_band", ()), ("get_p", ())]:
            got, want = getattr(market.amm, name)(*args), getattr(boa_market.amm, name)(*args)
            assert type(got) is type(want) or isinstance(got, tuple)
            assert (tuple(got) if isinstance(got, (list, tuple)) else got) == (tuple(want) if isinstance(want, (list, tuple)) else want)
        assert market.controller.health(borrower, True) == boa_market.controller.health(borrower, True) > 0
        assert market.controller.loan_exists(borrower) is True
        assert market.controller.loans(0) == str(boa_market.controller.loans(0))  # checksummed
        assert market.auction.active_ids() == ()


def test_revert_reason_and_state_unchanged(env_market) -> None:  # type: ignore[no-untyped-def]
    env, market = env_market
    borrower = env.generate_address("borrower")
    with env.anchor():
        _open_loan(env.prank, market, borrower)
        debt = market.controller.debt(borrower)
        with env.prank(borrower), pytest.raises(RevmRevert, match="loan exists") as error:
            market.controller.create_loan(WAD, debt, 6)
        assert error.value.reason == "loan exists"
        assert market.controller.debt(borrower) == debt
        with env.prank(env.generate_address("stranger")), pytest.raises(RevmRevert) as error:
            market.controller.set_rate(1)
        assert "admin" in error.value.reason


def test_anchor_rolls_back_state_and_clock(env_market) -> None:  # type: ignore[no-untyped-def]
    env, market = env_market
    borrower = env.generate_address("borrower")
    clock = (env.timestamp, env.block_number)
    with env.anchor():
        _open_loan(env.prank, market, borrower)
        env.time_travel(seconds=3600)
        assert (env.timestamp, env.block_number) == (clock[0] + 3600, clock[1] + 300)
        assert market.controller.loan_exists(borrower)
    assert (env.timestamp, env.block_number) == clock
    assert not market.controller.loan_exists(borrower)
    assert market.collateral.balanceOf(borrower) == 0


def test_prank_nests_and_restores_the_sender(env_market) -> None:  # type: ignore[no-untyped-def]
    env, _ = env_market
    first, second = env.generate_address("a"), env.generate_address("b")
    with env.prank(first):
        with env.prank(second):
            assert env.sender == second
        assert env.sender == first
    assert env.sender == env.eoa


def test_bad_input_is_refused(env_market) -> None:  # type: ignore[no-untyped-def]
    env, market = env_market
    with pytest.raises(ValueError, match="exactly one"):
        env.time_travel()
    with pytest.raises(ValueError, match="forward"):
        env.time_travel(seconds=-1)
    with pytest.raises(AttributeError, match="no function 'frobnicate'"):
        market.amm.frobnicate
    with pytest.raises(TypeError, match="takes no 3 arguments"):
        market.amm.active_band(1, 2, 3)


def test_last_logs_are_the_last_transactions(env_market) -> None:  # type: ignore[no-untyped-def]
    from softliq.chain_revm import EventCodec

    env, market = env_market
    codec = EventCodec()
    codec.learn(market.collateral)
    borrower = env.generate_address("borrower")
    with env.anchor():
        market.collateral.mint(borrower, WAD)
        market.collateral.balanceOf(borrower)  # a view in between changes nothing
        [event] = [codec.decode(log) for log in env.last_logs]
        assert (event.name, event.address) == ("Transfer", market.collateral.address)
        assert event.args == {"sender": "0x" + "00" * 20, "receiver": borrower, "value": WAD}
        with env.prank(borrower), pytest.raises(RevmRevert):
            market.collateral.transfer(market.collateral.address, 1)
        assert env.last_logs == []  # a reverted transaction logs nothing


def test_fresh_env_starts_at_genesis() -> None:
    env = RevmEnv()
    assert (env.timestamp, env.evm.env.block.timestamp) == (GENESIS_TIMESTAMP, GENESIS_TIMESTAMP)


@pytest.mark.parametrize(
    "message, reason",
    [
        ("Revert { gas_used: 1, output: 0x08c379a0" + encode(["string"], ["too big"]).hex() + " }", "too big"),
        ("Revert { gas_used: 1, output: 0x4e487b71" + encode(["uint256"], [0x11]).hex() + " }", "panic 0x11"),
        ("Revert { gas_used: 1, output: 0x }", "revert without reason"),
        ("Revert { gas_used: 1, output: 0xdeadbeef }", "revert 0xdeadbeef"),
        ("Halt { reason: OutOfGas(Basic), gas_used: 5 }", "Halt"),
    ],
)
def test_decode_revert(message: str, reason: str) -> None:
    assert decode_revert(message) == reason
