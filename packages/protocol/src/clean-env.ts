// The environment Latchkey's own long-lived processes (the daemon, the mint commands it runs) get: built
// from an allowlist rather than inherited, so a shell's NODE_OPTIONS, LD_PRELOAD or a repository's ./bin
// on PATH cannot reach code that holds secrets.
import type { Env } from './paths.js';

/** The PATH used when config.json names none: system folders only, never a relative entry. */
export const DEFAULT_SAFE_PATH = '/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin';

// Identity, locale, where the user's files live, how to reach the session bus (the keychain) and the
// display (a desktop prompt). Nothing that tells a loader or a runtime to load code.
const KEPT_NAMES = new Set([
  'HOME',
  'USER',
  'LOGNAME',
  'LANG',
  'LANGUAGE',
  'DBUS_SESSION_BUS_ADDRESS',
  'DISPLAY',
  'WAYLAND_DISPLAY',
]);
const KEPT_PREFIXES = ['LC_', 'XDG_', 'LATCHKEY_'];

/** Whether the variable `name` passes the allowlist of a clean environment. */
export function isCleanVariable(name: string): boolean {
  return KEPT_NAMES.has(name) || KEPT_PREFIXES.some((p) => name.startsWith(p) && name.length > p.length);
}

/** A copy of `env` holding only the allowlisted variables, with PATH set to `path` (or the safe default). */
export function cleanEnvironment(env: Env, path: string = DEFAULT_SAFE_PATH): Record<string, string> {
  const clean: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (value !== undefined && isCleanVariable(name)) clean[name] = value;
  }
  clean.PATH = path;
  return clean;
}
