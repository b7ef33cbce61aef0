import { spawnSync } from 'node:child_process';
import { DEFAULT_SAFE_PATH } from '@latchkey/protocol';
import { describe, expect, it } from 'vitest';
import { renderLaunchdPlist, renderSystemdUnit, serviceEnvironment, systemdAssignment, systemdWord, WRITTEN_BY, type ServicePlan } from './service-unit.js';

const plan: ServicePlan = {
  node: '/opt/node 22/bin/node',
  nodeFlags: ['--disable-sigusr1'],
  entry: '/home/u/lk/daemon/dist/main.js',
  environment: { LATCHKEY_STORE: 'keychain', PATH: '/usr/bin:/bin', XDG_STATE_HOME: '/home/u/50%/state' },
};

describe('serviceEnvironment', () => {
  it('keeps LATCHKEY_* settings and XDG paths, sets the safe PATH; drops the entry, credentials and everything else', () => {
    const env = serviceEnvironment({
      LATCHKEY_STORE: 'keychain',
      LATCHKEY_SOCKET: 'rel/agent.sock',
      LATCHKEY_DAEMON: '/x/main.js',
      LATCHKEY_API_TOKEN: 'tok',
      LATCHKEY_SIGNING_KEY: 'k',
      LATCHKEY_PASSWORD: 'p',
      LATCHKEY_MULTI: 'a\nb',
      XDG_STATE_HOME: '/s',
      XDG_CONFIG_HOME: '/c',
      XDG_RUNTIME_DIR: '/run/user/1',
      PATH: './bin:/usr/bin',
      NODE_OPTIONS: '--require /tmp/x.cjs',
      LD_PRELOAD: '/tmp/x.so',
      HOME: '/home/u',
      AWS_SECRET_ACCESS_KEY: 'nope',
      STRIPE_KEY: 'nope',
    });
    expect(Object.keys(env)).toEqual(['LATCHKEY_SOCKET', 'LATCHKEY_STORE', 'PATH', 'XDG_CONFIG_HOME', 'XDG_STATE_HOME']);
    expect(env.LATCHKEY_SOCKET).toMatch(/^\/.*\/rel\/agent\.sock$/);
    expect(env.PATH).toBe(DEFAULT_SAFE_PATH);
  });
});

describe('renderSystemdUnit', () => {
  it('runs this node with the daemon entry in the foreground, restarted on failure, for the login session', () => {
    const unit = renderSystemdUnit(plan);
    expect(unit.startsWith('# Latchkey')).toBe(true);
    expect(unit).toContain(WRITTEN_BY);
    expect(unit).toContain('ExecStart="/opt/node 22/bin/node" "--disable-sigusr1" "/home/u/lk/daemon/dist/main.js" "--foreground"\n');
    expect(unit).toContain('\nRestart=on-failure\n');
    expect(unit).toContain('\nWorkingDirectory=/\n');
    expect(unit).toContain('\nUnsetEnvironment=NODE_OPTIONS LD_PRELOAD LD_AUDIT LD_LIBRARY_PATH\n');
    expect(unit).toContain('\nEnvironment="LATCHKEY_STORE=keychain"\n');
    expect(unit).toContain('\nEnvironment="XDG_STATE_HOME=/home/u/50%%/state"\n');
    expect(unit).toMatch(/\[Install\]\nWantedBy=default\.target\n$/);
  });
  it('quotes words so that specifiers, variables, quotes and backslashes stay literal', () => {
    expect(systemdWord('a b')).toBe('"a b"');
    expect(systemdWord('100%')).toBe('"100%%"');
    expect(systemdWord('$HOME')).toBe('"$$HOME"');
    expect(systemdWord('say "hi" \\n')).toBe('"say \\"hi\\" \\\\n"');
    expect(systemdAssignment('A', 'x$y"%')).toBe('"A=x$y\\"%%"');
  });
});

describe('renderLaunchdPlist', () => {
  const plist = renderLaunchdPlist({ ...plan, environment: { ...plan.environment, LATCHKEY_X: 'a<b&c' } }, '/home/u/.local/state/latchkey/daemon.log');
  it('is a run-at-load agent kept alive on failure, with escaped strings', () => {
    expect(plist).toContain('<string>dev.latchkey.agent</string>');
    expect(plist).toContain('<key>RunAtLoad</key>\n  <true/>');
    expect(plist).toContain('<key>WorkingDirectory</key>\n  <string>/</string>');
    expect(plist).toContain('<key>KeepAlive</key>\n  <dict>\n    <key>SuccessfulExit</key>\n    <false/>');
    expect(plist).toContain('<string>a&lt;b&amp;c</string>');
    // XML comments may not hold a double hyphen.
    for (const comment of plist.match(/<!--[\s\S]*?-->/g) ?? []) expect(comment.slice(4, -3)).not.toContain('--');
  });
  it('parses as a property list (python3 plistlib) with the program arguments in order', (ctx) => {
    const py = spawnSync('/usr/bin/python3', ['-c', 'import plistlib,sys,json; print(json.dumps(plistlib.loads(sys.stdin.buffer.read())))'], { input: plist, encoding: 'utf8' });
    if (py.error) {
      ctx.skip();
      return;
    }
    expect(py.status, py.stderr).toBe(0);
    const doc = JSON.parse(py.stdout) as Record<string, unknown>;
    expect(doc.Label).toBe('dev.latchkey.agent');
    expect(doc.ProgramArguments).toEqual(['/opt/node 22/bin/node', '--disable-sigusr1', '/home/u/lk/daemon/dist/main.js', '--foreground']);
    expect(doc.EnvironmentVariables).toMatchObject({ LATCHKEY_X: 'a<b&c', LATCHKEY_STORE: 'keychain' });
    expect(doc.RunAtLoad).toBe(true);
    expect(doc.KeepAlive).toEqual({ SuccessfulExit: false });
  });
});
