// The leak loop for a temporary database user: its connection URL written into shell history is found by
// `agent scan --home`, its lease revoked, and the user dropped on the real server (packages/test-utils/src/databases.ts).
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readAudit, useLab, waitFor } from '@latchkey/test-utils';
import { startPostgres, useDbServer } from '@latchkey/test-utils/databases';

describe('a leaked temporary database user', { timeout: 120_000 }, () => {
  const db = useDbServer(startPostgres);
  const lab = useLab({ store: 'memory' });
  beforeAll(async () => {
    expect((await lab.world.agent(['set', 'db-admin', '--ttl', '1h'], { input: db.server.adminUrl })).code).toBe(0);
  });

  it('its URL written into shell history ends with its user dropped', async () => {
    const { world, client } = lab;
    const { server } = db;
    const before = new Set(await server.users());
    const key = await client.issueTempKey({ kind: 'postgres', params: { admin: 'db-admin' }, bindPid: -1, ttlSeconds: 600, cwd: world.home });
    const user = (await server.users()).find((u) => !before.has(u));
    expect(user).toBeDefined();
    await server.login(key.value);
    appendFileSync(join(world.home, '.bash_history'), `psql "${key.value}" -c 'select 1'\n`);
    const r = await world.agent(['scan', '--home']);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).toMatch(/\.bash_history:1:7: temp\/postgres \(raw, temporary, bash-history\)\n$/);
    expect(r.stderr).toContain(`agent: revoked temp/postgres (${key.leaseId}): its lease has ended`);
    const gone = await waitFor(async () => !(await server.users()).includes(user as string), 10_000, 50);
    expect(gone).toBe(true);
    await expect(server.login(key.value)).rejects.toThrow();
    expect(readAudit(world.stateDir).filter((e) => e.event === 'leak').map((e) => [e.secret, e.outcome, e.leaseId])).toEqual([['temp/postgres', 'revoked', key.leaseId]]);
    expect(r.stdout + r.stderr).not.toContain(key.value);
  });
});
