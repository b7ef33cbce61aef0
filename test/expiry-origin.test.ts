// Honest expiry in the inventory (issue 12): `agent ls` says whether a secret expires at its source (a
// minted value whose command returned expires_at) or only in Latchkey (a stored value its provider keeps
// accepting); `agent leases` says every lease ends at its source; `agent doctor` lists the local-only ones.
import { describe, expect } from 'vitest';
import { labTest } from '@latchkey/test-utils';

const it = labTest({ store: 'memory' });

describe('expiry origin', () => {
  it('agent ls: a stored value expires only in Latchkey, a minted value with expires_at at its source', async ({ world, daemon }) => {
    void daemon;
    expect((await world.agent(['set', 'plain-token', '--ttl', '2h'], { input: 'v-plain-1234' })).code).toBe(0);
    const until = Math.floor(Date.now() / 1000) + 3600;
    const mint = await world.agent(['set', 'minted-token', '--ttl', '2h', '--mint', `echo '{"value":"v-minted-1234","expires_at":${until}}'`]);
    expect(mint.code, mint.stderr).toBe(0);
    const json = JSON.parse((await world.agent(['ls', '--json'])).stdout) as Array<{ name: string; expiry: string }>;
    expect(json.find((m) => m.name === 'plain-token')?.expiry).toBe('local');
    expect(json.find((m) => m.name === 'minted-token')?.expiry).toBe('source');
    const human = (await world.agent(['ls'])).stdout.split('\n');
    expect(human[0]).toContain('EXPIRES AT');
    expect(human.find((l) => l.startsWith('plain-token '))).toContain('latchkey only');
    expect(human.find((l) => l.startsWith('minted-token '))).toMatch(/ source /);
  });

  it('agent leases: a temporary key ends at its source', async ({ world, daemon }) => {
    void daemon;
    const key = await world.agent(['temp', 'random', '--ttl', '5m']);
    expect(key.code, key.stderr).toBe(0);
    const leases = JSON.parse((await world.agent(['leases', '--json'])).stdout) as Array<{ expiry: string; state: string }>;
    expect(leases.length).toBeGreaterThanOrEqual(1);
    expect(leases.every((l) => l.expiry === 'source' && l.state === 'active')).toBe(true);
    expect((await world.agent(['leases'])).stdout.split('\n')[0]).toContain('EXPIRES AT');
  });

  it('agent doctor lists the local-only secrets with their age and a way to replace them', async ({ world, daemon }) => {
    void daemon;
    const r = await world.agent(['doctor', '--json']);
    const report = JSON.parse(r.stdout) as { findings: Array<{ check: string; secret?: string; level: string; message: string; fix?: string }> };
    const local = report.findings.filter((f) => f.check === 'local-expiry');
    expect(local.map((f) => f.secret)).toEqual(['plain-token']);
    expect(local[0]).toMatchObject({ level: 'notice' });
    expect(local[0]?.message).toMatch(/stored .* ago\) expires only in Latchkey/);
    expect(local[0]?.fix).toContain('agent set plain-token --mint');
  });
});
