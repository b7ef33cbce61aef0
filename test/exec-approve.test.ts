// `agent exec` on a terminal with an unapproved or changed manifest: it shows what the manifest asks
// for and asks; yes approves and runs, no runs nothing.
import { appendFileSync, existsSync } from 'node:fs';
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
});
