"""`softliq keepers`: run the arbitrageur, the liquidator and the auction taker against a
recorded deployment on a live node until stopped (Ctrl-C), like Maker's auction-keeper.

Every `--interval` seconds each keeper looks at the chain, with the oracle's price as the
market price, and sends what pays: the arbitrageur trades the AMM toward that price,
the liquidator liquidates unhealthy loans, the taker buys auction lots below it (or
re-prices stale auctions). One line per transaction; the books on exit.

The keepers send from accounts the node impersonates, so the node must be anvil or an
anvil fork (`softliq fork`); `--fund` gives them inventory on a test deployment (the
test collateral mints to anyone; stablecoin comes from a loan against it).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from softliq.cli.common import InputError, add_network, positive_int

WAD = 10**18


def add_keepers(sub: argparse._SubParsersAction) -> None:
    """The `keepers` command."""
    p = sub.add_parser("keepers", help="run the keepers against a deployment until stopped",
                       description=__doc__.split("\n\n", 1)[1])
    add_network(p)
    p.add_argument("--deployment", type=Path, required=True, metavar="FILE", help="the deployment record to keep")
    p.add_argument("--only", default="arbitrageur,liquidator,taker", metavar="ROLES",
                   help="comma-separated keepers to run (arbitrageur, liquidator, taker)")
    p.add_argument("--interval", type=float, default=12.0, help="seconds between looks (>= 0)")
    p.add_argument("--rounds", type=int, default=0, help="stop after this many looks (0: until stopped)")
    p.add_argument("--gas-price-gwei", type=float, default=5.0, help="gas price the keepers pay and plan with")
    p.add_argument("--fund", type=positive_int, default=None, metavar="STABLECOIN",
                   help="test deployments: give each keeper this much stablecoin and collateral worth it")
    p.set_defaults(run=run_keepers)


ROLES = ("arbitrageur", "liquidator", "taker")


def _roles(text: str) -> list[str]:
    roles = [r.strip() for r in text.split(",") if r.strip()]
    unknown = sorted(set(roles) - set(ROLES))
    if not roles or unknown:
        raise InputError(f"--only: choose from {', '.join(ROLES)}, got {text!r}")
    return roles


def make_keepers(chain: Any, roles: list[str], gas_price: int, fund: int | None) -> list[Any]:
    """The keepers asked for, on fresh impersonated accounts, funded if asked."""
    from softliq.chain import fund_stablecoin
    from softliq.keepers import Arbitrageur, AuctionTaker, Liquidator

    kinds = {"arbitrageur": Arbitrageur, "liquidator": Liquidator, "taker": AuctionTaker}
    keepers = []
    for role in roles:
        keeper = kinds[role](chain.new_account(role), 0, gas_price)
        if fund:
            amount = fund * WAD
            fund_stablecoin(chain, keeper.address, amount)
            price = chain.market.amm.price_oracle()
            chain.fund_collateral(keeper.address, amount * WAD // price // 10 ** (18 - chain.market.params.collateral_decimals))
        else:
            chain.fund_collateral(keeper.address, 0)  # approvals only
        if isinstance(keeper, AuctionTaker):
            keeper.setup(chain)
        keepers.append(keeper)
    return keepers


def describe(outcome: Any) -> str:
    """One line per sent transaction."""
    a = outcome.action
    verdict = "ok" if outcome.ok else f"FAILED ({outcome.error})"
    return f"block {outcome.block} {a.kind:<10} {a.key:<24} {verdict}, gas {outcome.gas:,}, profit {outcome.profit / WAD:,.4f}"


def run_keepers(args: argparse.Namespace) -> int:
    """Connect, check the record, make the keepers, look every interval until stopped."""
    from softliq.ape_deploy import quiet_ape, recorded_market
    from softliq.chain_ape import ApeChain, connected
    from softliq.keepers import KeeperRunner

    roles = _roles(args.only)
    if args.interval < 0 or args.rounds < 0:
        raise InputError("--interval and --rounds must be >= 0")
    if not args.deployment.is_file():
        raise InputError(f"--deployment {args.deployment}: no such deployment record")
    with connected(args.network), quiet_ape():
        chain = ApeChain(recorded_market(args.deployment), freeze_clock=False)
        keepers = make_keepers(chain, roles, round(args.gas_price_gwei * 10**9), args.fund)
        runner = KeeperRunner(chain, keepers)
        print(f"keepers {', '.join(f'{k.role} {k.address}' for k in keepers)} on block {chain.block_number()}; Ctrl-C stops")
        try:
            _loop(chain, runner, args.interval, args.rounds)
        except KeyboardInterrupt:
            print("stopped")
        for keeper in keepers:
            books = keeper.stats.as_dict()
            print(f"{keeper.role}: {books['succeeded']} ok, {books['failed']} failed, gas {books['gas']:,}, "
                  f"profit {books['profit'] / WAD:,.4f}")
    return 0


def _loop(chain: Any, runner: Any, interval: float, rounds: int) -> None:
    done = 0
    while rounds == 0 or done < rounds:
        price = chain.market.oracle.price()
        runner.plan(price)
        for outcome in runner.run_due(price):
            print(describe(outcome), flush=True)
        done += 1
        if rounds == 0 or done < rounds:
            time.sleep(interval)
