// The ledger of temporary database users: one JSON line per step in the state folder's db-users.jsonl
// (0600), never a password. A user's `begin` line is written and synced *before* the user is created on
// its server, and its `done` line after the user is dropped, so a daemon that dies in between (kill -9, a
// power cut) finds at its next start every user that may still exist, and tears it down. A `done` line
// is not synced of its own: one lost to a crash only makes the next start look for a user that is gone
// (the next `begin` syncs it anyway). Lines asked for while a write is under way go out together, with
// one sync. Whole lines only: a torn last line (a crash mid-write) is ignored. The file is compacted to
// the open entries when the daemon opens it.
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { DatabaseKind } from '@latchkey/core';

export const LEDGER_FILE = 'db-users.jsonl';

/** What the daemon must know to find a user again and tear it down: no secret value. */
export interface LedgerEntry {
  leaseId: string;
  kind: DatabaseKind;
  /** The user's name on the server. */
  user: string;
  /** The stored secret holding the admin connection URL, and the working directory its scope is read from. */
  admin: string;
  cwd: string;
  /** The kind's parameters (role names, database, patterns: nothing secret). */
  params: Record<string, string>;
  issuedAt: number;
  expiresAt: number;
  /** 0 when bound to no process. */
  boundPid: number;
  /** The bound process's start time from /proc/<pid>/stat, so a reused pid is not taken for it. */
  boundStart?: string;
  /**
   * The SHA-256 of the value handed out (valueHash() in issuers/database.ts), so a daemon that adopts the
   * user after a restart can still answer IntrospectTempKey for it. Not a secret: the value holds 192
   * random bits, which no hash gives back.
   */
  valueHash?: string;
}

type Line = ({ op: 'begin' } & LedgerEntry) | { op: 'done'; leaseId: string };

interface Pending {
  text: string;
  sync: boolean;
  resolve: () => void;
  reject: (err: unknown) => void;
}

/** The ledger file: appends are serialized and synced; `open()` returns the entries not yet done. */
export class Ledger {
  private handle: FileHandle | undefined;
  private queue: Pending[] = [];
  private writing: Promise<void> | undefined;
  private readonly file: string;

  constructor(stateDir: string) {
    this.file = join(stateDir, LEDGER_FILE);
  }

  /** Reads the file, compacts it to the open entries, and returns them (oldest first). */
  async open(): Promise<LedgerEntry[]> {
    const open_ = readOpenEntries(this.file);
    const tmp = `${this.file}.tmp`;
    const fd = openSync(tmp, 'w', 0o600);
    try {
      const text = open_.map((e) => JSON.stringify({ op: 'begin', ...e })).join('\n');
      if (text) writeSync(fd, `${text}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, this.file);
    this.handle = await openHandle(this.file);
    return open_;
  }

  /** Records that a user is about to be created; resolves once the line is on disk. */
  begin(entry: LedgerEntry): Promise<void> {
    return this.append({ op: 'begin', ...entry }, true);
  }

  /** Records that a user is gone from its server; resolves once the line is written (not synced). */
  done(leaseId: string): Promise<void> {
    return this.append({ op: 'done', leaseId }, false);
  }

  async close(): Promise<void> {
    await this.writing;
    await this.handle?.close();
    this.handle = undefined;
  }

  private append(line: Line, sync: boolean): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ text: `${JSON.stringify(line)}\n`, sync, resolve, reject });
      this.writing ??= this.write();
    });
  }

  /** Writes what is queued, a batch at a time (one append, one sync when a line of it asks). */
  private async write(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0);
        try {
          this.handle ??= await openHandle(this.file);
          await this.handle.appendFile(batch.map((p) => p.text).join(''));
          if (batch.some((p) => p.sync)) await this.handle.datasync();
          for (const p of batch) p.resolve();
        } catch (err) {
          for (const p of batch) p.reject(err);
        }
      }
    } finally {
      this.writing = undefined;
    }
  }
}

async function openHandle(file: string): Promise<FileHandle> {
  return open(file, 'a', 0o600);
}

/** The entries of a ledger file that were begun and not done, oldest first. */
export function readOpenEntries(file: string): LedgerEntry[] {
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const open_ = new Map<string, LedgerEntry>();
  const lines = text.split('\n');
  if (!text.endsWith('\n')) lines.pop(); // a torn last line
  for (const raw of lines) {
    if (raw === '') continue;
    let line: Line;
    try {
      line = JSON.parse(raw) as Line;
    } catch {
      continue;
    }
    if (line.op === 'done') open_.delete(line.leaseId);
    else if (line.op === 'begin' && typeof line.leaseId === 'string' && typeof line.user === 'string') {
      const { op: _op, ...entry } = line;
      open_.set(line.leaseId, entry);
    }
  }
  return [...open_.values()];
}
