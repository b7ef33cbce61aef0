// The SecretStore interface: the one seam between the daemon and a keychain backend.

/** One raw item: the keychain account and its password (the encoded record). */
export interface StoreItem {
  account: string;
  password: string;
}

/** A backend that holds the daemon's items. Every call either settles or fails within its timeout. */
export interface SecretStore {
  /** "keychain" or "memory". */
  readonly kind: 'keychain' | 'memory';
  /** The password of one account, or undefined when absent. */
  get(account: string): Promise<string | undefined>;
  /** Creates or replaces one item. */
  set(account: string, password: string): Promise<void>;
  /** Removes one item; true when it existed. */
  remove(account: string): Promise<boolean>;
  /** Every item of this daemon's service. */
  list(): Promise<StoreItem[]>;
  /** Checks that the backend answers. */
  ping(): Promise<void>;
  /** Calls started and not yet returned, timed-out ones included (backends with worker threads). */
  pending?(): number;
}
