// Leak marks: which secret's value a scan found where, and when, kept in leaks.json in the state folder
// (names, places and a keyed MAC of the value found, never the value). A mark is of the value that was
// found: once the secret holds another value, the mark stays as history and no longer fails `agent doctor`.
import { readStateJson, writeStateJson } from '../state-json.js';
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
    const doc = readStateJson(this.file, this.log) as { v?: number; accounts?: Record<string, LeakMark> } | undefined;
    if (doc?.v === 1 && doc.accounts && typeof doc.accounts === 'object') this.data = doc.accounts;
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
    writeStateJson(this.file, { v: 1, accounts: this.data }, this.log);
  }
}
