// gRPC's length-prefixed message framing, for the clients that speak HTTP/2 themselves (the exec path's
// h2lite and the lean oracle client) without grpc-js.

/** Largest message either side accepts (SECURITY.md: 64 KiB cap, plus framing for metadata). */
export const MAX_MESSAGE_BYTES = 64 * 1024 + 4096;

/** Wraps a message in gRPC's length-prefixed framing (uncompressed). */
export function grpcFrame(message: Uint8Array): Uint8Array {
  const out = new Uint8Array(5 + message.length);
  new DataView(out.buffer).setUint32(1, message.length);
  out.set(message, 5);
  return out;
}

/** Extracts the first message of a gRPC response body. */
export function grpcUnframe(body: Uint8Array): Uint8Array {
  if (body.length < 5) throw new Error('truncated gRPC frame');
  if (body[0] !== 0) throw new Error('compressed gRPC frames are not supported');
  const len = new DataView(body.buffer, body.byteOffset, body.byteLength).getUint32(1);
  if (body.length < 5 + len) throw new Error('truncated gRPC frame');
  return body.subarray(5, 5 + len);
}
