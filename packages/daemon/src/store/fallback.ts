// The store of LATCHKEY_STORE=auto when the keychain did not answer at start: memory first, the keychain
// once it answers (SECURITY 46). What was set or removed while on memory is kept in a journal and
// replayed into the keychain at the switch: those writes were made after the keychain stopped
// answering, each was reported as stored, so they are the user's latest word and win over the item the
// keychain held from before. The daemon's own accounts (the audit seal and checkpoint) are not replayed
// here; the switch hands them to the caller, which decides (keychain-state.ts).
import { isInternalAccount } from '../audit-seal.js';
import type { KeychainStore } from './keychain.js';
import type { MemoryStore } from './memory.js';
import type { SecretStore, StoreItem } from './store.js';

/** What the switch found, for the daemon to load. */
export interface SwitchResult {
  /** Every item of the keychain after the replay (the daemon's own accounts included). */
  items: StoreItem[];
  /** How many memory-held writes and deletes were replayed into the keychain. */
  replayed: number;
  /** The daemon's own items as they were in memory (to be placed in the keychain by the caller). */
  internal: StoreItem[];
}

export class FallbackStore implements SecretStore {
  private current: SecretStore;
  private readonly journal = new Map<string, 'set' | 'remove'>();
  private switching: Promise<unknown> | undefined;

  constructor(
    private readonly memory: MemoryStore,
    readonly keychain: KeychainStore,
  ) {
    this.current = memory;
  }

  get kind(): 'keychain' | 'memory' {
    return this.current.kind;
  }

  /** True once the keychain is the store. */
  get onKeychain(): boolean {
    return this.current === this.keychain;
  }

  async get(account: string): Promise<string | undefined> {
    await this.settled();
    return this.current.get(account);
  }

  async set(account: string, password: string): Promise<void> {
    await this.settled();
    if (this.current === this.memory && !isInternalAccount(account)) this.journal.set(account, 'set');
    return this.current.set(account, password);
  }

  async remove(account: string): Promise<boolean> {
    await this.settled();
    if (this.current === this.memory && !isInternalAccount(account)) this.journal.set(account, 'remove');
    return this.current.remove(account);
  }

  async list(): Promise<StoreItem[]> {
    await this.settled();
    return this.current.list();
  }

  async ping(): Promise<void> {
    await this.settled();
    return this.current.ping();
  }

  /** Waits out a switch in progress (whether it succeeds or not). */
  private async settled(): Promise<void> {
    while (this.switching) await this.switching.catch(() => undefined);
  }

  pending(): number {
    return this.current.pending?.() ?? 0;
  }

  /**
   * Replays the journal into the keychain, lists it, and makes it the store; calls wait meanwhile, so
   * none lands in memory after its replay. `load` runs before the calls resume (the daemon takes in
   * the keychain's items there, without waiting on a call of its own). Throws, still on memory, when
   * the keychain fails part way: what was replayed is not replayed again (the journal keeps the rest).
   */
  async switchToKeychain(load: (result: SwitchResult) => Promise<void> | void): Promise<SwitchResult> {
    if (this.onKeychain) throw new Error('already on the keychain');
    const run = (async () => {
      let replayed = 0;
      for (const [account, op] of [...this.journal]) {
        if (op === 'set') {
          const password = await this.memory.get(account);
          if (password !== undefined) await this.keychain.set(account, password);
        } else {
          await this.keychain.remove(account);
        }
        this.journal.delete(account);
        replayed++;
      }
      const items = await this.keychain.list();
      const internal = (await this.memory.list()).filter((i) => isInternalAccount(i.account));
      const result = { items, replayed, internal };
      await load(result);
      this.current = this.keychain;
      return result;
    })();
    this.switching = run;
    try {
      return await run;
    } finally {
      this.switching = undefined;
    }
  }
}
