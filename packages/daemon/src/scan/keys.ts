// The scanner's keys, kept in the store (the keychain) under an account of the daemon's own: the MAC key
// of fingerprints, the rolling hash's base, and the key that seals the file of retired fingerprints.
// Without the keychain, the state folder's fingerprints can neither be matched nor read.
import { createHmac, createSecretKey, randomBytes } from 'node:crypto';
import type { ScanKeys } from '@latchkey/core';
import { INTERNAL_ACCOUNT_PREFIX } from '../audit-seal.js';
import type { SecretStore } from '../store/store.js';

const SCAN_KEY_ACCOUNT = `${INTERNAL_ACCOUNT_PREFIX}scan-key`;

/** The scanner's keys: `keys` for the search, `seal` for the retired file, `mac` for leak marks. */
export interface ScannerKeys {
  keys: ScanKeys;
  seal: Buffer;
  /** The keyed MAC (hex) of a whole value. */
  mac(value: string | Uint8Array): string;
}

function fromSecrets(macKey: Buffer, seal: Buffer, base: number): ScannerKeys {
  // A KeyObject, made once: on Node 24 createHmac with a Buffer key took 17-18 us, with a KeyObject 2.3 us
  // (a temporary key's nine forms are fingerprinted on every IssueTempKey).
  const key = createSecretKey(macKey);
  const mac = (bytes: string | Uint8Array) => createHmac('sha256', key).update(bytes).digest('hex').slice(0, 32);
  return { keys: { base, mac: (b) => mac(b) }, seal, mac };
}

/** Reads the scanner's keys from the store, or makes them (random) and stores them. */
export async function loadScannerKeys(store: SecretStore): Promise<ScannerKeys> {
  const raw = await store.get(SCAN_KEY_ACCOUNT);
  if (raw !== undefined) {
    try {
      const doc = JSON.parse(raw) as { mac?: unknown; seal?: unknown; base?: unknown };
      if (typeof doc.mac === 'string' && /^[0-9a-f]{64}$/.test(doc.mac) && typeof doc.seal === 'string' && /^[0-9a-f]{64}$/.test(doc.seal) && Number.isInteger(doc.base) && ((doc.base as number) & 1) === 1) {
        return fromSecrets(Buffer.from(doc.mac, 'hex'), Buffer.from(doc.seal, 'hex'), doc.base as number);
      }
    } catch {
      // malformed: replaced below; fingerprints made with the old keys are no longer matched
    }
  }
  const macKey = randomBytes(32);
  const seal = randomBytes(32);
  const base = randomBytes(4).readInt32LE(0) | 1;
  await store.set(SCAN_KEY_ACCOUNT, JSON.stringify({ v: 1, mac: macKey.toString('hex'), seal: seal.toString('hex'), base }));
  return fromSecrets(macKey, seal, base);
}
