// `agent allow` and `agent deny` end to end: the built CLI against a real daemon (memory store); the
// approval state checked through the daemon (InspectManifest) and in approvals.json.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect } from 'vitest';
import type { AgentConnection } from '@latchkey/client';
import { labTest, testdir, waitFor, type World } from '@latchkey/test-utils';

const test = labTest({ store: 'memory' });

const MANIFEST = [
  '# references only',
  'STRIPE_KEY=agent://stripe-test?owner=payments&docs=https://wiki.example/stripe',
  'SESSION_SECRET=agent://temp/random?bytes=32',
  'LOG_LEVEL=debug',
  '',
].join('\n');

describe('agent allow / agent deny', () => {
  let world: World;
  let client: AgentConnection;
  test.beforeAll(({ world: w, client: c }) => {
    world = w;
    client = c;
  });
  const project = (files: Record<string, string>): string => testdir(files, world.home);
  /** The approvals the daemon keeps on disk, by real path. */
  const approvals = (): Record<string, { sha256: string }> => {
    const file = join(world.stateDir, 'approvals.json');
    return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { manifests: Record<string, { sha256: string }> }).manifests : {};
  };

  test('allow shows what the manifest asks for and approves it; deny withdraws; round trip', async () => {
    const dir = project({ 'agent.env': MANIFEST });
    const path = join(dir, 'agent.env');
    mkdirSync(join(dir, 'deep', 'er'), { recursive: true });
    expect((await client.inspectManifest(path)).approved).toBe(false);

    // Without PATH: the nearest agent.env above the working directory.
    const allow = await world.agent(['allow'], { cwd: join(dir, 'deep', 'er') });
    expect(allow.code, allow.stderr).toBe(0);
    expect(allow.stdout).toContain(`${path} (sha256 `);
    expect(allow.stdout).toContain('not approved');
    expect(allow.stdout).toMatch(/^VARIABLE\s+LINE\s+KIND\s+SECRET\s+OWNER\s+USES\s+PARAMS$/m);
    expect(allow.stdout).toMatch(/^STRIPE_KEY\s+2\s+secret\s+stripe-test\s+payments\s+-\s+-$/m);
    expect(allow.stdout).toMatch(/^SESSION_SECRET\s+3\s+temp\s+temp\/random\s+-\s+-\s+bytes=32$/m);
    expect(allow.stdout).toMatch(/^LOG_LEVEL\s+4\s+literal\s+-\s+-\s+-\s+-$/m);
    expect(allow.stderr).toContain(`agent: approved ${path}`);
    const info = await client.inspectManifest(path);
    expect(info.approved).toBe(true);
    expect(approvals()[path]?.sha256).toBe(info.sha256);

    // Again, by path, as JSON.
    const json = await world.agent(['allow', 'agent.env', '--json'], { cwd: dir });
    expect(json.code, json.stderr).toBe(0);
    const doc = JSON.parse(json.stdout);
    expect(doc).toMatchObject({ path, sha256: info.sha256, approved: true, wasApproved: true });
    expect(doc.entries.map((e: { variable: string }) => e.variable)).toEqual(['STRIPE_KEY', 'SESSION_SECRET', 'LOG_LEVEL']);

    const deny = await world.agent(['deny'], { cwd: dir });
    expect(deny.code, deny.stderr).toBe(0);
    expect(deny.stderr).toContain(`agent: approval of ${path} withdrawn`);
    expect((await client.inspectManifest(path)).approved).toBe(false);
    expect(approvals()[path]).toBeUndefined();

    const denyAgain = await world.agent(['deny', '--json', dir], { cwd: world.home });
    expect(denyAgain.code, denyAgain.stderr).toBe(0);
    expect(JSON.parse(denyAgain.stdout)).toEqual({ path, wasApproved: false });
  });

  test('an edited manifest is no longer approved until allowed again', async () => {
    const dir = project({ 'agent.env': 'A=agent://a\n' });
    const path = join(dir, 'agent.env');
    expect((await world.agent(['allow', path])).code).toBe(0);
    writeFileSync(path, 'A=agent://a\nB=agent://b\n');
    const info = await client.inspectManifest(path);
    expect(info.approved).toBe(false);
    const again = await world.agent(['allow', path]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/^B\s+2\s+secret\s+b/m);
    expect((await client.inspectManifest(path)).approved).toBe(true);
  });

  test('the daemon withdraws the approval of an edited manifest by itself, and logs it', async () => {
    const dir = project({ 'agent.env': 'W=agent://w\n' });
    const path = join(dir, 'agent.env');
    expect((await world.agent(['allow', path])).code).toBe(0);
    expect(approvals()[path]).toBeDefined();
    writeFileSync(path, 'W=agent://w\nX=1\n');
    // Nobody asks the daemon anything: the file watcher alone must notice.
    // approvals.json is saved before the audit record is appended: wait for the record, the last event.
    const withdrawn = expect.objectContaining({ event: 'manifest', outcome: 'withdrawn', manifest: path, reason: 'content changed' });
    const audit = () => readFileSync(join(world.stateDir, 'audit.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    await waitFor(() => audit().some((r) => withdrawn.asymmetricMatch(r)), 20_000, 50);
    expect(approvals()[path]).toBeUndefined();
    expect(audit()).toContainEqual(withdrawn);
    expect(readFileSync(join(world.stateDir, 'daemon.log'), 'utf8')).toContain(`approval of ${path} withdrawn: the manifest changed`);
  });

  test('refuses an invalid manifest with exit 65 and does not approve it', async () => {
    const cases: Array<[string, string, RegExp]> = [
      ['LD_PRELOAD', 'OK=agent://ok\nLD_PRELOAD=\n', /agent\.env:2: LD_PRELOAD is refused: .*--allow-var LD_PRELOAD/],
      ['bad reference', 'OK=agent://ok\nBAD=agent://Not Valid\n', /agent\.env:2: bad reference for BAD: invalid secret name/],
      ['unknown parameter', 'BAD=agent://ok?colour=red\n', /agent\.env:1: bad reference for BAD: unknown parameter "colour"/],
      ['not an assignment', 'OK=agent://ok\nthis is not dotenv\n', /agent\.env:2: this line does not parse as NAME=value/],
      ['set twice', 'A=1\nA=2\n', /agent\.env:2: A is set twice/],
    ];
    for (const [label, content, message] of cases) {
      const dir = project({ 'agent.env': content });
      const r = await world.agent(['allow'], { cwd: dir });
      expect(r.code, `${label}: ${r.stderr}`).toBe(65);
      expect(r.stderr, label).toMatch(message);
      expect(r.stderr, label).toMatch(/^agent: hint: fix line \d+ of /m);
      expect(r.stdout, label).toBe('');
      expect(approvals()[join(dir, 'agent.env')], label).toBeUndefined();
    }
  });

  test('--allow-var lets a refused variable through, for that approval', async () => {
    const dir = project({ 'agent.env': 'NODE_OPTIONS=--max-old-space-size=4096\n' });
    const path = join(dir, 'agent.env');
    expect((await world.agent(['allow'], { cwd: dir })).code).toBe(65);
    const r = await world.agent(['allow', '--allow-var', 'NODE_OPTIONS'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect((await client.inspectManifest(path, ['NODE_OPTIONS'])).approved).toBe(true);
  });

  test('a missing manifest is an input error (65) with a hint', async () => {
    const dir = project({});
    const none = await world.agent(['allow'], { cwd: dir });
    expect(none.code).toBe(65);
    expect(none.stderr).toContain(`agent: error: no agent.env in ${dir} or any folder above it`);
    expect(none.stderr).toMatch(/^agent: hint: .*agent allow path\/to\/agent\.env/m);
    const named = await world.agent(['allow', 'nope/agent.env'], { cwd: dir });
    expect(named.code).toBe(65);
    expect(named.stderr).toContain(`agent: error: no manifest at ${join(dir, 'nope', 'agent.env')}`);
    expect(named.stderr).toContain('agent: hint: ');
    const deny = await world.agent(['deny'], { cwd: dir });
    expect(deny.code).toBe(65);
    expect(deny.stderr).toMatch(/^agent: hint: .*agent deny path\/to\/agent\.env/m);
  });
});
