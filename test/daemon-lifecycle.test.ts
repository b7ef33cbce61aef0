// SECURITY.md tests 1-10 (socket and lifecycle, malformed input) end to end: the built daemon as a real
// process, the built CLI as a subprocess, a client of another uid through setpriv. Plus the daemon
// commands (status --json, stop) and a socket deleted or replaced under a running daemon.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  unlinkSync,
  watch,
  writeFileSync,
  type Stats,
} from 'node:fs';
import { connect as netConnect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import * as grpc from '@grpc/grpc-js';
import { probe } from '@latchkey/client';
import { MAX_SOCKET_PATH, VERSION } from '@latchkey/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { alive, canConnect, rawAgent, readAudit, ROOT, run, sleep, spawnDaemon, useWorlds, waitFor, waitForSocket, withClient, type DaemonProcess, type World } from '@latchkey/test-utils';

/** The uid/gid of "nobody", used as the other local user. */
const OTHER_UID = 65534;

/** A fresh memory-store world, cleaned up after the test (once its extra daemons are killed). */
const world = useWorlds({ each: true });
const extraDaemons: DaemonProcess[] = [];
const tempDirs: string[] = [];

/** A daemon spawned in `w` that the test waits on itself (it may exit at once). */
function spawnIn(w: World, env: Record<string, string> = {}): DaemonProcess {
  const d = spawnDaemon({ ...w.env, ...env });
  extraDaemons.push(d);
  return d;
}

/** Resolves with the daemon's exit, or fails after `ms` (a bound for a hang, not a timing rule). */
async function exitOf(d: DaemonProcess, ms = 20_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`daemon ${d.pid} did not exit within ${ms} ms:\n${d.output()}`)), ms);
  });
  try {
    return await Promise.race([d.exited, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** lstat, or undefined when nothing is there. */
function lstatOrNone(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** Whether the process is still running. */
function running(d: DaemonProcess): boolean {
  return d.child.exitCode === null && d.child.signalCode === null;
}

/** A folder for scripts run as another uid: world-readable, removed after the test. */
function publicTempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'lk-pub-'));
  chmodSync(dir, 0o755);
  tempDirs.push(dir);
  return dir;
}

afterEach(async () => {
  await Promise.all(extraDaemons.splice(0).map((d) => d.kill('SIGKILL')));
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('1. the socket folder is checked', () => {
  it('refuses a folder with mode 0755, names it, creates no socket', async () => {
    const w = world();
    const folder = dirname(w.socket);
    mkdirSync(folder);
    chmodSync(folder, 0o755);
    const d = spawnIn(w);
    const { code } = await exitOf(d);
    expect(code).toBe(77);
    expect(d.output()).toContain(`agent: error: socket folder ${folder} has mode 0755`);
    expect(lstatOrNone(w.socket)).toBeUndefined();
    expect(readdirSync(folder)).toEqual([]);
  });

  it('refuses a 0700 folder owned by another uid, names it, creates no socket', async () => {
    const w = world();
    const folder = dirname(w.socket);
    mkdirSync(folder, { mode: 0o700 });
    chownSync(folder, OTHER_UID, OTHER_UID);
    const d = spawnIn(w);
    const { code } = await exitOf(d);
    expect(code).toBe(77);
    expect(d.output()).toContain(`agent: error: socket folder ${folder} is owned by uid ${OTHER_UID}`);
    // We run as root: without the check the bind would have succeeded in there.
    expect(readdirSync(folder)).toEqual([]);
  });
});

describe('2. a symlinked socket folder', () => {
  it('is refused, and nothing is created at its target', async () => {
    const w = world();
    const folder = dirname(w.socket);
    const target = join(w.dir, 'elsewhere');
    mkdirSync(target, { mode: 0o700 });
    symlinkSync(target, folder);
    const d = spawnIn(w);
    const { code } = await exitOf(d);
    expect(code).toBe(77);
    expect(d.output()).toContain(`agent: error: socket folder ${folder} is a symlink`);
    expect(readdirSync(target)).toEqual([]);
    expect(lstatSync(folder).isSymbolicLink()).toBe(true);
    expect(readlinkSync(folder)).toBe(target);
  });
});

/** A child process polling lstat of the socket (and its folder) in a tight synchronous loop. */
const WATCHER = `
const fs = require('node:fs');
const [sock, dir, maxMs] = process.argv.slice(1);
const modes = {}; const dirModes = {};
let seen = 0, seenAt = 0, polls = 0;
const deadline = Date.now() + Number(maxMs);
fs.writeSync(1, 'ready\\n');
while (Date.now() < deadline) {
  polls++;
  try {
    const st = fs.lstatSync(sock);
    const key = (st.isSocket() ? 's' : 'x') + (st.mode & 0o7777).toString(8);
    modes[key] = (modes[key] || 0) + 1;
    if (!seen) seenAt = Date.now();
    seen++;
  } catch {}
  try {
    const d = fs.lstatSync(dir);
    const key = (d.mode & 0o7777).toString(8);
    dirModes[key] = (dirModes[key] || 0) + 1;
  } catch {}
  if (seen && Date.now() - seenAt > 300) break;
}
fs.writeSync(1, JSON.stringify({ modes, dirModes, seen, polls }) + '\\n');
`;

interface WatchResult {
  modes: Record<string, number>;
  dirModes: Record<string, number>;
  seen: number;
  polls: number;
}

/** Starts the watcher and resolves once it polls; `result` resolves with what it saw. */
async function startWatcher(socket: string): Promise<{ result: Promise<WatchResult> }> {
  const child = spawn(process.execPath, ['-e', WATCHER, socket, dirname(socket), '15000'], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  let onReady!: () => void;
  const ready = new Promise<void>((r) => (onReady = r));
  child.stdout.on('data', (b: Buffer) => {
    out += b.toString();
    if (out.includes('ready\n')) onReady();
  });
  const result = new Promise<WatchResult>((resolve, reject) => {
    child.on('close', () => {
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) resolve(JSON.parse(line) as WatchResult);
      else reject(new Error(`the watcher printed no result: ${out}`));
    });
  });
  await ready;
  return { result };
}

/**
 * Records inotify events (fs.watch) in `dir`: a `change` on an entry is a chmod/chown/utimes of it.
 * `barrier()` creates a marker file there and resolves once its event arrives: inotify delivers in order,
 * so every event from before the barrier has arrived by then.
 */
function watchEvents(dir: string): { events: Array<[string, string]>; barrier: () => Promise<void>; close: () => void } {
  const events: Array<[string, string]> = [];
  const waiting = new Map<string, () => void>();
  const w = watch(dir, (type, name) => {
    const entry = String(name);
    const done = waiting.get(entry);
    if (done) {
      waiting.delete(entry);
      done();
      return;
    }
    events.push([type, entry]);
  });
  let n = 0;
  const barrier = () =>
    new Promise<void>((resolve) => {
      const marker = `.barrier-${process.pid}-${++n}`;
      waiting.set(marker, () => {
        rmSync(join(dir, marker), { force: true });
        resolve();
      });
      writeFileSync(join(dir, marker), '');
    });
  return { events, barrier, close: () => w.close() };
}

describe('3. the socket is private from its first moment', () => {
  it('every lstat of the socket, polled in a tight loop while the daemon starts, shows 0600; nothing chmods it', { timeout: 90_000 }, async () => {
    const w = world();
    const folder = dirname(w.socket);
    for (let round = 0; round < 5; round++) {
      // Round 0: the daemon creates the folder too (watched from its parent); later rounds reuse it.
      const created = !existsSync(folder);
      const inotify = watchEvents(created ? dirname(folder) : folder);
      const poller = await startWatcher(w.socket);
      const d = await w.startDaemon();
      const seen = await poller.result;
      await inotify.barrier();
      inotify.close();
      expect(seen.seen, `round ${round}: the poller never saw the socket`).toBeGreaterThan(0);
      expect(seen.modes, `round ${round}`).toEqual({ s600: seen.seen });
      for (const mode of Object.keys(seen.dirModes)) expect(mode, `round ${round}: folder mode`).toBe('700');
      // The poller can miss a short window; inotify cannot: a mode fixed after creation shows as a `change`.
      const entry = created ? 'latchkey' : 'agent.sock';
      expect(inotify.events, `round ${round}`).toContainEqual(['rename', entry]);
      expect(inotify.events.filter(([type, name]) => type === 'change' && name === entry), `round ${round}: chmod after creation`).toEqual([]);
      await d.kill('SIGTERM');
      expect(running(d)).toBe(false);
      expect(lstatOrNone(w.socket), `round ${round}: socket left after SIGTERM`).toBeUndefined();
    }
  });
});

/** Run as another uid: tries a raw connect and a gRPC Status call on the socket, prints JSON. */
const OTHER_USER_CLIENT = `
import net from 'node:net';
import { createRequire } from 'node:module';
const [sock, protocolPkg] = process.argv.slice(2);
const require = createRequire(protocolPkg);
const grpc = require('@grpc/grpc-js');
const { loadProto } = await import(new URL('./dist/proto-loader.js', 'file://' + protocolPkg).href);

function raw() {
  return new Promise((resolve) => {
    const s = net.connect(sock);
    let connectedAt = 0, data = 0, code;
    s.on('connect', () => { connectedAt = Date.now(); s.write('PRI * HTTP/2.0\\r\\n\\r\\nSM\\r\\n\\r\\n'); });
    s.on('data', (b) => { data += b.length; });
    s.on('error', (err) => { code = err.code; });
    s.on('close', () => resolve(connectedAt ? { connected: true, closedAfterMs: Date.now() - connectedAt, data } : { connected: false, code, data }));
    setTimeout(() => { s.destroy(); resolve({ connected: connectedAt > 0, stillOpen: true, data }); }, 15000);
  });
}

function call() {
  return new Promise((resolve) => {
    const Agent = loadProto().latchkey.v1.Agent;
    const client = new Agent('unix://' + sock, grpc.credentials.createInsecure());
    client.status({}, { deadline: Date.now() + 3000 }, (err, res) => {
      client.close();
      resolve(err ? { ok: false, code: err.code } : { ok: true, pid: res.pid });
    });
  });
}

const result = { uid: process.getuid(), raw: await raw(), grpc: await call() };
process.stdout.write(JSON.stringify(result) + '\\n');
`;

describe('4. a client of another uid', () => {
  it('cannot connect through the 0700 folder; forced open, it is dropped by the uid check and audited', { timeout: 60_000 }, async () => {
    const w = world();
    // Let the other user walk down to the socket folder, so that the folder is what stops it.
    chmodSync(w.dir, 0o711);
    chmodSync(dirname(dirname(w.socket)), 0o711);
    const d = await w.startDaemon();
    expect(lstatSync(dirname(w.socket)).mode & 0o777).toBe(0o700);

    const pub = publicTempDir();
    const script = join(pub, 'other-user-client.mjs');
    writeFileSync(script, OTHER_USER_CLIENT, { mode: 0o644 });
    const asOther = async () => {
      const r = await run('setpriv', [`--reuid=${OTHER_UID}`, `--regid=${OTHER_UID}`, '--clear-groups', process.execPath, script, w.socket, join(ROOT, 'packages/protocol/package.json')], {
        env: { PATH: w.env.PATH ?? '/usr/bin:/bin', HOME: pub },
        cwd: pub,
      });
      expect(r.code, r.stderr).toBe(0);
      return JSON.parse(r.stdout) as {
        uid: number;
        raw: { connected: boolean; code?: string; closedAfterMs?: number; stillOpen?: boolean; data: number };
        grpc: { ok: boolean; code?: number };
      };
    };

    const closed = await asOther();
    expect(closed.uid).toBe(OTHER_UID);
    expect(closed.raw).toEqual({ connected: false, code: 'EACCES', data: 0 });
    expect(closed.grpc.ok).toBe(false);

    // Forced open by us (never by the daemon): the kernel lets the connect through, the uid check must not.
    chmodSync(dirname(w.socket), 0o711);
    chmodSync(w.socket, 0o666);
    const open = await asOther();
    // Connected, then closed by the daemon at once, before a single byte of HTTP/2 came back.
    expect(open.raw.connected).toBe(true);
    expect(open.raw.stillOpen).toBeUndefined();
    expect(open.raw.data).toBe(0);
    expect(open.raw.closedAfterMs).toBeGreaterThanOrEqual(0);
    // The uid check closes it when it is accepted; the preface timer (5 s) would close it too, later.
    expect(open.raw.closedAfterMs).toBeLessThan(5000);
    expect(open.grpc).toEqual({ ok: false, code: grpc.status.UNAVAILABLE });

    // Our uid is still served by the same daemon.
    expect(running(d)).toBe(true);
    const status = await w.agent(['daemon', 'status', '--json']);
    expect(status.code, status.stderr).toBe(0);
    expect(JSON.parse(status.stdout).pid).toBe(d.pid);

    // Every dropped connection was audited (one raw, at least one gRPC attempt).
    const refusals = () => readAudit(w.stateDir).filter((r) => r.event === 'connect' && r.outcome === 'refused');
    expect(await waitFor(() => refusals().length >= 2, 20_000, 50)).toBe(true);
    const refused = refusals();
    for (const r of refused) expect(r.uid).toBe(OTHER_UID);
    expect(d.output()).toContain(`refused a connection from uid ${OTHER_UID}`);
  });
});

/** Spawns a daemon in `w` and measures spawn to accepted connect, and spawn to the first answered Status. */
async function timedStart(w: World): Promise<{ d: DaemonProcess; connectMs: number; serveMs: number; pid: number }> {
  const t0 = performance.now();
  const d = spawnIn(w);
  let connectMs = -1;
  for (;;) {
    if (!running(d)) throw new Error(`the daemon exited:\n${d.output()}`);
    if (performance.now() - t0 > 10_000) throw new Error(`the daemon did not serve within 10 s:\n${d.output()}`);
    if (connectMs < 0 && (await canConnect(w.socket))) connectMs = performance.now() - t0;
    const status = connectMs >= 0 ? await probe(w.socket, 500) : undefined;
    if (status) return { d, connectMs, serveMs: performance.now() - t0, pid: status.pid };
    await sleep(5);
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

describe('5. kill -9 and start again', () => {
  it('cleans up the stale socket and serves as fast as a clean start; a CLI command auto-starts a daemon after kill -9', { timeout: 120_000 }, async () => {
    const w = world();
    // A second world, started at the same moment with no socket at all: the same load for both.
    const clean = world();
    let previous = await w.startDaemon();
    let cleanPrevious: DaemonProcess | undefined;
    const killed: number[] = [];
    const staleMs: number[] = [];
    const overheadMs: number[] = [];
    for (let round = 0; round < 3; round++) {
      await previous.kill('SIGKILL');
      expect(previous.child.signalCode).toBe('SIGKILL');
      killed.push(previous.pid);
      // The stale socket is there, and nobody answers on it.
      expect(lstatSync(w.socket).isSocket()).toBe(true);
      expect(await canConnect(w.socket)).toBe(false);
      await cleanPrevious?.kill('SIGTERM');
      expect(lstatOrNone(clean.socket)).toBeUndefined();

      const [next, fresh] = await Promise.all([timedStart(w), timedStart(clean)]);
      // Serving on the path at all means the stale file was unlinked: a bind over it fails with EADDRINUSE.
      expect(next.pid).toBe(next.d.pid);
      console.log(
        `restart after kill -9 #${round + 1}: connect accepted after ${next.connectMs.toFixed(0)} ms, first Status answered after ` +
          `${next.serveMs.toFixed(0)} ms (a clean start at the same moment: ${fresh.serveMs.toFixed(0)} ms)`,
      );
      staleMs.push(next.serveMs);
      overheadMs.push(next.serveMs - fresh.serveMs);
      previous = next.d;
      cleanPrevious = fresh.d;
    }
    // SECURITY.md says 1 s. Nearly all of it is the daemon's own start (node, grpc-js, proto-loader,
    // koffi): 0.45-0.9 s on this 2-core machine when quiet, 2-2.7 s at a load of 15 with other suites
    // running, so an absolute bound is a benchmark, not a test. What the stale socket may cost is tested
    // against a clean start under the same load (pairs differ by up to ~550 ms at a load of 18): a 1 s
    // probe timeout or lock retry fails this.
    expect(median(overheadMs)).toBeLessThan(700);
    for (const ms of staleMs) expect(ms).toBeLessThan(8000);

    // kill -9 again, then a plain command: no daemon started by hand.
    await previous.kill('SIGKILL');
    killed.push(previous.pid);
    expect(lstatSync(w.socket).isSocket()).toBe(true);
    const t1 = performance.now();
    const ls = await w.agent(['ls']);
    console.log(`agent ls with auto-start after kill -9: ${(performance.now() - t1).toFixed(0)} ms`);
    expect(ls.code, ls.stderr).toBe(0);
    expect(ls.stderr).toContain('no secrets stored');
    const after = await w.agent(['daemon', 'status', '--json']);
    expect(after.code, after.stderr).toBe(0);
    const pid = JSON.parse(after.stdout).pid as number;
    expect(killed).not.toContain(pid);
    expect(() => process.kill(pid, 0)).not.toThrow();
  });
});

describe('6. a second daemon', () => {
  it('exits non-zero saying one is running; the first keeps serving on the same socket', async () => {
    const w = world();
    const first = await w.startDaemon();
    const ino = lstatSync(w.socket).ino;
    const second = spawnIn(w);
    const { code } = await exitOf(second);
    expect(code).toBe(69);
    expect(second.output()).toContain(`agent: error: a daemon is already running (pid ${first.pid})`);
    expect(running(first)).toBe(true);
    expect(lstatSync(w.socket).ino).toBe(ino);
    const status = await w.agent(['daemon', 'status', '--json']);
    expect(status.code, status.stderr).toBe(0);
    expect(JSON.parse(status.stdout).pid).toBe(first.pid);
    // `agent daemon start` leaves the running one alone.
    const start = await w.agent(['daemon', 'start']);
    expect(start.code).toBe(0);
    expect(start.stderr).toContain(`daemon already running (pid ${first.pid})`);
  });
});

describe('6b. a live socket of another server at the path', () => {
  it('is never unlinked: a daemon with its own lock (another state folder) exits non-zero, the first keeps serving', async () => {
    const w = world();
    const first = await w.startDaemon();
    const ino = lstatSync(w.socket).ino;
    // Another state folder means another lock: only the connect probe stands between it and an unlink.
    const second = spawnIn(w, { XDG_STATE_HOME: join(w.dir, 'other-state') });
    const { code } = await exitOf(second);
    expect(code).toBe(69);
    expect(second.output()).toContain(`agent: error: another server is listening on ${w.socket}`);
    expect(lstatSync(w.socket).ino).toBe(ino);
    expect((await probe(w.socket))?.pid).toBe(first.pid);
  });
});

describe('7. ten daemons at once', () => {
  it('exactly one serves each time, the nine others exit non-zero; SIGTERM leaves no socket', { timeout: 120_000 }, async () => {
    const w = world();
    for (let round = 0; round < 3; round++) {
      const ds = Array.from({ length: 10 }, () => spawnIn(w));
      // Wait until nine have exited; the tenth must be the one serving.
      const deadline = Date.now() + 30_000;
      while (ds.filter(running).length > 1 && Date.now() < deadline) await sleep(50);
      const alive = ds.filter(running);
      expect(alive.length, `round ${round}: ${ds.map((d) => d.output()).join('\n---\n')}`).toBe(1);
      const winner = alive[0] as DaemonProcess;
      for (const d of ds.filter((x) => x !== winner)) {
        expect(d.child.exitCode, d.output()).toBe(69);
        expect(d.output()).toContain('a daemon is already running');
      }
      await waitForSocket(w.socket, winner);
      const status = await probe(w.socket);
      expect(status?.pid).toBe(winner.pid);
      // Still the one: the losers (all exited, so done with whatever they did) unlinked nothing.
      expect(running(winner)).toBe(true);
      expect((await probe(w.socket))?.pid).toBe(winner.pid);

      await winner.kill('SIGTERM');
      expect(winner.child.exitCode).toBe(0);
      expect(lstatOrNone(w.socket), `round ${round}: orphaned socket`).toBeUndefined();
      expect(readdirSync(dirname(w.socket))).toEqual([]);
    }
  });
});

/** Pids of live daemon processes (the built entry) whose environment has `XDG_RUNTIME_DIR=runtime`. */
function daemonsOf(runtime: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (!readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes('packages/daemon/dist/latchkey-daemon.js')) continue;
      if (readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0').includes(`XDG_RUNTIME_DIR=${runtime}`)) pids.push(Number(entry));
    } catch {
      // gone, or not ours
    }
  }
  return pids;
}

describe('7b. ten auto-starts at once', () => {
  it('ten CLI commands with no daemon all succeed, and exactly one daemon is left serving', { timeout: 180_000 }, async () => {
    const w = world();
    for (let round = 0; round < 2; round++) {
      const results = await Promise.all(Array.from({ length: 10 }, () => w.agent(['ls'], { timeoutMs: 60_000 })));
      // Before the fix in discover.ts a command whose own daemon lost the lock race gave up after 1.5 s
      // ("the daemon did not start ...: a daemon is already running") while the winner was still starting.
      for (const r of results) expect(r.code, `round ${round}: ${r.stderr}`).toBe(0);
      const status = await w.agent(['daemon', 'status', '--json']);
      expect(status.code, status.stderr).toBe(0);
      const pid = JSON.parse(status.stdout).pid as number;
      expect(daemonsOf(w.env.XDG_RUNTIME_DIR as string)).toEqual([pid]);
      const stop = await w.agent(['daemon', 'stop']);
      expect(stop.code, stop.stderr).toBe(0);
      expect(alive(pid)).toBe(false);
      expect(lstatOrNone(w.socket)).toBeUndefined();
    }
  });
});

describe('7c. auto-start while another daemon holds the lock but does not serve yet', () => {
  it('the command waits for that daemon instead of giving up when its own daemon loses the lock', { timeout: 60_000 }, async () => {
    // The real case: LATCHKEY_STORE=auto waits up to 3 s for the keychain after taking the lock. Here the
    // first daemon gets a D-Bus that never answers (so it sits on the lock for 3 s), is frozen (SIGSTOP)
    // once it holds the lock, and is thawed only well after the daemon spawned by the command has lost
    // the lock race and exited.
    const w = world();
    const held: Socket[] = [];
    const bus = createServer((c) => {
      c.on('error', () => {});
      held.push(c);
    });
    await new Promise<void>((r) => bus.listen(join(w.dir, 'bus'), r));
    const slow = spawnIn(w, { LATCHKEY_STORE: 'auto', DBUS_SESSION_BUS_ADDRESS: `unix:path=${join(w.dir, 'bus')}` });
    const lockFile = join(w.stateDir, 'daemon.lock');
    const holdsLock = () => existsSync(lockFile) && readFileSync(lockFile, 'utf8').trim() === String(slow.pid);
    for (let i = 0; i < 2000 && !holdsLock() && running(slow); i++) await sleep(5);
    expect(holdsLock(), slow.output()).toBe(true);
    slow.child.kill('SIGSTOP');
    try {
      const ls = w.agent(['ls'], { timeoutMs: 30_000 });
      const logFile = join(w.stateDir, 'daemon.log');
      const lost = () => existsSync(logFile) && readFileSync(logFile, 'utf8').includes(`a daemon is already running (pid ${slow.pid})`);
      expect(await waitFor(lost, 30_000, 50), 'the daemon spawned by the command did not lose the lock race').toBe(true);
      await sleep(2000);
      slow.child.kill('SIGCONT');
      const r = await ls;
      expect(r.code, r.stderr).toBe(0);
      expect((await probe(w.socket))?.pid).toBe(slow.pid);
    } finally {
      slow.child.kill('SIGCONT');
      for (const c of held) c.destroy();
      bus.close();
    }
  });
});

describe('8. something else at the socket path', () => {
  const cases: Array<[string, (w: World) => { check: () => void }]> = [
    [
      'a regular file',
      (w) => {
        writeFileSync(w.socket, 'not a socket\n', { mode: 0o600 });
        const ino = lstatSync(w.socket).ino;
        return {
          check: () => {
            const st = lstatSync(w.socket);
            expect(st.isFile()).toBe(true);
            expect(st.ino).toBe(ino);
            expect(readFileSync(w.socket, 'utf8')).toBe('not a socket\n');
          },
        };
      },
    ],
    [
      'a FIFO',
      (w) => {
        const r = spawnSync('mkfifo', ['-m', '600', w.socket]);
        return {
          check: () => {
            expect(r.status).toBe(0);
            const st = lstatSync(w.socket);
            expect(st.isFIFO()).toBe(true);
            expect(st.mode & 0o777).toBe(0o600);
          },
        };
      },
    ],
    [
      'a symlink',
      (w) => {
        const target = join(w.dir, 'target-file');
        writeFileSync(target, 'target\n');
        symlinkSync(target, w.socket);
        return {
          check: () => {
            expect(lstatSync(w.socket).isSymbolicLink()).toBe(true);
            expect(readlinkSync(w.socket)).toBe(target);
            expect(readFileSync(target, 'utf8')).toBe('target\n');
          },
        };
      },
    ],
  ];

  for (const [what, make] of cases) {
    it(`refuses to remove ${what}, exits non-zero naming the path`, async () => {
      const w = world();
      mkdirSync(dirname(w.socket), { mode: 0o700 });
      const thing = make(w);
      const d = spawnIn(w);
      const { code } = await exitOf(d);
      expect(code).toBe(64);
      expect(d.output()).toContain(`agent: error: ${w.socket} is ${what}, not a socket; refusing to remove it`);
      thing.check();
      expect(readdirSync(dirname(w.socket))).toEqual(['agent.sock']);
    });
  }
});

describe('9. a socket path over the platform limit', () => {
  it('fails with a clear error naming the limit, and binds nothing at a truncated path', async () => {
    const w = world();
    const folder = join(w.dir, 's');
    mkdirSync(folder, { mode: 0o700 });
    const socket = join(folder, `${'a'.repeat(130)}.sock`);
    expect(Buffer.byteLength(socket)).toBeGreaterThan(120);
    const d = spawnIn(w, { LATCHKEY_SOCKET: socket });
    const { code } = await exitOf(d);
    expect(code).toBe(64);
    expect(d.output()).toContain(`agent: error: socket path is ${Buffer.byteLength(socket)} bytes, over the platform limit of ${MAX_SOCKET_PATH}`);
    // A truncated bind would have left a socket with a prefix of the name in this folder.
    expect(readdirSync(folder)).toEqual([]);
    expect(lstatOrNone(socket.slice(0, MAX_SOCKET_PATH))).toBeUndefined();

    // The CLI says the same, through auto-start, and does not hang.
    const ls = await w.agent(['ls'], { env: { LATCHKEY_SOCKET: socket } });
    expect(ls.code).toBe(64);
    expect(ls.stderr).toContain(`over the platform limit of ${MAX_SOCKET_PATH}`);
    expect(readdirSync(folder)).toEqual([]);
  });
});

/** Writes `bytes` on a raw connection; resolves with what came back and whether the daemon closed it. */
function rawExchange(socket: string, bytes: Buffer | string, waitMs = 5000): Promise<{ reply: Buffer; closed: boolean }> {
  return new Promise((resolve, reject) => {
    const s = netConnect(socket);
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      s.destroy();
      resolve({ reply: Buffer.concat(chunks), closed: false });
    }, waitMs);
    s.on('connect', () => s.write(bytes));
    s.on('data', (b: Buffer) => chunks.push(b));
    s.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'ECONNRESET' && err.code !== 'EPIPE') {
        clearTimeout(timer);
        reject(err);
      }
    });
    s.on('close', () => {
      clearTimeout(timer);
      resolve({ reply: Buffer.concat(chunks), closed: true });
    });
  });
}

/** A raw gRPC call with no client-side size cap, so the daemon's cap is what is tested. */
async function uncappedPut(socket: string, value: string): Promise<grpc.ServiceError | undefined> {
  const client = rawAgent(socket, { 'grpc.max_send_message_length': -1, 'grpc.max_receive_message_length': -1 });
  try {
    return (await client.call('putSecret', { name: 'too-big', value, ttlSeconds: 60, source: 'manual' })).err;
  } finally {
    client.close();
  }
}

describe('10. oversized and malformed requests', () => {
  it('refuses a request over the cap, garbage and HTTP/1.1; the daemon stays up and other clients are served', { timeout: 60_000 }, async () => {
    const w = world();
    const d = await w.startDaemon();
    // A client connected before the abuse, and used after it.
    await withClient(w, async (other) => {
      await other.putSecret({ name: 'kept', value: 'kept-value', ttlSeconds: 600 });

      const marker = randomBytes(8).toString('hex');
      const huge = await uncappedPut(w.socket, `${marker}${'x'.repeat(200 * 1024)}`);
      expect(huge?.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
      expect(huge?.details).not.toContain(marker);
      // Under the transport cap but over the 64 KiB value cap: refused by the service.
      const over = await uncappedPut(w.socket, `${marker}${'y'.repeat(64 * 1024)}`);
      expect(over?.code).toBe(grpc.status.INVALID_ARGUMENT);
      expect(over?.details).toContain('over the limit of 65536');
      expect(over?.details).not.toContain(marker);

      // Garbage instead of the HTTP/2 preface.
      const garbage = await rawExchange(w.socket, randomBytes(4096));
      expect(garbage.closed).toBe(true);
      // HTTP/1.1 on the socket: closed, never answered as HTTP/1.
      const http1 = await rawExchange(w.socket, 'GET /latchkey.v1.Agent/ListSecrets HTTP/1.1\r\nHost: localhost\r\nConnection: keep-alive\r\n\r\n');
      expect(http1.closed).toBe(true);
      expect(http1.reply.toString('latin1')).not.toMatch(/^HTTP\/1\./);
      // A valid preface followed by a garbage frame.
      const badFrame = await rawExchange(w.socket, Buffer.concat([Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'), randomBytes(512)]));
      expect(badFrame.closed).toBe(true);

      // A silent connection (half a preface, then nothing) does not hold others up.
      const silent = netConnect(w.socket);
      silent.on('error', () => {});
      silent.write('PRI * HT');
      try {
        expect(running(d)).toBe(true);
        const list = await other.listSecrets();
        expect(list.map((m) => m.name)).toEqual(['kept']);
        expect((await other.getSecret('kept')).value).toBe('kept-value');
        const ls = await w.agent(['ls', '--json']);
        expect(ls.code, ls.stderr).toBe(0);
        expect((JSON.parse(ls.stdout) as Array<{ name: string }>).map((m) => m.name)).toEqual(['kept']);
      } finally {
        silent.destroy();
      }
      expect(d.output()).not.toContain(marker);
      expect(readFileSync(join(w.stateDir, 'daemon.log'), 'utf8')).not.toContain(marker);
    });
    expect(running(d)).toBe(true);
  });

  it('agent set refuses a value over 64 KiB with exit 65, before any daemon is started', async () => {
    const w = world();
    const marker = randomBytes(8).toString('hex');
    for (const size of [64 * 1024 + 1, 200 * 1024]) {
      const set = await w.agent(['set', 'too-big'], { input: `${marker}${'z'.repeat(size - marker.length)}` });
      expect(set.code).toBe(65);
      expect(set.stderr).toContain(`agent: error: the value is ${size} bytes, over the limit of 65536`);
      expect(set.stderr + set.stdout).not.toContain(marker);
    }
    expect(lstatOrNone(w.socket)).toBeUndefined();
    // Exactly 64 KiB is accepted.
    const ok = await w.agent(['set', 'just-fits'], { input: 'k'.repeat(64 * 1024) });
    expect(ok.code, ok.stderr).toBe(0);
  });
});

describe('the daemon commands', () => {
  it('daemon status --json reports pid, socket, store, secrets, uptime and version', async () => {
    const w = world();
    const startedBefore = Date.now();
    const d = await w.startDaemon();
    for (const name of ['one', 'two']) expect((await w.agent(['set', name, '--ttl', '1h'], { input: 'v' })).code).toBe(0);
    const r = await w.agent(['daemon', 'status', '--json']);
    const sinceStart = (Date.now() - startedBefore) / 1000;
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(s).toMatchObject({ running: true, pid: d.pid, socket: w.socket, store: 'memory', secrets: 2, version: VERSION });
    expect(typeof s.uptimeSeconds).toBe('number');
    // Up since the daemon started: more than the sets took, less than the time since it was spawned.
    expect(s.uptimeSeconds as number).toBeGreaterThan(0);
    expect(s.uptimeSeconds as number).toBeLessThanOrEqual(sinceStart);
    expect(s.stateDir).toBe(w.stateDir);
  });

  it('daemon status without a daemon exits 69 and --json says running false', async () => {
    const w = world();
    const r = await w.agent(['daemon', 'status', '--json']);
    expect(r.code).toBe(69);
    expect(JSON.parse(r.stdout)).toEqual({ running: false, socket: w.socket });
    expect(r.stderr).toContain(`agent: error: no daemon is running on ${w.socket}`);
  });

  it('daemon stop stops it and removes the socket', async () => {
    const w = world();
    const d = await w.startDaemon();
    const r = await w.agent(['daemon', 'stop']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`agent: daemon stopped (pid ${d.pid})`);
    // "stopped" means the process has exited (a zombie of this test), not only that its socket is gone.
    expect(alive(d.pid)).toBe(false);
    expect(await exitOf(d)).toEqual({ code: 0, signal: null });
    expect(lstatOrNone(w.socket)).toBeUndefined();
    expect((await w.agent(['daemon', 'status'])).code).toBe(69);
  });
});

// The daemon notices within one 2 s check (at once through its folder's watch) and stops within 1 s
// more: that timing is socket.test.ts's, with fake timers. Here the exit must happen, within a bound
// that only a hang misses on a loaded machine.
const SOCKET_GONE_EXIT_MS = 20_000;

describe('the socket deleted or replaced under a running daemon', () => {
  it('deleted: the daemon exits', async () => {
    const w = world();
    const d = await w.startDaemon();
    unlinkSync(w.socket);
    const t0 = performance.now();
    await exitOf(d, SOCKET_GONE_EXIT_MS);
    console.log(`socket deleted: daemon exited after ${(performance.now() - t0).toFixed(0)} ms`);
    expect(d.output()).toContain('was deleted or replaced');
    expect(lstatOrNone(w.socket)).toBeUndefined();
  });

  it('replaced by a regular file: the daemon exits and leaves the file as it is', async () => {
    const w = world();
    const d = await w.startDaemon();
    unlinkSync(w.socket);
    writeFileSync(w.socket, 'replacement\n', { mode: 0o600 });
    const ino = lstatSync(w.socket).ino;
    await exitOf(d, SOCKET_GONE_EXIT_MS);
    const st = lstatSync(w.socket);
    expect(st.isFile()).toBe(true);
    expect(st.ino).toBe(ino);
    expect(readFileSync(w.socket, 'utf8')).toBe('replacement\n');
  });

  it('replaced by another socket: the daemon exits and the new socket keeps working', async () => {
    const w = world();
    const d = await w.startDaemon();
    unlinkSync(w.socket);
    const other: Server = createServer((c) => {
      c.on('error', () => {});
      c.end('hello');
    });
    await new Promise<void>((r) => other.listen(w.socket, r));
    try {
      const ino = lstatSync(w.socket).ino;
      // Gone, so done with the path: whatever it did to the socket file, it did before it exited.
      await exitOf(d, SOCKET_GONE_EXIT_MS);
      const st = lstatSync(w.socket);
      expect(st.isSocket()).toBe(true);
      expect(st.ino).toBe(ino);
      expect(await canConnect(w.socket)).toBe(true);
    } finally {
      await new Promise((r) => other.close(r));
    }
  });
});
