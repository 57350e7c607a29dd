"""Constructor bounds of contracts/AMM.vy, deployed with bad arguments next to a market's
tokens and oracle. Bounds come from contracts/modules/constants.vy."""

import boa
import pytest

from .helpers import CONTRACTS, C, WAD, set_oracle

ZERO = "0x" + "00" * 20

# A token whose decimals() the ERC20Mock refuses to report (it caps at 18).
DECIMALS_STUB = """
# pragma version 0.4.3
decimals: public(uint8)

@deploy
def __init__(d: uint8):
    self.decimals = d
"""


@pytest.fixture(scope="module")
def amm_deployer():
    return boa.load_partial(str(CONTRACTS / "AMM.vy"))


@pytest.fixture
def good_args(market):
    """Valid constructor arguments, mirroring the market's own AMM."""
    p = market.params
    return dict(
        borrowed_token=market.stablecoin.address,
        collateral_token=market.collateral.address,
        A_=p.A,
        amplification=p.amplification,
        base_price=p.price,
        fee=p.fee,
        price_oracle=market.oracle.address,
        admin=market.admin,
        oracle_fee_window=p.oracle_fee_window,
        away_fee=p.away_fee,
        swing_factor=p.swing_factor,
        swing_time=p.swing_time,
    )


def deploy(deployer, args):
    return deployer.deploy(*args.values())


def test_fee_bounds_match_the_design():
    """DESIGN 2: base fee in [1e-12, min(4/A, 10%)]."""
    assert C["MIN_FEE"] == WAD // 10**12
    assert C["MAX_FEE"] == WAD // 10


def test_valid_arguments_deploy(amm_deployer, good_args, market):
    amm = deploy(amm_deployer, good_args)
    assert amm.admin() == market.admin
    assert amm.A() == good_args["A_"]
    assert amm.fee() == good_args["fee"]


def _bounds_cases():
    a_lo, a_hi = C["MIN_A"], C["MAX_A"]
    k_lo, k_hi = C["MIN_AMPLIFICATION"], C["MAX_AMPLIFICATION"]
    return [
        ("A_", a_lo - 1, "AMM: A out of range"),
        ("A_", a_hi + 1, "AMM: A out of range"),
        ("A_", 0, "AMM: A out of range"),
        ("amplification", k_lo - 1, "AMM: amplification out of range"),
        ("amplification", k_hi + 1, "AMM: amplification out of range"),
        ("amplification", WAD, "AMM: amplification out of range"),  # k = 1: bands never move
        ("base_price", 0, "AMM: zero base price"),
        ("fee", C["MIN_FEE"] - 1, "AMM: fee out of range"),
        ("fee", 0, "AMM: fee out of range"),
        ("admin", ZERO, "AMM: zero admin"),
        ("oracle_fee_window", C["MIN_ORACLE_FEE_WINDOW"] - 1, "AMM: oracle fee window out of range"),
        ("oracle_fee_window", C["MAX_ORACLE_FEE_WINDOW"] + 1, "AMM: oracle fee window out of range"),
        ("oracle_fee_window", 0, "AMM: oracle fee window out of range"),
        ("away_fee", C["MIN_AWAY_FEE"] - 1, "AMM: away fee out of range"),
        ("away_fee", C["MAX_AWAY_FEE"] + 1, "AMM: away fee out of range"),
        ("swing_factor", C["MAX_SWING_FACTOR"] + 1, "AMM: swing factor out of range"),
        ("swing_time", C["MIN_SWING_TIME"] - 1, "AMM: swing time out of range"),
        ("swing_time", C["MAX_SWING_TIME"] + 1, "AMM: swing time out of range"),
    ]


@pytest.mark.parametrize("field,value,reason", _bounds_cases())
def test_out_of_bounds_argument_reverts(amm_deployer, good_args, field, value, reason):
    good_args[field] = value
    with boa.reverts(reason):
        deploy(amm_deployer, good_args)


INCLUSIVE = [
    ("A_", "MIN_A"),
    ("A_", "MAX_A"),
    ("amplification", "MIN_AMPLIFICATION"),
    ("amplification", "MAX_AMPLIFICATION"),
    ("fee", "MIN_FEE"),
    ("oracle_fee_window", "MIN_ORACLE_FEE_WINDOW"),
    ("oracle_fee_window", "MAX_ORACLE_FEE_WINDOW"),
    ("away_fee", "MIN_AWAY_FEE"),
    ("away_fee", "MAX_AWAY_FEE"),
    ("swing_factor", "MAX_SWING_FACTOR"),
    ("swing_time", "MIN_SWING_TIME"),
    ("swing_time", "MAX_SWING_TIME"),
]


@pytest.mark.parametrize("field,value", INCLUSIVE)
def test_bounds_are_inclusive(amm_deployer, good_args, field, value):
    good_args[field] = C[value]
    if field == "A_":
        good_args["fee"] = min(good_args["fee"], 4 * WAD // C[value])
    amm = deploy(amm_deployer, good_args)
    assert amm.A() == good_args["A_"] and amm.AMPLIFICATION() == good_args["amplification"]
    assert amm.fee() == good_args["fee"] and amm.ORACLE_FEE_WINDOW() == good_args["oracle_fee_window"]
    assert amm.AWAY_FEE() == good_args["away_fee"]
    assert amm.SWING_FACTOR() == good_args["swing_factor"] and amm.SWING_TIME() == good_args["swing_time"]


def test_away_and_swing_fees_zero_turn_them_off(amm_deployer, good_args):
    good_args["away_fee"] = 0
    good_args["swing_factor"] = 0
    amm = deploy(amm_deployer, good_args)
    assert amm.AWAY_FEE() == 0 and amm.SWING_FACTOR() == 0


@pytest.mark.parametrize("A", [10, 39, 40, 41, 100, 1000])
def test_fee_cap_is_min_of_max_fee_and_4_over_A(amm_deployer, good_args, A):
    """Base fee at most min(10%, 4/A): for small A the 10% cap binds, else 4/A."""
    cap = min(C["MAX_FEE"], 4 * WAD // A)
    good_args["A_"] = A
    good_args["fee"] = cap + 1
    with boa.reverts("AMM: fee out of range"):
        deploy(amm_deployer, good_args)
    good_args["fee"] = cap
    amm = deploy(amm_deployer, good_args)
    assert amm.MAX_BASE_FEE() == cap and amm.fee() == cap


def test_collateral_decimals_above_18_revert(amm_deployer, good_args):
    token19 = boa.loads(DECIMALS_STUB, 19)
    good_args["collateral_token"] = token19.address
    with boa.reverts("AMM: collateral decimals above 18"):
        deploy(amm_deployer, good_args)


@pytest.mark.parametrize("decimals", [0, 6, 18])
def test_collateral_precision_from_decimals(amm_deployer, good_args, decimals):
    good_args["collateral_token"] = boa.loads(DECIMALS_STUB, decimals).address
    assert deploy(amm_deployer, good_args).COLLATERAL_PRECISION() == 10 ** (18 - decimals)


def test_zero_oracle_price_reverts(amm_deployer, good_args, market):
    set_oracle(market, 0)
    with boa.reverts("AMM: oracle price is zero"):
        deploy(amm_deployer, good_args)


def test_oracle_price_above_128_bits_reverts(amm_deployer, good_args, market):
    set_oracle(market, C["MAX_AMOUNT"] + 1)
    with boa.reverts("AMM: oracle price too high"):
        deploy(amm_deployer, good_args)
    set_oracle(market, C["MAX_AMOUNT"])
    assert deploy(amm_deployer, good_args).oracle_state()[0] == C["MAX_AMOUNT"]
