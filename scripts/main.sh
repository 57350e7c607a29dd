#!/usr/bin/env bash
# `make run`: start a local anvil, deploy softliq to it, run the `crash` scenario with
# keepers, print the summary table and the report path; anvil stops on exit.
#
#   scripts/main.sh [scenario options]      e.g. --borrowers 50 --steps 400
#
# Defaults (20 borrowers, 120 steps) finish in about two minutes. The deployment is
# recorded in deployments/main.json; the scenario reuses it (same parameters, same
# chain) and writes reports/crash-<timestamp>/.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.venv/bin:$PWD/node_modules/.bin:$PATH"

port=$(python -c 'from softliq.chain_ape import free_port; print(free_port())')
url="http://127.0.0.1:$port"
record="deployments/main.json"
log=$(mktemp)
anvil --port "$port" --host 127.0.0.1 >"$log" 2>&1 &
anvil_pid=$!
trap 'kill "$anvil_pid" 2>/dev/null || true; wait "$anvil_pid" 2>/dev/null || true; rm -f "$log"' EXIT

for _ in $(seq 100); do
  python -c "import sys; from softliq.chain_ape import rpc_answers; sys.exit(rpc_answers('$url') is None)" && break
  if ! kill -0 "$anvil_pid" 2>/dev/null; then echo "anvil did not start:" >&2; cat "$log" >&2; exit 1; fi
  sleep 0.2
done
echo "anvil running at $url (pid $anvil_pid)"

# A fresh anvil: any record of an earlier run describes a chain that is gone.
ape run deploy --network "$url" --deployment "$record" --force
ape run scenario crash --network "$url" --deployment "$record" --borrowers 20 --steps 120 "$@"
