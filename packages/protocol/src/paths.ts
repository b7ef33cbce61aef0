// Where Latchkey keeps its socket, state and config, derived from an environment passed in as a value.
import { existsSync, realpathSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { usageError } from '@latchkey/core/errors';
import { assertManifestTrusted } from './safe-files.js';

/** The environment variables the path rules read. */
export type Env = Readonly<Record<string, string | undefined>>;

/** Longest usable Unix socket path (sun_path minus the terminating NUL). */
export const MAX_SOCKET_PATH = process.platform === 'darwin' ? 103 : 107;

function home(env: Env): string {
  // node:os only when HOME is unset: loading it took 0.7 ms of every `agent exec` on Node 20.
  return env.HOME || (process.getBuiltinModule('node:os') as typeof import('node:os')).homedir();
}

/** `${XDG_STATE_HOME:-~/.local/state}/latchkey`: audit log, daemon log, approvals, lock. */
export function stateDir(env: Env): string {
  return join(env.XDG_STATE_HOME || join(home(env), '.local', 'state'), 'latchkey');
}

/** `${XDG_CONFIG_HOME:-~/.config}/latchkey/config.json`. */
export function configFile(env: Env): string {
  return join(env.XDG_CONFIG_HOME || join(home(env), '.config'), 'latchkey', 'config.json');
}

/** The daemon's socket: $LATCHKEY_SOCKET, else $XDG_RUNTIME_DIR/latchkey/agent.sock, else in the state folder. */
export function socketPath(env: Env): string {
  if (env.LATCHKEY_SOCKET) return resolve(env.LATCHKEY_SOCKET);
  if (env.XDG_RUNTIME_DIR) return join(env.XDG_RUNTIME_DIR, 'latchkey', 'agent.sock');
  return join(stateDir(env), 'agent.sock');
}

/** Throws a usage error when the socket path cannot be bound without truncation. */
export function assertSocketPathLength(path: string): void {
  const bytes = Buffer.byteLength(path);
  if (bytes > MAX_SOCKET_PATH) {
    throw usageError(
      `socket path is ${bytes} bytes, over the platform limit of ${MAX_SOCKET_PATH}: ${path}`,
      'set LATCHKEY_SOCKET or XDG_RUNTIME_DIR to a shorter path',
    );
  }
}

/** The manifest file name looked for in each folder. */
export const MANIFEST_NAME = 'agent.env';

/** The daemon's program: the bin @latchkey/daemon installs, which clients start (never import). */
export const DAEMON_PROGRAM = 'latchkey-daemon';

/**
 * `latchkey-daemon --ready-fd=N`: once the daemon serves, it writes DAEMON_READY_LINE on descriptor N (a pipe
 * whoever started it holds) and closes it, so a client waits for that event rather than polling the socket.
 */
export const DAEMON_READY_FLAG = '--ready-fd';
/** What the daemon writes on its ready pipe once it serves. */
export const DAEMON_READY_LINE = 'ready\n';

/**
 * The project root for `cwd`: the nearest folder holding agent.env, else the Git root,
 * as a real path; undefined outside any project. An agent.env someone else could have written (in a
 * folder others can write, or owned by another uid) is refused (77), not taken as the project.
 */
export function findProjectRoot(cwd: string): string | undefined {
  let dir: string;
  try {
    dir = realpathSync(cwd);
  } catch {
    return undefined;
  }
  let gitRoot: string | undefined;
  for (;;) {
    if (isFile(join(dir, MANIFEST_NAME))) {
      assertManifestTrusted(join(dir, MANIFEST_NAME));
      return dir;
    }
    if (gitRoot === undefined && existsSync(join(dir, '.git'))) gitRoot = dir;
    const parent = dirname(dir);
    if (parent === dir) return gitRoot;
    dir = parent;
  }
}

/**
 * Whether something other than a folder is at `p`: a FIFO or a device named agent.env is found too,
 * so that reading it is refused naming it (exit 65) rather than passed over in silence.
 */
function isFile(p: string): boolean {
  try {
    // No exception for the common answer, a missing file, on every level of a walk up (7 levels took
    // 0.18-0.28 ms in a fresh process this way, 0.38-0.46 ms with a thrown ENOENT each).
    const st = statSync(p, { throwIfNoEntry: false });
    return st !== undefined && !st.isDirectory();
  } catch {
    return false;
  }
}

/**
 * The nearest agent.env (anything but a folder) in `cwd` or a folder above it, walking up the real path as
 * findProjectRoot does (so the two agree); undefined when there is none or `cwd` does not exist. One
 * someone else could have written is refused (77) with its path, not offered for approval.
 */
export function findManifest(cwd: string): string | undefined {
  let dir: string;
  try {
    dir = realpathSync(cwd);
  } catch {
    return undefined;
  }
  for (;;) {
    const candidate = join(dir, MANIFEST_NAME);
    if (isFile(candidate)) {
      assertManifestTrusted(candidate);
      return candidate;
    }
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}
