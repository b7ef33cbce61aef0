// `agent onboard` end to end: interactively through a pseudo-terminal (a Python pty driver that types
// each answer once its prompt is shown), and without one from a dotenv file; --check before and after,
// its JSON; the manifest's owner, description and max_ttl become the stored secrets' metadata.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { onTerminal, testdir, useWorlds, type World } from '@latchkey/test-utils';

const STRIPE = `sk_test_onboard_${process.pid}_x7`;
const DB = `db-password-${process.pid}-y8`;

const MANIFEST = [
  '# the secrets of the shop',
  'STRIPE_KEY=agent://onb-stripe?owner=payments&desc=Stripe%20test%20key&docs=https://wiki.example/stripe&max_ttl=2h',
  'DB_PASSWORD=agent://onb-db?owner=data-team&desc=Local+database&docs=https://wiki.example/db',
  'SESSION=agent://temp/random?bytes=16',
  'LOG_LEVEL=debug',
  '',
].join('\n');

interface Listed {
  name: string;
  scope: string;
  owner: string;
  description: string;
  source: string;
  expiresInSeconds: number;
}

interface CheckJson {
  manifest: string;
  approved: boolean;
  ready: boolean;
  stored: string[];
  secrets: Array<{ name: string; variables: string[]; status: string; owner: string; description: string; docs: string; maxTtlSeconds: number | null; expiresAt: string | null }>;
}

describe('agent onboard', { timeout: 120_000 }, () => {
  const freshWorld = useWorlds();
  const newProject = (): { world: World; dir: string } => {
    const world = freshWorld();
    return { world, dir: testdir({ 'agent.env': MANIFEST }, world.home) };
  };
  const listed = async (world: World): Promise<Map<string, Listed>> => {
    const ls = await world.agent(['ls', '--json']);
    expect(ls.code, ls.stderr).toBe(0);
    return new Map((JSON.parse(ls.stdout) as Listed[]).map((s) => [s.name, s]));
  };
  /** The metadata the manifest gives, and the TTLs: max_ttl 2h for one, the default 12h for the other. */
  const expectStoredFromManifest = async (world: World) => {
    const secrets = await listed(world);
    expect(secrets.get('onb-stripe')).toMatchObject({ scope: 'global', owner: 'payments', description: 'Stripe test key', source: 'onboard' });
    expect(secrets.get('onb-db')).toMatchObject({ scope: 'global', owner: 'data-team', description: 'Local database', source: 'onboard' });
    expect(secrets.get('onb-stripe')!.expiresInSeconds).toBeGreaterThan(2 * 3600 - 300);
    expect(secrets.get('onb-stripe')!.expiresInSeconds).toBeLessThanOrEqual(2 * 3600);
    expect(secrets.get('onb-db')!.expiresInSeconds).toBeGreaterThan(12 * 3600 - 300);
  };
  /** `agent exec` sees both values: the teammate is ready. */
  const expectExecWorks = async (world: World, dir: string) => {
    const r = await world.agent(['exec', '--', 'node', '-e', 'process.stdout.write(process.env.STRIPE_KEY + " " + process.env.DB_PASSWORD)'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(`${STRIPE} ${DB}`);
  };

  let shared: { world: World; dir: string };
  beforeAll(async () => {
    shared = newProject();
    await shared.world.startDaemon();
  });

  it('--check exits 1 listing what is missing with owner and docs; --json gives the state', async () => {
    const { world, dir } = shared;
    const check = await world.agent(['onboard', '--check'], { cwd: dir });
    expect(check.code).toBe(1);
    expect(check.stdout).toMatch(/^SECRET\s+USED BY\s+STATUS\s+EXPIRES\s+OWNER\s+DESCRIPTION\s+DOCS$/m);
    expect(check.stdout).toMatch(/^onb-stripe\s+STRIPE_KEY\s+missing\s+-\s+payments\s+Stripe test key\s+https:\/\/wiki\.example\/stripe$/m);
    expect(check.stderr).toContain('agent: missing: onb-stripe (owner payments, docs https://wiki.example/stripe)');
    expect(check.stderr).toContain('agent: missing: onb-db (owner data-team, docs https://wiki.example/db)');
    expect(check.stderr).toContain('agent: error: not ready: 2 missing');

    const json = await world.agent(['onboard', '--check', '--json'], { cwd: dir });
    expect(json.code).toBe(1);
    const state = JSON.parse(json.stdout) as CheckJson;
    expect(state).toMatchObject({ manifest: join(dir, 'agent.env'), approved: false, ready: false, stored: [] });
    expect(state.secrets).toEqual([
      { name: 'onb-stripe', variables: ['STRIPE_KEY'], signerFor: [], status: 'missing', scope: null, expiresAt: null, owner: 'payments', description: 'Stripe test key', docs: 'https://wiki.example/stripe', maxTtlSeconds: 7200 },
      { name: 'onb-db', variables: ['DB_PASSWORD'], signerFor: [], status: 'missing', scope: null, expiresAt: null, owner: 'data-team', description: 'Local database', docs: 'https://wiki.example/db', maxTtlSeconds: null },
    ]);
  });

  it('on a terminal: shows owner, description and docs, asks each value hidden, approves, then exec works', async () => {
    const { world, dir } = shared;
    const steps: Array<[string, string]> = [
      ['value for onb-stripe \\(hidden', `${STRIPE}\r`],
      ['value for onb-db \\(hidden', `${DB}\r`],
      ['approve \\S+agent\\.env for agent exec\\? \\[y/N\\] ', 'y\r'],
    ];
    const r = await onTerminal(world, ['onboard'], steps, { cwd: dir, timeoutMs: 90_000 });
    const screen = r.stdout;
    expect(r.code, screen).toBe(0);
    expect(screen).toContain('onb-stripe (missing), for STRIPE_KEY');
    expect(screen).toMatch(/owner +payments/);
    expect(screen).toMatch(/description +Stripe test key/);
    expect(screen).toMatch(/docs +https:\/\/wiki\.example\/stripe/);
    expect(screen).toMatch(/stored for +2h \(the manifest's max_ttl\)/);
    expect(screen).toMatch(/owner +data-team/);
    expect(screen).toContain('agent: stored onb-stripe, expires in');
    expect(screen).toContain(`agent: approved ${join(dir, 'agent.env')}`);
    expect(screen).toContain('agent: 2 stored, 2 of 2 needed secrets present');
    expect(screen).toContain('agent: ready');
    // Typed without echo: the values never reached the screen.
    expect(screen).not.toContain(STRIPE);
    expect(screen).not.toContain(DB);

    await expectStoredFromManifest(world);
    await expectExecWorks(world, dir);
    const check = await world.agent(['onboard', '--check', '--json'], { cwd: dir });
    expect(check.code, check.stderr).toBe(0);
    // Stored for 2h and the default 12h: both under a day, so "expiring" (still ready).
    expect(JSON.parse(check.stdout)).toMatchObject({ approved: true, ready: true, secrets: [{ status: 'expiring' }, { status: 'expiring' }] });
  });

  it('from a dotenv file: without --yes and no terminal it stores but does not approve; --yes approves', async () => {
    const { world, dir } = newProject();
    const before = await world.agent(['onboard', '--check'], { cwd: dir });
    expect(before.code).toBe(1);

    const file = join(dir, 'ci-secrets.env');
    writeFileSync(file, `# for CI\nSTRIPE_KEY=${STRIPE}\nDB_PASSWORD="${DB}"\nUNRELATED=1\n`);
    const first = await world.agent(['onboard', '--from-env-file', 'ci-secrets.env'], { cwd: dir });
    expect(first.code).toBe(1);
    expect(first.stderr).toContain('agent: 2 stored, 2 of 2 needed secrets present');
    expect(first.stderr).toContain(`agent: the manifest was not approved: no terminal to ask on; review it and run agent allow ${join(dir, 'agent.env')}, or rerun with --yes`);
    expect((await world.agent(['onboard', '--check'], { cwd: dir })).code).toBe(1);

    const second = await world.agent(['onboard', '--from-env-file', file, '--yes', '--json'], { cwd: dir });
    expect(second.code, second.stderr).toBe(0);
    expect(JSON.parse(second.stdout)).toMatchObject({ approved: true, ready: true, stored: [] });
    for (const r of [first, second]) {
      expect(`${r.stdout}${r.stderr}`).not.toContain(STRIPE);
      expect(`${r.stdout}${r.stderr}`).not.toContain(DB);
    }
    const after = await world.agent(['onboard', '--check'], { cwd: dir });
    expect(after.code, after.stderr).toBe(0);
    expect(after.stdout).toMatch(/^onb-stripe\s+STRIPE_KEY\s+expiring\s+in 1h59m/m);
    await expectStoredFromManifest(world);
    await expectExecWorks(world, dir);
  });

  it('from a file lacking a value: stores what it has, lists the rest, exits 1', async () => {
    const { world, dir } = newProject();
    writeFileSync(join(dir, 'partial.env'), `STRIPE_KEY=${STRIPE}\n`);
    const r = await world.agent(['onboard', '--from-env-file', 'partial.env', '--yes'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('agent: stored onb-stripe');
    expect(r.stderr).toContain('agent: still missing: onb-db (owner data-team, docs https://wiki.example/db)');
    expect(r.stderr).toContain(`agent: approved ${join(dir, 'agent.env')}`);
    const missingFile = await world.agent(['onboard', '--from-env-file', 'nope.env'], { cwd: dir });
    expect(missingFile.code).toBe(65);
    expect(missingFile.stderr).toContain('agent: error: cannot read');
  });
});
