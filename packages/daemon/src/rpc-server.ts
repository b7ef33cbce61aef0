// The daemon's gRPC server: the HTTP/2 of gRPC over node:http2, for the Agent service only (unary, server
// streaming and both-ways streaming calls; identity encoding), in place of grpc-js's server. An empty
// grpc-js server held 51.4 MB RSS on Node 20 and 63.4 MB on Node 24 against 43.8 and 54.0 MB for an empty
// node:http2 one; in the daemon, which loads node:http2 either way, the idle RSS moved 1.6-2.1 MB and
// IssueTempKey at 64 in flight went from 75-79% to 87-90% of a bare grpc-js server on Node 20 (README,
// Speed). Clients still speak to it with grpc-js (AgentConnection) or h2lite; the wire is gRPC's as
// grpc-js's server writes it: `content-type: application/grpc+proto`, a trailers-only reply for an error
// before any message, and `grpc-status` / `grpc-message` (percent-encoded) / the error's metadata in the trailers.
import { EventEmitter } from 'node:events';
import * as http2 from 'node:http2';
import type { Socket } from 'node:net';
import { encodeMetadataValue, GrpcStatus } from '@latchkey/protocol';
import { grpcFrame } from '@latchkey/protocol/lean';
import { TurnBudget } from './turn-budget.js';

/** A method as the service definition gives it (agentService(): path, streaming, codecs). */
export interface RpcMethod {
  path: string;
  requestStream: boolean;
  responseStream: boolean;
  requestDeserialize: (bytes: Buffer) => unknown;
  responseSerialize: (message: never) => Buffer;
}

/** How a call ends when it does not end well: a gRPC status, its message and text metadata. */
export interface RpcStatus {
  code: number;
  details: string;
  metadata?: Record<string, string>;
}

/** The options the daemon gives: its message cap, streams per connection and idle connection timeout. */
export interface RpcServerOptions {
  /** Largest message, in bytes, either way (past it: RESOURCE_EXHAUSTED). */
  maxMessageBytes: number;
  /** HTTP/2 streams (calls) one connection may have open at once. */
  maxConcurrentStreams: number;
  /** A connection with no call open for this long is closed (GOAWAY, then the close). */
  idleMs: number;
  /** Told of a fault in the server's own handling of a call (the call is failed as internal). */
  onFault?: (err: unknown) => void;
  /** Handlers of unary and server-streaming calls started in one turn of the event loop (turn-budget.ts); HANDLERS_PER_TURN when absent. */
  handlersPerTurn?: number;
}

/**
 * The budget per turn when the options give none. IssueTempKey at 64 in flight against bare grpc-js, one
 * run of six rounds each (Node 20): 2 per turn 105.3%, 4 112.0%, 8 108.1%, 16 93.0%.
 */
const HANDLERS_PER_TURN = 8;

// No `date` header (respond's sendDate: false): gRPC has no use for it, and Node makes it with Date's
// toUTCString, whose first call loads V8's time zone data from ICU (0.9 MB RSS that stays; iso-time.ts).
// (sendDate is an option of Node's respond() that @types/node does not list; a spread passes it through.)
const NO_DATE = { sendDate: false };
const RESPONSE_HEADERS = {
  ':status': 200,
  'content-type': 'application/grpc+proto',
  'grpc-accept-encoding': 'identity',
  'grpc-encoding': 'identity',
};

/** gRPC's timeout header: up to 8 digits and a unit. */
const TIMEOUT = /^(\d{1,8})([HMSmun])$/;
const TIMEOUT_UNIT_MS: Record<string, number> = { H: 3_600_000, M: 60_000, S: 1000, m: 1, u: 0.001, n: 0.000001 };

/**
 * One call: its request (for a unary or server-streaming method), its peer, and the ways to answer.
 * Emits 'data' (each request message of a client-streaming call), 'end' (the client's half-close of one),
 * 'cancelled' (the client or its connection went away, or the deadline passed, before the call ended), and
 * 'close' once the call is over, however it ended.
 */
export class RpcCall<Req, Res, P = unknown> extends EventEmitter {
  request!: Req;
  /** Whether the call ended from the client's side (or its deadline) before the server ended it. */
  cancelled = false;
  private ended = false;
  private headersSent = false;
  private trailers: Record<string, string | number> | undefined;
  private deadline: NodeJS.Timeout | undefined;

  constructor(
    private readonly stream: http2.ServerHttp2Stream,
    private readonly method: RpcMethod,
    private readonly maxMessageBytes: number,
    readonly peer: P | undefined,
  ) {
    super();
  }

  /** Sends one response message; false when the stream asks the writer to wait (as a stream's write does). */
  write(message: Res): boolean {
    const body = this.encode(message);
    if (!body) return false;
    this.sendHeaders();
    return this.stream.write(grpcFrame(body));
  }

  /** Ends the call well (status OK) after the messages written. */
  end(): void {
    this.finish({ 'grpc-status': GrpcStatus.OK, 'grpc-message': 'OK' });
  }

  /** Ends the call with an error status (trailers-only when nothing was sent yet). */
  fail(status: RpcStatus): void {
    const trailers: Record<string, string | number> = {};
    for (const [key, value] of Object.entries(status.metadata ?? {})) trailers[key] = encodeMetadataValue(value);
    this.finish({ ...trailers, 'grpc-status': status.code, 'grpc-message': percentEncoded(status.details) });
  }

  /** A unary reply: the message and OK, or the error's status. */
  reply(err: RpcStatus | null, message?: Res): void {
    if (err) {
      this.fail(err);
      return;
    }
    const body = this.encode(message as Res);
    if (!body) return;
    this.sendHeaders();
    this.trailers = { 'grpc-status': GrpcStatus.OK, 'grpc-message': 'OK' };
    this.settle();
    this.stream.end(grpcFrame(body));
  }

  /** The encoded message, or undefined when the call is over or the call was failed for it (too big, or not encodable). */
  private encode(message: Res): Buffer | undefined {
    if (this.ended) return undefined;
    let body: Buffer;
    try {
      body = (this.method.responseSerialize as (m: Res) => Buffer)(message);
    } catch {
      this.fail({ code: GrpcStatus.INTERNAL, details: 'Error serializing response' });
      return undefined;
    }
    if (body.length > this.maxMessageBytes) {
      this.fail({ code: GrpcStatus.RESOURCE_EXHAUSTED, details: `Sent message larger than max (${body.length} vs. ${this.maxMessageBytes})` });
      return undefined;
    }
    return body;
  }

  /** @internal Starts the deadline of a `grpc-timeout` header; false when the header is not one. */
  startDeadline(header: string | string[] | undefined): boolean {
    if (header === undefined) return true;
    const m = typeof header === 'string' ? TIMEOUT.exec(header) : null;
    if (!m) return false;
    const ms = Number(m[1]) * (TIMEOUT_UNIT_MS[m[2] as string] as number);
    this.deadline = setTimeout(() => {
      if (this.ended) return;
      this.finish({ 'grpc-status': GrpcStatus.DEADLINE_EXCEEDED, 'grpc-message': 'Deadline exceeded' });
      this.cancelled = true;
      this.emit('cancelled');
    }, Math.max(0, Math.ceil(ms)));
    this.deadline.unref();
    return true;
  }

  /** @internal The stream closed: a call not ended by the server was cancelled. */
  closed(): void {
    if (!this.ended) {
      this.settle();
      this.cancelled = true;
      this.emit('cancelled');
    }
    this.emit('close');
  }

  private sendHeaders(): void {
    if (this.headersSent) return;
    this.headersSent = true;
    this.stream.respond(RESPONSE_HEADERS, { waitForTrailers: true, ...NO_DATE });
    this.stream.once('wantTrailers', () => {
      if (this.trailers && !this.stream.destroyed) this.stream.sendTrailers(this.trailers);
    });
  }

  private settle(): void {
    this.ended = true;
    if (this.deadline) clearTimeout(this.deadline);
  }

  private finish(trailers: Record<string, string | number>): void {
    if (this.ended) return;
    this.settle();
    if (this.stream.destroyed || this.stream.closed) return;
    if (this.headersSent) {
      this.trailers = trailers;
      this.stream.end();
    } else {
      this.headersSent = true;
      this.stream.respond({ ...RESPONSE_HEADERS, ...trailers }, { endStream: true, ...NO_DATE });
    }
  }
}

/** A unary handler: the call's request, and the callback its reply or error goes to (grpc-js's shape). */
export type UnaryHandler<Req, Res, P = unknown> = (call: RpcCall<Req, Res, P>, callback: (err: RpcStatus | null, res?: Res) => void) => void;
/** A streaming handler (server streaming or both ways): writes, ends or fails the call itself. */
export type StreamHandler<Req, Res, P = unknown> = (call: RpcCall<Req, Res, P>) => void;

/** grpc-message's percent-encoding (encodeURI, as grpc-js's server), with any lone surrogate made U+FFFD first. */
function percentEncoded(details: string): string {
  try {
    return encodeURI(details);
  } catch {
    return encodeURI(details.replace(/[\uD800-\uDFFF]/g, '\uFFFD'));
  }
}

/**
 * Splits a call's request bytes into messages as they arrive; `onMessage` gets each, `onError` the status
 * for a message over the cap or a compressed one (identity is the only encoding offered).
 */
class MessageReader {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private need = -1;

  constructor(
    private readonly maxBytes: number,
    private readonly onMessage: (bytes: Buffer) => void,
    private readonly onError: (status: RpcStatus) => void,
  ) {}

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    for (;;) {
      if (this.need < 0) {
        if (this.buffered < 5) return;
        const head = this.take(5);
        if (head[0] !== 0) {
          this.refuse({ code: GrpcStatus.UNIMPLEMENTED, details: 'compressed messages are not accepted (grpc-encoding identity only)' });
          return;
        }
        this.need = head.readUInt32BE(1);
        if (this.need > this.maxBytes) {
          this.refuse({ code: GrpcStatus.RESOURCE_EXHAUSTED, details: `Received message larger than max (${this.need} vs. ${this.maxBytes})` });
          return;
        }
      }
      if (this.buffered < this.need) return;
      const body = this.take(this.need);
      this.need = -1;
      this.onMessage(body);
    }
  }

  /** Fails the call for the message just begun and drops what was buffered of it; nothing more is read. */
  private refuse(status: RpcStatus): void {
    this.chunks = [];
    this.buffered = 0;
    this.need = Number.POSITIVE_INFINITY;
    this.onError(status);
  }

  /** Whether part of a message is still waiting for its bytes. */
  get partial(): boolean {
    return this.buffered > 0 || this.need >= 0;
  }

  private take(n: number): Buffer {
    if (n === 0) return Buffer.alloc(0);
    const first = this.chunks[0] as Buffer;
    let out: Buffer;
    if (first.length >= n) {
      out = first.subarray(0, n);
      if (first.length === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
    } else {
      out = Buffer.allocUnsafe(n);
      let at = 0;
      while (at < n) {
        const c = this.chunks[0] as Buffer;
        const k = Math.min(c.length, n - at);
        c.copy(out, at, 0, k);
        at += k;
        if (k === c.length) this.chunks.shift();
        else this.chunks[0] = c.subarray(k);
      }
    }
    this.buffered -= n;
    return out;
  }
}

interface Registered {
  method: RpcMethod;
  handler: UnaryHandler<unknown, unknown> | StreamHandler<unknown, unknown>;
}

/** Per connection: its peer, its open calls, and its idle timer. */
interface SessionState<P> {
  peer: P | undefined;
  open: number;
  idle: NodeJS.Timeout;
}

/** The server: methods added by path, connections handed to it already accepted (`accept`). */
export class RpcServer<P = unknown> {
  private readonly h2: http2.Http2Server;
  private readonly methods = new Map<string, Registered>();
  private readonly sessions = new Map<http2.ServerHttp2Session, SessionState<P>>();
  private readonly budget: TurnBudget;
  private accepting: P | undefined;
  private closing = false;
  private drained: (() => void) | undefined;

  constructor(private readonly options: RpcServerOptions) {
    this.budget = new TurnBudget(options.handlersPerTurn ?? HANDLERS_PER_TURN);
    this.h2 = http2.createServer({
      settings: { maxConcurrentStreams: options.maxConcurrentStreams },
      // As grpc-js: Node's session memory check refuses streams under load in ways a client cannot tell
      // from a fault; the message cap and the streams per connection bound a connection instead.
      maxSessionMemory: Number.MAX_SAFE_INTEGER,
    });
    this.h2.on('session', (session: http2.ServerHttp2Session) => this.opened(session));
    this.h2.on('stream', (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders) => this.call(stream, headers));
  }

  /** Adds the methods of `definition` (by the .proto's names) with the handlers keyed by `originalName`. */
  addService(definition: Record<string, RpcMethod & { originalName?: string }>, handlers: Record<string, unknown>): void {
    for (const method of Object.values(definition)) {
      const handler = handlers[method.originalName ?? ''];
      if (typeof handler !== 'function') throw new Error(`no handler for ${method.path}`);
      this.methods.set(method.path, { method, handler: handler as Registered['handler'] });
    }
  }

  /** Takes over an accepted connection (its first bytes may already be buffered), with its peer. */
  accept(socket: Socket, peer: P | undefined): void {
    if (this.closing) {
      socket.destroy();
      return;
    }
    this.accepting = peer;
    try {
      this.h2.emit('connection', socket);
    } finally {
      this.accepting = undefined;
    }
  }

  /** Closes every connection once its calls end (GOAWAY first); resolves when all are closed. */
  tryShutdown(done: () => void): void {
    this.closing = true;
    if (this.sessions.size === 0) {
      done();
      return;
    }
    this.drained = done;
    for (const session of this.sessions.keys()) session.close();
  }

  /** Closes every connection now, calls and all. */
  forceShutdown(): void {
    this.closing = true;
    for (const session of this.sessions.keys()) session.destroy();
  }

  private opened(session: http2.ServerHttp2Session): void {
    const state: SessionState<P> = {
      peer: this.accepting,
      open: 0,
      idle: setTimeout(() => {
        if (state.open === 0) session.close();
      }, this.options.idleMs),
    };
    state.idle.unref();
    this.sessions.set(session, state);
    session.on('error', () => {});
    session.once('close', () => {
      clearTimeout(state.idle);
      this.sessions.delete(session);
      if (this.sessions.size === 0 && this.drained) {
        const done = this.drained;
        this.drained = undefined;
        done();
      }
    });
  }

  private call(stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders): void {
    stream.on('error', () => {});
    const state = this.sessions.get(stream.session as http2.ServerHttp2Session);
    if (state) {
      state.open += 1;
      stream.once('close', () => {
        state.open -= 1;
        if (state.open === 0) state.idle.refresh();
      });
    }
    const contentType = headers['content-type'];
    if (typeof contentType !== 'string' || !contentType.startsWith('application/grpc')) {
      stream.respond({ ':status': 415 }, { endStream: true, ...NO_DATE });
      return;
    }
    const path = headers[':path'] ?? '';
    const found = this.methods.get(path);
    if (!found) {
      stream.respond({ ...RESPONSE_HEADERS, 'grpc-status': GrpcStatus.UNIMPLEMENTED, 'grpc-message': percentEncoded(`The server does not implement the method ${path}`) }, { endStream: true, ...NO_DATE });
      return;
    }
    const { method, handler } = found;
    const call = new RpcCall<unknown, unknown, P>(stream, method, this.options.maxMessageBytes, state?.peer);
    stream.once('close', () => call.closed());
    if (!call.startDeadline(headers['grpc-timeout'])) {
      call.fail({ code: GrpcStatus.INTERNAL, details: `Invalid grpc-timeout value "${String(headers['grpc-timeout'])}"` });
      return;
    }
    if (headers['grpc-encoding'] !== undefined && headers['grpc-encoding'] !== 'identity') {
      call.fail({ code: GrpcStatus.UNIMPLEMENTED, details: `the grpc-encoding ${String(headers['grpc-encoding'])} is not accepted (identity only)` });
      return;
    }
    const decode = (bytes: Buffer): { ok: true; value: unknown } | { ok: false } => {
      try {
        return { ok: true, value: method.requestDeserialize(bytes) };
      } catch {
        call.fail({ code: GrpcStatus.INTERNAL, details: 'Error deserializing request' });
        return { ok: false };
      }
    };
    let failed = false;
    const reject = (status: RpcStatus) => {
      failed = true;
      call.fail(status);
    };
    // A fault of the server's own (or of a streaming handler's synchronous part) fails this call, not the daemon.
    const guarded = <A extends unknown[]>(fn: (...args: A) => void) => (...args: A): void => {
      try {
        fn(...args);
      } catch (err) {
        this.options.onFault?.(err);
        reject({ code: GrpcStatus.INTERNAL, details: 'internal error in the daemon (see daemon.log)' });
      }
    };

    if (method.requestStream) {
      const reader = new MessageReader(this.options.maxMessageBytes, (bytes) => {
        const msg = decode(bytes);
        if (msg.ok) call.emit('data', msg.value);
        else failed = true;
      }, reject);
      stream.on('data', guarded((chunk: Buffer) => {
        if (!failed) reader.push(chunk);
      }));
      stream.once('end', guarded(() => {
        if (!failed) call.emit('end');
      }));
      guarded(handler as StreamHandler<unknown, unknown>)(call);
      return;
    }

    // Unary and server streaming: one request message, read whole before the handler runs.
    let request: Buffer | undefined;
    let extra = false;
    const reader = new MessageReader(this.options.maxMessageBytes, (bytes) => {
      if (request === undefined) request = bytes;
      else extra = true;
    }, reject);
    stream.on('data', guarded((chunk: Buffer) => {
      if (!failed) reader.push(chunk);
    }));
    stream.once('end', guarded(() => {
      if (failed || call.cancelled) return;
      if (request === undefined || extra || reader.partial) {
        reject({ code: GrpcStatus.INTERNAL, details: request === undefined || reader.partial ? 'the call ended without a whole request message' : 'a unary call carried more than one request message' });
        return;
      }
      const msg = decode(request);
      if (!msg.ok) return;
      call.request = msg.value;
      // Started within this turn's budget, else in a later turn (turn-budget.ts); a call cancelled
      // meanwhile (its deadline, the client's reset) runs no handler.
      this.budget.run(guarded(() => {
        if (call.cancelled) return;
        if (method.responseStream) (handler as StreamHandler<unknown, unknown>)(call);
        else (handler as UnaryHandler<unknown, unknown>)(call, (err, res) => call.reply(err, res));
      }));
    }));
  }
}
