// PutSecret's value is a proto `string`, and the decoder turns bytes that are not UTF-8 into U+FFFD
// without a word: the stored value would differ from what the client sent. This checks the raw
// request before it is decoded, so the handler can refuse it (SECURITY 47).
import { BinaryReader, WireType } from '@bufbuild/protobuf/wire';

/** Set on a decoded request whose string field was not valid UTF-8 on the wire. */
export const INVALID_UTF8 = Symbol('latchkey.invalidUtf8');

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Whether the length-delimited top-level field `field` of a protobuf message holds bytes that are not UTF-8. */
export function fieldIsInvalidUtf8(buf: Uint8Array, field: number): boolean {
  const reader = new BinaryReader(buf);
  try {
    while (reader.pos < reader.len) {
      const [no, type] = reader.tag();
      if (no !== field || type !== WireType.LengthDelimited) {
        reader.skip(type, no);
        continue;
      }
      try {
        utf8.decode(reader.bytes());
      } catch (err) {
        if (err instanceof TypeError) return true;
        throw err;
      }
    }
  } catch {
    return false; // malformed: the decoder reports it
  }
  return false;
}

/** Wraps a method's request decoder so that a request whose `field` is not UTF-8 is marked INVALID_UTF8. */
export function markInvalidUtf8(method: { requestDeserialize: (buf: Buffer) => unknown }, field: number): void {
  const decode = method.requestDeserialize;
  method.requestDeserialize = (buf: Buffer) => {
    const request = decode(buf) as Record<PropertyKey, unknown>;
    if (fieldIsInvalidUtf8(buf, field)) request[INVALID_UTF8] = true;
    return request;
  };
}
