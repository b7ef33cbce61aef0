// Stores that fail on purpose, for unit tests of what sits on a SecretStore.

/** What failingWrites() needs of a store class: a set() that writes a password. */
type StoreClass = new (...args: any[]) => { set(account: string, password: string): Promise<void> };

/**
 * A subclass of the store class `Base` whose set() throws `message` while its `failing` is true, as a
 * locked, stopped or frozen keychain's writes do; reads and deletes are Base's.
 *
 *   const FlakyStore = failingWrites(MemoryStore, 'the keychain is locked');
 */
export function failingWrites<B extends StoreClass>(Base: B, message: string) {
  return class extends Base {
    failing = false;
    override async set(account: string, password: string): Promise<void> {
      if (this.failing) throw new Error(message);
      return super.set(account, password);
    }
  };
}
