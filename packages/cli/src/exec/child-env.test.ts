import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { testdir } from '@latchkey/test-utils/testdir';
import { childEnvironment } from './child-env.js';

const maskedValues = (resolved: { env: Record<string, string>; referenced: string[] }) => childEnvironment({}, resolved).masked;

describe('the values --mask hides', () => {
  it('masks the values of the variables the daemon resolved from references, not literals', () => {
    const env = { TOKEN: 'tok-value-123456', JWT: 'a.b.c-signed-value', STAGE: 'production', EMPTY: '' };
    expect(maskedValues({ env, referenced: ['TOKEN', 'JWT', 'EMPTY'] })).toEqual(['tok-value-123456', 'a.b.c-signed-value']);
  });

  it('a manifest changed between the resolve and the mask does not unmask a resolved value (time of check, time of use)', () => {
    // The daemon resolved TOKEN from agent://tok in the approved content; then a same-user process
    // rewrote the file so that TOKEN reads as a literal. The mask follows the daemon's answer, not the file.
    const dir = testdir();
    const manifest = join(dir, 'agent.env');
    writeFileSync(manifest, 'TOKEN=agent://tok\n');
    const resolved = { env: { TOKEN: 'tok-value-123456' }, referenced: ['TOKEN'], manifests: [manifest] };
    writeFileSync(manifest, 'TOKEN=not-a-reference\n');
    expect(maskedValues(resolved)).toEqual(['tok-value-123456']);
  });
});

describe('childEnvironment', () => {
  const inherited = { HOME: '/home/dev', PATH: '/usr/bin', PORT: '8080' };

  it('expands literals from the resolved variables, then the inherited environment', () => {
    const r = childEnvironment(inherited, {
      env: { DB_PASSWORD: 'pw-from-keychain', DATABASE_URL: 'postgres://app:${DB_PASSWORD}@localhost/app', CACHE: '${HOME}/cache', PORT: '${PORT:-3000}' },
      referenced: ['DB_PASSWORD'],
    });
    expect(r.env).toEqual({
      HOME: '/home/dev',
      PATH: '/usr/bin',
      PORT: '8080',
      DB_PASSWORD: 'pw-from-keychain',
      DATABASE_URL: 'postgres://app:pw-from-keychain@localhost/app',
      CACHE: '/home/dev/cache',
    });
  });

  it('masks a literal that interpolates a secret as a whole, and not one that uses only the inherited environment', () => {
    const r = childEnvironment(inherited, {
      env: { DB_PASSWORD: 'pw-from-keychain', DATABASE_URL: 'postgres://app:${DB_PASSWORD}@localhost/app', CACHE: '${HOME}/cache' },
      referenced: ['DB_PASSWORD'],
    });
    expect(r.masked.sort()).toEqual(['postgres://app:pw-from-keychain@localhost/app', 'pw-from-keychain']);
  });

  it('never expands a value that came from a reference', () => {
    const r = childEnvironment(inherited, { env: { TOKEN: 'tok$HOME${PATH}' }, referenced: ['TOKEN'] });
    expect(r.env.TOKEN).toBe('tok$HOME${PATH}');
  });
});
