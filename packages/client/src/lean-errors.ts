// The error classes of the lean daemon clients, kept free of node:http2 so that h2lite.ts can share them.
import { decodeMetadataValue, errorOfStatus, type StatusError } from '@latchkey/protocol/lean';

export { StatusError } from '@latchkey/protocol/lean';

/** Raised when nothing listens on the socket (the caller may start the daemon). */
export class DaemonNotRunning extends Error {
  constructor(readonly socket: string, readonly code: string) {
    super(`no daemon on ${socket} (${code})`);
  }
}

/** A reader of one value from a reply's headers and trailers (trailers win), as gRPC metadata is read. */
export function replyMetadata(headers: Record<string, string | string[] | undefined>, trailers: Record<string, string | string[] | undefined>): (key: string) => string | undefined {
  const meta = { ...headers, ...trailers };
  return (key) => {
    const v = meta[key];
    return Array.isArray(v) ? v[0] : v;
  };
}

/**
 * The error a non-zero gRPC status read off HTTP/2 headers stands for (protocol's one map), with the
 * grpc-message percent-decoded as gRPC sends it.
 */
export function statusError(status: number, meta: (key: string) => string | undefined, socket: string): StatusError {
  return errorOfStatus({ status, details: decodeMetadataValue(meta('grpc-message') ?? ''), meta }, socket);
}
