import { describe, it, expect } from 'vitest';
import { expectLatchkeyError } from '@latchkey/test-utils/errors';
import { DEFAULT_CONFIG, parseConfig, type Config } from './config.js';

const HOUR = 3600;
const DAY = 86400;

describe('parseConfig', () => {
  it('auditSyslog: off by default, true is /dev/log, an absolute socket path is kept, anything else is refused', () => {
    expect(parseConfig({}).auditSyslog).toBeUndefined();
    expect(parseConfig({ auditSyslog: false }).auditSyslog).toBeUndefined();
    expect(parseConfig({ auditSyslog: true }).auditSyslog).toBe('/dev/log');
    expect(parseConfig({ auditSyslog: '/run/systemd/journal/dev-log' }).auditSyslog).toBe('/run/systemd/journal/dev-log');
    for (const bad of ['dev/log', '', 1, `/${'x'.repeat(120)}`]) expect(() => parseConfig({ auditSyslog: bad })).toThrow(/auditSyslog must be/);
  });

  it('names no path by default (the daemon then uses its safe default)', () => {
    expect(parseConfig({}).path).toBeUndefined();
    expect('path' in parseConfig({})).toBe(false);
  });

  it('has the defaults of the design: 12h default, 30d maximum, store auto, no masking', () => {
    expect(DEFAULT_CONFIG).toEqual({ ttl: { defaultSeconds: 12 * HOUR, maxSeconds: 30 * DAY }, store: 'auto', mask: false, manifestMaxBytes: 262144, leases: { total: 20000, perProcess: 10000 }, connections: { idleSeconds: 300, perProcess: 64 } });
  });

  it.each<[string, unknown, Config]>([
    ['no file', undefined, DEFAULT_CONFIG],
    ['null', null, DEFAULT_CONFIG],
    ['an empty object', {}, DEFAULT_CONFIG],
    ['unknown keys only', { colour: 'blue' }, DEFAULT_CONFIG],
    [
      'string durations',
      { defaultTtl: '8h', maxTtl: '7d' },
      { ttl: { defaultSeconds: 8 * HOUR, maxSeconds: 7 * DAY }, store: 'auto', mask: false, manifestMaxBytes: 262144, leases: { total: 20000, perProcess: 10000 }, connections: { idleSeconds: 300, perProcess: 64 } },
    ],
    [
      'compound string durations',
      { defaultTtl: '1h30m', maxTtl: '1w' },
      { ttl: { defaultSeconds: 5400, maxSeconds: 7 * DAY }, store: 'auto', mask: false, manifestMaxBytes: 262144, leases: { total: 20000, perProcess: 10000 }, connections: { idleSeconds: 300, perProcess: 64 } },
    ],
    [
      'bare-seconds strings',
      { defaultTtl: '900', maxTtl: '3600' },
      { ttl: { defaultSeconds: 900, maxSeconds: 3600 }, store: 'auto', mask: false, manifestMaxBytes: 262144, leases: { total: 20000, perProcess: 10000 }, connections: { idleSeconds: 300, perProcess: 64 } },
    ],
    [
      'numbers in seconds',
      { defaultTtl: 600, maxTtl: 7200 },
      { ttl: { defaultSeconds: 600, maxSeconds: 7200 }, store: 'auto', mask: false, manifestMaxBytes: 262144, leases: { total: 20000, perProcess: 10000 }, connections: { idleSeconds: 300, perProcess: 64 } },
    ],
    [
      'a default exactly at the maximum',
      { defaultTtl: '2h', maxTtl: '2h' },
      { ttl: { defaultSeconds: 2 * HOUR, maxSeconds: 2 * HOUR }, store: 'auto', mask: false, manifestMaxBytes: 262144, leases: { total: 20000, perProcess: 10000 }, connections: { idleSeconds: 300, perProcess: 64 } },
    ],
    [
      'a maximum under the built-in default lowers the default',
      { maxTtl: '1h' },
      { ttl: { defaultSeconds: HOUR, maxSeconds: HOUR }, store: 'auto', mask: false, manifestMaxBytes: 262144, leases: { total: 20000, perProcess: 10000 }, connections: { idleSeconds: 300, perProcess: 64 } },
    ],
    [
      'a maximum over 30d',
      { maxTtl: '90d' },
      { ttl: { defaultSeconds: 12 * HOUR, maxSeconds: 90 * DAY }, store: 'auto', mask: false, manifestMaxBytes: 262144, leases: { total: 20000, perProcess: 10000 }, connections: { idleSeconds: 300, perProcess: 64 } },
    ],
    ['store keychain', { store: 'keychain' }, { ...DEFAULT_CONFIG, store: 'keychain' }],
    ['store memory', { store: 'memory' }, { ...DEFAULT_CONFIG, store: 'memory' }],
    ['store auto', { store: 'auto' }, { ...DEFAULT_CONFIG, store: 'auto' }],
    ['mask true', { mask: true, manifestMaxBytes: 262144 }, { ...DEFAULT_CONFIG, mask: true, manifestMaxBytes: 262144, leases: { total: 20000, perProcess: 10000 }, connections: { idleSeconds: 300, perProcess: 64 } }],
    ['mask false', { mask: false }, { ...DEFAULT_CONFIG, mask: false }],
    ['a path', { path: '/opt/tools/bin:/usr/bin' }, { ...DEFAULT_CONFIG, path: '/opt/tools/bin:/usr/bin' }],
    ['a one-folder path', { path: '/usr/bin' }, { ...DEFAULT_CONFIG, path: '/usr/bin' }],
    ['lease caps', { maxLeases: 50, maxLeasesPerProcess: 5 }, { ...DEFAULT_CONFIG, leases: { total: 50, perProcess: 5 } }],
    ['connection limits', { connectionIdle: '90s', maxConnectionsPerProcess: 8 }, { ...DEFAULT_CONFIG, connections: { idleSeconds: 90, perProcess: 8 } }],
  ])('reads %s', (_label, raw, config) => {
    expect(parseConfig(raw)).toEqual(config);
  });

  it.each<[string, unknown, RegExp]>([
    ['a string document', 'store=memory', /must hold a JSON object/],
    ['a zero lease cap', { maxLeases: 0 }, /maxLeases must be a positive whole number/],
    ['a fractional lease cap', { maxLeasesPerProcess: 1.5 }, /maxLeasesPerProcess must be a positive whole number/],
    ['an array', [], /must hold a JSON object/],
    ['a number', 42, /must hold a JSON object/],
    ['a bad store', { store: 'disk' }, /store must be "keychain", "memory" or "auto"/],
    ['a store in capitals', { store: 'Keychain' }, /store must be/],
    ['a store as a boolean', { store: true }, /store must be/],
    ['a mask as a string', { mask: 'yes' }, /mask must be true or false/],
    ['a default over the maximum', { defaultTtl: '31d' }, /ttl 31d is over the maximum of 30d/],
    ['a default over a custom maximum', { defaultTtl: '2h', maxTtl: '1h' }, /ttl 2h is over the maximum of 1h/],
    ['a numeric default over the maximum', { defaultTtl: 30 * DAY + 1 }, /over the maximum of 30d/],
    ['a default of 0', { defaultTtl: 0 }, /refused/],
    ['a default of "0s"', { defaultTtl: '0s' }, /refused/],
    ['a negative default', { defaultTtl: -60 }, /refused/],
    ['a fractional default', { defaultTtl: 1.5 }, /refused/],
    ['a maximum of 0', { maxTtl: 0 }, /maxTtl must be positive/],
    ['a maximum of "0"', { maxTtl: '0' }, /maxTtl must be positive/],
    ['a negative maximum', { maxTtl: -1 }, /maxTtl must be positive/],
    ['a fractional maximum', { maxTtl: 1.5 }, /maxTtl must be positive/],
    ['a maximum of NaN', { maxTtl: Number.NaN }, /maxTtl must be positive/],
    ['a garbage duration', { defaultTtl: 'soon' }, /invalid duration "soon"/],
    ['a never maximum', { maxTtl: 'never' }, /invalid duration/],
    ['a duration of the wrong type', { defaultTtl: true }, /defaultTtl must be a duration/],
    ['a maximum of the wrong type', { maxTtl: { h: 1 } }, /maxTtl must be a duration/],
    ['a null duration', { defaultTtl: null }, /defaultTtl must be a duration/],
    ['a path that is not a string', { path: ['/usr/bin'] }, /path must be absolute folders/],
    ['an empty path', { path: '' }, /path must be absolute folders/],
    ['a path with a relative entry', { path: './bin:/usr/bin' }, /path entry "\.\/bin" is not an absolute folder/],
    ['a path with an empty entry', { path: '/usr/bin::/bin' }, /path entry "" is not an absolute folder/],
    ['a path ending in ":"', { path: '/usr/bin:' }, /path entry "" is not an absolute folder/],
  ])('refuses %s as an input error', (_label, raw, why) => {
    const err = expectLatchkeyError(() => parseConfig(raw), 'input');
    expect(err.exitCode).toBe(65);
    expect(err.message).toMatch(why);
  });
});
