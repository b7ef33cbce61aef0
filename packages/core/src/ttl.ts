// Durations and expiry. The clock is always passed in, so the rules are testable.
import { inputError } from './errors.js';

/** A source of the current time in milliseconds since the epoch. */
export type Clock = () => number;

export const systemClock: Clock = () => Date.now();

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };

/**
 * Parses `90s`, `15m`, `8h`, `30d` or `1h30m` into seconds. A bare number is refused: `--ttl 5` is as likely
 * to mean minutes as seconds, and a guess here sets how long a credential lives.
 */
export function parseDuration(text: string): number {
  const raw = text.trim().toLowerCase();
  if (raw === '') throw inputError('empty duration', 'use a duration like 15m, 8h or 30d');
  if (/^\d+$/.test(raw)) {
    const n = Number(raw);
    throw inputError(`the duration ${JSON.stringify(text.trim())} has no unit`, `did you mean ${n}s or ${n}m? (units: s, m, h, d, w, e.g. 15m)`);
  }
  const re = /(\d+)([smhdw])/gy;
  let total = 0;
  let consumed = 0;
  for (let m = re.exec(raw); m; m = re.exec(raw)) {
    total += Number(m[1]) * (UNITS[m[2] as string] as number);
    consumed = re.lastIndex;
  }
  if (consumed !== raw.length || consumed === 0) {
    throw inputError(`invalid duration ${JSON.stringify(text)}`, 'use a duration like 15m, 8h or 30d');
  }
  return total;
}

/** Formats seconds as the largest whole units, e.g. 5400 -> "1h30m". */
export function formatDuration(seconds: number): string {
  if (seconds <= 0) return '0s';
  let rest = Math.floor(seconds);
  let out = '';
  for (const [unit, size] of [['d', 86400], ['h', 3600], ['m', 60], ['s', 1]] as const) {
    if (rest >= size) {
      out += `${Math.floor(rest / size)}${unit}`;
      rest %= size;
    }
  }
  return out;
}

/** The TTL limits in force. */
export interface TtlPolicy {
  defaultSeconds: number;
  maxSeconds: number;
}

export const DEFAULT_TTL_POLICY: TtlPolicy = { defaultSeconds: 12 * 3600, maxSeconds: 30 * 86400 };

const NEVER = new Set(['never', 'forever', 'infinite', 'inf', 'none']);

/**
 * `10m` or `8h` (a whole number from 1, no leading zero, then one lower-case unit) in seconds, or 0 for
 * anything else. What nearly every TTL in a manifest looks like, read without a regex: a manifest of
 * thousands of references parses each of them on its first run.
 */
function simpleTtl(text: string): number {
  const n = text.length;
  if (n < 2 || n > 10) return 0;
  const unit = UNITS[text[n - 1] as string] ?? 0;
  const first = text.charCodeAt(0);
  if (unit === 0 || first < 49 || first > 57) return 0;
  let value = first - 48;
  for (let i = 1; i < n - 1; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return 0;
    value = value * 10 + (c - 48);
  }
  return value * unit;
}

/** Parses a user's TTL text into seconds, refusing "never" and 0; the policy's maximum is checked elsewhere. */
export function parseTtlText(text: string): number {
  const simple = simpleTtl(text);
  if (simple > 0) return simple;
  const t = text.trim().toLowerCase();
  if (/^0+$/.test(t)) throw inputError('a ttl of 0 is refused: every secret expires', 'use a ttl like 8h or 30d');
  if (NEVER.has(t)) {
    throw inputError('a ttl of "never" is refused: every secret expires', 'use a ttl like 8h or 30d');
  }
  const seconds = parseDuration(t);
  if (seconds <= 0) throw inputError('a ttl of 0 is refused: every secret expires', 'use a ttl like 8h or 30d');
  return seconds;
}

/**
 * Turns a user's TTL text into seconds under the policy: absent means the default,
 * "0", "never" or anything over the maximum is refused (nothing lives forever).
 */
export function parseTtl(text: string | undefined, policy: TtlPolicy = DEFAULT_TTL_POLICY): number {
  if (text === undefined) return policy.defaultSeconds;
  return checkTtl(parseTtlText(text), policy);
}

/** Checks a TTL in seconds against the policy. */
export function checkTtl(seconds: number, policy: TtlPolicy = DEFAULT_TTL_POLICY): number {
  if (!Number.isInteger(seconds) || seconds <= 0) {
    throw inputError('a ttl of 0 is refused: every secret expires', `use a ttl up to ${formatDuration(policy.maxSeconds)}`);
  }
  if (seconds > policy.maxSeconds) {
    throw inputError(
      `ttl ${formatDuration(seconds)} is over the maximum of ${formatDuration(policy.maxSeconds)}`,
      'raise maxTtl in config.json or use a shorter ttl',
    );
  }
  return seconds;
}

/** True when a secret expiring at `expiresAtMs` may no longer be served at `now`. */
export function isExpired(expiresAtMs: number, now: number): boolean {
  return now >= expiresAtMs;
}

/** Human text for an expiry relative to now: "in 7h59m" or "2m ago". */
export function relativeTime(atMs: number, now: number): string {
  const delta = Math.round((atMs - now) / 1000);
  if (delta === 0) return 'now';
  return delta > 0 ? `in ${formatDuration(delta)}` : `${formatDuration(-delta)} ago`;
}
