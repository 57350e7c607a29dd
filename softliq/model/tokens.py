"""Token ledgers of the model: balances and supply, with erc20.vy's revert reasons.
Allowances are not modelled: softliq.actors approves every spender for the maximum."""

from __future__ import annotations

from softliq.model.wad_math import require


class TokenModel:
    """One ERC20 (the stablecoin or the collateral mock)."""

    def __init__(self, address: str) -> None:
        self.address = address
        self.balances: dict[str, int] = {}
        self.supply = 0

    def copy(self) -> "TokenModel":
        """An independent copy."""
        new = TokenModel(self.address)
        new.balances = dict(self.balances)
        new.supply = self.supply
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

    def mint(self, receiver: str, amount: int) -> None:
        """erc20._mint."""
        require(receiver != "", "erc20: mint to zero address")
        self.supply += amount
        self.balances[receiver] = self.balances.get(receiver, 0) + amount

    def burn(self, owner: str, amount: int) -> None:
        """erc20._burn."""
        balance = self.balances.get(owner, 0)
        require(balance >= amount, "erc20: burn exceeds balance")
        self.balances[owner] = balance - amount
        self.supply -= amount
