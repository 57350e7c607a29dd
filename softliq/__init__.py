"""softliq: Python tooling for the softliq Vyper contracts."""

from softliq.deploy import Market, deploy_boa
from softliq.params import WAD, MarketParams

__all__ = ["Market", "MarketParams", "WAD", "deploy_boa"]
