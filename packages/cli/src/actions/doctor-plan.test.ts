import { describe, expect, it } from 'vitest';
import type { SecretMeta, SecretState } from '@latchkey/core';
import type { DaemonStatus, InventoryEntry, ManifestInspection, NeededSecretInfo } from '@latchkey/client';
import { diagnose, renderFindings, testManifestReason, type DoctorFacts, type FolderStat, type ProjectFacts } from './doctor-plan.js';

const NOW = 1_900_000_000_000;
const UID = 1000;
const DIR: FolderStat = { symlink: false, directory: true, uid: UID, mode: 0o40700 };
const STATUS: DaemonStatus = { pid: 42, socket: '/run/user/1000/latchkey/agent.sock', store: 'keychain', storeNote: '', secrets: 1, uptimeSeconds: 5, version: '0.1.0', stateDir: '/s', auditHead: '', keychain: 'ok' };

function meta(name: string, expiresAt: number, over: Partial<InventoryEntry> = {}): InventoryEntry {
  return { name, scope: 'global', owner: '', description: '', createdAt: NOW - 1000, expiresAt, source: 'manual', lastUsedAt: 0, useCount: 0, leakedAt: 0, leakedWhere: '', ...over };
}
function needed(name: string, state: SecretState, stored?: SecretMeta): NeededSecretInfo {
  return { name, variables: ['V'], signerFor: [], owner: 'team', description: '', docs: '', maxTtlSeconds: undefined, state, stored };
}
function inspection(over: Partial<ManifestInspection> = {}): ManifestInspection {
  return { path: '/p/agent.env', realPath: '/p/agent.env', sha256: '00', approved: true, changed: false, entries: [], needed: [], projectRoot: '/p', refusedVariables: [], ...over };
}
function project(over: Partial<ProjectFacts> = {}): ProjectFacts {
  return { cwd: '/p', manifestPath: '/p/agent.env', manifest: { inspection: inspection() }, inventory: [], projectRoot: '/p', scan: { result: { leaks: [], filesRead: 3, truncated: false }, searched: 1, maxFiles: 20_000 }, ...over } as ProjectFacts;
}
function facts(over: Partial<DoctorFacts> = {}): DoctorFacts {
  return { uid: UID, socket: STATUS.socket, folders: [{ check: 'socket-folder', dir: '/run/user/1000/latchkey', stat: DIR, whenMissing: 'agent daemon start' }], daemon: { status: STATUS }, project: project(), ...over };
}
/** The findings as "level check: message [fix]" lines. */
const lines = (f: DoctorFacts) => diagnose(f, NOW).findings.map((x) => `${x.level} ${x.check}: ${x.message}${x.fix && x.level !== 'ok' ? ` [${x.fix}]` : ''}`);

describe('diagnose', () => {
  it('a healthy setup has no problems', () => {
    const report = diagnose(facts(), NOW);
    expect(report).toMatchObject({ ok: true, problems: 0, notices: 0 });
    expect(lines(facts())).toEqual([
      'ok socket-folder: /run/user/1000/latchkey is yours and 0700',
      'ok daemon: the daemon answers on /run/user/1000/latchkey/agent.sock (pid 42, version 0.1.0)',
      'ok keychain: the keychain answers and is unlocked',
      'ok store: the daemon keeps secrets in the keychain',
      'ok manifest: /p/agent.env is approved',
      'ok plain-files: no value of the 1 secret this project can see in 3 files under /p',
    ]);
  });

  it.each<[string, FolderStat | undefined, string]>([
    ['absent', undefined, 'notice socket-folder: /d does not exist yet [agent daemon start]'],
    ['a symlink', { ...DIR, symlink: true }, 'problem socket-folder: /d is a symlink [rm -rf /d && mkdir -m 700 /d]'],
    ['a file', { ...DIR, directory: false }, 'problem socket-folder: /d is not a folder [rm -rf /d && mkdir -m 700 /d]'],
    ["another user's", { ...DIR, uid: 0 }, 'problem socket-folder: /d is owned by uid 0, not by you (uid 1000) [sudo chown 1000 /d]'],
    ['group-readable', { ...DIR, mode: 0o40750 }, 'problem socket-folder: /d has mode 0750; it must be 0700 [chmod 700 /d]'],
  ])('a folder that is %s', (_, stat, want) => {
    expect(lines(facts({ folders: [{ check: 'socket-folder', dir: '/d', stat, whenMissing: 'agent daemon start' }] }))[0]).toBe(want);
  });

  it.each<[string, DoctorFacts['daemon'], string[]]>([
    [
      'nothing answers',
      undefined,
      [
        'problem daemon: no daemon answers on /run/user/1000/latchkey/agent.sock [agent daemon start (or agent daemon install to start it at login)]',
        'problem store: the store was not checked: the daemon does not answer [agent daemon start]',
      ],
    ],
    [
      'the daemon cannot be reached',
      { failure: { message: 'permission denied', hint: 'check the socket' } },
      ['problem daemon: the daemon cannot be reached: permission denied [check the socket]', 'problem store: the store was not checked: the daemon does not answer [agent daemon start]'],
    ],
    [
      'the keychain is locked and the memory store is in use',
      { status: { ...STATUS, keychain: 'locked', store: 'memory', storeNote: 'the keychain is locked' } },
      [
        'ok daemon: the daemon answers on /run/user/1000/latchkey/agent.sock (pid 42, version 0.1.0)',
        'problem keychain: the keychain is locked: values are not served until it is unlocked [unlock the login keyring (on Linux: open "Passwords and Keys" and choose Unlock, or log in again)]',
        'problem store: the daemon uses the memory store: the keychain is locked [start the Secret Service (gnome-keyring, KeePassXC) or unlock the keychain, then: agent daemon stop && LATCHKEY_STORE=keychain agent daemon start]',
      ],
    ],
  ])('when %s', (_, daemon, want) => {
    const got = lines(facts({ daemon, project: daemon && 'status' in daemon ? project({ manifestPath: undefined, manifest: undefined, scan: undefined, projectRoot: undefined }) : undefined }));
    expect(got.slice(1, 1 + want.length)).toEqual(want);
  });

  it.each<[string, ProjectFacts['manifest'], string[]]>([
    ['an unapproved manifest names the --allow-var its approval needs', { inspection: inspection({ approved: false, refusedVariables: ['LD_PRELOAD'] }) }, ['problem manifest: /p/agent.env is not approved [review it, then: agent allow /p/agent.env --allow-var LD_PRELOAD]']],
    ['a changed manifest', { inspection: inspection({ approved: false, changed: true }) }, ['problem manifest: /p/agent.env changed since it was approved [review it, then: agent allow /p/agent.env]']],
    ['a manifest that does not parse', { failure: { message: '/p/agent.env:3: this line does not parse as NAME=value', hint: 'fix line 3 of /p/agent.env' } }, ['problem manifest: /p/agent.env:3: this line does not parse as NAME=value [fix line 3 of /p/agent.env]']],
    [
      'needed secrets missing, expired and present',
      {
        inspection: inspection({
          needed: [needed('gone', 'missing'), needed('old', 'expired', meta('old', NOW - 3600_000)), needed('fine', 'present', meta('fine', NOW + 48 * 3600_000, { scope: '/p' }))],
        }),
      },
      [
        'ok manifest: /p/agent.env is approved',
        'problem secret: secret gone (for V) is missing; owner team [agent onboard (or agent set gone)]',
        'problem secret: secret old (for V) expired 1h ago; owner team [agent onboard (or agent set old)]',
        'ok secret: secret fine (for V) is present (/p, 2d left)',
      ],
    ],
  ])('%s', (_, manifest, want) => {
    const got = lines(facts({ project: project({ manifest }) })).filter((l) => / (manifest|secret): /.test(l));
    expect(got).toEqual(want);
  });

  it('notes secrets expiring within a day with the command that renews each', () => {
    const inventory = [meta('soon', NOW + 3600_000), meta('minted', NOW + 60_000, { mint: 'echo x' }), meta('own', NOW + 7200_000, { scope: '/p' }), meta('later', NOW + 48 * 3600_000), meta('past', NOW - 1)];
    const got = lines(facts({ project: project({ inventory }) })).filter((l) => l.includes(' expiring: '));
    expect(got).toEqual([
      `notice expiring: secret soon expires in 1h (${new Date(NOW + 3600_000).toISOString()}) [agent set soon --ttl 12h]`,
      `notice expiring: secret minted expires in 1m (${new Date(NOW + 60_000).toISOString()}) [agent rotate minted]`,
      `notice expiring: secret own of project /p expires in 2h (${new Date(NOW + 7200_000).toISOString()}) [cd /p && agent set own --project --ttl 12h]`,
    ]);
    const report = diagnose(facts({ project: project({ inventory }) }), NOW);
    expect(report).toMatchObject({ ok: true, problems: 0 });
    expect(report.findings.filter((f) => f.check === 'expiring')).toHaveLength(3);
  });

  it('lists secrets that expire only in Latchkey with their age and how to replace them, using the manifest\'s docs', () => {
    const stored = meta('stripe-test', NOW + 48 * 3600_000, { createdAt: NOW - 3 * 86_400_000 });
    const inventory = [stored, meta('gh', NOW + 3600_000, { mint: 'gh auth token', sourceExpiry: true, createdAt: NOW - 60_000 }), meta('loose', NOW + 3600_000), meta('gone', NOW - 1)];
    const manifest = { inspection: inspection({ approved: true, needed: [{ ...needed('stripe-test', 'present', stored), docs: 'https://wiki/stripe' }] }) };
    const got = lines(facts({ project: project({ inventory, manifest }) })).filter((l) => l.includes(' local-expiry: '));
    const until = (ms: number) => new Date(ms).toISOString();
    expect(got).toEqual([
      `notice local-expiry: secret stripe-test (stored 3d ago) expires only in Latchkey: its provider keeps accepting the value after ${until(NOW + 48 * 3600_000)} [mint it from its source (see https://wiki/stripe, owner team): agent set stripe-test --mint 'COMMAND' with a command that prints {"value","expires_at"}; for a database user, use agent://temp/postgres, temp/mysql or temp/redis with admin=NAME in agent.env]`,
      `notice local-expiry: secret loose (stored 1s ago) expires only in Latchkey: its provider keeps accepting the value after ${until(NOW + 3600_000)} [agent set loose --mint 'COMMAND' with a command that prints {"value","expires_at"}, or a temporary key (agent://temp/...)]`,
    ]);
  });

  it('reports a stored secret marked leaked by agent scan, with rotate or revoke as the fix', () => {
    const inventory = [meta('minted', NOW + 48 * 3600_000, { mint: 'echo x', leakedAt: NOW - 60_000, leakedWhere: 'git history' }), meta('manual', NOW + 48 * 3600_000, { owner: 'payments', scope: '/p', leakedAt: NOW - 60_000, leakedWhere: '.env' })];
    expect(lines(facts({ project: project({ inventory }) })).filter((l) => l.includes(' leaked: '))).toEqual([
      'problem leaked: the value of secret minted leaked: found 1m ago in git history [agent rotate minted]',
      'problem leaked: the value of secret manual of project /p leaked: found 1m ago in .env [revoke it where it was issued (owner payments), then agent set manual]',
    ]);
  });

  it('reports each leak with its file and a fix, and a scan cut short', () => {
    const scan = { result: { leaks: [{ secret: 'stripe', file: '/p/.env', relative: '.env' }], filesRead: 20_000, truncated: true }, searched: 2, maxFiles: 20_000 };
    const report = diagnose(facts({ project: project({ scan } as Partial<ProjectFacts>) }), NOW);
    const plain = report.findings.filter((f) => f.check === 'plain-files');
    expect(plain).toEqual([
      { check: 'plain-files', level: 'problem', secret: 'stripe', file: '/p/.env', message: '.env holds the value of secret stripe', fix: 'remove it from .env (reference it in agent.env as VARIABLE=agent://stripe), then replace the value: agent set stripe' },
      { check: 'plain-files', level: 'notice', message: 'stopped after 20000 files under /p; the rest were not searched', fix: 'run agent doctor from a smaller folder of the project' },
    ]);
    expect(report).toMatchObject({ ok: false, problems: 1, notices: 1 });
  });

  it('notes a live key in a manifest used by tests, from the kind stored with it, and nothing for test keys', () => {
    const kinds = { live: 'stripe/secret-live', test: 'stripe/secret-test', restricted: 'stripe/restricted-live', none: undefined, unknown: 'gone/kind' };
    const need = (name: string, tokenKind: string | undefined) => needed(name, 'present', meta(name, NOW + 3600_000, { tokenKind }));
    const tests = inspection({ path: '/p/tests/agent.env', needed: [need('live', kinds.live), need('test', kinds.test), need('restricted', kinds.restricted), need('plain', kinds.none), need('odd', kinds.unknown), needed('missing', 'missing')] });
    const named = inspection({ path: '/p/.env.test', needed: [need('gh', 'github/classic-pat')] });
    const testManifests = [
      { relative: 'tests/agent.env', reason: 'it is under tests/', inspection: tests },
      { relative: '.env.test', reason: 'its name marks it for tests', inspection: named },
    ];
    const report = diagnose(facts({ project: project({ testManifests }) }), NOW);
    expect(report).toMatchObject({ ok: true, problems: 0, notices: 3 });
    expect(lines(facts({ project: project({ testManifests }) })).filter((l) => l.includes(' token-kind: '))).toEqual([
      'notice token-kind: secret live (for V) is a live key (stripe/secret-live) in tests/agent.env, a manifest used by tests (it is under tests/) [store a test key under its own name for the tests (agent set live-test) and reference that in tests/agent.env, with forbid=live so a live key is refused]',
      'notice token-kind: secret restricted (for V) is a live key (stripe/restricted-live) in tests/agent.env, a manifest used by tests (it is under tests/) [store a test key under its own name for the tests (agent set restricted-test) and reference that in tests/agent.env, with forbid=live so a live key is refused]',
      'notice token-kind: secret gh (for V) is a live key (github/classic-pat) in .env.test, a manifest used by tests (its name marks it for tests) [store a test key under its own name for the tests (agent set gh-test) and reference that in .env.test, with forbid=live so a live key is refused]',
    ]);
    expect(report.findings.find((f) => f.secret === 'live' && f.check === 'token-kind')).toMatchObject({ file: '/p/tests/agent.env' });
  });

  it.each<[string, string | undefined]>([
    ['agent.env', undefined],
    ['.env', undefined],
    ['.env.local', undefined],
    ['src/agent.env', undefined],
    ['test.env', 'its name marks it for tests'],
    ['agent.test.env', 'its name marks it for tests'],
    ['config/ci.test.env', 'its name marks it for tests'],
    ['.env.test', 'its name marks it for tests'],
    ['.env.test.local', 'its name marks it for tests'],
    ['tests/agent.env', 'it is under tests/'],
    ['test/fixtures/stripe.env', 'it is under test/'],
    ['packages/api/spec/agent.env', 'it is under spec/'],
    ['src/__tests__/agent.env', 'it is under __tests__/'],
    ['e2e/agent.env', 'it is under e2e/'],
    ['tests/setup.ts', undefined],
    ['tests/.envrc', undefined],
    ['testing/agent.env', undefined],
    ['contest/agent.env', undefined],
  ])('a manifest at %s is used by tests: %s', (path, want) => {
    expect(testManifestReason(path)).toBe(want);
  });

  it('outside a project searches no files', () => {
    expect(lines(facts({ project: project({ projectRoot: undefined, scan: undefined, manifestPath: undefined, manifest: undefined }) })).slice(-2)).toEqual([
      'ok manifest: no agent.env in /p or above: no manifest to check',
      'ok plain-files: not inside a project (no agent.env or Git repository above): no files searched',
    ]);
  });
});

describe('renderFindings', () => {
  it('aligns the checks, indents fixes under problems, escapes control characters and counts', () => {
    const out = renderFindings({
      ok: false,
      problems: 1,
      notices: 0,
      findings: [
        { check: 'daemon', level: 'ok', message: 'fine', fix: 'not shown' },
        { check: 'manifest', level: 'problem', message: '/p/\x1b[2Jagent.env is not approved', fix: 'agent allow /p/agent.env' },
      ],
    });
    expect(out).toBe(
      'ok       daemon    fine\n' + 'problem  manifest  /p/\\x1b[2Jagent.env is not approved\n' + '                   fix: agent allow /p/agent.env\n' + '\n1 problem, 0 notices\n',
    );
  });
});
