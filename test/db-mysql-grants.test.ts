// The `grant` parameter of a temporary MariaDB user, against a real server (issue 12): which names are
// roles, the roles a granted role reaches, and the refusals, each before anything is created. The checks
// read mysql.user and mysql.roles_mapping on the server itself.
import { beforeAll, describe, expect, it } from 'vitest';
import { isLatchkeyError } from '@latchkey/core';
import { useLab } from '@latchkey/test-utils';
import { readAudit, waitFor } from '@latchkey/test-utils/agent';
import { startMysql, useDbServer } from '@latchkey/test-utils/databases';

describe('temporary mysql users: grants', () => {
  const db = useDbServer(startMysql);
  const lab = useLab();

  beforeAll(async () => {
    for (const s of [
      'CREATE ROLE app_rw',
      'GRANT SELECT, INSERT ON test_db.* TO app_rw',
      'CREATE ROLE app_ro',
      'GRANT SELECT ON test_db.* TO app_ro',
      'CREATE ROLE boss',
      'GRANT SUPER ON *.* TO boss',
      'CREATE ROLE mid',
      'GRANT boss TO mid',
      'CREATE ROLE chain',
      'GRANT SELECT ON test_db.* TO chain',
      'GRANT mid TO chain',
      'CREATE ROLE granter',
      'GRANT SELECT ON test_db.* TO granter WITH GRANT OPTION',
      "CREATE USER 'not_a_role'@'%'",
    ]) {
      await db.server.admin(s);
    }
    await lab.client.putSecret({ name: 'my-admin', value: db.server.adminUrl, ttlSeconds: 3600 });
  });

  const issue = (grant: string) => lab.client.issueTempKey({ kind: 'mysql', ttlSeconds: 60, params: { admin: 'my-admin', grant }, bindPid: -1 });

  /** The error an issue is refused with, after checking that the server has no new user. */
  async function refused(grant: string): Promise<{ kind: string; message: string }> {
    const before = await db.server.users();
    const err = await issue(grant).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err, `grant=${grant} was not refused`).toBeDefined();
    expect(isLatchkeyError(err)).toBe(true);
    expect(await db.server.users()).toEqual(before);
    return err as { kind: string; message: string };
  }

  it('two roles: the user gets both, the first as its default', async () => {
    const key = await issue('app_rw,app_ro');
    const user = `lk_${key.leaseId.replace(/^lease_/, '')}`;
    const mapped = (await db.server.admin(`SELECT Role AS r, Admin_option AS a FROM mysql.roles_mapping WHERE User = '${user}' ORDER BY Role`)) as Array<{ r: string }>;
    expect(mapped.map((m) => m.r)).toEqual(['app_ro', 'app_rw']);
    const def = (await db.server.admin(`SELECT default_role AS d FROM mysql.user WHERE User = '${user}'`)) as Array<{ d: string }>;
    expect(def[0]?.d).toBe('app_rw');
    expect(await lab.client.revokeLease(key.leaseId)).toBe(true);
    expect(await waitFor(async () => !(await db.server.users()).includes(user), 2000, 25)).toBe(true);
  });

  it('a role that reaches a superuser role through another is refused', async () => {
    // MariaDB's SHOW GRANTS FOR a role lists what the roles granted to it hold as well.
    const err = await refused('chain');
    expect(err.kind).toBe('denied');
    expect(err.message).toBe('grant: role "chain" holds server-wide administrative privileges: a temporary user may not get it');
  });

  it('an elevated role second in the list is refused too', async () => {
    const err = await refused('app_ro,mid');
    expect(err.kind).toBe('denied');
    expect(err.message).toContain('role "mid" holds server-wide administrative privileges');
  });

  it('a role holding a privilege WITH GRANT OPTION counts as createrole', async () => {
    const err = await refused('granter');
    expect(err.kind).toBe('denied');
    expect(err.message).toContain('role "granter" holds the right to create or grant users');
  });

  it('a name that is no role (missing, or a user) is refused as input, every one named', async () => {
    const err = await refused('app_rw,no_such_role,not_a_role');
    expect(err.kind).toBe('input');
    expect(err.message).toBe('grant: no role "no_such_role", "not_a_role" on the server');
  });

  it('every refusal is audited', async () => {
    const outcomes = readAudit(lab.world.stateDir).filter((e) => e.event === 'db-user').map((e) => e.outcome);
    expect(outcomes.filter((o) => o === 'refused')).toHaveLength(4);
  });
});
