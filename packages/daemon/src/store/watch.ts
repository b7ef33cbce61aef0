// Keeps a live view of the keychain's state (ok, locked, unavailable) by asking it every second, so
// that reads stop while the user has locked it, and so that the daemon notices when a keychain that
// was locked or hung answers again (to load what it holds and to read back writes that timed out).
import type { Logger } from '../log.js';
import { lockedError, type KeychainHealth } from './keychain.js';

/** How often the keychain is asked for its state. */
export const KEYCHAIN_CHECK_INTERVAL_MS = 1000;

/** What the watch needs: a live check, and what to do when the keychain answers after it did not. */
export interface KeychainWatchDeps {
  health: () => Promise<KeychainHealth>;
  log: Logger;
  /** Runs when the keychain answers ok after being locked or unavailable (and at every ok check while it returns false). */
  onAnswer: () => Promise<boolean>;
  intervalMs?: number;
  /** True when onAnswer has work even though no check failed (a single call timed out). */
  pendingWork?: () => boolean;
}

export class KeychainWatch {
  private current: KeychainHealth;
  private timer: NodeJS.Timeout | undefined;
  /** True while onAnswer has work left (it returned false or threw). */
  private owed: boolean;
  private checking: Promise<KeychainHealth> | undefined;

  constructor(
    private readonly deps: KeychainWatchDeps,
    initial: KeychainHealth,
  ) {
    this.current = initial;
    this.owed = initial !== 'ok';
  }

  /** The state found by the last check. */
  get state(): KeychainHealth {
    return this.current;
  }

  /** Starts the periodic check. */
  start(): void {
    this.timer = setInterval(() => void this.check(), this.deps.intervalMs ?? KEYCHAIN_CHECK_INTERVAL_MS);
    this.timer.unref();
  }

  /** Stops the periodic check. */
  stop(): void {
    clearInterval(this.timer);
  }

  /** Throws `the keychain is locked` while it is; values are not served from memory then. */
  refuseIfLocked(): void {
    if (this.current === 'locked') throw lockedError();
  }

  /** Notes a state a keychain call just met (a write refused as locked, say) without waiting for the next check. */
  observed(health: KeychainHealth): void {
    if (health !== 'ok') this.enter(health);
  }

  /** Asks the keychain now; one check at a time. Calls onAnswer before it reports ok after a failure. */
  check(): Promise<KeychainHealth> {
    this.checking ??= this.runCheck().finally(() => (this.checking = undefined));
    return this.checking;
  }

  private async runCheck(): Promise<KeychainHealth> {
    const health = await this.deps.health();
    if (health !== 'ok') {
      this.enter(health);
      return health;
    }
    if (this.owed || this.deps.pendingWork?.()) {
      try {
        this.owed = !(await this.deps.onAnswer());
      } catch (err) {
        this.deps.log.warn(`the keychain answers again, but catching up failed: ${(err as Error).message}`);
        this.enter('unavailable');
        return 'unavailable';
      }
    }
    this.enter('ok');
    return 'ok';
  }

  private enter(health: KeychainHealth): void {
    if (health === this.current) return;
    this.deps.log.info(`the keychain is now ${health} (was ${this.current})`);
    if (health !== 'ok') this.owed = true;
    this.current = health;
  }
}
