// UnarySession against real HTTP/2 servers on temp Unix sockets (node:http2, as the daemon's rpc-server
// is): replies, the daemon's statuses with their metadata, deadlines, the message cap, a daemon that is
// not there, calls the server refused unprocessed (sent again once, on a new session), and an idle
// session that does not hold the process.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, constants, type Http2Server, type ServerHttp2Session, type ServerHttp2Stream } from 'node:http2';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { grpcFrame } from '@latchkey/protocol/lean';
import { UnarySession, unaryChannel } from './unary-session.js';

const dirs: string[] = [];
const servers: Http2Server[] = [];
const sessions: UnarySession[] = [];
afterEach(async () => {
  for (const s of sessions.splice(0)) s.close();
  for (const srv of servers.splice(0)) await new Promise((r) => srv.close(r));
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempSocket(): string {
  const dir = mkdtempSync(join(tmpdir(), 'lk-unary-'));
  dirs.push(dir);
  return join(dir, 's.sock');
}

/** A server on a temp socket whose streams go to `onStream`; counts sessions and streams. */
async function serve(onStream: (stream: ServerHttp2Stream, session: ServerHttp2Session, n: number) => void) {
  const socket = tempSocket();
  const server = createServer();
  const seen = { sessions: 0, streams: 0 };
  server.on('session', () => seen.sessions++);
  server.on('stream', (stream) => {
    stream.on('error', () => {}); // a reset the test makes
    seen.streams++;
    const n = seen.streams;
    stream.resume();
    stream.on('end', () => onStream(stream, stream.session as ServerHttp2Session, n));
  });
  await new Promise<void>((r) => server.listen(socket, r));
  servers.push(server);
  return { socket, seen };
}

/** A unary OK reply carrying `message`. */
function ok(stream: ServerHttp2Stream, message: Uint8Array): void {
  stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
  stream.once('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
  stream.end(grpcFrame(message));
}

const session = (socket: string) => {
  const s = new UnarySession(socket);
  sessions.push(s);
  return s;
};
const bytes = (s: string) => new Uint8Array(Buffer.from(s));

describe('UnarySession', () => {
  it('sends the gRPC request and returns the reply, many calls over one session', async () => {
    const { socket, seen } = await serve((stream) => ok(stream, bytes('pong')));
    const headers: Array<Record<string, unknown>> = [];
    servers[0]!.on('stream', (_s, h) => headers.push(h));
    const u = session(socket);
    for (let i = 0; i < 5; i++) expect(Buffer.from(await u.call('/latchkey.v1.Agent/Status', bytes('ping'), 5000)).toString()).toBe('pong');
    expect(seen).toEqual({ sessions: 1, streams: 5 });
    expect(headers[0]).toMatchObject({ ':method': 'POST', ':path': '/latchkey.v1.Agent/Status', 'content-type': 'application/grpc', te: 'trailers' });
    expect(headers[0]!['grpc-timeout']).toMatch(/^\d{1,8}m$/);
  });

  it("gives the daemon's status as its error, with the kind and hint of its metadata, whether in trailers or trailers-only", async () => {
    const { socket } = await serve((stream, _session, n) => {
      const status = { 'grpc-status': '5', 'grpc-message': encodeURI('no secret named "x y"'), 'latchkey-kind': 'notFound', 'latchkey-hint': 'run agent ls' };
      if (n === 1) {
        stream.respond({ ':status': 200, 'content-type': 'application/grpc', ...status }, { endStream: true });
      } else {
        stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
        stream.once('wantTrailers', () => stream.sendTrailers(status));
        stream.end();
      }
    });
    const u = session(socket);
    for (let i = 0; i < 2; i++) {
      const err = await u.call('/latchkey.v1.Agent/GetSecret', bytes(''), 5000).catch((e: unknown) => e);
      expect(err).toMatchObject({ kind: 'notFound', message: 'no secret named "x y"', hint: 'run agent ls' });
    }
  });

  it('fails a call past its deadline as the daemon not answering, and serves the next', async () => {
    const { socket } = await serve((stream, _s, n) => {
      if (n === 1) return; // never answers
      ok(stream, bytes('late but fine'));
    });
    const u = session(socket);
    const t0 = Date.now();
    const err = await u.call('/latchkey.v1.Agent/Status', bytes(''), 300).catch((e: unknown) => e);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(290);
    expect(err).toMatchObject({ kind: 'unavailable', status: 4 });
    expect(Buffer.from(await u.call('/latchkey.v1.Agent/Status', bytes(''), 5000)).toString()).toBe('late but fine');
  });

  it('refuses to send or take a message over the cap, as grpc-js does', async () => {
    const { socket, seen } = await serve((stream) => {
      // A frame header announcing 1 MiB: refused on its 5 bytes, before the rest arrives.
      stream.respond({ ':status': 200, 'content-type': 'application/grpc' });
      const head = Buffer.alloc(5);
      head.writeUInt32BE(1 << 20, 1);
      stream.write(head);
    });
    const u = session(socket);
    const sent = await u.call('/latchkey.v1.Agent/PutSecret', new Uint8Array(200 * 1024), 5000).catch((e: unknown) => e);
    expect(sent).toMatchObject({ kind: 'exhausted', message: expect.stringContaining('Sent message larger than max') });
    expect(seen.streams).toBe(0);
    const received = await u.call('/latchkey.v1.Agent/Status', bytes(''), 5000).catch((e: unknown) => e);
    expect(received).toMatchObject({ kind: 'exhausted', message: expect.stringContaining('Received message larger than max') });
  });

  it('says the daemon does not answer when nothing listens, and reaches it once it does', async () => {
    const socket = tempSocket();
    const u = session(socket);
    const err = await u.call('/latchkey.v1.Agent/Status', bytes(''), 5000).catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: 'unavailable', message: `the daemon does not answer on ${socket}` });
    const server = createServer();
    server.on('stream', (stream) => {
      stream.resume();
      stream.on('end', () => ok(stream, bytes('up')));
    });
    await new Promise<void>((r) => server.listen(socket, r));
    servers.push(server);
    expect(Buffer.from(await u.call('/latchkey.v1.Agent/Status', bytes(''), 5000)).toString()).toBe('up');
  });

  it('sends a call again, once, on a new session when the server refused it unprocessed', async () => {
    const { socket, seen } = await serve((stream, _s, n) => {
      if (n === 1) stream.close(constants.NGHTTP2_REFUSED_STREAM);
      else ok(stream, bytes(`answered ${n}`));
    });
    const u = session(socket);
    expect(Buffer.from(await u.call('/latchkey.v1.Agent/Status', bytes(''), 5000)).toString()).toBe('answered 2');
    expect(seen.streams).toBe(2);
  });

  it('does not send again a call the server failed after taking it (a reset other than REFUSED_STREAM)', async () => {
    const { socket, seen } = await serve((stream) => stream.close(constants.NGHTTP2_INTERNAL_ERROR));
    const u = session(socket);
    const err = await u.call('/latchkey.v1.Agent/IssueTempKey', bytes(''), 5000).catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: 'unavailable' });
    expect(seen.streams).toBe(1);
  });

  it('opens a new session after the server closed the old one with a GOAWAY (an idle connection)', async () => {
    let closed!: () => void;
    const firstClosed = new Promise<void>((r) => (closed = r));
    const { socket, seen } = await serve((stream, srvSession, n) => {
      ok(stream, bytes(`answered ${n}`));
      if (n === 1) {
        srvSession.once('close', () => closed());
        stream.once('close', () => srvSession.close()); // a GOAWAY once the call is done
      }
    });
    const u = session(socket);
    expect(Buffer.from(await u.call('/latchkey.v1.Agent/Status', bytes(''), 5000)).toString()).toBe('answered 1');
    await firstClosed; // the server's side of the first session is gone
    expect(Buffer.from(await u.call('/latchkey.v1.Agent/Status', bytes(''), 5000)).toString()).toBe('answered 2');
    expect(seen.sessions).toBe(2);
  });

  it('does not keep a process alive once its calls are done, as a grpc-js channel does not', async () => {
    const { socket } = await serve((stream) => ok(stream, bytes('bye')));
    const program = `
      const { UnarySession } = await import(${JSON.stringify(new URL('../dist/unary-session.js', import.meta.url).href)});
      const u = new UnarySession(${JSON.stringify(socket)});
      const reply = await u.call('/latchkey.v1.Agent/Status', new Uint8Array(0), 5000);
      process.stdout.write(Buffer.from(reply).toString());
      // no close(): the process must still exit
    `;
    // Asynchronously: the server answering it is in this process.
    const r = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = execFile(process.execPath, ['--input-type=module', '-e', program], { encoding: 'utf8', timeout: 20_000 }, (_err, stdout, stderr) => resolve({ code: child.exitCode, stdout, stderr }));
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('bye');
  });
});

describe('unaryChannel', () => {
  it('gives the connections of one process to one socket one session, open until the last is closed', async () => {
    const { socket, seen } = await serve((stream) => ok(stream, bytes('shared')));
    const channels = Array.from({ length: 100 }, () => unaryChannel(socket));
    const replies = await Promise.all(channels.map((c) => c.call('/latchkey.v1.Agent/Status', bytes(''), 5000)));
    expect(replies.map((r) => Buffer.from(r).toString())).toEqual(Array(100).fill('shared'));
    expect(seen.sessions).toBe(1);
    for (const c of channels.slice(1)) c.close();
    await expect(channels[1]!.call('/latchkey.v1.Agent/Status', bytes(''), 5000)).rejects.toMatchObject({ kind: 'unavailable' });
    expect(Buffer.from(await channels[0]!.call('/latchkey.v1.Agent/Status', bytes(''), 5000)).toString()).toBe('shared');
    expect(seen.sessions).toBe(1);
    channels[0]!.close();
    // A later connection opens a session of its own.
    const later = unaryChannel(socket);
    try {
      expect(Buffer.from(await later.call('/latchkey.v1.Agent/Status', bytes(''), 5000)).toString()).toBe('shared');
      expect(seen.sessions).toBe(2);
    } finally {
      later.close();
    }
  });
});
