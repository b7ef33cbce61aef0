// `agent doctor` end to end: the built CLI against a real daemon on a real (private) Secret Service for
// the healthy case, then one thing wrong at a time: a value left in .env.local, an unapproved manifest,
// a secret about to expire (a notice only), loose folder permissions, the memory store, no daemon.
import { appendFileSync, chmodSync, mkdirSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { useKeyring, useWorlds, type World } from '@latchkey/test-utils';

const VALUE = `doctor-value-${process.pid}-Zq9`;

interface Finding {
  check: string;
  level: 'problem' | 'notice' | 'ok';
  message: string;
  fix?: string;
  secret?: string;
  file?: string;
}
interface Report {
  ok: boolean;
  problems: number;
  notices: number;
  findings: Finding[];
}

describe('agent doctor', { timeout: 120_000 }, () => {
  const ring = useKeyring();
  const freshWorld = useWorlds();
  let world: World;
  let project: string;

  const doctor = async (w: World = world, cwd = project) => {
    const human = await w.agent(['doctor'], { cwd, timeoutMs: 60_000 });
    const json = await w.agent(['doctor', '--json'], { cwd, timeoutMs: 60_000 });
    for (const r of [human, json]) {
      expect(`${r.stdout}${r.stderr}`).not.toContain(VALUE);
      expect(r.stderr).not.toContain('internal error');
    }
    return { human, json, report: JSON.parse(json.stdout) as Report };
  };
  const problems = (r: Report) => r.findings.filter((f) => f.level === 'problem');

  beforeAll(async () => {
    world = freshWorld(ring.keyring);
    project = join(world.home, 'shop');
    mkdirSync(join(project, 'src'), { recursive: true });
    project = realpathSync(project);
    writeFileSync(join(project, 'agent.env'), 'API_KEY=agent://doctor-api?owner=platform&docs=https://wiki.example/api\nLOG_LEVEL=debug\n');
    writeFileSync(join(project, 'src', 'index.js'), 'console.log(process.env.API_KEY ? "ok" : "missing");\n');
    writeFileSync(join(project, '.gitignore'), '.env*\nnode_modules\n');
    const set = await world.agent(['set', 'doctor-api', '--ttl', '48h', '--owner', 'platform'], { cwd: project, input: VALUE, timeoutMs: 60_000 });
    expect(set.code, set.stderr).toBe(0);
    const allow = await world.agent(['allow'], { cwd: project, timeoutMs: 60_000 });
    expect(allow.code, allow.stderr).toBe(0);
  });

  it('is healthy: exit 0, every check ok, the keychain store in use', async () => {
    const { human, json, report } = await doctor();
    expect(human.code, human.stdout).toBe(0);
    expect(json.code).toBe(0);
    expect(report).toMatchObject({ ok: true, problems: 0 });
    const byCheck = (c: string) => report.findings.filter((f) => f.check === c);
    expect(byCheck('daemon')[0]).toMatchObject({ level: 'ok' });
    expect(byCheck('store')[0]).toMatchObject({ level: 'ok' });
    expect(byCheck('store')[0]?.message).toContain('keychain');
    expect(byCheck('socket-folder')[0]).toMatchObject({ level: 'ok' });
    expect(byCheck('manifest')[0]).toMatchObject({ level: 'ok' });
    expect(byCheck('secret')[0]).toMatchObject({ level: 'ok', secret: 'doctor-api' });
    expect(byCheck('plain-files')[0]).toMatchObject({ level: 'ok' });
    expect(human.stdout).toMatch(/^no problems/m);
  });

  it('fails on a value left in .env.local, naming the file and the secret but not the value', async () => {
    writeFileSync(join(project, '.env.local'), `LOG_LEVEL=debug\nAPI_KEY=${VALUE}\n`);
    try {
      const { human, json, report } = await doctor();
      expect(human.code).toBe(1);
      expect(json.code).toBe(1);
      const leak = problems(report).find((f) => f.check === 'plain-files');
      expect(leak).toMatchObject({ secret: 'doctor-api', file: join(project, '.env.local') });
      expect(leak?.fix).toContain('agent set doctor-api');
      expect(human.stdout).toMatch(/^problem\s+plain-files\s+\.env\.local holds the value of secret doctor-api$/m);
      expect(human.stdout).toMatch(/^\s+fix: /m);
      // Only that file: the source folder holds no value.
      expect(problems(report)).toHaveLength(1);
    } finally {
      rmSync(join(project, '.env.local'));
    }
  });

  it('fails on an unapproved manifest, with agent allow as the fix', async () => {
    appendFileSync(join(project, 'agent.env'), 'EXTRA=1\n');
    try {
      const { human, report } = await doctor();
      expect(human.code).toBe(1);
      expect(problems(report)).toEqual([expect.objectContaining({ check: 'manifest', fix: `review it, then: agent allow ${join(project, 'agent.env')}` })]);
      // "changed since it was approved", or "not approved" once the daemon's watcher has withdrawn it.
      expect(problems(report)[0]?.message).toMatch(new RegExp(`^${join(project, 'agent.env')} (changed since it was approved|is not approved)$`));
      expect(human.stdout).toMatch(/^problem\s+manifest\s+/m);
    } finally {
      writeFileSync(join(project, 'agent.env'), 'API_KEY=agent://doctor-api?owner=platform&docs=https://wiki.example/api\nLOG_LEVEL=debug\n');
    }
    expect((await world.agent(['allow'], { cwd: project })).code).toBe(0);
    expect((await doctor()).human.code).toBe(0);
  });

  it('names the --allow-var an unapproved manifest setting a refused variable needs, without failing on it', async () => {
    appendFileSync(join(project, 'agent.env'), 'NODE_OPTIONS=--max-old-space-size=64\n');
    try {
      const { human, report } = await doctor();
      expect(human.code).toBe(1);
      expect(problems(report)).toEqual([expect.objectContaining({ check: 'manifest', fix: `review it, then: agent allow ${join(project, 'agent.env')} --allow-var NODE_OPTIONS` })]);
      // the secret the manifest needs is still checked
      expect(report.findings).toContainEqual(expect.objectContaining({ check: 'secret', secret: 'doctor-api', level: 'ok' }));
    } finally {
      writeFileSync(join(project, 'agent.env'), 'API_KEY=agent://doctor-api?owner=platform&docs=https://wiki.example/api\nLOG_LEVEL=debug\n');
    }
    expect((await world.agent(['allow'], { cwd: project })).code).toBe(0);
  });

  it('fails on a secret the manifest needs that is missing, naming its owner and docs', async () => {
    writeFileSync(join(project, 'agent.env'), 'API_KEY=agent://doctor-api\nDB_URL=agent://doctor-db?owner=data&docs=https://wiki.example/db\n');
    try {
      expect((await world.agent(['allow'], { cwd: project })).code).toBe(0);
      const { human, report } = await doctor();
      expect(human.code).toBe(1);
      expect(problems(report)).toEqual([expect.objectContaining({ check: 'secret', secret: 'doctor-db', fix: 'agent onboard (or agent set doctor-db)' })]);
      expect(problems(report)[0]?.message).toContain('owner data, docs https://wiki.example/db');
    } finally {
      writeFileSync(join(project, 'agent.env'), 'API_KEY=agent://doctor-api?owner=platform&docs=https://wiki.example/api\nLOG_LEVEL=debug\n');
      await world.agent(['allow'], { cwd: project });
    }
  });

  it('gives a notice, not a problem, for a secret expiring within a day', async () => {
    const set = await world.agent(['set', 'doctor-short', '--ttl', '1h'], { input: 'short-lived-value-1' });
    expect(set.code, set.stderr).toBe(0);
    const { human, report } = await doctor();
    expect(human.code, human.stdout).toBe(0);
    expect(report.notices).toBeGreaterThanOrEqual(1);
    const notice = report.findings.find((f) => f.check === 'expiring' && f.secret === 'doctor-short');
    expect(notice).toMatchObject({ level: 'notice', fix: 'agent set doctor-short --ttl 12h' });
    expect(notice?.message).toMatch(/expires in (59m|1h)/);
    expect(human.stdout).toMatch(/^notice\s+expiring\s+secret doctor-short expires in/m);
  });

  it('notes a live key in a manifest used by tests, from the kind the daemon stored, never its value', async () => {
    // sk_live_-shaped, made here so no such literal sits in the repository.
    const live = `sk_live_${'D0c7'.repeat(6)}${process.pid}`;
    const set = await world.agent(['set', 'doctor-stripe', '--ttl', '48h'], { input: live, timeoutMs: 60_000 });
    expect(set.code, set.stderr).toBe(0);
    mkdirSync(join(project, 'tests'), { recursive: true });
    writeFileSync(join(project, 'tests', 'agent.env'), 'STRIPE_KEY=agent://doctor-stripe\n');
    try {
      const { human, json, report } = await doctor();
      // Compared as a boolean, so a failure does not print the key it found.
      for (const r of [human, json]) expect(`${r.stdout}${r.stderr}`.includes(live)).toBe(false);
      expect(human.code, human.stdout).toBe(0);
      const notes = report.findings.filter((f) => f.check === 'token-kind' && f.secret === 'doctor-stripe');
      expect(notes.map((f) => f.message)).toContain('secret doctor-stripe (for STRIPE_KEY) is a live key (stripe/secret-live) in tests/agent.env, a manifest used by tests (it is under tests/)');
      expect(notes.find((f) => f.file)).toMatchObject({ level: 'notice', file: join(project, 'tests', 'agent.env') });
      expect(human.stdout).toMatch(/^notice\s+token-kind\s+secret doctor-stripe \(for STRIPE_KEY\) is a live key/m);
    } finally {
      rmSync(join(project, 'tests'), { recursive: true });
      expect((await world.agent(['rm', 'doctor-stripe'])).code).toBe(0);
    }
  });

  it('fails when the socket folder is open to others, with chmod 700 as the fix', async () => {
    const dir = join(world.env.XDG_RUNTIME_DIR as string, 'latchkey');
    chmodSync(dir, 0o755);
    try {
      const { human, report } = await doctor();
      expect(human.code).toBe(1);
      expect(problems(report)).toEqual([expect.objectContaining({ check: 'socket-folder', fix: `chmod 700 ${dir}` })]);
    } finally {
      chmodSync(dir, 0o700);
    }
  });

  it('fails on the memory store, and on no daemon without starting one', async () => {
    const memory = freshWorld();
    const none = await doctor(memory, memory.home);
    expect(none.human.code).toBe(1);
    expect(problems(none.report).map((f) => f.check)).toContain('daemon');
    expect(none.report.findings.find((f) => f.check === 'daemon')?.fix).toContain('agent daemon start');
    const status = await memory.agent(['daemon', 'status']);
    expect(status.code).toBe(69); // the doctor started nothing

    await memory.startDaemon();
    const { human, report } = await doctor(memory, memory.home);
    expect(human.code).toBe(1);
    expect(problems(report)).toEqual([expect.objectContaining({ check: 'store' })]);
    expect(problems(report)[0]?.message).toContain('memory');
  });
});
