import { describe, it, expect, beforeEach } from 'vitest';
import {
  encodeRecord,
  isLatchkeyError,
  RECORD_VERSION,
  type LatchkeyError,
  type TtlPolicy,
} from '@latchkey/core';
import { failingWrites } from '@latchkey/test-utils/stores';
import { MemoryAudit } from './audit.js';
import { memoryLogger } from './log.js';
import { AgentService, type PutInput } from './service.js';
import { MemoryStore } from './store/memory.js';

const T0 = 1_900_000_000_000;
const TTL: TtlPolicy = { defaultSeconds: 12 * 3600, maxSeconds: 30 * 86400 };
const ROOT_A = '/work/repo-a';
const ROOT_B = '/work/repo-b';

/** The fake project finder: two projects, everything else is outside any project. */
function projectRoot(cwd: string): string | undefined {
  for (const root of [ROOT_A, ROOT_B]) {
    if (cwd === root || cwd.startsWith(`${root}/`)) return root;
  }
  return undefined;
}

/** A store whose writes fail while `failing` is set, as a locked or unreachable keychain would. */
const FailingSetStore = failingWrites(MemoryStore, 'keychain is locked');

let now: number;
let store: MemoryStore;
let audit: MemoryAudit;
let log: ReturnType<typeof memoryLogger>;
let svc: AgentService;

function makeService(s: MemoryStore = store): AgentService {
  return new AgentService({ store: s, audit, log, clock: () => now, ttl: TTL, projectRoot });
}

beforeEach(() => {
  now = T0;
  store = new MemoryStore();
  audit = new MemoryAudit();
  log = memoryLogger();
  svc = makeService();
});

function input(over: Partial<PutInput> = {}): PutInput {
  return {
    name: 'stripe-test',
    value: 'sk_test_123',
    ttlSeconds: 3600,
    owner: 'payments',
    description: 'stripe test key',
    project: false,
    cwd: '/home/me',
    source: 'manual',
    ...over,
  };
}

async function rejection(p: Promise<unknown>): Promise<LatchkeyError> {
  try {
    await p;
  } catch (err) {
    expect(isLatchkeyError(err)).toBe(true);
    return err as LatchkeyError;
  }
  throw new Error('expected the call to reject');
}

const utf8 = (s: string) => Buffer.from(s, 'utf8');

describe('put / get', () => {
  it.each([
    ['plain', 'sk_test_123'],
    ['trailing newline', 'line one\nline two\n'],
    ['CRLF, tabs and spaces', '  a\r\n\tb \r\n'],
    ['unicode', 'pässwörd ключ 🔑 日本語'],
    ['JSON-looking', '"}\\{"v":2}'],
    ['leading BOM', '\uFEFFbom'],
  ])('round-trips a %s value byte-exact, through memory and through the store', async (_label, value) => {
    await svc.put(input({ value }));
    const got = await svc.get('stripe-test', '/home/me');
    expect(utf8(got.value).equals(utf8(value))).toBe(true);

    // A second daemon reading the same store serves the same bytes.
    const again = makeService();
    await again.load();
    const reloaded = await again.get('stripe-test', '/home/me');
    expect(utf8(reloaded.value).equals(utf8(value))).toBe(true);
  });

  it('writes the record to the store and audits the set without the value', async () => {
    const meta = await svc.put(input({ source: 'import' }));
    expect(meta).toMatchObject({ name: 'stripe-test', scope: 'global', owner: 'payments', createdAt: T0, expiresAt: T0 + 3600_000, source: 'import' });
    const password = await store.get('global:stripe-test');
    expect(password).toBeDefined();
    expect(JSON.parse(password as string)).toMatchObject({ v: RECORD_VERSION, value: 'sk_test_123' });
    expect(audit.events).toEqual([
      expect.objectContaining({ event: 'set', outcome: 'ok', secret: 'stripe-test', scope: 'global', ttl: '1h', source: 'import' }),
    ]);
    expect(JSON.stringify(audit.events)).not.toContain('sk_test_123');
  });

  it('audits a get before returning, naming the secret and the peer', async () => {
    await svc.put(input());
    const peer = { pid: 42, uid: 1000, exe: '/usr/bin/node' };
    await svc.get('stripe-test', '/home/me', peer);
    expect(audit.events.at(-1)).toEqual({ event: 'get', outcome: 'ok', secret: 'stripe-test', scope: 'global', peer });
  });

  it('replaces a value of the same name and scope', async () => {
    await svc.put(input({ value: 'one' }));
    await svc.put(input({ value: 'two' }));
    expect((await svc.get('stripe-test', '/home/me')).value).toBe('two');
    expect(svc.count()).toBe(1);
    expect(await store.list()).toHaveLength(1);
  });

  it('refuses an invalid name or empty value before touching the store', async () => {
    expect((await rejection(svc.put(input({ name: 'Bad Name' })))).kind).toBe('input');
    expect((await rejection(svc.put(input({ value: '' })))).kind).toBe('input');
    expect(await store.list()).toEqual([]);
    expect(svc.count()).toBe(0);
  });

  it('a get of an unknown name is notFound', async () => {
    const err = await rejection(svc.get('nope', '/home/me'));
    expect(err.kind).toBe('notFound');
    expect(err.message).toContain('"nope"');
  });
});

describe('TTL', () => {
  it('uses the default TTL when ttlSeconds is 0', async () => {
    const meta = await svc.put(input({ ttlSeconds: 0 }));
    expect(meta.expiresAt).toBe(T0 + TTL.defaultSeconds * 1000);
  });

  it('accepts exactly the maximum and refuses anything over it', async () => {
    const meta = await svc.put(input({ ttlSeconds: TTL.maxSeconds }));
    expect(meta.expiresAt).toBe(T0 + TTL.maxSeconds * 1000);

    const err = await rejection(svc.put(input({ name: 'too-long', ttlSeconds: TTL.maxSeconds + 1 })));
    expect(err.kind).toBe('input');
    expect(err.exitCode).toBe(65);
    expect(err.message).toContain('over the maximum');
    expect(await store.get('global:too-long')).toBeUndefined();
  });

  it('refuses a negative or fractional TTL', async () => {
    expect((await rejection(svc.put(input({ ttlSeconds: -1 })))).kind).toBe('input');
    expect((await rejection(svc.put(input({ ttlSeconds: 1.5 })))).kind).toBe('input');
    expect(svc.count()).toBe(0);
  });
});

describe('expiry at read time', () => {
  it('serves until 1 ms before expiresAt, refuses at and after it, without a sweep', async () => {
    const { expiresAt } = await svc.put(input({ ttlSeconds: 60 }));
    expect(expiresAt).toBe(T0 + 60_000);

    now = expiresAt - 1;
    expect((await svc.get('stripe-test', '/home/me')).value).toBe('sk_test_123');

    for (const t of [expiresAt, expiresAt + 1, expiresAt + 86_400_000]) {
      now = t;
      audit.events.length = 0;
      const err = await rejection(svc.get('stripe-test', '/home/me'));
      expect(err.kind).toBe('notFound');
      expect(err.message).toContain('expired');
      expect(err.message).not.toContain('sk_test_123');
      expect(audit.events).toEqual([
        expect.objectContaining({ event: 'get', outcome: 'expired', secret: 'stripe-test', scope: 'global' }),
      ]);
    }
    // Nothing was swept: the item is still held and still in the store.
    expect(svc.count()).toBe(1);
    expect(await store.get('global:stripe-test')).toBeDefined();
  });

  it('names agent rotate in the hint of an expired minted secret, agent set for a plain one', async () => {
    const minted = await svc.put(input({ name: 'gh-token', ttlSeconds: 60, source: 'mint', mint: 'gh auth token' }));
    await svc.put(input({ ttlSeconds: 60 }));
    now = minted.expiresAt + 1;
    expect((await rejection(svc.get('gh-token', '/home/me'))).hint).toBe('run agent rotate gh-token to mint a new value');
    expect((await rejection(svc.get('stripe-test', '/home/me'))).hint).toBe('run agent set stripe-test to store a new value');
  });
});

describe('sweep', () => {
  it('removes expired items from the store and memory, audits "expire", and keeps live ones', async () => {
    await svc.put(input({ name: 'short', ttlSeconds: 60 }));
    await svc.put(input({ name: 'long', ttlSeconds: 3600 }));
    audit.events.length = 0;

    now = T0 + 60_000;
    expect(await svc.sweep()).toBe(1);

    expect(await store.get('global:short')).toBeUndefined();
    expect(await store.get('global:long')).toBeDefined();
    expect(svc.list().map((m) => m.name)).toEqual(['long']);
    expect(audit.events).toEqual([{ event: 'expire', outcome: 'ok', secret: 'short', scope: 'global' }]);
    expect(log.lines.some((l) => l.startsWith('info swept expired secret "short"'))).toBe(true);
    expect((await svc.get('long', '/home/me')).value).toBe('sk_test_123');

    // A second sweep finds nothing more.
    audit.events.length = 0;
    expect(await svc.sweep()).toBe(0);
    expect(audit.events).toEqual([]);
  });

  it('does not report an item as expired when a put replaced it before the sweep reached it', async () => {
    await svc.put(input({ value: 'old', ttlSeconds: 60 }));
    now = T0 + 60_000;
    audit.events.length = 0;

    // The put is queued on the account first; the sweep saw the old, expired record.
    const put = svc.put(input({ value: 'new', ttlSeconds: 60 }));
    const swept = svc.sweep();
    await Promise.all([put, swept]);

    expect(await swept).toBe(0);
    expect((await svc.get('stripe-test', '/home/me')).value).toBe('new');
    expect(await store.get('global:stripe-test')).toBeDefined();
    expect(audit.events.filter((e) => e.event === 'expire')).toEqual([]);
    expect(log.lines.some((l) => l.includes('swept'))).toBe(false);
  });

  it('keeps an expired item in memory when the store cannot remove it, and logs why', async () => {
    await svc.put(input({ ttlSeconds: 60 }));
    store.remove = async () => {
      throw new Error('keychain is locked');
    };
    now = T0 + 60_000;
    expect(await svc.sweep()).toBe(0);
    expect(svc.count()).toBe(1);
    expect(log.lines).toContain('warn could not sweep "stripe-test": keychain is locked');
    // Still refused at read time.
    expect((await rejection(svc.get('stripe-test', '/home/me'))).kind).toBe('notFound');
  });
});

describe('project scope', () => {
  it('binds a project secret to the project root, not the working directory', async () => {
    const meta = await svc.put(input({ project: true, cwd: `${ROOT_A}/packages/web` }));
    expect(meta.scope).toBe(ROOT_A);
    expect(await store.get(`${ROOT_A}:stripe-test`)).toBeDefined();
    expect(await store.get('global:stripe-test')).toBeUndefined();
  });

  it('serves it anywhere inside the same root', async () => {
    await svc.put(input({ project: true, cwd: ROOT_A }));
    expect((await svc.get('stripe-test', ROOT_A)).value).toBe('sk_test_123');
    expect((await svc.get('stripe-test', `${ROOT_A}/deep/sub/dir`)).value).toBe('sk_test_123');
  });

  it('denies it from another project and from outside any project, and audits the denial', async () => {
    await svc.put(input({ project: true, cwd: ROOT_A }));
    for (const cwd of [ROOT_B, `${ROOT_B}/src`, '/home/me', '']) {
      audit.events.length = 0;
      const err = await rejection(svc.get('stripe-test', cwd, { pid: 7, uid: 1000 }));
      expect(err.kind).toBe('denied');
      expect(err.exitCode).toBe(77);
      expect(err.message).not.toContain('sk_test_123');
      expect(audit.events).toEqual([
        {
          event: 'get',
          outcome: 'denied',
          secret: 'stripe-test',
          scope: ROOT_A,
          peer: { pid: 7, uid: 1000 },
          reason: 'out of scope',
        },
      ]);
    }
  });

  it('a project secret shadows a global one of the same name inside the project only', async () => {
    await svc.put(input({ value: 'global-value' }));
    await svc.put(input({ value: 'project-value', project: true, cwd: ROOT_A }));
    expect((await svc.get('stripe-test', `${ROOT_A}/x`)).value).toBe('project-value');
    expect((await svc.get('stripe-test', ROOT_B)).value).toBe('global-value');
    expect((await svc.get('stripe-test', '/home/me')).value).toBe('global-value');
    expect(svc.count()).toBe(2);
  });

  it('refuses put --project outside any project with an input error', async () => {
    for (const cwd of ['/home/me', '']) {
      const err = await rejection(svc.put(input({ project: true, cwd })));
      expect(err.kind).toBe('input');
      expect(err.message).toContain('not inside a project');
    }
    expect(await store.list()).toEqual([]);
    expect(audit.events).toEqual([]);
  });

  it('lists global secrets first, then projects, each sorted by name', async () => {
    await svc.put(input({ name: 'zeta', project: true, cwd: ROOT_A }));
    await svc.put(input({ name: 'beta' }));
    await svc.put(input({ name: 'alpha', project: true, cwd: ROOT_B }));
    await svc.put(input({ name: 'alpha' }));
    await svc.put(input({ name: 'alpha', project: true, cwd: ROOT_A }));
    expect(svc.list().map((m) => `${m.scope}:${m.name}`)).toEqual([
      'global:alpha',
      'global:beta',
      `${ROOT_A}:alpha`,
      `${ROOT_A}:zeta`,
      `${ROOT_B}:alpha`,
    ]);
  });
});

describe('load', () => {
  const meta = {
    name: 'ours',
    scope: 'global' as const,
    owner: 'me',
    description: 'd',
    createdAt: T0,
    expiresAt: T0 + 3600_000,
    source: 'manual' as const,
  };

  it('decodes our items and ignores (and logs) everything else, never logging a password', async () => {
    await store.set('global:ours', encodeRecord({ value: 'GOOD-SECRET', meta }));
    await store.set(`${ROOT_A}:ours`, encodeRecord({ value: 'PROJECT-SECRET', meta: { ...meta, scope: ROOT_A } }));
    await store.set('global:bad-json', '{"v":1,"value":"BADJSON-SECRET"');
    await store.set('someone-elses-item', encodeRecord({ value: 'FOREIGN-SECRET', meta }));
    await store.set('global:Not_A_Name', encodeRecord({ value: 'BADNAME-SECRET', meta }));
    await store.set('global:old-version', JSON.stringify({ v: 99, value: 'V99-SECRET', meta }));
    await store.set('global:no-meta', JSON.stringify({ v: RECORD_VERSION, value: 'NOMETA-SECRET' }));

    await svc.load();

    expect(svc.count()).toBe(2);
    expect((await svc.get('ours', '/home/me')).value).toBe('GOOD-SECRET');
    expect((await svc.get('ours', ROOT_A)).value).toBe('PROJECT-SECRET');

    const warnings = log.lines.filter((l) => l.startsWith('warn '));
    for (const account of ['global:bad-json', 'someone-elses-item', 'global:Not_A_Name', 'global:old-version', 'global:no-meta']) {
      expect(warnings.filter((l) => l.includes(`ignored keychain item "${account}"`))).toHaveLength(1);
    }
    expect(warnings).toHaveLength(5);
    expect(log.lines).toContain('info loaded 2 secret(s) from the memory store');
    const all = log.lines.join('\n');
    for (const secret of ['GOOD', 'PROJECT', 'BADJSON', 'FOREIGN', 'BADNAME', 'V99', 'NOMETA']) {
      expect(all).not.toContain(`${secret}-SECRET`);
    }
    // Foreign items are left alone in the store.
    expect(await store.get('someone-elses-item')).toBeDefined();
  });

  it('loads an already expired item but never serves it', async () => {
    await store.set('global:ours', encodeRecord({ value: 'v', meta: { ...meta, expiresAt: T0 } }));
    await svc.load();
    expect(svc.count()).toBe(1);
    expect((await rejection(svc.get('ours', '/home/me'))).kind).toBe('notFound');
  });
});

describe('audit failures', () => {
  it('get fails closed when the audit sink fails: no value, kind unavailable', async () => {
    await svc.put(input());
    audit.failing = true;
    let value: unknown;
    const err = await rejection(svc.get('stripe-test', '/home/me').then((r) => (value = r.value)));
    expect(value).toBeUndefined();
    expect(err.kind).toBe('unavailable');
    expect(err.exitCode).toBe(69);
    expect(err.message).not.toContain('sk_test_123');

    audit.failing = false;
    expect((await svc.get('stripe-test', '/home/me')).value).toBe('sk_test_123');
  });

  it('put is refused when its audit record cannot be written, and nothing is stored', async () => {
    audit.failing = true;
    const err = await rejection(svc.put(input()));
    expect(err.kind).toBe('unavailable');
    expect(await store.get('global:stripe-test')).toBeUndefined();
    expect(svc.count()).toBe(0);
    expect(audit.events).toEqual([]);
    expect(log.lines.join('\n')).not.toContain('sk_test_123');
  });
});

describe('writes', () => {
  it('100 concurrent puts of one name leave memory and store agreeing on one of the values', async () => {
    const values = Array.from({ length: 100 }, (_, i) => `value-${i}`);
    await Promise.all(values.map((value) => svc.put(input({ value }))));

    const inMemory = (await svc.get('stripe-test', '/home/me')).value;
    const stored = JSON.parse((await store.get('global:stripe-test')) as string) as { value: string };
    expect(values).toContain(inMemory);
    expect(stored.value).toBe(inMemory);
    // Per-account queue: operations run in call order, so the last call wins.
    expect(inMemory).toBe('value-99');
    expect(svc.count()).toBe(1);
    expect(await store.list()).toHaveLength(1);
  });

  it('a store whose set() rejects leaves memory unchanged', async () => {
    const failing = new FailingSetStore();
    const s = makeService(failing);
    await s.put(input({ value: 'original' }));
    failing.failing = true;

    await expect(s.put(input({ value: 'replacement' }))).rejects.toThrow('keychain is locked');
    await expect(s.put(input({ name: 'fresh', value: 'new' }))).rejects.toThrow('keychain is locked');

    expect((await s.get('stripe-test', '/home/me')).value).toBe('original');
    expect(s.count()).toBe(1);
    expect(JSON.parse((await failing.get('global:stripe-test')) as string)).toMatchObject({ value: 'original' });
    expect((await rejection(s.get('fresh', '/home/me'))).kind).toBe('notFound');
    // Each put was recorded before the store was asked; the two the store refused are recorded as failed.
    expect(audit.events.filter((e) => e.event === 'set').map((e) => e.outcome)).toEqual(['ok', 'ok', 'failed', 'ok', 'failed']);

    // A failed write does not wedge the account's queue.
    failing.failing = false;
    await s.put(input({ value: 'after' }));
    expect((await s.get('stripe-test', '/home/me')).value).toBe('after');
  });
});

describe('delete', () => {
  it('removes from the store and memory, and audits the removal', async () => {
    await svc.put(input());
    await svc.put(input({ name: 'other' }));
    const meta = await svc.delete('stripe-test', '/home/me', false);
    expect(meta.name).toBe('stripe-test');
    expect(await store.get('global:stripe-test')).toBeUndefined();
    expect(await store.get('global:other')).toBeDefined();
    expect(svc.count()).toBe(1);
    expect((await rejection(svc.get('stripe-test', '/home/me'))).kind).toBe('notFound');
    expect(audit.events.at(-1)).toEqual(expect.objectContaining({ event: 'rm', outcome: 'ok', secret: 'stripe-test', scope: 'global' }));
  });

  it('a missing name is notFound, with and without --project', async () => {
    expect((await rejection(svc.delete('nope', '/home/me', false))).kind).toBe('notFound');
    expect((await rejection(svc.delete('nope', ROOT_A, true))).kind).toBe('notFound');
  });

  it('with --project removes the project secret and leaves the global one it shadowed', async () => {
    await svc.put(input({ value: 'global-value' }));
    await svc.put(input({ value: 'project-value', project: true, cwd: ROOT_A }));
    const meta = await svc.delete('stripe-test', `${ROOT_A}/sub`, true);
    expect(meta.scope).toBe(ROOT_A);
    expect(await store.get(`${ROOT_A}:stripe-test`)).toBeUndefined();
    expect((await svc.get('stripe-test', ROOT_A)).value).toBe('global-value');
  });

  it('refuses to delete another project’s secret', async () => {
    await svc.put(input({ project: true, cwd: ROOT_A }));
    const err = await rejection(svc.delete('stripe-test', ROOT_B, false));
    expect(err.kind).toBe('denied');
    expect(await store.get(`${ROOT_A}:stripe-test`)).toBeDefined();
    expect(svc.count()).toBe(1);
  });
});
