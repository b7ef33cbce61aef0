// SECURITY 41 end to end, the parts approval-gate.test.ts does not cover: the first (cold) parse of a
// 256 KiB manifest in a fresh daemon, timed by the daemon itself, and manifests whose listing or
// resolved environment cannot fit the 64 KiB reply (before: "Sent message larger than max" from grpc-js,
// after the manifest was already approved).
//
// The time is the CPU time of the daemon's one thread (what keeps other clients waiting), which the
// daemon logs for every manifest of 64 KiB or more. It is asserted rather than left to a benchmark: on
// this machine's 2 shared cores the wall clock of a parse swings with whatever else runs, while the
// CPU time of the parsing thread does not (time spent waiting for a core is not counted in it).
import { existsSync, mkdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AgentConnection } from '@latchkey/client';
import { describe, expect, it } from 'vitest';
import { readDaemonLog, useWorlds, type World } from '@latchkey/test-utils';

const SIZE = 256 * 1024;

/** Whole lines of `line(i)` up to 256 KiB. */
function manifestOf(line: (i: number) => string): string {
  let text = '';
  for (let i = 0; ; i++) {
    const next = line(i);
    if (text.length + next.length > SIZE) return text;
    text += next;
  }
}

/** The daemon's own figure for its parse of `path`: ms of its thread's CPU time. */
function parseTimes(w: World, path: string): number[] {
  const re = new RegExp(`parsed manifest ${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\((\\d+) bytes, (\\d+) variables\\) in ([\\d.]+) ms of the daemon's thread`, 'g');
  return [...readDaemonLog(w.stateDir).matchAll(re)].map((m) => Number(m[3]));
}

describe('SECURITY 41: the daemon’s own parse time, and manifests too large for one reply', { timeout: 120_000 }, () => {
  const freshWorld = useWorlds({ each: true });
  const fresh = async (): Promise<World> => {
    const w = freshWorld();
    await w.startDaemon();
    return w;
  };
  const project = (w: World, text: string): string => {
    const dir = join(w.dir, 'big');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'agent.env'), text);
    return realpathSync(dir);
  };

  it.each([
    ['5,600 secret references with owner and desc', (i: number) => `VAR_${i}=agent://secret-${i}?owner=team&desc=d\n`],
    ['4,200 temp/jwt references with claims', (i: number) => `T_${i}=agent://temp/jwt?signer=s&sub=u&claim.role=r${i}&ttl=10m\n`],
    ['12,000 literals', (i: number) => `LIT_${i}=value-${i}\n`],
  ])('41. the first parse of 256 KiB of %s in a fresh daemon takes under 50 ms of the daemon’s thread', async (label, line) => {
    const w = await fresh();
    const text = manifestOf(line);
    expect(Buffer.byteLength(text)).toBeGreaterThan(SIZE - 100);
    const dir = project(w, text);
    await w.agent(['allow', '--json'], { cwd: dir });
    const [cold] = parseTimes(w, join(dir, 'agent.env'));
    expect(cold, readDaemonLog(w.stateDir)).toBeDefined();
    expect(cold!).toBeLessThan(50);
    console.log(`cold parse of 256 KiB of ${label}: ${cold} ms of the daemon's thread`);
  });

  it('41. a manifest whose listing cannot fit one reply: allow, allow --json and onboard --check exit 65 naming it, and it is not approved', async () => {
    const w = await fresh();
    const dir = project(w, manifestOf((i) => `VAR_${i}=agent://secret-${i}?owner=team&desc=d\n`));
    const manifest = join(dir, 'agent.env');
    for (const args of [['allow'], ['allow', '--json'], ['onboard', '--check']]) {
      const r = await w.agent(args, { cwd: dir });
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(65);
      expect(r.stderr).toContain(`agent: error: manifest ${manifest} is too large to list: its 5624 variables take more than the 64 KiB one reply carries`);
      expect(r.stderr).toContain('agent: hint: split it into smaller manifests');
      expect(r.stderr).not.toContain('Sent message larger than max');
    }
    // A client that skips the listing and asks to approve it directly is refused the same way, and
    // nothing is recorded as approved.
    const conn = new AgentConnection(w.socket);
    try {
      await expect(conn.allowManifest(manifest)).rejects.toMatchObject({ kind: 'input', exitCode: 65 });
      expect((await conn.status()).pid).toBeGreaterThan(0);
    } finally {
      conn.close();
    }
    const approvals = join(w.stateDir, 'approvals.json');
    expect(existsSync(approvals) ? readFileSync(approvals, 'utf8') : '').not.toContain(manifest);
  });

  it('41. a manifest whose values cannot fit one reply: agent exec exits 65 naming it, not "larger than max"', async () => {
    const w = await fresh();
    for (const name of ['big-a', 'big-b']) {
      const set = await w.agent(['set', name, '--ttl', '1h'], { input: 'x'.repeat(40 * 1024) });
      expect(set.code, set.stderr).toBe(0);
    }
    const dir = project(w, 'A=agent://big-a\nB=agent://big-b\n');
    expect((await w.agent(['allow'], { cwd: dir })).code).toBe(0);
    const r = await w.agent(['exec', '--', 'true'], { cwd: dir });
    expect(r.code, r.stderr).toBe(65);
    expect(r.stderr).toContain(`agent: error: the variables of ${join(dir, 'agent.env')} take more than the 64 KiB one reply carries`);
    expect(r.stderr).not.toContain('xxxx');
  });
});
