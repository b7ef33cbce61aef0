// The audit log: one JSON line per use of a value, written before the value is served, chained by
// hash (each record's `prev` is the sha256 of the line before it; see @latchkey/core audit-chain).
// Lines are written one at a time in order; fsyncs are batched. The file rotates past a size limit
// into audit-<time>.jsonl, and the chain carries across files.
import { constants, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { lineHash, unavailableError } from '@latchkey/core';
import { AUDIT_ANCHOR_FILE, AUDIT_FILE, auditFiles, ROTATED_PATTERN } from '@latchkey/protocol';

/** Who asked, as the kernel reported it for the connection. */
export interface Peer {
  pid: number;
  uid: number;
  exe?: string;
}

/** One audit record. Names secrets; never holds a value. */
export interface AuditEvent {
  event: string;
  outcome: string;
  secret?: string;
  scope?: string;
  peer?: Peer;
  reason?: string;
  [extra: string]: unknown;
}

/** Where audit records go. */
export interface AuditSink {
  write(event: AuditEvent): Promise<void>;
}

export { AUDIT_ANCHOR_FILE, AUDIT_FILE, auditFiles, ROTATED_PATTERN };

/** The anchor the trail starts from, created (random, 0600) when missing. */
export function readOrCreateAnchor(dir: string): string {
  const file = join(dir, AUDIT_ANCHOR_FILE);
  try {
    const text = readFileSync(file, 'utf8').trim();
    if (/^[0-9a-f]{64}$/.test(text)) return text;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const anchor = randomBytes(32).toString('hex');
  writeFileSync(file, `${anchor}\n`, { mode: 0o600, flag: 'wx' });
  return anchor;
}

function lastLineOf(file: string): string | undefined {
  const text = readFileSync(file, 'utf8');
  const lines = text.split('\n').filter((l) => l !== '');
  return lines[lines.length - 1];
}

export interface AuditLogOptions {
  /** Rotate the current file past this size. */
  maxBytes?: number;
  /** Batch fsyncs over this interval. */
  fsyncMs?: number;
}

/** An append-only, hash-chained JSON-lines file (0600), reopened after a failure. */
export class AuditLog implements AuditSink {
  readonly path: string;
  private handle: FileHandle | undefined;
  private prev: string | undefined;
  private size = 0;
  private pending: Array<{ event: AuditEvent; resolve: () => void; reject: (err: Error) => void }> = [];
  private flushing = false;
  private syncTimer: NodeJS.Timeout | undefined;
  private readonly maxBytes: number;
  private readonly fsyncMs: number;

  constructor(
    readonly dir: string,
    private readonly clock: () => number = Date.now,
    options: AuditLogOptions = {},
  ) {
    this.path = join(dir, AUDIT_FILE);
    this.maxBytes = options.maxBytes ?? 8 * 1024 * 1024;
    this.fsyncMs = options.fsyncMs ?? 50;
  }

  /** The hash of the last record written by this process, or '' before the first. */
  head(): string {
    return this.prev ?? '';
  }

  /**
   * Appends one record; resolves once its line is written (fsync follows within fsyncMs), throws an
   * `unavailable` error when it could not be. Records queued while a write is in flight go out together
   * in one write, chained in the order they were queued.
   */
  write(event: AuditEvent): Promise<void> {
    return new Promise((resolve, reject) => {
      this.pending.push({ event, resolve, reject });
      if (!this.flushing) void this.flush();
    });
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    try {
      while (this.pending.length > 0) {
        const batch = this.pending.splice(0);
        try {
          await this.append(batch.map((p) => p.event));
          for (const p of batch) p.resolve();
        } catch (err) {
          for (const p of batch) p.reject(err as Error);
        }
      }
    } finally {
      this.flushing = false;
    }
  }

  private async append(events: AuditEvent[]): Promise<void> {
    try {
      if (!this.handle) await this.openCurrent();
      let prev = this.prev;
      const lines: string[] = [];
      for (const event of events) {
        const { peer, ...rest } = event;
        const record = {
          time: new Date(this.clock()).toISOString(),
          ...rest,
          ...(peer ? { pid: peer.pid, uid: peer.uid, exe: peer.exe ?? '' } : {}),
          prev,
        };
        const line = JSON.stringify(record);
        lines.push(line);
        prev = lineHash(line);
      }
      const bytes = Buffer.from(`${lines.join('\n')}\n`);
      await (this.handle as FileHandle).write(bytes);
      this.prev = prev;
      this.size += bytes.length;
      this.scheduleSync();
      if (this.size >= this.maxBytes) await this.rotate();
    } catch (err) {
      const h = this.handle;
      this.handle = undefined;
      await h?.close().catch(() => {});
      throw unavailableError(
        `the audit log cannot be written (${(err as NodeJS.ErrnoException).code ?? 'error'}): ${this.path}`,
        'free disk space or fix the permissions of the state folder, then retry',
      );
    }
  }

  /** Opens audit.jsonl and finds the hash its next record must carry. */
  private async openCurrent(): Promise<void> {
    const anchor = readOrCreateAnchor(this.dir);
    this.handle = await open(this.path, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW, 0o600);
    this.size = (await this.handle.stat()).size;
    if (this.prev !== undefined) return;
    const files = auditFiles(this.dir);
    for (let i = files.length - 1; i >= 0; i--) {
      const last = lastLineOf(files[i] as string);
      if (last !== undefined) {
        this.prev = lineHash(last);
        return;
      }
    }
    this.prev = anchor;
  }

  /** Moves the full file aside; the next record opens a new one continuing the chain. */
  private async rotate(): Promise<void> {
    await this.handle?.sync().catch(() => {});
    await this.handle?.close();
    this.handle = undefined;
    const stamp = new Date(this.clock()).toISOString().replace(/[-:.]/g, '');
    let target = join(this.dir, `audit-${stamp}.jsonl`);
    for (let n = 1; existsSync(target); n++) target = join(this.dir, `audit-${stamp}-${n}.jsonl`);
    renameSync(this.path, target);
  }

  private scheduleSync(): void {
    if (this.syncTimer) return;
    this.syncTimer = setTimeout(() => {
      this.syncTimer = undefined;
      void this.handle?.sync().catch(() => {});
    }, this.fsyncMs);
    this.syncTimer.unref();
  }

  async close(): Promise<void> {
    while (this.flushing || this.pending.length > 0) await new Promise((r) => setTimeout(r, 5));
    clearTimeout(this.syncTimer);
    await this.handle?.sync().catch(() => {});
    await this.handle?.close().catch(() => {});
    this.handle = undefined;
  }
}

/** An audit sink in memory, for unit tests. */
export class MemoryAudit implements AuditSink {
  readonly events: AuditEvent[] = [];
  failing = false;

  async write(event: AuditEvent): Promise<void> {
    if (this.failing) throw unavailableError('the audit log cannot be written');
    this.events.push(event);
  }
}
