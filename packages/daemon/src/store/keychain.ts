// The OS keychain through keytar: the only file that imports it. On Linux this is the Secret Service
// (GNOME Keyring, KWallet); on macOS the login keychain. Every call has a timeout, because a locked
// or missing keychain may hang instead of failing.
import { createRequire } from 'node:module';
import { unavailableError } from '@latchkey/core';
import type { SecretStore, StoreItem } from './store.js';

type Keytar = typeof import('keytar');

const require = createRequire(import.meta.url);

/** Default time allowed for one keychain call. */
export const KEYCHAIN_TIMEOUT_MS = 3000;

/**
 * Most keytar calls running at once. Each one holds a libuv worker thread until libsecret returns, even
 * after our timeout gave up on it, and the daemon's file I/O (the audit log, written before every read)
 * shares those threads (4 by default). A hanging keychain must not starve them, so calls beyond this
 * wait their turn, and a call still waiting when its timeout ends fails like one that started and hung.
 */
export const MAX_KEYCHAIN_CALLS_IN_FLIGHT = 2;

export class KeychainStore implements SecretStore {
  readonly kind = 'keychain' as const;
  private readonly keytar: Keytar;
  /** keytar calls started and not yet returned (timed-out ones included). */
  private inFlight = 0;
  /** Calls waiting for a free slot, oldest first. */
  private readonly waiting: Array<() => void> = [];

  constructor(
    readonly service: string,
    private readonly timeoutMs = KEYCHAIN_TIMEOUT_MS,
  ) {
    try {
      this.keytar = require('keytar') as Keytar;
    } catch (err) {
      throw unavailableError(
        `the keychain library could not be loaded: ${(err as Error).message.split('\n')[0]}`,
        'install libsecret (apt install libsecret-1-0) or run with LATCHKEY_STORE=memory',
      );
    }
  }

  get(account: string): Promise<string | undefined> {
    return this.call('read', async () => (await this.keytar.getPassword(this.service, account)) ?? undefined);
  }

  set(account: string, password: string): Promise<void> {
    return this.call('write', () => this.keytar.setPassword(this.service, account, password));
  }

  remove(account: string): Promise<boolean> {
    return this.call('delete', () => this.keytar.deletePassword(this.service, account));
  }

  list(): Promise<StoreItem[]> {
    return this.call('list', () => this.keytar.findCredentials(this.service));
  }

  async ping(): Promise<void> {
    await this.call('reach', () => this.keytar.findCredentials(`${this.service}.ping`));
  }

  pending(): number {
    return this.inFlight;
  }

  /** Runs one keytar call when a slot is free; rejects when it has not answered within the timeout. */
  private call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      let timedOut = false;
      const start = () => {
        if (timedOut) return false;
        this.inFlight++;
        fn()
          .finally(() => {
            this.inFlight--;
            this.startWaiting();
          })
          .then(
            (v) => {
              clearTimeout(timer);
              resolve(v);
            },
            (err: unknown) => {
              clearTimeout(timer);
              reject(
                unavailableError(
                  `the keychain refused a ${what}: ${oneLine(err)}`,
                  'check that the keychain is running and unlocked (on Linux: gnome-keyring-daemon), then retry',
                ),
              );
            },
          );
        return true;
      };
      const timer = setTimeout(() => {
        timedOut = true;
        const i = this.waiting.indexOf(start);
        if (i >= 0) this.waiting.splice(i, 1);
        reject(
          unavailableError(
            `the keychain did not answer a ${what} within ${this.timeoutMs / 1000}s`,
            'check that the keychain is running and unlocked (on Linux: gnome-keyring-daemon), then retry',
          ),
        );
      }, this.timeoutMs);
      timer.unref();
      if (this.inFlight < MAX_KEYCHAIN_CALLS_IN_FLIGHT) start();
      else this.waiting.push(start);
    });
  }

  /** Starts waiting calls while slots are free. */
  private startWaiting(): void {
    while (this.inFlight < MAX_KEYCHAIN_CALLS_IN_FLIGHT && this.waiting.length > 0) this.waiting.shift()?.();
  }
}

function oneLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return (text.split('\n')[0] ?? '').slice(0, 200).toLowerCase();
}
