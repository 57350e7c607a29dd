#!/usr/bin/env bash
# `make run`: deploy softliq to a fresh local anvil and print what was deployed.
# ape-foundry starts anvil itself (node_modules/.bin/anvil, on a free port
# because ape-config.yaml sets foundry.host: auto) and stops it afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.venv/bin:$PWD/node_modules/.bin:$PATH"
exec ape run deploy --network ethereum:local:foundry "$@"
