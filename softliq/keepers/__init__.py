"""Keeper bots that act on a softliq market through a `softliq.chain.Chain`.

Each keeper's `step(chain, market_price)` observes the chain and returns `Action`s;
a `KeeperRunner` sends them after the keeper's `latency_blocks` and books profit and gas
(`keeper.stats`). The same code runs on titanoboa (`BoaChain`) and through ape.
"""

from softliq.keepers.arbitrageur import Arbitrageur
from softliq.keepers.base import GWEI, Action, Keeper, KeeperError, KeeperStats, Outcome
from softliq.keepers.liquidator import Liquidator
from softliq.keepers.runner import KeeperRunner
from softliq.keepers.taker import AuctionTaker

__all__ = [
    "GWEI",
    "Action",
    "Arbitrageur",
    "AuctionTaker",
    "Keeper",
    "KeeperError",
    "KeeperRunner",
    "KeeperStats",
    "Liquidator",
    "Outcome",
]
