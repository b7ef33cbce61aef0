// The scanner's hook for served temporary keys: fingerprints made one turn after the issue, or at once
// when a scan begins first; a key whose lease ended before that turn is never looked for.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Scanner, type ScannerDeps } from './scanner.js';
import { loadScannerKeys } from './keys.js';
import { MemoryStore } from '../store/memory.js';

async function scanner(): Promise<Scanner> {
  const keys = await loadScannerKeys(new MemoryStore());
  // What a scan of leases alone reads: no stored secrets, no retired values.
  const deps = {
    service: { allRecords: () => [] },
    retired: { list: () => [] },
    keys,
    projectRoot: () => undefined,
  } as unknown as ScannerDeps;
  return new Scanner(deps);
}

/** The lease ids whose keys one scan of `text` finds. */
function found(s: Scanner, text: string): string[] {
  const session = s.begin({ mode: 'paths', roots: [], answer: false }, undefined);
  const findings = session.push({ source: 1, label: 'file.txt', channel: 'file', data: Buffer.from(text), sourceEnd: true });
  return findings.map((f) => (f as { leaseId?: string }).leaseId ?? JSON.stringify(f));
}

describe('Scanner.keyWatch', () => {
  it('finds a key scanned for before its fingerprints were due (the scan makes them), and after', async () => {
    const s = await scanner();
    const value = randomBytes(32).toString('hex');
    s.keyWatch.issued('lease_a', 'random', value);
    expect(found(s, `token=${value}\n`)).toHaveLength(1);
    await new Promise((r) => setImmediate(r));
    expect(found(s, `x ${Buffer.from(value).toString('base64')} y\n`)).toHaveLength(1);
  });

  it('fingerprints a served key one turn later and keeps no value afterwards', async () => {
    const s = await scanner();
    const value = randomBytes(32).toString('hex');
    s.keyWatch.issued('lease_b', 'random', value);
    expect((s as unknown as { unprinted: Map<string, unknown> }).unprinted.size).toBe(1);
    await new Promise((r) => setImmediate(r));
    expect((s as unknown as { unprinted: Map<string, unknown> }).unprinted.size).toBe(0);
    expect(found(s, value)).toHaveLength(1);
  });

  it('never looks for a key whose lease ended before its turn, nor after it ended', async () => {
    const s = await scanner();
    const early = randomBytes(32).toString('hex');
    const late = randomBytes(32).toString('hex');
    s.keyWatch.issued('lease_c', 'random', early);
    s.keyWatch.ended('lease_c');
    s.keyWatch.issued('lease_d', 'random', late);
    await new Promise((r) => setImmediate(r));
    s.keyWatch.ended('lease_d');
    expect(found(s, `${early}\n${late}\n`)).toEqual([]);
  });
});
