// Token kinds end to end: classified when stored, kept in the metadata (the keychain item), shown by
// agent ls, flagged by agent doctor, and refused by agent exec where the manifest says forbid= (exit 77).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readAudit, useWorlds } from '@latchkey/test-utils';

describe('token kinds', { timeout: 120_000 }, () => {
  const freshWorld = useWorlds();

  it('ls shows the kind told when the value was stored; doctor flags a full-access key; exec refuses a forbidden kind with 77', async () => {
    const w = freshWorld();
    expect((await w.agent(['set', 'gh'], { input: 'ghp_A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8' })).code).toBe(0);
    expect((await w.agent(['set', 'stripe-live'], { input: 'sk_live_51HxQ9vLm3nB7cZ1wY4tE6uI0' })).code).toBe(0);
    expect((await w.agent(['set', 'stripe-test'], { input: 'rk_test_51HxQ9vLm3nB7cZ1wY4tE6uI0' })).code).toBe(0);
    expect((await w.agent(['set', 'plain'], { input: 'just-a-password-1' })).code).toBe(0);
    const ls = JSON.parse((await w.agent(['ls', '--json'])).stdout) as Array<{ name: string; tokenKind: string | null }>;
    expect(ls.map((s) => [s.name, s.tokenKind])).toEqual([
      ['gh', 'github/classic-pat'],
      ['plain', null],
      ['stripe-live', 'stripe/secret-live'],
      ['stripe-test', 'stripe/restricted-test'],
    ]);
    const table = (await w.agent(['ls'])).stdout;
    expect(table.split('\n')[0]).toMatch(/^NAME\s+SCOPE\s+KIND\s+OWNER/);
    expect(table).toMatch(/^gh\s+global\s+github\/classic-pat\s/m);

    const dir = join(w.home, 'proj');
    mkdirSync(dir);
    writeFileSync(join(dir, 'agent.env'), 'STRIPE=agent://stripe-live?forbid=live\nTEST_STRIPE=agent://stripe-test?forbid=live,full-access\n');
    expect((await w.agent(['allow'], { cwd: dir })).code).toBe(0);
    const doctor = await w.agent(['doctor', '--json'], { cwd: dir });
    const notices = (JSON.parse(doctor.stdout) as { findings: Array<{ check: string; level: string; secret?: string }> }).findings.filter((f) => f.check === 'token-kind');
    expect(notices.map((f) => [f.level, f.secret])).toEqual([
      ['notice', 'gh'],
      ['notice', 'stripe-live'],
    ]);
    const exec = await w.agent(['exec', '--', 'node', '-e', 'process.stdout.write(process.env.STRIPE ?? "none")'], { cwd: dir });
    expect(exec.code).toBe(77);
    expect(exec.stdout).toBe('');
    expect(exec.stderr).toMatch(/^agent: error: STRIPE refuses stripe-live: it is a live key \(stripe\/secret-live\) and .*agent\.env says forbid=live$/m);
    expect(exec.stderr).not.toContain('sk_live_51HxQ9vLm3nB7cZ1wY4tE6uI0');
    const denied = readAudit(w.stateDir).filter((e) => e.event === 'exec' && e.outcome === 'denied');
    expect(denied.map((e) => [e.secret, e.reason])).toEqual([['stripe-live', 'forbid=live: the value is stripe/secret-live']]);
    expect(readAudit(w.stateDir).some((e) => e.event === 'exec' && e.outcome === 'ok' && e.secret === 'stripe-live')).toBe(false);
  });
});
