import { randomBytes } from 'node:crypto';
import { configureTextEncoding } from '@bufbuild/protobuf/wire';
import { afterAll, describe, expect, it } from 'vitest';
import { ResolveEnvResponse } from './generated/latchkey/v1/agent.js';
import { decodeUtf8, encodeUtf8, useNodeTextEncoding } from './text-encoding.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { ignoreBOM: true });
const fatal = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

const texts = [
  '',
  'sk_test_0123456789abcdef',
  'x'.repeat(10_000),
  'ünï côdé /x\n',
  '\0\u007f\u0080\u07ff\u0800\uffff',
  '鍵🔑 token',
  '\ufeffBOM first',
  'lone high \ud800 here',
  'lone low \udc00',
  '\udbff',
  'pair \ud83d\ude00 then lone \ud83d',
];

const byteCases: number[][] = [
  [],
  [0x61, 0x62],
  [0xef, 0xbb, 0xbf, 0x61],
  [0x80],
  [0xc0, 0x80],
  [0xc1, 0xbf],
  [0xe0, 0x80, 0x80],
  [0xed, 0xa0, 0x80],
  [0xe2, 0x82],
  [0xe2, 0x82, 0x61],
  [0xf0, 0x9f, 0x98],
  [0xf4, 0x90, 0x80, 0x80],
  [0xf5, 0x80, 0x80, 0x80],
  [0xff, 0xfe, 0x61],
  [0x61, 0xf0, 0x9f, 0x98, 0x80, 0xc3],
];

describe('the codec text conversions through Buffer', () => {
  it('encode as TextEncoder does, lone surrogates included', () => {
    for (const t of texts) expect(Buffer.from(encodeUtf8(t)).toString('hex'), JSON.stringify(t)).toBe(Buffer.from(encoder.encode(t)).toString('hex'));
  });

  it('decode as the TextDecoder protobuf makes, for UTF-8 and for bytes that are not', () => {
    const cases = [...byteCases, ...texts.map((t) => [...encoder.encode(t)])];
    // And random bytes, most of them not UTF-8, some short enough to be.
    for (let i = 0; i < 2_000; i++) cases.push([...randomBytes(1 + (i % 12))]);
    for (const c of cases) {
      const bytes = Uint8Array.from(c);
      expect(decodeUtf8(bytes), Buffer.from(bytes).toString('hex')).toBe(decoder.decode(bytes));
      // A view into a larger buffer, as the codec passes it.
      const framed = Uint8Array.from([0x2a, ...c, 0x2a]).subarray(1, c.length + 1);
      expect(decodeUtf8(framed)).toBe(decoder.decode(bytes));
    }
  });

  it('decode strictly as the fatal TextDecoder does: the same text, or the same TypeError', () => {
    for (const c of [...byteCases, [0xe9, 0x8d, 0xb5]]) {
      const bytes = Uint8Array.from(c);
      let expected: string | Error;
      try {
        expected = fatal.decode(bytes);
      } catch (err) {
        expected = err as Error;
      }
      if (typeof expected === 'string') expect(decodeUtf8(bytes, true)).toBe(expected);
      else expect(() => decodeUtf8(bytes, true)).toThrow(expect.objectContaining({ name: expected.name, code: (expected as NodeJS.ErrnoException).code }));
    }
  });

  describe('in the generated codec', () => {
    // protobuf's own default: the WHATWG coders, as @bufbuild/protobuf/wire builds them.
    const whatwg = () =>
      configureTextEncoding({
        encodeUtf8: (t) => encoder.encode(t),
        decodeUtf8: (b, strict) => (strict ? fatal : decoder).decode(b),
        checkUtf8: (t) => !/\p{Cs}/u.test(t),
      });
    afterAll(whatwg);

    it('gives the bytes and the messages the WHATWG coders give', () => {
      const message: ResolveEnvResponse = {
        env: Object.fromEntries(texts.map((t, i) => [`VAR_${i}`, t])),
        warnings: texts.slice(3),
        secrets: ['a', 'ünï'],
        manifests: ['/p/agent.env'],
        referenced: ['VAR_1'],
        eventSeq: 7,
      };
      whatwg();
      const expected = ResolveEnvResponse.encode(message).finish();
      const expectedBack = ResolveEnvResponse.decode(expected);
      useNodeTextEncoding();
      const bytes = ResolveEnvResponse.encode(message).finish();
      expect(Buffer.from(bytes).equals(Buffer.from(expected))).toBe(true);
      expect(ResolveEnvResponse.decode(bytes)).toEqual(expectedBack);
    });
  });
});
