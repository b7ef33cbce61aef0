// `agent import` end to end: the built CLI as a subprocess against a real daemon (memory store), every
// claim checked from outside: the manifest's bytes, the daemon's answers, the audit log, the file system.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect } from 'vitest';
import type { AgentConnection, ManifestInfo } from '@latchkey/client';
import { CLI, filesContaining, labTest, readAudit, ROOT, run, testdir, type Result, type World } from '@latchkey/test-utils';

const test = labTest({ store: 'memory' });

/** A .env of every shape dotenv reads, and the value each variable must be stored with. */
const DOTENV = [
  '# credentials for local development',
  'export STRIPE_KEY=sk_test_51Hx4mPle',
  "SINGLE_QUOTED='it has # and spaces  '",
  'DOUBLE_QUOTED="line one\\nline two"',
  'MULTI_LINE="-----BEGIN KEY-----',
  'MIIBdGVzdGtleQ==',
  '-----END KEY-----"',
  'TRAILING_NEWLINE="ends with newline\\n"',
  'WITH_COMMENT=plain-value-7Q # not part of the value',
  'DB_URL=postgres://app:pw-9f3k@localhost:5432/app?sslmode=disable',
  'SHARED=agent://team/shared-token?owner=platform',
  'EMPTY=',
  '',
].join('\n');

const STORED: Record<string, [string, string]> = {
  STRIPE_KEY: ['stripe-key', 'sk_test_51Hx4mPle'],
  SINGLE_QUOTED: ['single-quoted', 'it has # and spaces  '],
  DOUBLE_QUOTED: ['double-quoted', 'line one\nline two'],
  MULTI_LINE: ['multi-line', '-----BEGIN KEY-----\nMIIBdGVzdGtleQ==\n-----END KEY-----'],
  TRAILING_NEWLINE: ['trailing-newline', 'ends with newline\n'],
  WITH_COMMENT: ['with-comment', 'plain-value-7Q'],
  DB_URL: ['db-url', 'postgres://app:pw-9f3k@localhost:5432/app?sslmode=disable'],
};

/** Strings that occur only inside values: none may show up in output or in the manifest. */
const VALUE_MARKERS = ['sk_test_51Hx4mPle', 'it has #', 'line one', 'MIIBdGVzdGtleQ', 'ends with newline', 'plain-value-7Q', 'pw-9f3k'];

function expectNoValues(...texts: string[]): void {
  for (const text of texts) for (const marker of VALUE_MARKERS) expect(text, `a value leaked: ${marker}`).not.toContain(marker);
}

describe('agent import', () => {
  let world: World;
  let client: AgentConnection;
  test.beforeAll(({ world: w, client: c }) => {
    world = w;
    client = c;
  });
  /** A fresh project folder under the world's HOME. */
  const project = (files: Record<string, string | Buffer> = {}): string => testdir(files, world.home);
  const inspect = (path: string): Promise<ManifestInfo> => client.inspectManifest(path);
  /** The value `agent get` prints from `cwd` (the daemon takes the caller's folder from the kernel, so a subprocess there). */
  const value = async (name: string, cwd: string): Promise<string> => {
    const r = await world.agent(['get', name], { cwd });
    if (r.code !== 0) throw new Error(r.stderr);
    return r.stdout;
  };
  const names = async (): Promise<string[]> => (await client.listSecrets()).map((m) => m.name).sort();

  test('stores every value, writes an approved agent.env of references, and prints no value', async () => {
    const dir = project({ '.env': DOTENV });
    const r = await world.agent(['import', '--ttl', '2h'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expectNoValues(r.stdout, r.stderr);
    for (const [variable, [secret]] of Object.entries(STORED)) expect(r.stdout).toMatch(new RegExp(`^${variable}\\s+${secret}\\s+stored`, 'm'));
    expect(r.stdout).toMatch(/^SHARED\s+agent:\/\/team\/shared-token\?owner=platform\s+reference kept/m);
    expect(r.stderr).toContain('EMPTY is empty in .env');
    expect(r.stderr).toContain('agent: next: agent exec -- <command>');

    for (const [secret, expected] of Object.values(STORED)) expect(await value(secret, dir)).toBe(expected);
    const metas = await client.listSecrets();
    for (const m of metas) {
      expect(m.source).toBe('import');
      expect(m.expiresAt - m.createdAt).toBe(2 * 3600 * 1000);
    }

    const manifest = readFileSync(join(dir, 'agent.env'), 'utf8');
    expectNoValues(manifest);
    for (const [variable, [secret]] of Object.entries(STORED)) expect(manifest).toContain(`\n${variable}=agent://${secret}\n`);
    expect(manifest).toContain('\nSHARED=agent://team/shared-token?owner=platform\n');
    expect(manifest).toContain('\nEMPTY=\n');
    expect((await inspect(join(dir, 'agent.env'))).approved).toBe(true);
    // The .env stays unless --remove is given.
    expect(readFileSync(join(dir, '.env'), 'utf8')).toBe(DOTENV);
    expect(r.stderr).toContain('.env still holds the values');
  });

  test('merges into an existing agent.env: other lines kept, its own lines for imported variables replaced', async () => {
    const existing = '# team manifest\nLOG_LEVEL=debug\nexport API_TOKEN=agent://old-token\nOTHER=agent://other # keep me\n';
    const dir = project({ '.env': 'API_TOKEN=tok-merge-1\nNEW_ONE="new-merge-2"\n', 'agent.env': existing });
    const r = await world.agent(['import', '--json'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout + r.stderr).not.toMatch(/tok-merge-1|new-merge-2/);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ manifest: join(dir, 'agent.env'), approved: true, created: false, removed: false, kept: null });
    expect(out.stored.map((s: { variable: string; secret: string }) => [s.variable, s.secret])).toEqual([
      ['API_TOKEN', 'api-token'],
      ['NEW_ONE', 'new-one'],
    ]);
    expect(readFileSync(join(dir, 'agent.env'), 'utf8')).toBe(
      '# team manifest\nLOG_LEVEL=debug\nexport API_TOKEN=agent://api-token\nOTHER=agent://other # keep me\nNEW_ONE=agent://new-one\n',
    );
    const info = await inspect(join(dir, 'agent.env'));
    expect(info.approved).toBe(true);
    expect(info.sha256).toBe(out.sha256);
  });

  test('--remove deletes the .env only after every value was read back equal', async () => {
    const dir = project({ '.env': DOTENV });
    const auditBefore = readAudit(world.stateDir).length;
    const r = await world.agent(['import', '--remove'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expectNoValues(r.stdout, r.stderr);
    expect(r.stderr).toContain('removed .env: every value read back equal');
    expect(existsSync(join(dir, '.env'))).toBe(false);
    // Each value was read back through the agent (an audited get) before the file went.
    const reads = readAudit(world.stateDir)
      .slice(auditBefore)
      .filter((e) => e.event === 'get' && e.outcome === 'ok')
      .map((e) => e.secret);
    expect(reads.sort()).toEqual(Object.values(STORED).map(([s]) => s).sort());
    // With the memory store, no file under the world holds a value, but the .env files of other tests.
    for (const [, v] of Object.values(STORED)) expect(filesContaining(world.dir, v).filter((f) => !f.endsWith('/.env'))).toEqual([]);
  });

  test('--remove keeps the .env when a value does not read back equal, and says why', async () => {
    // A project secret of the same name shadows the global one the import stores.
    const dir = project({ 'agent.env': 'UNRELATED=x\n', '.env': 'SHADOWED_KEY=global-value-3\n' });
    const set = await world.agent(['set', 'shadowed-key', '--project', '--ttl', '1h'], { cwd: dir, input: 'project-value' });
    expect(set.code, set.stderr).toBe(0);
    const r = await world.agent(['import', '--global', '--remove'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/kept \.env: shadowed-key reads back a different value/);
    expect(r.stdout + r.stderr).not.toMatch(/global-value-3|project-value/);
    expect(readFileSync(join(dir, '.env'), 'utf8')).toBe('SHADOWED_KEY=global-value-3\n');
  });

  test('two projects importing different DATABASE_URLs: each agent exec gets its own; a global one is never clobbered silently', async () => {
    const a = project({ '.env': 'DATABASE_URL=postgres://a-host-11/a\n' });
    const b = project({ '.env': 'DATABASE_URL=postgres://b-host-12/b\n' });
    for (const dir of [a, b]) {
      const r = await world.agent(['import'], { cwd: dir });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/^DATABASE_URL\s+database-url\s+stored in project, expires/m);
      expect(r.stderr).toContain(`agent: stored 1 secret in the scope of project ${dir} (--global to store them for every folder)`);
      expect(r.stdout + r.stderr).not.toMatch(/a-host-11|b-host-12/);
    }
    const printEnv = join(ROOT, 'test', 'fixtures', 'print-env.js');
    for (const [dir, url] of [[a, 'postgres://a-host-11/a'], [b, 'postgres://b-host-12/b']] as const) {
      const r = await world.agent(['exec', '--', process.execPath, printEnv], { cwd: dir });
      expect(r.code, r.stderr).toBe(0);
      expect((JSON.parse(r.stdout) as Record<string, string>).DATABASE_URL).toBe(url);
    }

    // Globally: the second import of a different value is refused until --replace; the same value is fine.
    const g1 = project({ '.env': 'GLOBAL_DB=g-value-13\n' });
    const g2 = project({ '.env': 'GLOBAL_DB=g-value-14\n' });
    expect((await world.agent(['import', '--global'], { cwd: g1 })).code).toBe(0);
    const refused = await world.agent(['import', '--global'], { cwd: g2 });
    expect(refused.code).toBe(65);
    expect(refused.stderr).toContain('agent: error: .env:1: "global-db" already holds a different value globally; import with --replace to replace it, or rename GLOBAL_DB in .env');
    expect(refused.stderr).toMatch(/^agent: hint: .*agent import --replace/m);
    expect(refused.stdout + refused.stderr).not.toMatch(/g-value-1[34]/);
    expect(existsSync(join(g2, 'agent.env'))).toBe(false);
    expect(await value('global-db', world.home)).toBe('g-value-13');
    const same = await world.agent(['import', '--global'], { cwd: g1 });
    expect(same.code, same.stderr).toBe(0);
    expect(same.stdout).toMatch(/^GLOBAL_DB\s+global-db\s+unchanged, expires/m);
    const replaced = await world.agent(['import', '--global', '--replace', '--json'], { cwd: g2 });
    expect(replaced.code, replaced.stderr).toBe(0);
    expect(JSON.parse(replaced.stdout).stored[0]).toMatchObject({ secret: 'global-db', scope: 'global', replaced: true, unchanged: false });
    expect(await value('global-db', world.home)).toBe('g-value-14');
  });

  test('--project stores in the scope of the manifest folder, even before agent.env exists', async () => {
    const dir = project({ '.env': 'PROJECT_ONLY=scoped-4\n' });
    const r = await world.agent(['import', '--project', '--json'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).stored[0]).toMatchObject({ secret: 'project-only', scope: dir });
    // Read through the CLI run in each folder: the daemon scopes by the caller's real working directory.
    const inside = await world.agent(['get', 'project-only'], { cwd: dir });
    expect(inside.code, inside.stderr).toBe(0);
    expect(inside.stdout).toBe('scoped-4');
    const outside = await world.agent(['get', 'project-only'], { cwd: world.home });
    expect(outside.code).toBe(77);
    expect(outside.stderr).toContain('"project-only"');
  });

  test('--env-file merges into a manifest elsewhere; CRLF files stay CRLF', async () => {
    const root = project({ 'agent.env': 'A=agent://a\r\nB=literal\r\n' });
    mkdirSync(join(root, 'svc'));
    writeFileSync(join(root, 'svc', '.env'), 'B=crlf-5\r\nC="two\r\nlines-6"\r\n');
    const r = await world.agent(['import', 'svc/.env', '--env-file', 'agent.env'], { cwd: root });
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(join(root, 'agent.env'), 'utf8')).toBe('A=agent://a\r\nB=agent://b\r\nC=agent://c\r\n');
    expect(await value('c', root)).toBe('two\nlines-6');
    expect(existsSync(join(root, 'svc', 'agent.env'))).toBe(false);
  });

  test('--env-file can name a manifest that does not exist yet (node started with --, see the note)', async () => {
    // Node reads a script argument named --env-file as its own option and exits 9 when the file is
    // missing (nodejs/node#54232); `node -- script` stops that scan, so run the CLI that way here.
    const dir = project({ '.env': 'FRESH=fresh-7\n' });
    const before = await names();
    const r: Result = await run(process.execPath, ['--', CLI, 'import', '--env-file', 'deploy/agent.env', '--json'], { cwd: dir, env: world.env });
    expect(r.code, r.stderr).toBe(65); // checked before anything is stored
    expect(r.stderr).toMatch(/no folder .*\/deploy to write agent\.env in/);
    expect(await names()).toEqual(before);
    mkdirSync(join(dir, 'deploy'));
    const again = await run(process.execPath, ['--', CLI, 'import', '--env-file', 'deploy/agent.env'], { cwd: dir, env: world.env });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain(`agent: wrote ${join(dir, 'deploy', 'agent.env')} and approved it`);
    expect(readFileSync(join(dir, 'deploy', 'agent.env'), 'utf8')).toMatch(/\nFRESH=agent:\/\/fresh\n$/);
    expect(again.stderr).toContain('agent: next: agent exec --env-file deploy/agent.env -- <command>');
  });

  test('refuses invalid derived names, refused variables and bad values with exit 65, storing nothing', async () => {
    const before = await names();
    const cases: Array<[string, string | Buffer, RegExp]> = [
      ['reserved name', 'GOOD=ok-1\nTEMP=x\n', /\.env:2: cannot name a secret after TEMP: .*"temp" is reserved/],
      ['empty name', 'GOOD=ok-1\n__=x\n', /\.env:2: cannot name a secret after __: a secret name cannot be empty/],
      ['two variables, one name', 'A_B=1\nA__B=2\n', /\.env:2: A__B and A_B \(line 1\) both give the secret name "a-b"/],
      ['NUL byte', Buffer.from('GOOD=ok-1\nNUL_VALUE=a\0b\n'), /\.env:2: the value of NUL_VALUE contains a NUL byte/],
      ['over 64 KiB', `GOOD=ok-1\nHUGE=${'x'.repeat(64 * 1024 + 1)}\n`, /\.env:2: the value of HUGE is 65537 bytes, over the limit of 65536/],
      ['refused variable', 'GOOD=ok-1\nLD_PRELOAD=/tmp/x.so\n', /\.env:2: LD_PRELOAD is refused/],
      ['bad reference', 'GOOD=ok-1\nREF=agent://Not A Name\n', /\.env:2: bad reference for REF: invalid secret name/],
      ['invalid variable', 'GOOD=ok-1\nmy.var=1\n', /\.env:2: invalid variable name "my\.var"/],
    ];
    for (const [label, content, message] of cases) {
      const dir = project({ '.env': content });
      const r = await world.agent(['import', '--remove'], { cwd: dir });
      expect(r.code, `${label}: ${r.stderr}`).toBe(65);
      expect(r.stderr, label).toMatch(message);
      expect(r.stderr, label).toMatch(/agent: error: nothing was imported: 1 problem in \.env/);
      expect(r.stderr, label).toContain('agent: hint: ');
      expect(r.stdout + r.stderr, label).not.toMatch(/ok-1|a\0b|xxxxxxxx|x\.so/);
      expect(existsSync(join(dir, 'agent.env')), label).toBe(false);
      expect(existsSync(join(dir, '.env')), label).toBe(true);
      expect(await names(), label).toEqual(before);
    }
  });

  test('refuses an existing agent.env that would not be a valid manifest, storing nothing', async () => {
    const before = await names();
    const dir = project({ '.env': 'GOOD=ok-8\n', 'agent.env': 'NODE_OPTIONS=--require ./x.js\n' });
    const r = await world.agent(['import'], { cwd: dir });
    expect(r.code).toBe(65);
    expect(r.stderr).toMatch(/agent\.env:1: NODE_OPTIONS is refused/);
    expect(readFileSync(join(dir, 'agent.env'), 'utf8')).toBe('NODE_OPTIONS=--require ./x.js\n');
    expect(await names()).toEqual(before);
  });

  test('reports a missing .env, an empty one and the manifest itself as input errors', async () => {
    const dir = project({ 'empty.env': '# nothing here\n', 'agent.env': 'A=agent://a\n' });
    const missing = await world.agent(['import'], { cwd: dir });
    expect(missing.code).toBe(65);
    expect(missing.stderr).toContain('agent: error: cannot read .env (ENOENT)');
    const empty = await world.agent(['import', 'empty.env'], { cwd: dir });
    expect(empty.code).toBe(65);
    expect(empty.stderr).toContain('nothing to import: empty.env sets no variables');
    const self = await world.agent(['import', 'agent.env'], { cwd: dir });
    expect(self.code).toBe(64);
    expect(self.stderr).toContain('agent.env is the manifest itself');
  });
});
