// Pages of a listing (ListSecrets, ListLeases) that each fit the message cap. A page token names the
// last item of the previous page, not a position, so an item that exists throughout a listing is in
// exactly one page even when others are added or removed between pages.
import { inputError } from '@latchkey/core';

/** Most items in one page, whatever the client asks. */
export const MAX_PAGE_ITEMS = 1000;

/**
 * Most encoded bytes of a page's items: under the 64 KiB message cap with room for the next page's token
 * (a cursor of up to a project path and a name).
 */
export const PAGE_ITEM_BYTES = 48 * 1024;

/** A Map that counts changes to its set of keys (not to their values), so a sorted index knows when to rebuild. */
export class KeyedMap<K, V> extends Map<K, V> {
  keysVersion = 0;

  override set(key: K, value: V): this {
    if (!super.has(key)) this.keysVersion++;
    return super.set(key, value);
  }

  override delete(key: K): boolean {
    const had = super.delete(key);
    if (had) this.keysVersion++;
    return had;
  }

  override clear(): void {
    this.keysVersion++;
    super.clear();
  }
}

/** Cursors of a collection in a total order, sorted again only after its key-set version moved. */
export class SortedKeys<C> {
  private sorted: C[] = [];
  private version = -1;

  constructor(
    /** The collection's key-set version (KeyedMap's keysVersion, LeaseTable's keysVersion). */
    private readonly versionOf: () => number,
    /** Every entry's cursor, from what never changes for a key: what the order compares and a page token carries. */
    private readonly cursors: () => C[],
    /** A total order of cursors: 0 only for equal ones. */
    readonly compare: (a: C, b: C) => number,
  ) {}

  /** The cursors in order. */
  all(): readonly C[] {
    const version = this.versionOf();
    if (this.version !== version) {
      this.sorted = this.cursors().sort(this.compare);
      this.version = version;
    }
    return this.sorted;
  }
}

/** What one page request asks for. */
export interface PageRequest<C> {
  /** Start after this cursor (undefined: from the first). */
  after: C | undefined;
  /** 0 for the most a page holds. */
  pageSize: number;
}

/** One page and the cursor to continue after (undefined on the last page). */
export interface Page<T, C> {
  items: T[];
  next: C | undefined;
}

/**
 * Takes the page after `req.after` from `cursors`. `take` gives an item's wire form, or undefined to skip it
 * (removed or expired since the index was built); `sizeOf` its encoded size. A page holds at least one item
 * when any is left, so a single item larger than the budget still lists. `maxItems` bounds `req.pageSize`.
 */
export function takePage<T, C>(
  cursors: readonly C[],
  compare: (a: C, b: C) => number,
  req: PageRequest<C>,
  take: (cursor: C) => T | undefined,
  sizeOf: (item: T) => number,
  maxItems = MAX_PAGE_ITEMS,
): Page<T, C> {
  const limit = req.pageSize > 0 ? Math.min(req.pageSize, maxItems) : maxItems;
  let lo = 0;
  if (req.after !== undefined) {
    const after = req.after;
    let hi = cursors.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compare(cursors[mid] as C, after) <= 0) lo = mid + 1;
      else hi = mid;
    }
  }
  const items: T[] = [];
  let bytes = 0;
  let i = lo;
  let last: C | undefined;
  for (; i < cursors.length && items.length < limit; i++) {
    const cursor = cursors[i] as C;
    const item = take(cursor);
    if (item === undefined) continue;
    const size = sizeOf(item);
    if (items.length > 0 && bytes + size > PAGE_ITEM_BYTES) break;
    items.push(item);
    bytes += size;
    last = cursor;
  }
  return { items, next: i < cursors.length ? (last ?? req.after) : undefined };
}

/** A page token: the cursor as base64url JSON, tagged with the listing it belongs to. */
export function encodePageToken(listing: string, cursor: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify([listing, ...cursor]), 'utf8').toString('base64url');
}

/** The cursor of a page token given by encodePageToken for `listing`; '' is the first page. */
export function decodePageToken(listing: string, token: string, shape: readonly ('string' | 'number')[]): (string | number)[] | undefined {
  if (token === '') return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    parsed = undefined;
  }
  if (
    !Array.isArray(parsed) ||
    parsed[0] !== listing ||
    parsed.length !== shape.length + 1 ||
    !shape.every((type, i) => typeof parsed[i + 1] === type)
  ) {
    throw inputError('the page token is not one this daemon gave for this listing', 'list again from the first page (an empty page_token)');
  }
  return parsed.slice(1) as (string | number)[];
}

/** Upper bound of a string field's encoded size: tag, length and UTF-8 bytes (0 when empty, as proto3 omits it). */
export function stringFieldBytes(s: string): number {
  return s === '' ? 0 : Buffer.byteLength(s, 'utf8') + 6;
}

/** Upper bound of a varint field's encoded size (tag and a 64-bit varint). */
export const VARINT_FIELD_BYTES = 11;

/** Upper bound of the framing of one repeated message field (tag and length). */
export const ENTRY_FRAMING_BYTES = 6;
