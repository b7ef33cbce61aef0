import { describe, it, expect } from 'vitest';
import { expectLatchkeyError } from '@latchkey/test-utils/errors';
import { LatchkeyError } from './errors.js';
import {
  assertValue,
  decodeRecord,
  encodeRecord,
  MalformedRecord,
  MAX_VALUE_BYTES,
  RECORD_VERSION,
  valueFromBytes,
  valueProblem,
  type SecretMeta,
  type SecretRecord,
} from './record.js';

function malformed(fn: () => unknown): MalformedRecord {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(MalformedRecord);
    return err as MalformedRecord;
  }
  throw new Error('expected the call to throw');
}

const meta: SecretMeta = {
  name: 'stripe-test',
  scope: 'global',
  owner: 'payments',
  description: 'stripe test key',
  createdAt: 1_900_000_000_000,
  expiresAt: 1_900_028_800_000,
  source: 'manual',
};

const utf8 = (s: string) => new TextEncoder().encode(s);
/** Byte-exact comparison (fast for 64 KiB, unlike a deep toEqual). */
const sameBytes = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b));

describe('encodeRecord / decodeRecord', () => {
  it.each<[string, string, Partial<SecretMeta>]>([
    ['plain value', 'sk_test_123', {}],
    ['trailing newline', 'line one\nline two\n', {}],
    ['CRLF and tabs', 'a\r\n\tb\r\n', {}],
    ['unicode', 'pässwörd ключ 🔑 日本語', {}],
    ['quotes and backslashes', '"}\\{"v":2}', {}],
    ['leading BOM', '\uFEFFbom', {}],
    ['project scope with ":"', 'v', { scope: '/home/me/a:b', name: 'team/db.password' }],
    ['every source', 'v', { source: 'mint' }],
    ['onboard source', 'v', { source: 'onboard' }],
    ['import source', 'v', { source: 'import' }],
    ['64 KiB value', 'x'.repeat(MAX_VALUE_BYTES), {}],
  ])('round-trips %s byte-exact', (_label, value, override) => {
    const record: SecretRecord = { value, meta: { ...meta, ...override } };
    const account = `${record.meta.scope}:${record.meta.name}`;
    const password = encodeRecord(record);
    const back = decodeRecord(account, password);
    expect(back.meta).toEqual(record.meta);
    expect(back.value === value).toBe(true);
    expect(sameBytes(utf8(back.value), utf8(value))).toBe(true);
  });

  it('stores {v, value, meta} with the expiry in meta and leaves name and scope to the account', () => {
    const doc = JSON.parse(encodeRecord({ value: 'sk', meta })) as Record<string, unknown>;
    expect(Object.keys(doc).sort()).toEqual(['meta', 'v', 'value']);
    expect(doc.v).toBe(RECORD_VERSION);
    expect(doc.value).toBe('sk');
    expect(doc.meta).toEqual({
      owner: 'payments',
      description: 'stripe test key',
      createdAt: meta.createdAt,
      expiresAt: meta.expiresAt,
      source: 'manual',
    });
  });

  it('takes name and scope from the account, not from the password', () => {
    const password = JSON.stringify({ v: 1, value: 'x', meta: { expiresAt: 5, name: 'other', scope: '/evil' } });
    const back = decodeRecord('/srv/app:api', password);
    expect(back.meta.name).toBe('api');
    expect(back.meta.scope).toBe('/srv/app');
  });

  it('fills missing optional meta with defaults', () => {
    const back = decodeRecord('global:a', JSON.stringify({ v: 1, value: 'x', meta: { expiresAt: 42 } }));
    expect(back).toEqual({
      value: 'x',
      meta: { name: 'a', scope: 'global', owner: '', description: '', createdAt: 0, expiresAt: 42, source: 'manual' },
    });
  });

  it('reads an unknown source as manual', () => {
    const back = decodeRecord('global:a', JSON.stringify({ v: 1, value: 'x', meta: { expiresAt: 42, source: 'rootkit' } }));
    expect(back.meta.source).toBe('manual');
  });

  const secret = 'hunter2-SUPER-secret-💥';
  const good = { v: 1, value: secret, meta: { expiresAt: 42 } };

  it.each<[string, string, string, RegExp]>([
    ['foreign account without scope', 'some-other-app', JSON.stringify(good), /account/],
    ['foreign account with relative scope', 'user:alice', JSON.stringify(good), /account/],
    ['account with invalid name', 'global:Bad Name', JSON.stringify(good), /account/],
    ['account with reserved name', 'global:temp/x', JSON.stringify(good), /account/],
    ['malformed JSON', 'global:a', `{"v":1,"value":"${secret}"`, /not JSON/],
    ['bare secret, not JSON', 'global:a', secret, /not JSON/],
    ['JSON string', 'global:a', JSON.stringify(secret), /not a JSON object/],
    ['JSON null', 'global:a', 'null', /not a JSON object/],
    ['JSON array', 'global:a', JSON.stringify([secret]), /version/],
    ['wrong version', 'global:a', JSON.stringify({ ...good, v: 2 }), /version/],
    ['version as string', 'global:a', JSON.stringify({ ...good, v: '1' }), /version/],
    ['missing version', 'global:a', JSON.stringify({ value: secret, meta: good.meta }), /version/],
    ['value not a string', 'global:a', JSON.stringify({ ...good, value: 123 }), /value/],
    ['missing meta', 'global:a', JSON.stringify({ v: 1, value: secret }), /meta/],
    ['meta null', 'global:a', JSON.stringify({ v: 1, value: secret, meta: null }), /meta/],
    ['missing expiresAt', 'global:a', JSON.stringify({ v: 1, value: secret, meta: { owner: 'x' } }), /expiresAt/],
    ['expiresAt as string', 'global:a', JSON.stringify({ v: 1, value: secret, meta: { expiresAt: '42' } }), /expiresAt/],
    ['expiresAt null', 'global:a', JSON.stringify({ v: 1, value: secret, meta: { expiresAt: null } }), /expiresAt/],
  ])('%s is a MalformedRecord that never shows the password', (_label, account, password, why) => {
    const err = malformed(() => decodeRecord(account, password));
    expect(err.message).toMatch(why);
    expect(err.message).not.toContain(secret);
    expect(err.message).not.toContain('hunter2');
    expect(err.message).not.toContain(password);
    expect(String(err)).not.toContain('hunter2');
    expect(err).not.toBeInstanceOf(LatchkeyError);
  });
});

describe('valueProblem', () => {
  it.each<[string, string]>([
    ['one byte', 'x'],
    ['exactly 64 KiB of ASCII', 'a'.repeat(MAX_VALUE_BYTES)],
    ['exactly 64 KiB of 2-byte chars', 'é'.repeat(MAX_VALUE_BYTES / 2)],
    ['exactly 64 KiB of 4-byte chars', '🔑'.repeat(MAX_VALUE_BYTES / 4)],
    ['trailing newline', 'v\n'],
    ['whitespace only', ' '],
  ])('accepts %s', (_label, value) => {
    expect(valueProblem(value)).toBeUndefined();
    expect(assertValue(value)).toBe(value);
  });

  it.each<[string, string, RegExp]>([
    ['empty', '', /empty/],
    ['a NUL byte', 'ab\0cd', /NUL/],
    ['only a NUL byte', '\0', /NUL/],
    ['64 KiB + 1 of ASCII', 'a'.repeat(MAX_VALUE_BYTES + 1), /65537 bytes, over the limit of 65536/],
    // 32768 + 1 two-byte characters: 32769 UTF-16 units but 65538 bytes.
    ['multi-byte over the limit in bytes, under it in chars', 'é'.repeat(MAX_VALUE_BYTES / 2 + 1), /65538 bytes/],
    ['64 KiB - 1 ASCII + one 2-byte char', 'a'.repeat(MAX_VALUE_BYTES - 1) + 'é', /65537 bytes/],
    ['4-byte chars over the limit', '🔑'.repeat(MAX_VALUE_BYTES / 4 + 1), /65540 bytes/],
  ])('refuses %s', (_label, value, why) => {
    const problem = valueProblem(value);
    expect(problem).toMatch(why);
    const err = expectLatchkeyError(() => assertValue(value), 'input');
    expect(err.exitCode).toBe(65);
    expect(err.message).toBe(problem);
  });

  it('counts multi-byte characters in bytes, not UTF-16 units', () => {
    const value = 'é'.repeat(MAX_VALUE_BYTES / 2 + 1);
    expect(value.length).toBeLessThan(MAX_VALUE_BYTES);
    expect(valueProblem(value)).toBeDefined();
  });

  it('never quotes the value in a problem', () => {
    const value = 'secret-\0-value';
    expect(valueProblem(value)).not.toContain('secret-');
  });
});

describe('valueFromBytes', () => {
  it.each<[string, Uint8Array, string]>([
    ['ASCII', utf8('sk_test'), 'sk_test'],
    ['trailing newline kept', utf8('sk_test\n'), 'sk_test\n'],
    ['trailing CRLF kept', utf8('sk\r\n'), 'sk\r\n'],
    ['unicode', utf8('ключ 🔑'), 'ключ 🔑'],
    ['leading BOM kept', new Uint8Array([0xef, 0xbb, 0xbf, 0x61]), '\uFEFFa'],
    ['exactly 64 KiB', new Uint8Array(MAX_VALUE_BYTES).fill(0x61), 'a'.repeat(MAX_VALUE_BYTES)],
  ])('decodes %s byte-exact', (_label, bytes, text) => {
    const value = valueFromBytes(bytes);
    expect(value === text).toBe(true);
    expect(sameBytes(utf8(value), bytes)).toBe(true);
  });

  it.each<[string, Uint8Array, RegExp]>([
    ['a lone continuation byte', new Uint8Array([0x61, 0x80, 0x62]), /not valid UTF-8/],
    ['a truncated sequence', new Uint8Array([0xe2, 0x82]), /not valid UTF-8/],
    ['Latin-1 bytes', new Uint8Array([0x63, 0x61, 0x66, 0xe9]), /not valid UTF-8/],
    ['an overlong encoding', new Uint8Array([0xc0, 0xaf]), /not valid UTF-8/],
    ['an encoded surrogate', new Uint8Array([0xed, 0xa0, 0x80]), /not valid UTF-8/],
    ['0xff', new Uint8Array([0xff]), /not valid UTF-8/],
    ['empty input', new Uint8Array(0), /empty/],
    ['a NUL byte', new Uint8Array([0x61, 0x00, 0x62]), /NUL/],
    ['64 KiB + 1', new Uint8Array(MAX_VALUE_BYTES + 1).fill(0x61), /65537 bytes, over the limit of 65536/],
  ])('refuses %s', (_label, bytes, why) => {
    const err = expectLatchkeyError(() => valueFromBytes(bytes), 'input');
    expect(err.exitCode).toBe(65);
    expect(err.message).toMatch(why);
  });
});
