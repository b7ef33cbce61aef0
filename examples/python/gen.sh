#!/usr/bin/env bash
# Generates the Python stubs of latchkey.v1 from packages/protocol/proto/latchkey/v1/agent.proto (the
# .proto that ships inside @latchkey/protocol) into examples/python/gen/
# (gitignored), with Debian's protoc (protobuf-compiler) and grpc_python_plugin (protobuf-compiler-grpc).
# The result is the package `latchkey.v1` (agent_pb2.py, agent_pb2_grpc.py) under gen/.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
out="$here/gen"

need() {
  command -v "$1" >/dev/null 2>&1 || { echo "gen.sh: $1 not found: apt-get install $2" >&2; exit 127; }
}
need protoc protobuf-compiler
need grpc_python_plugin protobuf-compiler-grpc

# Generate into a fresh folder next to gen/, then swap it in, so a failed run leaves no half-written stubs.
tmp="$(mktemp -d "$here/.gen.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
chmod 755 "$tmp"
protoc \
  -I "$root/packages/protocol/proto" \
  --python_out="$tmp" \
  --grpc_out="$tmp" \
  --plugin=protoc-gen-grpc="$(command -v grpc_python_plugin)" \
  "$root/packages/protocol/proto/latchkey/v1/agent.proto"
rm -rf "$out"
mv "$tmp" "$out"
trap - EXIT
echo "gen.sh: stubs in ${out#"$root"/}/latchkey/v1/" >&2
