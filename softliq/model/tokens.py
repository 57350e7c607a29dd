"""Token ledgers of the model: balances and supply, with erc20.vy's revert reasons.
Allowances are not modelled: softliq.actors approves every spender for the maximum
(so neither are Approval events). Transfers, mints and burns log Transfer as erc20.vy."""

from __future__ import annotations

from softliq.model.events import ZERO_ADDRESS, EventLog
from softliq.model.wad_math import require


class TokenModel:
    """One ERC20 (the stablecoin or the collateral mock); `role` names it in events."""

    def __init__(self, address: str, role: str = "token") -> None:
        self.address = address
        self.role = role
        self.balances: dict[str, int] = {}
        self.supply = 0
        self.log = EventLog()

    def copy(self) -> "TokenModel":
        """An independent copy (its event log rebound by the caller)."""
        new = TokenModel(self.address, self.role)
        new.balances = dict(self.balances)
        new.supply = self.supply
        new.log = self.log
        return new

    def balance_of(self, who: str) -> int:
        """balanceOf(who)."""
        return self.balances.get(who, 0)

    def transfer(self, owner: str, receiver: str, amount: int) -> None:
        """erc20._transfer."""
        require(receiver not in ("", self.address), "erc20: bad receiver")
        balance = self.balances.get(owner, 0)
        require(balance >= amount, "erc20: insufficient balance")
        self.balances[owner] = balance - amount
        self.balances[receiver] = self.balances.get(receiver, 0) + amount
        self.log.emit(self.role, "Transfer", sender=owner, receiver=receiver, value=amount)

    def mint(self, receiver: str, amount: int) -> None:
        """erc20._mint."""
        require(receiver != "", "erc20: mint to zero address")
        self.supply += amount
        self.balances[receiver] = self.balances.get(receiver, 0) + amount
        self.log.emit(self.role, "Transfer", sender=ZERO_ADDRESS, receiver=receiver, value=amount)

    def burn(self, owner: str, amount: int) -> None:
        """erc20._burn."""
        balance = self.balances.get(owner, 0)
        require(balance >= amount, "erc20: burn exceeds balance")
        self.balances[owner] = balance - amount
        self.supply -= amount
        self.log.emit(self.role, "Transfer", sender=owner, receiver=ZERO_ADDRESS, value=amount)
