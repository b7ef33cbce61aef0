// An in-memory SecretStore. Not for production: nothing survives the process. For unit tests and for
// machines without a keychain, where the daemon says so loudly.
import type { SecretStore, StoreItem } from './store.js';

export class MemoryStore implements SecretStore {
  readonly kind = 'memory' as const;
  private readonly items = new Map<string, string>();

  async get(account: string): Promise<string | undefined> {
    return this.items.get(account);
  }

  async set(account: string, password: string): Promise<void> {
    this.items.set(account, password);
  }

  async remove(account: string): Promise<boolean> {
    return this.items.delete(account);
  }

  async list(): Promise<StoreItem[]> {
    return [...this.items].map(([account, password]) => ({ account, password }));
  }

  async ping(): Promise<void> {}
}
