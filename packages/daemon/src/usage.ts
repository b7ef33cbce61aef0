// Usage statistics for the inventory (last use, use count), kept in usage.json in the state folder,
// never in the keychain. Counted in memory and written atomically at most once a second.
import { readStateJson, writeStateJson } from './state-json.js';
import type { Logger } from './log.js';

/** How often a secret was read, and when last. */
export interface Usage {
  lastUsedAt: number;
  useCount: number;
}

export class UsageStats {
  private data: Record<string, Usage> = {};
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly file: string,
    private readonly clock: () => number,
    private readonly log: Logger,
    private readonly flushMs = 1000,
  ) {}

  /** Reads usage.json; a missing or unreadable file starts empty. */
  load(): void {
    const doc = readStateJson(this.file, this.log) as { v?: number; accounts?: Record<string, Usage> } | undefined;
    if (doc?.v === 1 && doc.accounts && typeof doc.accounts === 'object') this.data = doc.accounts;
  }

  /** Counts one read of `account`. */
  record(account: string): void {
    const u = (this.data[account] ??= { lastUsedAt: 0, useCount: 0 });
    u.lastUsedAt = this.clock();
    u.useCount++;
    this.schedule();
  }

  get(account: string): Usage | undefined {
    return this.data[account];
  }

  /** Drops the statistics of a removed secret. */
  forget(account: string): void {
    if (delete this.data[account]) this.schedule();
  }

  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    writeStateJson(this.file, { v: 1, accounts: this.data }, this.log);
  }

  private schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => this.flush(), this.flushMs);
    this.timer.unref();
  }
}
