import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { isLatchkeyError } from '@latchkey/core';
import { memoryLogger } from './log.js';
import { ProcessBindings } from './lease-binding.js';

const PEER = { pid: process.pid, uid: 1000, exe: '/peer/exe' };

describe('ProcessBindings', () => {
  it('binds nothing for pid 0, and reuses what a lease of the same process recorded', () => {
    const b = new ProcessBindings(memoryLogger(), () => false);
    expect(b.bind(0, PEER, undefined)).toEqual({ binding: undefined, boundExe: '' });
    // `known` was checked when its lease was bound: not checked (here: not alive) again.
    expect(b.bind(77, PEER, { binding: '123', boundExe: '/bin/x' })).toEqual({ binding: '123', boundExe: '/bin/x' });
  });

  it('refuses a process that does not run', () => {
    const b = new ProcessBindings(memoryLogger(), () => false);
    let err: unknown;
    try {
      b.bind(77, PEER, undefined);
    } catch (e) {
      err = e;
    }
    expect(isLatchkeyError(err) && err.kind).toBe('input');
    expect((err as Error).message).toBe('process 77 is not running: a lease cannot be bound to it');
  });

  it("records the start time from /proc and the caller's executable when the caller is the process", () => {
    const b = new ProcessBindings(memoryLogger());
    const bound = b.bind(process.pid, PEER, undefined);
    expect(bound.boundExe).toBe('/peer/exe');
    if (process.platform === 'linux') expect(bound.binding).toMatch(/^\d+$/);
    expect(b.alive(process.pid, bound.binding)).toBe(true);
    // The same pid with another start time is another process.
    if (process.platform === 'linux') expect(b.alive(process.pid, '1')).toBe(false);
  });

  it('takes an exited process as gone', () => {
    const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    const b = new ProcessBindings(memoryLogger());
    expect(b.alive(Number(r.stdout), undefined)).toBe(false);
  });

  it('a check that throws says alive (the TTL still ends the lease) and is logged', () => {
    const log = memoryLogger();
    const b = new ProcessBindings(log, () => {
      throw new Error('EMFILE');
    });
    expect(b.alive(77, undefined)).toBe(true);
    expect(log.lines).toEqual(['warn liveness check of process 77 failed: EMFILE']);
  });
});
