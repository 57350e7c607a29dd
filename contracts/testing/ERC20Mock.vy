# pragma version 0.4.3
"""
@title ERC20Mock
@notice Test collateral with configurable decimals; anyone may mint to anyone.
"""
from ..modules import erc20

initializes: erc20
exports: (
    erc20.transfer,
    erc20.transferFrom,
    erc20.approve,
    erc20.balanceOf,
    erc20.allowance,
    erc20.totalSupply,
)

name: public(String[64])
symbol: public(String[32])
decimals: public(uint8)


@deploy
def __init__(name: String[64], symbol: String[32], decimals: uint8):
    """
    @notice Create a test token with `decimals` decimals (at most 18).
    """
    assert decimals <= 18, "ERC20Mock: decimals above 18"
    self.name = name
    self.symbol = symbol
    self.decimals = decimals


@external
def mint(receiver: address, amount: uint256):
    """
    @notice Mint test tokens. Unrestricted: test use only.
    """
    erc20._mint(receiver, amount)
