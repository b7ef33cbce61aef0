import { describe, expect, it } from 'vitest';
import { decodePageToken, encodePageToken, KeyedMap, MAX_PAGE_ITEMS, PAGE_ITEM_BYTES, SortedKeys, takePage } from './paging.js';

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function listAll(map: KeyedMap<string, number>, order: SortedKeys<string>, pageSize: number, between?: (page: number) => void): string[] {
  const out: string[] = [];
  let after: string | undefined;
  for (let page = 0; ; page++) {
    const p = takePage(order.all(), cmp, { after, pageSize }, (k) => (map.has(k) ? k : undefined), () => 10);
    out.push(...p.items);
    if (!p.next) return out;
    after = p.next;
    between?.(page);
  }
}

describe('paging', () => {
  it('lists every key once, in order, whatever the page size', () => {
    const map = new KeyedMap<string, number>();
    for (let i = 0; i < 250; i++) map.set(`k${String(i).padStart(3, '0')}`, i);
    const order = new SortedKeys(() => map.keysVersion, () => [...map.keys()], cmp);
    for (const size of [1, 7, 100, 250, 0]) expect(listAll(map, order, size)).toEqual([...map.keys()].sort());
  });

  it('a key present throughout is listed exactly once when others come and go between pages', () => {
    const map = new KeyedMap<string, number>();
    for (let i = 0; i < 100; i += 2) map.set(`k${String(i).padStart(3, '0')}`, i);
    const stable = new Set([...map.keys()].filter((_, i) => i % 3 !== 0));
    const order = new SortedKeys(() => map.keysVersion, () => [...map.keys()], cmp);
    const listed = listAll(map, order, 5, (page) => {
      // Remove keys that are not in `stable` (some already listed, some not), add odd keys before and after the cursor.
      for (const k of [...map.keys()]) if (!stable.has(k) && Number(k.slice(1)) % 6 === page % 6) map.delete(k);
      map.set(`k${String(page * 7 + 1).padStart(3, '0')}`, 0);
    });
    for (const k of stable) expect(listed.filter((x) => x === k)).toHaveLength(1);
    expect(new Set(listed).size).toBe(listed.length);
  });

  it('ends a page at the byte budget, but always holds one item', () => {
    const cursors = ['a', 'b', 'c', 'd'];
    const third = Math.floor(PAGE_ITEM_BYTES / 3);
    expect(takePage(cursors, cmp, { after: undefined, pageSize: 0 }, (c) => c, () => third).items).toEqual(['a', 'b', 'c']);
    const huge = takePage(cursors, cmp, { after: undefined, pageSize: 0 }, (c) => c, () => PAGE_ITEM_BYTES * 2);
    expect(huge).toEqual({ items: ['a'], next: 'a' });
    const last = takePage(cursors, cmp, { after: 'c', pageSize: 0 }, (c) => c, () => 1);
    expect(last).toEqual({ items: ['d'], next: undefined });
  });

  it('caps the page size', () => {
    const cursors = Array.from({ length: MAX_PAGE_ITEMS + 5 }, (_, i) => String(i).padStart(5, '0'));
    expect(takePage(cursors, cmp, { after: undefined, pageSize: 1e9 }, (c) => c, () => 1).items).toHaveLength(MAX_PAGE_ITEMS);
  });

  it('the key set version moves on add and delete, not on replacing a value', () => {
    const map = new KeyedMap<string, number>();
    map.set('a', 1);
    const v = map.keysVersion;
    map.set('a', 2);
    expect(map.keysVersion).toBe(v);
    map.delete('a');
    map.delete('a');
    expect(map.keysVersion).toBe(v + 1);
  });

  it('page tokens round-trip and are refused for another listing or another shape', () => {
    const t = encodePageToken('leases', [12, 'lease_x']);
    expect(decodePageToken('leases', t, ['number', 'string'])).toEqual([12, 'lease_x']);
    expect(decodePageToken('leases', '', ['number', 'string'])).toBeUndefined();
    expect(() => decodePageToken('secrets', t, ['string', 'string'])).toThrow(/page token/);
    expect(() => decodePageToken('leases', t, ['string', 'string'])).toThrow(/page token/);
    expect(() => decodePageToken('leases', '%%%', ['number', 'string'])).toThrow(/page token/);
  });
});
