// The scanner and served temporary keys: a scan looks for the key of every lease in force, in each of
// its encodings, from the lease table (the scanner keeps no copy), and stops looking once the lease ends.
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryAudit } from '../audit.js';
import { LeaseManager } from '../leases.js';
import { memoryLogger } from '../log.js';
import { MemoryStore } from '../store/memory.js';
import { loadScannerKeys } from './keys.js';
import { Scanner, type ScannerDeps } from './scanner.js';

const managers: LeaseManager[] = [];
afterEach(async () => {
  for (const m of managers.splice(0)) await m.close();
});

/** A scanner wired to a lease manager as the daemon wires them (onKeysChanged), with no stored or retired secrets. */
async function world(): Promise<{ scanner: Scanner; leases: LeaseManager }> {
  const keys = await loadScannerKeys(new MemoryStore());
  let scanner: Scanner | undefined;
  const leases = new LeaseManager({
    clock: () => Date.now(),
    audit: new MemoryAudit(),
    log: memoryLogger(),
    ttl: { defaultSeconds: 900, maxSeconds: 3600 },
    isAlive: () => true,
    pollMs: 60_000,
    readSigner: async () => {
      throw new Error('no signer in this test');
    },
    onKeysChanged: () => scanner?.keysChanged(),
  });
  managers.push(leases);
  const deps = {
    service: { allRecords: () => [] },
    retired: { list: () => [] },
    leases: () => leases,
    keys,
    projectRoot: () => undefined,
  } as unknown as ScannerDeps;
  scanner = new Scanner(deps);
  return { scanner, leases };
}

/** The lease ids whose keys one scan of `text` finds. */
function found(s: Scanner, text: string): string[] {
  const session = s.begin({ mode: 'paths', roots: [], answer: false }, undefined);
  const findings = session.push({ source: 1, label: 'file.txt', channel: 'file', data: Buffer.from(text), sourceEnd: true });
  return findings.map((f) => (f as { leaseId?: string }).leaseId ?? JSON.stringify(f));
}

const issue = (leases: LeaseManager) => leases.issue({ kind: 'random', ttlSeconds: 600, params: { bytes: '32', encoding: 'hex' }, bindPid: -1 });

describe('Scanner and the keys of leases in force', () => {
  it('finds a key served after the last search was built, plain and encoded', async () => {
    const { scanner, leases } = await world();
    expect(found(scanner, 'nothing here\n')).toEqual([]); // builds (and caches) a search without the key
    const key = await issue(leases);
    expect(found(scanner, `token=${key.value}\n`)).toEqual([key.leaseId]);
    expect(found(scanner, `x ${Buffer.from(key.value).toString('base64')} y\n`)).toEqual([key.leaseId]);
  });

  it('keeps no copy of a served key: its lease is where it is looked up', async () => {
    const { scanner, leases } = await world();
    const key = await issue(leases);
    expect(found(scanner, key.value)).toEqual([key.leaseId]);
    const own = Object.values(scanner as unknown as Record<string, unknown>).filter((v) => v instanceof Map);
    expect(own).toEqual([]);
  });

  it('stops looking for a key once its lease ended, while the others are still found', async () => {
    const { scanner, leases } = await world();
    const ended = await issue(leases);
    const kept = await issue(leases);
    expect(found(scanner, `${ended.value}\n${kept.value}\n`).sort()).toEqual([ended.leaseId, kept.leaseId].sort());
    expect(await leases.revoke(ended.leaseId)).toBe(true);
    expect(found(scanner, `${ended.value}\n${kept.value}\n`)).toEqual([kept.leaseId]);
  });
});
