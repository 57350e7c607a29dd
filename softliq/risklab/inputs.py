"""Bad input, found before anything runs or is written: `RiskInputError` (one line,
naming the input), the borrower population (`--population`) and whether the contracts
accept a market (`check_market`)."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from softliq.cli.common import InputError
from softliq.model.montecarlo import POPULATION, Population, base_market
from softliq.model.wad_math import ModelRevert
from softliq.params import WAD, MarketParams

MIN_BANDS, MAX_BANDS = 4, 50
"""Bands a loan may span (the Controller's bounds)."""


class RiskInputError(InputError):
    """Bad input to a risk-lab command; the message names it (the command line prints
    it as one line and exits 2)."""


def load_population(path: Path | None) -> Population:
    """The borrowers of a TOML file of `[[borrower]]` tables with `collateral` (tokens,
    > 0), `bands` (4..50) and `ltv_share` (debt as a share of max_borrowable, in (0, 1]);
    the default population without one."""
    if path is None:
        return POPULATION
    try:
        data = tomllib.loads(Path(path).read_text())
    except (OSError, UnicodeDecodeError) as error:
        raise RiskInputError(f"--population {path}: cannot read ({error})") from None
    except tomllib.TOMLDecodeError as error:
        raise RiskInputError(f"--population {path}: not valid TOML ({error})") from None
    rows = data.get("borrower")
    unknown = sorted(set(data) - {"borrower"})
    if unknown or not isinstance(rows, list) or not rows:
        raise RiskInputError(f"--population {path}: expected [[borrower]] tables only (collateral, bands, ltv_share)")
    return tuple(_borrower(path, i, row) for i, row in enumerate(rows))


def _borrower(path: Path, i: int, row: Any) -> tuple[int, int, int]:
    where = f"--population {path}: borrower {i + 1}"
    if not isinstance(row, dict) or set(row) != {"collateral", "bands", "ltv_share"}:
        raise RiskInputError(f"{where}: needs exactly collateral, bands, ltv_share")
    collateral, bands, share = row["collateral"], row["bands"], row["ltv_share"]
    if isinstance(collateral, bool) or not isinstance(collateral, (int, float)) or not 0 < collateral <= 1e12:
        raise RiskInputError(f"{where}: collateral must be a number of tokens in (0, 1e12], got {collateral!r}")
    if isinstance(bands, bool) or not isinstance(bands, int) or not MIN_BANDS <= bands <= MAX_BANDS:
        raise RiskInputError(f"{where}: bands must be an integer in [{MIN_BANDS}, {MAX_BANDS}], got {bands!r}")
    if isinstance(share, bool) or not isinstance(share, (int, float)) or not 0 < share <= 1:
        raise RiskInputError(f"{where}: ltv_share must be in (0, 1], got {share!r}")
    return int(round(collateral * WAD)), bands, int(round(share * 10**6))


def check_market(params: MarketParams, population: Population, what: str = "--params/--population") -> None:
    """RiskInputError (with the contracts' reason) unless the market deploys with
    `params` and every loan of `population` opens."""
    try:
        base_market(params, population)
    except ModelRevert as error:
        raise RiskInputError(f"{what}: the contracts reject these parameters or this population ({error})") from None
