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

export class KeychainStore implements SecretStore {
  readonly kind = 'keychain' as const;
  private readonly keytar: Keytar;

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

  private call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(
          unavailableError(
            `the keychain did not answer a ${what} within ${this.timeoutMs / 1000}s`,
            'check that the keychain is running and unlocked (on Linux: gnome-keyring-daemon), then retry',
          ),
        );
      }, this.timeoutMs);
      timer.unref();
      fn().then(
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
    });
  }
}

function oneLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return (text.split('\n')[0] ?? '').slice(0, 200).toLowerCase();
}
