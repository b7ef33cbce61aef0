// Temporary database users end to end (issue 12): a real daemon with a real Secret Service, the built CLI
// as a subprocess, and real servers started by the test in a temp folder (packages/test-utils/src/databases.ts). Every
// check reads the server's own catalog (pg_roles and pg_stat_activity, mysql.user and
// information_schema.processlist, ACL LIST and CLIENT LIST), never a mock.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, realpathSync, symlinkSync, writeFileSync, mkdirSync } from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { AgentConnection } from '@latchkey/client';
import { beforeAll, describe, expect, it } from 'vitest';
import { useLab, VITEST } from '@latchkey/test-utils';
import { alive, readAudit, ROOT, startAgent, waitFor, type DaemonProcess, type RunningAgent, type World } from '@latchkey/test-utils/agent';
import { startMysql, startPostgres, startRedis, useDbServer, type DbServer } from '@latchkey/test-utils/databases';

const HOLDER = join(ROOT, 'test', 'fixtures', 'db-holder.mjs');

/** The README's vitest example: a global setup that gives the run its own database user. */
const INNER_TEST = `
import { writeFileSync } from 'node:fs';
import pg from 'pg';

test('the run has its own database user', async () => {
  const c = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await c.connect();
  const r = await c.query('SELECT current_user AS u');
  writeFileSync(process.env.LK_OUT, r.rows[0].u);
  await c.end();
  if (process.env.LK_HANG) await new Promise(() => {}); // until killed
}, 600_000);
`;

interface Backend {
  kind: 'postgres' | 'mysql' | 'redis';
  start(): Promise<DbServer>;
  /** Statements run as the admin once: the role a user is granted, and one it must not be. */
  setup: string[];
  /** The kind's parameters for an ordinary user. */
  params: string;
  /** Parameters that grant what a temporary user may not get. */
  elevated: string;
  /**
   * Starts recording what the server is sent: its own statement log (PostgreSQL's log_statement = 'all',
   * MariaDB's general log) or, for Redis, whose slowlog and MONITOR redact ACL SETUSER anyway, a proxy in
   * front of its socket that keeps every byte the daemon sends. `admin` is the secret to issue through.
   */
  record(server: DbServer, setAdmin: (name: string, url: string) => Promise<void>): Promise<Recorder>;
  /** How the client library names a Unix socket in a URL's query (the harness's admin URLs say `socket`). */
  librarySocket?: string;
}

interface Recorder {
  admin: string;
  text(): string;
  stop(): Promise<void>;
}

/** A Unix socket in front of `target` that keeps what its clients send. */
async function recordingProxy(target: string, path: string): Promise<{ sent: () => string; close: () => Promise<void> }> {
  let sent = '';
  const open = new Set<Socket>();
  const server = createServer((c) => {
    const up = connect(target);
    open.add(c).add(up);
    c.on('data', (b: Buffer) => (sent += b.toString('latin1')));
    c.pipe(up).pipe(c);
    const end = () => {
      c.destroy();
      up.destroy();
      open.delete(c);
      open.delete(up);
    };
    for (const s of [c, up]) s.on('error', end).on('close', end);
  });
  await new Promise<void>((resolve) => server.listen(path, resolve));
  return {
    sent: () => sent,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of open) s.destroy();
        server.close(() => resolve());
      }),
  };
}

const BACKENDS: Backend[] = [
  {
    kind: 'postgres',
    start: startPostgres,
    setup: ['CREATE ROLE app_rw NOLOGIN', 'CREATE ROLE big_boss SUPERUSER NOLOGIN', 'CREATE ROLE via_boss NOLOGIN IN ROLE big_boss'],
    params: 'grant=app_rw',
    elevated: 'grant=via_boss',
    async record(server) {
      const log = join(server.dir, 'server.log');
      const from = readFileSync(log, 'utf8').length;
      await server.admin("ALTER SYSTEM SET log_statement = 'all'");
      await server.admin('SELECT pg_reload_conf()');
      // A new session sees the setting once the postmaster has reloaded it and told its sessions.
      const on = async () => ((await server.admin('SHOW log_statement')) as Array<{ log_statement: string }>)[0]?.log_statement === 'all';
      expect(await waitFor(on, 5000, 25)).toBe(true);
      return {
        admin: 'db-admin',
        text: () => readFileSync(log, 'utf8').slice(from),
        async stop() {
          await server.admin('ALTER SYSTEM RESET log_statement');
          await server.admin('SELECT pg_reload_conf()');
        },
      };
    },
  },
  {
    kind: 'mysql',
    start: startMysql,
    setup: ['CREATE ROLE app_rw', 'GRANT SELECT ON test_db.* TO app_rw', 'CREATE ROLE big_boss', 'GRANT ALL PRIVILEGES ON *.* TO big_boss'],
    params: 'grant=app_rw',
    elevated: 'grant=big_boss',
    librarySocket: 'socketPath',
    async record(server) {
      const log = join(server.dir, 'general.log');
      await server.admin(`SET GLOBAL general_log_file = '${log}'`);
      await server.admin('SET GLOBAL general_log = 1');
      return {
        admin: 'db-admin',
        text: () => readFileSync(log, 'utf8'),
        stop: async () => void (await server.admin('SET GLOBAL general_log = 0')),
      };
    },
  },
  {
    kind: 'redis',
    start: startRedis,
    setup: [],
    params: 'keys=test:*',
    elevated: 'commands=+@all',
    librarySocket: 'path',
    async record(server, setAdmin) {
      const admin = new URL(server.adminUrl);
      const path = join(server.dir, 'proxy.sock');
      const proxy = await recordingProxy(admin.searchParams.get('socket') as string, path);
      admin.searchParams.set('socket', path);
      await setAdmin('db-proxied', admin.href);
      return { admin: 'db-proxied', text: proxy.sent, stop: proxy.close };
    },
  },
];

describe.each(BACKENDS)('temporary $kind users', (backend) => {
  const db = useDbServer(backend.start);
  const lab = useLab();
  let world: World;
  let daemon: DaemonProcess;
  let server: DbServer;
  let client: AgentConnection;
  let n = 0;

  beforeAll(async () => {
    ({ world, daemon, client } = lab);
    server = db.server;
    for (const s of backend.setup) await server.admin(s);
    const set = await world.agent(['set', 'db-admin', '--ttl', '1h'], { input: server.adminUrl });
    expect(set.code, set.stderr).toBe(0);
    const plain = await world.agent(['set', 'db-plain', '--ttl', '1h'], { input: server.plainUrl });
    expect(plain.code, plain.stderr).toBe(0);
  });

  /** An approved project whose manifest says `DB_URL=agent://temp/<kind>?admin=<admin>&<params>`. */
  async function project(params: string, admin = 'db-admin'): Promise<string> {
    const dir = join(world.home, `p-${++n}`);
    mkdirSync(dir);
    writeFileSync(join(dir, 'agent.env'), `DB_URL=agent://temp/${backend.kind}?admin=${admin}&${params}\n`);
    const real = realpathSync(dir);
    const a = await world.agent(['allow'], { cwd: real });
    expect(a.code, a.stderr).toBe(0);
    return real;
  }

  /** `agent exec -- node db-holder.mjs KIND` in a project, once it holds its connection. */
  async function holder(params = backend.params): Promise<{ run: RunningAgent; pid: number; user: string }> {
    const before = new Set(await server.users());
    const run = startAgent(world, ['exec', '--', process.execPath, HOLDER, backend.kind], { cwd: await project(params) });
    const m = await run.waitForOutput(/ready (\d+)/, 15_000);
    const fresh = (await server.users()).filter((u) => !before.has(u));
    expect(fresh).toHaveLength(1);
    const user = fresh[0] as string;
    expect(await server.sessions(user)).toBeGreaterThanOrEqual(1);
    return { run, pid: Number(m[1]), user };
  }

  /** Waits until `user` is gone from the server's catalog with no session left; returns the time it took. */
  async function goneWithin(user: string, ms: number): Promise<number> {
    const start = Date.now();
    const gone = await waitFor(async () => !(await server.users()).includes(user) && (await server.sessions(user)) === 0, ms, 25);
    expect(gone, `${user} still on the server after ${ms} ms`).toBe(true);
    return Date.now() - start;
  }

  it.each(['exits', 'SIGTERM', 'SIGKILL'] as const)('the child %s while it holds a connection: the user and its session are gone within 2 s', async (how) => {
    const h = await holder();
    if (how === 'exits') h.run.child.stdin?.write('exit\n');
    else process.kill(h.pid, how);
    await h.run.ended;
    await goneWithin(h.user, 2000);
    const events = () => readAudit(world.stateDir).filter((e) => e.event === 'db-user' && e.user === h.user);
    await waitFor(() => events().some((e) => e.outcome === 'dropped'), 2000, 20);
    expect(events().map((e) => e.outcome)).toEqual(['created', 'disabled', 'sessions-killed', 'dropped']);
  });

  it('agent exec is killed with SIGKILL while its child holds a connection: the session is killed, the user dropped', async () => {
    const h = await holder();
    process.kill(h.run.pid, 'SIGKILL');
    if (h.run.pid === h.pid) return; // execve (Node >= 22.15): the child is the agent process, covered above
    // The holder outlives the agent process its lease was bound to, and keeps its connection: the server closes it.
    await h.run.waitForOutput(/closed/, 2000);
    await goneWithin(h.user, 2000);
    const killed = await waitFor(() => readAudit(world.stateDir).find((e) => e.event === 'db-user' && e.user === h.user && e.outcome === 'sessions-killed'), 2000, 20);
    expect(killed?.sessions).toBe(1);
    h.run.child.stdin?.write('exit\n');
    await waitFor(() => !alive(h.pid), 5000, 20);
  });

  it('the TTL passes while the child runs: its connection is closed and a new login fails', async () => {
    const h = await holder(`${backend.params}&ttl=3s`);
    await h.run.waitForOutput(/closed/, 8000);
    await goneWithin(h.user, 2000);
    h.run.child.stdin?.write('login\n');
    await h.run.waitForOutput(/login (ok|refused)/, 5000);
    expect(h.run.stdout()).toContain('login refused');
    h.run.child.stdin?.write('exit\n');
    await h.run.ended;
  });

  it('agent revoke mid-run ends the user and closes its session', async () => {
    const h = await holder();
    const leases = JSON.parse((await world.agent(['leases', '--json'])).stdout) as Array<{ leaseId: string; kind: string; boundPid: number }>;
    const lease = leases.find((l) => l.kind === backend.kind);
    expect(lease).toBeDefined();
    const r = await world.agent(['revoke', lease!.leaseId]);
    expect(r.code, r.stderr).toBe(0);
    // revoke answers once the first teardown attempt is done: the user is gone already
    expect(await server.users()).not.toContain(h.user);
    await h.run.waitForOutput(/closed/, 2000);
    h.run.child.stdin?.write('exit\n');
    await h.run.ended;
  });

  it('the daemon is killed with -9 while leases are live: after a restart the orphaned users are gone within 5 s', async () => {
    const a = await holder();
    const b = await holder();
    await daemon.kill('SIGKILL');
    process.kill(a.pid, 'SIGKILL');
    await a.run.ended;
    expect(await server.users()).toEqual(expect.arrayContaining([a.user, b.user]));
    daemon = await world.startDaemon();
    // a's process is gone: torn down at start. b's still runs: adopted, and torn down when it exits.
    await goneWithin(a.user, 5000);
    expect(await server.users()).toContain(b.user);
    const leases = JSON.parse((await world.agent(['leases', '--json'])).stdout) as Array<{ state: string; kind: string }>;
    expect(leases.filter((l) => l.kind === backend.kind).map((l) => l.state)).toEqual(['adopted']);
    b.run.child.stdin?.write('exit\n');
    await b.run.ended;
    await goneWithin(b.user, 2000);
    expect(alive(daemon.pid)).toBe(true);
  });

  it('after a daemon restart, IntrospectTempKey knows an adopted user by its value until its lease ends', async () => {
    const params = Object.fromEntries(new URLSearchParams(`admin=db-admin&${backend.params}`));
    const key = await client.tempKey({ kind: backend.kind, ttl: '5m', params, bindPid: -1 });
    const before = await client.introspectTempKey(key.value);
    expect(before).toMatchObject({ active: true, leaseId: key.leaseId, kind: backend.kind });
    await daemon.kill('SIGKILL');
    daemon = await world.startDaemon();
    const user = decodeURIComponent(new URL(key.value).username);
    expect(await server.users()).toContain(user);
    expect(await client.introspectTempKey(key.value)).toEqual(before);
    const other = new URL(key.value);
    other.password = `${other.password.slice(0, -1)}${other.password.endsWith('A') ? 'B' : 'A'}`;
    expect((await client.introspectTempKey(other.href)).active).toBe(false);
    expect(await client.revokeLease(key.leaseId)).toBe(true);
    expect(await client.introspectTempKey(key.value)).toEqual({ active: false, leaseId: '', expiresAt: 0, kind: '' });
    expect(await server.users()).not.toContain(user);
  });

  it('the server is down at teardown time: the teardown is pending, and completes once the server is back', async () => {
    const h = await holder();
    await server.stop();
    h.run.child.stdin?.write('exit\n');
    await h.run.ended;
    const pending = await waitFor(async () => {
      const leases = JSON.parse((await world.agent(['leases', '--json'])).stdout) as Array<{ state: string; kind: string }>;
      return leases.some((l) => l.kind === backend.kind && l.state === 'teardown pending');
    }, 5000, 50);
    expect(pending).toBe(true);
    await server.start();
    await goneWithin(h.user, 15_000);
    // (a restarted redis forgets users set at run time: the retry then finds no user, and says so)
    const outcomes = () => readAudit(world.stateDir).filter((e) => e.event === 'db-user' && e.user === h.user).map((e) => e.outcome);
    await waitFor(() => outcomes().at(-1) === 'dropped', 15_000, 50);
    expect(outcomes()).toContain('failed');
    expect(outcomes().at(-1)).toBe('dropped');
    await waitFor(async () => (await client.listLeases()).every((l) => l.kind !== backend.kind), 5000, 50);
  });

  it('200 cycles of issue and teardown, 8 in parallel: 0 users left, 0 errors', async () => {
    const params = Object.fromEntries(new URLSearchParams(`admin=db-admin&${backend.params}`));
    let errors = 0;
    let next = 0;
    const worker = async () => {
      while (next < 200) {
        next++;
        try {
          const key = await client.tempKey({ kind: backend.kind, ttl: '5m', params, bindPid: -1 });
          await key.revoke();
        } catch (err) {
          errors++;
          console.error(err);
        }
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    expect(errors).toBe(0);
    expect(await server.users()).toEqual([]);
  }, 120_000);

  it('a grant of what a temporary user may not get, or an admin secret that is no admin, is refused before anything is created', async () => {
    const before = await server.users();
    const elevated = startAgent(world, ['exec', '--', 'true'], { cwd: await project(backend.elevated) });
    const r1 = await elevated.ended;
    expect(r1.code, r1.stderr).toBe(77);
    expect(r1.stderr).toMatch(/agent: error: .*(grant|commands)/);
    const plain = startAgent(world, ['exec', '--', 'true'], { cwd: await project(backend.params, 'db-plain') });
    const r2 = await plain.ended;
    expect(r2.code, r2.stderr).toBe(77);
    expect(r2.stderr).toContain('is not an admin');
    expect(await server.users()).toEqual(before);
    const refused = readAudit(world.stateDir).filter((e) => e.event === 'db-user' && e.outcome === 'refused');
    expect(refused.length).toBeGreaterThanOrEqual(2);
    // The ledger line synced while the checks ran is closed again: nothing is left for the next start.
    const ledger = join(world.stateDir, 'db-users.jsonl');
    const openInLedger = () => {
      const open = new Set<string>();
      for (const line of readFileSync(ledger, 'utf8').split('\n').filter(Boolean)) {
        const l = JSON.parse(line) as { op: string; leaseId: string };
        if (l.op === 'begin') open.add(l.leaseId);
        else open.delete(l.leaseId);
      }
      return [...open];
    };
    expect(refused.every((e) => readFileSync(ledger, 'utf8').includes(e.leaseId as string))).toBe(true);
    expect(await waitFor(() => openInLedger().length === 0, 2000, 25), 'refused leases left open in the ledger').toBe(true);
    // the password of the admin never reaches the audit trail or the daemon log
    const adminPw = decodeURIComponent(new URL(server.adminUrl).password);
    // Compared as booleans, so a failure does not print the password it found.
    expect(readFileSync(join(world.stateDir, 'audit.jsonl'), 'utf8').includes(adminPw), 'the admin password is in audit.jsonl').toBe(false);
    expect(readFileSync(join(world.stateDir, 'db-users.jsonl'), 'utf8').includes(adminPw), 'the admin password is in db-users.jsonl').toBe(false);
  });

  it("the password never reaches the server: what it is sent and logs names the user but holds no password, and the password logs in", async () => {
    const rec = await backend.record(server, async (name, url) => {
      const r = await world.agent(['set', name, '--ttl', '1h'], { input: url });
      expect(r.code, r.stderr).toBe(0);
    });
    try {
      const params = Object.fromEntries(new URLSearchParams(`admin=${rec.admin}&${backend.params}`));
      const key = await client.tempKey({ kind: backend.kind, ttl: '5m', params, bindPid: -1 });
      const url = new URL(key.value);
      const user = decodeURIComponent(url.username);
      const pw = decodeURIComponent(url.password);
      expect(pw.length).toBeGreaterThanOrEqual(32);
      expect(await waitFor(() => rec.text().includes(user), 5000, 25), `${user} never in what the server was sent`).toBe(true);
      expect(rec.text().includes(pw), 'the password is in what the server was sent').toBe(false);
      await server.login(key.value);
      await key.revoke();
      expect(await server.users()).not.toContain(user);
    } finally {
      await rec.stop();
    }
  });

  it.runIf(backend.librarySocket !== undefined)("an admin URL naming its socket in the client library's spelling works, and the value names it so", async () => {
    const name = backend.librarySocket as string;
    const admin = new URL(server.adminUrl);
    const socket = admin.searchParams.get('socket') as string;
    admin.searchParams.delete('socket');
    admin.searchParams.set(name, socket);
    const set = await world.agent(['set', 'db-lib-socket', '--ttl', '1h'], { input: admin.href });
    expect(set.code, set.stderr).toBe(0);
    for (const secret of ['db-lib-socket', 'db-admin']) {
      const params = Object.fromEntries(new URLSearchParams(`admin=${secret}&${backend.params}`));
      const key = await client.tempKey({ kind: backend.kind, ttl: '5m', params, bindPid: -1 });
      const value = new URL(key.value);
      expect([...value.searchParams.keys()]).toEqual([name]);
      expect(value.searchParams.get(name)).toBe(socket);
      await server.login(key.value);
      await key.revoke();
      expect(await server.users()).not.toContain(decodeURIComponent(value.username));
    }
  });

  it.runIf(backend.kind === 'postgres')('the README vitest example: the run gets its own user, gone after the run however it ends', async () => {
    for (const hang of [false, true]) {
      const dir = join(world.home, `vitest-${++n}`);
      mkdirSync(join(dir, 'node_modules', '@latchkey'), { recursive: true });
      symlinkSync(join(ROOT, 'packages', 'client'), join(dir, 'node_modules', '@latchkey', 'client'));
      symlinkSync(realpathSync(join(ROOT, 'test', 'node_modules', 'pg')), join(dir, 'node_modules', 'pg'));
      const keys = { DATABASE_URL: { kind: 'postgres', ttl: '15m', params: { admin: 'db-admin', grant: 'app_rw' } } };
      writeFileSync(
        join(dir, 'vitest.config.mjs'),
        `export default { test: { include: ['db.test.mjs'], globals: true, globalSetup: ['@latchkey/client/vitest'], provide: { latchkeyKeys: ${JSON.stringify(keys)} } } };\n`,
      );
      writeFileSync(join(dir, 'db.test.mjs'), INNER_TEST);
      const out = join(dir, 'user.txt');
      const child = spawn(process.execPath, [VITEST, 'run', '--root', dir], {
        env: { ...world.env, LK_OUT: out, ...(hang ? { LK_HANG: '1' } : {}) },
        cwd: dir,
        stdio: 'ignore',
        detached: true,
      });
      const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
      expect(await waitFor(() => existsSync(out) && readFileSync(out, 'utf8').startsWith('lk_'), 60_000, 50), 'the inner test never connected').toBe(true);
      const user = readFileSync(out, 'utf8');
      if (hang) process.kill(-(child.pid as number), 'SIGKILL'); // vitest and its workers: no teardown runs
      const code = await exited;
      if (!hang) expect(code).toBe(0);
      await goneWithin(user, 2000);
    }
  }, 120_000);

  it('the admin secret can allow an elevated grant (agent set --allow-grant), and a set without it takes the allowance back', async () => {
    const allow = await world.agent(['set', 'db-admin', '--ttl', '1h', '--allow-grant', 'superuser'], { input: server.adminUrl });
    expect(allow.code, allow.stderr).toBe(0);
    const ls = JSON.parse((await world.agent(['ls', '--json'])).stdout) as Array<{ name: string; allowGrants?: string[]; expiry: string }>;
    expect(ls.find((m) => m.name === 'db-admin')).toMatchObject({ allowGrants: ['superuser'], expiry: 'local' });
    const dir = await project(backend.elevated);
    const ok = await startAgent(world, ['exec', '--', 'true'], { cwd: dir }).ended;
    expect(ok.code, ok.stderr).toBe(0);
    await waitFor(async () => (await server.users()).length === 0, 2000, 25);
    expect(await server.users()).toEqual([]);
    const back = await world.agent(['set', 'db-admin', '--ttl', '1h'], { input: server.adminUrl });
    expect(back.code, back.stderr).toBe(0);
    const again = await world.agent(['allow'], { cwd: dir });
    expect(again.code, again.stderr).toBe(0);
    const refused = await startAgent(world, ['exec', '--', 'true'], { cwd: dir }).ended;
    expect(refused.code, refused.stderr).toBe(77);
  });
});
