// Leak marks: which secret's value a scan found where, and when, kept in leaks.json in the state folder
// (names, places and a keyed MAC of the value found, never the value). A mark is of the value that was
// found: once the secret holds another value, the mark stays as history and no longer fails `agent doctor`.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { Logger } from '../log.js';

/** Where and when a secret's value was found. */
export interface LeakMark {
  at: number;
  where: string;
  encoding: string;
  /** The keyed MAC of the value found (see ScannerKeys.mac). */
  mac: string;
}

export class LeakMarks {
  private data: Record<string, LeakMark> = {};

  constructor(
    private readonly file: string,
    private readonly log: Logger,
  ) {}

  load(): void {
    try {
      const doc = JSON.parse(readFileSync(this.file, 'utf8')) as { v?: number; accounts?: Record<string, LeakMark> };
      if (doc.v === 1 && doc.accounts && typeof doc.accounts === 'object') this.data = doc.accounts;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') this.log.warn(`ignored unreadable ${this.file}`);
    }
  }

  /** Marks `account` leaked (the latest finding wins). */
  mark(account: string, mark: LeakMark): void {
    this.data[account] = mark;
    this.save();
  }

  get(account: string): LeakMark | undefined {
    return this.data[account];
  }

  private save(): void {
    try {
      const tmp = `${this.file}.${process.pid}.tmp`;
      writeFileSync(tmp, `${JSON.stringify({ v: 1, accounts: this.data })}\n`, { mode: 0o600 });
      renameSync(tmp, this.file);
    } catch (err) {
      this.log.warn(`could not write ${this.file}: ${(err as Error).message}`);
    }
  }
}
