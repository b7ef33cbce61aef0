// SECURITY 48, end to end with a real keychain (the seal key and the checkpoint live there): a same-user
// rewrite of the trail with the daemon stopped and restarted in between, and the trail deleted under a
// running daemon. Each attack passed `agent audit verify` on the first release.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { keychainAccounts, readAudit, useKeyring, useWorlds, type DaemonProcess, type World } from '@latchkey/test-utils';

const sha256 = (line: string) => createHash('sha256').update(line).digest('hex');

/** What an attacker who can write files does: drop some lines, then recompute the public chain from the anchor. */
function rechain(lines: string[], anchor: string, stripSeals: boolean): string[] {
  let prev = anchor;
  return lines.map((line) => {
    const record = JSON.parse(line) as Record<string, unknown>;
    record.prev = prev;
    if (stripSeals) delete record.mac;
    const out = JSON.stringify(record);
    prev = sha256(out);
    return out;
  });
}

describe('SECURITY 48: a same-user rewrite of the audit trail is caught (real keychain)', { timeout: 120_000 }, () => {
  const ring = useKeyring();
  const freshWorld = useWorlds();

  /** A world whose trail holds a handful of records (sets and reads), with its daemon running. */
  async function populated(): Promise<{ world: World; daemon: DaemonProcess }> {
    const world = freshWorld(ring.keyring);
    const daemon = await world.startDaemon();
    for (const name of ['tamper-a', 'tamper-b']) {
      expect((await world.agent(['set', name, '--ttl', '1h'], { input: `${name}-value` })).code).toBe(0);
      expect((await world.agent(['get', name])).code).toBe(0);
    }
    return { world, daemon };
  }
  const trailPath = (w: World) => join(w.stateDir, 'audit.jsonl');
  const lines = (w: World) => readFileSync(trailPath(w), 'utf8').trimEnd().split('\n');
  const anchor = (w: World) => readFileSync(join(w.stateDir, 'audit.anchor'), 'utf8').trim();
  async function stop(w: World, d: DaemonProcess): Promise<void> {
    expect((await w.agent(['daemon', 'stop'])).code).toBe(0);
    await d.exited;
  }

  for (const stripSeals of [false, true]) {
    it(`48. records removed and the chain recomputed from the anchor${stripSeals ? ', seals stripped' : ''}, daemon stopped and restarted: verify reports it`, async () => {
      const { world, daemon } = await populated();
      await stop(world, daemon);
      // The seal key and the checkpoint are in the keychain, not in the state folder.
      expect(await keychainAccounts(ring.keyring, world.service, { internal: true })).toEqual(expect.arrayContaining(['_latchkey/audit-checkpoint', '_latchkey/audit-seal']));
      const original = lines(world);
      expect(original.length).toBeGreaterThanOrEqual(4);
      const rewritten = rechain([...original.slice(0, 1), ...original.slice(2)], anchor(world), stripSeals);
      writeFileSync(trailPath(world), `${rewritten.join('\n')}\n`);

      await world.startDaemon();
      const verify = await world.agent(['audit', 'verify']);
      expect(verify.code, verify.stdout + verify.stderr).toBe(1);
      expect(verify.stderr).toMatch(/agent: error: audit trail broken at .*audit\.jsonl:\d+: .*(seal|rewritten|removed|tampered)/);
      // The daemon recorded what it found at start, in the trail itself.
      expect(readAudit(world.stateDir).some((r) => r.event === 'audit' && r.outcome === 'tampered')).toBe(true);
      // The JSON form says the daemon checked it.
      const json = JSON.parse((await world.agent(['audit', 'verify', '--json'])).stdout) as { ok: boolean; checkedBy: string };
      expect(json).toMatchObject({ ok: false, checkedBy: 'daemon' });
    });
  }

  it('48. records cut from the end with the daemon stopped: the checkpoint in the keychain catches it after a restart', async () => {
    const { world, daemon } = await populated();
    await stop(world, daemon);
    const original = lines(world);
    writeFileSync(trailPath(world), `${original.slice(0, -2).join('\n')}\n`);
    await world.startDaemon();
    const verify = await world.agent(['audit', 'verify']);
    expect(verify.code, verify.stdout + verify.stderr).toBe(1);
    expect(verify.stderr).toContain('fewer than the');
  });

  it('48. the trail and its anchor deleted under a running daemon: verify reports it, and a read is served only with its record in the file at the path', async () => {
    const { world } = await populated();
    rmSync(trailPath(world));
    rmSync(join(world.stateDir, 'audit.anchor'));
    const get = await world.agent(['get', 'tamper-a']);
    expect(get.code, get.stderr).toBe(0);
    // The read's record is in the file that now exists at the trail's path, after a note of the deletion.
    expect(existsSync(trailPath(world))).toBe(true);
    const records = readAudit(world.stateDir);
    expect(records[0]).toMatchObject({ event: 'audit', outcome: 'deleted' });
    expect(records.at(-1)).toMatchObject({ event: 'get', outcome: 'ok', secret: 'tamper-a' });
    const verify = await world.agent(['audit', 'verify']);
    expect(verify.code, verify.stdout + verify.stderr).toBe(1);
    expect(verify.stderr).toContain('agent: error: audit trail broken');
  });

  it('an intact trail verifies through the daemon, and a restart keeps it verifiable', async () => {
    const { world, daemon } = await populated();
    const running = await world.agent(['audit', 'verify']);
    expect(running.code, running.stderr).toBe(0);
    expect(running.stdout).toContain('checked by the daemon');
    await stop(world, daemon);
    await world.startDaemon();
    const again = await world.agent(['audit', 'verify']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('audit trail intact');
  });
});
