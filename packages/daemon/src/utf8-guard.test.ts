import { describe, expect, it } from 'vitest';
import { fieldIsInvalidUtf8 } from './utf8-guard.js';

const field = (no: number, bytes: number[]) => [(no << 3) | 2, bytes.length, ...bytes];

describe('fieldIsInvalidUtf8', () => {
  it.each<[string, number[], boolean]>([
    ['valid ASCII', [...field(1, [0x6e]), ...field(2, [0x61, 0x62])], false],
    ['valid multi-byte', field(2, [0xc3, 0xa9, 0xe2, 0x82, 0xac]), false],
    ['a lone 0xff', field(2, [0x61, 0xff]), true],
    ['a truncated sequence', field(2, [0xe2, 0x82]), true],
    ['bad bytes in another field only', [...field(1, [0xff]), ...field(2, [0x61])], false],
    ['after a varint field', [3 << 3, 0x96, 0x01, ...field(2, [0xc0, 0x80])], true],
    ['a truncated message', [(2 << 3) | 2, 9, 0x61], false],
  ])('%s', (_label, bytes, invalid) => {
    expect(fieldIsInvalidUtf8(Uint8Array.from(bytes), 2)).toBe(invalid);
  });
});
