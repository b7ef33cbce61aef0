// A multi-pattern byte search for `agent scan`: every encoded form of every known value, in one pass.
//
// Decisions:
// - Rabin-Karp over a fixed anchor of the first ANCHOR_BYTES (8) bytes of each pattern (every form is at
//   least that long): a rolling hash per byte, a 4 Mbit filter of the anchors' hashes, and a bucket
//   lookup only where the filter says yes. The work per byte does not grow with the number of patterns
//   (100 values make ~1,300 patterns, 1,000 make ~13,000), and memory stays in the patterns' own size,
//   unlike a dense Aho-Corasick table (states x 256).
// - The hash's multiplier is a key (the caller draws it and keeps it secret): a pattern can then be held
//   as a keyed fingerprint only (its anchor's hash, its length and a check of the whole window, e.g. an
//   HMAC), for values that must not be kept in plain text, and be found all the same.
// - Streaming: text arrives in chunks of any size; the hash and a short tail are carried over, and a
//   candidate that runs past the end of a chunk is verified when the rest arrives. Offsets, lines and
//   columns are of the whole stream.

/** Bytes of a pattern the rolling hash covers. */
export const ANCHOR_BYTES = 8;
/** Bytes before a match kept for its context (see contextEncoding). */
const KEEP_BEFORE = 128;
const FILTER_BITS = 22;

/** A pattern: either its bytes, or a keyed fingerprint of them (`check` of a window of `length` bytes). */
export interface ScanPattern {
  /** The rolling hash of the first ANCHOR_BYTES bytes (see anchorHash). */
  anchor: number;
  length: number;
  bytes?: Uint8Array;
  check?: (window: Uint8Array) => boolean;
  /** The caller's name for what a match of this pattern means. */
  tag: number;
}

/** A match of a pattern in a stream. */
export interface ScanMatch {
  tag: number;
  /** Byte offset of the match in the stream. */
  offset: number;
  length: number;
  /** 1-based line and column (in bytes) of the match's first byte. */
  line: number;
  column: number;
  /** Up to KEEP_BEFORE bytes before the match and the match itself, for naming it by context. */
  context: Uint8Array;
  /** Where the match starts in `context`. */
  contextStart: number;
}

/** The multiplier's 8th power, for removing the byte that leaves the window. */
function power(base: number, n: number): number {
  let p = 1;
  for (let i = 0; i < n; i++) p = Math.imul(p, base);
  return p;
}

/** The rolling hash of `bytes[at .. at + ANCHOR_BYTES)` under `base` (an odd 32-bit key). */
export function anchorHash(bytes: Uint8Array, base: number, at = 0): number {
  let h = 0;
  for (let i = at; i < at + ANCHOR_BYTES; i++) h = (Math.imul(h, base) + (bytes[i] as number)) | 0;
  return h;
}

/** A set of patterns, ready to search. */
export class PatternSet {
  readonly filter = new Uint32Array(1 << (FILTER_BITS - 5));
  readonly buckets = new Map<number, ScanPattern[]>();
  readonly maxLength: number;
  readonly powerOut: number;

  /** `base` is the hash's key: an odd 32-bit number, the same the anchors were computed with. */
  constructor(
    readonly patterns: readonly ScanPattern[],
    readonly base: number,
  ) {
    if ((base & 1) === 0) throw new Error('the rolling hash base must be odd');
    this.powerOut = power(base, ANCHOR_BYTES);
    let max = 0;
    for (const p of patterns) {
      if (p.length < ANCHOR_BYTES) throw new Error('a scan pattern is shorter than its anchor');
      const idx = (p.anchor >>> (32 - FILTER_BITS)) as number;
      this.filter[idx >>> 5] = (this.filter[idx >>> 5] as number) | (1 << (idx & 31));
      const list = this.buckets.get(p.anchor);
      if (list) list.push(p);
      else this.buckets.set(p.anchor, [p]);
      if (p.length > max) max = p.length;
    }
    this.maxLength = max;
  }

  /** A pattern of plain bytes. */
  static plain(bytes: Uint8Array, base: number, tag: number): ScanPattern {
    return { anchor: anchorHash(bytes, base), length: bytes.length, bytes, tag };
  }
}

interface Pending {
  pattern: ScanPattern;
  offset: number;
}

/** Searches one stream for the patterns of a set; feed it with push() and finish with end(). */
export class StreamMatcher {
  /** Bytes kept from the stream, starting at stream offset `bufStart`. */
  private buf: Uint8Array = new Uint8Array(0);
  private bufStart = 0;
  /** Stream offset of the first window end not yet hashed. */
  private next = 0;
  private hash = 0;
  private pending: Pending[] = [];
  /** Verified matches not yet reported: matches are reported in stream order, after earlier candidates. */
  private ready: Pending[] = [];
  /** Lines counted in bytes dropped from buf, and the offset where the current line starts. */
  private linesBefore = 0;
  private lastLineStart = 0;
  private counted = 0;

  constructor(private readonly set: PatternSet) {}

  /** Bytes seen so far. */
  get position(): number {
    return this.bufStart + this.buf.length;
  }

  /** Searches the next chunk of the stream; returns the matches completed by it, in stream order. */
  push(chunk: Uint8Array): ScanMatch[] {
    if (chunk.length === 0) return [];
    this.append(chunk);
    this.resolvePending(this.ready, false);
    this.hashFrom(this.ready);
    return this.report();
  }

  /** Ends the stream: candidates still waiting for bytes fail. */
  end(): ScanMatch[] {
    this.resolvePending(this.ready, true);
    return this.report();
  }

  private append(chunk: Uint8Array): void {
    const end = this.position;
    // Keep what is still needed: pending candidates, the hash window, and context before matches.
    let keepFrom = Math.max(0, end - ANCHOR_BYTES - KEEP_BEFORE);
    for (const p of this.pending) keepFrom = Math.min(keepFrom, Math.max(0, p.offset - KEEP_BEFORE));
    keepFrom = Math.max(keepFrom, this.bufStart);
    this.countLines(keepFrom);
    const kept = this.buf.subarray(keepFrom - this.bufStart);
    const next = new Uint8Array(kept.length + chunk.length);
    next.set(kept, 0);
    next.set(chunk, kept.length);
    this.buf = next;
    this.bufStart = keepFrom;
  }

  /** Counts newlines in the stream up to `upTo` (exclusive), from where counting stopped. */
  private countLines(upTo: number): void {
    if (upTo <= this.counted) return;
    const buf = this.buf.subarray(0, upTo - this.bufStart);
    for (let i = buf.indexOf(10, this.counted - this.bufStart); i !== -1; i = buf.indexOf(10, i + 1)) {
      this.linesBefore++;
      this.lastLineStart = this.bufStart + i + 1;
    }
    this.counted = upTo;
  }

  private hashFrom(found: Pending[]): void {
    const { filter, buckets, base, powerOut } = this.set;
    const buf = this.buf;
    const start = this.bufStart;
    const end = start + buf.length;
    let h = this.hash;
    // The first ANCHOR_BYTES bytes of the stream fill the window without removing a byte.
    let j = this.next;
    while (j < end && j < ANCHOR_BYTES) {
      h = (Math.imul(h, base) + (buf[j - start] as number)) | 0;
      j++;
      if (j === ANCHOR_BYTES) this.probe(h, 0, found);
    }
    const stop = buf.length;
    const shift = 32 - FILTER_BITS;
    for (let i = j - start; i < stop; i++) {
      h = (Math.imul(h, base) + (buf[i] as number) - Math.imul(buf[i - ANCHOR_BYTES] as number, powerOut)) | 0;
      const idx = h >>> shift;
      if (((filter[idx >>> 5] as number) & (1 << (idx & 31))) !== 0 && buckets.has(h)) this.probe(h, start + i + 1 - ANCHOR_BYTES, found);
    }
    this.hash = h;
    this.next = end;
  }

  private probe(h: number, offset: number, found: Pending[]): void {
    const list = this.set.buckets.get(h);
    if (!list) return;
    for (const pattern of list) {
      if (offset + pattern.length <= this.position) {
        if (this.verify(pattern, offset)) found.push({ pattern, offset });
      } else this.pending.push({ pattern, offset });
    }
  }

  private resolvePending(found: Pending[], final: boolean): void {
    if (this.pending.length === 0) return;
    const still: Pending[] = [];
    for (const p of this.pending) {
      if (p.offset + p.pattern.length <= this.position) {
        if (this.verify(p.pattern, p.offset)) found.push(p);
      } else if (!final) still.push(p);
    }
    this.pending = still;
  }

  private verify(pattern: ScanPattern, offset: number): boolean {
    const at = offset - this.bufStart;
    const window = this.buf.subarray(at, at + pattern.length);
    if (pattern.bytes) {
      const b = pattern.bytes;
      for (let i = 0; i < b.length; i++) if (window[i] !== b[i]) return false;
      return true;
    }
    return pattern.check ? pattern.check(window) : false;
  }

  /** The ready matches before the first candidate still waiting for bytes, in stream order. */
  private report(): ScanMatch[] {
    if (this.ready.length === 0) return [];
    let before = Infinity;
    for (const p of this.pending) before = Math.min(before, p.offset);
    this.ready.sort((a, b) => a.offset - b.offset || a.pattern.tag - b.pattern.tag);
    let n = 0;
    while (n < this.ready.length && (this.ready[n] as Pending).offset < before) n++;
    const out: ScanMatch[] = [];
    for (const { pattern, offset } of this.ready.splice(0, n)) {
      this.countLines(offset);
      const from = Math.max(this.bufStart, offset - KEEP_BEFORE);
      out.push({
        tag: pattern.tag,
        offset,
        length: pattern.length,
        line: this.linesBefore + 1,
        column: offset - this.lastLineStart + 1,
        context: this.buf.slice(from - this.bufStart, offset - this.bufStart + pattern.length),
        contextStart: offset - from,
      });
    }
    return out;
  }
}
