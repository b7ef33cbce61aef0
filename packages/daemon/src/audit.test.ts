import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { verifyChain } from '@latchkey/core';
import { AuditLog, auditFiles, readOrCreateAnchor } from './audit.js';

const dirs: string[] = [];
const fresh = () => {
  const d = mkdtempSync(join(tmpdir(), 'lk-audit-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const trail = (dir: string) => verifyChain(readOrCreateAnchor(dir), auditFiles(dir).map((f) => ({ name: basename(f), text: readFileSync(f, 'utf8') })));

describe('the hash-chained audit log', () => {
  it('chains records in order, from the anchor, across concurrent writes', async () => {
    const dir = fresh();
    const log = new AuditLog(dir);
    await Promise.all(Array.from({ length: 200 }, (_, i) => log.write({ event: 'get', outcome: 'ok', secret: `s${i}` })));
    await log.close();
    const report = trail(dir);
    expect(report).toMatchObject({ ok: true, records: 200 });
    const first = JSON.parse(readFileSync(join(dir, 'audit.jsonl'), 'utf8').split('\n')[0] as string);
    expect(first.prev).toBe(readOrCreateAnchor(dir));
  });

  it('continues the chain after a restart and across rotated files', async () => {
    const dir = fresh();
    let log = new AuditLog(dir, Date.now, { maxBytes: 2000 });
    for (let i = 0; i < 40; i++) await log.write({ event: 'get', outcome: 'ok', secret: `a${i}` });
    await log.close();
    log = new AuditLog(dir, Date.now, { maxBytes: 2000 });
    for (let i = 0; i < 40; i++) await log.write({ event: 'set', outcome: 'ok', secret: `b${i}` });
    await log.close();
    expect(readdirSync(dir).filter((n) => n.startsWith('audit-')).length).toBeGreaterThan(2);
    expect(trail(dir)).toMatchObject({ ok: true, records: 80 });
  });

  it.each([
    ['an edit', (lines: string[]) => (lines[3] = (lines[3] as string).replace('"ok"', '"denied"'))],
    ['a deletion', (lines: string[]) => lines.splice(4, 1)],
    ['a reordering', (lines: string[]) => ([lines[2], lines[5]] = [lines[5] as string, lines[2] as string])],
  ])('names the first broken record after %s', async (_what, tamper) => {
    const dir = fresh();
    const log = new AuditLog(dir);
    for (let i = 0; i < 10; i++) await log.write({ event: 'get', outcome: 'ok', secret: `s${i}` });
    await log.close();
    const file = join(dir, 'audit.jsonl');
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
    const dir = fresh();
    writeFileSync(join(dir, 'target'), '');
    const { symlinkSync } = await import('node:fs');
    symlinkSync('/dev/full', join(dir, 'audit.jsonl'));
    const log = new AuditLog(dir);
    await expect(log.write({ event: 'get', outcome: 'ok', secret: 'x' })).rejects.toMatchObject({ kind: 'unavailable' });
  });
});
