#!/usr/bin/env bash
# Runs the `agent exec` end-to-end tests with Node 24 running the CLI, which takes the process.execve
# path (Node >= 22.15) where Node 20 spawns. Node 24 comes from the npm registry into .cache/node24.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
dir=.cache/node24
if [[ ! -x "$dir/node_modules/node/bin/node" ]]; then
  mkdir -p "$dir"
  npm install --prefix "$dir" --no-save --no-audit --no-fund node@24 >/dev/null
fi
node24="$(pwd)/$dir/node_modules/node/bin/node"
echo "exec tests with $("$node24" --version) running the CLI"
LATCHKEY_TEST_NODE="$node24" npx vitest run test/exec.test.ts
