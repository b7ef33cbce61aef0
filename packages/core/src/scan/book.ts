// The values a scan looks for, each under a reference of the caller's (a secret, a lease), as plain
// values or as keyed fingerprints of their encoded forms, and the per-stream search that names findings.
import { contextEncoding, encodedForms, type ScanEncoding } from './encodings.js';
import { anchorHash, PatternSet, StreamMatcher, type ScanPattern } from './matcher.js';

/** One encoded form of a value held as a keyed fingerprint: enough to find it, not to recover it. */
export interface FingerprintForm {
  encoding: ScanEncoding;
  /** The keyed rolling hash of the form's first 8 bytes. */
  anchor: number;
  length: number;
  /** The keyed MAC of the whole form (hex), as made by the book's `mac`. */
  mac: string;
}

/** A finding in one stream: which value, how it was spelled, and where. Never the bytes. */
export interface Finding<R> {
  ref: R;
  encoding: ScanEncoding;
  offset: number;
  length: number;
  line: number;
  column: number;
}

/** The keyed functions a book is built with: the rolling hash's base (odd) and a MAC of bytes. */
export interface ScanKeys {
  base: number;
  mac: (bytes: Uint8Array) => string;
}

/** The fingerprints of every encoded form of `value`, for keeping a value that must not stay in plain text. */
export function fingerprintForms(value: string, keys: ScanKeys): FingerprintForm[] {
  return encodedForms(value).map((f) => ({ encoding: f.encoding, anchor: anchorHash(f.bytes, keys.base), length: f.bytes.length, mac: keys.mac(f.bytes) }));
}

interface Target<R> {
  ref: R;
  encoding: ScanEncoding;
}

/** A set of known values to scan for; build() makes the search. */
export class ScanBook<R> {
  private readonly plain = new Map<string, { bytes: Uint8Array; targets: Target<R>[] }>();
  private readonly prints = new Map<string, { form: FingerprintForm; targets: Target<R>[] }>();
  private readonly refs = new Set<R>();

  constructor(private readonly keys: ScanKeys) {}

  /** Looks for every encoded form of `value` (nothing when it is under 8 bytes). */
  addValue(ref: R, value: string): void {
    const forms = encodedForms(value);
    if (forms.length > 0) this.refs.add(ref);
    for (const f of forms) {
      const key = Buffer.from(f.bytes).toString('latin1');
      const entry = this.plain.get(key);
      if (entry) entry.targets.push({ ref, encoding: f.encoding });
      else this.plain.set(key, { bytes: f.bytes, targets: [{ ref, encoding: f.encoding }] });
    }
  }

  /** Looks for forms known only by their fingerprints. */
  addFingerprints(ref: R, forms: readonly FingerprintForm[]): void {
    if (forms.length > 0) this.refs.add(ref);
    for (const form of forms) {
      const key = `${form.anchor}:${form.length}:${form.mac}`;
      const entry = this.prints.get(key);
      if (entry) entry.targets.push({ ref, encoding: form.encoding });
      else this.prints.set(key, { form, targets: [{ ref, encoding: form.encoding }] });
    }
  }

  /** How many values (references) the book looks for. */
  get size(): number {
    return this.refs.size;
  }

  build(): Scan<R> {
    const patterns: ScanPattern[] = [];
    const targets: Target<R>[][] = [];
    const { base, mac } = this.keys;
    for (const { bytes, targets: t } of this.plain.values()) {
      patterns.push(PatternSet.plain(bytes, base, targets.length));
      targets.push(t);
    }
    for (const { form, targets: t } of this.prints.values()) {
      patterns.push({ anchor: form.anchor, length: form.length, check: (window) => mac(window) === form.mac, tag: targets.length });
      targets.push(t);
    }
    return new Scan(new PatternSet(patterns, base), targets);
  }
}

/** A built search: one `source()` per stream scanned. */
export class Scan<R> {
  constructor(
    readonly set: PatternSet,
    private readonly targets: readonly Target<R>[][],
  ) {}

  /** How many byte patterns are searched for. */
  get patterns(): number {
    return this.set.patterns.length;
  }

  /** A search of one stream (a file, a blob, a transcript). */
  source(): SourceScan<R> {
    return new SourceScan(new StreamMatcher(this.set), this.targets);
  }
}

/** The search of one stream: push its bytes in order, then end(). */
export class SourceScan<R> {
  constructor(
    private readonly matcher: StreamMatcher,
    private readonly targets: readonly Target<R>[][],
  ) {}

  push(chunk: Uint8Array): Finding<R>[] {
    return this.name(this.matcher.push(chunk));
  }

  end(): Finding<R>[] {
    return this.name(this.matcher.end());
  }

  private name(matches: ReturnType<StreamMatcher['push']>): Finding<R>[] {
    const out: Finding<R>[] = [];
    for (const m of matches) {
      for (const t of this.targets[m.tag] ?? []) {
        out.push({ ref: t.ref, encoding: contextEncoding(t.encoding, m.context, m.contextStart), offset: m.offset, length: m.length, line: m.line, column: m.column });
      }
    }
    return out;
  }
}
