// gRPC calls over the daemon's socket without node:http2: a minimal HTTP/2 client (RFC 9113) with an HPACK
// decoder (RFC 7541), so the hot paths of `agent exec` and `agent scan --staged` load neither node:http2 nor
// grpc-js. One call per connection, of any kind (h2liteOpen, over node:net; Scan streams both ways);
// h2liteUnary has the same contract and errors as leanUnary in lean.ts, and h2liteUnaryBlocking makes a
// unary call with blocking system calls (libc.ts) and the same frames, without node:net.
import type { Socket } from 'node:net';
import { getSystemErrorName } from 'node:util';
import { LatchkeyError } from '@latchkey/core/errors';
import { grpcFrame, MAX_MESSAGE_BYTES, useNodeTextEncoding } from '@latchkey/protocol/lean';
import type { MessageFns } from '@latchkey/protocol/messages';
import { DaemonNotRunning, statusError } from './lean-errors.js';
import { AF_UNIX, libcSockets, SUN_PATH_BYTES } from './libc.js';

// The codec's strings converted with Buffer, not with the TextEncoder and TextDecoder protobuf would build
// for the first message of each process (protocol's text-encoding.ts).
useNodeTextEncoding();

// ---------------------------------------------------------------------------------------------------------------
// HPACK: Huffman code (RFC 7541 Appendix B). The code is canonical, so the bit length of each of the 257 symbols
// (0..255 and EOS) determines it: codes are assigned in order of (length, symbol).
const HUFFMAN_LENGTHS = [
  13, 23, 28, 28, 28, 28, 28, 28, 28, 24, 30, 28, 28, 30, 28, 28, 28, 28, 28, 28, 28, 28, 30, 28, 28, 28, 28, 28, 28, 28, 28, 28,
  6, 10, 10, 12, 13, 6, 8, 11, 10, 10, 8, 11, 8, 6, 6, 6, 5, 5, 5, 6, 6, 6, 6, 6, 6, 6, 7, 8, 15, 6, 12, 10,
  13, 6, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 8, 7, 8, 13, 19, 13, 14, 6,
  15, 5, 6, 5, 6, 5, 6, 6, 6, 5, 7, 7, 6, 6, 6, 5, 6, 7, 6, 5, 5, 6, 7, 7, 7, 7, 7, 15, 11, 14, 13, 28,
  20, 22, 20, 20, 22, 22, 22, 23, 22, 23, 23, 23, 23, 23, 24, 23, 24, 24, 22, 23, 24, 23, 23, 23, 23, 21, 22, 23, 22, 23, 23, 24,
  22, 21, 20, 22, 22, 23, 23, 21, 23, 22, 22, 24, 21, 22, 23, 23, 21, 21, 22, 21, 23, 22, 23, 23, 20, 22, 22, 22, 23, 22, 22, 23,
  26, 26, 20, 19, 22, 23, 22, 25, 26, 26, 26, 27, 27, 26, 24, 25, 19, 21, 26, 27, 27, 26, 27, 24, 21, 21, 26, 26, 28, 27, 27, 27,
  20, 24, 20, 21, 22, 21, 21, 23, 22, 22, 25, 25, 24, 24, 26, 23, 26, 27, 26, 26, 27, 27, 27, 27, 27, 28, 27, 27, 27, 27, 27, 26,
  30,
];
const EOS = 256;

interface HuffmanTables {
  /** Per symbol: its code (right-aligned) and length. */
  codes: number[];
  /** Per length (0..30): the first code, the number of codes and the index of the first symbol in `sorted`. */
  first: number[];
  count: number[];
  offset: number[];
  sorted: number[];
}

let huffman: HuffmanTables | undefined;

/** The canonical code's tables, computed from HUFFMAN_LENGTHS (for encoding, and to check the decoder's). */
export function huffmanTables(): HuffmanTables {
  if (huffman) return huffman;
  // The symbols in order of (length, symbol).
  const sorted: number[] = [];
  for (let len = 1; len <= 30; len++) for (let s = 0; s <= EOS; s++) if (HUFFMAN_LENGTHS[s] === len) sorted.push(s);
  const codes: number[] = new Array(257).fill(0);
  const first: number[] = new Array(31).fill(0);
  const count: number[] = new Array(31).fill(0);
  const offset: number[] = new Array(31).fill(0);
  let code = 0;
  let prev = HUFFMAN_LENGTHS[sorted[0]!]!;
  for (let i = 0; i < sorted.length; i++) {
    const s = sorted[i]!;
    const len = HUFFMAN_LENGTHS[s]!;
    code *= 2 ** (len - prev);
    prev = len;
    if (count[len] === 0) {
      first[len] = code;
      offset[len] = i;
    }
    count[len]!++;
    codes[s] = code++;
  }
  return (huffman = { codes, first, count, offset, sorted });
}

// The decoder's tables as literals, what huffmanTables() computes (h2lite.test.ts checks that they are):
// computing them in the process took 0.5-0.7 ms of a cold `agent exec`, whose reply's headers are
// Huffman-coded. Per code length (0..30) the first code, how many codes and the index of the first symbol
// in HUFFMAN_SORTED, the symbols in order of (length, symbol).
const HUFFMAN_SORTED = [
  48, 49, 50, 97, 99, 101, 105, 111, 115, 116, 32, 37, 45, 46, 47, 51, 52, 53, 54, 55, 56, 57, 61, 65,
  95, 98, 100, 102, 103, 104, 108, 109, 110, 112, 114, 117, 58, 66, 67, 68, 69, 70, 71, 72, 73, 74, 75, 76,
  77, 78, 79, 80, 81, 82, 83, 84, 85, 86, 87, 89, 106, 107, 113, 118, 119, 120, 121, 122, 38, 42, 44, 59,
  88, 90, 33, 34, 40, 41, 63, 39, 43, 124, 35, 62, 0, 36, 64, 91, 93, 126, 94, 125, 60, 96, 123, 92,
  195, 208, 128, 130, 131, 162, 184, 194, 224, 226, 153, 161, 167, 172, 176, 177, 179, 209, 216, 217, 227, 229, 230, 129,
  132, 133, 134, 136, 146, 154, 156, 160, 163, 164, 169, 170, 173, 178, 181, 185, 186, 187, 189, 190, 196, 198, 228, 232,
  233, 1, 135, 137, 138, 139, 140, 141, 143, 147, 149, 150, 151, 152, 155, 157, 158, 165, 166, 168, 174, 175, 180, 182,
  183, 188, 191, 197, 231, 239, 9, 142, 144, 145, 148, 159, 171, 206, 215, 225, 236, 237, 199, 207, 234, 235, 192, 193,
  200, 201, 202, 205, 210, 213, 218, 219, 238, 240, 242, 243, 255, 203, 204, 211, 212, 214, 221, 222, 223, 241, 244, 245,
  246, 247, 248, 250, 251, 252, 253, 254, 2, 3, 4, 5, 6, 7, 8, 11, 12, 14, 15, 16, 17, 18, 19, 20,
  21, 23, 24, 25, 26, 27, 28, 29, 30, 31, 127, 220, 249, 10, 13, 22, 256,
];
const HUFFMAN_FIRST = [
  0, 0, 0, 0, 0, 0, 20, 92, 248, 0, 1016, 2042, 4090, 8184, 16380, 32764, 0, 0, 0, 524272, 1048550, 2097116, 4194258, 8388568,
  16777194, 33554412, 67108832, 134217694, 268435426, 0, 1073741820,
];
const HUFFMAN_COUNT = [
  0, 0, 0, 0, 0, 10, 26, 32, 6, 0, 5, 3, 2, 6, 2, 3, 0, 0, 0, 3, 8, 13, 26, 29,
  12, 4, 15, 19, 29, 0, 4,
];
const HUFFMAN_OFFSET = [
  0, 0, 0, 0, 0, 0, 10, 36, 68, 0, 74, 79, 82, 84, 90, 92, 0, 0, 0, 95, 98, 106, 119, 145,
  174, 186, 190, 205, 224, 0, 253,
];

/** The decoder's tables, as huffmanTables() has them (without the encoder's codes). */
export function huffmanDecodeTables(): Omit<HuffmanTables, 'codes'> {
  return { first: HUFFMAN_FIRST, count: HUFFMAN_COUNT, offset: HUFFMAN_OFFSET, sorted: HUFFMAN_SORTED };
}

/** Decodes a Huffman-coded string literal into octets; throws on EOS, bad padding or a truncated code. */
export function huffmanDecode(input: Uint8Array): Uint8Array {
  const first = HUFFMAN_FIRST;
  const count = HUFFMAN_COUNT;
  const offset = HUFFMAN_OFFSET;
  const sorted = HUFFMAN_SORTED;
  const out: number[] = [];
  let code = 0;
  let len = 0;
  for (const byte of input) {
    for (let bit = 7; bit >= 0; bit--) {
      code = code * 2 + ((byte >> bit) & 1);
      len++;
      const n = count[len] ?? 0;
      if (n > 0 && code - first[len]! < n && code >= first[len]!) {
        const sym = sorted[offset[len]! + code - first[len]!]!;
        if (sym === EOS) throw new Error('hpack: EOS in a Huffman string');
        out.push(sym);
        code = 0;
        len = 0;
      } else if (len >= 30) {
        throw new Error('hpack: invalid Huffman code');
      }
    }
  }
  // Padding: fewer than 8 bits, all ones (a prefix of EOS).
  if (len > 7 || code !== 2 ** len - 1) throw new Error('hpack: invalid Huffman padding');
  return Uint8Array.from(out);
}

/** Huffman-encodes octets (used by the tests; the client itself never Huffman-encodes). */
export function huffmanEncode(input: Uint8Array): Uint8Array {
  const { codes } = huffmanTables();
  const out: number[] = [];
  let acc = 0;
  let bits = 0;
  for (const b of input) {
    const len = HUFFMAN_LENGTHS[b]!;
    const code = codes[b]!;
    for (let i = len - 1; i >= 0; i--) {
      acc = (acc << 1) | (Math.floor(code / 2 ** i) & 1);
      if (++bits === 8) {
        out.push(acc);
        acc = 0;
        bits = 0;
      }
    }
  }
  if (bits > 0) out.push(((acc << (8 - bits)) | (0xff >> bits)) & 0xff);
  return Uint8Array.from(out);
}

// HPACK static table (RFC 7541 Appendix A), index 1..61.
const STATIC_TABLE: ReadonlyArray<readonly [string, string]> = [
  [':authority', ''], [':method', 'GET'], [':method', 'POST'], [':path', '/'], [':path', '/index.html'],
  [':scheme', 'http'], [':scheme', 'https'], [':status', '200'], [':status', '204'], [':status', '206'],
  [':status', '304'], [':status', '400'], [':status', '404'], [':status', '500'], ['accept-charset', ''],
  ['accept-encoding', 'gzip, deflate'], ['accept-language', ''], ['accept-ranges', ''], ['accept', ''],
  ['access-control-allow-origin', ''], ['age', ''], ['allow', ''], ['authorization', ''], ['cache-control', ''],
  ['content-disposition', ''], ['content-encoding', ''], ['content-language', ''], ['content-length', ''],
  ['content-location', ''], ['content-range', ''], ['content-type', ''], ['cookie', ''], ['date', ''], ['etag', ''],
  ['expect', ''], ['expires', ''], ['from', ''], ['host', ''], ['if-match', ''], ['if-modified-since', ''],
  ['if-none-match', ''], ['if-range', ''], ['if-unmodified-since', ''], ['last-modified', ''], ['link', ''],
  ['location', ''], ['max-forwards', ''], ['proxy-authenticate', ''], ['proxy-authorization', ''], ['range', ''],
  ['referer', ''], ['refresh', ''], ['retry-after', ''], ['server', ''], ['set-cookie', ''],
  ['strict-transport-security', ''], ['transfer-encoding', ''], ['user-agent', ''], ['vary', ''], ['via', ''],
  ['www-authenticate', ''],
];

export type HeaderField = [name: string, value: string];

/** An HPACK decoder with its dynamic table (newest entry first). Octets become latin1 strings, as in node:http2. */
export class HpackDecoder {
  /** The dynamic table, newest first. */
  readonly table: HeaderField[] = [];
  /** The table's size in the RFC's accounting (octets + 32 per entry). */
  size = 0;
  /** The table's current maximum size (changed by dynamic table size updates). */
  maxSize: number;

  /** `limit` is the largest size an encoder may choose (our SETTINGS_HEADER_TABLE_SIZE, or the 4096 default). */
  constructor(readonly limit = 4096) {
    this.maxSize = limit;
  }

  decode(block: Uint8Array): HeaderField[] {
    const fields: HeaderField[] = [];
    let pos = 0;
    const integer = (prefixBits: number): number => {
      const mask = (1 << prefixBits) - 1;
      let value = block[pos++]! & mask;
      if (value < mask) return value;
      let shift = 0;
      for (;;) {
        if (pos >= block.length) throw new Error('hpack: truncated integer');
        const b = block[pos++]!;
        value += (b & 0x7f) * 2 ** shift;
        shift += 7;
        if ((b & 0x80) === 0) break;
        if (shift > 28) throw new Error('hpack: integer overflow');
      }
      return value;
    };
    const string = (): string => {
      if (pos >= block.length) throw new Error('hpack: truncated string');
      const huff = (block[pos]! & 0x80) !== 0;
      const len = integer(7);
      if (pos + len > block.length) throw new Error('hpack: truncated string');
      const raw = block.subarray(pos, pos + len);
      pos += len;
      return Buffer.from(huff ? huffmanDecode(raw) : raw).toString('latin1');
    };
    const lookup = (index: number): HeaderField => {
      if (index >= 1 && index <= STATIC_TABLE.length) {
        const [n, v] = STATIC_TABLE[index - 1]!;
        return [n, v];
      }
      const entry = this.table[index - STATIC_TABLE.length - 1];
      if (index === 0 || !entry) throw new Error(`hpack: invalid index ${index}`);
      return [entry[0], entry[1]];
    };
    let fieldSeen = false;
    while (pos < block.length) {
      const b = block[pos]!;
      if (b & 0x80) {
        fields.push(lookup(integer(7)));
        fieldSeen = true;
      } else if (b & 0x40) {
        const index = integer(6);
        const name = index === 0 ? string() : lookup(index)[0];
        const field: HeaderField = [name, string()];
        fields.push(field);
        this.add(field);
        fieldSeen = true;
      } else if (b & 0x20) {
        // Dynamic table size update: only at the start of a header block.
        if (fieldSeen) throw new Error('hpack: table size update after a header field');
        const max = integer(5);
        if (max > this.limit) throw new Error(`hpack: table size ${max} above the limit ${this.limit}`);
        this.maxSize = max;
        this.evict(0);
      } else {
        // Literal without indexing (0000) or never indexed (0001): 4-bit prefix.
        const index = integer(4);
        const name = index === 0 ? string() : lookup(index)[0];
        fields.push([name, string()]);
        fieldSeen = true;
      }
    }
    return fields;
  }

  private add(field: HeaderField): void {
    const entrySize = field[0].length + field[1].length + 32;
    this.evict(entrySize);
    // An entry larger than the table empties it and is not added (RFC 7541 section 4.4).
    if (entrySize <= this.maxSize) {
      this.table.unshift(field);
      this.size += entrySize;
    }
  }

  private evict(room: number): void {
    while (this.table.length > 0 && this.size + room > this.maxSize) {
      const [n, v] = this.table.pop()!;
      this.size -= n.length + v.length + 32;
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// HTTP/2 framing.
const FRAME_DATA = 0x0;
const FRAME_HEADERS = 0x1;
const FRAME_PRIORITY = 0x2;
const FRAME_RST_STREAM = 0x3;
const FRAME_SETTINGS = 0x4;
const FRAME_PUSH_PROMISE = 0x5;
const FRAME_PING = 0x6;
const FRAME_GOAWAY = 0x7;
const FRAME_WINDOW_UPDATE = 0x8;
const FRAME_CONTINUATION = 0x9;
const FLAG_END_STREAM = 0x1;
const FLAG_ACK = 0x1;
const FLAG_END_HEADERS = 0x4;
const FLAG_PADDED = 0x8;
const FLAG_PRIORITY = 0x20;

const PREFACE = 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n';
/** What we grant the server on the connection and on stream 1 (plenty for any reply; no updates needed). */
const RECEIVE_WINDOW = 1 << 24;
const DEFAULT_WINDOW = 65_535;
/** The frame size limit: RFC 9113's default, which we never raise, so a larger frame is the server's error. */
const MAX_FRAME = 16_384;
const STREAM = 1;
/** How long a server may take to send its SETTINGS once connected (grpc-js's server sends them at once). */
export const GREETING_TIMEOUT_MS = 10_000;

const ERROR_CODES = [
  'NO_ERROR', 'PROTOCOL_ERROR', 'INTERNAL_ERROR', 'FLOW_CONTROL_ERROR', 'SETTINGS_TIMEOUT', 'STREAM_CLOSED',
  'FRAME_SIZE_ERROR', 'REFUSED_STREAM', 'CANCEL', 'COMPRESSION_ERROR', 'CONNECT_ERROR', 'ENHANCE_YOUR_CALM',
  'INADEQUATE_SECURITY', 'HTTP_1_1_REQUIRED',
];
const errorName = (code: number) => ERROR_CODES[code] ?? `error code ${code}`;

// Frames are written and read with typed-array operations, not Buffer's methods: Buffer.allocUnsafe,
// writeUIntBE, from(string), concat and the like each cost 0.03-0.12 ms on their first call in a process
// (Node compiles them then), 0.5 ms of a cold `agent exec` between connect and send.

/** `n` as 4 bytes, big-endian, at `at` of `out`. */
function putU32(out: Uint8Array, at: number, n: number): void {
  out[at] = n >>> 24;
  out[at + 1] = n >>> 16;
  out[at + 2] = n >>> 8;
  out[at + 3] = n;
}

/** The big-endian unsigned integer of `bytes` bytes at `at` of `b` (at most 4). */
function getUint(b: Uint8Array, at: number, bytes: number): number {
  let n = 0;
  for (let i = 0; i < bytes; i++) n = n * 256 + b[at + i]!;
  return n;
}

/** The parts one after another, in a new array. */
function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  let length = 0;
  for (const p of parts) length += p.length;
  const out = new Uint8Array(length);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** The octets of a string of code points below 256 (HTTP/2's preface, header names and values). */
function latin1Bytes(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

function frame(type: number, flags: number, stream: number, payload: Uint8Array = new Uint8Array(0)): Uint8Array {
  const out = new Uint8Array(9 + payload.length);
  out[0] = payload.length >>> 16;
  out[1] = payload.length >>> 8;
  out[2] = payload.length;
  out[3] = type;
  out[4] = flags;
  putU32(out, 5, stream & 0x7fffffff);
  out.set(payload, 9);
  return out;
}

function u32(n: number): Uint8Array {
  const b = new Uint8Array(4);
  putU32(b, 0, n);
  return b;
}

/** HPACK: an integer with an N-bit prefix whose high bits are `pattern`. */
function encodeInteger(out: number[], value: number, prefixBits: number, pattern: number): void {
  const max = (1 << prefixBits) - 1;
  if (value < max) {
    out.push(pattern | value);
    return;
  }
  out.push(pattern | max);
  value -= max;
  while (value >= 128) {
    out.push((value % 128) | 0x80);
    value = Math.floor(value / 128);
  }
  out.push(value);
}

/** HPACK: literal header fields without indexing, new names, no Huffman coding. */
export function encodeHeaders(fields: HeaderField[]): Uint8Array {
  const out: number[] = [];
  const str = (s: string) => {
    const bytes = latin1Bytes(s);
    encodeInteger(out, bytes.length, 7, 0x00);
    for (const b of bytes) out.push(b);
  };
  for (const [name, value] of fields) {
    out.push(0x00);
    str(name);
    str(value);
  }
  return Uint8Array.from(out);
}

type Meta = Record<string, string>;


/** A unary method of the Agent service as @latchkey/protocol/methods exports it (its generated name and codecs). */
export interface UnaryMethod<Req, Res> {
  readonly name: string;
  readonly requestType: Pick<MessageFns<Req>, 'encode'>;
  readonly requestStream: false;
  readonly responseType: Pick<MessageFns<Res>, 'decode'>;
  readonly responseStream: false;
}

/** Calls a generated unary method: encodes `request` with its codec and decodes the reply. */
export async function h2liteCall<Req, Res>(socket: string, method: UnaryMethod<Req, Res>, request: Req, timeoutMs?: number): Promise<Res> {
  return method.responseType.decode(await h2liteUnary(socket, method.name, method.requestType.encode(request).finish(), timeoutMs));
}

/**
 * h2liteCall made with blocking system calls where it can be (h2liteUnaryBlocking), else as h2liteCall:
 * for a process that has nothing else to do until the reply (the lean commands, `agent exec` before its
 * command). Nothing else of the process runs meanwhile, its timers and signal handlers included.
 */
export async function h2liteCallBlocking<Req, Res>(socket: string, method: UnaryMethod<Req, Res>, request: Req, timeoutMs?: number): Promise<Res> {
  const encoded = method.requestType.encode(request).finish();
  const reply = h2liteUnaryBlocking(socket, method.name, encoded, timeoutMs);
  return method.responseType.decode(reply ?? (await h2liteUnary(socket, method.name, encoded, timeoutMs)));
}

/** Calls `/latchkey.v1.Agent/<method>` with an encoded request; resolves with the encoded reply. */
export function h2liteUnary(socket: string, method: string, request: Uint8Array, timeoutMs = 10_000): Promise<Uint8Array> {
  let reply: Uint8Array | undefined;
  const call = h2liteOpen(socket, method, (m) => void (reply ??= m), timeoutMs);
  void call.write(request).catch(() => {}); // its failure is the call's, reported by `done`
  call.end();
  return call.done.then(() => {
    if (reply === undefined) throw new Error('truncated gRPC frame');
    return reply;
  });
}

/** A call in progress over its own connection: messages out with write(), in through `onMessage`. */
export interface H2liteCall {
  /** Sends one encoded message; resolves once the socket has taken it (flow control and backpressure). */
  write(message: Uint8Array): Promise<void>;
  /** Ends the request side (a client stream's last message has been written). */
  end(): void;
  /** Ends the call now: RST_STREAM CANCEL, the connection closed, `done` rejected. */
  cancel(): void;
  /** Resolves when the server ends the call with status OK (after every message), else rejects with its error. */
  readonly done: Promise<void>;
}

/** The first flight of a call: the preface, our SETTINGS, the connection's window, the request's HEADERS. */
function requestHead(method: string, timeoutMs: number | undefined): Uint8Array[] {
  const settings = concatBytes([
    Uint8Array.of(0, 1), u32(0), // SETTINGS_HEADER_TABLE_SIZE = 0
    Uint8Array.of(0, 2), u32(0), // SETTINGS_ENABLE_PUSH = 0
    Uint8Array.of(0, 4), u32(RECEIVE_WINDOW), // SETTINGS_INITIAL_WINDOW_SIZE
  ]);
  const fields: HeaderField[] = [
    [':method', 'POST'],
    [':scheme', 'http'],
    [':path', `/latchkey.v1.Agent/${method}`],
    [':authority', 'localhost'],
    ['content-type', 'application/grpc'],
    ['te', 'trailers'],
  ];
  if (timeoutMs !== undefined) fields.push(['grpc-timeout', `${timeoutMs}m`]);
  return [
    latin1Bytes(PREFACE),
    frame(FRAME_SETTINGS, 0, 0, settings),
    frame(FRAME_WINDOW_UPDATE, 0, 0, u32(RECEIVE_WINDOW - DEFAULT_WINDOW)),
    frame(FRAME_HEADERS, FLAG_END_HEADERS, STREAM, encodeHeaders(fields)),
  ];
}

/** What the receiving side of a call asks of its connection. */
interface ReceiverHooks {
  /** Frames to send in answer (SETTINGS and PING acknowledgements, WINDOW_UPDATEs). */
  send(bytes: Uint8Array): void;
  /** One whole gRPC message of the reply. */
  message(message: Uint8Array): void;
  /** The server's SETTINGS or a WINDOW_UPDATE arrived: more of the request may go. */
  windowsChanged(): void;
  /** The call ended: with status OK (no argument), else with its error. */
  end(err?: Error): void;
}

/**
 * The receiving side of one call, whatever carries its bytes: frames (RFC 9113), the reply's header
 * blocks (HPACK), its gRPC messages and its status, and the send windows the server grants.
 */
class Receiver {
  /** The send windows (the server's, which its SETTINGS and WINDOW_UPDATEs change), and its frame limit. */
  sendConn = DEFAULT_WINDOW;
  sendStream = DEFAULT_WINDOW;
  peerMaxFrame = MAX_FRAME;
  /** Whether the server's SETTINGS have arrived. */
  greeted = false;
  /** Set once the call has ended (here or by the connection): nothing more is read. */
  ended = false;
  private peerInitialWindow = DEFAULT_WINDOW;
  private readonly hpack = new HpackDecoder();
  private responseHeaders: Meta | undefined;
  private trailers: Meta = {};
  // The gRPC message bytes not yet handed on, as DATA frames brought them: joined once a message is whole.
  private readonly chunks: Buffer[] = [];
  private buffered = 0;
  /** The length the current message's prefix declared, or -1 before its prefix is whole. */
  private declared = -1;
  private headerBlock: Uint8Array[] | undefined; // a header block awaiting CONTINUATION frames
  private headerBlockStream = 0;
  private headerBlockEnds = false;
  private pending: Buffer = Buffer.alloc(0);
  // What the server has sent since our last WINDOW_UPDATE: granted back at half the window.
  private received = 0;

  constructor(
    private readonly socket: string,
    private readonly hooks: ReceiverHooks,
  ) {}

  /** Takes bytes read off the connection. */
  push(chunk: Buffer): void {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    try {
      while (!this.ended && this.pending.length >= 9) {
        const length = getUint(this.pending, 0, 3);
        // Checked before waiting for the payload: nothing over the limit is buffered.
        if (length > MAX_FRAME) throw new Error(`a frame of ${length} bytes, over the ${MAX_FRAME}-byte limit (FRAME_SIZE_ERROR)`);
        if (this.pending.length < 9 + length) break;
        const type = this.pending[3]!;
        const flags = this.pending[4]!;
        const stream = getUint(this.pending, 5, 4) & 0x7fffffff;
        const payload = this.pending.subarray(9, 9 + length);
        this.pending = this.pending.subarray(9 + length);
        this.onFrame(type, flags, stream, payload);
      }
    } catch (err) {
      if (err instanceof LatchkeyError) this.end(err);
      else this.failed(`protocol error: ${(err as Error).message}`);
    }
  }

  /** Ends the call as unavailable, saying why. */
  failed(why: string): void {
    this.end(new LatchkeyError('unavailable', `the call to the daemon failed: ${why}`, 'run agent daemon status'));
  }

  private end(err?: Error): void {
    if (this.ended) return;
    this.ended = true;
    this.hooks.end(err);
  }

  /** The next `n` buffered bytes (n <= buffered), copied only when they span chunks. */
  private take(n: number): Buffer {
    if (n === 0) return Buffer.alloc(0);
    this.buffered -= n;
    const head = this.chunks[0] as Buffer;
    if (head.length >= n) {
      if (head.length === n) this.chunks.shift();
      else this.chunks[0] = head.subarray(n);
      return head.subarray(0, n);
    }
    const out = Buffer.allocUnsafe(n);
    for (let at = 0; at < n; ) {
      const chunk = this.chunks[0] as Buffer;
      const k = Math.min(chunk.length, n - at);
      chunk.copy(out, at, 0, k);
      at += k;
      if (k === chunk.length) this.chunks.shift();
      else this.chunks[0] = chunk.subarray(k);
    }
    return out;
  }

  /** Each whole gRPC message of the body so far, to the hooks; a declared length over the cap ends the call. */
  private messages(): void {
    for (;;) {
      if (this.declared < 0) {
        if (this.buffered < 5) return;
        const prefix = this.take(5);
        if (prefix[0] !== 0) throw new Error('compressed gRPC frames are not supported');
        this.declared = getUint(prefix, 1, 4);
        if (this.declared > MAX_MESSAGE_BYTES) {
          throw new LatchkeyError('exhausted', `the daemon's reply of ${this.declared} bytes is over the ${MAX_MESSAGE_BYTES}-byte message cap`, 'run agent daemon status');
        }
      }
      if (this.buffered < this.declared) return;
      const message = this.take(this.declared);
      this.declared = -1;
      this.hooks.message(message);
    }
  }

  private endOfStream(): void {
    const meta: Meta = { ...this.responseHeaders, ...this.trailers };
    const status = Number(meta['grpc-status'] ?? NaN);
    if (status !== 0) return this.end(statusError(status, (k) => meta[k], this.socket));
    this.end(this.buffered > 0 || this.declared >= 0 ? new Error('truncated gRPC frame') : undefined);
  }

  private headerBlockDone(stream: number, block: Uint8Array, endStream: boolean): void {
    const fields = this.hpack.decode(block); // always decode, to keep the dynamic table in step
    if (stream !== STREAM) return;
    if (this.responseHeaders === undefined) this.responseHeaders = toMeta(fields);
    else this.trailers = toMeta(fields);
    if (endStream) this.endOfStream();
  }

  private onFrame(type: number, flags: number, stream: number, payload: Buffer): void {
    if (this.headerBlock && type !== FRAME_CONTINUATION) throw new Error('expected a CONTINUATION frame');
    switch (type) {
      case FRAME_DATA: {
        if (stream !== STREAM) throw new Error(`DATA on stream ${stream}`);
        let data = payload;
        if (flags & FLAG_PADDED) data = data.subarray(1, data.length - (payload[0] ?? 0));
        if (data.length > 0) {
          this.chunks.push(data);
          this.buffered += data.length;
          this.messages();
        }
        this.received += payload.length;
        if (this.received >= RECEIVE_WINDOW / 2 && !(flags & FLAG_END_STREAM)) {
          this.hooks.send(concatBytes([frame(FRAME_WINDOW_UPDATE, 0, 0, u32(this.received)), frame(FRAME_WINDOW_UPDATE, 0, STREAM, u32(this.received))]));
          this.received = 0;
        }
        if (flags & FLAG_END_STREAM) this.endOfStream();
        return;
      }
      case FRAME_HEADERS: {
        let start = 0;
        let end = payload.length;
        if (flags & FLAG_PADDED) {
          end -= payload[0] ?? 0;
          start = 1;
        }
        if (flags & FLAG_PRIORITY) start += 5;
        if (start > end) throw new Error('malformed HEADERS frame');
        const fragment = payload.subarray(start, end);
        if (flags & FLAG_END_HEADERS) this.headerBlockDone(stream, fragment, (flags & FLAG_END_STREAM) !== 0);
        else {
          this.headerBlock = [fragment];
          this.headerBlockStream = stream;
          this.headerBlockEnds = (flags & FLAG_END_STREAM) !== 0;
        }
        return;
      }
      case FRAME_CONTINUATION: {
        if (!this.headerBlock || stream !== this.headerBlockStream) throw new Error('unexpected CONTINUATION frame');
        this.headerBlock.push(payload);
        if (flags & FLAG_END_HEADERS) {
          const block = Buffer.concat(this.headerBlock);
          this.headerBlock = undefined;
          this.headerBlockDone(stream, block, this.headerBlockEnds);
        }
        return;
      }
      case FRAME_SETTINGS: {
        if (flags & FLAG_ACK) return;
        this.greeted = true;
        for (let i = 0; i + 6 <= payload.length; i += 6) {
          const id = getUint(payload, i, 2);
          const value = getUint(payload, i + 2, 4);
          if (id === 4) {
            this.sendStream += value - this.peerInitialWindow;
            this.peerInitialWindow = value;
          } else if (id === 5) this.peerMaxFrame = value;
        }
        this.hooks.send(frame(FRAME_SETTINGS, FLAG_ACK, 0));
        this.hooks.windowsChanged();
        return;
      }
      case FRAME_PING:
        if (!(flags & FLAG_ACK)) this.hooks.send(frame(FRAME_PING, FLAG_ACK, 0, payload));
        return;
      case FRAME_WINDOW_UPDATE: {
        const increment = getUint(payload, 0, 4) & 0x7fffffff;
        if (stream === 0) this.sendConn += increment;
        else if (stream === STREAM) this.sendStream += increment;
        this.hooks.windowsChanged();
        return;
      }
      case FRAME_PRIORITY:
        return;
      case FRAME_RST_STREAM:
        if (stream === STREAM) this.failed(`Stream closed with error code ${errorName(getUint(payload, 0, 4))}`);
        return;
      case FRAME_GOAWAY: {
        const lastStream = getUint(payload, 0, 4) & 0x7fffffff;
        const code = getUint(payload, 4, 4);
        // A graceful GOAWAY that covers our stream lets it finish; anything else ends the call.
        if (code !== 0 || lastStream < STREAM) this.failed(`Session closed with error code ${errorName(code)}`);
        return;
      }
      case FRAME_PUSH_PROMISE:
        throw new Error('unexpected PUSH_PROMISE');
      default:
        return; // unknown frame types are ignored (RFC 9113 section 4.1)
    }
  }
}

function toMeta(fields: HeaderField[]): Meta {
  const meta: Meta = {};
  for (const [name, value] of fields) meta[name] = name in meta ? `${meta[name]}, ${value}` : value;
  return meta;
}

const notAnswering = (socket: string, ms: number) =>
  new LatchkeyError('unavailable', `the daemon did not answer within ${ms / 1000}s on ${socket}`, 'run agent daemon status');
const notGreeting = (socket: string, ms: number) =>
  new LatchkeyError('unavailable', `nothing answering on ${socket} spoke HTTP/2 within ${ms / 1000}s`, 'run agent daemon status');
const connectFailed = (socket: string, code: string) =>
  code === 'ENOENT' || code === 'ECONNREFUSED'
    ? new DaemonNotRunning(socket, code)
    : new LatchkeyError('unavailable', `cannot talk to the daemon on ${socket}: ${code}`, 'run agent daemon status');

/**
 * Opens a call of `/latchkey.v1.Agent/<method>` of any kind (unary, client-, server- or bidirectional
 * streaming): each message the server sends goes to `onMessage` as it arrives. Without `timeoutMs` the
 * call has no deadline. Errors are those of h2liteUnary (and leanUnary); a reply message over
 * MAX_MESSAGE_BYTES (as grpc-js's max_receive_message_length) ends the call with an `exhausted` error as
 * soon as its length prefix arrives, and nothing more of it is read. Whatever the deadline, a server that
 * does not send its SETTINGS (the first thing an HTTP/2 server says) within `greetingMs` ends the call
 * as unavailable: something that accepts connections on the socket and never answers cannot hold a
 * call without a deadline (`agent scan --staged`'s stream) forever.
 */
export function h2liteOpen(socket: string, method: string, onMessage: (message: Uint8Array) => void, timeoutMs?: number, greetingMs = GREETING_TIMEOUT_MS): H2liteCall {
  let settled = false;
  let failure: Error | undefined;
  let resolveDone!: () => void;
  let rejectDone!: (err: Error) => void;
  const done = new Promise<void>((resolve, reject) => {
    resolveDone = resolve;
    rejectDone = reject;
  });
  // Loaded here: the blocking calls (h2liteUnaryBlocking) do without node:net.
  const { connect } = process.getBuiltinModule('node:net') as typeof import('node:net');
  const conn: Socket = connect(socket);
  // The request side: encoded gRPC messages waiting for the send windows, and the writes waiting on them.
  const queue: Uint8Array[] = [];
  const waiters: Array<{ resolve: () => void; reject: (err: Error) => void }> = [];
  let connected = false;
  let ending = false;
  let ended = false;
  const finish = (err?: Error) => {
    if (settled) return;
    settled = true;
    rx.ended = true;
    failure = err;
    if (timer) clearTimeout(timer);
    clearTimeout(greeting);
    conn.destroy();
    for (const w of waiters.splice(0)) (err ? w.reject(err) : w.resolve());
    if (err) rejectDone(err);
    else resolveDone();
  };
  /** Writes what the windows allow, END_STREAM on the last frame once end() was called; then releases waiting writes. */
  const pump = () => {
    if (!connected || ended || settled) return;
    conn.cork();
    while (queue.length > 0) {
      const head = queue[0] as Uint8Array;
      const n = Math.min(head.length, rx.sendConn, rx.sendStream, rx.peerMaxFrame);
      if (n <= 0) break; // wait for WINDOW_UPDATE
      const last = n === head.length && queue.length === 1 && ending;
      conn.write(frame(FRAME_DATA, last ? FLAG_END_STREAM : 0, STREAM, head.subarray(0, n)));
      rx.sendConn -= n;
      rx.sendStream -= n;
      if (n === head.length) queue.shift();
      else queue[0] = head.subarray(n);
      if (last) ended = true;
    }
    if (queue.length === 0 && ending && !ended) {
      conn.write(frame(FRAME_DATA, FLAG_END_STREAM, STREAM));
      ended = true;
    }
    conn.uncork();
    if (queue.length === 0 && !conn.writableNeedDrain) for (const w of waiters.splice(0)) w.resolve();
  };
  const rx = new Receiver(socket, {
    send: (bytes) => void conn.write(bytes),
    message: onMessage,
    windowsChanged: () => {
      if (rx.greeted) clearTimeout(greeting);
      pump();
    },
    end: finish,
  });
  const timer = timeoutMs === undefined ? undefined : setTimeout(() => finish(notAnswering(socket, timeoutMs)), timeoutMs);
  const greeting = setTimeout(() => finish(notGreeting(socket, greetingMs)), greetingMs);
  conn.on('error', (err: NodeJS.ErrnoException) => finish(connectFailed(socket, err.code ?? err.message)));
  conn.on('close', () => rx.failed('the daemon closed the connection'));
  conn.on('drain', pump);
  conn.on('connect', () => {
    conn.cork();
    for (const bytes of requestHead(method, timeoutMs)) conn.write(bytes);
    connected = true;
    pump();
    conn.uncork();
  });
  conn.on('data', (chunk: Buffer) => rx.push(chunk));

  return {
    write: (message) => {
      if (settled) return failure ? Promise.reject(failure) : Promise.resolve();
      if (ending) return Promise.reject(new Error('write after end'));
      queue.push(grpcFrame(message));
      const written = new Promise<void>((resolve, reject) => waiters.push({ resolve, reject }));
      pump();
      return written;
    },
    end: () => {
      if (ending) return;
      ending = true;
      pump();
    },
    cancel: () => {
      if (settled) return;
      if (connected) conn.write(frame(FRAME_RST_STREAM, 0, STREAM, u32(8))); // CANCEL
      finish(new LatchkeyError('unavailable', 'the call to the daemon was cancelled'));
    },
    done,
  };
}

const SOCK_STREAM = 1;
const SOCK_CLOEXEC = 0o2000000;
const MSG_NOSIGNAL = 0x4000;
const POLLIN = 0x1;
const EINTR = 4;

/**
 * h2liteUnary with blocking system calls (libc.ts): connect, the whole request in one send, then poll
 * and read until the reply has ended, with the same bytes on the wire, the same deadlines and the same
 * errors. Nothing else of the process runs meanwhile. Returns undefined, having sent nothing, where the
 * call cannot be made this way (no libc binding, not Linux, a socket path longer than sun_path holds, a
 * request larger than the server's first window), for the caller to make it with h2liteUnary.
 */
export function h2liteUnaryBlocking(socket: string, method: string, request: Uint8Array, timeoutMs = 10_000, greetingMs = GREETING_TIMEOUT_MS): Uint8Array | undefined {
  if (Buffer.byteLength(socket) >= SUN_PATH_BYTES || request.length + 5 > DEFAULT_WINDOW) return undefined;
  const libc = libcSockets();
  if (!libc) return undefined;
  // errno's name (ENOENT, ...); errorName is HTTP/2's error codes.
  const errnoName = () => getSystemErrorName(-libc.errno());
  const fd = libc.socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw connectFailed(socket, errnoName());
  try {
    while (libc.connectUnix(fd, socket) !== 0) {
      if (libc.errno() !== EINTR) throw connectFailed(socket, errnoName());
    }
    let reply: Uint8Array | undefined;
    let outcome: { err?: Error } | undefined;
    let closed = false;
    /** Sends all of `bytes`, until the daemon has closed its end (what is left to read still counts). */
    const send = (bytes: Uint8Array): void => {
      for (let at = 0; at < bytes.length && !closed; ) {
        const n = libc.send(fd, at === 0 ? bytes : bytes.subarray(at), bytes.length - at, MSG_NOSIGNAL);
        if (n >= 0) at += n;
        else if (libc.errno() !== EINTR) closed = true;
      }
    };
    const rx = new Receiver(socket, {
      send,
      message: (m) => void (reply ??= m),
      windowsChanged: () => {},
      end: (err) => void (outcome = { err }),
    });
    // The whole request goes at once: it fits the window every HTTP/2 peer starts with.
    const message = grpcFrame(request);
    const data: Uint8Array[] = [];
    for (let at = 0; at < message.length || data.length === 0; at += MAX_FRAME) {
      const last = at + MAX_FRAME >= message.length;
      data.push(frame(FRAME_DATA, last ? FLAG_END_STREAM : 0, STREAM, message.subarray(at, at + MAX_FRAME)));
    }
    send(concatBytes([...requestHead(method, timeoutMs), ...data]));
    // process.hrtime, not performance.now(): the first use of `performance` loads node:perf_hooks (1.4-1.6 ms).
    const clock = () => {
      const [seconds, nanos] = process.hrtime();
      return seconds * 1000 + nanos / 1e6;
    };
    const started = clock();
    const buffer = Buffer.allocUnsafe(65_536);
    while (!outcome) {
      const now = clock() - started;
      const greetingLeft = rx.greeted ? Infinity : greetingMs - now;
      const callLeft = timeoutMs - now;
      if (callLeft <= 0) throw notAnswering(socket, timeoutMs);
      if (greetingLeft <= 0) throw notGreeting(socket, greetingMs);
      const ready = libc.poll1(fd, POLLIN, Math.ceil(Math.min(callLeft, greetingLeft)));
      if (ready < 0 && libc.errno() !== EINTR) throw connectFailed(socket, errnoName());
      if (ready <= 0) continue;
      const n = libc.read(fd, buffer, buffer.length);
      if (n < 0) {
        if (libc.errno() === EINTR) continue;
        throw connectFailed(socket, errnoName());
      }
      if (n === 0) rx.failed('the daemon closed the connection');
      else rx.push(Buffer.from(buffer.subarray(0, n)));
    }
    if (outcome.err) throw outcome.err;
    if (reply === undefined) throw new Error('truncated gRPC frame');
    return reply;
  } finally {
    libc.close(fd);
  }
}

export { DaemonNotRunning, StatusError } from './lean-errors.js';
