#!/usr/bin/env bash
# Prints shell assignments for a private D-Bus session bus with an unlocked gnome-keyring (Secret
# Service), for headless machines without a desktop keyring. Use: eval "$(scripts/keyring-session.sh)"
# For headless dev machines: the login keyring's password is random, made once and kept in
# ~/.local/state/latchkey/keyring-password (0600) so the keyring (~/.local/share/keyrings) can be
# unlocked again in the next session.
set -euo pipefail
command -v dbus-daemon >/dev/null && command -v gnome-keyring-daemon >/dev/null || {
  echo "echo 'agent: error: dbus-daemon or gnome-keyring-daemon is missing' >&2; echo 'agent: hint: run bash scripts/setup.sh' >&2"
  exit 1
}
addr_and_pid=$(dbus-daemon --session --fork --print-address=1 --print-pid=1)
addr=$(printf '%s\n' "$addr_and_pid" | sed -n 1p)
pid=$(printf '%s\n' "$addr_and_pid" | sed -n 2p)
pwfile="${XDG_STATE_HOME:-$HOME/.local/state}/latchkey/keyring-password"
if [[ ! -s "$pwfile" ]]; then
  (umask 077; mkdir -p "$(dirname "$pwfile")"; head -c 24 /dev/urandom | base64 > "$pwfile")
fi
DBUS_SESSION_BUS_ADDRESS="$addr" gnome-keyring-daemon --daemonize --unlock --components=secrets <"$pwfile" >/dev/null
printf 'export DBUS_SESSION_BUS_ADDRESS=%q\n' "$addr"
printf 'export LATCHKEY_DBUS_PID=%q\n' "$pid"
printf 'echo "agent: a private keyring is running on this shell'"'"'s D-Bus session (dbus pid %s)" >&2\n' "$pid"
