// The encoded forms in which a known value is looked for by `agent scan` and masked by `agent exec --mask`.
//
// Decisions:
// - Only values of MIN_SCAN_BYTES (8) bytes or more are looked for: shorter ones match ordinary text.
// - Base64 (standard and URL-safe) is looked for at each of the 3 byte alignments, so a value inside a
//   longer base64 string (an `Authorization: Basic` pair, a JSON credential a tool printed encoded) is
//   found. A form is the run of base64 characters that depend on the value's bytes alone: the first 2 or
//   3 characters of an unaligned value and the last one of an unpadded tail also carry bits of the
//   neighbouring bytes, so they are left out. The same run matches with and without padding.
// - A URL-safe form equal to the standard one is one form, named base64; the same for hex of a value
//   whose hex has no letters, and for percent or JSON forms that equal the raw value.
// - Percent-encoding as encodeURIComponent writes it and as RFC 3986 does (which also encodes !'()*),
//   with upper-case and lower-case hex digits. JSON string escaping as JSON.stringify writes it, with `/`
//   escaped as `\/` (PHP), and with non-ASCII as \u escapes (Python's json.dumps).
// - `Bearer <value>` and `Basic <base64 of user:value>` are not forms of their own: they are the raw and
//   base64 forms, and a finding is named bearer or basic by what precedes it (see contextEncoding).

/** The shortest value, in UTF-8 bytes, that is looked for. */
export const MIN_SCAN_BYTES = 8;

/** How a finding's bytes spell the value. */
export type ScanEncoding =
  | 'raw'
  | 'bearer'
  | 'base64'
  | 'base64url'
  | 'basic'
  | 'hex'
  | 'hex-upper'
  | 'percent'
  | 'json';

/** Every encoding a finding can have, in the order they are listed to users. */
export const SCAN_ENCODINGS: readonly ScanEncoding[] = ['raw', 'bearer', 'base64', 'base64url', 'basic', 'hex', 'hex-upper', 'percent', 'json'];

/** One encoded form of a value: the bytes looked for and what they are. */
export interface EncodedForm {
  encoding: ScanEncoding;
  bytes: Uint8Array;
}

const utf8 = new TextEncoder();

/** The base64 characters of `bytes`, placed `align` bytes into a base64 string, that depend on them alone. */
export function base64Core(bytes: Uint8Array, align: 0 | 1 | 2, url: boolean): string {
  const padded = Buffer.allocUnsafe(align + bytes.length).fill(0, 0, align);
  padded.set(bytes, align);
  const core = coreOf(padded, align, url);
  padded.fill(0);
  return core;
}

/** base64Core of the bytes `padded` holds after its first `align` (zero) bytes. */
function coreOf(padded: Buffer, align: 0 | 1 | 2, url: boolean): string {
  const s = padded.toString(url ? 'base64url' : 'base64');
  let end = s.length;
  while (end > 0 && s.charCodeAt(end - 1) === 0x3d) end--; // '=' padding (base64url has none)
  const head = align === 0 ? 0 : align === 1 ? 2 : 3;
  const tail = padded.length % 3 === 0 ? 0 : 1;
  return s.slice(head, end - tail);
}

/** RFC 3986 percent-encoding: everything but unreserved characters (encodeURIComponent leaves !'()* too). */
function rfc3986(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** Characters that encodeURIComponent, RFC 3986 and JSON.stringify all leave as they are. */
const UNRESERVED_ONLY = /^[A-Za-z0-9_.~-]*$/;

/** The distinct encoded forms of `value` (none when it is under MIN_SCAN_BYTES bytes). */
export function encodedForms(value: string): EncodedForm[] {
  // Every IssueTempKey fingerprints its key's forms, so this is on that call's path: one Buffer for the
  // UTF-8 bytes and one for the three alignments of base64, lengths of ASCII forms without a byte count.
  const raw = Buffer.from(value, 'utf8');
  if (raw.length < MIN_SCAN_BYTES) return [];
  const forms = new Map<string, ScanEncoding>();
  const add = (text: string, encoding: ScanEncoding): void => {
    if (!forms.has(text) && Buffer.byteLength(text) >= MIN_SCAN_BYTES) forms.set(text, encoding);
  };
  const addAscii = (text: string, encoding: ScanEncoding): void => {
    if (!forms.has(text) && text.length >= MIN_SCAN_BYTES) forms.set(text, encoding);
  };
  add(value, 'raw');
  const hex = raw.toString('hex');
  addAscii(hex, 'hex');
  addAscii(hex.toUpperCase(), 'hex-upper');
  // Every percent and JSON form of a value of unreserved characters only is the value itself (a random
  // key's hex or base64url, the common case): nothing to add, so nothing to compute.
  if (!UNRESERVED_ONLY.test(value)) {
    for (const p of [encodeURIComponent(value), rfc3986(value)]) {
      add(p, 'percent');
      add(p.replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase()), 'percent');
    }
    const json = JSON.stringify(value).slice(1, -1);
    add(json, 'json');
    add(json.replace(/\//g, '\\/'), 'json');
    add(json.replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`), 'json');
  }
  // The value after 2, 1 and 0 zero bytes: each alignment is a view of the one buffer.
  const shifted = Buffer.alloc(raw.length + 2);
  raw.copy(shifted, 2);
  for (const align of [0, 1, 2] as const) {
    const padded = shifted.subarray(2 - align);
    addAscii(coreOf(padded, align, false), 'base64');
    addAscii(coreOf(padded, align, true), 'base64url');
  }
  shifted.fill(0);
  raw.fill(0);
  return [...forms].map(([text, encoding]) => ({ encoding, bytes: utf8.encode(text) }));
}

const BASE64_CHAR = new Uint8Array(256);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/-_') BASE64_CHAR[c.charCodeAt(0)] = 1;

/** How far back from a finding its context is read (the user part of a Basic pair lies within it). */
export const CONTEXT_BYTES = 128;

/** Whether `text` ends, case-insensitively, with `word` (ASCII). */
function endsWithWord(text: Uint8Array, end: number, word: string): boolean {
  if (end < word.length) return false;
  for (let i = 0; i < word.length; i++) {
    if (((text[end - word.length + i] as number) | 32) !== (word.charCodeAt(i) | 32)) return false;
  }
  return true;
}

/**
 * The name of a finding given what precedes it in `text` (its bytes start at `start`): a raw value after
 * `Bearer ` is bearer; a base64 form whose base64 run starts after `Basic ` is basic.
 */
export function contextEncoding(encoding: ScanEncoding, text: Uint8Array, start: number): ScanEncoding {
  if (encoding === 'raw') return endsWithWord(text, start, 'bearer ') ? 'bearer' : 'raw';
  if (encoding !== 'base64' && encoding !== 'base64url') return encoding;
  let i = start;
  const floor = Math.max(0, start - CONTEXT_BYTES);
  while (i > floor && BASE64_CHAR[text[i - 1] as number]) i--;
  return endsWithWord(text, i, 'basic ') ? 'basic' : encoding;
}
