#!/usr/bin/env bash
# Runs example.py end to end against a throwaway daemon: generates the stubs, starts a daemon with the
# repository's CLI in a temp HOME (memory store, its own socket), runs the example with Debian's python3,
# stops the daemon and exits with the example's code. Needs `pnpm build` first.
#   PYTHON  the interpreter (default /usr/bin/python3, which has python3-grpcio)
#   NODE    the node binary that runs the CLI (default: node on PATH)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
python="${PYTHON:-/usr/bin/python3}"
node="${NODE:-node}"
cli="$root/packages/cli/bin/run.js"

"$python" -c 'import grpc, google.protobuf' 2>/dev/null ||
  { echo "run.sh: $python cannot import grpc: apt-get install python3-grpcio" >&2; exit 3; }
[[ -f "$root/packages/daemon/dist/main.js" ]] || { echo "run.sh: the daemon is not built: run pnpm build" >&2; exit 3; }

bash "$here/gen.sh"

tmp="$(mktemp -d "${TMPDIR:-/tmp}/lk-py-XXXXXX")"
mkdir -m 700 "$tmp/home" "$tmp/run"
unset LATCHKEY_SOCKET
export HOME="$tmp/home"
export XDG_RUNTIME_DIR="$tmp/run"
export XDG_STATE_HOME="$tmp/home/.local/state"
export XDG_CONFIG_HOME="$tmp/home/.config"
export LATCHKEY_STORE=memory
export LATCHKEY_KEYCHAIN_SERVICE="latchkey-py-example-$$"
export PYTHONDONTWRITEBYTECODE=1

agent() { "$node" -- "$cli" "$@"; }
pid=""
stop_daemon() {
  [[ -n "$pid" ]] || return 0
  if agent daemon stop >/dev/null; then
    echo "run.sh: daemon (pid $pid) stopped" >&2
  else
    echo "run.sh: agent daemon stop failed; killing pid $pid" >&2
    kill "$pid" 2>/dev/null || true
  fi
  pid=""
}
trap 'stop_daemon; rm -rf "$tmp"' EXIT

agent daemon start >&2
pid="$(agent daemon status --json | "$node" -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).pid))')"
echo "run.sh: daemon (pid $pid) on $XDG_RUNTIME_DIR/latchkey/agent.sock" >&2

set +e
"$python" "$here/example.py"
code=$?
set -e
stop_daemon
exit "$code"
