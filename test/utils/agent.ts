// Helpers for end-to-end tests: a fresh world per test (HOME, XDG dirs, keychain service), the built CLI
// run as a subprocess, and the daemon started as a real process on a temp socket.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect as netConnect } from 'node:net';
import type { Keyring } from './keyring.js';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The built CLI entry (`pnpm build` first). */
export const CLI = join(ROOT, 'packages/cli/bin/run.js');
/** The built daemon entry. */
export const DAEMON = join(ROOT, 'packages/daemon/dist/main.js');

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
  service: string;
  /** Runs the built `agent` CLI. */
  agent(args: string[], opts?: { input?: string | Buffer; cwd?: string; env?: Record<string, string>; timeoutMs?: number }): Promise<Result>;
  /** Starts the daemon in the foreground as a child process and waits for its socket to answer. */
  startDaemon(opts?: { env?: Record<string, string> }): Promise<DaemonProcess>;
  cleanup(): Promise<void>;
}

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
export function makeWorld(keyring?: Keyring, extraEnv: Record<string, string> = {}): World {
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
  const daemons: DaemonProcess[] = [];

  const world: World = {
    env,
    dir,
    home,
    socket,
    stateDir,
    service,
    agent: (args, opts = {}) => run(process.execPath, [CLI, ...args], { env: { ...env, ...opts.env }, cwd: opts.cwd ?? home, input: opts.input, timeoutMs: opts.timeoutMs }),
    async startDaemon(opts = {}) {
      const d = spawnDaemon({ ...env, ...opts.env });
      daemons.push(d);
      await waitForSocket(opts.env?.LATCHKEY_SOCKET ?? socket, d);
      return d;
    },
    async cleanup() {
      // Stop daemons started by the CLI too (auto-start), through the socket.
      await run(process.execPath, [CLI, 'daemon', 'stop'], { env, cwd: home, timeoutMs: 10_000 }).catch(() => undefined);
      await Promise.all(daemons.map((d) => d.kill('SIGKILL')));
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return world;
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
