import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { inputError, LatchkeyError } from '@latchkey/core/errors';
import { expectLatchkeyError, makeWorld, testdir } from './index.js';

describe('testdir', () => {
  it('builds a folder from an object literal, subfolders included, and answers its real path', () => {
    const dir = testdir({ 'agent.env': 'A=agent://a\n', 'deep/er/file.bin': Buffer.from([0, 1, 2]) });
    expect(readFileSync(join(dir, 'agent.env'), 'utf8')).toBe('A=agent://a\n');
    expect([...readFileSync(join(dir, 'deep/er/file.bin'))]).toEqual([0, 1, 2]);
    expect(testdir()).not.toBe(dir);
  });

  it('makes a fresh folder under a parent each time', () => {
    const parent = testdir();
    const a = testdir({ x: '1' }, parent);
    const b = testdir({ x: '2' }, parent);
    expect(a.startsWith(`${parent}/`) && b.startsWith(`${parent}/`)).toBe(true);
    expect(a).not.toBe(b);
    expect(statSync(a).isDirectory()).toBe(true);
  });
});

describe('expectLatchkeyError', () => {
  it('returns the error of the named kind, thrown or rejected', async () => {
    const thrown = expectLatchkeyError(() => {
      throw inputError('bad ttl', 'use 15m');
    }, 'input');
    expect(thrown).toMatchObject({ kind: 'input', message: 'bad ttl', hint: 'use 15m', exitCode: 65 });
    const rejected = await expectLatchkeyError(async () => {
      throw new LatchkeyError('denied', 'not approved');
    }, 'denied');
    expect(rejected.exitCode).toBe(77);
  });

  it('fails on another kind, another error, a return or a resolution', async () => {
    expect(() => expectLatchkeyError(() => {
      throw inputError('x');
    }, 'denied')).toThrow(/expected 'input' to be 'denied'/);
    expect(() => expectLatchkeyError(() => {
      throw new TypeError('boom');
    }, 'input')).toThrow(/got TypeError: boom/);
    expect(() => expectLatchkeyError(() => 1, 'input')).toThrow(/the call returned/);
    await expect(expectLatchkeyError(async () => 1, 'input')).rejects.toThrow(/the call resolved/);
  });
});

describe('a world', () => {
  it('fails its cleanup when its daemon logged an internal error, unless told to allow them', async () => {
    const line = '2026-01-01T00:00:00.000Z error internal error: TypeError: boom';
    const plant = (w: ReturnType<typeof makeWorld>) => {
      mkdirSync(w.stateDir, { recursive: true });
      writeFileSync(join(w.stateDir, 'daemon.log'), `${line}\n`);
    };
    const world = makeWorld();
    plant(world);
    expect(world.internalErrors()).toEqual([line]);
    await expect(world.cleanup()).rejects.toThrow(/this world reported internal errors \(bugs\):\n.*TypeError: boom/);
    const lenient = makeWorld(undefined, {}, { allowInternalErrors: true });
    plant(lenient);
    await expect(lenient.cleanup()).resolves.toBeUndefined();
  });
});
