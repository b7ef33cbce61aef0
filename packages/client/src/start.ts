// Starting the daemon program and waiting until it serves, without grpc-js: what auto-start costs is paid by
// the command that waits for it (`agent exec`, `agent get`), so this module loads only node:child_process, h2lite
// and the Status codecs. The daemon is a program (`latchkey-daemon`, the bin of @latchkey/daemon), never
// imported: $LATCHKEY_DAEMON names it, else the caller says where the one installed with it lies (the CLI
// does), else it is looked up on PATH. The daemon says it serves through a pipe it inherits (DAEMON_READY_FLAG),
// so no polling interval stands between its first moment of listening and the caller's call.
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, closeSync, constants as fsConstants, mkdirSync, openSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { isLatchkeyError, LatchkeyError } from '@latchkey/core/errors';
import type { DaemonStatus } from '@latchkey/protocol';
import { cleanEnvironment, DAEMON_PROGRAM, DAEMON_READY_FLAG, DAEMON_READY_LINE, processAlive, socketPath, stateDir, type Env } from '@latchkey/protocol/lean';
import * as rpc from '@latchkey/protocol/methods';
import { DaemonNotRunning, h2liteCall } from './h2lite.js';

/** How long to wait for a daemon that was just started. */
export const START_TIMEOUT_MS = 8000;

/** Answers the path of the daemon program installed beside the caller, or undefined. */
export type InstalledDaemon = () => string | undefined;

/**
 * The daemon program (a Node script, run with this Node and daemonNodeFlags()): $LATCHKEY_DAEMON, else the one
 * `installed` answers, else `latchkey-daemon` on PATH (its real path: npm links a bin to its script).
 */
export function findDaemon(env: Env, installed?: InstalledDaemon): string {
  if (env.LATCHKEY_DAEMON) return resolve(env.LATCHKEY_DAEMON);
  const found = installed?.() ?? onPath(DAEMON_PROGRAM, env.PATH ?? '');
  if (found) return found;
  throw new LatchkeyError(
    'unavailable',
    `no daemon is running and the daemon program ${DAEMON_PROGRAM} was not found on PATH`,
    `install @latchkey/daemon (it provides ${DAEMON_PROGRAM}), or set LATCHKEY_DAEMON to its path`,
  );
}

/** The real path of the executable `name` in the first folder of `path` that has one. */
function onPath(name: string, path: string): string | undefined {
  for (const dir of path.split(delimiter)) {
    if (!isAbsolute(dir)) continue; // a relative PATH entry means the caller's folder: never trusted here
    const file = join(dir, name);
    try {
      accessSync(file, fsConstants.X_OK);
      if (statSync(file).isFile()) return realpathSync(file);
    } catch {
      // not here
    }
  }
  return undefined;
}

/**
 * The Node flags the daemon runs with, for auto-start, `agent daemon start` and the service `agent daemon
 * install` writes: SIGUSR1 made inert where Node can (>= 22.14), so no signal opens the inspector, and on
 * Node 20 a young generation capped at 4 MB per semi-space (V8 11 grows it after a burst of calls and
 * keeps it). 4 MB, not 1: under IssueTempKey load the GC's share of the daemon's CPU fell from 26% to
 * 13-17%, and RSS after a burst from 78-79 to 74 MB (a 1 MB one promotes short-lived objects to the old
 * generation); 8 MB held 85 MB after the burst. The README's Speed section has the runs.
 * Where V8 is 12 or later (Node >= 22) the daemon's quiet-spell release (idle-memory.ts) shrinks the young
 * generation itself, and the cap only costs throughput: on Node 24.21, without it, IssueTempKey at 64 in
 * flight 67.5-75.2% -> 72.6-83.6% of bare grpc-js (four interleaved runs each), idle RSS 60.8 -> 60.8 MB,
 * with 1,000 secrets 72.4 -> 72.7 MB, 4 s after a burst of 4,000 calls 70.6-70.9 -> 71.1-71.5 MB (during
 * the burst 113-127 -> 152-157 MB).
 */
export function daemonNodeFlags(): string[] {
  return [
    ...(process.allowedNodeEnvironmentFlags.has('--disable-sigusr1') ? ['--disable-sigusr1'] : []),
    ...(YOUNG_GENERATION_SHRINKS ? [] : ['--max-semi-space-size=4']),
  ];
}

/** Whether this Node's V8 has the GC that shrinks the heap (gc's last-resort flavor: V8 >= 12, Node >= 22). */
const YOUNG_GENERATION_SHRINKS = Number(process.versions.v8.split('.')[0]) >= 12;

/** Node's arguments to run the daemon: its flags, then the program. */
export function daemonArgs(env: Env, installed?: InstalledDaemon): string[] {
  return [...daemonNodeFlags(), findDaemon(env, installed)];
}

/**
 * The environment the daemon is started with: the allowlist of cleanEnvironment (so a shell's
 * NODE_OPTIONS, LD_PRELOAD or ./bin on PATH never reach it), LATCHKEY_SOCKET made absolute since the
 * daemon runs in `/`.
 */
export function daemonEnvironment(env: Env): Record<string, string> {
  const clean = cleanEnvironment(env);
  if (clean.LATCHKEY_SOCKET) clean.LATCHKEY_SOCKET = resolve(clean.LATCHKEY_SOCKET);
  return clean;
}

/** The daemon's status over h2lite, or undefined when nothing answers on `socket` (yet). */
async function statusOf(socket: string, timeoutMs: number): Promise<DaemonStatus | undefined> {
  try {
    return await h2liteCall(socket, rpc.status, {}, timeoutMs);
  } catch (err) {
    if (err instanceof DaemonNotRunning || (isLatchkeyError(err) && err.kind === 'unavailable')) return undefined;
    throw err;
  }
}

/**
 * Resolves true when the daemon writes its ready line on the pipe, false when the pipe ends without it (the
 * daemon exited: it failed, or lost the start race to another daemon) or the child exits first.
 */
function readySignal(child: ChildProcess, pipe: Readable): Promise<boolean> {
  return new Promise((done) => {
    let said = '';
    const finish = (ready: boolean) => {
      pipe.removeAllListeners('data');
      pipe.destroy();
      child.removeListener('exit', onExit);
      done(ready);
    };
    const onExit = () => finish(false);
    pipe.setEncoding('utf8');
    pipe.on('data', (text: string) => {
      said += text;
      if (said.includes(DAEMON_READY_LINE)) finish(true);
    });
    pipe.once('end', () => finish(false));
    pipe.once('error', () => finish(false));
    child.once('exit', onExit);
  });
}

/** Spawns a detached daemon; resolves with its status once it answers, or throws with its last words. */
export async function startDaemonProcess(env: Env, installed?: InstalledDaemon): Promise<DaemonStatus> {
  const args = [...daemonArgs(env, installed), `${DAEMON_READY_FLAG}=3`];
  const socket = socketPath(env);
  const state = stateDir(env);
  mkdirSync(state, { recursive: true, mode: 0o700 });
  const logFile = join(state, 'daemon.log');
  const out = openSync(logFile, 'a', 0o600);
  const child = spawn(process.execPath, args, {
    detached: true,
    stdio: ['ignore', out, out, 'pipe'],
    env: daemonEnvironment(env),
    cwd: '/',
  });
  closeSync(out);
  let exited: number | null | undefined;
  child.once('exit', (code) => (exited = code));
  child.unref();

  const deadline = Date.now() + START_TIMEOUT_MS;
  const pipe = child.stdio[3] as Readable;
  const waited = new Promise<void>((r) => setTimeout(r, START_TIMEOUT_MS).unref());
  const ready = await Promise.race([readySignal(child, pipe), waited.then(() => false)]);
  pipe.destroy();
  if (ready) {
    const status = await statusOf(socket, Math.max(500, deadline - Date.now()));
    if (status) return status;
  }
  // No ready line: this daemon failed, or lost the start race to another one and exited. Keep asking while
  // the winner holds the lock (it may need more than a moment on a loaded machine), else give up. One that
  // found the keychain locked will not be replaced by another: no need to wait.
  let delay = 10;
  while (Date.now() < deadline) {
    const status = await statusOf(socket, 500);
    if (status) return status;
    if (exited === 69 && lastError(logFile) === `: ${KEYCHAIN_LOCKED}`) break;
    if (exited !== undefined && exited !== null && exited !== 0 && Date.now() > deadline - START_TIMEOUT_MS + 1500) {
      const holder = lockHolder(state);
      if (holder === undefined || holder === child.pid) break;
    }
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(delay * 2, 50);
  }
  const said = lastError(logFile);
  // A locked keychain is the user's to fix, not the daemon's: say it as the daemon did, with its hint.
  if (said === `: ${KEYCHAIN_LOCKED}`) throw new LatchkeyError('unavailable', KEYCHAIN_LOCKED, lastHint(logFile));
  throw new LatchkeyError('unavailable', `the daemon did not start on ${socket}${said}`, `see ${logFile}`);
}

/** What the daemon says when it cannot start because the keychain is locked. */
const KEYCHAIN_LOCKED = 'the keychain is locked';

/** The last hint line the daemon wrote to its log, if any. */
function lastHint(logFile: string): string | undefined {
  try {
    const lines = readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-20);
    return lines.reverse().find((l) => l.startsWith('agent: hint: '))?.slice('agent: hint: '.length);
  } catch {
    return undefined;
  }
}

/**
 * The pid written in the daemon's lock file of the state folder `state` when that process is alive (a daemon
 * starting or serving), as protocol's processAlive judges it: a zombie holds no lock.
 */
export function lockHolder(state: string): number | undefined {
  let pid: number;
  try {
    pid = Number.parseInt(readFileSync(join(state, 'daemon.lock'), 'utf8').trim(), 10);
  } catch {
    return undefined;
  }
  return Number.isInteger(pid) && pid > 0 && processAlive(pid, undefined) ? pid : undefined;
}

function lastError(logFile: string): string {
  try {
    const lines = readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-20);
    const err = lines.reverse().find((l) => l.startsWith('agent: error: '));
    return err ? `: ${err.slice('agent: error: '.length)}` : '';
  } catch {
    return '';
  }
}
