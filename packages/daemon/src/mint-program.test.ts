import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveMintProgram } from './mint-program.js';

const dir = mkdtempSync(join(tmpdir(), 'lk-prog-'));
const bin = join(dir, 'bin');
const spaced = join(dir, 'with space');
for (const [d, name] of [[bin, 'gh'], [spaced, 'tool']] as const) {
  rmSync(d, { recursive: true, force: true });
  mkdirSync(d, { recursive: true });
  writeFileSync(join(d, name), '#!/bin/sh\n');
  chmodSync(join(d, name), 0o755);
}
writeFileSync(join(bin, 'not-exec'), '');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('resolveMintProgram', () => {
  it.each([
    ['a program on PATH is pinned', 'gh auth token', `${bin}/gh auth token`, `${bin}/gh`],
    ['leading spaces and a pipe', '  gh auth token | tr -d x', `${bin}/gh auth token | tr -d x`, `${bin}/gh`],
    ['an absolute path stays', `${bin}/gh auth`, `${bin}/gh auth`, `${bin}/gh`],
    ['a shell word is not a program', 'echo v-$(date)', 'echo v-$(date)', undefined],
    ['an assignment is shell syntax', 'A=1 gh auth', 'A=1 gh auth', undefined],
    ['a quoted first word is shell syntax', "'gh' auth", "'gh' auth", undefined],
  ])('%s', (_what, command, pinned, program) => {
    expect(resolveMintProgram(command, `/nonexistent:${bin}:${spaced}`)).toEqual({ command: pinned, ...(program ? { program } : {}) });
  });

  it('quotes a pinned path that needs it', () => {
    expect(resolveMintProgram('tool x', spaced).command).toBe(`'${spaced}/tool' x`);
  });

  it.each([
    ['not on PATH', 'nope x', /"nope" is not on the daemon's PATH/],
    ['a relative path', './bin/gh auth', /"\.\/bin\/gh" is a relative path/],
    ['not executable', `${bin}/not-exec`, /is not an executable file/],
    ['a relative PATH entry is skipped', 'gh', /not on the daemon's PATH/],
  ])('refuses %s with exit 65', (what, command, message) => {
    const path = what.startsWith('a relative PATH') ? 'bin' : bin;
    let err: unknown;
    try {
      resolveMintProgram(command, path);
    } catch (e) {
      err = e;
    }
    expect((err as Error).message).toMatch(message);
    expect((err as { exitCode: number }).exitCode).toBe(65);
  });
});
