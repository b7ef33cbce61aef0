// Masks injected secret values in a child's output stream (`agent exec --mask`).
//
// Decisions:
// - Only values of MIN_MASK_CHARS (6) characters (code points) or more are masked: shorter ones
//   ("true", "8080", "dev") would blank out ordinary output and hide little. Matching is on UTF-8 bytes.
// - A multi-line value (a PEM key, a JSON credential) is masked whole, and also in its LF and CRLF
//   spellings (a pseudo-terminal turns "\n" into "\r\n"), and each of its lines of 6+ characters is masked
//   on its own, since programs and terminals often print one line of such a value. Lines shorter than
//   that stay visible, as short values do.
// - Overlapping occurrences (one value a prefix of another, or two occurrences sharing bytes) are merged
//   and replaced by one mask; so the longer of two overlapping values always wins. Occurrences that only
//   touch are masked separately ("********" "********").
// - A value of 8 bytes or more is also masked in each encoding `agent scan` looks for (base64 and
//   base64url at any alignment, hex, percent, JSON escaping; see @latchkey/core's encodedForms), so a
//   child that prints a credential base64-encoded (a Basic header, a Kubernetes secret) shows no more of it.
// - Matching is an Aho-Corasick automaton over bytes (a dense table over byte classes): one table lookup
//   per byte whatever the number of values. Its state is carried across chunks, so a value split across
//   writes is found without rescanning. The only bytes held back are the trailing ones that are a proper
//   prefix of some value (plus a pending masked run that could still grow); everything else is pushed at
//   once, and held bytes are released at the end of the stream.
import { PassThrough, Transform, type TransformCallback } from 'node:stream';
import { encodedForms } from '@latchkey/core/scan';

/** The shortest value, in characters, that is masked. */
export const MIN_MASK_CHARS = 6;

/** The byte strings the masker looks for, given the injected values (see the decisions above). */
export function maskPatterns(values: readonly string[]): Buffer[] {
  const out = new Map<string, Buffer>();
  const add = (s: string): void => {
    if (countChars(s) < MIN_MASK_CHARS || out.has(s)) return;
    out.set(s, Buffer.from(s, 'utf8'));
  };
  for (const value of values) {
    add(value);
    for (const form of encodedForms(value)) if (!out.has(Buffer.from(form.bytes).toString('utf8'))) out.set(Buffer.from(form.bytes).toString('utf8'), Buffer.from(form.bytes));
    if (!/[\r\n]/.test(value)) continue;
    add(value.replace(/\r?\n/g, '\n'));
    add(value.replace(/\r?\n/g, '\r\n'));
    for (const line of value.split(/\r?\n|\r/)) add(line);
  }
  return [...out.values()];
}

/** A byte Transform that replaces each occurrence of the given values (6+ characters) with `mask`. */
export function createMasker(values: readonly string[], mask = '********'): Transform {
  const patterns = maskPatterns(values);
  if (patterns.length === 0) return new PassThrough();
  return new Masker(buildAutomaton(patterns), Buffer.from(mask, 'utf8'));
}

function countChars(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

interface Automaton {
  /** Byte -> class; class 0 is every byte that appears in no pattern. */
  cls: Uint16Array;
  classes: number;
  /**
   * The complete DFA. A state is named by its row offset (state number * classes), so a step is
   * `delta[row + class]`; an entry is stored as ~row when its target state ends a pattern.
   */
  delta: Int32Array;
  /** By state number: length of the longest pattern that ends at this state (0: none). */
  matchLen: Int32Array;
  /** By state number: length of the longest suffix read that is a proper prefix of some pattern. */
  holdLen: Int32Array;
}

function buildAutomaton(patterns: readonly Buffer[]): Automaton {
  const cls = new Uint16Array(256);
  let classes = 1;
  for (const p of patterns) for (const b of p) if (cls[b] === 0) cls[b] = classes++;

  // The trie: children as maps while building.
  const children: Map<number, number>[] = [new Map()];
  const depth: number[] = [0];
  const terminal: number[] = [0];
  for (const p of patterns) {
    let s = 0;
    for (const b of p) {
      const c = cls[b]!;
      let next = children[s]!.get(c);
      if (next === undefined) {
        next = children.length;
        children.push(new Map());
        depth.push(depth[s]! + 1);
        terminal.push(0);
        children[s]!.set(c, next);
      }
      s = next;
    }
    terminal[s] = p.length;
  }

  const n = children.length;
  const delta = new Int32Array(n * classes);
  const fail = new Int32Array(n);
  const matchLen = new Int32Array(n);
  const holdLen = new Int32Array(n);
  // Breadth-first, so a state's failure target is complete before the state itself.
  const queue: number[] = [0];
  for (let qi = 0; qi < queue.length; qi++) {
    const s = queue[qi]!;
    const f = fail[s]!;
    matchLen[s] = Math.max(terminal[s]!, s === 0 ? 0 : matchLen[f]!);
    holdLen[s] = children[s]!.size > 0 ? depth[s]! : s === 0 ? 0 : holdLen[f]!;
    for (let c = 0; c < classes; c++) {
      const child = children[s]!.get(c);
      if (child !== undefined) {
        delta[s * classes + c] = child;
        fail[child] = s === 0 ? 0 : delta[f * classes + c]!;
        queue.push(child);
      } else {
        delta[s * classes + c] = s === 0 ? 0 : delta[f * classes + c]!;
      }
    }
  }
  // Name states by row offset and flag the entries that lead to a match (see Automaton).
  for (let i = 0; i < delta.length; i++) {
    const t = delta[i]!;
    delta[i] = matchLen[t]! > 0 ? ~(t * classes) : t * classes;
  }
  return { cls, classes, delta, matchLen, holdLen };
}

interface Run {
  start: number;
  end: number;
}

class Masker extends Transform {
  /** The DFA state, as a row offset into the table. */
  private row = 0;
  /** Absolute count of bytes read. */
  private pos = 0;
  /** Bytes before this absolute offset have been pushed (or swallowed by a pushed mask). */
  private emitted = 0;
  /** The unsettled bytes [emitted, pos). */
  private held: Buffer = Buffer.alloc(0);
  /** Masked runs found but not yet pushed, sorted and disjoint, all at or after `emitted`. */
  private runs: Run[] = [];
  /** End of the last pushed mask's run: a later match starting before it extends that run silently. */
  private lastMaskEnd = -1;

  constructor(
    private readonly ac: Automaton,
    private readonly mask: Buffer,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    const { cls, classes, delta, matchLen } = this.ac;
    const base = this.pos;
    let row = this.row;
    for (let i = 0; i < chunk.length; i++) {
      row = delta[row + cls[chunk[i]!]!]!;
      if (row < 0) {
        row = ~row;
        this.addMatch(base + i + 1 - matchLen[(row / classes) | 0]!, base + i + 1);
      }
    }
    this.row = row;
    this.pos = base + chunk.length;
    const buf = this.held.length > 0 ? Buffer.concat([this.held, chunk]) : chunk;
    this.settle(buf, this.pos - buf.length, this.pos - this.ac.holdLen[(row / classes) | 0]!);
    done();
  }

  override _flush(done: TransformCallback): void {
    this.settle(this.held, this.pos - this.held.length, this.pos);
    done();
  }

  private addMatch(start: number, end: number): void {
    if (start < this.lastMaskEnd) {
      // Overlaps a run whose mask is already out: everything up to `end` belongs to it.
      this.runs.length = 0;
      this.lastMaskEnd = end;
      return;
    }
    const runs = this.runs;
    const last = runs[runs.length - 1];
    if (last === undefined || start >= last.end) {
      runs.push({ start, end });
      return;
    }
    // Overlaps the last run (the common case is a match growing it): extend it in place, then fold
    // in any earlier runs the match also reaches.
    last.end = end;
    if (start < last.start) last.start = start;
    while (runs.length > 1 && last.start < runs[runs.length - 2]!.end) {
      last.start = Math.min(last.start, runs[runs.length - 2]!.start);
      runs.splice(runs.length - 2, 1);
    }
  }

  /** Pushes what can no longer change: `buf` holds the bytes [bufStart, pos); nothing at or after `safe` may be pushed as plain text. */
  private settle(buf: Buffer, bufStart: number, safe: number): void {
    const parts: Buffer[] = [];
    // Bytes swallowed by an already pushed mask that is still growing.
    if (this.lastMaskEnd > this.emitted) this.emitted = this.lastMaskEnd;
    let k = 0;
    for (; k < this.runs.length; k++) {
      const run = this.runs[k]!;
      if (run.start >= safe) break;
      if (run.start > this.emitted) parts.push(buf.subarray(this.emitted - bufStart, run.start - bufStart));
      parts.push(this.mask);
      this.emitted = run.end;
      this.lastMaskEnd = run.end;
    }
    if (k > 0) this.runs.splice(0, k);
    const plainEnd = this.runs.length > 0 ? Math.min(safe, this.runs[0]!.start) : safe;
    if (plainEnd > this.emitted) {
      parts.push(buf.subarray(this.emitted - bufStart, plainEnd - bufStart));
      this.emitted = plainEnd;
    }
    // Copy the small tail so the caller's chunk is not kept alive.
    this.held = this.emitted < this.pos ? Buffer.from(buf.subarray(this.emitted - bufStart)) : Buffer.alloc(0);
    if (parts.length === 1) this.push(parts[0]);
    else if (parts.length > 1) this.push(Buffer.concat(parts));
  }
}
