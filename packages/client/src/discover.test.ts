// Finding the daemon program: LATCHKEY_DAEMON, else what the caller installed, else latchkey-daemon on PATH.
import { spawnSync } from 'node:child_process';
import { chmodSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectLatchkeyError, testdir } from '@latchkey/test-utils';
import { daemonArgs, daemonNodeFlags, findDaemon } from './discover.js';

/** A folder holding an executable `latchkey-daemon` (a link to a script, as npm links a bin). */
function binDir(): { bin: string; script: string } {
  const root = testdir({ 'pkg/dist/main.js': '#!/usr/bin/env node\n', 'bin/.keep': '' });
  const script = join(root, 'pkg/dist/main.js');
  chmodSync(script, 0o755);
  symlinkSync(script, join(root, 'bin', 'latchkey-daemon'));
  return { bin: join(root, 'bin'), script };
}

describe('findDaemon', () => {
  it('takes LATCHKEY_DAEMON first, made absolute', () => {
    const { bin } = binDir();
    expect(findDaemon({ LATCHKEY_DAEMON: '/opt/latchkey/main.js', PATH: bin }, () => '/installed/main.js')).toBe('/opt/latchkey/main.js');
    expect(findDaemon({ LATCHKEY_DAEMON: 'rel/main.js' })).toBe(join(process.cwd(), 'rel/main.js'));
  });

  it('then the program installed with the caller, then latchkey-daemon on PATH (its real path)', () => {
    const { bin, script } = binDir();
    expect(findDaemon({ PATH: bin }, () => '/installed/main.js')).toBe('/installed/main.js');
    expect(findDaemon({ PATH: `/nonexistent:${bin}` }, () => undefined)).toBe(script);
    expect(findDaemon({ PATH: bin })).toBe(script);
  });

  it('skips relative PATH entries and files that are not executable', () => {
    const { bin, script } = binDir();
    const plain = testdir({ 'latchkey-daemon': '#!/usr/bin/env node\n' });
    expect(findDaemon({ PATH: `${plain}:${bin}` })).toBe(script);
    const err = expectLatchkeyError(() => findDaemon({ PATH: `.:bin:${plain}` }), 'unavailable');
    expect(err.message).toBe('no daemon is running and the daemon program latchkey-daemon was not found on PATH');
    expect(err.hint).toContain('set LATCHKEY_DAEMON');
  });

  it('runs the program with the daemon flags, the same list `agent daemon install` writes', () => {
    expect(daemonArgs({ LATCHKEY_DAEMON: '/d/main.js' })).toEqual([...daemonNodeFlags(), '/d/main.js']);
    expect(daemonNodeFlags()).toEqual([
      ...(process.allowedNodeEnvironmentFlags.has('--disable-sigusr1') ? ['--disable-sigusr1'] : []),
      // The cap on the young generation only where V8 cannot shrink it back (Node 20's V8 11).
      ...(Number(process.versions.v8.split('.')[0]) >= 12 ? [] : ['--max-semi-space-size=4']),
    ]);
  });

  it('gives flags this Node starts with', () => {
    const r = spawnSync(process.execPath, [...daemonNodeFlags(), '-e', 'process.stdout.write("ok")'], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('ok');
  });
});
