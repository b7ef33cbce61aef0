import { readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { testdir } from '@latchkey/test-utils/testdir';
import { verifyChain } from '@latchkey/core';
import { AuditBatch, AuditLog, auditFiles, MemoryAudit, readOrCreateAnchor } from './audit.js';


const trail = (dir: string) => verifyChain(readOrCreateAnchor(dir), auditFiles(dir).map((f) => ({ name: basename(f), text: readFileSync(f, 'utf8') })));

/** A fresh folder whose trail holds `n` get records, written and closed; with the trail's path. */
async function trailOf(n: number): Promise<{ dir: string; file: string }> {
  const dir = testdir();
  const log = new AuditLog(dir);
  for (let i = 0; i < n; i++) await log.write({ event: 'get', outcome: 'ok', secret: `s${i}` });
  await log.close();
  return { dir, file: join(dir, 'audit.jsonl') };
}

describe('the hash-chained audit log', () => {
  it('with a seal key that comes later, refuses every write (writing nothing) until the key is set, then seals each record; the copy gets each line once it is whole', async () => {
    const dir = testdir();
    const copied: string[] = [];
    const log = new AuditLog(dir, Date.now, { sealLater: () => new Error('the keychain is locked'), copy: (lines) => copied.push(...lines) });
    expect(log.open).toBe(false);
    await expect(log.write({ event: 'get', outcome: 'ok', secret: 'early' })).rejects.toThrow('the keychain is locked');
    expect(auditFiles(dir)).toEqual([]);
    log.setSeal({ key: Buffer.alloc(32, 7), keyedFrom: 0 });
    expect(() => log.setSeal({ key: Buffer.alloc(32, 8), keyedFrom: 0 })).toThrow(/already sealed/);
    await log.write({ event: 'get', outcome: 'ok', secret: 'later' });
    await log.close();
    const lines = readFileSync(join(dir, 'audit.jsonl'), 'utf8').split('\n').filter(Boolean);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('"secret":"later"');
    expect(lines[0]).toMatch(/"mac":"[0-9a-f]{64}"/);
    expect(copied).toEqual(lines);
  });

  it('chains records in order, from the anchor, across concurrent writes', async () => {
    const dir = testdir();
    const log = new AuditLog(dir);
    await Promise.all(Array.from({ length: 200 }, (_, i) => log.write({ event: 'get', outcome: 'ok', secret: `s${i}` })));
    await log.close();
    const report = trail(dir);
    expect(report).toMatchObject({ ok: true, records: 200 });
    const first = JSON.parse(readFileSync(join(dir, 'audit.jsonl'), 'utf8').split('\n')[0] as string);
    expect(first.prev).toBe(readOrCreateAnchor(dir));
  });

  it('writes the records of a batch in one append, in order, and only when flushed', async () => {
    const dir = testdir();
    const appends: string[][] = [];
    const log = new AuditLog(dir, Date.now, { copy: (lines) => appends.push([...lines]) });
    await log.write({ event: 'get', outcome: 'ok', secret: 'before' });
    const batch = new AuditBatch(log);
    for (let i = 0; i < 10; i++) await batch.write({ event: 'exec', outcome: 'ok', secret: `s${i}` });
    expect(batch.holdsRead()).toBe(true);
    expect(appends).toHaveLength(1);
    await batch.flush();
    expect(appends).toHaveLength(2);
    expect(appends[1]?.map((l) => JSON.parse(l).secret)).toEqual(Array.from({ length: 10 }, (_, i) => `s${i}`));
    expect(batch.holdsRead()).toBe(false);
    await log.close();
    expect(trail(dir)).toMatchObject({ ok: true, records: 11 });
  });

  it('a batch flushed into a sink that fails throws its error, so that nothing it audits is served', async () => {
    const sink = new MemoryAudit();
    const batch = new AuditBatch(sink);
    await batch.write({ event: 'exec', outcome: 'denied', secret: 'a' });
    expect(batch.holdsRead()).toBe(false);
    await batch.write({ event: 'exec', outcome: 'ok', secret: 'b' });
    expect(batch.holdsRead()).toBe(true);
    sink.failing = true;
    await expect(batch.flush()).rejects.toThrow('the audit log cannot be written');
  });

  it('continues the chain after a restart and across rotated files', async () => {
    const dir = testdir();
    let log = new AuditLog(dir, Date.now, { maxBytes: 2000 });
    for (let i = 0; i < 40; i++) await log.write({ event: 'get', outcome: 'ok', secret: `a${i}` });
    await log.close();
    log = new AuditLog(dir, Date.now, { maxBytes: 2000 });
    for (let i = 0; i < 40; i++) await log.write({ event: 'set', outcome: 'ok', secret: `b${i}` });
    await log.close();
    expect(readdirSync(dir).filter((n) => n.startsWith('audit-')).length).toBeGreaterThan(2);
    expect(trail(dir)).toMatchObject({ ok: true, records: 80 });
  });

  it('keeps rotations made within one millisecond in the order they were made', async () => {
    const dir = testdir();
    const log = new AuditLog(dir, () => 0, { maxBytes: 300 });
    for (let i = 0; i < 40; i++) await log.write({ event: 'get', outcome: 'ok', secret: `c${i}` });
    await log.close();
    expect(readdirSync(dir).filter((n) => /^audit-19700101T000000000Z-1\d\.jsonl$/.test(n)).length).toBeGreaterThan(0);
    expect(trail(dir)).toMatchObject({ ok: true, records: 40 });
  });

  it.each([
    ['an edit', (lines: string[]) => (lines[3] = (lines[3] as string).replace('"ok"', '"denied"'))],
    ['a deletion', (lines: string[]) => lines.splice(4, 1)],
    ['a reordering', (lines: string[]) => ([lines[2], lines[5]] = [lines[5] as string, lines[2] as string])],
  ])('names the first broken record after %s', async (_what, tamper) => {
    const { dir, file } = await trailOf(10);
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    tamper(lines);
    writeFileSync(file, `${lines.join('\n')}\n`);
    const report = trail(dir);
    expect(report.ok).toBe(false);
    expect(report.broken?.file).toBe('audit.jsonl');
    expect(report.broken?.line).toBeGreaterThan(1);
    expect(report.broken?.line).toBeLessThanOrEqual(7);
  });

  it('fails closed when the file cannot be written', async () => {
    const dir = testdir();
    writeFileSync(join(dir, 'target'), '');
    const { symlinkSync } = await import('node:fs');
    symlinkSync('/dev/full', join(dir, 'audit.jsonl'));
    const log = new AuditLog(dir);
    await expect(log.write({ event: 'get', outcome: 'ok', secret: 'x' })).rejects.toMatchObject({ kind: 'unavailable' });
  });
});

describe('the trail under faults', () => {
  it('removes a torn last record left by a crash when it opens the file, and records the repair in the chain', async () => {
    const { dir, file } = await trailOf(3);
    // A crash mid-write: half a record, no newline.
    writeFileSync(file, `${readFileSync(file, 'utf8')}{"time":"2026-01-01T00:00:00.000Z","event":"get","outc`);
    expect(trail(dir)).toMatchObject({ ok: true, records: 3, tornTail: { line: 4 } });

    const log = new AuditLog(dir);
    await log.write({ event: 'get', outcome: 'ok', secret: 'after' });
    await log.close();
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => l.event)).toEqual(['get', 'get', 'get', 'audit', 'get']);
    expect(lines[3]).toMatchObject({ outcome: 'repaired', bytes: 54 });
    const report = trail(dir);
    expect(report).toMatchObject({ ok: true, records: 5 });
    expect(report.repairs).toEqual([expect.objectContaining({ line: 4, bytes: 54 })]);
    expect(report.tornTail).toBeUndefined();
  });

  it('tells a torn last line apart from a torn line in the middle (an edit)', async () => {
    const { dir, file } = await trailOf(3);
    const lines = readFileSync(file, 'utf8').split('\n');
    lines[1] = (lines[1] as string).slice(0, 20);
    writeFileSync(file, lines.join('\n'));
    expect(trail(dir)).toMatchObject({ ok: false, broken: { line: 2, reason: 'the line is not JSON' } });
  });

  for (const [what, fault] of [
    ['deleted', (file: string) => rmSync(file)],
    ['replaced', (file: string) => (writeFileSync(`${file}.new`, ''), renameSync(`${file}.new`, file))],
    ['truncated', (file: string) => writeFileSync(file, '')],
  ] as const) {
    it(`notices the trail ${what} under it and says so in the file it then writes at the path`, async () => {
      const dir = testdir();
      const log = new AuditLog(dir);
      await log.write({ event: 'get', outcome: 'ok', secret: 'before' });
      const file = join(dir, 'audit.jsonl');
      fault(file);
      await log.write({ event: 'get', outcome: 'ok', secret: 'after' });
      await log.close();
      const records = readFileSync(file, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
      const note = records.find((r) => r.event === 'audit');
      expect(note).toMatchObject({ outcome: what });
      // The read's own record is in the file at the trail's path, after the note.
      expect(records.at(-1)).toMatchObject({ secret: 'after' });
      expect(records.indexOf(note as Record<string, unknown>)).toBeLessThan(records.length - 1);
      // The chain goes on from the record before the fault, so the check sees what happened.
      expect(trail(dir).ok).toBe(false);
    });
  }
});
