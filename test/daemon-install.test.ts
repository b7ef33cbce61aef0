// `agent daemon install` and `uninstall` end to end on Linux: --dry-run prints the unit and writes
// nothing; the unit passes `systemd-analyze verify`; install writes it where systemd looks for user
// units and drives `systemctl --user` — here a stand-in systemctl first on PATH that records its calls
// and, for `enable --now`, runs the unit's ExecStart the way systemd would, so the daemon it starts must
// answer; uninstall reverses it. Without a working `systemctl --user`, install prints the commands.
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliNode, DAEMON, makeWorld, run, waitFor, type World } from '@latchkey/test-utils';

const FAKE_SYSTEMCTL = `#!/bin/bash
# A stand-in for systemctl --user: records each call; FAKE_SYSTEMCTL_FAIL makes it answer like a machine
# without a user manager. enable --now runs the unit's ExecStart= in the background (as systemd would).
echo "$*" >> "$FAKE_SYSTEMCTL_LOG"
if [ -n "$FAKE_SYSTEMCTL_FAIL" ]; then echo "Failed to connect to bus: No medium found" >&2; exit 1; fi
unit="$XDG_CONFIG_HOME/systemd/user/latchkey.service"
case "$*" in
  "--user enable --now latchkey.service")
    line=$(sed -n 's/^ExecStart=//p' "$unit")
    eval "set -- $line"
    "$@" </dev/null >>"$FAKE_SYSTEMCTL_LOG.out" 2>&1 &
    echo $! > "$FAKE_SYSTEMCTL_LOG.pid" ;;
  "--user disable --now latchkey.service")
    if [ -f "$FAKE_SYSTEMCTL_LOG.pid" ]; then kill "$(cat "$FAKE_SYSTEMCTL_LOG.pid")"; rm -f "$FAKE_SYSTEMCTL_LOG.pid"; fi ;;
esac
exit 0
`;

describe('agent daemon install / uninstall', { timeout: 120_000 }, () => {
  let world: World;
  let bin: string;
  let log: string;
  let unitPath: string;
  const calls = () => (existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n') : []);

  beforeAll(() => {
    world = makeWorld(undefined, { LATCHKEY_STORE: 'memory', LATCHKEY_TEST_TOKEN: 'not-for-the-unit' });
    bin = join(world.dir, 'bin');
    mkdirSync(bin);
    writeFileSync(join(bin, 'systemctl'), FAKE_SYSTEMCTL);
    chmodSync(join(bin, 'systemctl'), 0o755);
    log = join(world.dir, 'systemctl.log');
    unitPath = join(world.env.XDG_CONFIG_HOME as string, 'systemd', 'user', 'latchkey.service');
  });
  afterAll(async () => {
    const pid = existsSync(`${log}.pid`) ? Number(readFileSync(`${log}.pid`, 'utf8')) : 0;
    if (pid > 0) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await world?.cleanup();
  });
  const withFake = (extra: Record<string, string> = {}) => ({ PATH: `${bin}:${world.env.PATH}`, FAKE_SYSTEMCTL_LOG: log, ...extra });

  it('--dry-run prints the unit and writes nothing', async () => {
    const r = await world.agent(['daemon', 'install', '--dry-run'], { env: withFake() });
    expect(r.code, r.stderr).toBe(0);
    const unit = r.stdout;
    expect(unit.startsWith('# Latchkey')).toBe(true);
    expect(unit).toContain(`ExecStart="${cliNode()}"`);
    expect(unit).toMatch(new RegExp(`ExecStart=.* "${DAEMON.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}" "--foreground"\\n`));
    expect(unit).toContain('\nRestart=on-failure\n');
    expect(unit).toContain(`\nEnvironment="LATCHKEY_STORE=memory"\n`);
    expect(unit).toContain(`\nEnvironment="LATCHKEY_KEYCHAIN_SERVICE=${world.service}"\n`);
    expect(unit).toContain(`\nEnvironment="XDG_STATE_HOME=${world.env.XDG_STATE_HOME}"\n`);
    expect(unit).not.toContain('LATCHKEY_TEST_TOKEN');
    expect(unit).not.toContain('not-for-the-unit');
    expect(r.stderr).toContain(`would write ${unitPath}`);
    expect(existsSync(unitPath)).toBe(false);
    expect(calls()).toEqual([]);
  });

  it('the rendered unit passes systemd-analyze verify', async (ctx) => {
    const dir = mkdtempSync(join(tmpdir(), 'lk-unit-'));
    try {
      const runtime = join(dir, 'run');
      mkdirSync(runtime, { mode: 0o700 });
      const env = { PATH: world.env.PATH as string, HOME: world.home, XDG_RUNTIME_DIR: runtime };
      // Whether systemd-analyze can run here at all: a unit known to be good must pass, in user mode or else system mode.
      writeFileSync(join(dir, 'known-good.service'), '[Service]\nExecStart=/bin/true\n');
      let mode: string[] | undefined;
      for (const m of [['--user'], []]) {
        const probe = await run('systemd-analyze', [...m, 'verify', join(dir, 'known-good.service')], { env }).catch(() => undefined);
        if (probe?.code === 0) {
          mode = m;
          break;
        }
      }
      if (!mode) {
        console.warn('systemd-analyze verify cannot run here (not installed, or no manager it can start): unit validation skipped');
        ctx.skip();
        return;
      }
      const r = await world.agent(['daemon', 'install', '--dry-run'], { env: withFake() });
      const file = join(dir, 'latchkey.service');
      writeFileSync(file, r.stdout);
      const verify = await run('systemd-analyze', [...mode, 'verify', file], { env });
      expect(verify.code, verify.stderr).toBe(0);
      // systemd only warns (exit 0) about lines it ignores: there must be none about our unit.
      expect(`${verify.stdout}${verify.stderr}`).not.toMatch(/latchkey\.service/);
      // And it does catch a broken unit.
      writeFileSync(file, r.stdout.replace(cliNode(), '/nonexistent/node'));
      expect((await run('systemd-analyze', [...mode, 'verify', file], { env })).code).not.toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('install writes the unit, enables it through systemctl --user, and its daemon answers; uninstall reverses it', async () => {
    const install = await world.agent(['daemon', 'install'], { env: withFake(), timeoutMs: 60_000 });
    expect(install.code, install.stderr).toBe(0);
    expect(install.stderr).toContain(`agent: wrote ${unitPath}`);
    expect(install.stderr).toMatch(/agent: the daemon runs as a service \(pid \d+\)/);
    expect(calls()).toEqual(['--user show-environment', '--user daemon-reload', '--user enable --now latchkey.service']);
    const unit = readFileSync(unitPath, 'utf8');
    expect(unit).toContain('Restart=on-failure');
    const status = await world.agent(['daemon', 'status', '--json']);
    expect(status.code, status.stderr).toBe(0);
    expect(JSON.parse(status.stdout).pid).toBe(Number(readFileSync(`${log}.pid`, 'utf8')));

    // Installing again leaves the same file; the running daemon is stopped so that the service takes over.
    writeFileSync(log, '');
    const again = await world.agent(['daemon', 'install'], { env: withFake(), timeoutMs: 60_000 });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain(`agent: unchanged ${unitPath}`);
    expect(again.stderr).toContain('stopping the running daemon');

    writeFileSync(log, '');
    const uninstall = await world.agent(['daemon', 'uninstall'], { env: withFake() });
    expect(uninstall.code, uninstall.stderr).toBe(0);
    expect(calls()).toEqual(['--user show-environment', '--user disable --now latchkey.service', '--user daemon-reload']);
    expect(existsSync(unitPath)).toBe(false);
    expect(uninstall.stderr).toContain(`agent: removed ${unitPath}`);
    // disable --now stopped the service's daemon.
    expect(await waitFor(async () => (await world.agent(['daemon', 'status'])).code === 69, 15_000, 250)).toBe(true);
    const gone = await world.agent(['daemon', 'uninstall'], { env: withFake() });
    expect(gone.code).toBe(0);
    expect(gone.stderr).toContain('nothing to do');
  });

  it('without a working systemctl --user, install writes the unit and prints the commands to run', async () => {
    writeFileSync(log, '');
    const r = await world.agent(['daemon', 'install'], { env: withFake({ FAKE_SYSTEMCTL_FAIL: '1' }) });
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(unitPath)).toBe(true);
    expect(r.stderr).toContain('systemctl --user does not answer here (Failed to connect to bus: No medium found)');
    expect(r.stderr).toContain('  systemctl --user daemon-reload\n  systemctl --user enable --now latchkey.service\n');
    expect(calls()).toEqual(['--user show-environment']);
    const u = await world.agent(['daemon', 'uninstall'], { env: withFake({ FAKE_SYSTEMCTL_FAIL: '1' }) });
    expect(u.code).toBe(0);
    expect(existsSync(unitPath)).toBe(false);
    expect(u.stderr).toContain('systemctl --user disable --now latchkey.service');
  });

  it('refuses to replace or remove a unit it did not write', async () => {
    mkdirSync(join(unitPath, '..'), { recursive: true });
    writeFileSync(unitPath, '[Service]\nExecStart=/usr/bin/something-else\n');
    try {
      const install = await world.agent(['daemon', 'install'], { env: withFake({ FAKE_SYSTEMCTL_FAIL: '1' }) });
      expect(install.code).toBe(77);
      expect(install.stderr).toContain('was not written by agent daemon install');
      const uninstall = await world.agent(['daemon', 'uninstall'], { env: withFake({ FAKE_SYSTEMCTL_FAIL: '1' }) });
      expect(uninstall.code).toBe(77);
      expect(readFileSync(unitPath, 'utf8')).toContain('something-else');
    } finally {
      rmSync(unitPath);
    }
  });
});
