"""Run a named scenario on any `Chain`: spawn borrowers and keepers, step through the
price path with keepers acting under latency, and collect metrics and time series."""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from typing import Any

from softliq.chain import BLOCK_TIME, Chain, fund_stablecoin
from softliq.keepers import GWEI, Arbitrageur, AuctionTaker, Keeper, KeeperRunner, Liquidator
from softliq.scenarios.definitions import Scenario, ScenarioError, ScenarioOptions, get_scenario, scaled_path
from softliq.scenarios.metrics import Recorder, ScenarioResult

WAD = 10**18


@dataclass(frozen=True)
class Loan:
    """A borrower and the loan it opened at the start."""

    address: str
    collateral: int
    """Token units."""
    debt: int
    n_bands: int


@dataclass
class Cast:
    """Everyone acting in a run."""

    borrowers: list[Loan]
    keepers: list[Keeper]
    extra_holders: list[str] = field(default_factory=list)
    """Other addresses that may hold tokens (flash contracts)."""


MAX_TOP_UP = 100
"""Whole collateral units a borrower may get beyond its drawn size to reach the
policy's min_debt_for(N)."""


def _borrower_sizes(scenario: Scenario, options: ScenarioOptions) -> list[tuple[int, float, int]]:
    """(collateral in whole units, share of max borrowable, bands) per borrower; seeded.
    The first two use 4 and max_bands bands so both extremes are always present."""
    rnd = random.Random(options.seed)
    top = options.max_bands
    sizes = []
    for k in range(options.borrowers):
        n_bands = 4 if k == 0 else top if k == 1 else rnd.randint(4, top)
        sizes.append((rnd.randint(1, 50), rnd.uniform(*scenario.debt_share), n_bands))
    if scenario.whale:
        total = sum(s[0] for s in sizes)
        sizes[0] = (max(total, 50), 0.97, min(10, top))  # as much collateral as all the others
    return sizes


def spawn_borrowers(chain: Chain, scenario: Scenario, options: ScenarioOptions) -> list[Loan]:
    """Open every borrower's loan at the current price."""
    m = chain.market
    scale = 10 ** m.params.collateral_decimals
    loans = []
    for units, share, n_bands in _borrower_sizes(scenario, options):
        who = chain.new_account("borrower")
        least = m.policy.min_debt_for(n_bands)  # the smallest loan over n_bands bands
        debt = 0
        for units in range(units, units + MAX_TOP_UP + 1):  # a loan below the minimum gets more collateral
            collateral = units * scale
            debt = m.controller.max_borrowable(collateral, n_bands) * round(share * 10**6) // 10**6
            if debt >= least:
                break
        if debt < least:
            raise ScenarioError(f"a borrower's debt {debt} over {n_bands} bands is below min_debt_for = {least} even with {MAX_TOP_UP} more collateral")
        chain.fund_collateral(who, collateral)
        chain.transact(who, m.controller, "create_loan", collateral, debt, n_bands)
        loans.append(Loan(who, collateral, debt, n_bands))
    return loans


def spawn_keepers(chain: Chain, scenario: Scenario, options: ScenarioOptions, loans: list[Loan]) -> Cast:
    """An arbitrageur, a liquidator and an auction taker, funded against the book's size."""
    m = chain.market
    s = scenario.keepers
    latency = s.latency_blocks if options.latency_blocks is None else options.latency_blocks
    arb_latency = latency
    if options.latency_blocks is None and s.arbitrageur_latency_blocks is not None:
        arb_latency = s.arbitrageur_latency_blocks
    gwei = s.gas_price_gwei if options.gas_price_gwei is None else options.gas_price_gwei
    gas_price = round(gwei * GWEI)
    total_debt = sum(loan.debt for loan in loans)
    total_collateral = sum(loan.collateral for loan in loans)
    keepers: list[Keeper] = []
    if s.arbitrageur:
        arb = Arbitrageur(chain.new_account("arbitrageur"), arb_latency, gas_price)
        fund_stablecoin(chain, arb.address, 2 * total_debt + 10_000 * WAD)
        chain.fund_collateral(arb.address, 2 * total_collateral)
        keepers.append(arb)
    keepers.append(Liquidator(chain.new_account("liquidator"), latency, gas_price))
    taker = AuctionTaker(chain.new_account("keeper"), latency, gas_price, mode=s.taker_mode)
    if s.taker_mode != "flash":
        fund_stablecoin(chain, taker.address, total_debt + 10_000 * WAD)
    else:
        chain.fund_collateral(taker.address, 0)  # approvals only: it buys with flash takes
    taker.setup(chain)
    keepers.append(taker)
    extra = [str(taker.flash_contract.address)] if taker.flash_contract is not None else []
    return Cast(loans, keepers, extra)


def _check_market(chain: Chain, scenario: Scenario) -> None:
    """The chain's market must carry the parameters the scenario needs."""
    for name, value in scenario.params.items():
        have = getattr(chain.market.params, name)
        if have != value:
            raise ScenarioError(
                f"scenario {scenario.name} needs a market deployed with {name}={value} (this one has "
                f"{have}); deploy with softliq.scenarios.scenario_params({scenario.name!r})"
            )


def _progress(total: int, enabled: bool, name: str) -> Any:
    """A tqdm bar (a no-op one when disabled)."""
    from tqdm import tqdm

    return tqdm(total=total, desc=name, unit="step", disable=not enabled, leave=False)


def run_scenario(name: str | Scenario, chain: Chain | None = None, options: ScenarioOptions | None = None) -> ScenarioResult:
    """Run scenario `name` (a name or a Scenario) on `chain` (a fresh market on pyrevm
    if None, softliq.scenarios.local)."""
    scenario = get_scenario(name)
    options = (options or ScenarioOptions()).validate()
    if chain is None:
        from softliq.scenarios.local import local_chain

        chain = local_chain(scenario.market_params())
    _check_market(chain, scenario)
    wall = time.monotonic()
    m = chain.market
    p0 = m.oracle.price()
    from_file = options.load_path()
    if from_file is not None:
        path = scaled_path(from_file, p0 / WAD)
    else:
        path = scenario.price_path(options.steps, p0 / WAD, options.seed)
    prices = path.wad()
    loans = spawn_borrowers(chain, scenario, options)
    cast = spawn_keepers(chain, scenario, options, loans)
    runner = KeeperRunner(chain, cast.keepers)
    recorder = Recorder(chain, scenario, options, cast, path)
    poker = cast.keepers[-1].address
    start = chain.now()
    sample_every = options.sample_every or max(1, len(prices) // 60)
    recorder.track(p0)
    recorder.sample(0, p0)
    with _progress(len(prices) - 1, options.progress, scenario.name) as bar:
        for k in range(1, len(prices)):
            dt = int(path.times[k] - path.times[k - 1])
            lag = min(BLOCK_TIME, dt // 2)
            _between_steps(chain, runner, recorder, scenario, start, dt - lag, prices[k - 1])
            recorder.track(prices[k - 1])
            chain.set_market_price(prices[k])
            if m.price_source is not None and str(m.price_source.address) != str(m.oracle.address):
                chain.transact(poker, m.price_source, "price_w")
            # keepers see the new price a block later (the AMM's oracle-move fee is
            # highest in the block of the move); actions already due go out meanwhile
            recorder.outcomes(runner.advance(lag, prices[k]), prices[k])
            if _online(scenario, chain.now() - start):
                runner.plan(prices[k])
            recorder.outcomes(runner.run_due(prices[k]), prices[k])
            recorder.track(prices[k])
            if k % sample_every == 0 or k == len(prices) - 1:
                recorder.sample(chain.now() - start, prices[k])
            bar.update(1)
    return recorder.result(prices[-1], time.monotonic() - wall, runner.pending())


TAKER_LOOK = 300
"""Seconds between the auction taker's looks while auctions are live within a path step:
an auction's price decays within a step, and a taker that looked only at step
boundaries would buy late (at coarse resolutions, far below market)."""


def _between_steps(chain: Chain, runner: KeeperRunner, recorder: Recorder, scenario: Scenario, start: int,
                   seconds: int, price: int) -> None:
    """Let `seconds` pass at market `price`, the taker looking every TAKER_LOOK seconds
    while any auction is live and keepers are online."""
    while seconds > TAKER_LOOK:
        recorder.outcomes(runner.advance(TAKER_LOOK, price), price)
        seconds -= TAKER_LOOK
        if chain.market.auction.count() > 0 and _online(scenario, chain.now() - start):
            runner.plan(price, kinds=(AuctionTaker,))
    recorder.outcomes(runner.advance(seconds, price), price)


def _online(scenario: Scenario, elapsed: int) -> bool:
    """Whether keepers plan at `elapsed` seconds into the run."""
    if scenario.outage is None:
        return True
    lo, hi = scenario.outage
    return not lo * scenario.duration <= elapsed < hi * scenario.duration

