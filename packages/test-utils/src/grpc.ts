// A raw gRPC client of the daemon (grpc-js and proto-loader, no Latchkey client, no error mapping), for
// tests that send what the Latchkey client never would, or read statuses and metadata as they arrive.
import * as grpc from '@grpc/grpc-js';
import { protoName, type UnaryMethod } from '@latchkey/protocol';
import { loadProto } from '@latchkey/protocol/proto-loader';

/** What one raw call brought back: the status error, or the decoded (or raw) response. */
export interface RawReply<T> {
  err?: grpc.ServiceError;
  res?: T;
}

export interface RawAgent {
  /** Calls `method` (the generated lowerCamel key: `getSecret`) with a plain object request, checked by no type. */
  call(method: UnaryMethod, req: object, timeoutMs?: number): Promise<RawReply<Record<string, unknown>>>;
  /** Calls `method` with request bytes encoded by hand. */
  callBytes(method: UnaryMethod, req: Buffer, timeoutMs?: number): Promise<RawReply<Buffer>>;
  close(): void;
}

const identity = (b: Buffer) => b;

/** A raw client of the daemon on `socket`; `options` are grpc-js channel options (size caps, say). */
export function rawAgent(socket: string, options: grpc.ChannelOptions = {}): RawAgent {
  const address = `unix://${socket}`;
  const Agent = loadProto().latchkey.v1.Agent;
  const decoded = new Agent(address, grpc.credentials.createInsecure(), options) as unknown as grpc.Client & Record<string, Function>;
  let bytes: (grpc.Client & Record<string, Function>) | undefined;
  const reply =
    <T>(resolve: (r: RawReply<T>) => void) =>
    (err: grpc.ServiceError | null, res: T) =>
      resolve(err ? { err } : { res });
  return {
    call: (method, req, timeoutMs = 10_000) =>
      new Promise((resolve) => {
        const fn = decoded[method];
        if (typeof fn !== 'function') throw new Error(`the Agent service has no method ${method}`);
        fn.call(decoded, req, { deadline: Date.now() + timeoutMs }, reply(resolve));
      }),
    callBytes: (method, req, timeoutMs = 10_000) =>
      new Promise((resolve) => {
        const Raw = grpc.makeGenericClientConstructor(
          {
            [method]: {
              path: `/latchkey.v1.Agent/${protoName(method)}`,
              requestStream: false,
              responseStream: false,
              requestSerialize: identity,
              requestDeserialize: identity,
              responseSerialize: identity,
              responseDeserialize: identity,
            },
          },
          'Agent',
        );
        bytes?.close();
        bytes = new Raw(address, grpc.credentials.createInsecure(), options) as unknown as grpc.Client & Record<string, Function>;
        bytes[method]!.call(bytes, req, { deadline: Date.now() + timeoutMs }, reply(resolve));
      }),
    close() {
      decoded.close();
      bytes?.close();
    },
  };
}
