// The audit trail's seal key and checkpoint, kept in the store (the keychain) under accounts of their
// own, apart from the secrets: a process that can write the user's files but cannot read the keychain
// can neither re-seal an edited trail nor move the checkpoint to match it.
import { randomBytes } from 'node:crypto';
import type { SecretStore } from './store/store.js';
import type { TrailHead } from './audit.js';

/** Accounts of the daemon's own items start with this; they are never secrets (service.load skips them). */
export const INTERNAL_ACCOUNT_PREFIX = '_latchkey/';
export const SEAL_ACCOUNT = `${INTERNAL_ACCOUNT_PREFIX}audit-seal`;
export const CHECKPOINT_ACCOUNT = `${INTERNAL_ACCOUNT_PREFIX}audit-checkpoint`;

/** Whether a store account holds one of the daemon's own items. */
export function isInternalAccount(account: string): boolean {
  return account.startsWith(INTERNAL_ACCOUNT_PREFIX);
}

/** The seal key and the index of the first record sealed with it. */
export interface AuditSeal {
  key: Buffer;
  keyedFrom: number;
  /** True when the key was made now (no key in the store): records before keyedFrom are unsealed. */
  created: boolean;
}

/**
 * Reads the seal key from the store, or makes one (random, 32 bytes) and stores it, sealing from the
 * `records` already in the trail on. A store that fails (locked, stopped) fails the start.
 */
export async function loadSeal(store: SecretStore, records: () => number): Promise<AuditSeal> {
  const found = parseSeal(await store.get(SEAL_ACCOUNT));
  if (found) return found;
  // none, or malformed: replaced below, and the trail says so
  const seal = { key: randomBytes(32), keyedFrom: records(), created: true };
  await store.set(SEAL_ACCOUNT, JSON.stringify({ v: 1, key: seal.key.toString('hex'), keyedFrom: seal.keyedFrom }));
  return seal;
}

/** A stored seal key, or undefined when absent or malformed. */
export function parseSeal(raw: string | undefined): AuditSeal | undefined {
  if (raw === undefined) return undefined;
  try {
    const doc = JSON.parse(raw) as { key?: unknown; keyedFrom?: unknown };
    if (typeof doc.key === 'string' && /^[0-9a-f]{64}$/.test(doc.key) && typeof doc.keyedFrom === 'number') {
      return { key: Buffer.from(doc.key, 'hex'), keyedFrom: doc.keyedFrom, created: false };
    }
  } catch {
    // malformed
  }
  return undefined;
}

/** The head last checkpointed, if any. */
export async function readCheckpoint(store: SecretStore): Promise<TrailHead | undefined> {
  return parseCheckpoint(await store.get(CHECKPOINT_ACCOUNT));
}

/** A stored checkpoint, or undefined when absent or malformed. */
export function parseCheckpoint(raw: string | undefined): TrailHead | undefined {
  if (raw === undefined) return undefined;
  try {
    const doc = JSON.parse(raw) as { count?: unknown; head?: unknown };
    if (typeof doc.count === 'number' && typeof doc.head === 'string') return { count: doc.count, head: doc.head };
  } catch {
    // a malformed checkpoint checks nothing
  }
  return undefined;
}

/** Stores the head (count and hash) as the new checkpoint. */
export async function writeCheckpoint(store: SecretStore, head: TrailHead): Promise<void> {
  await store.set(CHECKPOINT_ACCOUNT, JSON.stringify({ v: 1, ...head }));
}
