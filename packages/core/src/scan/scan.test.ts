import { createHmac, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { base64Core, encodedForms, MIN_SCAN_BYTES } from './encodings.js';
import { fingerprintForms, ScanBook, type Finding } from './book.js';

const KEY = randomBytes(32);
const keys = { base: (randomBytes(4).readUInt32LE(0) | 1) >>> 0, mac: (b: Uint8Array) => createHmac('sha256', KEY).update(b).digest('hex').slice(0, 32) };
const VALUE = 'sk_test_51Hx+/Zq9"\\é/pw&=?';
/** Its base64 differs from its base64url at every alignment (ASCII text seldom makes a + or /). */
const HIGH = 'pw-ÿÿÿÿ-ÿÿÿÿ-?>~';
const enc = new TextEncoder();

/** Every finding of `values` in `text`, fed in chunks of `chunk` bytes. */
function scan(text: string | Uint8Array, values: Record<string, string>, chunk = Infinity, retired: Record<string, string> = {}): Finding<string>[] {
  const book = new ScanBook<string>(keys);
  for (const [ref, v] of Object.entries(values)) book.addValue(ref, v);
  for (const [ref, v] of Object.entries(retired)) book.addFingerprints(ref, fingerprintForms(v, keys));
  const source = book.build().source();
  const bytes = typeof text === 'string' ? enc.encode(text) : text;
  const out: Finding<string>[] = [];
  const step = Math.min(chunk, Math.max(1, bytes.length));
  for (let i = 0; i < bytes.length; i += step) out.push(...source.push(bytes.subarray(i, i + step)));
  out.push(...source.end());
  return out;
}

const b64 = (s: string | Uint8Array, url = false) => Buffer.from(typeof s === 'string' ? enc.encode(s) : s).toString(url ? 'base64url' : 'base64');

describe('encodedForms', () => {
  it('gives nothing for a value under 8 bytes, and every kind for one of 8', () => {
    expect(encodedForms('1234567')).toEqual([]);
    expect(MIN_SCAN_BYTES).toBe(8);
    const kinds = new Set(encodedForms(VALUE).map((f) => f.encoding));
    expect([...kinds].sort()).toEqual(['base64', 'base64url', 'hex', 'hex-upper', 'json', 'percent', 'raw']);
  });

  it('gives the form of every rule once, in rule order, for values of every alphabet (the unreserved ones skip nothing they need)', () => {
    // Each rule computed directly, then deduplicated: what encodedForms must give.
    const expected = (value: string) => {
      const raw = enc.encode(value);
      if (raw.length < MIN_SCAN_BYTES) return [];
      const hex = Buffer.from(raw).toString('hex');
      const rfc = encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
      const lower = (p: string) => p.replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase());
      const json = JSON.stringify(value).slice(1, -1);
      const all: Array<[string, string]> = [
        [value, 'raw'], [hex, 'hex'], [hex.toUpperCase(), 'hex-upper'],
        [encodeURIComponent(value), 'percent'], [lower(encodeURIComponent(value)), 'percent'], [rfc, 'percent'], [lower(rfc), 'percent'],
        [json, 'json'], [json.replace(/\//g, '\\/'), 'json'], [json.replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`), 'json'],
      ];
      for (const align of [0, 1, 2] as const) all.push([base64Core(raw, align, false), 'base64'], [base64Core(raw, align, true), 'base64url']);
      const seen = new Map<string, string>();
      for (const [text, encoding] of all) if (!seen.has(text) && enc.encode(text).length >= MIN_SCAN_BYTES) seen.set(text, encoding);
      return [...seen].map(([text, encoding]) => ({ encoding, bytes: enc.encode(text) }));
    };
    const alphabets = ['0123456789abcdef', 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~', "+/=!'()* %&?#\"\\<>é€😀\n\t", 'abc-_.~!*'];
    let checked = 0;
    for (const alphabet of alphabets) {
      const chars = [...alphabet];
      for (let n = 0; n < 200; n++) {
        const length = 1 + (randomBytes(1)[0] as number) % 40;
        const value = Array.from(randomBytes(length), (b) => chars[b % chars.length]).join('');
        expect(encodedForms(value), value).toEqual(expected(value));
        checked++;
      }
    }
    for (const value of [VALUE, HIGH, 'sk_test_abcdefgh', 'a/b/c/d/e/f/g/h', 'tilde~~~~~~~~', 'quote"quote"']) expect(encodedForms(value)).toEqual(expected(value));
    expect(checked).toBe(800);
  });

  it('leaves out of a base64 core exactly the characters that carry bits of neighbouring bytes', () => {
    const v = enc.encode('ABCDEFGHIJ');
    for (const align of [0, 1, 2] as const) {
      for (const before of ['', 'x', 'xy', 'xyz']) {
        if (before.length % 3 !== align) continue;
        for (const after of ['', 'q', 'qr', 'qrs']) {
          const whole = b64(new Uint8Array([...enc.encode(before), ...v, ...enc.encode(after)]));
          expect(whole).toContain(base64Core(v, align, false));
        }
      }
    }
  });
});

describe('scan', () => {
  const cases: Array<[string, (v: string) => string, string, string?]> = [
    ['raw', (v) => `token=${v};`, 'raw'],
    ['Bearer', (v) => `Authorization: Bearer ${v}\n`, 'bearer'],
    ['hex', (v) => `hex ${Buffer.from(v).toString('hex')} end`, 'hex'],
    ['HEX', (v) => `hex ${Buffer.from(v).toString('hex').toUpperCase()} end`, 'hex-upper'],
    ['encodeURIComponent', (v) => `https://x.test/?k=${encodeURIComponent(v)}&z=1`, 'percent'],
    ['RFC 3986, lower-case hex', (v) => `u=${encodeURIComponent(v).replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase())}`, 'percent'],
    ['JSON', (v) => JSON.stringify({ k: v }), 'json'],
    ['JSON with \\/', (v) => JSON.stringify({ k: v }).replace(/\//g, '\\/'), 'json'],
    ['JSON with \\u escapes', (v) => JSON.stringify({ k: v }).replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`), 'json'],
    ['base64, padded', (v) => `blob: ${b64(v)}\n`, 'base64'],
    ['base64, unpadded', (v) => `blob: ${b64(v).replace(/=+$/, '')}\n`, 'base64'],
    ['base64 inside a longer string, offset 1', (v) => `"${b64(`a${v}zz`)}"`, 'base64'],
    ['base64 inside a longer string, offset 2', (v) => `"${b64(`ab${v}z`)}"`, 'base64'],
    ['base64url, offset 0', (v) => `${b64(v, true)}.`, 'base64url', HIGH],
    ['base64url, offset 1', (v) => `${b64(`a${v}`, true)}.`, 'base64url', HIGH],
    ['base64url, offset 2', (v) => `${b64(`ab${v}`, true)}.`, 'base64url', HIGH],
    ['base64url equal to base64, as base64', (v) => `${b64(`ab${v}`, true)}.`, 'base64'],
    ['Basic user:value', (v) => `Authorization: Basic ${b64(`alice:${v}`)}\r\n`, 'basic'],
    ['Basic value:', (v) => `authorization: basic ${b64(`${v}:`)}\r\n`, 'basic'],
  ];

  it.each(cases)('finds %s', (_what, plant, encoding, value = VALUE) => {
    const text = `some noise\n${plant(value)}\nmore`;
    for (const chunk of [Infinity, 1, 7, 64]) {
      const found = scan(text, { s: value }, chunk);
      expect(found.map((f) => [f.ref, f.encoding, f.line])).toEqual([['s', encoding, 2]]);
    }
  });

  it('reports offset, length, line and column of the spelled value', () => {
    const text = 'a\nbb\nxx tok_0123456789abcdef yy';
    const [f] = scan(text, { s: 'tok_0123456789abcdef' });
    expect(f).toEqual({ ref: 's', encoding: 'raw', offset: 8, length: 20, line: 3, column: 4 });
    expect(text.slice(f!.offset, f!.offset + f!.length)).toBe('tok_0123456789abcdef');
  });

  it('finds a value split across chunks, at the very start and end of the stream, and every occurrence', () => {
    const v = 'ghp_abcdefghijklmnopqrstuvwxyz0123456789';
    const text = `${v} middle ${v}${v}`;
    for (const chunk of [1, 3, 8, 9, 40, 41]) {
      expect(scan(text, { s: v }, chunk).map((f) => f.offset)).toEqual([0, v.length + 8, 2 * v.length + 8]);
    }
  });

  it('names every secret that holds the same value', () => {
    expect(scan('x 0123456789abcdef x', { a: '0123456789abcdef', b: '0123456789abcdef' }).map((f) => f.ref)).toEqual(['a', 'b']);
  });

  it('finds a retired value from its fingerprints alone, in every form', () => {
    const text = [VALUE, b64(`u:${VALUE}`), Buffer.from(VALUE).toString('hex'), encodeURIComponent(VALUE)].join('\n');
    const found = scan(text, {}, 5, { old: VALUE });
    expect(found.map((f) => [f.encoding, f.line])).toEqual([['raw', 1], ['base64', 2], ['hex', 3], ['percent', 4]]);
    const prints = JSON.stringify(fingerprintForms(VALUE, keys));
    expect(prints).not.toContain(VALUE);
    expect(prints).not.toContain(Buffer.from(VALUE).toString('hex'));
  });

  it('finds nothing in noise, in near misses or in other values', () => {
    const v = 'AKIAIOSFODNN7EXAMPLE';
    const noise = randomBytes(1 << 20);
    expect(scan(noise, { v })).toEqual([]);
    expect(scan(`AKIAIOSFODNN7EXAMPLF AKIAIOSFODNN7EXAMPL ${b64('AKIAIOSFODNN7EXAMQLE')} ${b64('xAKIAIOSFODNN7EXAMQLE')}`, { v })).toEqual([]);
    expect(scan('1234567 short values are not looked for', { short: '1234567' })).toEqual([]);
  });

  it('keeps the number of findings exact when forms overlap and runs repeat', () => {
    const v = 'aaaaaaaaaaaaaaaa';
    expect(scan('aaaaaaaaaaaaaaaaaa', { v }).map((f) => f.offset)).toEqual([0, 1, 2]);
  });
});
