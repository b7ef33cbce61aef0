import { randomBytes } from 'node:crypto';
import type { Transform } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { encodedForms } from '@latchkey/core/scan';
import { seeded } from '@latchkey/test-utils/seeded';
import { createMasker, maskPatterns } from './mask.js';

const M = '********';

/** Writes the chunks one by one, ends the stream, and returns everything it pushed. */
async function through(masker: Transform, chunks: readonly (string | Buffer)[]): Promise<Buffer> {
  const out: Buffer[] = [];
  masker.on('data', (d: Buffer) => out.push(d));
  const ended = new Promise<void>((resolve, reject) => {
    masker.on('end', resolve);
    masker.on('error', reject);
  });
  for (const c of chunks) masker.write(typeof c === 'string' ? Buffer.from(c, 'utf8') : c);
  masker.end();
  await ended;
  return Buffer.concat(out);
}

async function mask(values: readonly string[], chunks: readonly (string | Buffer)[]): Promise<string> {
  return (await through(createMasker(values), chunks)).toString('utf8');
}

/** Splits a string's UTF-8 bytes into chunks of the given sizes (the rest in one last chunk). */
function splitBytes(s: string, sizes: readonly number[]): Buffer[] {
  const b = Buffer.from(s, 'utf8');
  const out: Buffer[] = [];
  let at = 0;
  for (const n of sizes) {
    out.push(b.subarray(at, at + n));
    at += n;
  }
  if (at < b.length) out.push(b.subarray(at));
  return out;
}

function oneByteChunks(s: string): Buffer[] {
  return [...Buffer.from(s, 'utf8')].map((b) => Buffer.from([b]));
}

/** The masker's contract computed on the whole input at once: union of occurrences, overlaps merged. */
function reference(values: readonly string[], input: Buffer, maskText = M): Buffer {
  const spans: [number, number][] = [];
  for (const p of maskPatterns(values)) {
    for (let i = input.indexOf(p); i !== -1; i = input.indexOf(p, i + 1)) spans.push([i, i + p.length]);
  }
  spans.sort((a, b) => a[0] - b[0]);
  const merged: [number, number][] = [];
  for (const [s, e] of spans) {
    const last = merged[merged.length - 1];
    if (last && s < last[1]) last[1] = Math.max(last[1], e);
    else merged.push([s, e]);
  }
  const parts: Buffer[] = [];
  let at = 0;
  for (const [s, e] of merged) {
    parts.push(input.subarray(at, s), Buffer.from(maskText));
    at = e;
  }
  parts.push(input.subarray(at));
  return Buffer.concat(parts);
}

describe('createMasker', () => {
  const SECRET = 'sk_test_51Habc';

  it.each<[string, string[], (string | Buffer)[], string]>([
    ['no values: passthrough', [], ['hello ', 'world\n'], 'hello world\n'],
    ['short values (< 6 characters) are not masked', ['abc', 'hunte'], ['abc hunte hunter'], 'abc hunte hunter'],
    ['six characters are masked', ['hunter'], ['pw=hunter!'], `pw=${M}!`],
    ['value in the middle', [SECRET], [`key=${SECRET} ok\n`], `key=${M} ok\n`],
    ['value at the start', [SECRET], [`${SECRET} ok`], `${M} ok`],
    ['value at the end', [SECRET], [`key=${SECRET}`], `key=${M}`],
    ['value alone', [SECRET], [SECRET], M],
    ['value twice', [SECRET], [`a ${SECRET} b ${SECRET} c`], `a ${M} b ${M} c`],
    ['value adjacent to itself: two masks', [SECRET], [`${SECRET}${SECRET}`], `${M}${M}`],
    ['two different values adjacent', [SECRET, 'other-secret'], [`${SECRET}other-secret`], `${M}${M}`],
    ['empty chunks are harmless', [SECRET], ['', `x${SECRET}`, '', 'y', ''], `x${M}y`],
    ['a value split across 2 chunks', [SECRET], splitBytes(`key=${SECRET}!`, [8]), `key=${M}!`],
    ['a value split across 3 chunks', [SECRET], splitBytes(`key=${SECRET}!`, [6, 5]), `key=${M}!`],
    ['a value split into one-byte chunks', [SECRET], oneByteChunks(`key=${SECRET}!\n`), `key=${M}!\n`],
    ['a prefix that never completes is emitted at the end', [SECRET], ['key=sk_test_5'], 'key=sk_test_5'],
    ['a prefix that never completes, one byte at a time', [SECRET], oneByteChunks('key=sk_test_51Hab'), 'key=sk_test_51Hab'],
    ['a prefix that breaks off, then the value', [SECRET], ['sk_test_', `5 ${SECRET}`], `sk_test_5 ${M}`],
    ['a prefix overlapping the real start', [SECRET], oneByteChunks(`sk_sk_test${SECRET}`), `sk_sk_test${M}`],
    ['overlapping values: one a prefix of the other, the longer wins', ['abcdef', 'abcdefghij'], ['x abcdefghij y'], `x ${M} y`],
    ['overlapping values: the shorter alone is masked', ['abcdef', 'abcdefghij'], ['x abcdefgh y'], `x ${M}gh y`],
    ['overlapping values split one byte at a time', ['abcdef', 'abcdefghij'], oneByteChunks('x abcdefghij y'), `x ${M} y`],
    ['overlapping values: one a suffix of the other', ['defghi', 'abcdefghi'], ['.abcdefghi.defghi.'], `.${M}.${M}.`],
    ['overlapping occurrences of two values merge into one mask', ['abcdefgh', 'fghijklm'], ['<abcdefghijklm>'], `<${M}>`],
    ['a self-overlapping occurrence is one mask', ['aaaaaa'], ['baaaaaaab'], `b${M}b`],
    ['unicode value', ['pässwörd'], ['pw: pässwörd\n'], `pw: ${M}\n`],
    ['unicode value split inside a character', ['密码密码密码'], splitBytes('» 密码密码密码 «', [4, 3, 1]), `» ${M} «`],
    ['emoji value', ['🔑🔑🔑🔑🔑🔑'], oneByteChunks('k=🔑🔑🔑🔑🔑🔑;'), `k=${M};`],
    ['unicode shorter than 6 characters is not masked even if 6+ bytes', ['密码'], ['密码'], '密码'],
    ['multi-line value whole', ['line-one\nline-two'], ['v=line-one\nline-two.'], `v=${M}.`],
    ['multi-line value through a pty (CRLF)', ['line-one\nline-two'], ['v=line-one\r\nline-two.'], `v=${M}.`],
    ['one line of a multi-line value', ['line-one\nline-two'], ['got line-two only'], `got ${M} only`],
    ['short lines of a multi-line value stay visible', ['ab\nline-two'], ['ab cd'], 'ab cd'],
  ])('%s', async (_name, values, chunks, expected) => {
    expect(await mask(values, chunks)).toBe(expected);
  });

  it('uses a custom mask', async () => {
    expect((await through(createMasker([SECRET], '<hidden>'), [`a${SECRET}b`])).toString()).toBe('a<hidden>b');
  });

  it('splits a value at every possible point and into N one-byte chunks', async () => {
    const input = `pre ${SECRET} post`;
    const bytes = Buffer.from(input);
    for (let cut = 0; cut <= bytes.length; cut++) {
      expect(await mask([SECRET], [bytes.subarray(0, cut), bytes.subarray(cut)])).toBe(`pre ${M} post`);
      for (let cut2 = cut; cut2 <= bytes.length; cut2 += 3) {
        const chunks = [bytes.subarray(0, cut), bytes.subarray(cut, cut2), bytes.subarray(cut2)];
        expect(await mask([SECRET], chunks)).toBe(`pre ${M} post`);
      }
    }
  });

  it('emits at once what cannot be part of a value, and holds back only a possible prefix', async () => {
    const m = createMasker([SECRET]);
    const seen: string[] = [];
    m.on('data', (d: Buffer) => seen.push(d.toString()));
    const next = () => new Promise((resolve) => setImmediate(resolve));
    m.write('plain output\n');
    await next();
    expect(seen.join('')).toBe('plain output\n');
    m.write('token: sk_te');
    await next();
    expect(seen.join('')).toBe('plain output\ntoken: ');
    m.write('st_51');
    await next();
    expect(seen.join('')).toBe('plain output\ntoken: ');
    m.write('Habc and more s');
    await next();
    expect(seen.join('')).toBe(`plain output\ntoken: ${M} and more `);
    m.write('k');
    m.end();
    await new Promise((resolve) => m.on('end', resolve));
    expect(seen.join('')).toBe(`plain output\ntoken: ${M} and more sk`);
  });

  it('passes binary data through byte-exact: 1 MB random, no values', async () => {
    const data = randomBytes(1 << 20);
    const chunks = [data.subarray(0, 1000), data.subarray(1000, 70_000), data.subarray(70_000)];
    expect((await through(createMasker([]), chunks)).equals(data)).toBe(true);
  });

  it('passes binary data through byte-exact: 1 MB random, with values that do not occur', async () => {
    const data = randomBytes(1 << 20);
    const values = ['not-in-random-data-0001', 'another-absent-value'];
    expect(data.includes(values[0]!) || data.includes(values[1]!)).toBe(false);
    const chunks: Buffer[] = [];
    for (let at = 0; at < data.length; at += 65_536) chunks.push(data.subarray(at, at + 65_536));
    expect((await through(createMasker(values), chunks)).equals(data)).toBe(true);
  });

  it('masks values in random binary data as the reference does', async () => {
    const values = ['\u00ff\u0000abc\u0001', 'binary-secret'];
    const rnd = seeded(7);
    const parts: Buffer[] = [];
    for (let i = 0; i < 200; i++) {
      parts.push(randomBytes(Math.floor(rnd() * 5000)));
      parts.push(Buffer.from(values[i % 2]!, 'utf8'));
    }
    const data = Buffer.concat(parts);
    const chunks: Buffer[] = [];
    for (let at = 0; at < data.length; ) {
      const n = 1 + Math.floor(rnd() * 9000);
      chunks.push(data.subarray(at, at + n));
      at += n;
    }
    expect((await through(createMasker(values), chunks)).equals(reference(values, data))).toBe(true);
  });

  it('agrees with the whole-input reference on random inputs and random chunking', async () => {
    const rnd = seeded(42);
    const alphabet = 'abc\n';
    const word = (min: number, max: number) =>
      Array.from({ length: min + Math.floor(rnd() * (max - min + 1)) }, () => alphabet[Math.floor(rnd() * alphabet.length)]).join('');
    for (let round = 0; round < 300; round++) {
      const values = Array.from({ length: 1 + Math.floor(rnd() * 4) }, () => word(4, 9));
      const input = Buffer.from(word(0, 120), 'utf8');
      const chunks: Buffer[] = [];
      for (let at = 0; at < input.length; ) {
        const n = Math.floor(rnd() * 8);
        chunks.push(input.subarray(at, at + n));
        at += n;
      }
      const got = await through(createMasker(values), chunks);
      expect({ values, input: input.toString(), got: got.toString() }).toEqual({
        values,
        input: input.toString(),
        got: reference(values, input).toString(),
      });
    }
  });

  it('masks a 20 MB stream with values sprinkled in, as a string replace would', async () => {
    const values = ['ghp_0123456789abcdefghijklmnopqrstuvwxyz', 'AKIAIOSFODNN7EXAMPLE', 'postgres://u:p4ss@db/x', 'pässwörd-ünïcode'];
    const filler = 'INFO request handled in 12ms path=/api/v1/items status=200\n';
    const rnd = seeded(1);
    const lines: string[] = [];
    let size = 0;
    while (size < 20 * 1024 * 1024) {
      const line = rnd() < 0.01 ? `secret=${values[Math.floor(rnd() * values.length)]} ${filler}` : filler;
      lines.push(line);
      size += line.length;
    }
    const input = Buffer.from(lines.join(''), 'utf8');
    let expected = input.toString('utf8');
    for (const v of values) expected = expected.split(v).join(M);
    const chunks: Buffer[] = [];
    for (let at = 0; at < input.length; at += 65_536) chunks.push(input.subarray(at, at + 65_536));
    const started = performance.now();
    const out = await through(createMasker(values), chunks);
    const ms = performance.now() - started;
    expect(out.toString('utf8') === expected).toBe(true);
    expect(expected).toContain(M);
    // Loose bound (machines vary); locally 20 MB takes well under a second.
    expect(ms).toBeLessThan(5000);
  });

  it('stays linear with many values', async () => {
    const values = Array.from({ length: 200 }, (_, i) => `token-${i}-${'x'.repeat(i % 40)}-end`);
    const input = Buffer.from('token-1-x-end token-'.repeat(250_000), 'utf8'); // 5 MB of near misses
    const started = performance.now();
    const out = await through(createMasker(values), [input]);
    expect(performance.now() - started).toBeLessThan(5000);
    expect(out.equals(reference(values, input))).toBe(true);
  });
});

describe('maskPatterns', () => {
  it('keeps values of 6+ characters and the 6+ character lines of multi-line values, each once', () => {
    const got = maskPatterns(['short', 'longer-value', 'longer-value', 'first-line\nab\r\nthird-line']).map(String);
    const encoded = (v: string) => encodedForms(v).map((f) => Buffer.from(f.bytes).toString('utf8')).filter((f) => f !== v);
    expect(got).toEqual([
      'longer-value',
      ...encoded('longer-value'),
      'first-line\nab\r\nthird-line',
      ...encoded('first-line\nab\r\nthird-line'),
      'first-line\nab\nthird-line',
      'first-line\r\nab\r\nthird-line',
      'first-line',
      'third-line',
    ]);
  });

  it('masks a value of 8+ bytes in the encodings agent scan finds, inside longer strings too', async () => {
    const v = 'sk_test_51HxQ9vLm3nB7cZ';
    const out = await mask([v], [`a ${Buffer.from(`user:${v}`).toString('base64')} b ${Buffer.from(v).toString('hex')} c ${JSON.stringify(`"${v}`)}`]);
    expect(out).not.toContain(Buffer.from(v).toString('hex'));
    expect(out).toMatch(/^a dXNlcj[A-Za-z0-9+/]{0,3}\*{8}[A-Za-z0-9+/=]{0,3} b \*{8} c "\\"\*{8}"$/);
  });
});
