# pragma version 0.4.3
"""
@title Stablecoin
@notice The borrowed coin of softliq. Only the minter (the Controller) creates it, on
        borrow; only the minter (on repay) and the burner (the Auction, its proceeds)
        destroy it, so supply always matches the debts behind it.
"""
from .modules import erc20

initializes: erc20
exports: (
    erc20.transfer,
    erc20.transferFrom,
    erc20.approve,
    erc20.balanceOf,
    erc20.allowance,
    erc20.totalSupply,
)

event SetMinter:
    minter: indexed(address)

event SetBurner:
    burner: indexed(address)

name: public(String[64])
symbol: public(String[32])
decimals: public(constant(uint8)) = 18
minter: public(address)
burner: public(address)
deployer: immutable(address)


@deploy
def __init__(name: String[64], symbol: String[32]):
    """
    @notice Create the stablecoin; the deployer may set the minter once.
    """
    self.name = name
    self.symbol = symbol
    deployer = msg.sender


@external
def set_minter(minter: address):
    """
    @notice Hand minting rights to `minter` (the Controller). Callable once, by the deployer.
    """
    assert msg.sender == deployer, "Stablecoin: only deployer"
    assert self.minter == empty(address), "Stablecoin: minter already set"
    assert minter != empty(address), "Stablecoin: zero minter"
    self.minter = minter
    log SetMinter(minter=minter)


@external
def mint(receiver: address, amount: uint256):
    """
    @notice Mint `amount` to `receiver`. Minter only.
    """
    assert msg.sender == self.minter, "Stablecoin: only minter"
    erc20._mint(receiver, amount)


@external
def burn_from(owner: address, amount: uint256):
    """
    @notice Burn `amount` of `owner`'s coins, spending the minter's allowance from `owner`. Minter only.
    """
    assert msg.sender == self.minter, "Stablecoin: only minter"
    erc20._spend_allowance(owner, msg.sender, amount)
    erc20._burn(owner, amount)


@external
def set_burner(burner: address):
    """
    @notice Let `burner` (the Auction) destroy its own coins. Callable once, by the deployer.
    """
    assert msg.sender == deployer, "Stablecoin: only deployer"
    assert self.burner == empty(address), "Stablecoin: burner already set"
    assert burner != empty(address), "Stablecoin: zero burner"
    self.burner = burner
    log SetBurner(burner=burner)


@external
def burn(amount: uint256):
    """
    @notice Destroy `amount` of the caller's own coins. Burner (the Auction, which burns
            its proceeds) or minter only.
    """
    assert msg.sender == self.burner or msg.sender == self.minter, "Stablecoin: only burner"
    erc20._burn(msg.sender, amount)
