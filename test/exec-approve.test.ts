// `agent exec` on a terminal with an unapproved or changed manifest: it shows what the manifest asks
// for and asks; yes approves and runs, no runs nothing.
import { appendFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { onTerminal, testdir, useLab } from '@latchkey/test-utils';

describe('agent exec asks for approval on a terminal', () => {
  const lab = useLab({ store: 'memory' });
  let dir: string;
  beforeAll(async () => {
    dir = testdir({ 'agent.env': 'API_KEY=agent://approve-me?owner=platform\nMODE=test\n' }, lab.world.dir);
    expect((await lab.world.agent(['set', 'approve-me', '--ttl', '1h'], { input: 'approved-value-123' })).code).toBe(0);
  });

  const drive = (answer: string, marker: string) =>
    onTerminal(lab.world, ['exec', '--', 'sh', '-c', `touch ${marker}; printf 'key=%s mode=%s\\n' "$API_KEY" "$MODE"`], [['allow \\S+agent\\.env\\? \\[y/N\\] ', answer]], { cwd: dir });

  it('runs nothing when the answer is no', async () => {
    const marker = join(lab.world.dir, 'ran-no');
    const r = await drive('n\r', marker);
    expect(r.stdout).toContain('is not approved yet');
    expect(r.stdout).toMatch(/API_KEY +1 +secret +approve-me +platform/);
    expect(r.code).toBe(77);
    expect(existsSync(marker)).toBe(false);
  });

  it('approves and runs when the answer is yes, and asks again after an edit', async () => {
    const marker = join(lab.world.dir, 'ran-yes');
    const r = await drive('y\r', marker);
    expect(r.code, r.stdout).toBe(0);
    expect(r.stdout).toContain('key=approved-value-123 mode=test');
    expect(existsSync(marker)).toBe(true);
    // The daemon hashes the file at each exec: the edit is seen at once.
    appendFileSync(join(dir, 'agent.env'), 'EXTRA=1\n');
    const again = await drive('n\r', join(lab.world.dir, 'ran-again'));
    expect(again.stdout).toContain('changed since it was approved');
    expect(again.code).toBe(77);
  });

  it('names a manifest whose path is not ASCII as it is, in the hint and in the question, and approves that very file', async () => {
    const odd = join(lab.world.dir, 'josé-项目 50%');
    mkdirSync(odd);
    const manifest = join(odd, 'agent.env');
    writeFileSync(manifest, 'API_KEY=agent://approve-me\n');
    // Off a terminal: refused, with the hint naming the path (it travels in the status's metadata).
    const refused = await lab.world.agent(['exec', '--', 'true'], { cwd: odd });
    expect(refused.code).toBe(77);
    expect(refused.stderr).toContain(`run agent allow ${manifest}`);
    // On a terminal: asked about that path, and yes approves it (the client approves the path the metadata named).
    const marker = join(lab.world.dir, 'ran-odd');
    const r = await onTerminal(lab.world, ['exec', '--', 'sh', '-c', `touch ${marker}; printf 'key=%s\\n' "$API_KEY"`], [['allow .+agent\\.env\\? \\[y/N\\] ', 'y\r']], { cwd: odd });
    expect(r.code, r.stdout).toBe(0);
    expect(r.stdout).toContain('key=approved-value-123');
    expect(existsSync(marker)).toBe(true);
    expect((await lab.world.agent(['exec', '--', 'true'], { cwd: odd })).code).toBe(0);
  });
});
