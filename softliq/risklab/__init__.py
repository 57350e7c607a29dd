"""The risk lab: Monte Carlo runs of a market over many price paths, and the search for
parameters that keep bad debt within a budget at a given volatility.

Every number comes from the integer-exact model (`softliq.model`), which agrees with the
contracts to the wei. One module per job:

- `inputs`: bad input found up front (`RiskInputError`), parameters and population files;
- `pathmodels`: GBM, jump diffusion, volatility from a price file, replayed paths;
- `execute`: the work split into jobs, run in-process, on local processes or a Dask cluster;
- `stats`: summary.json's statistics from the per-path outcomes;
- `report`: the output directory, written atomically (plots, index.html);
- `montecarlo`, `calibrate`: the two commands' logic; `cli`: their argument parsers.
"""
