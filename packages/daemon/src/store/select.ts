// Choosing the store: LATCHKEY_STORE=keychain|memory|auto (auto: the keychain when it answers
// within 3 s, else memory, said loudly).
import { inputError, type StoreChoice } from '@latchkey/core';
import { KeychainStore, KEYCHAIN_TIMEOUT_MS } from './keychain.js';
import { MemoryStore } from './memory.js';
import type { SecretStore } from './store.js';

/** The store in use and, when it is not the one asked for, why. */
export interface SelectedStore {
  store: SecretStore;
  note: string;
}

/** Parses the raw LATCHKEY_STORE value. */
export function parseStoreChoice(raw: string | undefined, fallback: StoreChoice): StoreChoice {
  if (raw === undefined || raw === '') return fallback;
  if (raw === 'keychain' || raw === 'memory' || raw === 'auto') return raw;
  throw inputError(`LATCHKEY_STORE must be keychain, memory or auto, not ${JSON.stringify(raw)}`);
}

/** Opens the chosen store; `keychain` fails if the keychain does not answer, `auto` falls back loudly. */
export async function selectStore(choice: StoreChoice, service: string): Promise<SelectedStore> {
  if (choice === 'memory') return { store: new MemoryStore(), note: 'memory store chosen by LATCHKEY_STORE=memory: secrets are lost when the daemon stops' };
  try {
    const store = new KeychainStore(service, KEYCHAIN_TIMEOUT_MS);
    await store.ping();
    return { store, note: '' };
  } catch (err) {
    if (choice === 'keychain') throw err;
    return {
      store: new MemoryStore(),
      note: `keychain unavailable (${(err as Error).message}); using the memory store: secrets are lost when the daemon stops`,
    };
  }
}
