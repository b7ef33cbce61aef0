import type { Stats } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { foreignWriteProblem } from './safe-files.js';

const ME = { uid: 1000, gid: 1000 };
const folder = (uid: number, gid: number, mode: number) => ({ uid, gid, mode: 0o040000 | mode, isDirectory: () => true }) as unknown as Stats;
const file = (uid: number, gid: number, mode: number) => ({ uid, gid, mode: 0o100000 | mode, isDirectory: () => false }) as unknown as Stats;

// SECURITY.md 34: ssh's StrictModes and git's safe.directory, as judged for a manifest and its folders.
describe('foreignWriteProblem', () => {
  it.each<[string, Stats, string | undefined]>([
    ['my folder 0755', folder(1000, 1000, 0o755), undefined],
    ['a root folder 0755 (/usr)', folder(0, 0, 0o755), undefined],
    ['a root sticky folder 1777 (/tmp)', folder(0, 0, 0o1777), undefined],
    ['my folder 0775 in my own primary group', folder(1000, 1000, 0o775), undefined],
    ['my file 0644', file(1000, 1000, 0o644), undefined],
    ['a folder of another uid', folder(65534, 65534, 0o755), 'is owned by uid 65534'],
    ['a file of another uid', file(65534, 1000, 0o644), 'is owned by uid 65534'],
    ['my folder 0777', folder(1000, 1000, 0o777), 'is writable by other users (mode 0777)'],
    ['my sticky folder 1777 (not root-owned)', folder(1000, 1000, 0o1777), 'is writable by other users (mode 1777)'],
    ['a root folder 0777 without the sticky bit', folder(0, 0, 0o777), 'is writable by other users (mode 0777)'],
    ['my folder writable by a shared group', folder(1000, 100, 0o775), 'is writable by group 100 (mode 0775)'],
    ['my file 0666', file(1000, 1000, 0o666), 'is writable by other users (mode 0666)'],
    ['a sticky file is no folder', file(0, 0, 0o1777), 'is writable by other users'],
  ])('%s', (_label, st, problem) => {
    const got = foreignWriteProblem('/p', st, ME);
    if (problem === undefined) expect(got).toBeUndefined();
    else expect(got).toContain(problem);
  });
});
