// `@latchkey/client/vitest` end to end: a tiny separate vitest project, run as a subprocess against a real
// daemon, gets the keys its config declares in process.env; they are active during the run and inactive
// after it, whether the run ends normally (revoked at teardown) or vitest is killed (its process exited).
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AgentConnection } from '@latchkey/client';
import { describe, expect } from 'vitest';
import { clientProject, labTest, providedKeysConfig, readAudit, runVitest, waitFor, type RunningAgent, type World } from '@latchkey/test-utils';

const test = labTest({ store: 'memory' });

let world: World;
let client: AgentConnection;

interface Seen {
  value: string;
  active: boolean;
  leaseId: string;
  kind: string;
}
interface InnerReport {
  LK_RANDOM: Seen;
  LK_JWT: Seen;
  boundPids: number[];
  workerPid: number;
}

/** The inner test: reads the keys from process.env, asks the daemon about them, writes what it saw. */
const INNER_TEST = `
import { writeFileSync } from 'node:fs';
import { connect } from '@latchkey/client';

test('the declared keys are in process.env and active', async () => {
  const agent = await connect({ autoStart: false });
  try {
    const report = { workerPid: process.pid };
    for (const name of ['LK_RANDOM', 'LK_JWT']) {
      const value = process.env[name] ?? '';
      const i = await agent.introspectTempKey(value);
      report[name] = { value, active: i.active, leaseId: i.leaseId, kind: i.kind };
    }
    const ids = [report.LK_RANDOM.leaseId, report.LK_JWT.leaseId];
    report.boundPids = (await agent.listLeases()).filter((l) => ids.includes(l.leaseId)).map((l) => l.boundPid);
    writeFileSync(process.env.LK_OUT, JSON.stringify(report));
    expect(report.LK_RANDOM.active).toBe(true);
    expect(report.LK_JWT.active).toBe(true);
  } finally {
    agent.close();
  }
  if (process.env.LK_HANG) await new Promise(() => {}); // until killed
}, 600_000);
`;

const KEYS = {
  LK_RANDOM: { kind: 'random', ttl: '2m', params: { bytes: 16, encoding: 'hex' } },
  LK_JWT: { kind: 'jwt', ttl: 120, params: { signer: 'vt-signer', sub: 'vitest', 'claim.suite': 'e2e' } },
};

/** INNER_TEST in a project with `files` (its config, a setup file), run by vitest with `env` added; `out` is where it reports. */
function runInner(files: Record<string, string>, env: Record<string, string> = {}): { run: RunningAgent; out: string } {
  const dir = clientProject(world.dir, { ...files, 'key.test.mjs': INNER_TEST });
  const out = join(dir, 'report.json');
  return { run: runVitest(world, dir, { LK_OUT: out, ...env }), out };
}

function checkReport(report: InnerReport, vitestPid: number): void {
  expect(report.LK_RANDOM).toMatchObject({ active: true, kind: 'random' });
  expect(report.LK_RANDOM.value).toMatch(/^[0-9a-f]{32}$/);
  expect(report.LK_JWT).toMatchObject({ active: true, kind: 'jwt' });
  expect(report.LK_JWT.value.split('.')).toHaveLength(3);
  // Minted in vitest's main process and bound to it, not to the worker that ran the test.
  expect(report.boundPids).toEqual([vitestPid, vitestPid]);
  expect(report.workerPid).not.toBe(vitestPid);
}

test.beforeAll(async ({ world: w, client: c }) => {
  world = w;
  client = c;
  await client.putSecret({ name: 'vt-signer', value: randomBytes(32).toString('hex'), ttlSeconds: 3600 });
});

describe.concurrent('@latchkey/client/vitest global setup', { timeout: 90_000 }, () => {
  test('keys declared in test.provide are in process.env during the run and revoked when it ends', async () => {
    const { run, out } = runInner({ 'vitest.config.mjs': providedKeysConfig(KEYS) });
    const r = await run.ended;
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    const report = JSON.parse(readFileSync(out, 'utf8')) as InnerReport;
    checkReport(report, run.pid);
    for (const name of ['LK_RANDOM', 'LK_JWT'] as const) {
      const seen = report[name];
      expect(await client.introspectTempKey(seen.value), `${name} after the run`).toMatchObject({ active: false });
      // Ended by the teardown's revoke (not by a sweep after the process exited).
      expect(readAudit(world.stateDir).filter((e) => e.leaseId === seen.leaseId).map((e) => e.outcome)).toEqual(['issued', 'revoked']);
      expect(r.stdout + r.stderr).not.toContain(seen.value);
    }
  });

  test('latchkeyGlobalSetup({ keys }) in a setup file; vitest killed mid-run: the keys end with its process', async () => {
    const { run, out } = runInner(
      {
        'latchkey.setup.mjs': `import { latchkeyGlobalSetup } from '@latchkey/client/vitest';\nexport default latchkeyGlobalSetup({ keys: ${JSON.stringify(KEYS)} });\n`,
        'vitest.config.mjs': `export default { test: { include: ['key.test.mjs'], globals: true, globalSetup: ['./latchkey.setup.mjs'], testTimeout: 600000 } };\n`,
      },
      { LK_HANG: '1' },
    );
    const written = await waitFor(() => existsSync(out) && readFileSync(out, 'utf8').endsWith('}'), 60_000, 100);
    expect(written, 'the inner test never reported').toBe(true);
    const report = JSON.parse(readFileSync(out, 'utf8')) as InnerReport;
    checkReport(report, run.pid);
    process.kill(-run.pid, 'SIGKILL'); // vitest and its workers: no teardown runs
    await run.ended;
    for (const name of ['LK_RANDOM', 'LK_JWT'] as const) {
      const seen = report[name];
      // The audited end is the event waited for; how soon it follows the exit is leases.test.ts's rule.
      const audit = await waitFor(() => readAudit(world.stateDir).find((e) => e.leaseId === seen.leaseId && e.outcome === 'ended'), 20_000, 50);
      expect(audit, `${name} outlived the killed run`).toMatchObject({ reason: 'process exited', boundPid: run.pid });
      expect((await client.introspectTempKey(seen.value)).active).toBe(false);
    }
  });

  test('a key that cannot be minted fails the run before any test; the keys already minted are revoked', async () => {
    const keys = { LK_RANDOM: KEYS.LK_RANDOM, LK_BAD: { kind: 'jwt', ttl: '1m', params: { signer: 'no-such-signer' } } };
    const { run, out } = runInner({ 'vitest.config.mjs': providedKeysConfig(keys) });
    const r = await run.ended;
    expect(r.code).not.toBe(0);
    expect(`${r.stdout}\n${r.stderr}`).toContain('no-such-signer');
    expect(existsSync(out), 'a test ran').toBe(false);
    // This run's leases: the ones its vitest process asked for.
    const issued = readAudit(world.stateDir)
      .filter((e) => e.event === 'lease' && e.outcome === 'issued' && (e.peer as { pid?: number } | undefined)?.pid === run.pid)
      .map((e) => e.leaseId);
    expect(issued.length).toBeLessThanOrEqual(1); // the random key, when it was minted before the jwt failed
    for (const id of issued) {
      expect(readAudit(world.stateDir).filter((e) => e.leaseId === id).map((e) => e.outcome)).toEqual(['issued', 'revoked']);
    }
  });
});
