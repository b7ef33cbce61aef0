// Helpers for end-to-end tests: a fresh world per test (HOME, XDG dirs, keychain service), the built CLI
// run as a subprocess, and the daemon started as a real process on a temp socket.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, type Dirent } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as netConnect } from 'node:net';
import type { Keyring } from './keyring.js';
import { ROOT } from './root.js';

export { ROOT };
/** The built CLI entry (`pnpm build` first). */
export const CLI = join(ROOT, 'packages/cli/bin/run.js');
/** The built daemon entry. */
export const DAEMON = join(ROOT, 'packages/daemon/dist/latchkey-daemon.js');

export interface Result {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  stdoutBytes: Buffer;
}

export interface World {
  /** The environment of every process of this world. */
  env: Record<string, string>;
  /** The temp folder holding HOME (removed by cleanup). */
  dir: string;
  home: string;
  socket: string;
  stateDir: string;
  /** The folder of config.json (XDG_CONFIG_HOME/latchkey; made by writeConfig). */
  configDir: string;
  service: string;
  /** Writes `doc` as the world's config.json (mode 0600, its folder 0700), read by daemons started after. */
  writeConfig(doc: Record<string, unknown>): void;
  /** Runs the built `agent` CLI. */
  agent(args: string[], opts?: { input?: string | Buffer; cwd?: string; env?: Record<string, string>; timeoutMs?: number }): Promise<Result>;
  /** Starts the daemon in the foreground as a child process and waits for its socket to answer. */
  startDaemon(opts?: { env?: Record<string, string> }): Promise<DaemonProcess>;
  /**
   * Lines that report an internal error (a bug: the CLI's `agent: error: internal error`, the daemon's
   * `internal error:` log lines) in everything this world's CLI runs and daemons printed so far, and in
   * its daemon.log.
   */
  internalErrors(): string[];
  /** Stops the world's daemons and removes its folder; then fails if anything in it reported a bug. */
  cleanup(): Promise<void>;
}

/** How an internal error (a bug) shows in the CLI's output and the daemon's log. */
export const INTERNAL_ERROR = /\binternal error\b/;

export interface DaemonProcess {
  child: ChildProcess;
  pid: number;
  /** Everything the daemon wrote on stderr so far. */
  output(): string;
  /** Resolves with the exit code/signal. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

let counter = 0;

/**
 * A fresh world. With a keyring, the daemon uses the real Secret Service under a keychain service name
 * unique to this world; without one, the memory store.
 */
export function makeWorld(keyring?: Keyring, extraEnv: Record<string, string> = {}, options: { allowInternalErrors?: boolean } = {}): World {
  const dir = mkdtempSync(join(tmpdir(), 'lk-w-'));
  const home = join(dir, 'home');
  mkdirSync(home, { mode: 0o700 });
  const runtime = join(dir, 'run');
  mkdirSync(runtime, { mode: 0o700 });
  const service = `latchkey-test-${process.pid}-${++counter}`;
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    LANG: 'C.UTF-8',
    ...(keyring ? keyring.env : {}),
    HOME: home,
    XDG_RUNTIME_DIR: runtime,
    XDG_STATE_HOME: join(home, '.local', 'state'),
    XDG_CONFIG_HOME: join(home, '.config'),
    LATCHKEY_KEYCHAIN_SERVICE: service,
    LATCHKEY_STORE: keyring ? 'keychain' : 'memory',
    ...extraEnv,
  };
  const socket = join(runtime, 'latchkey', 'agent.sock');
  const stateDir = join(home, '.local', 'state', 'latchkey');
  const configDir = join(home, '.config', 'latchkey');
  const daemons: DaemonProcess[] = [];
  const printed: string[] = [];
  const internalErrors = () =>
    [...printed, ...daemons.map((d) => d.output()), readDaemonLog(stateDir)]
      .flatMap((text) => text.split('\n'))
      .filter((line) => INTERNAL_ERROR.test(line));

  const world: World = {
    env,
    dir,
    home,
    socket,
    stateDir,
    configDir,
    service,
    writeConfig(doc) {
      mkdirSync(configDir, { recursive: true, mode: 0o700 });
      writeFileSync(join(configDir, 'config.json'), JSON.stringify(doc), { mode: 0o600 });
    },
    async agent(args, opts = {}) {
      const r = await run(cliNode(), ['--', CLI, ...args], { env: { ...env, ...opts.env }, cwd: opts.cwd ?? home, input: opts.input, timeoutMs: opts.timeoutMs });
      printed.push(r.stdout, r.stderr);
      return r;
    },
    internalErrors,
    async startDaemon(opts = {}) {
      const d = spawnDaemon({ ...env, ...opts.env });
      daemons.push(d);
      await waitForSocket(opts.env?.LATCHKEY_SOCKET ?? socket, d);
      return d;
    },
    async cleanup() {
      // Stop daemons started by the CLI too (auto-start), through the socket.
      const holder = lockHolderPid(stateDir);
      await run(process.execPath, [CLI, 'daemon', 'stop'], { env, cwd: home, timeoutMs: 10_000 }).catch(() => undefined);
      await Promise.all(daemons.map((d) => d.kill('SIGKILL')));
      // An auto-started daemon finishes its shutdown (last audit records, checkpoint) after it answered
      // the stop: wait for it to be gone before its folder is removed.
      if (holder > 0) await waitFor(() => !alive(holder), 10_000, 20);
      const bugs = options.allowInternalErrors ? [] : internalErrors();
      rmSync(dir, { recursive: true, force: true });
      if (bugs.length > 0) throw new Error(`this world reported internal errors (bugs):\n${bugs.join('\n')}`);
    },
  };
  return world;
}

/** The pid in a state folder's daemon.lock, or 0. */
function lockHolderPid(stateDir: string): number {
  try {
    const pid = Number.parseInt(readFileSync(join(stateDir, 'daemon.lock'), 'utf8').trim(), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : 0;
  } catch {
    return 0;
  }
}

/** Runs a command, collecting its output; kills it after `timeoutMs`. */
export function run(
  cmd: string,
  args: string[],
  opts: { env?: Record<string, string>; cwd?: string; input?: string | Buffer; timeoutMs?: number } = {},
): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: opts.env, cwd: opts.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.stdin.on('error', () => {});
    child.stdin.end(opts.input ?? '');
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 20_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const stdoutBytes = Buffer.concat(out);
      resolve({ code, signal, stdout: stdoutBytes.toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), stdoutBytes });
    });
  });
}

/** Spawns the daemon in the foreground (not detached), logging to the returned buffer. */
export function spawnDaemon(env: Record<string, string>, args: string[] = ['--foreground'], wrapper: string[] = []): DaemonProcess {
  const [cmd, ...pre] = wrapper.length > 0 ? wrapper : [process.execPath];
  const child = spawn(cmd as string, [...pre, ...(wrapper.length > 0 ? [process.execPath] : []), DAEMON, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (b: Buffer) => (output += b.toString()));
  child.stderr?.on('data', (b: Buffer) => (output += b.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return {
    child,
    pid: child.pid ?? -1,
    output: () => output,
    exited,
    async kill(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
    },
  };
}

/** Whether a connect to the socket at `path` succeeds. */
export function canConnect(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = netConnect(path);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/** Waits until the daemon's socket accepts connections, or fails with the daemon's output. */
export async function waitForSocket(path: string, daemon?: DaemonProcess, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await canConnect(path)) return;
    if (daemon && (daemon.child.exitCode !== null || daemon.child.signalCode !== null)) {
      throw new Error(`the daemon exited before serving (${daemon.child.exitCode ?? daemon.child.signalCode}):\n${daemon.output()}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`the daemon did not answer on ${path} within ${timeoutMs} ms:\n${daemon?.output() ?? ''}`);
}

/** Sleeps. */
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---- Helpers for the secrets and security scenarios (appended; the ones above are unchanged). ----

/** Polls `fn` until it returns a truthy value or `timeoutMs` passes; returns the last value. */
export async function waitFor<T>(fn: () => Promise<T> | T, timeoutMs = 10_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v || Date.now() >= deadline) return v;
    await sleep(everyMs);
  }
}

/** Every regular file under `dir` (symlinks, sockets and FIFOs are not followed or read). */
export function filesUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    let entries: Dirent[];
    try {
      entries = readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) out.push(p);
    }
  };
  walk(dir);
  return out;
}

/** The regular files under `dir` whose bytes contain `needle` (as UTF-8), like `grep -rl`. */
export function filesContaining(dir: string, needle: string | Buffer): string[] {
  const n = typeof needle === 'string' ? Buffer.from(needle) : needle;
  return filesUnder(dir).filter((f) => {
    try {
      return readFileSync(f).includes(n);
    } catch {
      return false;
    }
  });
}

/** The records of `audit.jsonl` in `stateDir` (empty when there is none yet). */
export function readAudit(stateDir: string): Array<Record<string, unknown>> {
  let text: string;
  try {
    text = readFileSync(join(stateDir, 'audit.jsonl'), 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** The text of `daemon.log` in `stateDir` ('' when there is none). */
export function readDaemonLog(stateDir: string): string {
  try {
    return readFileSync(join(stateDir, 'daemon.log'), 'utf8');
  } catch {
    return '';
  }
}

/** The pid of the world's running daemon, from `agent daemon status --json` (auto-start is not triggered). */
export async function daemonPid(world: World): Promise<number> {
  const r = await world.agent(['daemon', 'status', '--json']);
  if (r.code !== 0) throw new Error(`agent daemon status failed (${r.code}): ${r.stderr}`);
  return (JSON.parse(r.stdout) as { pid: number }).pid;
}

/** Whether a process with this pid exists and is not a zombie (a killed, detached daemon may wait to be reaped). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  try {
    // /proc/<pid>/stat: "pid (comm) S ...": the state follows the last ')'.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return process.platform !== 'linux';
  }
}

/** A keychain item as secret-tool sees it: the raw password, or undefined when the lookup finds nothing. */
export async function keychainLookup(keyring: Keyring, service: string, account: string): Promise<string | undefined> {
  const r = await keyring.secretTool(['lookup', 'service', service, 'account', account]);
  return r.code === 0 ? r.stdout : undefined;
}

/**
 * The accounts of the secrets of `service`, from `secret-tool search --all` (attributes come on stderr);
 * with `internal`, the daemon's own items (`_latchkey/...`: the audit seal and checkpoint) too.
 */
export async function keychainAccounts(keyring: Keyring, service: string, opts: { internal?: boolean } = {}): Promise<string[]> {
  const r = await keyring.secretTool(['search', '--all', 'service', service]);
  const text = `${r.stdout}\n${r.stderr}`;
  const all = [...text.matchAll(/^attribute\.account = (.*)$/gm)].map((m) => m[1] as string).sort();
  return opts.internal ? all : all.filter((a) => !a.startsWith('_latchkey/'));
}

// ---- Helpers for the exec scenarios (appended; the ones above are unchanged but for world.agent's node). ----

/**
 * The node binary that runs the CLI: $LATCHKEY_TEST_NODE (e.g. a Node 24 build, to take the execve
 * path of `agent exec`), else the node running the tests. The daemon always runs on the latter.
 */
export function cliNode(): string {
  return process.env.LATCHKEY_TEST_NODE || process.execPath;
}

/** A CLI process left running: its output so far, a way to wait for a line, and its end. */
export interface RunningAgent {
  child: ChildProcess;
  pid: number;
  stdout(): string;
  stderr(): string;
  /** Resolves with the first match of `re` in stdout, or rejects after `timeoutMs` with the output so far. */
  waitForOutput(re: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** The same for stderr. */
  waitForStderr(re: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** Resolves with the exit code/signal once the process has ended and its output is closed. */
  ended: Promise<Result>;
}

/**
 * Starts `agent ARGS...` of `world` without waiting for it. With `detached` (the default) it runs in a
 * session of its own, so no terminal is its controlling terminal, whatever runs the tests.
 */
export function startAgent(
  world: World,
  args: string[],
  opts: { cwd?: string; env?: Record<string, string>; detached?: boolean; command?: [string, ...string[]] } = {},
): RunningAgent {
  const [cmd, ...pre] = opts.command ?? [cliNode(), '--', CLI];
  const child = spawn(cmd, [...pre, ...args], {
    env: { ...world.env, ...opts.env },
    cwd: opts.cwd ?? world.home,
    stdio: ['pipe', 'pipe', 'pipe'],
    detached: opts.detached ?? true,
  });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const waiters = new Set<() => void>();
  let closed = false;
  const stdout = () => Buffer.concat(out).toString('utf8');
  const stderr = () => Buffer.concat(err).toString('utf8');
  child.stdout?.on('data', (b: Buffer) => {
    out.push(b);
    for (const w of waiters) w();
  });
  child.stderr?.on('data', (b: Buffer) => {
    err.push(b);
    for (const w of waiters) w();
  });
  child.stdin?.on('error', () => {});
  const ended = new Promise<Result>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      closed = true;
      for (const w of waiters) w();
      const stdoutBytes = Buffer.concat(out);
      resolve({ code, signal, stdout: stdoutBytes.toString('utf8'), stderr: stderr(), stdoutBytes });
    });
  });
  const waitOn = (text: () => string, re: RegExp, timeoutMs: number) =>
    new Promise<RegExpMatchArray>((resolve, reject) => {
      const check = () => {
        const m = text().match(re);
        if (m) {
          done();
          resolve(m);
        } else if (closed) {
          done();
          reject(new Error(`agent ended (${child.exitCode ?? child.signalCode}) before printing ${re}:\n${stdout()}\n${stderr()}`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`agent printed no ${re} within ${timeoutMs} ms:\n${stdout()}\n${stderr()}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        waiters.delete(check);
      };
      waiters.add(check);
      check();
    });
  const waitForOutput = (re: RegExp, timeoutMs = 10_000) => waitOn(stdout, re, timeoutMs);
  const waitForStderr = (re: RegExp, timeoutMs = 10_000) => waitOn(stderr, re, timeoutMs);
  return { child, pid: child.pid ?? -1, stdout, stderr, waitForOutput, waitForStderr, ended };
}
