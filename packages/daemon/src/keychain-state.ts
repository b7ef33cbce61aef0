// The daemon's side of the keychain's state: a watch that stops reads while the keychain is locked,
// loads its items once a keychain that was locked at start is unlocked, and answers the live check
// that `agent daemon status` and `agent doctor` report.
import type { Logger } from './log.js';
import type { AgentService } from './service.js';
import { FallbackStore, type SwitchResult } from './store/fallback.js';
import type { KeychainStore } from './store/keychain.js';
import type { SelectedStore } from './store/select.js';
import { KeychainWatch } from './store/watch.js';

/** How long Status waits for a live keychain check (a healthy keychain answers in about a millisecond). */
export const STATUS_CHECK_MS = 500;

/** What the daemon holds of the keychain's state. */
export interface KeychainState {
  /** Throws `the keychain is locked` while it is. */
  readGate: () => void;
  /** Loads what the keychain holds now, or leaves it to the watch when it is locked. */
  load: () => Promise<void>;
  /** A live check for Status: ok, locked, unavailable, or unused (memory store by choice). */
  live: () => Promise<string>;
  close: () => void;
}

/** What the daemon does when a store that fell back to memory switches to the keychain. */
export interface SwitchHooks {
  /** Inside the switch, while store calls wait: place the daemon's own items (seal key, checkpoint) in the keychain. */
  during: (result: SwitchResult, keychain: KeychainStore) => Promise<void>;
  /** Once calls go to the keychain: audit it. */
  after: (result: SwitchResult & { secrets: number }) => Promise<void>;
}

/** Starts watching the keychain of `selected` (nothing to watch with LATCHKEY_STORE=memory). */
export function keychainState(selected: SelectedStore, agent: () => AgentService, log: Logger, hooks?: SwitchHooks): KeychainState {
  const keychain = selected.keychain;
  if (!keychain) {
    return { readGate: () => {}, load: () => agent().load(), live: async () => 'unused', close: () => {} };
  }
  keychain.onNotice = (line) => log.warn(line);
  let loaded = false;
  const fallback = selected.store instanceof FallbackStore ? selected.store : undefined;
  const onMemory = () => fallback !== undefined && !fallback.onKeychain;
  // LATCHKEY_STORE=auto fell back to memory at start: switch once the keychain answers (SECURITY 46).
  const switchNow = async (): Promise<void> => {
    const store = fallback as FallbackStore;
    let secrets = 0;
    const result = await store.switchToKeychain(async (r) => {
      await hooks?.during(r, keychain);
      secrets = agent().takeIn(r.items);
    });
    loaded = true;
    selected.note = `the keychain did not answer at start; the daemon used the memory store until ${new Date().toISOString()}, then switched to the keychain`;
    log.warn(`the keychain answers again: switched from the memory store to the keychain; ${result.replayed} write(s) and delete(s) made meanwhile replayed into it, ${secrets} secret(s) held now`);
    await hooks?.after({ ...result, secrets });
  };
  const loadNow = async (): Promise<boolean> => {
    if (onMemory()) await switchNow();
    if (!loaded) {
      await agent().load();
      loaded = true;
    }
    // Writes and deletes that timed out may have landed since: read each back (SECURITY 46).
    for (const account of keychain.takeUnsettled()) await agent().adopt(account, await keychain.get(account));
    return true;
  };
  const watch = new KeychainWatch({ health: () => keychain.health(), log, onAnswer: loadNow, pendingWork: () => keychain.hasUnsettled() }, selected.health);
  watch.start();
  return {
    readGate: () => watch.refuseIfLocked(),
    load: async () => {
      if (selected.health === 'locked') log.warn('the keychain is locked: its secrets are loaded once it is unlocked');
      else if (onMemory()) await agent().load();
      else await loadNow();
    },
    live: () => {
      const bounded = new Promise<string>((resolve) => setTimeout(() => resolve('unavailable'), STATUS_CHECK_MS).unref());
      return Promise.race([watch.check(), bounded]);
    },
    close: () => {
      watch.stop();
      keychain.close();
    },
  };
}
