// Random text for keys and lease ids, from the OS CSPRNG in 4 KiB refills instead of one crypto.randomBytes
// per value: randomBytes(32) took 3.2-5.0 us on this machine (Node 20 and 24), a slice of the pool 0.2-0.8
// us, and IssueTempKey asks for two (the lease id, the key). Each byte is handed out once and zeroed as it
// is handed out, so the pool never holds a value that was served; what it holds are bytes no one has seen.
import { randomFillSync } from 'node:crypto';

const POOL_BYTES = 4096;
/** Values longer than this come straight from randomFillSync, bypassing the pool. */
const POOLED_MAX = 256;

const pool = Buffer.allocUnsafeSlow(POOL_BYTES);
let used = POOL_BYTES; // empty until the first call

/** `n` random bytes (n >= 1) encoded as `encoding`; the bytes leave no copy behind. */
export function randomText(n: number, encoding: 'hex' | 'base64url'): string {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`randomText: ${n} bytes`);
  if (n > POOLED_MAX) {
    const bytes = randomFillSync(Buffer.allocUnsafeSlow(n));
    const text = bytes.toString(encoding);
    bytes.fill(0);
    return text;
  }
  if (used + n > POOL_BYTES) {
    randomFillSync(pool);
    used = 0;
  }
  const slice = pool.subarray(used, used + n);
  used += n;
  const text = slice.toString(encoding);
  slice.fill(0);
  return text;
}
