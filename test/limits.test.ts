// SECURITY 42 and 43 end to end. 43: a real daemon with a lease cap from config.json, flooded with IssueTempKey
// calls by one client. Past the cap every call is refused with RESOURCE_EXHAUSTED (exit 69 and a hint
// from the CLI), the leases under the cap keep working, and the daemon's memory stays bounded.
import { spawn } from 'node:child_process';
import { connect as http2Connect } from 'node:http2';
import { connect as netConnect } from 'node:net';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { AgentConnection } from '@latchkey/client';
import { describe, expect, it } from 'vitest';
import { ROOT, useLab } from '@latchkey/test-utils';

const FLOOD = join(ROOT, 'test/fixtures/flood-connections.mjs');

const CAP = 1000;
const ATTEMPTS = 5_000;

/** The resident set of a process, in MB, from /proc. */
function rssMb(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : Number.NaN;
}

describe('SECURITY 43: active leases beyond the cap', { timeout: 120_000 }, () => {
  const lab = useLab({ store: 'memory', config: { maxLeases: CAP } });

  it('43. are refused with RESOURCE_EXHAUSTED and a hint; the daemon serves the rest and its RSS stays bounded', async () => {
    const { world, daemon, client: conn } = lab;
    const issue = () => conn.issueTempKey({ kind: 'random', ttlSeconds: 600, bindPid: -1 });
    const first = await Promise.all(Array.from({ length: CAP }, issue));
    const atCap = rssMb(daemon.pid);

    let refused = 0;
    let otherErrors = 0;
    let sample: unknown;
    for (let done = 0; done < ATTEMPTS; done += 64) {
      const results = await Promise.allSettled(Array.from({ length: 64 }, issue));
      for (const r of results) {
        if (r.status === 'fulfilled') continue;
        const kind = (r.reason as { kind?: string }).kind;
        if (kind === 'exhausted') refused++;
        else otherErrors++;
        sample ??= r.reason;
      }
    }
    const attempted = Math.ceil(ATTEMPTS / 64) * 64;
    expect(otherErrors).toBe(0);
    expect(refused).toBe(attempted);
    expect(sample).toMatchObject({ kind: 'exhausted', exitCode: 69 });
    expect((sample as { hint?: string }).hint).toContain('agent revoke');
    // Refused calls hold nothing: the daemon stays far from the 350 MB that 100,000 uncapped leases took
    // (garbage not yet collected still counts in RSS, so the bound is loose).
    const after = rssMb(daemon.pid);
    expect(after, `RSS ${atCap.toFixed(0)} MB at the cap, ${after.toFixed(0)} MB after ${attempted} refusals`).toBeLessThan(200);

    // The CLI says so in the agent's voice, with exit 69.
    const cli = await world.agent(['temp', 'random', '--ttl', '1m']);
    expect(cli.code, cli.stderr).toBe(69);
    expect(cli.stderr).toContain('agent: error: too many temporary keys are active');
    expect(cli.stderr).toContain('agent: hint:');

    // Revoking one frees one place; the leases under the cap still introspect as active.
    expect(await conn.revokeLease(first[0]!.leaseId)).toBe(true);
    await expect(issue()).resolves.toHaveProperty('leaseId');
    expect((await conn.introspectTempKey(first[1]!.value)).active).toBe(true);
  });
});

describe('SECURITY 42: connections that never send the HTTP/2 preface', { timeout: 120_000 }, () => {
  const lab = useLab({ store: 'memory' });

  it('42. 20,000 of them from one process are closed within 5 s; a call from another process is served throughout', async () => {
    const { world, client: conn } = lab;
    // The flooder keeps at most 256 connections starting at once; the daemon's per-process cap closes
    // the ones over it at once, and the preface timer the rest.
    // It reports when the last one closed, or at 60 s (a bound for a hang: a loaded machine took 15 s).
    const flood = spawn(process.execPath, [FLOOD, world.socket, '20000', '60000'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    flood.stdout.on('data', (b: Buffer) => (out += b.toString()));
    const ended = new Promise<void>((resolve) => flood.once('close', () => resolve()));
    // While it floods, another process (this one) keeps calling.
    let served = 0;
    let flooding = true;
    void ended.then(() => (flooding = false));
    while (flooding) {
      await conn.status(10_000);
      served++;
      const fresh = new AgentConnection(world.socket); // a new connection each time, too
      await fresh.status(10_000);
      fresh.close();
    }
    const figures = JSON.parse(out) as { opened: number; closed: number; failed: number; lastCloseMs: number; maxLifeMs: number; stillOpen: number };
    expect(figures.opened + figures.failed).toBe(20_000);
    expect(figures.stillOpen, JSON.stringify(figures)).toBe(0);
    // Each closed by its 5 s preface timer, the ones over the per-process cap at once. The 5 s is
    // socket.test.ts's (fake timers); here a connection must not outlive it by more than a loaded
    // machine's lag (5.4 s seen at a load of 22), and one the timer missed would stay open to the end.
    console.log(`20,000 silent connections: the longest stayed open ${figures.maxLifeMs} ms, the last closed after ${figures.lastCloseMs} ms`);
    expect(figures.maxLifeMs, JSON.stringify(figures)).toBeLessThan(20_000);
    expect(served).toBeGreaterThan(0);
  });
});

describe('a connection with no call open for connectionIdle (config.json) is closed', { timeout: 60_000 }, () => {
  const lab = useLab({ store: 'memory', config: { connectionIdle: '1s' } });

  /** How many sockets the daemon holds open (its listening socket and its connections among them). */
  const socketsOf = (pid: number): number =>
    readdirSync(`/proc/${pid}/fd`).filter((fd) => {
      try {
        return readlinkSync(`/proc/${pid}/fd/${fd}`).startsWith('socket:');
      } catch {
        return false; // closed meanwhile
      }
    }).length;

  it('an AgentConnection whose connection the daemon closed for idleness calls again over a new one', async () => {
    const { world, daemon } = lab;
    const conn = new AgentConnection(world.socket);
    try {
      expect((await conn.status(10_000)).pid).toBe(daemon.pid);
      const during = socketsOf(daemon.pid);
      // Waits for the event (the daemon's side of the connection gone), polling /proc, at most 20 s.
      const deadline = Date.now() + 20_000;
      let open = during;
      while (open >= during && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 50));
        open = socketsOf(daemon.pid);
      }
      expect(open, 'the daemon closed no connection within 20 s').toBeLessThan(during);
      // The next calls go over a new connection, each answered.
      const results = await Promise.all(Array.from({ length: 20 }, () => conn.status(10_000)));
      expect(results.every((r) => r.pid === daemon.pid)).toBe(true);
    } finally {
      conn.close();
    }
  });

  it('closes it with a GOAWAY once it has had no call for that long since its last one, and serves a new connection after', async () => {
    const { world } = lab;
    const session = http2Connect('http://localhost', { createConnection: () => netConnect(world.socket) });
    session.on('error', () => {});
    try {
      const goaway = new Promise<number>((resolve) => session.once('goaway', () => resolve(Date.now())));
      const call = (path: string, body: Buffer) =>
        new Promise<{ status: string | undefined; at: number }>((resolve, reject) => {
          const stream = session.request({ ':method': 'POST', ':path': path, 'content-type': 'application/grpc', te: 'trailers' });
          let status: string | undefined;
          stream.on('response', (h) => (status ??= h['grpc-status'] as string | undefined));
          stream.on('trailers', (t) => (status = t['grpc-status'] as string | undefined));
          stream.on('error', reject);
          stream.on('close', () => resolve({ status, at: Date.now() }));
          stream.resume();
          stream.end(body);
        });
      const empty = Buffer.alloc(5); // a framed empty message: StatusRequest
      const first = await call('/latchkey.v1.Agent/Status', empty);
      expect(first.status).toBe('0');
      // A second call on the same connection before the idle time runs out restarts the wait.
      const second = await call('/latchkey.v1.Agent/Status', empty);
      expect(second.status).toBe('0');
      const closedAt = await goaway;
      expect(closedAt - second.at).toBeGreaterThanOrEqual(950);
    } finally {
      session.destroy();
    }
    // Another connection is served as before.
    const fresh = new AgentConnection(world.socket);
    try {
      expect((await fresh.status(10_000)).pid).toBe(lab.daemon.pid);
    } finally {
      fresh.close();
    }
  });
});
