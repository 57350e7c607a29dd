# pragma version 0.4.3
"""
@title ReentrantTaker
@notice Test taker whose `on_take` callback tries to re-enter the auction house: a
        take, a redo, a new liquidation (Controller.liquidate or liquidate_many ->
        Auction.kick), or a collateral move (Controller.send_collateral, auction only).
        Strict mode lets the inner revert bubble up (the whole take must revert);
        recording mode keeps the inner call's outcome and lets the take finish.
"""
from ethereum.ercs import IERC20


interface IAuction:
    def take(id: uint256, max_collateral: uint256, max_price: uint256, receiver: address, data: Bytes[1024]) -> uint256[2]: nonpayable


MODE_TAKE: constant(uint256) = 1
MODE_REDO: constant(uint256) = 2
MODE_LIQUIDATE: constant(uint256) = 3
MODE_LIQUIDATE_MANY: constant(uint256) = 4
MODE_SEND_COLLATERAL: constant(uint256) = 5

AUCTION: public(immutable(IAuction))
CONTROLLER: public(immutable(address))

mode: public(uint256)
strict: public(bool)
target_id: public(uint256)
target_user: public(address)

attempted: public(bool)
inner_success: public(bool)
inner_revert_data: public(Bytes[256])


@deploy
def __init__(auction: IAuction, controller: address, stablecoin: IERC20):
    AUCTION = auction
    CONTROLLER = controller
    extcall stablecoin.approve(auction.address, max_value(uint256))


@external
def attack(id: uint256, max_collateral: uint256, mode: uint256, target_id: uint256, target_user: address, strict: bool) -> uint256[2]:
    """
    @notice Take from auction `id` (paying from this contract's stablecoin) and, in the
            callback, try to re-enter with `mode`.
    """
    self.mode = mode
    self.strict = strict
    self.target_id = target_id
    self.target_user = target_user
    return extcall AUCTION.take(id, max_collateral, max_value(uint256), self, b"reenter")


@external
def on_take(sender: address, owe: uint256, lot: uint256, data: Bytes[1024]):
    assert msg.sender == AUCTION.address, "ReentrantTaker: only auction"
    target: address = AUCTION.address
    payload: Bytes[1024] = b""
    if self.mode == MODE_TAKE:
        payload = abi_encode(self.target_id, convert(1, uint256), max_value(uint256), self, b"", method_id=method_id("take(uint256,uint256,uint256,address,bytes)"))
    elif self.mode == MODE_REDO:
        payload = abi_encode(self.target_id, self, method_id=method_id("redo(uint256,address)"))
    elif self.mode == MODE_LIQUIDATE:
        target = CONTROLLER
        payload = abi_encode(self.target_user, method_id=method_id("liquidate(address)"))
    elif self.mode == MODE_LIQUIDATE_MANY:
        target = CONTROLLER
        users: DynArray[address, 1] = [self.target_user]
        payload = abi_encode(users, method_id=method_id("liquidate_many(address[])"))
    elif self.mode == MODE_SEND_COLLATERAL:
        target = CONTROLLER
        payload = abi_encode(self, lot, method_id=method_id("send_collateral(address,uint256)"))
    else:
        return
    self.attempted = True
    if self.strict:
        raw_call(target, payload)
        self.inner_success = True
    else:
        ok: bool = False
        resp: Bytes[256] = b""
        ok, resp = raw_call(target, payload, max_outsize=256, revert_on_failure=False)
        self.inner_success = ok
        self.inner_revert_data = resp
