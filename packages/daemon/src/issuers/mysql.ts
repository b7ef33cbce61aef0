// The `mysql` temporary key kind: a user `'lk_<lease>'@'localhost'` on a MariaDB or MySQL server, created
// through the admin connection URL a stored secret holds (`mysql://USER:PASSWORD@HOST:PORT/DB`, or
// `mysql://USER:PASSWORD@localhost/DB?socket=/path/to/mysqld.sock`), with a random password, the granted
// roles (the first is its default role) and, with `database`, the listed privileges on that database
// only. The client library `mysql2` is loaded on first use only. The server gets the password's
// mysql_native_password hash only (computed here, verifiers.ts; MariaDB writes a statement to its general
// log as sent); a MySQL without that plugin (8.4 and later) gets the password, which MySQL rewrites out
// of its logs.
//
// MariaDB and MySQL have no password expiry at a moment (only in whole days), so the server itself does
// not end the user at the lease's TTL: the daemon's teardown does, and the ledger makes it happen after
// a crash. Teardown: ACCOUNT LOCK; KILL CONNECTION for each of its sessions (information_schema.
// PROCESSLIST); DROP USER; the sessions killed once more in case one logged in between. Users own no
// objects on these servers: a view or routine it defined stays, and fails to run after the drop (the
// server's own rule), so nothing can make the drop fail and leave the user behind.
import { deniedError, inputError, listParam, quote } from '@latchkey/core';
import { requireLibrary, type DbAdmin, type DbBackend, type DbUserSpec } from './database.js';
import { mysqlNativeHash } from './verifiers.js';

type Mysql = typeof import('mysql2/promise');
type Pool = import('mysql2/promise').Pool;

let mysqlModule: Mysql | undefined;
const loadMysql = async (): Promise<Mysql> => (mysqlModule ??= requireLibrary<Mysql>('mysql2/promise'));

/** The privileges `privileges=` may name (on the lease's database only). */
const DATABASE_PRIVILEGES = new Set([
  'SELECT', 'INSERT', 'UPDATE', 'DELETE', 'CREATE', 'DROP', 'INDEX', 'ALTER', 'CREATE TEMPORARY TABLES', 'LOCK TABLES',
  'EXECUTE', 'CREATE VIEW', 'SHOW VIEW', 'CREATE ROUTINE', 'ALTER ROUTINE', 'EVENT', 'TRIGGER', 'REFERENCES',
]);

/** Global privileges as weighty as a superuser's, and those that create or grant users. */
const SUPER_PRIVILEGES = ['ALL PRIVILEGES', 'SUPER', 'FILE', 'SHUTDOWN', 'PROCESS', 'RELOAD', 'BINLOG ADMIN', 'CONNECTION ADMIN', 'READ_ONLY ADMIN', 'REPLICATION MASTER ADMIN'];
const ROLE_PRIVILEGES = ['CREATE USER', 'GRANT OPTION'];

interface Target {
  host?: string;
  port?: number;
  socketPath?: string;
  user: string;
  password: string;
  database?: string;
}

function parseAdminUrl(url: string, adminName: string): { target: Target; url: URL } {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw inputError(`admin secret ${quote(adminName)} is not a connection URL`, 'store mysql://USER:PASSWORD@HOST:PORT/DATABASE in it (agent set NAME)');
  }
  if (u.protocol !== 'mysql:' && u.protocol !== 'mariadb:') throw inputError(`admin secret ${quote(adminName)} is not a mysql:// URL`, 'store mysql://USER:PASSWORD@HOST:PORT/DATABASE in it');
  const socketPath = u.searchParams.get('socket') ?? u.searchParams.get('socketPath') ?? undefined;
  const database = decodeURIComponent(u.pathname.slice(1)) || undefined;
  return {
    url: u,
    target: {
      ...(socketPath ? { socketPath } : { host: u.hostname || 'localhost', port: u.port ? Number(u.port) : 3306 }),
      user: decodeURIComponent(u.username),
      password: decodeURIComponent(u.password),
      ...(database ? { database } : {}),
    },
  };
}

/** The host part of the users made through this admin URL: 'localhost' for a socket or a loopback host. */
function userHost(target: Target): string {
  if (target.socketPath || target.host === 'localhost' || target.host === '127.0.0.1' || target.host === '[::1]') return 'localhost';
  return '%';
}

const pools = new Map<string, Pool>();

async function poolFor(adminUrl: string, adminName: string): Promise<{ pool: Pool; host: string }> {
  const { target } = parseAdminUrl(adminUrl, adminName);
  const host = userHost(target);
  let pool = pools.get(adminUrl);
  if (!pool) {
    const mysql = await loadMysql();
    pool = mysql.createPool({ ...target, connectionLimit: 4, maxIdle: 4, idleTimeout: 10_000, connectTimeout: 5_000, enableKeepAlive: false });
    pools.set(adminUrl, pool);
  }
  return { pool, host };
}

class MysqlAdmin implements DbAdmin {
  constructor(
    private readonly pool: Pool,
    private readonly host: string,
    private readonly adminName: string,
  ) {}

  /** The admin's grants and the grants' roles at once, on two of the pool's connections; the admin's refusal comes first. */
  async check(spec: DbUserSpec): Promise<void> {
    const [admin, grants] = await Promise.allSettled([this.assertAdmin(), this.checkGrants(spec)]);
    if (admin.status === 'rejected') throw admin.reason;
    if (grants.status === 'rejected') throw grants.reason;
  }

  private async assertAdmin(): Promise<void> {
    const [rows] = await this.pool.query('SHOW GRANTS');
    const grants = (rows as Array<Record<string, string>>).map((r) => Object.values(r)[0] ?? '');
    const global = grants.filter((g) => / ON \*\.\* TO /.test(g)).join(' ');
    const canCreate = /\bALL PRIVILEGES\b/.test(global) || /\bCREATE USER\b/.test(global);
    const canGrant = /WITH GRANT OPTION/.test(global);
    if (!canCreate || !canGrant) {
      const [who] = await this.pool.query('SELECT CURRENT_USER() AS u');
      const me = (who as Array<{ u: string }>)[0]?.u ?? '?';
      throw deniedError(
        `admin secret ${quote(this.adminName)} is not an admin: ${me} lacks ${!canCreate ? 'CREATE USER' : 'GRANT OPTION'} on *.*`,
        'store the URL of a user with CREATE USER and GRANT OPTION on *.* in the admin secret',
      );
    }
  }

  private async checkGrants(spec: DbUserSpec): Promise<void> {
    const privileges = listParam(spec.params.privileges).map((p) => p.toUpperCase().replace(/\s+/g, ' '));
    for (const p of privileges) {
      if (!DATABASE_PRIVILEGES.has(p)) throw inputError(`privileges: ${quote(p)} is not a privilege on a database`, `use ${[...DATABASE_PRIVILEGES].slice(0, 6).join(', ')}, ...`);
    }
    if (privileges.length > 0 && spec.params.database === undefined) throw inputError('privileges need a database', 'pass database=NAME: privileges are granted on that database only');
    const roles = listParam(spec.params.grant);
    if (roles.length === 0) return;
    // Which of the names are roles, and what each holds, asked at once (one round trip on the pool's
    // connections): a SHOW GRANTS FOR a name that is no role is not read (it fails, or shows a user's).
    // An answer left unread (a refusal came first) is no unhandled rejection.
    const ask = (role: string): [string, Promise<string[]>] => {
      const grants = this.pool.query('SHOW GRANTS FOR ?', [role]).then(([rows]) => (rows as Array<Record<string, string>>).map((r) => Object.values(r)[0] ?? ''));
      grants.catch(() => undefined);
      return [role, grants];
    };
    let round = roles.map(ask);
    const [found] = await this.pool.query("SELECT User AS u FROM mysql.user WHERE is_role = 'Y' AND User IN (?)", [roles]);
    const have = new Set((found as Array<{ u: string }>).map((r) => r.u));
    const missing = roles.filter((r) => !have.has(r));
    if (missing.length > 0) throw inputError(`grant: no role ${missing.map(quote).join(', ')} on the server`, 'grant existing roles (CREATE ROLE app_rw; first)');
    // Every role the grants reach (a role granted to a role), and what each holds on *.* and on mysql.*;
    // the roles a round finds are asked about together in the next.
    const seen = new Set<string>(roles);
    while (round.length > 0) {
      const next: string[] = [];
      for (const [role, grants] of round) {
        for (const g of await grants) {
          const nested = /^GRANT `?([^`'\s]+)`? TO /.exec(g);
          if (nested && !/ ON /.test(g)) {
            const name = nested[1] as string;
            if (!seen.has(name)) {
              seen.add(name);
              next.push(name);
            }
            continue;
          }
          const global = / ON \*\.\* TO /.test(g) || / ON `mysql`\.\* TO /.test(g);
          const what = global && SUPER_PRIVILEGES.some((p) => g.includes(p)) ? 'superuser' : (global && ROLE_PRIVILEGES.some((p) => g.includes(p))) || /WITH GRANT OPTION/.test(g) ? 'createrole' : undefined;
          if (what !== undefined && !spec.allow.has(what)) {
            const via = roles.includes(role) ? '' : ' (reached through the granted roles)';
            throw deniedError(
              `grant: role ${quote(role)} holds ${what === 'superuser' ? 'server-wide administrative privileges' : 'the right to create or grant users'}${via}: a temporary user may not get it`,
              `grant a role with privileges on a database only, or allow it in the admin secret (agent set ${spec.admin} --allow-grant ${what})`,
            );
          }
        }
      }
      round = next.map(ask);
    }
  }

  async create(spec: DbUserSpec): Promise<void> {
    const roles = listParam(spec.params.grant);
    const privileges = listParam(spec.params.privileges).map((p) => p.toUpperCase().replace(/\s+/g, ' '));
    const conn = await this.pool.getConnection();
    try {
      try {
        await conn.query('CREATE USER ?@? IDENTIFIED WITH mysql_native_password AS ?', [spec.user, this.host, spec.verifier]);
      } catch (err) {
        if ((err as { errno?: number }).errno !== 1524) throw err; // 1524: plugin not loaded (MySQL 8.4 and later)
        await conn.query('CREATE USER ?@? IDENTIFIED BY ?', [spec.user, this.host, spec.password]);
      }
      for (const role of roles) await conn.query('GRANT ? TO ?@?', [role, spec.user, this.host]);
      if (roles[0] !== undefined) await conn.query('SET DEFAULT ROLE ? FOR ?@?', [roles[0], spec.user, this.host]);
      if (privileges.length > 0) {
        await conn.query(`GRANT ${privileges.join(', ')} ON ${conn.escapeId(spec.params.database as string)}.* TO ?@?`, [spec.user, this.host]);
      }
    } finally {
      conn.release();
    }
  }

  async exists(user: string): Promise<boolean> {
    const [rows] = await this.pool.query('SELECT 1 FROM mysql.user WHERE User = ? AND Host = ?', [user, this.host]);
    return (rows as unknown[]).length > 0;
  }

  async disable(user: string): Promise<boolean> {
    if (!(await this.exists(user))) return false;
    await this.pool.query('ALTER USER ?@? ACCOUNT LOCK', [user, this.host]);
    return true;
  }

  async killSessions(user: string): Promise<number> {
    const [rows] = await this.pool.query('SELECT ID AS id FROM information_schema.PROCESSLIST WHERE USER = ? AND ID <> CONNECTION_ID()', [user]);
    let n = 0;
    for (const { id } of rows as Array<{ id: number }>) {
      try {
        await this.pool.query(`KILL CONNECTION ${Number(id)}`);
        n++;
      } catch (err) {
        if ((err as { errno?: number }).errno !== 1094) throw err; // 1094: unknown thread id (it ended meanwhile)
      }
    }
    return n;
  }

  async drop(spec: DbUserSpec): Promise<void> {
    await this.pool.query('DROP USER IF EXISTS ?@?', [spec.user, this.host]);
    await this.killSessions(spec.user);
  }

  async users(prefix: string): Promise<string[]> {
    const [rows] = await this.pool.query('SELECT User AS u FROM mysql.user WHERE User LIKE ?', [`${prefix.replace(/[\\%_]/g, '\\$&')}%`]);
    return (rows as Array<{ u: string }>).map((r) => r.u);
  }
}

export const mysqlBackend: DbBackend = {
  kind: 'mysql',
  async connect(adminUrl, spec) {
    const { pool, host } = await poolFor(adminUrl, spec.admin);
    return new MysqlAdmin(pool, host, spec.admin);
  },
  verifier: async (password) => mysqlNativeHash(password),
  valueOf(adminUrl, spec) {
    if (spec.params.format === 'password') return spec.password;
    const u = new URL(parseAdminUrl(adminUrl, spec.admin).url.href);
    u.username = encodeURIComponent(spec.user);
    u.password = encodeURIComponent(spec.password);
    if (spec.params.database !== undefined) u.pathname = `/${encodeURIComponent(spec.params.database)}`;
    // As mysql2 takes a URL (`createConnection(process.env.MYSQL_URL)`): the socket as `socketPath`.
    const socket = u.searchParams.get('socket');
    if (socket !== null) {
      u.searchParams.delete('socket');
      u.searchParams.set('socketPath', socket);
    }
    return u.href;
  },
  async closeAll() {
    const all = [...pools.values()];
    pools.clear();
    await Promise.all(all.map((p) => p.end().catch(() => undefined)));
  },
};
