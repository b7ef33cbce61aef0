#!/usr/bin/env node
// Benchmark: a temporary database user's issue and teardown latency (p50, p95) through the Latchkey
// daemon, for PostgreSQL, MariaDB and Redis, against the same CREATE and DROP statements sent directly,
// in the same run, with the same client library (pg, mysql2, ioredis) over one open admin connection.
// The direct statements carry the password's verifier as the daemon's do (computed in the timed part,
// with the daemon's own functions: the work a client keeping the password out of the server's logs does).
//
// Each server is a real one from Debian's packages, started in a temp folder by the tests' harness
// (@latchkey/test-utils/databases, transpiled here with esbuild; as root it runs as latchkey-db). The
// daemon runs as a child process on a temp socket (memory store, audit on: the default). Issue is
// IssueTempKey (admin secret read and audited, admin and grant checks, ledger line synced, CREATE); teardown
// is RevokeLease (disable, sessions killed, objects reassigned and dropped for PostgreSQL, DROP, ledger
// line written, not synced). Direct and latchkey cycles alternate one by one (which goes first alternates
// too), so both meet the same load; phases of 100 met different load on a shared machine. After each pair,
// the floor of any issue through the daemon is timed too: a Status call over the same connection and a
// line appended to a file in the same folder and synced as the ledger's `begin` line is (which the issue
// must wait for before its CREATE). Target (DESIGN.md): issue p95 <= 150 ms and <= 2 x the direct
// CREATE + DROP; teardown p95 <= 250 ms. Prints the figures and exits 0 whether or not they are met.
// Needs `pnpm build` first. Run with a clean environment (see COMMON.md: env -i PATH=... HOME=...).
//
// Usage: node scripts/bench/dynamic.mjs [--cycles N] [--rounds R] [--kinds postgres,mysql,redis]
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { makeWorld } from './lib.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const { values: opts } = parseArgs({
  options: {
    cycles: { type: 'string', default: '100' },
    rounds: { type: 'string', default: '2' },
    kinds: { type: 'string', default: 'postgres,mysql,redis' },
  },
});
const CYCLES = Number(opts.cycles);
const ROUNDS = Number(opts.rounds);
const WARMUP = 10;

const requireDaemon = createRequire(join(root, 'packages/daemon/package.json'));
const pg = requireDaemon('pg');
const mysql = requireDaemon('mysql2/promise');
const { Redis } = requireDaemon('ioredis');
const { mysqlNativeHash, redisAclHash, scramSha256Verifier } = await import(pathToFileURL(join(root, 'packages/daemon/dist/issuers/verifiers.js')).href);

/** The tests' server harness, transpiled next to its own node_modules (so pg, mysql2, ioredis resolve). */
async function harness() {
  const esbuild = createRequire(join(root, 'package.json'))('esbuild');
  const src = join(root, 'packages/test-utils/src/databases.ts');
  const out = join(root, 'packages/test-utils/dist/databases.bench.mjs');
  const { code } = await esbuild.transform(readFileSync(src, 'utf8'), { loader: 'ts', format: 'esm', target: 'node20' });
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, code);
  return import(pathToFileURL(out).href);
}

/** The same statements the daemon's issuers send, over one admin connection. */
const direct = {
  async postgres(server) {
    const c = new pg.Client({ connectionString: server.adminUrl });
    await c.connect();
    let n = 0;
    return {
      async create() {
        const user = `lk_direct_${++n}`;
        const until = new Date(Date.now() + 600_000).toISOString();
        const verifier = await scramSha256Verifier(`x${n}pw`);
        await c.query(`CREATE ROLE "${user}" WITH LOGIN INHERIT NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD '${verifier}' VALID UNTIL '${until}' IN ROLE "app_rw"`);
        return user;
      },
      drop: (user) => c.query(`DROP ROLE "${user}"`),
      close: () => c.end(),
    };
  },
  async mysql(server) {
    const u = new URL(server.adminUrl);
    const c = await mysql.createConnection({ socketPath: u.searchParams.get('socket'), user: decodeURIComponent(u.username), password: decodeURIComponent(u.password) });
    let n = 0;
    return {
      async create() {
        const user = `lk_direct_${++n}`;
        await c.query('CREATE USER ?@? IDENTIFIED WITH mysql_native_password AS ?', [user, 'localhost', mysqlNativeHash(`x${n}pw`)]);
        await c.query('GRANT ? TO ?@?', ['app_rw', user, 'localhost']);
        await c.query('SET DEFAULT ROLE ? FOR ?@?', ['app_rw', user, 'localhost']);
        return user;
      },
      drop: (user) => c.query('DROP USER ?@?', [user, 'localhost']),
      close: () => c.end(),
    };
  },
  async redis(server) {
    const u = new URL(server.adminUrl);
    const c = new Redis({ path: u.searchParams.get('socket'), username: decodeURIComponent(u.username), password: decodeURIComponent(u.password) });
    let n = 0;
    return {
      async create() {
        const user = `lk_direct_${++n}`;
        await c.call('ACL', 'SETUSER', user, 'reset', 'on', `#${redisAclHash(`x${n}pw`)}`, '~test:*', 'resetchannels', '-@all', '+@read', '+@write', '-@dangerous');
        return user;
      },
      drop: (user) => c.call('ACL', 'DELUSER', user),
      close: () => c.quit(),
    };
  },
};

const SETUP = {
  postgres: ['CREATE ROLE app_rw NOLOGIN'],
  mysql: ['CREATE ROLE app_rw', 'GRANT SELECT ON test_db.* TO app_rw'],
  redis: [],
};
const PARAMS = { postgres: { grant: 'app_rw' }, mysql: { grant: 'app_rw' }, redis: { keys: 'test:*' } };

const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
};
const ms = (x) => `${x.toFixed(1)} ms`;

async function main() {
  const { AgentConnection, daemonNodeFlags } = await import(pathToFileURL(join(root, 'packages/client/dist/index.js')).href);
  const { startPostgres, startMysql, startRedis } = await harness();
  const start = { postgres: startPostgres, mysql: startMysql, redis: startRedis };
  const kinds = opts.kinds.split(',');

  const world = makeWorld({ extra: { LANG: 'C.UTF-8' } });
  const { socket } = world;
  const daemon = spawn(process.execPath, [...daemonNodeFlags(), join(root, 'packages/daemon/dist/latchkey-daemon.js'), '--foreground'], {
    env: world.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let daemonOut = '';
  daemon.stdout.on('data', (b) => (daemonOut += b));
  daemon.stderr.on('data', (b) => (daemonOut += b));
  const servers = [];
  let conn;
  try {
    const deadline = Date.now() + 20_000;
    for (;;) {
      conn = new AgentConnection(socket);
      try {
        await conn.status(500);
        break;
      } catch {
        conn.close();
        if (daemon.exitCode !== null || Date.now() > deadline) throw new Error(`the daemon did not start:\n${daemonOut}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    console.log(`dynamic database users: ${CYCLES} cycles x ${ROUNDS} rounds per backend, sequential, node ${process.version}, ${cpus().length} cores, load ${loadavg()[0].toFixed(1)}`);
    const rows = [];
    for (const kind of kinds) {
      const server = await start[kind]();
      servers.push(server);
      for (const s of SETUP[kind]) await server.admin(s);
      await conn.putSecret({ name: `${kind}-admin`, value: server.adminUrl, ttlSeconds: 3600 });
      const d = await direct[kind](server);
      const lat = { dCreate: [], dDrop: [], dBoth: [], issue: [], teardown: [], call: [], sync: [] };
      const runDirect = async (n, keep) => {
        for (let i = 0; i < n; i++) {
          const t0 = performance.now();
          const user = await d.create();
          const t1 = performance.now();
          await d.drop(user);
          const t2 = performance.now();
          if (keep) {
            lat.dCreate.push(t1 - t0);
            lat.dDrop.push(t2 - t1);
            lat.dBoth.push(t2 - t0);
          }
        }
      };
      const runLatchkey = async (n, keep) => {
        for (let i = 0; i < n; i++) {
          const t0 = performance.now();
          const key = await conn.issueTempKey({ kind, ttlSeconds: 600, params: { admin: `${kind}-admin`, ...PARAMS[kind] }, bindPid: -1 });
          const t1 = performance.now();
          if (!(await conn.revokeLease(key.leaseId))) throw new Error(`lease ${key.leaseId} was not revoked`);
          const t2 = performance.now();
          if (keep) {
            lat.issue.push(t1 - t0);
            lat.teardown.push(t2 - t1);
          }
        }
      };
      // What any issue through the daemon pays before its statements: one call over the socket (a Status)
      // and the ledger's synced line (an append and fdatasync on the state folder's file system).
      const synced = await open(join(world.dir, `floor-${kind}.jsonl`), 'a', 0o600);
      const runFloor = async (n, keep) => {
        for (let i = 0; i < n; i++) {
          const t0 = performance.now();
          await conn.status(5000);
          const t1 = performance.now();
          await synced.appendFile(`${JSON.stringify({ op: 'begin', leaseId: `lease_floor_${i}`, kind, user: 'lk_floor' })}\n`);
          await synced.datasync();
          const t2 = performance.now();
          if (keep) {
            lat.call.push(t1 - t0);
            lat.sync.push(t2 - t1);
          }
        }
      };
      await runDirect(WARMUP, false);
      await runLatchkey(WARMUP, false);
      await runFloor(WARMUP, false);
      for (let i = 0; i < ROUNDS * CYCLES; i++) {
        if (i % 2 === 0) {
          await runDirect(1, true);
          await runLatchkey(1, true);
        } else {
          await runLatchkey(1, true);
          await runDirect(1, true);
        }
        await runFloor(1, true);
      }
      await synced.close();
      await d.close();
      const left = await server.users('lk_');
      const issue95 = pct(lat.issue, 95);
      const both95 = pct(lat.dBoth, 95);
      rows.push({ kind, lat, left: left.length, issue95, both95 });
      console.log(`\n${kind}`);
      console.log(`  direct CREATE          p50 ${ms(pct(lat.dCreate, 50))}  p95 ${ms(pct(lat.dCreate, 95))}`);
      console.log(`  direct DROP            p50 ${ms(pct(lat.dDrop, 50))}  p95 ${ms(pct(lat.dDrop, 95))}`);
      console.log(`  direct CREATE + DROP   p50 ${ms(pct(lat.dBoth, 50))}  p95 ${ms(both95)}`);
      console.log(`  latchkey issue         p50 ${ms(pct(lat.issue, 50))}  p95 ${ms(issue95)}  (${(issue95 / both95).toFixed(2)} x direct CREATE + DROP p95, p50 ${(pct(lat.issue, 50) / pct(lat.dBoth, 50)).toFixed(2)} x; target <= 150 ms and <= 2 x)`);
      console.log(`  latchkey teardown      p50 ${ms(pct(lat.teardown, 50))}  p95 ${ms(pct(lat.teardown, 95))}  (target <= 250 ms)`);
      console.log(`  floor: a Status call   p50 ${ms(pct(lat.call, 50))}  p95 ${ms(pct(lat.call, 95))}; a synced ledger line p50 ${ms(pct(lat.sync, 50))}  p95 ${ms(pct(lat.sync, 95))} (the two p95s alone: ${((pct(lat.call, 95) + pct(lat.sync, 95)) / both95).toFixed(2)} x direct CREATE + DROP p95)`);
      console.log(`  users left on the server: ${left.length}`);
    }
    console.log('\nsummary (p95)');
    for (const r of rows) {
      const ok = r.issue95 <= 150 && r.issue95 <= 2 * r.both95 && pct(r.lat.teardown, 95) <= 250;
      console.log(`  ${r.kind.padEnd(8)} issue ${ms(r.issue95)} = ${(r.issue95 / r.both95).toFixed(2)} x direct ${ms(r.both95)}; teardown ${ms(pct(r.lat.teardown, 95))}; left ${r.left}; ${ok ? 'targets met' : 'targets NOT met'}`);
    }
  } finally {
    conn?.close();
    daemon.kill('SIGTERM');
    await new Promise((r) => daemon.once('exit', r));
    for (const s of servers) await s.destroy().catch(() => undefined);
    world.remove();
  }
}

await main();
