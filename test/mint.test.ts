// Minted secrets under faults and attack: a frozen keychain during a rotation, a mint command that leaves
// processes behind, and a daemon auto-started from a shell whose PATH a repository controls.
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { alive, daemonPid, keychainLookup, readAudit, readDaemonLog, useKeyring, useWorlds, waitFor, type Keyring, type World } from '@latchkey/test-utils';

const ring = useKeyring();

/** The pid of the process that owns org.freedesktop.secrets on the keyring's bus (gnome-keyring-daemon). */
async function secretServicePid(kr: Keyring): Promise<number> {
  const r = await kr.exec('dbus-send', [
    '--session', '--dest=org.freedesktop.DBus', '--type=method_call', '--print-reply',
    '/org/freedesktop/DBus', 'org.freedesktop.DBus.GetConnectionUnixProcessID', 'string:org.freedesktop.secrets',
  ]);
  const m = /uint32 (\d+)/.exec(r.stdout);
  if (!m) throw new Error(`no pid for org.freedesktop.secrets: ${r.stdout}${r.stderr}`);
  return Number(m[1]);
}

const lines = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : []);

describe('a minted value is never lost', { timeout: 60_000 }, () => {
  const freshWorld = useWorlds();
  let world: World;

  it('keychain frozen (SIGSTOP) during a rotation: the command runs once, its value is served, and it lands in the keychain after the keychain thaws', async () => {
    world = freshWorld(ring.keyring);
    await world.startDaemon();
    const runs = join(world.home, 'runs');
    // 8 s: the rotation runs at 6 s, the frozen keychain's write times out 3 s later, and the new value
    // still has most of its life left when it is held.
    const cmd = `v="v-$(date +%s%N)"; echo "$v" >> ${runs}; echo "$v"`;
    const set = await world.agent(['set', 'rot', '--mint', cmd, '--ttl', '8s']);
    expect(set.code, set.stderr).toBe(0);
    const first = (await world.agent(['get', 'rot'])).stdout;
    const gkr = await secretServicePid(ring.keyring);
    process.kill(gkr, 'SIGSTOP');
    let second: string;
    try {
      const held = await waitFor(() => readAudit(world.stateDir).find((e) => e.event === 'mint' && e.outcome === 'held'), 20_000);
      expect(held).toMatchObject({ secret: 'rot', step: 'store' });
      expect(lines(runs)).toHaveLength(2);
      // Served from memory while the keychain is still frozen.
      const get = await world.agent(['get', 'rot']);
      expect(get.code, get.stderr).toBe(0);
      second = get.stdout;
      expect(second).toMatch(/^v-\d+$/);
      expect(second).not.toBe(first);
      expect(readDaemonLog(world.stateDir)).toMatch(/mint of "rot" failed at the store step: .*the command succeeded, its value is served from memory/);
    } finally {
      process.kill(gkr, 'SIGCONT');
    }
    const landed = await waitFor(() => /the held minted value of "rot" is stored/.test(readDaemonLog(world.stateDir)), 20_000);
    expect(landed).toBe(true);
    // The value that landed is the one the single rotation run printed (runs are logged by value).
    expect(lines(runs)[1]).toBe(second);
    const item = await keychainLookup(ring.keyring, world.service, 'global:rot');
    expect(JSON.parse(item ?? '{}').value).toBe(second);
  });
});

describe('SECURITY 39: what a mint command leaves behind ends with it', { timeout: 60_000 }, () => {
  const freshWorld = useWorlds();
  let world: World;

  it('a child holding stdout and a setsid grandchild are killed when the mint ends; the CLI returns at once', async () => {
    world = freshWorld();
    await world.startDaemon();
    const pids = join(world.home, 'pids');
    const cmd = `sleep 300 & echo $! >> ${pids}; setsid sh -c 'echo $$ >> ${pids}; exec sleep 300' >/dev/null 2>&1 </dev/null & ` +
      `while [ "$(wc -l < ${pids})" -lt 2 ]; do sleep 0.05; done; echo tok`;
    const set = await world.agent(['set', 'leaves', '--mint', cmd, '--ttl', '1h'], { timeoutMs: 15_000 });
    expect(set.code, set.stderr).toBe(0);
    const left = lines(pids).map(Number);
    expect(left).toHaveLength(2);
    expect(await waitFor(() => !left.some(alive), 5000)).toBe(true);
    expect((await world.agent(['get', 'leaves'])).stdout).toBe('tok');
  });

  it('a slow mint: the CLI says it waits for the mint command, not that the daemon is down', async () => {
    const set = await world.agent(['set', 'slow', '--mint', 'sleep 11; echo late', '--ttl', '1h'], { timeoutMs: 30_000 });
    expect(set.code, set.stderr).toBe(0);
    expect(set.stderr).toContain('agent: waiting for the mint command of slow (up to 30s)');
    expect(set.stderr).not.toMatch(/does not answer|did not answer/);
  });
});

describe('SECURITY 38: mint commands run with the daemon\'s PATH, not the auto-starting shell\'s', { timeout: 60_000 }, () => {
  const freshWorld = useWorlds();
  let world: World;

  it("a repository's ./bin/gh first on PATH is never run by --mint 'gh auth token', at set or at a rotation", async () => {
    world = freshWorld();
    const repo = join(world.home, 'repo');
    const real = join(world.home, 'tools');
    const marker = join(world.home, 'fake-gh-ran');
    for (const d of [join(repo, 'bin'), real]) mkdirSync(d, { recursive: true });
    writeFileSync(join(repo, 'bin', 'gh'), `#!/bin/sh\ntouch ${marker}\necho fake-token\n`);
    writeFileSync(join(real, 'gh'), '#!/bin/sh\necho "real-token-$(date +%s%N)"\n');
    chmodSync(join(repo, 'bin', 'gh'), 0o755);
    chmodSync(join(real, 'gh'), 0o755);
    world.writeConfig({ path: `${real}:/usr/bin:/bin` });
    const shellPath = { PATH: `${join(repo, 'bin')}:${process.env.PATH ?? '/usr/bin:/bin'}` };

    // The daemon is auto-started by this very command, from the repository, with its ./bin first.
    const set = await world.agent(['set', 'gh-token', '--mint', 'gh auth token', '--ttl', '1h'], { cwd: repo, env: shellPath });
    expect(set.code, set.stderr).toBe(0);
    expect(set.stderr).toContain(`minted gh-token: runs ${join(real, 'gh')} auth token`);
    await daemonPid(world);
    const rotated = await world.agent(['rotate', 'gh-token'], { cwd: repo, env: shellPath });
    expect(rotated.code, rotated.stderr).toBe(0);
    expect((await world.agent(['get', 'gh-token'], { cwd: repo, env: shellPath })).stdout).toMatch(/^real-token-\d+$/);
    expect(existsSync(marker)).toBe(false);
  });

  it('a program not on the daemon PATH: exit 65 with a hint, nothing stored', async () => {
    const r = await world.agent(['set', 'nope', '--mint', 'no-such-program-xyz --flag', '--ttl', '1h']);
    expect(r.code).toBe(65);
    expect(r.stderr).toMatch(/agent: error: the mint command's program "no-such-program-xyz" is not on the daemon's PATH/);
    expect(r.stderr).toMatch(/agent: hint: give its absolute path, or add its folder to "path" in config.json/);
    expect((await world.agent(['ls', '--json'])).stdout).not.toContain('nope');
  });
});
