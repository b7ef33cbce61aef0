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

/** The outcome of checking a trail. */
export interface ChainReport {
  ok: boolean;
  records: number;
  files: number;
  /** The hash of the last line checked (what the next record must carry as `prev`). */
  last: string;
  broken?: ChainBreak;
}

/**
 * Checks the records of `files` (oldest first, each given as its text) starting from `anchor`.
 * Reports the first record whose `prev` does not match the line before it, or that does not parse.
 */
export function verifyChain(anchor: string, files: ReadonlyArray<{ name: string; text: string }>): ChainReport {
  let prev = anchor;
  let records = 0;
  for (const { name, text } of files) {
    const lines = text.split('\n');
    if (lines[lines.length - 1] === '') lines.pop();
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i] as string;
      let record: { prev?: unknown };
      try {
        record = JSON.parse(line) as { prev?: unknown };
      } catch {
        return { ok: false, records, files: files.length, last: prev, broken: { file: name, line: i + 1, reason: 'the line is not JSON' } };
      }
      if (record.prev !== prev) {
        const reason = records === 0 && i === 0 ? 'the first record does not start from the recorded anchor' : "the record's prev is not the hash of the record before it";
        return { ok: false, records, files: files.length, last: prev, broken: { file: name, line: i + 1, reason } };
      }
      prev = lineHash(line);
      records++;
    }
  }
  return { ok: true, records, files: files.length, last: prev };
}
