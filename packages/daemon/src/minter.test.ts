import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { decodeRecord, type TtlPolicy } from '@latchkey/core';
import { failingWrites } from '@latchkey/test-utils/stores';
import { MemoryAudit } from './audit.js';
import { memoryLogger } from './log.js';
import { MintFailure, type MintRunOptions } from './mint-command.js';
import { Minter } from './minter.js';
import { AgentService } from './service.js';
import { MemoryStore } from './store/memory.js';

const TTL: TtlPolicy = { defaultSeconds: 3600, maxSeconds: 30 * 86400 };

/** A store whose writes fail while `failing` is set, as a stopped or frozen keychain's do. */
const FlakyStore = failingWrites(MemoryStore, 'the keychain did not answer within 3s');

let store: InstanceType<typeof FlakyStore>;
let audit: MemoryAudit;
let log: ReturnType<typeof memoryLogger>;
let service: AgentService;
let runs: number;
let minter: Minter;

/** A fake mint command: value-1, value-2, ... (one per run). */
async function fakeRun(_command: string, _options: MintRunOptions) {
  runs++;
  return { value: `value-${runs}` };
}

beforeEach(() => {
  vi.useFakeTimers({ now: Date.UTC(2030, 0, 1) });
  store = new FlakyStore();
  audit = new MemoryAudit();
  log = memoryLogger();
  service = new AgentService({ store, audit, log, clock: () => Date.now(), ttl: TTL, projectRoot: () => undefined });
  runs = 0;
  minter = new Minter({ service, audit, log, clock: () => Date.now(), env: {}, cwd: '/', run: fakeRun });
});
afterEach(() => {
  minter.close();
  vi.useRealTimers();
});

const input = { name: 'gh-token', ttlSeconds: 60, owner: '', description: '', project: false, cwd: '', source: 'mint', mint: "/bin/sh -c 'gh auth token'" };
const stored = async () => {
  const raw = await store.get('global:gh-token');
  return raw === undefined ? undefined : decodeRecord('global:gh-token', raw).value;
};

describe('Minter, when the store fails after the command succeeded', () => {
  it('serves the new value from memory, retries the store until it lands, and does not run the command again meanwhile', async () => {
    await minter.create(input);
    expect(await stored()).toBe('value-1');
    store.failing = true;
    await vi.advanceTimersByTimeAsync(46_000); // past 75% of 60 s: rotation runs the command once
    expect(runs).toBe(2);
    expect((await service.get('gh-token', '')).value).toBe('value-2');
    expect(await stored()).toBe('value-1');
    expect(minter.isHeld('global' as never, 'gh-token')).toBe(true);
    await vi.advanceTimersByTimeAsync(10_000); // several store retries, no new run
    expect(runs).toBe(2);
    store.failing = false;
    await vi.advanceTimersByTimeAsync(10_000);
    expect(await stored()).toBe('value-2');
    expect(runs).toBe(2);
    expect(minter.isHeld('global' as never, 'gh-token')).toBe(false);
    const lines = log.lines.join('\n');
    expect(lines).toMatch(/failed at the store step: the keychain did not answer within 3s; the command succeeded/);
    expect(lines).not.toMatch(/kept failing/);
    expect(audit.events.some((e) => e.event === 'mint' && e.outcome === 'held' && e.step === 'store')).toBe(true);
  });

  it('keeps the lifetime the value had when it was minted, not when its store landed', async () => {
    store.failing = true;
    const meta = await minter.create(input);
    await vi.advanceTimersByTimeAsync(20_000);
    store.failing = false;
    await vi.advanceTimersByTimeAsync(10_000);
    const raw = await store.get('global:gh-token');
    expect(decodeRecord('global:gh-token', raw as string).meta.expiresAt).toBe(meta.expiresAt);
    expect(runs).toBe(1);
  });

  it('mints again once a held value expired unstored (an expired value is never served)', async () => {
    store.failing = true;
    await minter.create(input);
    await vi.advanceTimersByTimeAsync(61_000);
    expect(runs).toBe(2);
    expect((await service.get('gh-token', '')).value).toBe('value-2');
  });
});

describe('Minter, when the command fails', () => {
  it('logs the command step with the redacted stderr, and keeps the old value', async () => {
    await minter.create(input);
    let fail = true;
    const failing = new Minter({
      service, audit, log, clock: () => Date.now(), env: {}, cwd: '/',
      run: async (_c, options) => {
        if (!fail) return { value: 'later' };
        throw new MintFailure('command', 'the mint command exited with code 1', options.redact('auth failed for value-1'));
      },
    });
    await expect(failing.rotate('gh-token', '')).rejects.toThrow(/exited with code 1/);
    fail = false;
    failing.close();
    const lines = log.lines.join('\n');
    expect(lines).toContain('failed at the command step: the mint command exited with code 1; its stderr: auth failed for [redacted]');
    expect(lines).not.toContain('value-1');
    expect(await stored()).toBe('value-1');
  });
});

/** A store whose writes hang for `hangMs` (fake time) and then fail, as a frozen keychain's time out. */
class FrozenStore extends MemoryStore {
  hangMs = 0;
  override async set(account: string, password: string): Promise<void> {
    if (this.hangMs === 0) return super.set(account, password);
    await new Promise((r) => setTimeout(r, this.hangMs));
    throw new Error('the keychain did not answer within 3s');
  }
}

describe('Minter, when the store hangs past the old value\'s expiry', () => {
  it('serves the new value before the old one expires, then holds it when the store fails', async () => {
    const frozen = new FrozenStore();
    const svc = new AgentService({ store: frozen, audit, log, clock: () => Date.now(), ttl: TTL, projectRoot: () => undefined });
    const m = new Minter({ service: svc, audit, log, clock: () => Date.now(), env: {}, cwd: '/', run: fakeRun });
    const first = await m.create({ ...input, ttlSeconds: 10 });
    frozen.hangMs = 3000;
    await vi.advanceTimersByTimeAsync(first.expiresAt - Date.now() - 10); // rotation at 7.5 s, store still hanging at 10 s
    expect(runs).toBe(2);
    expect((await svc.get('gh-token', '')).value).toBe('value-2');
    await vi.advanceTimersByTimeAsync(1000); // the store fails at 10.5 s: held, served
    expect(m.isHeld('global' as never, 'gh-token')).toBe(true);
    expect((await svc.get('gh-token', '')).value).toBe('value-2');
    frozen.hangMs = 0;
    await vi.advanceTimersByTimeAsync(2000);
    expect(m.isHeld('global' as never, 'gh-token')).toBe(false);
    expect(decodeRecord('global:gh-token', (await frozen.get('global:gh-token')) as string).value).toBe('value-2');
    expect(runs).toBe(2);
    m.close();
  });
});

describe('Minter.flush at shutdown', () => {
  it('stores a held value once more, so that it survives the restart', async () => {
    store.failing = true;
    await minter.create(input);
    expect(await stored()).toBeUndefined();
    store.failing = false;
    await minter.flush();
    expect(await stored()).toBe('value-1');
    expect(minter.isHeld('global' as never, 'gh-token')).toBe(false);
  });
});
