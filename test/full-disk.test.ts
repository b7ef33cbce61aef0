// The state folder on a real full filesystem (a 128 KiB tmpfs; mounting needs root, which CI has): no
// value is served or stored whose audit record is not whole in the trail, the trail is never torn, and
// it verifies once space is back.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keychainLookup, makeWorld, readAudit, useKeyring, type World } from '@latchkey/test-utils';

const root = process.getuid?.() === 0;

describe.skipIf(!root)('a full state disk (real tmpfs, real keychain)', { timeout: 90_000 }, () => {
  const ring = useKeyring();
  let world: World;
  let mnt: string;
  let stateHome: string;
  let stateDir: string;
  const agent = (args: string[], input?: string) => world.agent(args, { input, env: { XDG_STATE_HOME: stateHome }, timeoutMs: 60_000 });

  beforeAll(async () => {
    world = makeWorld(ring.keyring);
    mnt = join(world.dir, 'state-fs');
    mkdirSync(mnt);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=128k,mode=0700', 'tmpfs', mnt]);
    stateHome = join(mnt, 'state');
    mkdirSync(stateHome, { mode: 0o700 });
    stateDir = join(stateHome, 'latchkey');
    await world.startDaemon({ env: { XDG_STATE_HOME: stateHome } });
  });
  afterAll(async () => {
    // A lazy unmount detaches the tmpfs even while the daemon still holds its trail open.
    if (mnt) spawnSync('umount', ['-l', mnt]);
    await world?.cleanup();
  });

  it('refuses reads and writes of values while no record fits, tears nothing, and verifies once space is back', async () => {
    expect((await agent(['set', 'disk-src', '--ttl', '1h'], 'disk-src-value\n')).code).toBe(0);
    const before = readAudit(stateDir).length;
    // Fill the filesystem to its last block.
    const filler = join(mnt, 'filler');
    spawnSync('dd', ['if=/dev/zero', `of=${filler}`, 'bs=1k', 'count=100000'], { stdio: 'ignore' });

    // A record may still fit in the trail's last partly used page: read until none does. Each read
    // served must have its whole record in the trail; the first refused one is 69 with no value.
    let served = 0;
    let refused: Awaited<ReturnType<typeof agent>> | undefined;
    for (let i = 0; i < 400 && !refused; i++) {
      const get = await agent(['get', 'disk-src']);
      if (get.code === 0) served++;
      else refused = get;
    }
    expect(refused, 'some read was refused once the disk was full').toBeDefined();
    expect(refused?.code, refused?.stderr).toBe(69);
    expect(refused?.stdout).toBe('');
    expect(refused?.stderr).toContain('agent: error: the audit log cannot be written');
    expect(readAudit(stateDir).filter((r) => r.event === 'get' && r.outcome === 'ok')).toHaveLength(served);
    for (let i = 0; i < 3; i++) {
      const set = await agent(['set', `disk-new-${i}`, '--ttl', '1h'], `disk-new-value-${i}\n`);
      expect(set.code, set.stderr).toBe(69);
      expect(await keychainLookup(ring.keyring, world.service, `global:disk-new-${i}`)).toBeUndefined();
    }
    // Not a byte of a torn record: the file still ends on a whole line, and holds only whole records.
    const text = readFileSync(join(stateDir, 'audit.jsonl'), 'utf8');
    expect(text.endsWith('\n')).toBe(true);
    expect(readAudit(stateDir)).toHaveLength(before + served);

    rmSync(filler);
    const get = await agent(['get', 'disk-src']);
    expect(get.code, get.stderr).toBe(0);
    expect(get.stdout).toBe('disk-src-value\n');
    expect(readAudit(stateDir).filter((r) => r.event === 'get' && r.outcome === 'ok')).toHaveLength(served + 1);
    const verify = await agent(['audit', 'verify']);
    expect(verify.code, verify.stderr).toBe(0);
    expect(verify.stdout).toContain('audit trail intact');
  });
});
