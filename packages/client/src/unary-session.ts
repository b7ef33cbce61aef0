// AgentConnection's unary calls over one node:http2 session of its own, without grpc-js: a Status call
// took 0.56 against 0.90 ms at p50 (1.22 against 1.85 ms at p95, 500 calls each, interleaved, Node 20),
// which every temporary key, database user and secret a test suite asks for pays. The wire is what
// grpc-js sends (application/grpc, te: trailers, grpc-timeout) and the errors are grpc-js's: a status
// from the daemon goes through protocol's one map with its metadata (statusError), a call that cannot
// reach the daemon or outlives its deadline is UNAVAILABLE or DEADLINE_EXCEEDED through the same map,
// and a message over MAX_MESSAGE_BYTES either way is RESOURCE_EXHAUSTED, as grpc-js's caps make it.
//
// The session opens on the first call and again after the daemon closed it (an idle connection gets a
// GOAWAY, a restarted daemon is a new socket). A call the daemon refused unprocessed, which HTTP/2 says
// may be sent again (REFUSED_STREAM, or a GOAWAY naming an earlier last stream), goes once more over a
// new session, as grpc-js does; any other failure is the call's. Like a grpc-js channel, the session
// keeps the process alive only while a call is in flight, and the connections of one process to one
// socket share it (grpc-js shares a subchannel among channels of one target): a test suite's hundred
// AgentConnections are one connection, under the daemon's per-process cap.
import { connect as http2Connect, constants, type ClientHttp2Session, type ClientHttp2Stream, type IncomingHttpHeaders } from 'node:http2';
import { connect as netConnect } from 'node:net';
import { errorOfStatus, GrpcStatus, grpcFrame, grpcUnframe, MAX_MESSAGE_BYTES, type StatusError } from '@latchkey/protocol/lean';
import { replyMetadata, statusError } from './lean-errors.js';

/** The error grpc-js would give for a call that failed on this side with `status`. */
function localError(status: number, details: string, socket: string): StatusError {
  return errorOfStatus({ status, details, meta: () => undefined }, socket);
}

interface Session {
  http2: ClientHttp2Session;
  /** Calls in flight on it (the session holds the event loop only while there are some). */
  active: number;
  /** The daemon said it will take no stream after this id (GOAWAY). */
  lastStreamId?: number;
}

/** The outcome of one attempt: a reply, an error, or "not processed: send it again". */
type Attempt = { reply: Uint8Array } | { error: Error } | { retry: true };

export class UnarySession {
  private session: Session | undefined;
  private closed = false;

  constructor(private readonly socket: string) {}

  /** Calls `path` with an encoded request; resolves with the encoded reply, or rejects with a StatusError. */
  async call(path: string, request: Uint8Array, timeoutMs: number): Promise<Uint8Array> {
    if (request.length > MAX_MESSAGE_BYTES) {
      throw localError(GrpcStatus.RESOURCE_EXHAUSTED, `Sent message larger than max (${request.length} vs. ${MAX_MESSAGE_BYTES})`, this.socket);
    }
    const deadline = Date.now() + timeoutMs;
    for (let attempt = 0; ; attempt++) {
      const outcome = await this.attempt(path, request, deadline);
      if ('reply' in outcome) return outcome.reply;
      if ('error' in outcome) throw outcome.error;
      if (attempt >= 1) throw localError(GrpcStatus.UNAVAILABLE, 'the call was refused twice unprocessed', this.socket);
    }
  }

  /** Closes the session; calls in flight fail as UNAVAILABLE, later calls too. */
  close(): void {
    this.closed = true;
    const s = this.session;
    this.session = undefined;
    s?.http2.destroy();
  }

  private open(): Session {
    const current = this.session;
    if (current && !current.http2.closed && !current.http2.destroyed && current.lastStreamId === undefined) return current;
    const http2 = http2Connect('http://localhost', {
      createConnection: () => netConnect(this.socket),
      settings: { enablePush: false },
      maxSessionMemory: 64,
    });
    const s: Session = { http2, active: 0 };
    http2.unref();
    // A session error reaches each stream of it as the stream's error or close; nothing to do here.
    http2.on('error', () => {});
    http2.on('goaway', (_code: number, lastStreamId: number) => {
      s.lastStreamId = lastStreamId;
      if (this.session === s) this.session = undefined;
    });
    http2.on('close', () => {
      if (this.session === s) this.session = undefined;
    });
    this.session = s;
    return s;
  }

  private attempt(path: string, request: Uint8Array, deadline: number): Promise<Attempt> {
    if (this.closed) return Promise.resolve({ error: localError(GrpcStatus.UNAVAILABLE, 'the connection was closed', this.socket) });
    const left = deadline - Date.now();
    if (left <= 0) return Promise.resolve({ error: localError(GrpcStatus.DEADLINE_EXCEEDED, 'Deadline exceeded', this.socket) });
    const s = this.open();
    let stream: ClientHttp2Stream;
    try {
      stream = s.http2.request({
        [constants.HTTP2_HEADER_METHOD]: 'POST',
        [constants.HTTP2_HEADER_PATH]: path,
        [constants.HTTP2_HEADER_CONTENT_TYPE]: 'application/grpc',
        te: 'trailers',
        'grpc-timeout': `${Math.max(1, Math.ceil(left))}m`,
      });
    } catch {
      // The session closed between the check and the request (ERR_HTTP2_GOAWAY_SESSION and kin): nothing was sent.
      if (this.session === s) this.session = undefined;
      return Promise.resolve({ retry: true });
    }
    if (s.active++ === 0) s.http2.ref();
    return new Promise<Attempt>((resolve) => {
      let settled = false;
      let headers: IncomingHttpHeaders = {};
      let trailers: IncomingHttpHeaders = {};
      let responded = false;
      const chunks: Buffer[] = [];
      let received = 0;
      const finish = (outcome: Attempt) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (--s.active === 0 && !s.http2.destroyed) s.http2.unref();
        if (!stream.closed) stream.close(constants.NGHTTP2_CANCEL);
        resolve(outcome);
      };
      const timer = setTimeout(() => finish({ error: localError(GrpcStatus.DEADLINE_EXCEEDED, 'Deadline exceeded', this.socket) }), deadline - Date.now());
      stream.on('response', (h) => {
        responded = true;
        headers = h;
      });
      stream.on('trailers', (t) => (trailers = t));
      let sized = false;
      stream.on('data', (chunk: Buffer) => {
        received += chunk.length;
        chunks.push(chunk);
        if (sized || received < 5) return;
        sized = true;
        const length = (chunks.length === 1 ? chunk : Buffer.concat(chunks)).readUInt32BE(1);
        if (length > MAX_MESSAGE_BYTES) finish({ error: localError(GrpcStatus.RESOURCE_EXHAUSTED, `Received message larger than max (${length} vs. ${MAX_MESSAGE_BYTES})`, this.socket) });
      });
      stream.on('error', () => {}); // what it means is read at close
      stream.on('close', () => {
        if (settled) return;
        const refused = stream.rstCode === constants.NGHTTP2_REFUSED_STREAM || (s.lastStreamId !== undefined && stream.id !== undefined && stream.id > s.lastStreamId);
        if (!responded) {
          finish(refused ? { retry: true } : { error: localError(GrpcStatus.UNAVAILABLE, 'the daemon closed the connection', this.socket) });
          return;
        }
        const one = replyMetadata(headers, trailers);
        const status = Number(one('grpc-status') ?? Number.NaN);
        if (!Number.isInteger(status)) {
          finish({ error: localError(GrpcStatus.INTERNAL, 'the reply carried no grpc-status', this.socket) });
          return;
        }
        if (status !== 0) {
          finish({ error: statusError(status, one, this.socket) });
          return;
        }
        try {
          finish({ reply: grpcUnframe(Buffer.concat(chunks)) });
        } catch (err) {
          finish({ error: localError(GrpcStatus.INTERNAL, `Response message parsing error: ${(err as Error).message}`, this.socket) });
        }
      });
      stream.end(grpcFrame(request));
    });
  }
}

/** One AgentConnection's use of the session shared by every connection of this process to `socket`. */
export interface UnaryChannel {
  call(path: string, request: Uint8Array, timeoutMs: number): Promise<Uint8Array>;
  /** Releases it; the session closes with the last one. Later calls fail as UNAVAILABLE. */
  close(): void;
}

const shared = new Map<string, { session: UnarySession; users: number }>();

/** A channel over the session of this process to `socket`, opened with its first user. */
export function unaryChannel(socket: string): UnaryChannel {
  let entry = shared.get(socket);
  if (!entry) {
    entry = { session: new UnarySession(socket), users: 0 };
    shared.set(socket, entry);
  }
  const e = entry;
  e.users++;
  let released = false;
  return {
    call: (path, request, timeoutMs) =>
      released ? Promise.reject(localError(GrpcStatus.UNAVAILABLE, 'the connection was closed', socket)) : e.session.call(path, request, timeoutMs),
    close: () => {
      if (released) return;
      released = true;
      if (--e.users > 0) return;
      e.session.close();
      if (shared.get(socket) === e) shared.delete(socket);
    },
  };
}
