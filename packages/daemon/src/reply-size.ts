// Whether a reply fits the 64 KiB message cap, decided before the server serializes it: past the cap the server (rpc-server.ts)
// fails the call with "Sent message larger than max", which a client can only report as a daemon fault.
// A reply that cannot fit is refused as bad input instead, naming what is too big.
import { MAX_MESSAGE_BYTES } from '@latchkey/protocol';

/** Bounds of the encoded size of a plain message object (strings, numbers, booleans, arrays, nested messages, string maps). */
export interface SizeBounds {
  low: number;
  high: number;
}

/**
 * Walks a reply as proto3 encodes it: a non-empty string is at least its bytes plus tag and length (2) and
 * at most plus 6; a number at most 11; a nested message at least 2 and at most 6 of framing; a string
 * map's key at most its bytes plus 12. Fields left at their default may be omitted, so they count
 * nothing towards the low bound.
 */
export function sizeBounds(value: unknown, stopAbove = Number.POSITIVE_INFINITY): SizeBounds {
  const out = { low: 0, high: 0, stopAbove };
  walk(value, out);
  return { low: out.low, high: out.high };
}

/** A walk in progress; it stops early once the low bound passes `stopAbove` (the answer is known then). */
interface Walk extends SizeBounds {
  stopAbove: number;
}

function walk(value: unknown, out: Walk): void {
  if (typeof value === 'string') {
    if (value === '') return;
    const bytes = Buffer.byteLength(value, 'utf8');
    out.low += bytes + 2;
    out.high += bytes + 6;
  } else if (typeof value === 'number' || typeof value === 'bigint') {
    out.high += 11;
  } else if (typeof value === 'boolean') {
    out.high += 2;
  } else if (Array.isArray(value)) {
    for (const item of value) {
      if (item !== null && typeof item === 'object') {
        out.low += 2;
        out.high += 6;
      }
      walk(item, out);
      if (out.low > out.stopAbove) return;
    }
  } else if (value !== null && typeof value === 'object') {
    for (const [key, field] of Object.entries(value as Record<string, unknown>)) {
      // A string map's entry encodes its key, framed: the high bound counts that for every field, as
      // the walk cannot tell a map from a message.
      out.high += Buffer.byteLength(key, 'utf8') + 12;
      if (field !== null && typeof field === 'object' && !Array.isArray(field)) {
        out.low += 2;
        out.high += 6;
      }
      walk(field, out);
    }
  }
}

/** Encoded bytes a reply may take: the cap less room for the gRPC framing. */
export const REPLY_BUDGET = MAX_MESSAGE_BYTES - 1024;

/**
 * Throws `tooBig()` when `reply` cannot fit the budget. Between the bounds the reply is encoded with
 * `serialize` (the service's own serializer) to decide; a reply well under the cap costs only the walk.
 */
export function assertFitsReply<T>(reply: T, serialize: (reply: T) => Uint8Array, tooBig: () => Error): T {
  const { low, high } = sizeBounds(reply, REPLY_BUDGET);
  if (high <= REPLY_BUDGET) return reply;
  if (low > REPLY_BUDGET || serialize(reply).length > REPLY_BUDGET) throw tooBig();
  return reply;
}
