// Where the audit trail lives in the state folder, shared by the daemon (which writes it) and the CLI
// (which reads and verifies it without the daemon).
import { existsSync, readdirSync, readFileSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { checkSeals, hashAfter, lineHash, verifyChain, type ChainReport } from '@latchkey/core';

/** The current log and the anchor inside a state folder. */
export const AUDIT_FILE = 'audit.jsonl';
export const AUDIT_ANCHOR_FILE = 'audit.anchor';
/**
 * Rotated logs: the time of the rotation, then, for a later rotation in the same millisecond, `-1`, `-2`,
 * and so on (which a plain lexical sort would put before the first one, and `-10` before `-2`).
 */
export const ROTATED_PATTERN = /^audit-\d{8}T\d{9}Z(-\d+)?\.jsonl$/;

/** Rotated file names in the order they were written: by time, then by their same-millisecond number. */
function rotationOrder(a: string, b: string): number {
  const key = (n: string): [string, number] => {
    const m = /^(audit-\d{8}T\d{9}Z)(?:-(\d+))?\.jsonl$/.exec(n) as RegExpExecArray;
    return [m[1] as string, m[2] === undefined ? 0 : Number(m[2])];
  };
  const [ta, na] = key(a);
  const [tb, nb] = key(b);
  return ta < tb ? -1 : ta > tb ? 1 : na - nb;
}

/** The trail's files, oldest first (rotated ones, then the current one if present). */
export function auditFiles(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => ROTATED_PATTERN.test(n)).sort(rotationOrder);
  } catch {
    return [];
  }
  if (existsSync(join(dir, AUDIT_FILE))) names.push(AUDIT_FILE);
  return names.map((n) => join(dir, n));
}

/**
 * The offset just after the last newline at or before `size` in the open file `fd` (0 when there is
 * none): where a torn last record starts, and where a reader that must not cut a line in half begins.
 */
export function lastNewlineEnd(fd: number, size: number): number {
  const buf = Buffer.alloc(64 * 1024);
  let pos = size;
  while (pos > 0) {
    const start = Math.max(0, pos - buf.length);
    const n = readSync(fd, buf, 0, pos - start, start);
    const i = buf.subarray(0, n).lastIndexOf(0x0a);
    if (i >= 0) return start + i + 1;
    pos = start;
  }
  return 0;
}

/** The recorded anchor, or undefined when there is none (or it is not 64 hex digits). Never creates one. */
export function readAnchor(dir: string): string | undefined {
  try {
    const text = readFileSync(join(dir, AUDIT_ANCHOR_FILE), 'utf8').trim();
    return /^[0-9a-f]{64}$/.test(text) ? text : undefined;
  } catch {
    return undefined;
  }
}

/** What only the daemon knows about its trail: the seal key, and the heads it saw or checkpointed. */
export interface TrailKnowledge {
  /** The hash of the last record the running daemon wrote, and how many records the trail then held. */
  live?: { head: string; count: number };
  /** The seal key, the index of the first record written with it and, when a later key took over, of the first one not. */
  seal?: { key: Uint8Array; keyedFrom: number; until?: number };
  /** The head checkpointed in the keychain (at rotation, shutdown, and periodically). */
  checkpoint?: { head: string; count: number };
}

/**
 * Checks the whole trail of a state folder: the public hash chain from the anchor; with what the daemon
 * knows, also every record's seal, that the checkpointed head is still in the trail at its place, and
 * that the trail ends at the running daemon's last record (so records cut from the end are caught).
 * No anchor and no record is an empty, intact trail; records without an anchor are a break at the first.
 */
export function verifyTrail(dir: string, knows: TrailKnowledge = {}): ChainReport {
  const files = auditFiles(dir).map((file) => ({ name: file, text: readFileSync(file, 'utf8') }));
  const anchor = readAnchor(dir);
  if (anchor === undefined) {
    const first = files.find((f) => f.text.trim() !== '');
    if (!first) {
      if (knows.checkpoint && knows.checkpoint.count > 0) {
        return { ok: false, records: 0, files: files.length, last: '', broken: { file: join(dir, AUDIT_FILE), line: 1, reason: `the trail and its anchor are gone, but the daemon checkpointed ${knows.checkpoint.count} records` } };
      }
      return { ok: true, records: 0, files: files.length, last: '' };
    }
    const line = first.text.split('\n').findIndex((l) => l !== '') + 1;
    return {
      ok: false,
      records: 0,
      files: files.length,
      last: '',
      broken: { file: first.name, line, reason: `the anchor ${AUDIT_ANCHOR_FILE} is missing or malformed, so the first record cannot be checked` },
    };
  }
  const report = verifyChain(anchor, files);
  if (!report.ok) return report;
  const last = files[files.length - 1];
  const end = { file: last?.name ?? join(dir, AUDIT_FILE), line: report.records + 1 };
  const fail = (broken: { file: string; line: number; reason: string }): ChainReport => ({ ...report, ok: false, broken });
  if (knows.seal) {
    const broken = checkSeals(knows.seal.key, knows.seal.keyedFrom, files, knows.seal.until);
    if (broken) return fail(broken);
  }
  if (knows.checkpoint && knows.checkpoint.count > 0) {
    const at = hashAfter(anchor, knows.checkpoint.count, files);
    if (at === undefined) {
      return fail({ ...end, reason: `the trail holds ${report.records} records, fewer than the ${knows.checkpoint.count} the daemon checkpointed: records were removed` });
    }
    if (at !== knows.checkpoint.head) {
      return fail({ ...end, reason: `record ${knows.checkpoint.count} is not the one the daemon checkpointed: the trail was rewritten` });
    }
  }
  const live = knows.live;
  if (live && live.head !== '' && live.head !== anchor) {
    // The daemon's last record must be in the trail: else the trail was cut short at its end.
    const hashes = new Set<string>();
    for (const f of files) for (const line of f.text.split('\n')) if (line !== '') hashes.add(lineHash(line));
    if (!hashes.has(live.head)) {
      return fail({ ...end, reason: 'the trail ends before the last record the running daemon wrote: records were removed from its end' });
    }
  }
  const found = report.findings?.[0];
  return found ? fail(found) : report;
}
