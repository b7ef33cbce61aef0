import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer as createHttp2Server, type Http2Server, type ServerHttp2Stream } from 'node:http2';
import { createServer, type Server as NetServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import { MAX_MESSAGE_BYTES } from '@latchkey/protocol';
import { loadProto } from '@latchkey/protocol/proto-loader';
import { ResolveEnvRequest, ResolveEnvResponse } from '@latchkey/protocol/messages';
import { NATIVE_BUILT } from '@latchkey/test-utils/native';
import { h2liteOpen, h2liteUnary, HpackDecoder, huffmanDecode, huffmanDecodeTables, huffmanEncode, huffmanTables, type HeaderField } from './h2lite.js';
import { DaemonNotRunning, StatusError, leanUnary } from './lean.js';
import { AgentConnection } from './connection.js';
import { leanScan } from './lean-scan.js';
import type { ScanStream } from './scan-stream.js';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const text = (b: Uint8Array) => Buffer.from(b).toString('latin1');

describe('Huffman code (RFC 7541 Appendix B)', () => {
  const examples: Array<[string, string]> = [
    ['www.example.com', 'f1e3 c2e5 f23a 6ba0 ab90 f4ff'],
    ['no-cache', 'a8eb 1064 9cbf'],
    ['custom-key', '25a8 49e9 5ba9 7d7f'],
    ['custom-value', '25a8 49e9 5bb8 e8b4 bf'],
    ['302', '6402'],
    ['private', 'aec3 771a 4b'],
    ['Mon, 21 Oct 2013 20:13:21 GMT', 'd07a be94 1054 d444 a820 0595 040b 8166 e082 a62d 1bff'],
    ['https://www.example.com', '9d29 ad17 1863 c78f 0b97 c8e9 ae82 ae43 d3'],
  ];
  it.each(examples)('decodes and encodes %s', (plain, coded) => {
    expect(text(huffmanDecode(hex(coded)))).toBe(plain);
    expect(Buffer.from(huffmanEncode(Buffer.from(plain, 'latin1'))).toString('hex')).toBe(coded.replace(/\s+/g, ''));
  });

  it("decodes with literal tables equal to the canonical code's, computed from the code lengths", () => {
    const { codes: _codes, ...computed } = huffmanTables();
    expect(huffmanDecodeTables()).toEqual(computed);
    expect(computed.sorted).toHaveLength(257);
  });

  it('round-trips every octet', () => {
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    expect([...huffmanDecode(huffmanEncode(all))]).toEqual([...all]);
    const random = Uint8Array.from({ length: 5000 }, (_, i) => (i * 7919 + (i >> 3)) & 0xff);
    expect([...huffmanDecode(huffmanEncode(random))]).toEqual([...random]);
  });

  it('rejects bad padding and EOS', () => {
    expect(() => huffmanDecode(hex('f1e3 c2e5 f23a 6ba0 ab90 f4fe'))).toThrow(/padding/); // padding not all ones
    expect(() => huffmanDecode(hex('ffff ffff'))).toThrow(/EOS|padding/); // EOS (30 ones)
    expect(() => huffmanDecode(hex('1fff'))).toThrow(/padding/); // '0' then 11 bits of ones: padding > 7 bits
  });
});

describe('HPACK decoder (RFC 7541 Appendix C)', () => {
  const check = (d: HpackDecoder, block: string, fields: HeaderField[], table: HeaderField[], size: number) => {
    expect(d.decode(hex(block))).toEqual(fields);
    expect(d.table).toEqual(table);
    expect(d.size).toBe(size);
  };

  it('C.2 header field representations', () => {
    check(new HpackDecoder(), '400a 6375 7374 6f6d 2d6b 6579 0d63 7573 746f 6d2d 6865 6164 6572',
      [['custom-key', 'custom-header']], [['custom-key', 'custom-header']], 55);
    check(new HpackDecoder(), '040c 2f73 616d 706c 652f 7061 7468', [[':path', '/sample/path']], [], 0);
    check(new HpackDecoder(), '1008 7061 7373 776f 7264 0673 6563 7265 74', [['password', 'secret']], [], 0);
    check(new HpackDecoder(), '82', [[':method', 'GET']], [], 0);
  });

  const requests = (d: HpackDecoder, blocks: [string, string, string]) => {
    check(d, blocks[0], [[':method', 'GET'], [':scheme', 'http'], [':path', '/'], [':authority', 'www.example.com']],
      [[':authority', 'www.example.com']], 57);
    check(d, blocks[1], [[':method', 'GET'], [':scheme', 'http'], [':path', '/'], [':authority', 'www.example.com'], ['cache-control', 'no-cache']],
      [['cache-control', 'no-cache'], [':authority', 'www.example.com']], 110);
    check(d, blocks[2], [[':method', 'GET'], [':scheme', 'https'], [':path', '/index.html'], [':authority', 'www.example.com'], ['custom-key', 'custom-value']],
      [['custom-key', 'custom-value'], ['cache-control', 'no-cache'], [':authority', 'www.example.com']], 164);
  };
  it('C.3 requests without Huffman coding', () => {
    requests(new HpackDecoder(), [
      '8286 8441 0f77 7777 2e65 7861 6d70 6c65 2e63 6f6d',
      '8286 84be 5808 6e6f 2d63 6163 6865',
      '8287 85bf 400a 6375 7374 6f6d 2d6b 6579 0c63 7573 746f 6d2d 7661 6c75 65',
    ]);
  });
  it('C.4 requests with Huffman coding', () => {
    requests(new HpackDecoder(), [
      '8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff',
      '8286 84be 5886 a8eb 1064 9cbf',
      '8287 85bf 4088 25a8 49e9 5ba9 7d7f 8925 a849 e95b b8e8 b4bf',
    ]);
  });

  const date1 = 'Mon, 21 Oct 2013 20:13:21 GMT';
  const date2 = 'Mon, 21 Oct 2013 20:13:22 GMT';
  const loc = 'https://www.example.com';
  const cookie = 'foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1';
  const responses = (d: HpackDecoder, blocks: [string, string, string]) => {
    check(d, blocks[0], [[':status', '302'], ['cache-control', 'private'], ['date', date1], ['location', loc]],
      [['location', loc], ['date', date1], ['cache-control', 'private'], [':status', '302']], 222);
    check(d, blocks[1], [[':status', '307'], ['cache-control', 'private'], ['date', date1], ['location', loc]],
      [[':status', '307'], ['location', loc], ['date', date1], ['cache-control', 'private']], 222);
    check(d, blocks[2], [[':status', '200'], ['cache-control', 'private'], ['date', date2], ['location', loc], ['content-encoding', 'gzip'], ['set-cookie', cookie]],
      [['set-cookie', cookie], ['content-encoding', 'gzip'], ['date', date2]], 215);
  };
  it('C.5 responses with eviction (256-octet table)', () => {
    responses(new HpackDecoder(256), [
      `4803 3330 3258 0770 7269 7661 7465 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133 2032 303a 3133 3a32 3120 474d
       546e 1768 7474 7073 3a2f 2f77 7777 2e65 7861 6d70 6c65 2e63 6f6d`,
      '4803 3330 37c1 c0bf',
      `88c1 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133 2032 303a 3133 3a32 3220 474d 54c0 5a04 677a 6970 7738 666f
       6f3d 4153 444a 4b48 514b 425a 584f 5157 454f 5049 5541 5851 5745 4f49 553b 206d 6178 2d61 6765 3d33 3630 303b
       2076 6572 7369 6f6e 3d31`,
    ]);
  });
  it('C.6 responses with Huffman coding and eviction', () => {
    responses(new HpackDecoder(256), [
      `4882 6402 5885 aec3 771a 4b61 96d0 7abe 9410 54d4 44a8 2005 9504 0b81 66e0 82a6 2d1b ff6e 919d 29ad 1718 63c7
       8f0b 97c8 e9ae 82ae 43d3`,
      '4883 640e ffc1 c0bf',
      `88c1 6196 d07a be94 1054 d444 a820 0595 040b 8166 e084 a62d 1bff c05a 839b d9ab 77ad 94e7 821d d7f2 e6c7 b335
       dfdf cd5b 3960 d5af 2708 7f36 72c1 ab27 0fb5 291f 9587 3160 65c0 03ed 4ee5 b106 3d50 07`,
    ]);
  });

  it('applies dynamic table size updates', () => {
    const d = new HpackDecoder();
    d.decode(hex('400a 6375 7374 6f6d 2d6b 6579 0d63 7573 746f 6d2d 6865 6164 6572'));
    expect(d.table.length).toBe(1);
    // 0x20: size update to 0 (evicts everything), then an indexed static field.
    expect(d.decode(hex('20 82'))).toEqual([[':method', 'GET']]);
    expect(d.table).toEqual([]);
    expect(d.size).toBe(0);
    // With a zero-sized table, incremental indexing adds nothing.
    expect(d.decode(hex('400a 6375 7374 6f6d 2d6b 6579 0d63 7573 746f 6d2d 6865 6164 6572'))).toEqual([['custom-key', 'custom-header']]);
    expect(d.table).toEqual([]);
    expect(() => d.decode(hex('3fe2 1f'))).toThrow(/limit/); // 4097 > 4096
    expect(() => d.decode(hex('82 20'))).toThrow(/after a header field/);
    expect(() => new HpackDecoder().decode(hex('be'))).toThrow(/invalid index/);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// End to end against grpc-js, compared with leanUnary.

const dir = mkdtempSync(join(tmpdir(), 'h2lite-'));
type Handler = (call: grpc.ServerUnaryCall<any, any>, callback: grpc.sendUnaryData<any>) => void;
let handler: Handler = (_call, cb) => cb(null, { env: {}, warnings: [], secrets: [], manifests: [] });
type ScanHandler = (call: grpc.ServerDuplexStream<any, any>) => void;
let scanHandler: ScanHandler = (call) => call.end();
const server = new grpc.Server();
const sock = join(dir, 'agent.sock');
const silentSock = join(dir, 'silent.sock');
const silentSockets: Socket[] = [];
let silent: NetServer;

beforeAll(async () => {
  server.addService(loadProto().latchkey.v1.Agent.service, { ResolveEnv: ((call, cb) => handler(call, cb)) as Handler, Scan: ((call) => scanHandler(call)) as ScanHandler } as any);
  await new Promise<void>((resolve, reject) =>
    server.bindAsync(`unix://${sock}`, grpc.ServerCredentials.createInsecure(), (err) => (err ? reject(err) : resolve())),
  );
  silent = createServer((s) => {
    silentSockets.push(s);
    s.on('data', () => {});
  });
  await new Promise<void>((resolve) => silent.listen(silentSock, resolve));
});

afterAll(async () => {
  server.forceShutdown();
  for (const s of silentSockets) s.destroy();
  await new Promise<void>((resolve) => silent.close(() => resolve()));
  rmSync(dir, { recursive: true, force: true });
});

const request = ResolveEnvRequest.encode({ manifests: ['/repo/agent.env'], cwd: '/repo', command: 'node', allowVars: [] }).finish();

async function both(socket: string, req: Uint8Array = request, timeoutMs?: number) {
  const settle = (p: Promise<Uint8Array>) => p.then((value) => ({ value }), (error: unknown) => ({ error }));
  const lite = await settle(h2liteUnary(socket, 'ResolveEnv', req, timeoutMs));
  const lean = await settle(leanUnary(socket, 'ResolveEnv', req, timeoutMs));
  const block = await blocking(socket, req, timeoutMs);
  // The blocking call (where it takes the call) gives what h2liteUnary gives, error for error.
  if (!('fallback' in block)) expect(block).toEqual(liteOutcome(lite));
  return { lite, lean, block };
}

const errorShape = (e: unknown) => {
  const err = e as StatusError & DaemonNotRunning;
  return { ctor: err.constructor.name, message: err.message, kind: err.kind, hint: err.hint, unapproved: err.unapprovedManifest, code: err.code, socket: err.socket };
};

/** What a blocking call in a process of its own gave: the reply (base64), its error's shape, or that it left the call to h2liteUnary. */
type Blocking = ({ value: string } | { error: ReturnType<typeof errorShape> } | { fallback: true }) & { net: boolean };

/** h2lite's outcome as `blocking` reports it (JSON: no undefined fields), node:net aside. */
const liteOutcome = (r: { value: Uint8Array } | { error: unknown }) =>
  JSON.parse(JSON.stringify({ ...('value' in r ? { value: Buffer.from(r.value).toString('base64') } : { error: errorShape(r.error) }), net: false })) as Blocking;

const distH2lite = fileURLToPath(new URL('../dist/h2lite.js', import.meta.url));
const distLibc = fileURLToPath(new URL('../dist/libc.js', import.meta.url));

/**
 * h2liteUnaryBlocking of the built module, in processes of their own: it blocks its process, and the
 * servers of these tests live in this one. It runs once with each libc binding (the Node-API module
 * where the build made it, and koffi), which must give the same outcome; that outcome is returned. `net`
 * says whether the process loaded node:net.
 */
async function blocking(socket: string, req: Uint8Array = request, timeoutMs?: number, greetingMs?: number): Promise<Blocking> {
  const [any, koffi] = await Promise.all([blockingWith('any', socket, req, timeoutMs, greetingMs), blockingWith('koffi', socket, req, timeoutMs, greetingMs)]);
  expect(koffi.binding).toBe('koffi');
  expect(any.binding).toBe(NATIVE_BUILT ? 'native' : 'koffi');
  const { binding: _a, ...outcome } = any;
  const { binding: _k, ...koffiOutcome } = koffi;
  expect(koffiOutcome).toEqual(outcome);
  return outcome as Blocking;
}

function blockingWith(binding: 'any' | 'koffi', socket: string, req: Uint8Array, timeoutMs?: number, greetingMs?: number): Promise<Blocking & { binding: string }> {
  const script = `
    const { chooseLibcBinding, libcBinding } = await import(${JSON.stringify(distLibc)});
    chooseLibcBinding(${JSON.stringify(binding)});
    const { h2liteUnaryBlocking } = await import(${JSON.stringify(distH2lite)});
    const { readFileSync } = await import('node:fs');
    const input = readFileSync(0); // not process.stdin, whose stream for a pipe loads node:net
    const [socket, t, g] = process.argv.slice(1);
    const num = (x) => (x === '-' ? undefined : Number(x));
    let out;
    try {
      const v = h2liteUnaryBlocking(socket, 'ResolveEnv', input, num(t), num(g));
      out = v === undefined ? { fallback: true } : { value: Buffer.from(v).toString('base64') };
    } catch (err) {
      out = { error: { ctor: err.constructor.name, message: err.message, kind: err.kind, hint: err.hint, unapproved: err.unapprovedManifest, code: err.code, socket: err.socket } };
    }
    out.net = process.moduleLoadList.includes('NativeModule net');
    out.binding = libcBinding();
    console.log(JSON.stringify(out));`;
  return new Promise((resolve, reject) => {
    const child = execFile(process.execPath, ['--input-type=module', '-e', script, socket, String(timeoutMs ?? '-'), String(greetingMs ?? '-')], { maxBuffer: 1 << 26 }, (err, stdout) =>
      err ? reject(err) : resolve(JSON.parse(stdout) as Blocking & { binding: string }),
    );
    child.stdin?.end(req);
  });
}

describe('h2liteUnary against a grpc-js server', () => {
  it('returns a large env (near the message cap, many DATA frames) equal to what leanUnary returns', async () => {
    const env = Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`VAR_${i}`, `${i}:`.padEnd(1024, String.fromCharCode(97 + (i % 26)))]));
    env.UNICODE = 'ünïcödé ✓ \u{1F511}';
    const reply = { env, warnings: ['x expires in 5m'], secrets: ['a', 'b'], manifests: ['/repo/agent.env'], referenced: ['VAR_1', 'UNICODE'], eventSeq: 7 };
    handler = (_call, cb) => cb(null, reply);
    const { lite, lean } = await both(sock);
    expect('value' in lite && 'value' in lean).toBe(true);
    const liteValue = (lite as { value: Uint8Array }).value;
    expect(Buffer.from(liteValue).equals(Buffer.from((lean as { value: Uint8Array }).value))).toBe(true);
    expect(ResolveEnvResponse.decode(liteValue)).toEqual(reply);
    expect(liteValue.length).toBeGreaterThan(60 * 1024);
  });

  it('returns an empty env for an empty request', async () => {
    handler = (call, cb) => cb(null, { env: { GOT: String(call.request.manifests.length) }, warnings: [], secrets: [], manifests: [] });
    const req = ResolveEnvRequest.encode({ manifests: [], cwd: '', command: '', allowVars: [] }).finish();
    const { lite, lean } = await both(sock, req);
    expect(ResolveEnvResponse.decode((lite as { value: Uint8Array }).value)).toEqual({ env: { GOT: '0' }, warnings: [], secrets: [], manifests: [], referenced: [], eventSeq: 0 });
    expect(lean).toEqual(lite);
  });

  it('sends a request larger than the initial flow-control window', async () => {
    handler = (call, cb) => cb(null, { env: { CWD_LEN: String(call.request.cwd.length) }, warnings: [], secrets: [], manifests: [] });
    const req = ResolveEnvRequest.encode({ manifests: [], cwd: 'c'.repeat(200_000), command: 'x', allowVars: [] }).finish();
    const { lite, lean, block } = await both(sock, req);
    expect(ResolveEnvResponse.decode((lite as { value: Uint8Array }).value).env).toEqual({ CWD_LEN: '200000' });
    expect(lean).toEqual(lite);
    // Over the window a server starts with: left to h2liteUnary, nothing sent.
    expect(block).toEqual({ fallback: true, net: false });
  });

  it('reports an error status with the agent metadata like leanUnary', async () => {
    handler = (_call, cb) => {
      const metadata = new grpc.Metadata();
      metadata.set('latchkey-kind', 'denied');
      metadata.set('latchkey-hint', 'run agent approve /repo/agent.env');
      metadata.set('latchkey-unapproved', '/repo/agent.env');
      cb({ code: grpc.status.PERMISSION_DENIED, details: 'manifest /repo/ünï côdé 100% not approved\n(ok?)', metadata });
    };
    const { lite, lean } = await both(sock);
    expect('error' in lite).toBe(true);
    const err = (lite as { error: StatusError }).error;
    expect(err).toBeInstanceOf(StatusError);
    expect(err.kind).toBe('denied');
    expect(err.message).toBe('manifest /repo/ünï côdé 100% not approved\n(ok?)');
    expect(err.hint).toBe('run agent approve /repo/agent.env');
    expect(err.unapprovedManifest).toBe('/repo/agent.env');
    expect(errorShape(err)).toEqual(errorShape((lean as { error: unknown }).error));
  });

  it('maps a status without metadata to a kind like leanUnary', async () => {
    handler = (_call, cb) => cb({ code: grpc.status.NOT_FOUND, details: 'no such secret' });
    const { lite, lean } = await both(sock);
    expect(errorShape((lite as { error: unknown }).error)).toMatchObject({ ctor: 'StatusError', kind: 'notFound', message: 'no such secret' });
    expect(errorShape((lite as { error: unknown }).error)).toEqual(errorShape((lean as { error: unknown }).error));
  });

  it('reads trailers split into CONTINUATION frames', async () => {
    const hint = 'h'.repeat(40_000);
    handler = (_call, cb) => {
      const metadata = new grpc.Metadata();
      metadata.set('latchkey-hint', hint);
      cb({ code: grpc.status.INVALID_ARGUMENT, details: 'bad', metadata });
    };
    const { lite, lean } = await both(sock);
    expect(errorShape((lite as { error: unknown }).error)).toMatchObject({ ctor: 'StatusError', kind: 'input', message: 'bad', hint });
    expect(errorShape((lite as { error: unknown }).error)).toEqual(errorShape((lean as { error: unknown }).error));
  });

  it('raises DaemonNotRunning when the socket does not exist', async () => {
    const { lite, lean, block } = await both(join(dir, 'missing.sock'));
    expect((lite as { error: unknown }).error).toBeInstanceOf(DaemonNotRunning);
    expect(block).toMatchObject({ error: { ctor: 'DaemonNotRunning', code: 'ENOENT' } });
    expect(errorShape((lite as { error: unknown }).error)).toMatchObject({ code: 'ENOENT' });
    // leanUnary should say the same, but on Node 20.20 the request's 'error' (the pending stream canceled) wins the
    // race with the session's, so it reports 'unavailable' instead; h2liteUnary keeps the intended contract.
    expect(errorShape((lean as { error: unknown }).error).message).toMatch(/ENOENT/);
  });

  it('times out on a server that never answers', async () => {
    const { lite, lean } = await both(silentSock, request, 300);
    const shape = errorShape((lite as { error: unknown }).error);
    expect(shape).toMatchObject({ ctor: 'LatchkeyError', kind: 'unavailable', message: `the daemon did not answer within 0.3s on ${silentSock}` });
    expect(shape).toEqual(errorShape((lean as { error: unknown }).error));
  });

  it('ends a call without a deadline (a stream) when nothing on the socket greets it with SETTINGS', async () => {
    const call = h2liteOpen(silentSock, 'Scan', () => {}, undefined, 200);
    const error = await call.done.then(() => undefined, (err: unknown) => err);
    expect(errorShape(error)).toMatchObject({ ctor: 'LatchkeyError', kind: 'unavailable', message: `nothing answering on ${silentSock} spoke HTTP/2 within 0.2s` });
    // The blocking call gives up the same way, its own deadline still far.
    expect(await blocking(silentSock, request, 20_000, 200)).toMatchObject({ error: { ctor: 'LatchkeyError', kind: 'unavailable', message: `nothing answering on ${silentSock} spoke HTTP/2 within 0.2s` } });
  });

  it('makes a blocking call without loading node:net, and refuses what it cannot carry before sending anything', async () => {
    handler = (_call, cb) => cb(null, { env: { A: 'b' }, warnings: [], secrets: [], manifests: [] });
    const block = await blocking(sock);
    expect(block.net).toBe(false);
    expect(ResolveEnvResponse.decode(Buffer.from((block as { value: string }).value, 'base64')).env).toEqual({ A: 'b' });
    // sun_path holds 107 bytes and a NUL: a longer path is left to node:net (which says what is wrong with it).
    expect(await blocking(join(dir, 'x'.repeat(120)))).toEqual({ fallback: true, net: false });
  });

  it('does not load node:http2', () => {
    const dist = fileURLToPath(new URL('../dist/h2lite.js', import.meta.url));
    const out = execFileSync(process.execPath, [
      '--input-type=module', '-e',
      `await import(${JSON.stringify(dist)}); console.log(process.moduleLoadList.filter((m) => /http2/.test(m)).join(',') || 'none')`,
    ]).toString().trim();
    expect(out).toBe('none');
  });

  it("has the codec convert its strings without protobuf's TextEncoder and TextDecoder (useNodeTextEncoding)", () => {
    const messages = fileURLToPath(new URL('../../protocol/dist/generated/latchkey/v1/agent.js', import.meta.url));
    // Values over the codec's 32-character ASCII shortcut, and one that is not ASCII, both ways.
    const out = execFileSync(process.execPath, [
      '--input-type=module', '-e',
      `let made = 0;
      for (const k of ['TextEncoder', 'TextDecoder']) { const C = globalThis[k]; globalThis[k] = class extends C { constructor(...a) { super(...a); made++; } }; }
      await import(${JSON.stringify(distH2lite)});
      const { ResolveEnvResponse } = await import(${JSON.stringify(messages)});
      const env = { A: 'x'.repeat(40), B: 'ünï côdé '.repeat(5) };
      const back = ResolveEnvResponse.decode(ResolveEnvResponse.encode({ env, warnings: [], secrets: [], manifests: [], referenced: [], eventSeq: 1 }).finish());
      console.log(JSON.stringify({ made, same: JSON.stringify(back.env) === JSON.stringify(env) }));`,
    ]).toString().trim();
    expect(JSON.parse(out)).toEqual({ made: 0, same: true });
  });
});

// ---------------------------------------------------------------------------------------------------------------
// The Scan stream (bidirectional) over h2liteOpen, against grpc-js, compared with AgentConnection's.

/** A Scan server that answers each ended source with a finding naming its label, byte count and first message seen, then a summary. */
function echoScan(findingPad = 0): ScanHandler {
  return (call) => {
    const bytes = new Map<number, number>();
    const labels = new Map<number, string>();
    let messages = 0;
    let start = '';
    call.on('data', (req: any) => {
      if (messages++ === 0) start = `${req.mode}|${req.roots.join(',')}|${req.answer}`;
      for (const p of req.pieces) {
        if (p.label) labels.set(p.source, `${p.label}${p.channel ? `@${p.channel}` : ''}`);
        bytes.set(p.source, (bytes.get(p.source) ?? 0) + p.data.length);
        if (p.sourceEnd) {
          call.write({ findings: [{ source: p.source, secret: `${labels.get(p.source)}${'.'.repeat(findingPad)}`, scope: start, state: 'current', encoding: 'raw', offset: bytes.get(p.source), length: 1, line: 1, column: 1, leaseId: '' }] });
        }
      }
    });
    call.on('end', () => {
      const total = [...bytes.values()].reduce((a, b) => a + b, 0);
      call.write({ findings: [], summary: { sources: bytes.size, bytes: total, findings: labels.size, values: messages, answers: [{ secret: 's', scope: 'global', action: 'flagged', outcome: 'ok', owner: 'o', hint: 'h', leaseId: '' }], outOfScope: 2 } });
      call.end();
    });
  };
}

/** Sends `n` sources of `size` bytes (every 7th one in three sends) and finishes; the findings and summary. */
async function scanWith(stream: ScanStream, got: unknown[], n: number, size: number) {
  for (let i = 1; i <= n; i++) {
    const data = Buffer.alloc(size, i % 251);
    const source = { id: i, label: `f${i}.txt`, ...(i % 3 === 0 ? { channel: 'bash-history' } : {}) };
    if (i % 7 === 0) {
      await stream.send(source, data.subarray(0, size >> 1), false);
      await stream.send(source, data.subarray(size >> 1), false);
      await stream.send(source, new Uint8Array(0), true);
    } else await stream.send(source, data, true);
  }
  return { findings: got, summary: await stream.finish() };
}

describe('leanScan (h2liteOpen, both ways streaming) against a grpc-js server', () => {
  const start = { mode: 'staged', roots: ['/repo'], answer: true };
  const viaBoth = async (n: number, size: number) => {
    const lite: unknown[] = [];
    const fromLite = await scanWith(leanScan(sock, start, (f) => lite.push(f)), lite, n, size);
    const agent = new AgentConnection(sock);
    try {
      const grpcGot: unknown[] = [];
      const fromGrpc = await scanWith(agent.scan(start, (f) => grpcGot.push(f)), grpcGot, n, size);
      return { fromLite, fromGrpc };
    } finally {
      agent.close();
    }
  };

  it('streams 1,000 small sources and one over the flow-control windows, with findings as they come, like AgentConnection', async () => {
    scanHandler = echoScan();
    const { fromLite, fromGrpc } = await viaBoth(1000, 2000);
    expect(fromLite).toEqual(fromGrpc);
    expect(fromLite.findings).toHaveLength(1000);
    expect(fromLite.findings[2]).toMatchObject({ source: 3, secret: 'f3.txt@bash-history', scope: 'staged|/repo|true', offset: 2000 });
    expect(fromLite.summary).toMatchObject({ sources: 1000, bytes: 2_000_000, findings: 1000, outOfScope: 2 });
    expect(fromLite.summary.values).toBeGreaterThan(30); // batched into ~60 KiB messages, not one per file

    const big = await viaBoth(3, 3_000_000);
    expect(big.fromLite).toEqual(big.fromGrpc);
    expect(big.fromLite.summary).toMatchObject({ sources: 3, bytes: 9_000_000 });
  });

  it('reads replies beyond its receive window (window updates sent back)', async () => {
    scanHandler = echoScan(60_000);
    const got: unknown[] = [];
    const { summary } = await scanWith(leanScan(sock, start, (f) => got.push(f)), got, 400, 10);
    expect(got).toHaveLength(400); // 400 replies of ~60 KB: 24 MB, over the 16 MiB granted at the start
    expect(summary.sources).toBe(400);
  });

  it('rejects with the status the server ends the stream with, mid-stream, like AgentConnection', async () => {
    scanHandler = (call) => {
      call.once('data', () => {
        const metadata = new grpc.Metadata();
        metadata.set('latchkey-kind', 'denied');
        metadata.set('latchkey-hint', 'unlock it');
        call.emit('error', { code: grpc.status.PERMISSION_DENIED, details: 'the keychain is locked', metadata });
      });
    };
    const settle = async (stream: ScanStream) => {
      try {
        await scanWith(stream, [], 200, 100_000);
        return undefined;
      } catch (err) {
        return errorShape(err);
      }
    };
    const lite = await settle(leanScan(sock, start, () => {}));
    const agent = new AgentConnection(sock);
    const viaGrpc = await settle(agent.scan(start, () => {})).finally(() => agent.close());
    expect(lite).toMatchObject({ ctor: 'StatusError', kind: 'denied', message: 'the keychain is locked', hint: 'unlock it' });
    expect(lite?.message).toBe(viaGrpc?.message);
    expect(lite?.kind).toBe(viaGrpc?.kind);
  });

  it('raises DaemonNotRunning when the socket does not exist', async () => {
    const stream = leanScan(join(dir, 'missing.sock'), start, () => {});
    await expect(scanWith(stream, [], 1, 10)).rejects.toBeInstanceOf(DaemonNotRunning);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// The reply's size: the message cap (grpc-js's max_receive_message_length on both ends of the daemon's socket)
// and the frame size limit, against hand-driven servers that break them.

describe('h2liteUnary: replies at and over the message cap', () => {
  const capDir = mkdtempSync(join(tmpdir(), 'h2lite-cap-'));
  const h2Sock = join(capDir, 'h2.sock');
  const rawSock = join(capDir, 'raw.sock');
  /** What the node:http2 server does with each call's stream (after the response headers). */
  let reply: (stream: ServerHttp2Stream) => void = (stream) => stream.end();
  let h2: Http2Server;
  let raw: NetServer;
  const open: Array<{ destroy(): void }> = [];

  beforeAll(async () => {
    h2 = createHttp2Server();
    h2.on('stream', (stream) => {
      open.push(stream);
      stream.on('error', () => {}); // the client going away mid-reply
      stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
      stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
      reply(stream);
    });
    await new Promise<void>((resolve) => h2.listen(h2Sock, resolve));
    // A server whose first frame declares a 1 MiB payload (over the 16 KiB a client has not raised) and sends some of it.
    raw = createServer((s) => {
      open.push(s);
      s.on('error', () => {});
      s.on('data', () => {});
      const header = Buffer.from([0x10, 0x00, 0x00, 0x0, 0x0, 0, 0, 0, 1]);
      s.write(Buffer.concat([header, Buffer.alloc(1000)]));
    });
    await new Promise<void>((resolve) => raw.listen(rawSock, resolve));
  });

  afterAll(async () => {
    for (const s of open) s.destroy();
    await new Promise<void>((resolve) => h2.close(() => resolve()));
    await new Promise<void>((resolve) => raw.close(() => resolve()));
    rmSync(capDir, { recursive: true, force: true });
  });

  const prefix = (length: number) => {
    const p = Buffer.alloc(5);
    p.writeUInt32BE(length, 1);
    return p;
  };
  const written = (stream: ServerHttp2Stream, data: Uint8Array) => new Promise<void>((resolve) => stream.write(data, () => resolve()));

  it('reads a message of exactly the cap sent in many DATA frames, its prefix split byte by byte', async () => {
    const message = Buffer.from(Array.from({ length: MAX_MESSAGE_BYTES }, (_, i) => (i * 31 + (i >> 8)) & 0xff));
    reply = async (stream) => {
      for (const byte of prefix(message.length)) await written(stream, Buffer.from([byte]));
      for (let at = 0; at < message.length; at += 997) await written(stream, message.subarray(at, at + 997));
      stream.end();
    };
    const got = await h2liteUnary(h2Sock, 'ResolveEnv', request, 10_000);
    expect(got.length).toBe(MAX_MESSAGE_BYTES);
    expect(Buffer.from(got).equals(message)).toBe(true);
    expect(await blocking(h2Sock, request, 10_000)).toEqual({ value: message.toString('base64'), net: false });
  });

  it('refuses a reply whose declared length is over the cap as soon as the prefix arrives, without waiting for the rest', async () => {
    // The prefix and a little of the body, then nothing: a client that buffered until the message was whole would wait
    // until its deadline.
    reply = (stream) => stream.write(Buffer.concat([prefix(MAX_MESSAGE_BYTES + 1), Buffer.alloc(100)]));
    const err = await h2liteUnary(h2Sock, 'ResolveEnv', request, 20_000).then(() => undefined, (e: unknown) => e);
    expect(errorShape(err)).toMatchObject({
      ctor: 'LatchkeyError',
      kind: 'exhausted',
      message: `the daemon's reply of ${MAX_MESSAGE_BYTES + 1} bytes is over the ${MAX_MESSAGE_BYTES}-byte message cap`,
    });
    expect(await blocking(h2Sock, request, 20_000)).toEqual(liteOutcome({ error: err }));
  });

  it('refuses a reply message over the cap on a stream too (each message is capped, not the whole reply)', async () => {
    const small = Buffer.alloc(40_000, 7);
    reply = async (stream) => {
      for (let i = 0; i < 3; i++) await written(stream, Buffer.concat([prefix(small.length), small]));
      await written(stream, prefix(0xffffffff));
    };
    const got: number[] = [];
    const call = h2liteOpen(h2Sock, 'Scan', (m) => void got.push(m.length));
    call.end();
    const err = await call.done.then(() => undefined, (e: unknown) => e);
    expect(got).toEqual([40_000, 40_000, 40_000]);
    expect(errorShape(err)).toMatchObject({ kind: 'exhausted', message: expect.stringMatching(/reply of 4294967295 bytes is over the/) });
  });

  it('refuses a frame over the frame size limit before its payload arrives', async () => {
    const err = await h2liteUnary(rawSock, 'ResolveEnv', request, 20_000).then(() => undefined, (e: unknown) => e);
    expect(errorShape(err)).toMatchObject({ ctor: 'LatchkeyError', kind: 'unavailable', message: expect.stringMatching(/a frame of 1048576 bytes, over the 16384-byte limit/) });
    expect(await blocking(rawSock, request, 20_000)).toEqual(liteOutcome({ error: err }));
  });
});
