# pragma version 0.4.3
"""
@title GasProbe
@notice Test-only contract for softliq.gas: every external function exercises
        one storage or call pattern whose gas cost depends on transaction
        boundaries (EIP-2200 original values, EIP-2929 warm/cold access,
        EIP-3529 refunds, EIP-7623 calldata floor). The test
        tests/tooling/test_gas_receipts.py sends the same calls to titanoboa
        (through softliq.gas) and to anvil, and compares receipt gas.
"""


interface Pinger:
    def ping() -> uint256: nonpayable


event Transfer:
    sender: indexed(address)
    receiver: indexed(address)
    amount: uint256


stored: public(uint256)
pings: public(uint256)
balanceOf: public(HashMap[address, uint256])
totalSupply: public(uint256)


@external
def set_stored(new_value: uint256):
    """
    @notice One SSTORE: zero->nonzero, nonzero->nonzero or nonzero->zero
            depending on the current value.
    """
    self.stored = new_value


@external
def set_stored_twice(first: uint256, second: uint256):
    """
    @notice Two SSTOREs to the same slot in one call: the second one hits a
            warm, dirty slot.
    """
    self.stored = first
    self.stored = second


@external
def bump() -> uint256:
    """
    @notice Cold SLOAD + SSTORE, then a warm re-read of the same slot.
    """
    self.stored += 1
    return self.stored


@external
def ping() -> uint256:
    """
    @notice Counter used as the callee of `call_other`.
    """
    self.pings += 1
    return self.pings


@external
def call_other(other: address) -> uint256:
    """
    @notice Call `ping()` on another contract: a cold account access plus the
            callee's own SSTORE.
    """
    return extcall Pinger(other).ping()


@external
def mint(receiver: address, amount: uint256):
    """
    @notice ERC20-like mint. Unrestricted: test use only.
    """
    self.balanceOf[receiver] += amount
    self.totalSupply += amount
    log Transfer(sender=empty(address), receiver=receiver, amount=amount)


@external
def transfer(receiver: address, amount: uint256) -> bool:
    """
    @notice ERC20-like transfer: to a new holder the receiver's slot goes
            zero->nonzero; sending the whole balance clears the sender's slot.
    """
    self.balanceOf[msg.sender] -= amount
    self.balanceOf[receiver] += amount
    log Transfer(sender=msg.sender, receiver=receiver, amount=amount)
    return True


@external
def take_calldata(data: Bytes[4096]) -> uint256:
    """
    @notice Accept a large calldata payload and do almost nothing with it:
            with mostly nonzero bytes the EIP-7623 floor sets the gas.
    """
    return len(data)
