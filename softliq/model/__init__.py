"""softliq.model: a pure-Python, integer-exact second implementation of the AMM, the
Controller, the liquidation policy and the Auction (same rounding as the contracts in
every expression), and a Monte Carlo over price paths built on it.

`ModelMarket(params)` is a whole market; `softliq.model.chain.Twin` runs it beside a
titanoboa market and compares them to the wei; `softliq.model.montecarlo` simulates
many price paths.
"""

from softliq.model.system import ModelMarket
from softliq.model.wad_math import ModelRevert

__all__ = ["ModelMarket", "ModelRevert"]
