// `agent audit` and `agent audit verify` end to end: a real daemon (memory store) writes the trail as
// the built CLI sets, gets and execs; the CLI reads the files of the state folder, filters them, follows
// them, and catches an edit, a deletion and a reordering naming the file and line.
import { copyFileSync, mkdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cliNode, readAudit, startAgent, testdir, useLab, waitFor, type DaemonProcess, type World } from '@latchkey/test-utils';

const VALUE = `audit-value-${process.pid}-a1b2c3`;
const FIELDS = ['time', 'event', 'secret', 'scope', 'outcome', 'pid', 'exe', 'command'];

type Rec = Record<string, unknown> & { time: string; event: string; secret: string; scope: string; outcome: string; pid: number; exe: string; command: string };

describe('agent audit', { timeout: 90_000 }, () => {
  const lab = useLab({ store: 'memory' });
  let world: World;
  let daemon: DaemonProcess;
  let project: string;
  let other: string;
  /** Between the first records and the later get. */
  let middle: string;

  const auditJson = async (args: string[] = []): Promise<Rec[]> => {
    const r = await world.agent(['audit', '--json', ...args]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).not.toContain(VALUE);
    return r.stdout
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as Rec);
  };

  beforeAll(async () => {
    ({ world, daemon } = lab);
    project = testdir({ 'agent.env': 'TOKEN=agent://audit-token?owner=qa\n' }, world.home);
    other = testdir({ 'agent.env': 'TOKEN=agent://audit-token\n' }, world.home);

    const steps: string[][] = [
      ['set', 'audit-token', '--ttl', '1h', '--owner', 'qa'],
      ['allow'],
      ['exec', '--', 'node', '-e', 'process.exit(process.env.TOKEN ? 0 : 3)'],
    ];
    for (const args of steps) {
      // Only `set` gets the value on stdin (oclif would read a piped stdin as allow's PATH).
      const r = await world.agent(args, { cwd: project, ...(args[0] === 'set' ? { input: VALUE } : {}) });
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
    }
    // An unapproved manifest: the daemon refuses and records the refusal.
    const denied = await world.agent(['exec', '--', 'node', '-e', '0'], { cwd: other });
    expect(denied.code).toBe(77);
    // The boundary: 1 ms after the last record so far (the refusal), and the clock past it before the get.
    const last = readAudit(world.stateDir).at(-1) as { time: string };
    middle = new Date(Date.parse(last.time) + 1).toISOString();
    expect(await waitFor(() => Date.now() > Date.parse(middle), 1000, 1)).toBe(true);
    const get = await world.agent(['get', 'audit-token'], { cwd: project });
    expect(get.stdout).toBe(VALUE);
  });

  it('records set, exec, denied and get with the documented fields, the caller pid and executable, never a value', async () => {
    const records = await auditJson();
    for (const r of records) {
      expect(Object.keys(r).slice(0, FIELDS.length)).toEqual(FIELDS);
      expect(typeof r.pid).toBe('number');
      expect(Object.keys(r)).not.toContain('prev');
    }
    const node = realpathSync(cliNode());
    const set = records.find((r) => r.event === 'set' && r.secret === 'audit-token');
    expect(set).toMatchObject({ scope: 'global', outcome: 'ok', exe: node, command: '' });
    const exec = records.find((r) => r.event === 'exec' && r.outcome === 'ok');
    expect(exec).toMatchObject({ secret: 'audit-token', scope: 'global', exe: node, command: 'node', cwd: project, variable: 'TOKEN' });
    const refused = records.find((r) => r.event === 'exec' && r.outcome === 'denied');
    expect(refused).toMatchObject({ secret: '', pid: expect.any(Number), exe: node, command: 'node', reason: 'manifest not approved' });
    const get = records.find((r) => r.event === 'get');
    expect(get).toMatchObject({ secret: 'audit-token', outcome: 'ok', exe: node, command: '' });
    for (const r of [set, exec, refused, get]) {
      expect(r!.pid).toBeGreaterThan(0);
      expect(r!.pid).not.toBe(daemon.pid);
      expect(Date.parse(r!.time)).toBeGreaterThan(Date.now() - 120_000);
    }
    expect(records.map((r) => r.event)).toEqual(['set', 'allow', 'exec', 'exec', 'get']);
    expect(readFileSync(join(world.stateDir, 'audit.jsonl'), 'utf8')).not.toContain(VALUE);
  });

  it('prints a table with TIME EVENT SECRET SCOPE OUTCOME PID EXE COMMAND', async () => {
    const r = await world.agent(['audit']);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^TIME\s+EVENT\s+SECRET\s+SCOPE\s+OUTCOME\s+PID\s+EXE\s+COMMAND$/);
    expect(lines).toHaveLength(6);
    expect(r.stdout).toMatch(/^\S+Z\s+exec\s+audit-token\s+global\s+ok\s+\d+\s+\S+node\s+node$/m);
    expect(r.stdout).toMatch(/^\S+Z\s+exec\s+-\s+-\s+denied \(manifest not approved\)\s+\d+/m);
    expect(r.stdout).not.toContain(VALUE);
  });

  it('filters with --secret, --event and --since (a duration or an ISO time)', async () => {
    const bySecret = await auditJson(['--secret', 'audit-token']);
    expect(bySecret.map((r) => r.event)).toEqual(['set', 'exec', 'get']);
    expect(await auditJson(['--secret', 'nothing-like-it'])).toEqual([]);
    const gets = await auditJson(['--event', 'get']);
    expect(gets.map((r) => r.event)).toEqual(['get']);
    const execsAndSets = await auditJson(['--event', 'exec', '--event', 'set']);
    expect(execsAndSets.map((r) => r.event)).toEqual(['set', 'exec', 'exec']);
    const late = await auditJson(['--since', middle]);
    expect(late.map((r) => r.event)).toEqual(['get']);
    expect(await auditJson(['--since', '1h'])).toHaveLength(5);
    const none = await world.agent(['audit', '--since', '1h', '--event', 'rotate']);
    expect(none.code).toBe(0);
    expect(none.stdout).toBe('');
    expect(none.stderr).toContain('no audit records');
    const bad = await world.agent(['audit', '--since', 'last tuesday']);
    expect(bad.code).toBe(65);
    expect(bad.stderr).toContain('agent: error: invalid --since');
  });

  it('--follow prints records written after it started, until SIGINT', async () => {
    const follower = startAgent(world, ['audit', '--follow', '--json', '--event', 'set']);
    await follower.waitForOutput(/"secret":"audit-token"/);
    const set = await world.agent(['set', 'followed-secret', '--ttl', '1h'], { input: 'followed-value-123' });
    expect(set.code, set.stderr).toBe(0);
    await follower.waitForOutput(/"secret":"followed-secret"/);
    follower.child.kill('SIGINT');
    const end = await follower.ended;
    expect(end.code, end.stderr).toBe(0);
    const lines = end.stdout.trim().split('\n').map((l) => JSON.parse(l) as Rec);
    expect(lines.map((r) => r.secret)).toEqual(['audit-token', 'followed-secret']);
    expect(end.stdout).not.toContain('followed-value-123');
  });
});

describe('agent audit verify', { timeout: 90_000 }, () => {
  const lab = useLab({ store: 'memory' });
  let world: World;
  let lines: string[];
  let n = 0;
  /** A copy of the world's trail in a state folder of its own, with `edit` applied to its lines. */
  const tampered = (edit: (lines: string[]) => string[]): Record<string, string> => {
    const xdg = join(world.dir, `copy${++n}`);
    const dir = join(xdg, 'latchkey');
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    copyFileSync(join(world.stateDir, 'audit.anchor'), join(dir, 'audit.anchor'));
    writeFileSync(join(dir, 'audit.jsonl'), `${edit([...lines]).join('\n')}\n`);
    return { XDG_STATE_HOME: xdg };
  };
  const verify = (env?: Record<string, string>, args: string[] = []) => world.agent(['audit', 'verify', ...args], env ? { env } : {});

  beforeAll(async () => {
    world = lab.world;
    for (let i = 0; i < 3; i++) {
      const r = await world.agent(['set', `chain-${i}`, '--ttl', '1h'], { input: `chain-value-${i}` });
      expect(r.code, r.stderr).toBe(0);
      expect((await world.agent(['get', `chain-${i}`])).code).toBe(0);
    }
    lines = readFileSync(join(world.stateDir, 'audit.jsonl'), 'utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(6);
  });

  it('exits 0 on an intact trail and prints the record count', async () => {
    const r = await verify();
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('audit trail intact: 6 records in 1 file');
    // This world's daemon uses the memory store: verify says what cannot be checked after a restart.
    expect(r.stderr).toContain('agent: note: the daemon uses the memory store, so its seal key and checkpoint end with it');
    const json = await verify(undefined, ['--json']);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: true, records: 6, files: 1, notes: [expect.stringContaining('memory store')] });
  });

  it('is an empty intact trail where nothing was ever written, and creates nothing', async () => {
    const xdg = join(world.dir, 'empty');
    const r = await verify({ XDG_STATE_HOME: xdg });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('0 records');
    expect(() => readFileSync(join(xdg, 'latchkey', 'audit.anchor'))).toThrow();
  });

  it('exits 1 naming the file and line after an edit', async () => {
    const env = tampered((l) => {
      l[2] = (l[2] as string).replace('"outcome":"ok"', '"outcome":"no"');
      return l;
    });
    const r = await verify(env);
    expect(r.code).toBe(1);
    const file = join(env.XDG_STATE_HOME as string, 'latchkey', 'audit.jsonl');
    // Line 3 was edited: line 4 no longer carries its hash.
    expect(r.stderr).toContain(`agent: error: audit trail broken at ${file}:4: the record's prev is not the hash of the record before it`);
    expect(r.stderr).toContain('agent: hint: ');
    const json = await verify(env, ['--json']);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, records: 3, broken: { file, line: 4 } });
  });

  it('exits 1 naming the line after a deletion', async () => {
    const env = tampered((l) => l.filter((_, i) => i !== 2));
    const r = await verify(env);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/audit trail broken at \S+audit\.jsonl:3: /);
  });

  it('exits 1 naming the line after swapping two lines', async () => {
    const env = tampered((l) => [l[0]!, l[2]!, l[1]!, ...l.slice(3)]);
    const r = await verify(env);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/audit trail broken at \S+audit\.jsonl:2: /);
  });

  it('with the daemon running, exits 1 when the last records were removed', async () => {
    const file = join(world.stateDir, 'audit.jsonl');
    const original = readFileSync(file, 'utf8');
    const kept = original.trimEnd().split('\n').slice(0, -2);
    writeFileSync(file, `${kept.join('\n')}\n`);
    try {
      const r = await verify();
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('records were removed from its end');
    } finally {
      writeFileSync(file, original);
    }
    expect((await verify()).code).toBe(0);
  });

  it('exits 1 at the first line when the first record was removed', async () => {
    const env = tampered((l) => l.slice(1));
    const r = await verify(env);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/audit\.jsonl:1: the first record does not start from the recorded anchor/);
  });
});
