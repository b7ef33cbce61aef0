#!/usr/bin/env python3
"""Mints a random test key from the Latchkey daemon, introspects it, revokes it and introspects it again.

Exits 0 only when the key was issued as asked, was active, was revoked, and was then inactive.
Run it with Debian's python3 (python3-grpcio) after gen.sh, with a daemon running: see run.sh.
"""
import re
import sys
from datetime import datetime, timezone

from latchkey_client import Agent, LatchkeyError

TTL_SECONDS = 120


def iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def main() -> int:
    failures = []

    def check(ok: bool, what: str) -> None:
        if not ok:
            failures.append(what)
            print(f"FAIL: {what}", file=sys.stderr)

    with Agent() as agent:
        print(f"socket: {agent.socket}")
        try:
            key = agent.temp_key("random", TTL_SECONDS, {"bytes": 32, "encoding": "hex"})
            # A test key, so printing its value is fine; a real client would not.
            print(f"issued: lease {key.lease_id}, expires {iso(key.expires_at)}, value {key.value}")
            check(re.fullmatch(r"[0-9a-f]{64}", key.value) is not None, "the key is 32 bytes of hex")
            check(key.lease_id != "", "the key has a lease id")
            now_ms = datetime.now(timezone.utc).timestamp() * 1000
            check(0 < key.expires_at - now_ms <= TTL_SECONDS * 1000 + 5000, f"the lease expires within {TTL_SECONDS} s")

            before = agent.introspect(key.value)
            print(f"introspect: {'active' if before.active else 'inactive'} (lease {before.lease_id or '-'}, kind {before.kind or '-'})")
            check(before.active, "the key is active once issued")
            check(before.lease_id == key.lease_id, "introspection names the key's lease")
            check(before.kind == "random", "introspection names the key's kind")

            revoked = agent.revoke(key.lease_id)
            print(f"revoke: {'revoked' if revoked else 'not revoked'}")
            check(revoked, "the lease is revoked")

            after = agent.introspect(key.value)
            print(f"introspect: {'active' if after.active else 'inactive'} (lease {after.lease_id or '-'}, kind {after.kind or '-'})")
            check(not after.active, "the key is inactive once revoked")

            check(not agent.revoke(key.lease_id), "a second revoke finds no lease")
        except LatchkeyError as err:
            print(f"error: {err.code.name}: {err}", file=sys.stderr)
            return 2

    if failures:
        print(f"example: {len(failures)} check(s) failed", file=sys.stderr)
        return 1
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
