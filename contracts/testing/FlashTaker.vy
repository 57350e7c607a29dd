# pragma version 0.4.3
"""
@title FlashTaker
@notice Test flash liquidator: buys an auction lot with no stablecoin of its own. The
        auction sends the collateral first and calls `on_take`; the callback sells the
        collateral to the AMM (exchange 1 -> 0) and the proceeds pay the auction. The
        profit (and any collateral the AMM could not absorb) goes to the owner.
"""
from ethereum.ercs import IERC20


interface IAuction:
    def take(id: uint256, max_collateral: uint256, max_price: uint256, receiver: address, data: Bytes[1024]) -> uint256[2]: nonpayable


interface IAMM:
    def exchange(i: uint256, j: uint256, in_amount: uint256, min_amount: uint256, _for: address) -> uint256[2]: nonpayable


owner: public(address)
AUCTION: public(immutable(IAuction))
AMM: public(immutable(IAMM))
STABLECOIN: public(immutable(IERC20))
COLLATERAL: public(immutable(IERC20))

# what the last callback saw
cb_sender: public(address)
cb_owe: public(uint256)
cb_lot: public(uint256)
cb_collateral_held: public(uint256)  # collateral balance when the callback started
cb_stable_held: public(uint256)  # stablecoin balance when the callback started
cb_sold: public(uint256)  # collateral the AMM took
cb_proceeds: public(uint256)  # stablecoin the AMM paid


@deploy
def __init__(auction: IAuction, amm: IAMM, stablecoin: IERC20, collateral: IERC20):
    self.owner = msg.sender
    AUCTION = auction
    AMM = amm
    STABLECOIN = stablecoin
    COLLATERAL = collateral
    extcall collateral.approve(amm.address, max_value(uint256))
    extcall stablecoin.approve(auction.address, max_value(uint256))


@external
def flash(id: uint256, max_collateral: uint256, max_price: uint256) -> uint256[2]:
    """
    @notice Flash-buy from auction `id`; returns [collateral bought, stablecoin paid].
            Sends the profit and any leftover collateral to the owner.
    """
    assert msg.sender == self.owner, "FlashTaker: only owner"
    r: uint256[2] = extcall AUCTION.take(id, max_collateral, max_price, self, b"flash")
    profit: uint256 = staticcall STABLECOIN.balanceOf(self)
    if profit > 0:
        extcall STABLECOIN.transfer(self.owner, profit)
    left: uint256 = staticcall COLLATERAL.balanceOf(self)
    if left > 0:
        extcall COLLATERAL.transfer(self.owner, left)
    return r


@external
def on_take(sender: address, owe: uint256, lot: uint256, data: Bytes[1024]):
    assert msg.sender == AUCTION.address, "FlashTaker: only auction"
    assert sender == self, "FlashTaker: not my take"
    self.cb_sender = sender
    self.cb_owe = owe
    self.cb_lot = lot
    self.cb_collateral_held = staticcall COLLATERAL.balanceOf(self)
    self.cb_stable_held = staticcall STABLECOIN.balanceOf(self)
    r: uint256[2] = extcall AMM.exchange(1, 0, lot, owe, self)  # the sale must cover the payment
    self.cb_sold = r[0]
    self.cb_proceeds = r[1]
