#!/usr/bin/env bash
# Every issue-11 speed target on Node 20 (the node on PATH) and Node 24 (from the npm registry into
# .cache/node24, as scripts/test-node24.sh gets it), one benchmark at a time, in a clean environment
# (env -i: NODE_EXTRA_CA_CERTS alone adds ~70 ms to every node start), under the machine's bench lock
# when it has one. Needs `pnpm build` first. Usage: bash scripts/bench/all.sh [runs]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
runs="${1:-30}"
dir=.cache/node24
if [[ ! -x "$dir/node_modules/node/bin/node" ]]; then
  mkdir -p "$dir"
  npm install --prefix "$dir" --no-save --no-audit --no-fund node@24 >/dev/null
fi
node20="$(command -v node)"
node24="$(pwd)/$dir/node_modules/node/bin/node"
clean=(env -i "PATH=$(dirname "$node20"):/usr/bin:/bin" "HOME=${HOME:-/tmp}")
for node in "$node20" "$node24"; do
  echo "===== $("$node" --version)"
  "${clean[@]}" "$node20" scripts/bench/cli.mjs --runs "$runs" --node "$node"
  "${clean[@]}" "$node20" scripts/bench/cold.mjs --runs 15 --node "$node"
  # By calls, not seconds: both servers answer the same number of keys (a timed phase stops at the
  # daemon's 10,000 leases per process). Twelve rounds, pooled, each also printed: one round's ratio
  # read 61-117% within one run of six (Node 24), and six rounds pooled 81.8-111.1% in 14 runs of
  # both Nodes (2026-12-07).
  "${clean[@]}" "$node" scripts/bench/temp-keys.mjs --concurrency 64 --calls 3000 --rounds 12
done
