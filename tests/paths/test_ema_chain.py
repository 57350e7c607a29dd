"""`softliq.paths.ema_oracle` agrees with contracts/EmaOracle.vy over a PriceOracleMock."""

from pathlib import Path

import boa
import pytest

from softliq import paths
from softliq.paths import PricePath
from softliq.params import WAD

CONTRACTS = Path(__file__).resolve().parents[2] / "contracts"


def _chain_ema(path: PricePath, ema_time: int, admin: str) -> list[float]:
    """Run `path` through a fresh PriceOracleMock -> EmaOracle: at each time set the
    market price, then read price_w(); returns the oracle prices (as floats)."""
    wads = path.wad()
    source = boa.load(str(CONTRACTS / "testing" / "PriceOracleMock.vy"), wads[0], admin)
    ema = boa.load(str(CONTRACTS / "EmaOracle.vy"), source.address, ema_time)
    seen = [ema.price_w() / WAD]
    for dt, price in zip(path.times[1:] - path.times[:-1], wads[1:]):
        boa.env.time_travel(seconds=int(dt))
        with boa.env.prank(admin):
            source.set_price(price)
        seen.append(ema.price_w() / WAD)
    return seen


IRREGULAR = PricePath(
    [0, 1, 13, 73, 600, 601, 4_000, 90_000, 90_012],
    [3000.0, 2990.5, 2500.25, 2800.0, 1200.0, 3100.0, 3050.0, 0.75, 4000.0],
    "irregular",
)


@pytest.mark.parametrize(
    "path, ema_time",
    [
        (paths.crash(n_steps=30, p0=3000.0, drop=0.4, duration=240, seed=8, noise=0.01), 60),
        (paths.gbm(seed=3, n_steps=30, p0=1.2345, sigma=5.0, dt=300), 3600),
        (IRREGULAR, 600),
        (IRREGULAR, 86_400),
    ],
    ids=["crash-60s", "gbm-1h", "irregular-600s", "irregular-1d"],
)
def test_ema_oracle_matches_the_contract(admin: str, path: PricePath, ema_time: int) -> None:
    model = paths.ema_oracle(path, ema_time)
    chain = _chain_ema(path, ema_time, admin)
    assert model.times.tolist() == path.times.tolist()
    assert model.prices.tolist() == pytest.approx(chain, rel=1e-9, abs=0)
    # it lags: the oracle is not the market (except at the start)
    assert model.prices[0] == path.prices[0]
    assert any(abs(m - p) > 1e-6 * p for m, p in zip(model.prices, path.prices))
