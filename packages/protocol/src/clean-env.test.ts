import { describe, expect, it } from 'vitest';
import { cleanEnvironment, DEFAULT_SAFE_PATH, isCleanVariable } from './clean-env.js';

describe('cleanEnvironment', () => {
  const dirty = {
    HOME: '/home/u',
    USER: 'u',
    LOGNAME: 'u',
    LANG: 'C.UTF-8',
    LC_ALL: 'C.UTF-8',
    LC_TIME: 'en_GB.UTF-8',
    XDG_RUNTIME_DIR: '/run/user/1000',
    XDG_STATE_HOME: '/home/u/.local/state',
    DBUS_SESSION_BUS_ADDRESS: 'unix:path=/run/user/1000/bus',
    DISPLAY: ':0',
    WAYLAND_DISPLAY: 'wayland-0',
    LATCHKEY_SOCKET: '/tmp/s.sock',
    PATH: './bin:/usr/bin',
    NODE_OPTIONS: '--require /tmp/evil.cjs',
    NODE_PATH: '/tmp/mods',
    LD_PRELOAD: '/tmp/evil.so',
    LD_LIBRARY_PATH: '/tmp/lib',
    LD_AUDIT: '/tmp/audit.so',
    DYLD_INSERT_LIBRARIES: '/tmp/evil.dylib',
    BASH_ENV: '/tmp/rc',
    GITHUB_TOKEN: 'a-value-only-this-shell-had',
    UNSET: undefined,
  };

  it('keeps the allowlisted variables as they are', () => {
    const clean = cleanEnvironment(dirty);
    for (const name of ['HOME', 'USER', 'LOGNAME', 'LANG', 'LC_ALL', 'LC_TIME', 'XDG_RUNTIME_DIR', 'XDG_STATE_HOME',
      'DBUS_SESSION_BUS_ADDRESS', 'DISPLAY', 'WAYLAND_DISPLAY', 'LATCHKEY_SOCKET'] as const) {
      expect(clean[name]).toBe(dirty[name]);
    }
  });

  it('drops loader and runtime variables and anything else the shell had', () => {
    const clean = cleanEnvironment(dirty);
    for (const name of ['NODE_OPTIONS', 'NODE_PATH', 'LD_PRELOAD', 'LD_LIBRARY_PATH', 'LD_AUDIT', 'DYLD_INSERT_LIBRARIES',
      'BASH_ENV', 'GITHUB_TOKEN', 'UNSET']) {
      expect(clean).not.toHaveProperty(name);
    }
  });

  it('replaces PATH with the safe default, or with the PATH given', () => {
    expect(cleanEnvironment(dirty).PATH).toBe(DEFAULT_SAFE_PATH);
    expect(cleanEnvironment(dirty, '/opt/tools/bin:/usr/bin').PATH).toBe('/opt/tools/bin:/usr/bin');
    expect(cleanEnvironment({}).PATH).toBe(DEFAULT_SAFE_PATH);
  });

  it('has a default PATH of absolute system folders only', () => {
    for (const entry of DEFAULT_SAFE_PATH.split(':')) expect(entry).toMatch(/^\/(usr\/)?(local\/)?s?bin$/);
  });

  it('does not change the environment it is given', () => {
    const env = { ...dirty };
    cleanEnvironment(env);
    expect(env).toEqual(dirty);
  });

  it.each([
    ['LC_', false],
    ['XDG_', false],
    ['LATCHKEY_', false],
    ['XDG_DATA_DIRS', true],
    ['home', false],
    ['LD_PRELOAD', false],
    ['DYLD_LIBRARY_PATH', false],
    ['NODE_OPTIONS', false],
  ])('isCleanVariable(%s) is %s', (name, kept) => {
    expect(isCleanVariable(name)).toBe(kept);
  });
});
