// Real database servers for tests: PostgreSQL, MariaDB and Redis from Debian's packages (scripts/setup.sh
// installs them), each started by the test in a temp folder on a Unix socket, never as a system service
// and never a mock. Each server has an admin user with a password (what an `admin` secret holds) and a
// user that is not an admin.
//
// Run as root (CI), the servers run as the unprivileged user `latchkey-db` that scripts/setup.sh creates
// (PostgreSQL refuses to run as root): every server command goes through `setpriv --reuid --regid
// --clear-groups`, and the temp folder is handed to that user. Run as anyone else, they run as the test user.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';

/** The user database servers run as when the tests run as root. */
export const DB_USER = 'latchkey-db';

interface RunAs {
  uid: number;
  gid: number;
  /** The command prefix that runs a program as that user (empty when it is the test user). */
  prefix: string[];
}

function runAs(): RunAs {
  const uid = process.getuid?.() ?? 0;
  const gid = process.getgid?.() ?? 0;
  if (uid !== 0) return { uid, gid, prefix: [] };
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${DB_USER}:`));
  if (!line) throw new Error(`the tests run as root but user ${DB_USER} does not exist: run scripts/setup.sh (it creates it)`);
  const [, , u, g] = line.split(':');
  const ruid = Number(u);
  const rgid = Number(g);
  return { uid: ruid, gid: rgid, prefix: ['setpriv', `--reuid=${ruid}`, `--regid=${rgid}`, '--clear-groups', '--'] };
}

/** Hands a folder (and what is in it) to the server user. */
function chownTree(path: string, who: RunAs): void {
  if (who.prefix.length === 0) return;
  chownSync(path, who.uid, who.gid);
  if (statSync(path).isDirectory()) for (const e of readdirSync(path)) chownTree(join(path, e), who);
}

function must(cmd: string[], what: string): void {
  const [bin, ...args] = cmd as [string, ...string[]];
  const r = spawnSync(bin, args, { encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0) throw new Error(`${what} failed (${r.status ?? r.signal}): ${r.error?.message ?? ''}${r.stderr}${r.stdout}`);
}

/** Finds a program of a Debian package that may not be on PATH (PostgreSQL's live under /usr/lib/postgresql/N/bin). */
function program(name: string): string {
  for (const dir of (process.env.PATH ?? '').split(':')) if (dir && existsSync(join(dir, name))) return join(dir, name);
  for (const dir of ['/usr/sbin', '/usr/bin']) if (existsSync(join(dir, name))) return join(dir, name);
  if (existsSync('/usr/lib/postgresql')) {
    const versions = readdirSync('/usr/lib/postgresql').sort((a, b) => Number(b) - Number(a));
    for (const v of versions) {
      const p = join('/usr/lib/postgresql', v, 'bin', name);
      if (existsSync(p)) return p;
    }
  }
  throw new Error(`${name} not found: run scripts/setup.sh (it installs postgresql, mariadb-server and redis-server)`);
}

async function waitUntil(check: () => Promise<boolean> | boolean, timeoutMs: number, what: string, log?: () => string): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > end) throw new Error(`${what} did not happen within ${timeoutMs} ms${log ? `\n${log()}` : ''}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export interface DbServer {
  kind: 'postgres' | 'mysql' | 'redis';
  /** The temp folder holding the data and the socket. */
  dir: string;
  /** A connection URL for the admin user: what an `admin` secret holds. */
  adminUrl: string;
  /** A connection URL for a user that can log in but is no admin. */
  plainUrl: string;
  /** Stops the server (fast shutdown: open sessions are closed) and waits for it to exit. */
  stop(): Promise<void>;
  /** Starts it again on the same folder and socket. */
  start(): Promise<void>;
  /** Stops the server and removes its folder. */
  destroy(): Promise<void>;
  /** The users whose name starts with `prefix`, from the server's own catalog (pg_roles, mysql.user, ACL LIST). */
  users(prefix?: string): Promise<string[]>;
  /** How many sessions `user` has open (pg_stat_activity, information_schema.processlist, CLIENT LIST). */
  sessions(user: string): Promise<number>;
  /**
   * Logs in with a connection URL handed to the client library as it is (pg's connectionString, mysql2's
   * and ioredis's URL) and runs one trivial command; rejects when the server refuses.
   */
  login(url: string): Promise<void>;
  /** Runs one statement (SQL, or a Redis command line split on spaces) as the admin. */
  admin(statement: string): Promise<unknown>;
}

/** A random password of letters and digits. */
const password = (): string => randomBytes(18).toString('base64url').replace(/[-_]/g, 'x');

/** What each server starts from: the user it runs as, a temp folder `/tmp/lk-<short>-*`, two passwords. */
function newServer(short: string): { who: RunAs; dir: string; adminPw: string; plainPw: string } {
  return { who: runAs(), dir: mkdtempSync(`/tmp/lk-${short}-`), adminPw: password(), plainPw: password() };
}

/**
 * A PostgreSQL server in a temp folder: initdb with SCRAM password auth, listening on a Unix socket only.
 * The admin is a superuser `lk_admin`; the plain user `lk_plain` has LOGIN only.
 */
export async function startPostgres(): Promise<DbServer> {
  const { who, dir, adminPw, plainPw } = newServer('pg');
  const data = join(dir, 'data');
  writeFileSync(join(dir, 'pw'), `${adminPw}\n`, { mode: 0o600 });
  chownTree(dir, who);
  must([...who.prefix, program('initdb'), '-D', data, '-U', 'lk_admin', '--auth=scram-sha-256', `--pwfile=${join(dir, 'pw')}`, '--no-sync', '-E', 'UTF8', '--locale=C'], 'initdb');
  rmSync(join(dir, 'pw'));
  const pgCtl = program('pg_ctl');
  const opts = `-k ${dir} -c listen_addresses='' -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200 -c shared_buffers=16MB`;
  const log = join(dir, 'server.log');
  const serverLog = (): string => (existsSync(log) ? readFileSync(log, 'utf8').slice(-4000) : '');
  const start = async (): Promise<void> => {
    must([...who.prefix, pgCtl, '-D', data, '-l', log, '-o', opts, '-w', '-t', '60', 'start'], `pg_ctl start\n${serverLog()}`);
  };
  const stop = async (): Promise<void> => {
    must([...who.prefix, pgCtl, '-D', data, '-m', 'fast', '-w', '-t', '60', 'stop'], 'pg_ctl stop');
  };
  await start();
  const host = encodeURIComponent(dir);
  const adminUrl = `postgresql://lk_admin:${adminPw}@${host}/postgres`;
  const { default: pg } = await import('pg');
  const query = async (sql: string, params: unknown[] = []): Promise<Array<Record<string, unknown>>> => {
    const c = new pg.Client({ connectionString: adminUrl });
    await c.connect();
    try {
      return (await c.query(sql, params)).rows as Array<Record<string, unknown>>;
    } finally {
      await c.end();
    }
  };
  await query(`CREATE ROLE lk_plain LOGIN PASSWORD '${plainPw}'`);
  return {
    users: async (prefix = 'lk_') => (await query('SELECT rolname FROM pg_roles WHERE starts_with(rolname, $1) ORDER BY 1', [prefix])).map((r) => String(r.rolname)).filter((u) => u !== 'lk_admin' && u !== 'lk_plain'),
    sessions: async (user) => Number((await query('SELECT count(*) AS n FROM pg_stat_activity WHERE usename = $1', [user]))[0]?.n ?? 0),
    login: async (url) => {
      const c = new pg.Client({ connectionString: url });
      c.on('error', () => undefined);
      await c.connect();
      try {
        await c.query('SELECT 1');
      } finally {
        await c.end();
      }
    },
    admin: (sql) => query(sql),
    kind: 'postgres',
    dir,
    adminUrl,
    plainUrl: `postgresql://lk_plain:${plainPw}@${host}/postgres`,
    stop,
    start,
    async destroy() {
      if (existsSync(join(data, 'postmaster.pid'))) await stop().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Spawns a long-running server as the server user; resolves its exit. */
function spawnServer(cmd: string[], who: RunAs): { child: ChildProcess; exited: Promise<void>; output: () => string } {
  const [bin, ...args] = [...who.prefix, ...cmd] as [string, ...string[]];
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (b: Buffer) => (out = (out + b.toString()).slice(-8000)));
  child.stderr?.on('data', (b: Buffer) => (out = (out + b.toString()).slice(-8000)));
  const exited = new Promise<void>((r) => child.on('exit', () => r()));
  return { child, exited, output: () => out };
}

/** Resolves once `check` passes, or rejects when the server exits first or `timeoutMs` passes. */
async function ready(server: { exited: Promise<void>; output: () => string }, check: () => Promise<unknown>, what: string, timeoutMs = 60_000): Promise<void> {
  let exited = false;
  void server.exited.then(() => (exited = true));
  await waitUntil(
    async () => {
      if (exited) throw new Error(`${what} exited while starting:\n${server.output()}`);
      return check().then(
        () => true,
        () => false,
      );
    },
    timeoutMs,
    `${what} answering`,
    server.output,
  );
}

/** Sends SIGTERM and waits for the exit (SIGKILL after 30 s). */
async function terminate(server: { child: ChildProcess; exited: Promise<void> } | undefined): Promise<void> {
  if (!server || server.child.exitCode !== null || server.child.signalCode !== null) return;
  server.child.kill('SIGTERM');
  const t = setTimeout(() => server.child.kill('SIGKILL'), 30_000);
  await server.exited;
  clearTimeout(t);
}

/** start, stop and destroy of a server process of ours whose data lives in `dir`. */
function lifecycle(dir: string, start: () => Promise<void>, current: () => { child: ChildProcess; exited: Promise<void> } | undefined) {
  return {
    start,
    stop: () => terminate(current()),
    async destroy() {
      await terminate(current());
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A connection URL for `user` of the server of `kind` on the Unix socket `socket`. */
function socketUrl(kind: 'mysql' | 'redis', user: string, pw: string, socket: string): string {
  return `${kind}://${user}:${pw}@localhost/?socket=${encodeURIComponent(socket)}`;
}

/** The fields other than its queries of a server process of ours on the Unix socket `socket` in `dir`. */
function socketServer(
  kind: 'mysql' | 'redis',
  dir: string,
  socket: string,
  passwords: { admin: string; plain: string },
  start: () => Promise<void>,
  current: () => { child: ChildProcess; exited: Promise<void> } | undefined,
) {
  return {
    kind,
    dir,
    adminUrl: socketUrl(kind, 'lk_admin', passwords.admin, socket),
    plainUrl: socketUrl(kind, 'lk_plain', passwords.plain, socket),
    ...lifecycle(dir, start, current),
  };
}

/**
 * A MariaDB server in a temp folder (mariadb-install-db, then mariadbd with networking off, on a Unix
 * socket). The admin `lk_admin@localhost` has ALL PRIVILEGES WITH GRANT OPTION; `lk_plain@localhost`
 * has USAGE only. A database `test_db` exists.
 */
export async function startMysql(): Promise<DbServer> {
  const { who, dir, adminPw, plainPw } = newServer('my');
  const data = join(dir, 'data');
  const socket = join(dir, 'mysqld.sock');
  writeFileSync(
    join(dir, 'init.sql'),
    [
      `CREATE USER IF NOT EXISTS 'lk_admin'@'localhost' IDENTIFIED BY '${adminPw}'`,
      `GRANT ALL PRIVILEGES ON *.* TO 'lk_admin'@'localhost' WITH GRANT OPTION`,
      `CREATE USER IF NOT EXISTS 'lk_plain'@'localhost' IDENTIFIED BY '${plainPw}'`,
      'CREATE DATABASE IF NOT EXISTS test_db',
      '',
    ].join(';\n'),
    { mode: 0o600 },
  );
  chownTree(dir, who);
  must(
    [...who.prefix, program('mariadb-install-db'), '--no-defaults', `--datadir=${data}`, '--auth-root-authentication-method=socket', '--skip-test-db', '--skip-name-resolve'],
    'mariadb-install-db',
  );
  let server: ReturnType<typeof spawnServer> | undefined;
  const adminUrl = socketUrl('mysql', 'lk_admin', adminPw, socket);
  const mysql = await import('mysql2/promise');
  const connect = (url: string) => {
    const u = new URL(url);
    return mysql.createConnection({ socketPath: u.searchParams.get('socket') as string, user: decodeURIComponent(u.username), password: decodeURIComponent(u.password) });
  };
  const query = async (sql: string, params: unknown[] = []): Promise<Array<Record<string, unknown>>> => {
    const c = await connect(adminUrl);
    try {
      return (await c.query(sql, params))[0] as Array<Record<string, unknown>>;
    } finally {
      await c.end();
    }
  };
  const start = async (): Promise<void> => {
    server = spawnServer(
      [
        program('mariadbd'),
        '--no-defaults',
        `--datadir=${data}`,
        `--socket=${socket}`,
        '--skip-networking',
        `--pid-file=${join(dir, 'mysqld.pid')}`,
        `--init-file=${join(dir, 'init.sql')}`,
        '--innodb-buffer-pool-size=16M',
        '--innodb-log-file-size=8M',
        '--innodb-flush-log-at-trx-commit=0',
        '--skip-log-bin',
        '--max-connections=300',
        '--skip-name-resolve',
      ],
      who,
    );
    await ready(server, () => query('SELECT 1'), 'mariadbd');
  };
  await start();
  return {
    ...socketServer('mysql', dir, socket, { admin: adminPw, plain: plainPw }, start, () => server),
    users: async (prefix = 'lk_') =>
      (await query("SELECT User AS u FROM mysql.user WHERE is_role = 'N' AND LEFT(User, ?) = ? ORDER BY 1", [prefix.length, prefix]))
        .map((r) => String(r.u))
        .filter((u) => u !== 'lk_admin' && u !== 'lk_plain'),
    sessions: async (user) => Number((await query('SELECT count(*) AS n FROM information_schema.processlist WHERE USER = ?', [user]))[0]?.n ?? 0),
    login: async (url) => {
      const c = await mysql.createConnection(url);
      try {
        await c.query('SELECT 1');
      } finally {
        await c.end();
      }
    },
    admin: (sql) => query(sql),
  };
}

/**
 * A Redis server in a temp folder on a Unix socket only, no persistence. Its config file defines the
 * admin `lk_admin` (+@all), `lk_plain` (+@read), and turns the default user off.
 */
export async function startRedis(): Promise<DbServer> {
  const { who, dir, adminPw, plainPw } = newServer('rd');
  const socket = join(dir, 'redis.sock');
  const conf = join(dir, 'redis.conf');
  writeFileSync(
    conf,
    [
      'port 0',
      `unixsocket ${socket}`,
      'unixsocketperm 700',
      `dir ${dir}`,
      'save ""',
      'appendonly no',
      'daemonize no',
      'maxclients 1000',
      'user default off',
      `user lk_admin on >${adminPw} ~* &* +@all`,
      `user lk_plain on >${plainPw} ~* resetchannels -@all +@read +ping`,
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
  chownTree(dir, who);
  let server: ReturnType<typeof spawnServer> | undefined;
  const adminUrl = socketUrl('redis', 'lk_admin', adminPw, socket);
  const { Redis } = await import('ioredis');
  const connect = async (url: string) => {
    const u = new URL(url);
    const c = new Redis({ path: u.searchParams.get('socket') as string, username: decodeURIComponent(u.username), password: decodeURIComponent(u.password), lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0, enableOfflineQueue: false });
    c.on('error', () => undefined);
    await c.connect();
    return c;
  };
  const command = async (line: string): Promise<unknown> => {
    const c = await connect(adminUrl);
    try {
      const [cmd, ...args] = line.split(' ') as [string, ...string[]];
      return await c.call(cmd, ...args);
    } finally {
      c.disconnect();
    }
  };
  const start = async (): Promise<void> => {
    server = spawnServer([program('redis-server'), conf], who);
    await ready(server, () => command('PING'), 'redis-server');
  };
  await start();
  return {
    ...socketServer('redis', dir, socket, { admin: adminPw, plain: plainPw }, start, () => server),
    users: async (prefix = 'lk_') =>
      ((await command('ACL LIST')) as string[])
        .map((l) => l.split(' ')[1] as string)
        .filter((u) => u.startsWith(prefix) && u !== 'lk_admin' && u !== 'lk_plain')
        .sort(),
    sessions: async (user) =>
      String(await command('CLIENT LIST'))
        .split('\n')
        .filter((l) => l.includes(` user=${user} `)).length,
    login: async (url) => {
      const c = new Redis(url, { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0, enableOfflineQueue: false });
      c.on('error', () => undefined);
      try {
        await c.connect();
        // AUTH is the one command every user may run (PING needs +@connection)
        const u = new URL(url);
        await c.call('AUTH', decodeURIComponent(u.username), decodeURIComponent(u.password));
      } finally {
        c.disconnect();
      }
    },
    admin: (line) => command(line),
  };
}

/**
 * A database server (`startPostgres`, `startMysql`, `startRedis`) for the describe block this is called in:
 * started before its first test, destroyed after its last. Its `server` is set once the block starts.
 */
export function useDbServer(start: () => Promise<DbServer>): { server: DbServer } {
  const db = {} as { server: DbServer };
  beforeAll(async () => {
    db.server = await start();
  });
  afterAll(async () => {
    await db.server?.destroy();
  });
  return db;
}
