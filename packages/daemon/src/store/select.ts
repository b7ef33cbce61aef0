// Choosing the store: LATCHKEY_STORE=keychain|memory|auto (auto: the keychain when it answers
// within 2 s, else memory, said loudly, until the keychain answers).
import { inputError, unavailableError, type StoreChoice } from '@latchkey/core';
import { KEYCHAIN_HINT, KeychainStore, KEYCHAIN_TIMEOUT_MS, type KeychainHealth } from './keychain.js';
import { FallbackStore } from './fallback.js';
import { MemoryStore } from './memory.js';
import type { SecretStore } from './store.js';

/** The store in use and, when it is not the one asked for, why. */
export interface SelectedStore {
  /** A FallbackStore when `auto` fell back to memory: it moves to the keychain once that answers. */
  store: SecretStore;
  /** Why the store is not the one asked for ('' when it is); updated when a fallback store switches. */
  note: string;
  /** The keychain, when it is the store or the one fallen back from (to watch it answer again). */
  keychain?: KeychainStore;
  /** What the keychain answered at start ('ok' when not used). */
  health: KeychainHealth;
}

/** The keychain service the daemon's items live under: LATCHKEY_KEYCHAIN_SERVICE (tests), else `latchkey`. */
export function keychainService(env: { LATCHKEY_KEYCHAIN_SERVICE?: string | undefined }): string {
  return env.LATCHKEY_KEYCHAIN_SERVICE || 'latchkey';
}

/** Parses the raw LATCHKEY_STORE value. */
export function parseStoreChoice(raw: string | undefined, fallback: StoreChoice): StoreChoice {
  if (raw === undefined || raw === '') return fallback;
  if (raw === 'keychain' || raw === 'memory' || raw === 'auto') return raw;
  throw inputError(`LATCHKEY_STORE must be keychain, memory or auto, not ${JSON.stringify(raw)}`);
}

/**
 * Opens the chosen store; `keychain` fails if the keychain does not answer, `auto` falls back loudly.
 * A locked keychain is kept under both: it answered, and its items are loaded once it is unlocked
 * (a memory store would hide them and lose what is set meanwhile). `early`: a keychain store whose worker
 * was started before the daemon's modules were loaded (main.ts), used instead of a new one.
 */
export async function selectStore(choice: StoreChoice, service: string, early?: KeychainStore): Promise<SelectedStore> {
  if (choice === 'memory') {
    early?.close();
    return { store: new MemoryStore(), note: 'memory store chosen by LATCHKEY_STORE=memory: secrets are lost when the daemon stops', health: 'ok' };
  }
  const keychain = early?.service === service ? early : new KeychainStore(service, KEYCHAIN_TIMEOUT_MS);
  const health = await keychain.health();
  if (health === 'ok') return { store: keychain, keychain, note: '', health };
  if (health === 'locked') return { store: keychain, keychain, note: 'the keychain is locked: nothing is served until it is unlocked (agent doctor shows its state)', health };
  if (choice === 'keychain') {
    keychain.close();
    throw unavailableError(`the keychain did not answer within ${KEYCHAIN_TIMEOUT_MS / 1000}s`, KEYCHAIN_HINT);
  }
  return {
    store: new FallbackStore(new MemoryStore(), keychain),
    keychain,
    note: `keychain unavailable (the keychain did not answer within ${KEYCHAIN_TIMEOUT_MS / 1000}s); using the memory store: secrets are lost when the daemon stops`,
    health,
  };
}
