// The `postgres` temporary key kind: a login role `lk_<lease>` on a PostgreSQL server, created through
// the admin connection URL a stored secret holds, with a random password and VALID UNTIL the lease's
// expiry, member of the granted roles. The client library `pg` is loaded on first use only. The server
// gets the password's SCRAM-SHA-256 verifier only (computed here, verifiers.ts), never the password, so
// its statement log (log_statement) and pg_stat_activity hold none.
//
// Teardown (in this order): ALTER ROLE ... NOLOGIN; its sessions terminated (pg_terminate_backend, which
// waits up to 2 s for each to go); in the lease's database, objects it owns are reassigned to its first
// granted role (to the admin's role when it was granted none) and its privileges dropped (REASSIGN OWNED,
// DROP OWNED); DROP ROLE; then the sessions of its old oid are terminated once more, in case one logged in
// between the two. A role that still owns objects in another database cannot be dropped: the server's
// refusal is reported, the role stays NOLOGIN, and the drop is tried again.
import { deniedError, inputError, isoTime, listParam, quote } from '@latchkey/core';
import { requireLibrary, type DbAdmin, type DbBackend, type DbUserSpec } from './database.js';
import { scramSha256Verifier } from './verifiers.js';

type PgModule = typeof import('pg');
type Pool = import('pg').Pool;

let pgModule: PgModule | undefined;
const loadPg = async (): Promise<PgModule> => (pgModule ??= requireLibrary<PgModule>('pg'));

/** Quotes an identifier for PostgreSQL. */
const ident = (name: string): string => `"${name.replace(/"/g, '""')}"`;
/** Quotes a string literal for PostgreSQL (standard_conforming_strings is on since 9.1). */
const literal = (s: string): string => `'${s.replace(/'/g, "''")}'`;

/** Predefined roles that reach the server's files or programs: as weighty as superuser. */
const FILE_ROLES = ['pg_read_server_files', 'pg_write_server_files', 'pg_execute_server_program'];

function parseAdminUrl(url: string, adminName: string): URL {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw inputError(`admin secret ${quote(adminName)} is not a connection URL`, 'store postgresql://USER:PASSWORD@HOST:PORT/DATABASE in it (agent set NAME)');
  }
  if (u.protocol !== 'postgresql:' && u.protocol !== 'postgres:') {
    throw inputError(`admin secret ${quote(adminName)} is not a postgresql:// URL`, 'store postgresql://USER:PASSWORD@HOST:PORT/DATABASE in it');
  }
  return u;
}

/** The URL with another user, password and (when given) database. */
function urlFor(admin: URL, user: string, password: string, database: string | undefined): string {
  const u = new URL(admin.href);
  u.username = encodeURIComponent(user);
  u.password = encodeURIComponent(password);
  if (database !== undefined) u.pathname = `/${encodeURIComponent(database)}`;
  return u.href;
}

const pools = new Map<string, Pool>();

async function poolFor(adminUrl: string, database: string | undefined, adminName: string): Promise<Pool> {
  const admin = parseAdminUrl(adminUrl, adminName);
  const key = `${admin.href}\0${database ?? ''}`;
  let pool = pools.get(key);
  if (!pool) {
    const pg = await loadPg();
    const u = new URL(admin.href);
    if (database !== undefined) u.pathname = `/${encodeURIComponent(database)}`;
    pool = new pg.Pool({ connectionString: u.href, max: 4, idleTimeoutMillis: 10_000, connectionTimeoutMillis: 5_000, allowExitOnIdle: true });
    pool.on('error', () => undefined); // an idle connection the server closed: the next query opens another
    pools.set(key, pool);
  }
  return pool;
}

class PgAdmin implements DbAdmin {
  constructor(
    private readonly pool: Pool,
    private readonly adminName: string,
  ) {}

  async check(spec: DbUserSpec): Promise<void> {
    const grants = listParam(spec.params.grant);
    // One round trip: the admin's own role (first, `me`), then every role the grants reach through
    // membership (a member can SET ROLE to any of them), the granted ones included.
    const r = await this.pool.query<{ me: boolean; rolname: string; rolsuper: boolean; rolcreaterole: boolean; rolbypassrls: boolean }>(
      `WITH RECURSIVE r(oid) AS (
         SELECT oid FROM pg_roles WHERE rolname = ANY($1::text[])
         UNION SELECT m.roleid FROM pg_auth_members m JOIN r ON m.member = r.oid)
       SELECT true AS me, rolname, rolsuper, rolcreaterole, rolbypassrls FROM pg_roles WHERE rolname = current_user
       UNION ALL
       SELECT false, p.rolname, p.rolsuper, p.rolcreaterole, p.rolbypassrls FROM pg_roles p JOIN r ON p.oid = r.oid`,
      [grants],
    );
    const me = r.rows.find((x) => x.me);
    if (!me || (!me.rolsuper && !me.rolcreaterole)) {
      throw deniedError(
        `admin secret ${quote(this.adminName)} is not an admin: role ${quote(me?.rolname ?? '?')} has neither SUPERUSER nor CREATEROLE`,
        'store the URL of a role WITH CREATEROLE (or a superuser) in the admin secret',
      );
    }
    const reach = r.rows.filter((x) => !x.me);
    const missing = grants.filter((g) => !reach.some((x) => x.rolname === g));
    if (missing.length > 0) throw inputError(`grant: no role ${missing.map(quote).join(', ')} on the server`, 'grant existing roles (CREATE ROLE app_rw NOLOGIN; first)');
    for (const role of reach) {
      const what = role.rolsuper || FILE_ROLES.includes(role.rolname) ? 'superuser' : role.rolcreaterole ? 'createrole' : role.rolbypassrls ? 'bypassrls' : undefined;
      if (what !== undefined && !spec.allow.has(what)) {
        const via = grants.includes(role.rolname) ? '' : ` (reached through the granted roles)`;
        throw deniedError(
          `grant: role ${quote(role.rolname)} is ${what === 'superuser' ? 'a superuser or reaches the server\'s files' : `a ${what} role`}${via}: a temporary user may not get it`,
          `grant a role without SUPERUSER, CREATEROLE or BYPASSRLS, or allow it in the admin secret (agent set ${spec.admin} --allow-grant ${what})`,
        );
      }
    }
  }

  async create(spec: DbUserSpec): Promise<string> {
    const grants = listParam(spec.params.grant);
    const until = isoTime(spec.expiresAt);
    const inRole = grants.length > 0 ? ` IN ROLE ${grants.map(ident).join(', ')}` : '';
    const schema = spec.params.schema;
    const statements = [
      `CREATE ROLE ${ident(spec.user)} WITH LOGIN INHERIT NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD ${literal(spec.verifier)} VALID UNTIL ${literal(until)}${inRole}`,
      ...(schema !== undefined ? [`GRANT USAGE ON SCHEMA ${ident(schema)} TO ${ident(spec.user)}`, `ALTER ROLE ${ident(spec.user)} SET search_path = ${ident(schema)}`] : []),
    ];
    // One simple-protocol query: its statements run as one implicit transaction, in one round trip.
    await this.pool.query(statements.join('; '));
    return '';
  }

  async exists(user: string): Promise<boolean> {
    const r = await this.pool.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [user]);
    return (r.rowCount ?? 0) > 0;
  }

  async disable(user: string): Promise<boolean> {
    const r = await this.pool.query<{ oid: number }>('SELECT oid FROM pg_roles WHERE rolname = $1', [user]);
    if ((r.rowCount ?? 0) === 0) return false;
    await this.pool.query(`ALTER ROLE ${ident(user)} NOLOGIN`);
    return true;
  }

  async killSessions(user: string): Promise<number> {
    const r = await this.pool.query<{ n: string }>(
      `SELECT count(*) AS n FROM (SELECT pg_terminate_backend(pid, 2000) FROM pg_stat_activity
         WHERE usename = $1 AND pid <> pg_backend_pid()) t`,
      [user],
    );
    return Number(r.rows[0]?.n ?? 0);
  }

  async drop(spec: DbUserSpec): Promise<void> {
    const grants = listParam(spec.params.grant);
    const client = await this.pool.connect();
    try {
      const oid = (await client.query<{ oid: number }>('SELECT oid FROM pg_roles WHERE rolname = $1', [spec.user])).rows[0]?.oid;
      if (oid === undefined) return;
      const heir = grants[0] !== undefined ? ident(grants[0]) : 'CURRENT_USER';
      // One simple-protocol query, so one implicit transaction: all three or none.
      await client.query(`REASSIGN OWNED BY ${ident(spec.user)} TO ${heir}; DROP OWNED BY ${ident(spec.user)}; DROP ROLE ${ident(spec.user)}`);
      await client.query('SELECT pg_terminate_backend(pid, 2000) FROM pg_stat_activity WHERE usesysid = $1', [oid]);
    } finally {
      client.release();
    }
  }

  async users(prefix: string): Promise<string[]> {
    const r = await this.pool.query<{ rolname: string }>('SELECT rolname FROM pg_roles WHERE starts_with(rolname, $1)', [prefix]);
    return r.rows.map((x) => x.rolname);
  }
}

export const postgresBackend: DbBackend = {
  kind: 'postgres',
  async connect(adminUrl, spec) {
    return new PgAdmin(await poolFor(adminUrl, spec.params.database, spec.admin), spec.admin);
  },
  verifier: (password) => scramSha256Verifier(password),
  valueOf(adminUrl, spec) {
    if (spec.params.format === 'password') return spec.password;
    return urlFor(parseAdminUrl(adminUrl, spec.admin), spec.user, spec.password, spec.params.database);
  },
  async closeAll() {
    const all = [...pools.values()];
    pools.clear();
    await Promise.all(all.map((p) => p.end().catch(() => undefined)));
  },
};
