// PutSecret's value is a proto `string`, and the decoder turns bytes that are not UTF-8 into U+FFFD
// without a word: the stored value would differ from what the client sent. This checks the raw
// request before it is decoded, so the handler can refuse it (SECURITY 47).
import type * as grpc from '@grpc/grpc-js';

/** Set on a decoded request whose string field was not valid UTF-8 on the wire. */
export const INVALID_UTF8 = Symbol('latchkey.invalidUtf8');

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Whether the length-delimited top-level field `field` of a protobuf message holds bytes that are not UTF-8. */
export function fieldIsInvalidUtf8(buf: Uint8Array, field: number): boolean {
  let i = 0;
  const varint = (): number => {
    let v = 0;
    let shift = 0;
    for (;;) {
      if (i >= buf.length) throw new RangeError('truncated varint');
      const b = buf[i++] as number;
      v += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return v;
      shift += 7;
      if (shift > 63) throw new RangeError('varint too long');
    }
  };
  try {
    while (i < buf.length) {
      const tag = varint();
      const wire = tag % 8;
      if (wire === 0) varint();
      else if (wire === 1) i += 8;
      else if (wire === 5) i += 4;
      else if (wire === 2) {
        const len = varint();
        const start = i;
        i += len;
        if (i > buf.length) return false; // malformed: the decoder reports it
        if (Math.floor(tag / 8) === field) {
          try {
            utf8.decode(buf.subarray(start, i));
          } catch {
            return true;
          }
        }
      } else return false;
    }
  } catch {
    return false;
  }
  return false;
}

/** Wraps a method's request decoder so that a request whose `field` is not UTF-8 is marked INVALID_UTF8. */
export function markInvalidUtf8(method: grpc.MethodDefinition<unknown, unknown>, field: number): void {
  const decode = method.requestDeserialize;
  method.requestDeserialize = (buf: Buffer) => {
    const request = decode(buf) as Record<PropertyKey, unknown>;
    if (fieldIsInvalidUtf8(buf, field)) request[INVALID_UTF8] = true;
    return request;
  };
}
