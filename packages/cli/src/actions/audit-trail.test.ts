import { appendFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { testdir } from '@latchkey/test-utils/testdir';
import { lineHash } from '@latchkey/core';
import { auditFiles, matches, normalizeRecord, parseSince, readAnchor, readTrail, TrailFollower, verifyTrail } from './audit-trail.js';

const ANCHOR = 'a'.repeat(64);

/** Chained lines as the daemon writes them, from `prev`. */
function chain(records: Array<Record<string, unknown>>, prev = ANCHOR): { lines: string[]; last: string } {
  const lines: string[] = [];
  for (const r of records) {
    const line = JSON.stringify({ ...r, prev });
    lines.push(line);
    prev = lineHash(line);
  }
  return { lines, last: prev };
}

describe('normalizeRecord', () => {
  it('puts the named fields first with empty defaults, keeps the rest and drops prev', () => {
    const r = normalizeRecord({ event: 'allow', outcome: 'ok', manifest: '/p/agent.env', time: 't', prev: 'x' });
    expect(Object.keys(r ?? {})).toEqual(['time', 'event', 'secret', 'scope', 'outcome', 'pid', 'exe', 'command', 'manifest']);
    expect(r).toMatchObject({ secret: '', scope: '', pid: 0, exe: '', command: '', manifest: '/p/agent.env' });
  });
  it('refuses what is not an object', () => {
    expect(normalizeRecord([1])).toBeUndefined();
    expect(normalizeRecord('x')).toBeUndefined();
    expect(normalizeRecord(null)).toBeUndefined();
  });
});

describe('parseSince and matches', () => {
  const now = Date.parse('2025-06-01T12:00:00Z');
  it('reads a duration back from now, or an ISO time', () => {
    expect(parseSince('1h', now)).toBe(now - 3600_000);
    expect(parseSince('90m', now)).toBe(now - 5400_000);
    expect(parseSince('2025-06-01T11:00:00Z', now)).toBe(Date.parse('2025-06-01T11:00:00Z'));
    expect(() => parseSince('yesterday', now)).toThrow(/invalid --since/);
    expect(() => parseSince('2025-13-45', now)).toThrow(/invalid time/);
  });
  it('filters by time, secret and event', () => {
    const r = normalizeRecord({ time: '2025-06-01T11:30:00.000Z', event: 'get', secret: 'a', outcome: 'ok' })!;
    expect(matches(r, {})).toBe(true);
    expect(matches(r, { sinceMs: parseSince('1h', now) })).toBe(true);
    expect(matches(r, { sinceMs: parseSince('10m', now) })).toBe(false);
    expect(matches(r, { secret: 'a' })).toBe(true);
    expect(matches(r, { secret: 'b' })).toBe(false);
    expect(matches(r, { events: ['exec', 'get'] })).toBe(true);
    expect(matches(r, { events: ['exec'] })).toBe(false);
  });
});

describe('verifyTrail (read-only)', () => {
  it('is an empty intact trail with no anchor and no file, and creates nothing', () => {
    const dir = testdir();
    expect(verifyTrail(dir)).toMatchObject({ ok: true, records: 0 });
    expect(readAnchor(dir)).toBeUndefined();
    expect(auditFiles(dir)).toEqual([]);
  });
  it('breaks at the first record when records have no anchor', () => {
    const dir = testdir();
    writeFileSync(join(dir, 'audit.jsonl'), `${chain([{ event: 'get' }]).lines.join('\n')}\n`);
    const r = verifyTrail(dir);
    expect(r.ok).toBe(false);
    expect(r.broken).toMatchObject({ file: join(dir, 'audit.jsonl'), line: 1 });
    expect(r.broken?.reason).toMatch(/anchor/);
  });
  it('follows the chain across a rotated file, oldest first, and names the file of a break', () => {
    const dir = testdir();
    writeFileSync(join(dir, 'audit.anchor'), `${ANCHOR}\n`);
    const first = chain([{ event: 'a' }, { event: 'b' }]);
    const second = chain([{ event: 'c' }, { event: 'd' }], first.last);
    const rotated = join(dir, 'audit-20250101T000000000Z.jsonl');
    writeFileSync(rotated, `${first.lines.join('\n')}\n`);
    writeFileSync(join(dir, 'audit.jsonl'), `${second.lines.join('\n')}\n`);
    expect(auditFiles(dir)).toEqual([rotated, join(dir, 'audit.jsonl')]);
    expect(verifyTrail(dir)).toMatchObject({ ok: true, records: 4, files: 2 });
    expect(readTrail(dir).records.map((r) => r.event)).toEqual(['a', 'b', 'c', 'd']);
    // The rotated file loses its last record: the current file's first no longer follows.
    writeFileSync(rotated, `${first.lines[0]}\n`);
    expect(verifyTrail(dir).broken).toMatchObject({ file: join(dir, 'audit.jsonl'), line: 1 });
  });
  it('skips a last line still being written when reading records', () => {
    const dir = testdir();
    const { lines } = chain([{ event: 'a' }, { event: 'b' }]);
    writeFileSync(join(dir, 'audit.jsonl'), `${lines[0]}\n${lines[1]?.slice(0, 10)}`);
    const t = readTrail(dir);
    expect(t.records.map((r) => r.event)).toEqual(['a']);
    expect(t.bad).toEqual([]);
  });
});

describe('TrailFollower', () => {
  it('returns only complete new lines, and keeps reading across a rotation', () => {
    const dir = testdir();
    const file = join(dir, 'audit.jsonl');
    const f = new TrailFollower(dir, true);
    expect(f.poll()).toEqual([]); // no file yet
    writeFileSync(file, 'one\ntw');
    expect(f.poll()).toEqual(['one']);
    appendFileSync(file, 'o\nthree\n');
    expect(f.poll()).toEqual(['two', 'three']);
    // The daemon appends a last record, renames the file and starts a new one.
    appendFileSync(file, 'four\n');
    renameSync(file, join(dir, 'audit-20250101T000000000Z.jsonl'));
    expect(f.poll()).toEqual(['four']);
    writeFileSync(file, 'five\n');
    expect(f.poll()).toEqual(['five']);
    f.close();
  });
  it('from the end, starts after the last complete line', () => {
    const dir = testdir();
    const file = join(dir, 'audit.jsonl');
    writeFileSync(file, 'old\nhal');
    const f = new TrailFollower(dir, true);
    appendFileSync(file, 'f\nnew\n');
    expect(f.poll()).toEqual(['half', 'new']);
    f.close();
  });
});
