"""The work of a run, split into jobs, and where the jobs run: in this process, on local
processes (`workers`), or on a Dask distributed cluster (`cluster`, a scheduler address).

A job is a slice of paths under one parameter set; it carries everything needed to make
its paths and run them (no shared state), and its outcomes depend only on what it
carries, so the same jobs give the same outcomes, bit for bit, wherever they run.
Results come back in job order whatever order the jobs finish in.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from softliq.model.montecarlo import Chunk, Keepers, PathOutcome, Population, run_chunk
from softliq.params import MarketParams
from softliq.risklab.inputs import RiskInputError
from softliq.risklab.pathmodels import PathModel, generate

CONNECT_SECONDS = 10
"""How long to wait for a cluster's scheduler before calling the address unreachable."""


@dataclass(frozen=True)
class Job:
    """Paths first .. first + count - 1 of a run, under `params`."""

    model: PathModel
    seed: int
    first: int
    count: int
    n_steps: int
    dt: int
    params: MarketParams
    population: Population
    keepers: Keepers
    sample_every: int


def run_job(job: Job) -> list[PathOutcome]:
    """Make the job's paths and run them on the exact model."""
    p0 = job.params.price / 10**18
    prices = generate(job.model, job.seed, job.first, job.count, job.n_steps, job.dt, p0)
    return run_chunk(Chunk(prices, job.params, job.dt, population=job.population, keepers=job.keepers, sample_every=job.sample_every))


def split(n_paths: int, parts: int) -> list[tuple[int, int]]:
    """(first, count) of `parts` near-equal slices of n_paths paths (no empty slice)."""
    parts = max(1, min(parts, n_paths))
    size, extra = divmod(n_paths, parts)
    out, first = [], 0
    for k in range(parts):
        count = size + (1 if k < extra else 0)
        out.append((first, count))
        first += count
    return out


def connect(address: str) -> Any:
    """A Dask distributed client of the scheduler at `address`; RiskInputError if it
    cannot be reached."""
    from distributed import Client

    try:
        return Client(address, timeout=CONNECT_SECONDS, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as error:
        raise RiskInputError(f"--cluster {address}: cannot reach a Dask scheduler ({str(error).splitlines()[0]})") from None


Progress = Callable[[int], None]
"""Called with the number of paths each finished job ran."""


def run_jobs(jobs: Sequence[Job], workers: int = 1, client: Any = None, progress: Progress | None = None) -> list[list[PathOutcome]]:
    """The outcomes of every job, in job order: on the cluster `client` if given, else
    on `workers` local processes (1: in this process)."""
    done = progress or (lambda n: None)
    if client is not None:
        return _on_cluster(client, jobs, done)
    if workers == 1:
        return [_tracked(run_job(job), job, done) for job in jobs]
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        return [_tracked(out, job, done) for out, job in zip(pool.imap(run_job, jobs), jobs)]


def _tracked(outcomes: list[PathOutcome], job: Job, done: Progress) -> list[PathOutcome]:
    done(job.count)
    return outcomes


def _on_cluster(client: Any, jobs: Sequence[Job], done: Progress) -> list[list[PathOutcome]]:
    """Submit every job, then collect the results in job order (the progress bar moves
    as the oldest unfinished job completes)."""
    futures = client.map(run_job, list(jobs), pure=False)
    try:
        return [_tracked(future.result(), job, done) for future, job in zip(futures, jobs)]
    finally:
        client.cancel(futures)
