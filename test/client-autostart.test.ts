// The TypeScript client starts the daemon when none runs (issue 8, item 6), used as a user would: from a
// project outside the workspace whose node_modules links the built @latchkey/client, with the README's
// code verbatim and with the vitest global setup, on a machine (a world) where no daemon runs yet. The client
// never imports the daemon: it finds the program, `latchkey-daemon` on PATH (linked as npm links a bin) or
// named by LATCHKEY_DAEMON.
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { AgentConnection } from '@latchkey/client';
import { afterEach, describe, expect, it } from 'vitest';
import { clientProject, DAEMON, makeWorld, providedKeysConfig, readAudit, run, runVitest, type World } from '@latchkey/test-utils';

const worlds: World[] = [];

/** A world (its own HOME, socket and state folder) where nothing has started a daemon. */
function noDaemonWorld(): World {
  const world = makeWorld();
  worlds.push(world);
  expect(existsSync(world.socket), 'a daemon socket before the test').toBe(false);
  return world;
}

/** The world's PATH with a folder in front holding `latchkey-daemon`, a link to the built daemon program. */
function withDaemonOnPath(world: World): Record<string, string> {
  const bin = join(world.dir, 'bin');
  mkdirSync(bin);
  symlinkSync(DAEMON, join(bin, 'latchkey-daemon'));
  return { ...world.env, PATH: `${bin}:${world.env.PATH}` };
}

/** Whether a daemon answers on the world's socket now. */
async function daemonAnswers(world: World): Promise<boolean> {
  const conn = new AgentConnection(world.socket);
  try {
    await conn.status(2000);
    return true;
  } catch {
    return false;
  } finally {
    conn.close();
  }
}

afterEach(async () => {
  await Promise.all(worlds.splice(0).map((w) => w.cleanup()));
});

describe('connect() starts the daemon when none runs', { timeout: 90_000 }, () => {
  it("the README's client example, verbatim, from a project outside the workspace", async () => {
    const world = noDaemonWorld();
    // The README's lines, then what the test needs to see (written as JSON, no value printed).
    const dir = clientProject(world.dir, {
      'example.mjs': `import { writeFileSync } from 'node:fs';
import { connect } from '@latchkey/client';
const agent = await connect();                    // starts the daemon if none runs
const key = await agent.tempKey({ kind: 'random', ttl: '2m', params: { bytes: 32, encoding: 'hex' } });
key.value; key.leaseId; key.expiresAt;            // bound to this process
const active = (await agent.introspectTempKey(key.value)).active;
await key.revoke();
agent.close();
writeFileSync('seen.json', JSON.stringify({ leaseId: key.leaseId, active, hex: /^[0-9a-f]{64}$/.test(key.value) }));
`,
    });
    const r = await run(process.execPath, ['example.mjs'], { env: withDaemonOnPath(world), cwd: dir, timeoutMs: 30_000 });
    expect(r.code, r.stderr).toBe(0);
    const seen = JSON.parse(readFileSync(join(dir, 'seen.json'), 'utf8')) as { leaseId: string; active: boolean; hex: boolean };
    expect(seen).toMatchObject({ active: true, hex: true });
    expect(await daemonAnswers(world), 'the daemon that connect() started').toBe(true);
    expect(readAudit(world.stateDir).filter((e) => e.leaseId === seen.leaseId).map((e) => e.outcome)).toEqual(['issued', 'revoked']);
  });

  it("globalSetup: ['@latchkey/client/vitest'] with no daemon running", async () => {
    const world = noDaemonWorld();
    const keys = { API_KEY: { kind: 'random', ttl: '15m', params: { bytes: 32, encoding: 'hex' } } };
    const dir = clientProject(world.dir, {
      'vitest.config.mjs': providedKeysConfig(keys),
      'key.test.mjs': `test('API_KEY is set', () => { expect(process.env.API_KEY).toMatch(/^[0-9a-f]{64}$/); });\n`,
    });
    const r = await runVitest(world, dir, { LATCHKEY_DAEMON: DAEMON }).ended;
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(r.stdout).toMatch(/1 passed/);
    expect(await daemonAnswers(world)).toBe(true);
    const outcomes = readAudit(world.stateDir).filter((e) => e.event === 'lease').map((e) => e.outcome);
    expect(outcomes).toEqual(['issued', 'revoked']);
  });

  it('without latchkey-daemon on PATH or LATCHKEY_DAEMON, says what to install, and starts nothing', async () => {
    const world = noDaemonWorld();
    const dir = clientProject(world.dir, {
      'example.mjs': `import { connect } from '@latchkey/client';
try { await connect(); process.exit(3); } catch (err) { process.stdout.write(JSON.stringify({ kind: err.kind, message: err.message, hint: err.hint })); }
`,
    });
    const r = await run(process.execPath, ['example.mjs'], { env: world.env, cwd: dir, timeoutMs: 30_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      kind: 'unavailable',
      message: 'no daemon is running and the daemon program latchkey-daemon was not found on PATH',
      hint: 'install @latchkey/daemon (it provides latchkey-daemon), or set LATCHKEY_DAEMON to its path',
    });
    expect(existsSync(world.socket)).toBe(false);
    expect(existsSync(world.stateDir) ? readdirSync(world.stateDir) : []).toEqual([]);
  });
});
