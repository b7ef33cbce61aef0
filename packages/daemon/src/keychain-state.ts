// The daemon's side of the keychain's state: a watch that stops reads while the keychain is locked,
// opens the audit trail and loads the keychain's items once a keychain that was locked at start is
// unlocked, switches a store that fell back to memory to the keychain once it answers, and answers the
// live check that `agent daemon status` and `agent doctor` report.
import { isoTime, LatchkeyError } from '@latchkey/core';
import type { Logger } from './log.js';
import type { AgentService } from './service.js';
import { FallbackStore, type SwitchResult } from './store/fallback.js';
import { lockedError, type KeychainStore } from './store/keychain.js';
import type { SelectedStore } from './store/select.js';
import { KeychainWatch } from './store/watch.js';

/** How long Status waits for a live keychain check (a healthy keychain answers in about a millisecond). */
export const STATUS_CHECK_MS = 500;

/** What the daemon holds of the keychain's state. */
export interface KeychainState {
  /** Throws `the keychain is locked` while it is, or while what it holds is not loaded yet. */
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

/** What has to happen, in this order, before the daemon serves what the store holds. */
export interface KeychainStateDeps {
  agent: () => AgentService;
  log: Logger;
  /** Reads the daemon's own keys from the store (the trail's seal key and checkpoint, the scanner's) and checks the trail (once). */
  openTrail: () => Promise<void>;
  /** Runs once the store's items are loaded, and again after a switch to the keychain (schedules the rotations of minted secrets). */
  loaded: () => void;
  switchHooks?: SwitchHooks;
}

function isLocked(err: unknown): boolean {
  return err instanceof LatchkeyError && err.message === lockedError().message;
}

/** Starts watching the keychain of `selected` (nothing to watch with LATCHKEY_STORE=memory). */
export function keychainState(selected: SelectedStore, deps: KeychainStateDeps): KeychainState {
  const { agent, log } = deps;
  const keychain = selected.keychain;
  let loaded = false;
  const loadOnce = async (): Promise<void> => {
    if (loaded) return;
    await deps.openTrail();
    await agent().load();
    loaded = true;
    deps.loaded();
  };
  if (!keychain) {
    return { readGate: () => {}, load: loadOnce, live: async () => 'unused', close: () => {} };
  }
  keychain.onNotice = (line) => log.warn(line);
  const fallback = selected.store instanceof FallbackStore ? selected.store : undefined;
  const onMemory = () => fallback !== undefined && !fallback.onKeychain;
  // LATCHKEY_STORE=auto fell back to memory at start: switch once the keychain answers (SECURITY 46).
  const switchNow = async (): Promise<void> => {
    const store = fallback as FallbackStore;
    let secrets = 0;
    const result = await store.switchToKeychain(async (r) => {
      await deps.switchHooks?.during(r, keychain);
      secrets = agent().takeIn(r.items);
    });
    loaded = true;
    selected.note = `the keychain did not answer at start; the daemon used the memory store until ${isoTime(Date.now())}, then switched to the keychain`;
    log.warn(`the keychain answers again: switched from the memory store to the keychain; ${result.replayed} write(s) and delete(s) made meanwhile replayed into it, ${secrets} secret(s) held now`);
    deps.loaded();
    await deps.switchHooks?.after({ ...result, secrets });
  };
  const loadNow = async (): Promise<boolean> => {
    if (onMemory()) await switchNow();
    const first = !loaded;
    await loadOnce();
    if (first && selected.health === 'locked') log.info(`the keychain was unlocked: ${agent().count()} secret(s) loaded, serving`);
    // Writes and deletes that timed out may have landed since: read each back (SECURITY 46).
    for (const account of keychain.takeUnsettled()) await agent().adopt(account, await keychain.get(account));
    return true;
  };
  const watch = new KeychainWatch({ health: () => keychain.health(), log, onAnswer: loadNow, pendingWork: () => keychain.hasUnsettled() }, selected.health);
  watch.start();
  keychain.onLocked = () => watch.observed('locked');
  return {
    readGate: () => {
      watch.refuseIfLocked();
      // Unlocked, but the items are not loaded yet (the watch does it at its next check): nothing to serve.
      if (!loaded) throw lockedError();
    },
    load: async () => {
      // Locked at start (the store's note says so in the log): the watch loads once it is unlocked.
      if (selected.health === 'locked') return;
      // On the memory store until the keychain answers: its own (empty) store is loaded now.
      if (onMemory()) return loadOnce();
      try {
        await loadNow();
      } catch (err) {
        // Locked between the first check and the loading: the watch loads once it is unlocked.
        if (!isLocked(err)) throw err;
        watch.observed('locked');
        log.warn('the keychain is locked: the daemon serves nothing until it is unlocked, then loads its secrets');
      }
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
