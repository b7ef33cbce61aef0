// Reading the daemon's audit trail from the state folder, read-only: the file rules come from
// @latchkey/protocol, and nothing is ever created or written (a missing anchor stays missing).
import { closeSync, fstatSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseDuration, inputError } from '@latchkey/core';
import { AUDIT_ANCHOR_FILE, AUDIT_FILE, auditFiles, lastNewlineEnd, readAnchor, ROTATED_PATTERN, verifyTrail } from '@latchkey/protocol';

export { AUDIT_ANCHOR_FILE, AUDIT_FILE, auditFiles, readAnchor, ROTATED_PATTERN, verifyTrail };

/** One audit record as the CLI shows it: the named fields always present, the others kept. */
export interface AuditRecord {
  time: string;
  event: string;
  secret: string;
  scope: string;
  outcome: string;
  pid: number;
  exe: string;
  command: string;
  [extra: string]: unknown;
}

/** The fields `agent audit --json` always prints, in this order. */
export const RECORD_FIELDS = ['time', 'event', 'secret', 'scope', 'outcome', 'pid', 'exe', 'command'] as const;

/**
 * Normalizes a parsed line: the named fields first ('' or 0 when absent), then the others; the chain's
 * `prev` and `mac` are dropped (they are for `agent audit verify`). Undefined when the line is not a JSON object.
 */
export function normalizeRecord(raw: unknown): AuditRecord | undefined {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return undefined;
  const r = raw as Record<string, unknown>;
  const str = (v: unknown) => (typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v));
  const { time, event, secret, scope, outcome, pid, exe, command, prev: _prev, mac: _mac, ...rest } = r;
  return {
    time: str(time),
    event: str(event),
    secret: str(secret),
    scope: str(scope),
    outcome: str(outcome),
    pid: typeof pid === 'number' && Number.isFinite(pid) ? pid : 0,
    exe: str(exe),
    command: str(command),
    ...rest,
  };
}

/** Which records a query keeps. */
export interface AuditFilter {
  /** Keep records at or after this time (ms since the epoch). */
  sinceMs?: number;
  secret?: string;
  /** Keep records of any of these events (empty: all). */
  events?: readonly string[];
}

/** Whether a record passes the filter. */
export function matches(record: AuditRecord, filter: AuditFilter): boolean {
  if (filter.sinceMs !== undefined) {
    const t = Date.parse(record.time);
    if (!Number.isFinite(t) || t < filter.sinceMs) return false;
  }
  if (filter.secret !== undefined && record.secret !== filter.secret) return false;
  if (filter.events && filter.events.length > 0 && !filter.events.includes(record.event)) return false;
  return true;
}

/** `--since` text into a time: a duration back from now (`90m`, `1h`, `2d`) or an ISO date/time. */
export function parseSince(text: string, now: number): number {
  const t = text.trim();
  if (/^\d{4}-\d{2}-\d{2}/.test(t)) {
    const ms = Date.parse(t);
    if (!Number.isFinite(ms)) throw inputError(`invalid time ${JSON.stringify(text)}`, 'use a duration like 1h or 2d, or an ISO time like 2025-01-31T09:00:00Z');
    return ms;
  }
  try {
    return now - parseDuration(t) * 1000;
  } catch {
    throw inputError(`invalid --since ${JSON.stringify(text)}`, 'use a duration like 1h or 2d, or an ISO time like 2025-01-31T09:00:00Z');
  }
}

/** A line that is not a record, with where it is. */
export interface BadLine {
  file: string;
  line: number;
}

/** Parses the complete lines of a chunk of a trail file (blank lines skipped). */
export function parseLines(text: string, file: string, firstLine: number, bad: BadLine[]): AuditRecord[] {
  const out: AuditRecord[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    if (line.trim() === '') continue;
    let record: AuditRecord | undefined;
    try {
      record = normalizeRecord(JSON.parse(line));
    } catch {
      record = undefined;
    }
    if (record) out.push(record);
    else bad.push({ file, line: firstLine + i });
  }
  return out;
}

/**
 * Every record of the trail, oldest first, with the lines that are not records. `skipIno` leaves out
 * the file a TrailFollower already reads (so a rotation in between does not print a record twice).
 */
export function readTrail(dir: string, skipIno?: number): { records: AuditRecord[]; bad: BadLine[] } {
  const bad: BadLine[] = [];
  const records: AuditRecord[] = [];
  for (const file of auditFiles(dir)) {
    let text: string;
    try {
      if (skipIno !== undefined && statSync(file).ino === skipIno) continue;
      text = readFileSync(file, 'utf8');
    } catch {
      continue; // rotated away between the listing and the read
    }
    // A last line without its newline is being written: it is read on the next pass (--follow).
    const end = text.lastIndexOf('\n') + 1;
    records.push(...parseLines(text.slice(0, end), file, 1, bad));
  }
  return { records, bad };
}

/**
 * Follows audit.jsonl from a byte offset, across rotation: the open descriptor keeps reading the
 * rotated file to its end, then the new audit.jsonl is opened from its start. `poll()` returns the
 * complete lines written since the last call.
 */
export class TrailFollower {
  private fd: number | undefined;
  private ino = -1;
  private offset = 0;
  private partial = Buffer.alloc(0);
  private readonly path: string;

  /** The inode of the file being read (-1 before audit.jsonl exists). */
  get inode(): number {
    return this.fd === undefined ? -1 : this.ino;
  }

  /** Starts at the end of the current file (`fromEnd`) or at its start. */
  constructor(dir: string, fromEnd = true) {
    this.path = join(dir, AUDIT_FILE);
    this.open(fromEnd);
  }

  /** The complete lines appended since the last poll (no newline), oldest first. */
  poll(): string[] {
    if (this.fd === undefined) {
      this.open(false);
      if (this.fd === undefined) return [];
    }
    const lines = this.drain();
    let current: number | undefined;
    try {
      current = statSync(this.path).ino;
    } catch {
      current = undefined; // between the rename and the next record: keep the old file for now
    }
    if (current !== undefined && current !== this.ino) {
      lines.push(...this.drain()); // what was written to the old file just before it was rotated
      this.close();
      this.partial = Buffer.alloc(0);
      this.open(false);
      if (this.fd !== undefined) lines.push(...this.drain());
    }
    return lines;
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  private open(fromEnd: boolean): void {
    try {
      this.fd = openSync(this.path, 'r');
    } catch {
      this.fd = undefined;
      return;
    }
    const st = fstatSync(this.fd);
    this.ino = st.ino;
    this.offset = fromEnd ? st.size : 0;
    if (fromEnd) {
      // Start after the last complete line, so a line being written now is not cut in half.
      this.offset = lastNewlineEnd(this.fd, st.size);
    }
  }

  private drain(): string[] {
    const fd = this.fd as number;
    const chunks: Buffer[] = [this.partial];
    const buf = Buffer.alloc(64 * 1024);
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, this.offset);
      if (n <= 0) break;
      this.offset += n;
      chunks.push(Buffer.from(buf.subarray(0, n)));
    }
    const all = Buffer.concat(chunks);
    const end = all.lastIndexOf(0x0a) + 1;
    this.partial = Buffer.from(all.subarray(end));
    return all
      .subarray(0, end)
      .toString('utf8')
      .split('\n')
      .filter((l) => l !== '');
  }
}
