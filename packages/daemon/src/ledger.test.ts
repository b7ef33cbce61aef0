import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { testdir } from '@latchkey/test-utils/testdir';
import { Ledger, LEDGER_FILE, readOpenEntries, type LedgerEntry } from './ledger.js';


const entry = (id: string): LedgerEntry => ({
  leaseId: id,
  kind: 'postgres',
  user: `lk_${id}`,
  admin: 'pg-admin',
  cwd: '/p',
  params: { admin: 'pg-admin', grant: 'app_rw' },
  issuedAt: 1,
  expiresAt: 2,
  boundPid: 42,
  boundStart: '123',
});

describe('the database user ledger', () => {
  it('returns the entries begun and not done, across a reopen, and compacts the file to them', async () => {
    const dir = testdir();
    const a = new Ledger(dir);
    expect(await a.open()).toEqual([]);
    await a.begin(entry('a'));
    await a.begin(entry('b'));
    await a.done('a');
    await a.begin(entry('c'));
    await a.close();
    const b = new Ledger(dir);
    expect((await b.open()).map((e) => e.leaseId)).toEqual(['b', 'c']);
    await b.close();
    const lines = readFileSync(join(dir, LEDGER_FILE), 'utf8').trim().split('\n');
    expect(lines.map((l) => (JSON.parse(l) as { leaseId: string }).leaseId)).toEqual(['b', 'c']);
    expect(statSync(join(dir, LEDGER_FILE)).mode & 0o777).toBe(0o600);
  });

  it('writes lines asked for at once in order, every one resolved once written', async () => {
    const dir = testdir();
    const l = new Ledger(dir);
    await l.open();
    const ids = Array.from({ length: 50 }, (_, i) => `x${i}`);
    await Promise.all(ids.flatMap((id, i) => (i % 2 === 0 ? [l.begin(entry(id)), l.done(id)] : [l.begin(entry(id))])));
    await l.close();
    expect(readOpenEntries(join(dir, LEDGER_FILE)).map((e) => e.leaseId)).toEqual(ids.filter((_, i) => i % 2 === 1));
    const lines = readFileSync(join(dir, LEDGER_FILE), 'utf8').trim().split('\n');
    expect(lines).toHaveLength(75);
  });

  it('ignores a torn last line and lines that are not its own', () => {
    const dir = testdir();
    const file = join(dir, LEDGER_FILE);
    const whole = JSON.stringify({ op: 'begin', ...entry('a') });
    writeFileSync(file, `${whole}\nnot json\n{"op":"begin","leaseId":"x"}\n${JSON.stringify({ op: 'begin', ...entry('b') }).slice(0, 30)}`);
    expect(readOpenEntries(file)).toEqual([entry('a')]);
  });

  it('holds no secret value: only what finds the user again', async () => {
    const dir = testdir();
    const l = new Ledger(dir);
    await l.open();
    await l.begin(entry('a'));
    await l.close();
    const doc = JSON.parse(readFileSync(join(dir, LEDGER_FILE), 'utf8').trim()) as Record<string, unknown>;
    expect(Object.keys(doc).sort()).toEqual(['admin', 'boundPid', 'boundStart', 'cwd', 'expiresAt', 'issuedAt', 'kind', 'leaseId', 'op', 'params', 'user']);
  });
});
