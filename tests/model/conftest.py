"""Markets for the agreement suite: deployed once per module, each with the model of its
freshly deployed state; every test works on a copy (titanoboa rolls the chain back)."""

import pytest

from softliq import MarketParams, deploy_boa
from softliq.model.chain import Twin, model_for
from softliq.params import SMALL_LOANS

# about 2% APY, times 50 so interest shows within a test's few days
RATE = 634195839 * 50


@pytest.fixture(scope="module", params=[18, 6, 8], ids=lambda d: f"{d}dec")
def deployed(request, admin):
    """(market, model at deployment) with interest on and `decimals`-decimal collateral."""
    market = deploy_boa(MarketParams(collateral_decimals=request.param, rate=RATE, **SMALL_LOANS), admin=admin)
    return market, model_for(market)


@pytest.fixture
def twin(deployed) -> Twin:
    market, model = deployed
    return Twin(market, model.copy())
