// `agent scan --fix`: findings redacted in place, and for Git history the `git filter-repo` command that
// would do the same to every commit (printed, never run: rewriting history is the user's call).
//
// Decisions:
// - A redaction replaces the finding's bytes with `[latchkey:redacted:<secret>]`. The file is rewritten
//   in place (same inode, same mode), so a shell or an agent holding it open keeps writing to the file
//   the user sees, and no copy of the original is left anywhere.
// - A file that shrank since the scan is left alone (its offsets no longer hold): scan it again.
// - Findings that overlap (one value inside another's encoding) are redacted as one run.
import { closeSync, fstatSync, openSync, readSync, ftruncateSync, writeSync } from 'node:fs';

/** The text a finding is replaced with. */
export function redaction(secret: string): string {
  return `[latchkey:redacted:${secret}]`;
}

/** Merged, sorted byte ranges with the secret named for each run. */
function runs(findings: ReadonlyArray<{ offset: number; length: number; secret: string }>): Array<{ start: number; end: number; secret: string }> {
  const sorted = [...findings].sort((a, b) => a.offset - b.offset || b.length - a.length);
  const out: Array<{ start: number; end: number; secret: string }> = [];
  for (const f of sorted) {
    const last = out.at(-1);
    if (last && f.offset < last.end) last.end = Math.max(last.end, f.offset + f.length);
    else out.push({ start: f.offset, end: f.offset + f.length, secret: f.secret });
  }
  return out;
}

/** Redacts the findings in `file` in place; returns how many runs were redacted (0 when it changed). */
export function redactFile(file: string, findings: ReadonlyArray<{ offset: number; length: number; secret: string }>): number {
  const fd = openSync(file, 'r+');
  try {
    const size = fstatSync(fd).size;
    const ranges = runs(findings);
    if (ranges.length === 0 || (ranges.at(-1)?.end ?? 0) > size) return 0;
    const data = Buffer.alloc(size);
    let read = 0;
    while (read < size) {
      const n = readSync(fd, data, read, size - read, read);
      if (n === 0) break;
      read += n;
    }
    const parts: Buffer[] = [];
    let at = 0;
    for (const r of ranges) {
      parts.push(data.subarray(at, r.start), Buffer.from(redaction(r.secret), 'utf8'));
      at = r.end;
    }
    parts.push(data.subarray(at, read));
    const out = Buffer.concat(parts);
    let written = 0;
    while (written < out.length) written += writeSync(fd, out, written, out.length - written, written);
    ftruncateSync(fd, out.length);
    data.fill(0);
    return ranges.length;
  } finally {
    closeSync(fd);
  }
}

/** Shell-quotes `s` in single quotes. */
function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * The `git filter-repo` command that redacts the findings in every blob of the history: a blob callback
 * keyed by the blobs' ids and byte ranges, so that no value is written into the command itself.
 */
export function filterRepoCommand(findings: ReadonlyArray<{ sha: string; offset: number; length: number; secret: string }>): string {
  const byBlob = new Map<string, Array<{ offset: number; length: number; secret: string }>>();
  for (const f of findings) byBlob.set(f.sha, [...(byBlob.get(f.sha) ?? []), f]);
  const table = [...byBlob]
    .map(([sha, list]) => `  b"${sha}": [${runs(list).map((r) => `(${r.start}, ${r.end}, b"${redaction(r.secret).replace(/["\\]/g, '\\$&')}")`).join(', ')}],`)
    .join('\n');
  const code = [
    'R = {',
    table,
    '}',
    'for start, end, text in reversed(R.get(blob.original_id, [])):',
    '  blob.data = blob.data[:start] + text + blob.data[end:]',
  ].join('\n');
  return `git filter-repo --force --blob-callback ${shellQuote(code)}`;
}
