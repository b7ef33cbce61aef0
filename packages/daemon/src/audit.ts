// The audit log: one JSON line per use of a value, written before the value is served, chained by
// hash (each record's `prev` is the sha256 of the line before it; see @latchkey/core audit-chain).
// Lines are written one at a time in order; fsyncs are batched. The file rotates past a size limit
// into audit-<time>.jsonl, and the chain carries across files. A write is whole or not at all: a short
// or failed write (a full disk) is cut back to the last whole record before the caller hears of it, and
// a torn last record left by a crash is removed when the file is opened, with a record saying so. The
// file at the trail's path is checked before every write: a trail deleted, replaced or truncated under
// the daemon is recorded as such in the file that is then opened at the path.
import { closeSync, constants, existsSync, fstatSync, ftruncateSync, openSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { createSecretKey, randomBytes, type KeyObject } from 'node:crypto';
import { join } from 'node:path';
import { AUDIT_REPAIR, isoTime, lineHash, sealLine, unavailableError, type ChainReport } from '@latchkey/core';
import { AUDIT_ANCHOR_FILE, AUDIT_FILE, auditFiles, lastNewlineEnd, ROTATED_PATTERN, verifyTrail, type TrailKnowledge } from '@latchkey/protocol';

/** Who asked, as the kernel reported it for the connection. */
export interface Peer {
  pid: number;
  uid: number;
  exe?: string;
  /** The caller's working directory for this call, and whether the kernel or the client said so. */
  cwd?: string;
  cwdSource?: string;
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
  /** Writes several records in order, in one append where the sink can; resolves once all are written. */
  writeMany?(events: readonly AuditEvent[]): Promise<void>;
}

/**
 * The records of one call, held back and then written together (one append rather than one per
 * record): a read through it is audited once flush() has resolved, so the caller serves nothing
 * before that. write() never fails; flush() throws what the sink threw.
 */
export class AuditBatch implements AuditSink {
  private pending: AuditEvent[] = [];

  constructor(private readonly sink: AuditSink) {}

  write(event: AuditEvent): Promise<void> {
    this.pending.push(event);
    return Promise.resolve();
  }

  /** Whether a record held back says a value was read (outcome ok), so that losing it must fail the call. */
  holdsRead(): boolean {
    return this.pending.some((e) => e.outcome === 'ok');
  }

  /** Writes the records held back, in order. */
  async flush(): Promise<void> {
    const events = this.pending.splice(0);
    if (events.length === 0) return;
    if (this.sink.writeMany) await this.sink.writeMany(events);
    else for (const e of events) await this.sink.write(e);
  }
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

/**
 * Cuts a torn last record (a line without its newline: a crash or a full disk mid-write) off the trail
 * file; returns how many bytes went (0 when the file ends on a whole record or does not exist).
 */
export function repairTornTail(file: string): number {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDWR | constants.O_NOFOLLOW);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw err;
  }
  try {
    const { size } = fstatSync(fd);
    if (size === 0) return 0;
    const whole = lastNewlineEnd(fd, size);
    if (whole === size) return 0;
    // ftruncate through the descriptor: the very file that was checked.
    ftruncateSync(fd, whole);
    return size - whole;
  } finally {
    closeSync(fd);
  }
}

export interface AuditLogOptions {
  /** Rotate the current file past this size. */
  maxBytes?: number;
  /** Batch fsyncs over this interval. */
  fsyncMs?: number;
  /** Seal every record with this key (see @latchkey/core audit-chain) and check seals from `keyedFrom`. */
  seal?: { key: Uint8Array; keyedFrom: number };
  /**
   * The seal key comes later (setSeal): until it does, every write is refused with this error and nothing
   * is written, so that no record goes into a sealed trail unsealed (the key is in a locked keychain).
   */
  sealLater?: () => Error;
  /** Gets every line once it is whole in the file (a copy elsewhere: the system log). Must not throw. */
  copy?: (lines: readonly string[]) => void;
  /** Called with the head after a rotation and at close, to checkpoint it where the user's files are not. */
  onCheckpoint?: (head: TrailHead) => Promise<void>;
}

/** How many records the trail holds and the hash of the last one (the anchor when there is none). */
export interface TrailHead {
  count: number;
  head: string;
}

/** How many lines the trail files of `dir` hold (torn tails included: they are cut when the file opens). */
export function countRecords(dir: string): number {
  let n = 0;
  for (const file of auditFiles(dir)) for (const line of readFileSync(file, 'utf8').split('\n')) if (line !== '') n++;
  return n;
}

/** An append-only, hash-chained JSON-lines file (0600), reopened after a failure. */
export class AuditLog implements AuditSink {
  readonly path: string;
  private handle: FileHandle | undefined;
  /** The device and inode of the open file, to notice a trail deleted or replaced under us. */
  private identity: { dev: number; ino: number } | undefined;
  private prev: string | undefined;
  /** Records in the whole trail (every file), once the current file was opened. */
  private count = 0;
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
    this.seal = options.seal;
    this.sealKey = options.seal && createSecretKey(options.seal.key);
    this.sealLater = options.sealLater;
    this.copy = options.copy;
    this.onCheckpoint = options.onCheckpoint;
  }

  private seal: AuditLogOptions['seal'];
  /** The seal's key as a KeyObject, made once: on Node 24 an HMAC keyed by a Buffer costs 7 x more. */
  private sealKey: KeyObject | undefined;
  private readonly sealLater: AuditLogOptions['sealLater'];
  private readonly copy: AuditLogOptions['copy'];
  private readonly onCheckpoint: AuditLogOptions['onCheckpoint'];

  /** Starts sealing with `seal` (given once, when the option sealLater held writes back until now). */
  setSeal(seal: NonNullable<AuditLogOptions['seal']>): void {
    if (this.seal) throw new Error('the audit trail is already sealed with a key');
    this.seal = seal;
    this.sealKey = createSecretKey(seal.key);
  }

  /** Whether records are being written (false while a seal key that comes later has not come). */
  get open(): boolean {
    return this.seal !== undefined || this.sealLater === undefined;
  }

  /** The trail's record count and last hash as this process last wrote them. */
  position(): TrailHead {
    return { count: this.count, head: this.prev ?? '' };
  }

  /**
   * Checks the trail with everything the daemon knows (its seal key, its live head, the checkpoint read
   * at start), after the records queued so far are written.
   */
  async verify(checkpoint?: TrailHead): Promise<ChainReport> {
    await this.drained();
    const knows: TrailKnowledge = { ...(this.seal ? { seal: this.seal } : {}), ...(checkpoint ? { checkpoint } : {}) };
    if (this.prev !== undefined) knows.live = this.position();
    return verifyTrail(this.dir, knows);
  }

  /** Checks the trail with knowledge other than this run's (an earlier seal key and checkpoint), after the queued records are written. */
  async verifyWith(knows: TrailKnowledge): Promise<ChainReport> {
    await this.drained();
    return verifyTrail(this.dir, knows);
  }

  /** Resolves once nothing is queued or being written. */
  private async drained(): Promise<void> {
    while (this.flushing || this.pending.length > 0) await new Promise((r) => setTimeout(r, 5));
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
    return this.writeMany([event]);
  }

  /** Appends records in order, queued together so that they go out in one write. */
  writeMany(events: readonly AuditEvent[]): Promise<void> {
    if (!this.open) return Promise.reject((this.sealLater as () => Error)());
    const written = Promise.all(events.map((event) => new Promise<void>((resolve, reject) => this.pending.push({ event, resolve, reject }))));
    if (!this.flushing) void this.flush();
    return written.then(() => {});
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
      const notes = this.checkPath();
      if (!this.handle || notes.length > 0) notes.push(...(await this.reopen()));
      const handle = this.handle as FileHandle;
      let prev = this.prev;
      const lines: string[] = [];
      for (const event of [...notes, ...events]) {
        const { peer, ...rest } = event;
        const record = {
          time: isoTime(this.clock()),
          ...rest,
          ...(peer ? { pid: peer.pid, uid: peer.uid, exe: peer.exe ?? '' } : {}),
          ...(peer?.cwdSource ? { cwd: peer.cwd, cwdSource: peer.cwdSource } : {}),
          prev,
        };
        const unsealed = JSON.stringify(record);
        const line = this.sealKey ? sealLine(unsealed, this.sealKey) : unsealed;
        lines.push(line);
        prev = lineHash(line);
      }
      const bytes = Buffer.from(`${lines.join('\n')}\n`);
      const before = this.size;
      let written = 0;
      try {
        written = (await handle.write(bytes)).bytesWritten;
      } catch (err) {
        await this.cutBack(handle, before);
        throw err;
      }
      if (written !== bytes.length) {
        // A short write (the disk filled up mid-record): the record is not in the trail, so nothing
        // it stands for may happen. Cut the torn bytes off before anyone hears of the failure.
        await this.cutBack(handle, before);
        throw Object.assign(new Error(`short write: ${written} of ${bytes.length} bytes`), { code: 'ENOSPC' });
      }
      this.prev = prev;
      this.count += lines.length;
      this.size += bytes.length;
      this.copy?.(lines);
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

  /** Truncates the open file back to `size`, the end of its last whole record. */
  private async cutBack(handle: FileHandle, size: number): Promise<void> {
    try {
      await handle.truncate(size);
    } catch {
      // The file is repaired when it is next opened (its torn tail is cut there).
    }
  }

  /**
   * Whether the file at the trail's path is still the one this process writes, whole: records of what
   * happened to it when it is not (deleted, replaced, truncated), to be written first in the new file.
   */
  private checkPath(): AuditEvent[] {
    if (!this.identity) return [];
    let st;
    try {
      st = statSync(this.path);
    } catch {
      return [{ event: 'audit', outcome: 'deleted', reason: 'the trail file was deleted under the running daemon' }];
    }
    if (st.dev !== this.identity.dev || st.ino !== this.identity.ino) {
      return [{ event: 'audit', outcome: 'replaced', reason: 'the trail file was replaced under the running daemon' }];
    }
    if (st.size < this.size) {
      return [{ event: 'audit', outcome: 'truncated', reason: `the trail file was cut from ${this.size} to ${st.size} bytes under the running daemon` }];
    }
    return [];
  }

  /** Closes the current handle (if any) and opens whatever is at the trail's path now (the chain goes on). */
  private async reopen(): Promise<AuditEvent[]> {
    const h = this.handle;
    this.handle = undefined;
    await h?.close().catch(() => {});
    return this.openCurrent();
  }

  /** Opens audit.jsonl, repairing a torn tail, and finds the hash its next record must carry. */
  private async openCurrent(): Promise<AuditEvent[]> {
    const notes: AuditEvent[] = [];
    const anchor = readOrCreateAnchor(this.dir);
    const cut = repairTornTail(this.path);
    if (cut > 0) {
      notes.push({ ...AUDIT_REPAIR, reason: 'a torn last record (a crash or a full disk) was removed', bytes: cut });
    }
    this.handle = await open(this.path, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW, 0o600);
    const st = await this.handle.stat();
    this.size = st.size;
    this.identity = { dev: st.dev, ino: st.ino };
    if (this.prev !== undefined) return notes;
    this.count = countRecords(this.dir);
    const files = auditFiles(this.dir);
    for (let i = files.length - 1; i >= 0; i--) {
      const last = lastLineOf(files[i] as string);
      if (last !== undefined) {
        this.prev = lineHash(last);
        return notes;
      }
    }
    this.prev = anchor;
    return notes;
  }

  /** Moves the full file aside; the next record opens a new one continuing the chain. */
  private async rotate(): Promise<void> {
    await this.handle?.sync().catch(() => {});
    await this.handle?.close();
    this.handle = undefined;
    this.identity = undefined;
    const stamp = isoTime(this.clock()).replace(/[-:.]/g, '');
    let target = join(this.dir, `audit-${stamp}.jsonl`);
    for (let n = 1; existsSync(target); n++) target = join(this.dir, `audit-${stamp}-${n}.jsonl`);
    renameSync(this.path, target);
    await this.onCheckpoint?.(this.position()).catch(() => {});
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
    await this.drained();
    clearTimeout(this.syncTimer);
    await this.handle?.sync().catch(() => {});
    await this.handle?.close().catch(() => {});
    this.handle = undefined;
    if (this.prev !== undefined) await this.onCheckpoint?.(this.position()).catch(() => {});
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
