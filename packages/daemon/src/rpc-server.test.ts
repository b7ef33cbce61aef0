// The daemon's gRPC server (rpc-server.ts) on a real Unix socket, against grpc-js's client (what
// AgentConnection uses) and a raw node:http2 client for what no Latchkey client sends: the statuses,
// metadata and trailers a client reads, the caps, the deadline, cancellation, the idle close and shutdown.
import { afterEach, describe, expect, it } from 'vitest';
import { connect as http2Connect, type ClientHttp2Session, type IncomingHttpHeaders } from 'node:http2';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect as netConnect, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { agentService, errorOfStatus, GrpcStatus } from '@latchkey/protocol';
import { GetSecretRequest, StatusResponse } from '@latchkey/protocol/messages';
import { RpcServer, type RpcCall, type RpcServerOptions } from './rpc-server.js';

type Peer = { name: string };
type Handlers = Record<string, unknown>;

const OPTIONS: RpcServerOptions = { maxMessageBytes: 1024, maxConcurrentStreams: 128, idleMs: 60_000 };
const status = (pid: number): StatusResponse => ({
  pid, socket: '', store: 'memory', storeNote: '', secrets: 0, uptimeSeconds: 0, version: 'test', stateDir: '', auditHead: '', keychain: 'unused',
});

const open: Array<() => void> = [];
afterEach(() => {
  while (open.length > 0) open.pop()?.();
});

/** An RpcServer with `handlers` (by the generated keys) behind a socket in a temp folder; each connection's peer is its number. */
async function serve(handlers: Handlers, options: Partial<RpcServerOptions> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'lk-rpc-'));
  const path = join(dir, 's.sock');
  const faults: unknown[] = [];
  const rpc = new RpcServer<Peer>({ ...OPTIONS, onFault: (err) => faults.push(err), ...options });
  const all = Object.fromEntries(Object.values(agentService()).map((m) => [m.originalName as string, () => { throw new Error(`unexpected call of ${m.path}`); }]));
  rpc.addService(agentService(), { ...all, ...handlers });
  let n = 0;
  const net: Server = createServer((socket) => rpc.accept(socket, { name: `conn-${++n}` }));
  await new Promise<void>((r) => net.listen(path, r));
  open.push(() => {
    rpc.forceShutdown();
    net.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { rpc, path, faults };
}

/** A grpc-js client of the Agent service on `path`. */
function grpcClient(path: string): grpc.Client & Record<string, Function> {
  const Agent = grpc.makeGenericClientConstructor(agentService(), 'Agent');
  const client = new Agent(`unix://${path}`, grpc.credentials.createInsecure()) as unknown as grpc.Client & Record<string, Function>;
  open.push(() => client.close());
  return client;
}

const unaryCall = <T>(client: grpc.Client & Record<string, Function>, method: string, req: object, deadlineMs = 10_000) =>
  new Promise<{ err: grpc.ServiceError | null; res?: T }>((resolve) => {
    client[method]!.call(client, req, { deadline: Date.now() + deadlineMs }, (err: grpc.ServiceError | null, res: T) => resolve({ err, res }));
  });

/** A raw HTTP/2 session on `path`. */
function rawSession(path: string): ClientHttp2Session {
  const session = http2Connect('http://localhost', { createConnection: () => netConnect(path) });
  session.on('error', () => {});
  open.push(() => session.destroy());
  return session;
}

/** One raw request: its response headers (or the trailers-only reply), trailers and body bytes. */
function rawCall(session: ClientHttp2Session, headers: Record<string, string>, body: Buffer | Buffer[]) {
  return new Promise<{ headers: IncomingHttpHeaders; trailers: IncomingHttpHeaders; body: Buffer }>((resolve, reject) => {
    const stream = session.request({ ':method': 'POST', 'content-type': 'application/grpc', te: 'trailers', ...headers });
    let got: IncomingHttpHeaders = {};
    let trailers: IncomingHttpHeaders = {};
    const chunks: Buffer[] = [];
    stream.on('response', (h) => (got = h));
    stream.on('trailers', (t) => (trailers = t));
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('error', reject);
    stream.on('close', () => resolve({ headers: got, trailers, body: Buffer.concat(chunks) }));
    for (const b of Array.isArray(body) ? body : [body]) stream.write(b);
    stream.end();
  });
}

const framed = (bytes: Uint8Array, flag = 0) => {
  const out = Buffer.alloc(5 + bytes.length);
  out[0] = flag;
  out.writeUInt32BE(bytes.length, 1);
  Buffer.from(bytes).copy(out, 5);
  return out;
};
const getBytes = (name: string) => Buffer.from(GetSecretRequest.encode({ name, cwd: '/' }).finish());

describe('RpcServer against grpc-js and raw HTTP/2', { timeout: 30_000 }, () => {
  it('answers a unary call with the handler reply, and gives the handler its request and the peer its connection was accepted with', async () => {
    const seen: Array<{ name: string; peer?: Peer }> = [];
    const { path } = await serve({
      getSecret: (call: RpcCall<GetSecretRequest, unknown, Peer>, cb: (e: null, r: unknown) => void) => {
        seen.push({ name: call.request.name, peer: call.peer });
        cb(null, { value: `v-${call.request.name}`, secret: null });
      },
    });
    const client = grpcClient(path);
    const a = await unaryCall<{ value: string }>(client, 'getSecret', { name: 'one', cwd: '/' });
    const b = await unaryCall<{ value: string }>(client, 'getSecret', { name: 'two', cwd: '/' });
    expect(a.err).toBeNull();
    expect(a.res?.value).toBe('v-one');
    expect(b.res?.value).toBe('v-two');
    // One grpc-js channel, one connection: both calls carry its peer.
    expect(seen).toEqual([{ name: 'one', peer: { name: 'conn-1' } }, { name: 'two', peer: { name: 'conn-1' } }]);
  });

  it('sends an error status with its message and metadata as grpc-js reads them', async () => {
    const details = 'no secret named "a b" (50% sure; déjà vu)';
    const { path } = await serve({
      status: (_call: unknown, cb: (e: unknown) => void) => cb({ code: GrpcStatus.NOT_FOUND, details, metadata: { 'latchkey-kind': 'notFound', 'latchkey-hint': 'run agent set a' } }),
    });
    const { err } = await unaryCall(grpcClient(path), 'status', {});
    expect(err?.code).toBe(grpc.status.NOT_FOUND);
    expect(err?.details).toBe(details);
    expect(err?.metadata.get('latchkey-kind')).toEqual(['notFound']);
    expect(err?.metadata.get('latchkey-hint')).toEqual(['run agent set a']);
  });

  it('sends metadata that is not ASCII percent-encoded, and the clients read it back as it was', async () => {
    const path = '/home/josé/项目 50%/agent.env';
    const hint = `review it, then run agent allow ${path} 🙂`;
    const { path: socket } = await serve({
      status: (_call: unknown, cb: (e: unknown) => void) =>
        cb({ code: GrpcStatus.PERMISSION_DENIED, details: `${path} is not approved`, metadata: { 'latchkey-kind': 'denied', 'latchkey-hint': hint, 'latchkey-unapproved': path } }),
    });
    const { err } = await unaryCall(grpcClient(socket), 'status', {});
    // On the wire: printable ASCII only.
    for (const key of ['latchkey-hint', 'latchkey-unapproved']) expect(String(err?.metadata.get(key)[0])).toMatch(/^[\x20-\x7e]*$/);
    expect(err?.details).toBe(`${path} is not approved`);
    const meta = (key: string) => err?.metadata.get(key)[0]?.toString();
    const read = errorOfStatus({ status: err?.code ?? 0, details: err?.details ?? '', meta }, socket);
    expect(read.kind).toBe('denied');
    expect(read.hint).toBe(hint);
    expect(read.unapprovedManifest).toBe(path);
  });

  it('sends no date header on a reply, an error or a refusal (Node would format one with Date, loading ICU time zone data)', async () => {
    const { path } = await serve({
      getSecret: (call: RpcCall<GetSecretRequest, unknown, Peer>, cb: (e: unknown, r?: unknown) => void) => {
        if (call.request.name === 'fail') cb(Object.assign(new Error('no such secret'), { code: GrpcStatus.NOT_FOUND }));
        else cb(null, { value: 'v', secret: null });
      },
    });
    const session = rawSession(path);
    const ok = await rawCall(session, { ':path': '/latchkey.v1.Agent/GetSecret' }, framed(getBytes('x')));
    const failed = await rawCall(session, { ':path': '/latchkey.v1.Agent/GetSecret' }, framed(getBytes('fail')));
    const unknown = await rawCall(session, { ':path': '/latchkey.v1.Agent/Nope' }, framed(new Uint8Array()));
    const notGrpc = await rawCall(session, { ':path': '/latchkey.v1.Agent/GetSecret', 'content-type': 'text/plain' }, Buffer.from('hello'));
    expect(ok.trailers['grpc-status']).toBe('0');
    expect(failed.trailers['grpc-status'] ?? failed.headers['grpc-status']).toBe(String(GrpcStatus.NOT_FOUND));
    expect(unknown.headers['grpc-status']).toBe(String(GrpcStatus.UNIMPLEMENTED));
    expect(notGrpc.headers[':status']).toBe(415);
    for (const r of [ok, failed, unknown, notGrpc]) {
      expect(r.headers.date).toBeUndefined();
      expect(r.trailers.date).toBeUndefined();
    }
  });

  it('refuses an unknown method (UNIMPLEMENTED), a body that is not gRPC (415), a compressed message and a bad grpc-timeout, without calling a handler', async () => {
    const { path, faults } = await serve({});
    const session = rawSession(path);
    const unknown = await rawCall(session, { ':path': '/latchkey.v1.Agent/Nope' }, framed(new Uint8Array()));
    expect(unknown.headers['grpc-status']).toBe(String(GrpcStatus.UNIMPLEMENTED));
    const notGrpc = await rawCall(session, { ':path': '/latchkey.v1.Agent/GetSecret', 'content-type': 'text/plain' }, Buffer.from('hello'));
    expect(notGrpc.headers[':status']).toBe(415);
    const compressed = await rawCall(session, { ':path': '/latchkey.v1.Agent/GetSecret' }, framed(getBytes('x'), 1));
    expect(compressed.headers['grpc-status']).toBe(String(GrpcStatus.UNIMPLEMENTED));
    const badTimeout = await rawCall(session, { ':path': '/latchkey.v1.Agent/GetSecret', 'grpc-timeout': 'soon' }, framed(getBytes('x')));
    expect(badTimeout.headers['grpc-status']).toBe(String(GrpcStatus.INTERNAL));
    expect(decodeURI(String(badTimeout.headers['grpc-message']))).toContain('Invalid grpc-timeout');
    // Every handler of this server throws: one run would be a fault reported.
    expect(faults).toEqual([]);
  });

  it('refuses a message over the cap as it arrives, and a unary call with no message, half a message or two', async () => {
    let calls = 0;
    const { path } = await serve({ getSecret: (_c: unknown, cb: (e: null, r: unknown) => void) => { calls++; cb(null, { value: 'v', secret: null }); } });
    const session = rawSession(path);
    const huge = await rawCall(session, { ':path': '/latchkey.v1.Agent/GetSecret' }, framed(getBytes('x'.repeat(2000))));
    expect(huge.headers['grpc-status']).toBe(String(GrpcStatus.RESOURCE_EXHAUSTED));
    expect(decodeURI(String(huge.headers['grpc-message']))).toContain('larger than max');
    const none = await rawCall(session, { ':path': '/latchkey.v1.Agent/GetSecret' }, []);
    const half = await rawCall(session, { ':path': '/latchkey.v1.Agent/GetSecret' }, framed(getBytes('x')).subarray(0, 7));
    const two = await rawCall(session, { ':path': '/latchkey.v1.Agent/GetSecret' }, [framed(getBytes('x')), framed(getBytes('y'))]);
    for (const r of [none, half, two]) expect(r.headers['grpc-status']).toBe(String(GrpcStatus.INTERNAL));
    expect(calls).toBe(0);
    // The same session still serves a good call.
    const good = await rawCall(session, { ':path': '/latchkey.v1.Agent/GetSecret' }, framed(getBytes('x')));
    expect(good.trailers['grpc-status']).toBe('0');
    expect(good.body.length).toBeGreaterThan(5);
    expect(calls).toBe(1);
  });

  it('starts at most handlersPerTurn handlers of a burst in one turn of the event loop, in arrival order, and answers every call', async () => {
    // The turn a handler starts in: a counter that moves on at every turn (setImmediate) while the test runs.
    let turn = 0;
    let ticking = true;
    const tick = () => {
      turn++;
      if (ticking) setImmediate(tick);
    };
    tick();
    const started: Array<{ name: string; turn: number }> = [];
    const { path } = await serve(
      {
        getSecret: (call: RpcCall<GetSecretRequest, unknown, Peer>, cb: (e: null, r: unknown) => void) => {
          started.push({ name: call.request.name, turn });
          cb(null, { value: `v-${call.request.name}`, secret: null });
        },
      },
      { handlersPerTurn: 4 },
    );
    const session = rawSession(path);
    await new Promise<void>((r) => session.once('remoteSettings', () => r()));
    // 32 requests written in one tick: one flight of frames, read by the server at once.
    const names = Array.from({ length: 32 }, (_, i) => `s${i}`);
    // The counter stops even when a call fails, so that no turn keeps the worker busy after the test.
    const replies = await Promise.all(names.map((name) => rawCall(session, { ':path': '/latchkey.v1.Agent/GetSecret' }, framed(getBytes(name))))).finally(() => {
      ticking = false;
    });
    expect(replies.map((r) => r.trailers['grpc-status'])).toEqual(names.map(() => '0'));
    expect(started.map((s) => s.name)).toEqual(names);
    const perTurn = new Map<number, number>();
    for (const s of started) perTurn.set(s.turn, (perTurn.get(s.turn) ?? 0) + 1);
    expect(Math.max(...perTurn.values())).toBeLessThanOrEqual(4);
    expect(perTurn.size).toBeGreaterThanOrEqual(8);
  });

  it('runs no handler for a call whose deadline passed while it waited for its turn', async () => {
    const ran: string[] = [];
    const { path } = await serve(
      {
        getSecret: (call: RpcCall<GetSecretRequest, unknown, Peer>, cb: (e: null, r: unknown) => void) => {
          ran.push(call.request.name);
          // The second call holds the daemon's thread past the third one's deadline before its turn.
          if (call.request.name === 'slow') for (const until = Date.now() + 100; Date.now() < until; );
          cb(null, { value: `v-${call.request.name}`, secret: null });
        },
      },
      { handlersPerTurn: 1 },
    );
    const session = rawSession(path);
    await new Promise<void>((r) => session.once('remoteSettings', () => r()));
    const getSecretPath = '/latchkey.v1.Agent/GetSecret';
    const [first, slow, late] = await Promise.all([
      rawCall(session, { ':path': getSecretPath }, framed(getBytes('first'))),
      rawCall(session, { ':path': getSecretPath }, framed(getBytes('slow'))),
      rawCall(session, { ':path': getSecretPath, 'grpc-timeout': '20m' }, framed(getBytes('late'))),
    ]);
    expect(first.trailers['grpc-status']).toBe('0');
    expect(slow.trailers['grpc-status']).toBe('0');
    expect(late.trailers['grpc-status'] ?? late.headers['grpc-status']).toBe(String(GrpcStatus.DEADLINE_EXCEEDED));
    expect(ran).toEqual(['first', 'slow']);
  });

  it('ends a call past its grpc-timeout with DEADLINE_EXCEEDED and tells the handler it was cancelled', async () => {
    let cancelled!: () => void;
    const wasCancelled = new Promise<void>((r) => (cancelled = r));
    const { path } = await serve({
      status: (call: RpcCall<unknown, unknown>) => call.once('cancelled', cancelled), // never replies
    });
    const { err } = await unaryCall(grpcClient(path), 'status', {}, 200);
    expect(err?.code).toBe(grpc.status.DEADLINE_EXCEEDED);
    await wasCancelled;
  });

  it('tells a streaming handler when its client goes away, and keeps serving other calls', async () => {
    let cancelled!: () => void;
    const wasCancelled = new Promise<void>((r) => (cancelled = r));
    const { path } = await serve({
      watchSecrets: (call: RpcCall<unknown, unknown>) => {
        call.write({ kind: 'subscribed', secret: '', manifest: '' });
        call.once('cancelled', cancelled);
      },
      status: (_c: unknown, cb: (e: null, r: unknown) => void) => cb(null, status(7)),
    });
    const client = grpcClient(path);
    const stream = client.watchSecrets!.call(client, { secrets: ['a'], manifests: [], sinceSeq: 0 }) as grpc.ClientReadableStream<{ kind: string }>;
    stream.on('error', () => {});
    const first = await new Promise<{ kind: string }>((r) => stream.once('data', r));
    expect(first.kind).toBe('subscribed');
    stream.cancel();
    await wasCancelled;
    expect((await unaryCall<StatusResponse>(client, 'status', {})).res?.pid).toBe(7);
  });

  it('carries a stream both ways: every message in order, the half-close, then the replies and OK', async () => {
    const { path } = await serve({
      scan: (call: RpcCall<{ label: string }, unknown>) => {
        const labels: string[] = [];
        call.on('data', (req: { label: string }) => labels.push(req.label));
        call.on('end', () => {
          call.write({ findings: [], summary: { sources: labels.length, bytes: 0, findings: 0, values: 0, answers: [], outOfScope: 0 } });
          call.write({ findings: labels.map((label, i) => ({ source: i, secret: label, scope: '', state: '', encoding: '', offset: 0, length: 0, line: 0, column: 0 })), summary: null });
          call.end();
        });
      },
    });
    const client = grpcClient(path);
    const stream = client.scan!.call(client) as grpc.ClientDuplexStream<object, { findings: Array<{ secret: string }>; summary: { sources: number } | null }>;
    const replies: Array<{ findings: Array<{ secret: string }>; summary: { sources: number } | null }> = [];
    stream.on('data', (r) => replies.push(r));
    const ended = new Promise<grpc.StatusObject>((r) => stream.on('status', r));
    for (let i = 0; i < 50; i++) stream.write({ mode: 'bytes', roots: [], answer: false, source: i, label: `l${i}`, data: Buffer.alloc(0), sourceEnd: false, channel: '', pieces: [] });
    stream.end();
    expect((await ended).code).toBe(grpc.status.OK);
    expect(replies[0]?.summary?.sources).toBe(50);
    expect(replies[1]?.findings.map((f) => f.secret)).toEqual(Array.from({ length: 50 }, (_, i) => `l${i}`));
  });

  it('fails the call, not the server, when a handler throws, and reports the fault', async () => {
    const { path, faults } = await serve({
      watchSecrets: () => {
        throw new Error('handler bug');
      },
      status: (_c: unknown, cb: (e: null, r: unknown) => void) => cb(null, status(9)),
    });
    const client = grpcClient(path);
    const stream = client.watchSecrets!.call(client, { secrets: [], manifests: [], sinceSeq: 0 }) as grpc.ClientReadableStream<unknown>;
    const code = await new Promise<number>((r) => stream.on('error', (e: grpc.ServiceError) => r(e.code)));
    expect(code).toBe(grpc.status.INTERNAL);
    expect(faults.map((f) => (f as Error).message)).toEqual(['handler bug']);
    expect((await unaryCall<StatusResponse>(client, 'status', {})).res?.pid).toBe(9);
  });

  it('advertises its streams per connection, and closes a connection only once it has had no call open for the idle time', async () => {
    let release!: () => void;
    const { path } = await serve(
      {
        watchSecrets: (call: RpcCall<unknown, unknown>) => {
          // Held open past several idle periods, then ended by the handler itself.
          const t = setTimeout(() => {
            call.write({ kind: 'late', secret: '', manifest: '' });
            call.end();
          }, 500);
          release = () => clearTimeout(t);
        },
      },
      { idleMs: 100 },
    );
    const session = rawSession(path);
    await new Promise<void>((r) => session.once('remoteSettings', () => r()));
    expect(session.remoteSettings.maxConcurrentStreams).toBe(128);
    const goaway = new Promise<number>((r) => session.once('goaway', () => r(Date.now())));
    const body = Buffer.from((agentService().WatchSecrets!.requestSerialize as (m: object) => Buffer)({ secrets: [], manifests: [], sinceSeq: 0 }));
    const reply = await rawCall(session, { ':path': '/latchkey.v1.Agent/WatchSecrets' }, framed(body));
    const endedAt = Date.now();
    expect(reply.trailers['grpc-status']).toBe('0');
    expect(reply.body.includes(Buffer.from('late'))).toBe(true);
    expect(await goaway).toBeGreaterThanOrEqual(endedAt);
    release();
  });

  it('shuts down: tryShutdown resolves once its connections close, and later connections are refused', async () => {
    const { rpc, path } = await serve({ status: (_c: unknown, cb: (e: null, r: unknown) => void) => cb(null, status(3)) });
    const client = grpcClient(path);
    expect((await unaryCall<StatusResponse>(client, 'status', {})).res?.pid).toBe(3);
    await new Promise<void>((r) => rpc.tryShutdown(r));
    const after = await unaryCall(grpcClient(path), 'status', {}, 2000);
    expect(after.err?.code).toBe(grpc.status.UNAVAILABLE);
  });
});
