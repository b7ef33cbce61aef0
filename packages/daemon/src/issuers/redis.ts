// The `redis` temporary key kind: an ACL user `lk_<lease>` on a Redis server (6.2 or later), created
// through the admin connection URL a stored secret holds (`redis://USER:PASSWORD@HOST:PORT/DB`, or with
// `?path=/path/to/redis.sock`, ioredis's own spelling, or `?socket=` for a Unix socket), as
//   ACL SETUSER lk_<id> reset on #<SHA-256 of the password> ~<keys> &<channels> -@all <commands>
// with `keys` (space-separated patterns, default `lk:<id>:*`), `channels` (default none) and `commands`
// (default `+@read +@write -@dangerous`). A grant of `+@all`, `+@admin`, `+@dangerous` or of one of
// their commands is refused unless the admin secret allows superuser. The client library `ioredis` is
// loaded on first use only. The password itself never goes to the server: the `#` rule gives its hash.
//
// Redis has no expiry for ACL users: the daemon's teardown ends the user at the lease's TTL, and the
// ledger makes that happen after a crash. Users are set at run time and not saved (no ACL SAVE), so a
// server restarted from its config file forgets them too. Teardown: ACL SETUSER off; CLIENT KILL USER
// (the count it returns is what is audited); ACL DELUSER, which also closes any session that
// authenticated between the two. ACL users own no data: keys it wrote stay.
//
// The value is a URL ioredis takes as it is (`new Redis(process.env.REDIS_URL)`): a socket is given as
// `?path=`, since ioredis reads its options from the query and has no `socket` option (it would connect
// to localhost:6379 instead).
import { deniedError, inputError, quote, redisCommandRules } from '@latchkey/core';
import { requireLibrary, type DbAdmin, type DbBackend, type DbUserSpec } from './database.js';
import { redisAclHash } from './verifiers.js';

type RedisCtor = typeof import('ioredis').Redis;
type Redis = InstanceType<RedisCtor>;

let redisModule: RedisCtor | undefined;
const loadRedis = async (): Promise<RedisCtor> => (redisModule ??= requireLibrary<typeof import('ioredis')>('ioredis').Redis);

const ELEVATED_CATEGORIES = ['all', 'admin', 'dangerous'];

/** What an admin must be allowed to run: create, disconnect and delete users. */
const ADMIN_PROBES = [
  ['ACL', 'SETUSER', 'lk_probe'],
  ['CLIENT', 'KILL', 'USER', 'lk_probe'],
  ['ACL', 'DELUSER', 'lk_probe'],
];

/** The commands of @admin and @dangerous, per admin connection (a server's command table is fixed). */
const elevatedCommands = new WeakMap<Redis, Set<string>>();

function parseAdminUrl(url: string, adminName: string): URL {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw inputError(`admin secret ${quote(adminName)} is not a connection URL`, 'store redis://USER:PASSWORD@HOST:PORT in it (agent set NAME)');
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') throw inputError(`admin secret ${quote(adminName)} is not a redis:// URL`, 'store redis://USER:PASSWORD@HOST:PORT in it');
  return u;
}

/** The Unix socket an admin URL names, if any. */
const socketOf = (u: URL): string | null => u.searchParams.get('path') ?? u.searchParams.get('socket');

const clients = new Map<string, Promise<Redis>>();

async function clientFor(adminUrl: string, adminName: string): Promise<Redis> {
  let client = clients.get(adminUrl);
  if (!client) {
    const u = parseAdminUrl(adminUrl, adminName);
    client = (async () => {
      const Redis = await loadRedis();
      const socket = socketOf(u);
      const db = Number(u.pathname.slice(1) || '0');
      const common = {
        username: decodeURIComponent(u.username) || undefined,
        password: decodeURIComponent(u.password) || undefined,
        db: Number.isInteger(db) ? db : 0,
        lazyConnect: true,
        enableOfflineQueue: false,
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
        connectTimeout: 5_000,
        ...(u.protocol === 'rediss:' ? { tls: {} } : {}),
      };
      const r = socket ? new Redis({ ...common, path: socket }) : new Redis({ ...common, host: u.hostname || 'localhost', port: u.port ? Number(u.port) : 6379 });
      r.on('error', () => undefined); // reported by the command that meets it
      r.on('end', () => clients.delete(adminUrl));
      await r.connect();
      return r;
    })();
    clients.set(adminUrl, client);
    client.catch(() => clients.delete(adminUrl));
  }
  return client;
}

/** The `commands` rules of a spec, split. */
const commandRules = (spec: DbUserSpec): string[] => redisCommandRules(spec.params.commands);
const patterns = (value: string | undefined): string[] => (value ?? '').split(' ').filter((s) => s !== '');

class RedisAdmin implements DbAdmin {
  constructor(
    private readonly r: Redis,
    private readonly adminName: string,
    /** The user the admin URL logs in as. */
    private readonly me: string,
  ) {}

  async check(spec: DbUserSpec): Promise<void> {
    const probe = `${spec.user}_check`;
    const needCategories = !spec.allow.has('superuser') && !elevatedCommands.has(this.r);
    // One round trip: the whole check is one pipeline (a connection answers in order). The admin's name
    // is taken from its URL and checked against ACL WHOAMI's answer; the rules are judged by the
    // server's own parser, on a user that is off and deleted at once.
    const p = this.r.pipeline();
    p.call('ACL', 'WHOAMI');
    for (const c of ADMIN_PROBES) p.call('ACL', 'DRYRUN', this.me, ...c);
    if (needCategories) for (const cat of ['admin', 'dangerous']) p.call('ACL', 'CAT', cat);
    p.call('ACL', 'SETUSER', probe, 'reset', 'off', ...this.rulesOf(spec));
    p.call('ACL', 'DELUSER', probe);
    const out = ((await p.exec()) ?? []) as Array<[Error | null, unknown]>;
    const [whoami, ...rest] = out;
    if (!whoami || whoami[0]) {
      const err = whoami?.[0];
      if (err && !/^NOPERM/.test(err.message)) throw err;
      throw deniedError(`admin secret ${quote(this.adminName)} is not an admin: its user may not run ACL commands`, 'store the URL of a user allowed +acl and +client (e.g. +@admin) in the admin secret');
    }
    const me = String(whoami[1]);
    let verdicts = rest.slice(0, ADMIN_PROBES.length).map(([err, v]) => (err ? err.message : String(v)));
    if (me !== this.me) verdicts = await Promise.all(ADMIN_PROBES.map((c) => this.r.call('ACL', 'DRYRUN', me, ...c).then(String, (err: Error) => err.message)));
    ADMIN_PROBES.forEach((c, i) => {
      if (verdicts[i] !== 'OK') {
        throw deniedError(
          `admin secret ${quote(this.adminName)} is not an admin: user ${quote(me)} may not run ${c.slice(0, 2).join(' ')}`,
          'store the URL of a user allowed +acl and +client (e.g. +@admin) in the admin secret',
        );
      }
    });
    let at = ADMIN_PROBES.length;
    if (needCategories) {
      const elevated = new Set<string>();
      for (const [err, list] of rest.slice(at, at + 2)) {
        if (err) throw err;
        for (const c of list as string[]) elevated.add(c.toLowerCase());
      }
      elevatedCommands.set(this.r, elevated);
      at += 2;
    }
    if (!spec.allow.has('superuser')) {
      const elevated = elevatedCommands.get(this.r) as Set<string>;
      for (const rule of commandRules(spec)) {
        if (!rule.startsWith('+')) continue;
        const body = rule.slice(1).toLowerCase();
        const bad = body.startsWith('@') ? ELEVATED_CATEGORIES.includes(body.slice(1)) : elevated.has(body.split('|')[0] as string);
        if (bad) {
          throw deniedError(
            `commands: ${quote(rule)} gives administrative or dangerous commands: a temporary user may not get them`,
            `grant categories like +@read +@write -@dangerous, or allow it in the admin secret (agent set ${spec.admin} --allow-grant superuser)`,
          );
        }
      }
    }
    const setuser = rest[at]?.[0];
    if (setuser) throw inputError(`the redis server refuses the user's rules: ${setuser.message.toLowerCase()}`, 'check keys, channels and commands');
  }

  private rulesOf(spec: DbUserSpec): string[] {
    const keys = patterns(spec.params.keys ?? `lk:${spec.leaseId.replace(/^lease_/, '')}:*`).map((p) => `~${p}`);
    const channels = patterns(spec.params.channels).map((p) => `&${p}`);
    return [...keys, 'resetchannels', ...channels, '-@all', ...commandRules(spec)];
  }

  async create(spec: DbUserSpec): Promise<void> {
    await this.r.call('ACL', 'SETUSER', spec.user, 'reset', 'on', `#${spec.verifier}`, ...this.rulesOf(spec));
  }

  async exists(user: string): Promise<boolean> {
    return (await this.r.call('ACL', 'GETUSER', user)) !== null;
  }

  async disable(user: string): Promise<boolean> {
    // ACL SETUSER of a missing user would create it: look first.
    if (!(await this.exists(user))) return false;
    await this.r.call('ACL', 'SETUSER', user, 'off');
    return true;
  }

  async killSessions(user: string): Promise<number> {
    return Number(await this.r.call('CLIENT', 'KILL', 'USER', user));
  }

  async drop(spec: DbUserSpec): Promise<void> {
    // ACL DELUSER also closes the connections still authenticated as the user (Redis >= 6.2).
    await this.r.call('ACL', 'DELUSER', spec.user);
  }

  async users(prefix: string): Promise<string[]> {
    return ((await this.r.call('ACL', 'USERS')) as string[]).filter((u) => u.startsWith(prefix));
  }
}

export const redisBackend: DbBackend = {
  kind: 'redis',
  async connect(adminUrl, spec) {
    const u = parseAdminUrl(adminUrl, spec.admin);
    return new RedisAdmin(await clientFor(adminUrl, spec.admin), spec.admin, decodeURIComponent(u.username) || 'default');
  },
  verifier: async (password) => redisAclHash(password),
  valueOf(adminUrl, spec) {
    if (spec.params.format === 'password') return spec.password;
    const u = new URL(parseAdminUrl(adminUrl, spec.admin).href);
    u.username = encodeURIComponent(spec.user);
    u.password = encodeURIComponent(spec.password);
    const socket = socketOf(u);
    if (socket !== null) {
      u.searchParams.delete('socket');
      u.searchParams.set('path', socket);
    }
    return u.href;
  },
  async closeAll() {
    const all = [...clients.values()];
    clients.clear();
    await Promise.all(all.map(async (c) => (await c.catch(() => undefined))?.quit().catch(() => undefined)));
  },
};
