// One unary gRPC call over the daemon's socket with node:http2 alone, without grpc-js or proto-loader.
// `agent exec` uses h2lite.ts (no node:http2 at all); this client is kept as the independent oracle
// that h2lite.test.ts compares every reply and error against.
import { connect as http2Connect, constants } from 'node:http2';
import { connect as netConnect } from 'node:net';
import { LatchkeyError } from '@latchkey/core/errors';
import { grpcFrame, grpcUnframe } from '@latchkey/protocol/lean';
import { DaemonNotRunning, replyMetadata, statusError } from './lean-errors.js';

export { DaemonNotRunning, StatusError } from './lean-errors.js';

/** The outcome of a lean call that reached the daemon. */
export interface LeanReply {
  message: Uint8Array;
}


/** Calls `/latchkey.v1.Agent/<method>` with an encoded request; resolves with the encoded reply. */
export function leanUnary(socket: string, method: string, request: Uint8Array, timeoutMs = 10_000): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const session = http2Connect('http://localhost', { createConnection: () => netConnect(socket) });
    const finish = (err: Error | undefined, value?: Uint8Array) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      session.close();
      session.destroy();
      if (err) reject(err);
      else resolve(value as Uint8Array);
    };
    const timer = setTimeout(
      () => finish(new LatchkeyError('unavailable', `the daemon did not answer within ${timeoutMs / 1000}s on ${socket}`, 'run agent daemon status')),
      timeoutMs,
    );
    session.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT' || err.code === 'ECONNREFUSED') finish(new DaemonNotRunning(socket, err.code));
      else finish(new LatchkeyError('unavailable', `cannot talk to the daemon on ${socket}: ${err.code ?? err.message}`, 'run agent daemon status'));
    });
    const req = session.request({
      [constants.HTTP2_HEADER_METHOD]: 'POST',
      [constants.HTTP2_HEADER_PATH]: `/latchkey.v1.Agent/${method}`,
      [constants.HTTP2_HEADER_CONTENT_TYPE]: 'application/grpc',
      te: 'trailers',
      'grpc-timeout': `${timeoutMs}m`,
    });
    const chunks: Buffer[] = [];
    let headers: Record<string, string | string[] | undefined> = {};
    req.on('response', (h) => (headers = h));
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('error', (err) => finish(new LatchkeyError('unavailable', `the call to the daemon failed: ${err.message}`, 'run agent daemon status')));
    req.on('end', () => {
      const one = replyMetadata(headers, trailers);
      const status = Number(one('grpc-status') ?? NaN);
      if (status === 0) {
        try {
          finish(undefined, grpcUnframe(Buffer.concat(chunks)));
        } catch (err) {
          finish(err as Error);
        }
        return;
      }
      finish(statusError(status, one, socket));
    });
    let trailers: Record<string, string | string[] | undefined> = {};
    req.on('trailers', (t) => (trailers = t));
    req.end(grpcFrame(request));
  });
}
