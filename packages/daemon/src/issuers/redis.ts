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
  ) {}

  async assertAdmin(): Promise<void> {
    let me: string;
    try {
      me = String(await this.r.call('ACL', 'WHOAMI'));
    } catch (err) {
      if (!/^NOPERM/.test((err as Error).message)) throw err;
      throw deniedError(`admin secret ${quote(this.adminName)} is not an admin: its user may not run ACL commands`, 'store the URL of a user allowed +acl and +client (e.g. +@admin) in the admin secret');
    }
    for (const probe of [['ACL', 'SETUSER', 'lk_probe'], ['CLIENT', 'KILL', 'USER', 'lk_probe'], ['ACL', 'DELUSER', 'lk_probe']]) {
      let verdict: string;
      try {
        verdict = String(await this.r.call('ACL', 'DRYRUN', me, ...probe));
      } catch (err) {
        verdict = (err as Error).message;
      }
      if (verdict !== 'OK') {
        throw deniedError(
          `admin secret ${quote(this.adminName)} is not an admin: user ${quote(me)} may not run ${probe.slice(0, 2).join(' ')}`,
          'store the URL of a user allowed +acl and +client (e.g. +@admin) in the admin secret',
        );
      }
    }
  }

  async checkGrants(spec: DbUserSpec): Promise<void> {
    if (spec.allow.has('superuser')) return;
    const elevated = new Set<string>();
    for (const cat of ['admin', 'dangerous']) for (const c of (await this.r.call('ACL', 'CAT', cat)) as string[]) elevated.add(c.toLowerCase());
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
    const rules = this.rulesOf(spec);
    try {
      // The server's own parser judges the rules: a dry run on a user that is thrown away at once.
      await this.r.call('ACL', 'SETUSER', `${spec.user}_check`, 'reset', 'off', ...rules);
    } catch (err) {
      throw inputError(`the redis server refuses the user's rules: ${(err as Error).message.toLowerCase()}`, 'check keys, channels and commands');
    } finally {
      await this.r.call('ACL', 'DELUSER', `${spec.user}_check`).catch(() => undefined);
    }
  }

  private rulesOf(spec: DbUserSpec): string[] {
    const keys = patterns(spec.params.keys ?? `lk:${spec.leaseId.replace(/^lease_/, '')}:*`).map((p) => `~${p}`);
    const channels = patterns(spec.params.channels).map((p) => `&${p}`);
    return [...keys, 'resetchannels', ...channels, '-@all', ...commandRules(spec)];
  }

  async create(spec: DbUserSpec): Promise<void> {
    await this.r.call('ACL', 'SETUSER', spec.user, 'reset', 'on', `#${redisAclHash(spec.password)}`, ...this.rulesOf(spec));
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
    return new RedisAdmin(await clientFor(adminUrl, spec.admin), spec.admin);
  },
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
