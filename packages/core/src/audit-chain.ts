// The audit trail's hash chain: each record carries `prev`, the sha256 of the line before it, so an
// edit, a deletion or a reordering breaks the chain. The first record of a trail starts from a
// recorded anchor; a rotated file's first record continues from the last line of the file before it.
import { createHash } from 'node:crypto';

/** The hash of one audit line (its exact text, without the newline). */
export function lineHash(line: string): string {
  return createHash('sha256').update(line).digest('hex');
}

/** Where a chain breaks: the file, the 1-based line, and why. */
export interface ChainBreak {
  file: string;
  line: number;
  reason: string;
}

/** Where the daemon repaired its trail after a crash (a record of event `audit`, outcome `repaired`). */
export interface ChainRepair {
  file: string;
  line: number;
  time: string;
  /** How many bytes of a torn record were removed. */
  bytes: number;
}

/** The outcome of checking a trail. */
export interface ChainReport {
  ok: boolean;
  records: number;
  files: number;
  /** The hash of the last line checked (what the next record must carry as `prev`). */
  last: string;
  broken?: ChainBreak;
  /** Repairs of a torn last record after a crash, each recorded by the daemon in the chain itself. */
  repairs?: ChainRepair[];
  /**
   * The trail's very last line has no newline and does not parse: a record torn by a crash (or a full
   * disk) that no daemon has repaired yet. The chain up to it is intact.
   */
  tornTail?: ChainBreak;
}

/** The event and outcome of the record the daemon writes when it removes a torn last record. */
export const AUDIT_REPAIR = { event: 'audit', outcome: 'repaired' } as const;

/**
 * Checks the records of `files` (oldest first, each given as its text) starting from `anchor`.
 * Reports the first record whose `prev` does not match the line before it, or that does not parse.
 */
export function verifyChain(anchor: string, files: ReadonlyArray<{ name: string; text: string }>): ChainReport {
  let prev = anchor;
  let records = 0;
  const repairs: ChainRepair[] = [];
  const done = (report: Omit<ChainReport, 'files' | 'records' | 'last' | 'repairs'>): ChainReport => ({
    ...report,
    records,
    files: files.length,
    last: prev,
    ...(repairs.length > 0 ? { repairs } : {}),
  });
  for (let f = 0; f < files.length; f++) {
    const { name, text } = files[f] as { name: string; text: string };
    const lines = text.split('\n');
    const complete = lines[lines.length - 1] === '';
    if (complete) lines.pop();
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i] as string;
      let record: { prev?: unknown; event?: unknown; outcome?: unknown; time?: unknown; bytes?: unknown };
      try {
        record = JSON.parse(line) as typeof record;
      } catch {
        const lastOfAll = f === files.length - 1 && i === lines.length - 1 && !complete;
        if (lastOfAll) return done({ ok: true, tornTail: { file: name, line: i + 1, reason: 'the last record was torn by a crash or a full disk; the daemon removes it when it next opens the trail' } });
        return done({ ok: false, broken: { file: name, line: i + 1, reason: 'the line is not JSON' } });
      }
      if (record.prev !== prev) {
        const reason = records === 0 && i === 0 ? 'the first record does not start from the recorded anchor' : "the record's prev is not the hash of the record before it";
        return done({ ok: false, broken: { file: name, line: i + 1, reason } });
      }
      if (record.event === AUDIT_REPAIR.event && record.outcome === AUDIT_REPAIR.outcome) {
        repairs.push({ file: name, line: i + 1, time: String(record.time ?? ''), bytes: typeof record.bytes === 'number' ? record.bytes : 0 });
      }
      prev = lineHash(line);
      records++;
    }
  }
  return done({ ok: true });
}
