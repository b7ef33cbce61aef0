import { describe, it, expect } from 'vitest';
import { expectLatchkeyError } from '@latchkey/test-utils/errors';
import {
  checkTtl,
  DEFAULT_TTL_POLICY,
  formatDuration,
  isExpired,
  parseDuration,
  parseTtl,
  parseTtlText,
  relativeTime,
  systemClock,
  type Clock,
  type TtlPolicy,
} from './ttl.js';

const HOUR = 3600;
const DAY = 86400;

describe('parseDuration', () => {
  it.each([
    ['90s', 90],
    ['15m', 900],
    ['8h', 8 * HOUR],
    ['1h30m', 5400],
    ['30d', 30 * DAY],
    ['1w', 7 * DAY],
    ['1d2h3m4s', DAY + 2 * HOUR + 3 * 60 + 4],
    ['0s', 0],
    ['8H', 8 * HOUR],
    [' 15m ', 900],
    ['007s', 7],
  ])('%j is %i seconds', (text, seconds) => {
    expect(parseDuration(text)).toBe(seconds);
  });

  it.each([
    ['', /empty duration/],
    ['   ', /empty duration/],
    ['abc', /invalid duration "abc"/],
    ['h', /invalid duration/],
    ['15x', /invalid duration/],
    ['15mm', /invalid duration/],
    ['1h 30m', /invalid duration/],
    ['1.5h', /invalid duration/],
    ['-5m', /invalid duration/],
    ['-5', /invalid duration/],
    ['1e3', /invalid duration/],
    ['m15', /invalid duration/],
    ['1h30', /invalid duration/],
    ['never', /invalid duration/],
    ['5', /the duration "5" has no unit/],
    ['0', /has no unit/],
    [' 120 ', /the duration "120" has no unit/],
  ] as [string, RegExp][])('refuses %j', (text, why) => {
    const err = expectLatchkeyError(() => parseDuration(text), 'input');
    expect(err.exitCode).toBe(65);
    expect(err.message).toMatch(why);
    expect(err.hint).toMatch(/15m/);
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0s'],
    [-5, '0s'],
    [1, '1s'],
    [59, '59s'],
    [60, '1m'],
    [90, '1m30s'],
    [5400, '1h30m'],
    [12 * HOUR, '12h'],
    [DAY + 1, '1d1s'],
    [30 * DAY, '30d'],
    [61.9, '1m1s'],
  ])('formatDuration(%d) is %j', (seconds, text) => {
    expect(formatDuration(seconds)).toBe(text);
  });

  it.each([90, 5400, 8 * HOUR, 30 * DAY, DAY + 2 * HOUR + 3 * 60 + 4])('round-trips %i through parseDuration', (s) => {
    expect(parseDuration(formatDuration(s))).toBe(s);
  });
});

describe('parseTtl', () => {
  const policy: TtlPolicy = { defaultSeconds: 15 * 60, maxSeconds: 2 * HOUR };

  it('uses the default when no ttl is given', () => {
    expect(parseTtl(undefined)).toBe(12 * HOUR);
    expect(parseTtl(undefined, policy)).toBe(15 * 60);
  });

  it('has the default policy of the design: 12h default, 30d maximum', () => {
    expect(DEFAULT_TTL_POLICY).toEqual({ defaultSeconds: 12 * HOUR, maxSeconds: 30 * DAY });
  });

  it.each([
    ['90s', 90],
    ['8h', 8 * HOUR],
    ['1h30m', 5400],
    ['30d', 30 * DAY],
    ['2592000s', 30 * DAY],
    ['1s', 1],
  ])('accepts %j as %i seconds', (text, seconds) => {
    expect(parseTtl(text)).toBe(seconds);
  });

  it('accepts exactly the maximum of a custom policy', () => {
    expect(parseTtl('2h', policy)).toBe(2 * HOUR);
    expect(parseTtl('7200s', policy)).toBe(2 * HOUR);
  });

  it.each(['0', '000', '0s', '0h0m', 'never', 'NEVER', ' never ', 'forever', 'infinite', 'inf', 'none'])(
    'refuses %j: nothing lives forever',
    (text) => {
      const err = expectLatchkeyError(() => parseTtl(text), 'input');
      expect(err.exitCode).toBe(65);
      expect(err.message).toMatch(/refused/);
      expect(err.hint).toMatch(/30d/);
    },
  );

  it.each([
    ['30d1s', DEFAULT_TTL_POLICY, /ttl 30d1s is over the maximum of 30d/],
    ['2592001s', DEFAULT_TTL_POLICY, /over the maximum of 30d/],
    ['31d', DEFAULT_TTL_POLICY, /ttl 31d is over the maximum of 30d/],
    ['5w', DEFAULT_TTL_POLICY, /over the maximum/],
    ['2h1s', policy, /ttl 2h1s is over the maximum of 2h/],
    ['3h', policy, /over the maximum of 2h/],
  ] as const)('refuses %j over the maximum', (text, pol, why) => {
    const err = expectLatchkeyError(() => parseTtl(text, pol), 'input');
    expect(err.exitCode).toBe(65);
    expect(err.message).toMatch(why);
    expect(err.hint).toMatch(/maxTtl/);
  });

  it.each(['', 'soon', '1x'])('refuses garbage %j as an input error', (text) => {
    const err = expectLatchkeyError(() => parseTtl(text), 'input');
    expect(err.exitCode).toBe(65);
  });
});

describe('checkTtl', () => {
  it.each([1, 60, 30 * DAY])('accepts %i', (s) => {
    expect(checkTtl(s)).toBe(s);
  });

  it.each([0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 30 * DAY + 1])('refuses %d', (s) => {
    const err = expectLatchkeyError(() => checkTtl(s), 'input');
    expect(err.exitCode).toBe(65);
  });
});

describe('isExpired with an injected clock', () => {
  const start = Date.UTC(2030, 0, 1, 12, 0, 0);
  const ttlSeconds = 8 * HOUR;
  const expiresAt = start + ttlSeconds * 1000;
  const clockAt =
    (ms: number): Clock =>
    () =>
      ms;

  it.each([
    ['at creation', start, false],
    ['one second before expiry', expiresAt - 1000, false],
    ['one millisecond before expiry', expiresAt - 1, false],
    ['exactly at expiry', expiresAt, true],
    ['one second after expiry', expiresAt + 1000, true],
    ['a day after expiry', expiresAt + DAY * 1000, true],
  ])('%s: expired is %s', (_label, now, expired) => {
    const clock = clockAt(now);
    expect(isExpired(expiresAt, clock())).toBe(expired);
  });

  it('the system clock reads the wall clock', () => {
    const before = Date.now();
    const t = systemClock();
    expect(t).toBeGreaterThanOrEqual(before);
    expect(t).toBeLessThanOrEqual(Date.now());
  });
});

describe('relativeTime', () => {
  const now = Date.UTC(2030, 0, 1);

  it.each([
    [now, 'now'],
    [now + 400, 'now'],
    [now - 400, 'now'],
    [now + 1000, 'in 1s'],
    [now - 1000, '1s ago'],
    [now + (8 * HOUR - 60) * 1000, 'in 7h59m'],
    [now - 120 * 1000, '2m ago'],
    [now + 30 * DAY * 1000, 'in 30d'],
    [now - (DAY + HOUR) * 1000, '1d1h ago'],
  ])('relativeTime(%i) is %j', (at, text) => {
    expect(relativeTime(at, now)).toBe(text);
  });
});

describe('parseTtlText', () => {
  // Plain TTLs (`10m`) take a shortcut past the grammar; every shape near it must read as the grammar reads it.
  it.each(['1s', '10m', '8h', '30d', '2w', '999999999s', '10M', ' 10m ', '010m', '1h30m', '5', '0m', '00', 'm', '1x', '1.5h', 'never', ''])(
    'reads %j as parseDuration does, refusing what it refuses',
    (text) => {
      let expected: number | string;
      try {
        expected = parseDuration(text);
        if (expected <= 0 || /^0+$/.test(text.trim())) expected = 'refused';
      } catch {
        expected = 'refused';
      }
      let got: number | string;
      try {
        got = parseTtlText(text);
      } catch {
        got = 'refused';
      }
      expect(got).toBe(expected);
    },
  );
});
