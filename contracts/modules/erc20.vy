# pragma version 0.4.3
"""
@title erc20
@notice Minimal ERC20 storage and logic shared by the stablecoin and the test token.
        The deploying contract decides who may mint and burn.
"""
from ethereum.ercs import IERC20

implements: IERC20

event Transfer:
    sender: indexed(address)
    receiver: indexed(address)
    value: uint256

event Approval:
    owner: indexed(address)
    spender: indexed(address)
    value: uint256

balanceOf: public(HashMap[address, uint256])
allowance: public(HashMap[address, HashMap[address, uint256]])
totalSupply: public(uint256)


@external
def transfer(receiver: address, amount: uint256) -> bool:
    """
    @notice Send `amount` tokens from the caller to `receiver`.
    """
    self._transfer(msg.sender, receiver, amount)
    return True


@external
def transferFrom(owner: address, receiver: address, amount: uint256) -> bool:
    """
    @notice Send `amount` tokens from `owner` to `receiver` using the caller's allowance.
    """
    self._spend_allowance(owner, msg.sender, amount)
    self._transfer(owner, receiver, amount)
    return True


@external
def approve(spender: address, amount: uint256) -> bool:
    """
    @notice Allow `spender` to move up to `amount` of the caller's tokens (max_value = unlimited).
    """
    self.allowance[msg.sender][spender] = amount
    log Approval(owner=msg.sender, spender=spender, value=amount)
    return True


@internal
def _transfer(owner: address, receiver: address, amount: uint256):
    assert receiver not in [empty(address), self], "erc20: bad receiver"
    balance: uint256 = self.balanceOf[owner]
    assert balance >= amount, "erc20: insufficient balance"
    self.balanceOf[owner] = unsafe_sub(balance, amount)  # checked just above
    self.balanceOf[receiver] += amount
    log Transfer(sender=owner, receiver=receiver, value=amount)


@internal
def _spend_allowance(owner: address, spender: address, amount: uint256):
    allowed: uint256 = self.allowance[owner][spender]
    if allowed != max_value(uint256):
        assert allowed >= amount, "erc20: insufficient allowance"
        self.allowance[owner][spender] = unsafe_sub(allowed, amount)  # checked just above


@internal
def _mint(receiver: address, amount: uint256):
    assert receiver != empty(address), "erc20: mint to zero address"
    self.totalSupply += amount
    self.balanceOf[receiver] = unsafe_add(self.balanceOf[receiver], amount)  # bounded by totalSupply
    log Transfer(sender=empty(address), receiver=receiver, value=amount)


@internal
def _burn(owner: address, amount: uint256):
    balance: uint256 = self.balanceOf[owner]
    assert balance >= amount, "erc20: burn exceeds balance"
    self.balanceOf[owner] = unsafe_sub(balance, amount)  # checked just above
    self.totalSupply = unsafe_sub(self.totalSupply, amount)  # supply >= any balance
    log Transfer(sender=owner, receiver=empty(address), value=amount)
