#!/usr/bin/env node
// Benchmark: IssueTempKey throughput and p50/p99 latency with 1 and 64 calls in flight, against the
// Latchkey daemon (memory store, audit on: the default) and against a bare grpc-js server that binds the
// same service definition (the generated codecs) and answers IssueTempKey with a random key at once. Both
// servers run as child processes of the same node, on temp Unix sockets, and are measured in the same
// run with the same client in this process (@latchkey/client's AgentConnection, one channel per server).
// Each round runs a phase of each server, bare first in even rounds and latchkey first in odd ones.
// Target (issue 11): latchkey >= 90% of bare's throughput with 64 in flight (a PASS/MISS line). Prints the
// figures and exits 0 whether or not the target is met. Needs `pnpm build` first.
//
// The daemon runs with the product's defaults (no config.json), so its lease caps hold: 10,000 active
// leases bound to one process, 20,000 in all. The leases of the warm-up and of each latchkey phase are
// revoked after it, outside the timing (each RevokeLease must answer true), and a timed phase stops
// early once it has issued as many keys as the cap that binds them allows (said in the output), so no
// call is refused as exhausted. The audit check reads every file of the trail in the daemon's state
// folder (the current audit.jsonl and the ones rotated past 8 MiB).
//
// Usage: node scripts/bench/temp-keys.mjs [--seconds S | --calls N] [--rounds R] [--concurrency 1,64] [--bind self|none]
//   --seconds S    measure each phase for S seconds (default 3)
//   --calls N      measure each phase for N calls instead
//   --rounds R     R rounds (a phase of each server) per concurrency, results pooled and also shown
//                  per round (default 1)
//   --bind         bindPid of the requests: self (0, the client's default: the lease ends with this
//                  process; default) or none (-1)
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { randomBytes, randomUUID } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { makeWorld } from './lib.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const { values: opts } = parseArgs({
  options: {
    seconds: { type: 'string', default: '3' },
    calls: { type: 'string' },
    rounds: { type: 'string', default: '1' },
    concurrency: { type: 'string', default: '1,64' },
    bind: { type: 'string', default: 'self' },
    'serve-bare': { type: 'string' }, // internal: be the bare server on this socket
  },
});
const TTL_SECONDS = 600; // no lease expires during the run
const PARAMS = { bytes: '32', encoding: 'hex' };
// Each server's warm-up, at the highest concurrency measured: a first phase of either server ran at half
// its later rate (bare grpc-js 337-370 against 130-165 us of CPU per call, the client 541-629 against
// 252-286, Node 20), the JIT and the servers' pools still growing, and with 500 calls at 8 in flight the
// first timed round was that phase.
const WARMUP_CALLS = 2000;

// The bare server is grpc-js's (the issue's baseline; since 42d47a8 the daemon serves with its own
// rpc-server.ts on node:http2), binding the service definition the daemon binds (the generated codecs,
// @latchkey/protocol's agentService()) with the daemon's message cap and streams per connection.
const requireClient = createRequire(join(root, 'packages/client/package.json'));
const grpc = requireClient('@grpc/grpc-js'); // the grpc-js of the client (AgentConnection)
const { agentService } = await import(pathToFileURL(join(root, 'packages/protocol/dist/proto.js')).href);
const MAX_MESSAGE_BYTES = 64 * 1024 + 4096; // as the daemon

if (opts['serve-bare'] !== undefined) await serveBare(opts['serve-bare']);
else await main();

// ---- the bare server (a child process: `--serve-bare SOCKET`; prints "ready" once bound) ----
async function serveBare(socket) {
  // The daemon's limits (message cap, streams per connection), as grpc-js options.
  const server = new grpc.Server({
    'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
    'grpc.max_send_message_length': MAX_MESSAGE_BYTES,
    'grpc.max_concurrent_streams': 128,
    'grpc.enable_channelz': 0,
  });
  server.addService(agentService(), {
    IssueTempKey(call, callback) {
      const ttl = call.request.ttlSeconds || 60;
      callback(null, { value: randomBytes(32).toString('hex'), leaseId: `lease_${randomUUID()}`, expiresAtUnixMs: Date.now() + ttl * 1000 });
    },
  });
  await new Promise((resolve, reject) =>
    server.bindAsync(`unix://${socket}`, grpc.ServerCredentials.createInsecure(), (err) => (err ? reject(err) : resolve())),
  );
  process.on('SIGTERM', () => server.tryShutdown(() => process.exit(0)));
  process.stdout.write('ready\n');
}

async function main() {
  const seconds = Number(opts.seconds);
  const calls = opts.calls === undefined ? undefined : Number(opts.calls);
  const rounds = Number(opts.rounds);
  const levels = opts.concurrency.split(',').map(Number);
  if (!['self', 'none'].includes(opts.bind)) throw new Error('--bind is self or none');
  const bindPid = opts.bind === 'self' ? 0 : -1;
  const { AgentConnection, daemonNodeFlags } = await import(pathToFileURL(join(root, 'packages/client/dist/index.js')).href);
  const { auditFiles, stateDir: stateDirOf } = await import(pathToFileURL(join(root, 'packages/protocol/dist/index.js')).href);
  const { DEFAULT_LEASE_LIMITS } = await import(pathToFileURL(join(root, 'packages/core/dist/index.js')).href);
  // The cap that binds this run's leases: all of them are bound to this process, or to none.
  const cap = bindPid === 0 ? DEFAULT_LEASE_LIMITS.perProcess : DEFAULT_LEASE_LIMITS.total;
  const capName = bindPid === 0 ? 'maxLeasesPerProcess' : 'maxLeases';
  if (calls !== undefined && calls > cap) throw new Error(`--calls ${calls} is more than the daemon's ${capName} (${cap}) allows in one phase`);

  const world = makeWorld({ extra: { LANG: 'C.UTF-8' } });
  const { dir } = world;
  const stateDir = stateDirOf(world.env);
  const latchkeySocket = world.socket;
  const bareSocket = join(dir, 'bare.sock');

  const spawnServer = (args, env) => {
    const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (b) => (out += b));
    child.stderr.on('data', (b) => (out += b));
    const exited = new Promise((resolve) => child.on('exit', resolve));
    return {
      child,
      out: () => out,
      async waitUntil(ready, what) {
        const deadline = Date.now() + 15_000;
        while (!(await ready())) {
          if (child.exitCode !== null || child.signalCode !== null || Date.now() > deadline) throw new Error(`${what} did not start:\n${out}`);
          await new Promise((r) => setTimeout(r, 50));
        }
      },
      async stop() {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      },
    };
  };

  const bare = spawnServer([fileURLToPath(import.meta.url), '--serve-bare', bareSocket], { PATH: process.env.PATH });
  const daemon = spawnServer([...daemonNodeFlags(), join(root, 'packages/daemon/dist/latchkey-daemon.js'), '--foreground'], world.env);
  const targets = [];
  const results = new Map();
  let revokedTotal = 0;
  try {
    await bare.waitUntil(() => /^ready$/m.test(bare.out()), 'the bare server');
    await daemon.waitUntil(async () => {
      const conn = new AgentConnection(latchkeySocket);
      try {
        return (await conn.status(500)).store === 'memory';
      } catch {
        return false;
      } finally {
        conn.close();
      }
    }, 'the daemon');
    targets.push({ name: 'bare grpc-js', conn: new AgentConnection(bareSocket) }, { name: 'latchkey', conn: new AgentConnection(latchkeySocket) });

    /**
     * Runs `inFlight` loops of IssueTempKey until the time or the call budget is spent, and never more
     * than `cap` calls; returns latencies in ms, the lease ids and whether the cap cut the phase short.
     */
    const phase = async (conn, inFlight, budget) => {
      const latencies = [];
      const leaseIds = [];
      let started = 0;
      const deadline = budget.seconds !== undefined ? performance.now() + budget.seconds * 1000 : Infinity;
      const more = () => started < cap && (budget.calls !== undefined ? started < budget.calls : performance.now() < deadline);
      const t0 = performance.now();
      await Promise.all(
        Array.from({ length: inFlight }, async () => {
          while (more()) {
            started++;
            const t = performance.now();
            const key = await conn.issueTempKey({ kind: 'random', ttlSeconds: TTL_SECONDS, params: PARAMS, bindPid });
            latencies.push(performance.now() - t);
            if (!/^[0-9a-f]{64}$/.test(key.value) || !key.leaseId) throw new Error(`unexpected key: ${JSON.stringify(key)}`);
            leaseIds.push(key.leaseId);
          }
        }),
      );
      const elapsedMs = performance.now() - t0;
      return { latencies, leaseIds, elapsedMs, capped: budget.calls === undefined && started >= cap };
    };
    /** Revokes the daemon's leases of one phase, 64 at a time, outside the timing. */
    const revokeAll = async (conn, leaseIds) => {
      let next = 0;
      await Promise.all(
        Array.from({ length: 64 }, async () => {
          while (next < leaseIds.length) {
            const id = leaseIds[next++];
            if (!(await conn.revokeLease(id))) throw new Error(`RevokeLease ${id} answered false`);
            revokedTotal++;
          }
        }),
      );
    };
    const run = async (t, inFlight, budget) => {
      const res = await phase(t.conn, inFlight, budget);
      if (t.name === 'latchkey') await revokeAll(t.conn, res.leaseIds);
      return res;
    };

    for (const t of targets) await run(t, Math.max(...levels), { calls: WARMUP_CALLS }); // JIT, connections, pools
    for (const inFlight of levels) {
      for (let r = 0; r < rounds; r++) {
        // Bare first in even rounds, latchkey first in odd ones, so that neither server always runs right
        // after the other's phase (and the latchkey phase's untimed revocations).
        for (const t of r % 2 === 0 ? targets : [...targets].reverse()) {
          const res = await run(t, inFlight, calls !== undefined ? { calls } : { seconds });
          const key = `${t.name}|${inFlight}`;
          const acc = results.get(key) ?? { latencies: [], elapsedMs: 0, capped: 0, rates: [] };
          acc.latencies.push(...res.latencies);
          acc.rates.push(res.latencies.length / res.elapsedMs);
          acc.elapsedMs += res.elapsedMs;
          if (res.capped) acc.capped++;
          results.set(key, acc);
        }
      }
    }
  } finally {
    for (const t of targets) t.conn.close();
    await Promise.all([bare.stop(), daemon.stop()]);
  }

  // Every file of the trail: past 8 MiB the daemon renames audit.jsonl and starts a new one with its next record.
  const trail = auditFiles(stateDir);
  const outcomes = new Map();
  for (const file of trail) {
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      if (!line) continue;
      const r = JSON.parse(line);
      if (r.event === 'lease') outcomes.set(r.outcome, (outcomes.get(r.outcome) ?? 0) + 1);
    }
  }
  const audited = outcomes.get('issued') ?? 0;
  const auditedRevoked = outcomes.get('revoked') ?? 0;
  let issuedTotal = WARMUP_CALLS;
  for (const [key, acc] of results) if (key.startsWith('latchkey|')) issuedTotal += acc.latencies.length;
  world.remove();

  const grpcVersion = JSON.parse(readFileSync(join(dirname(requireClient.resolve('@grpc/grpc-js')), '..', '..', 'package.json'), 'utf8')).version;
  console.log(
    `node ${process.version}, grpc-js ${grpcVersion}, ${cpus().length} CPUs, load ${loadavg().map((l) => l.toFixed(1)).join(' ')}; ` +
      `IssueTempKey random 32 bytes hex, TTL ${TTL_SECONDS} s, bindPid ${bindPid}; ` +
      `${calls !== undefined ? `${calls} calls` : `${seconds} s`} per phase x ${rounds} round(s); the same client (AgentConnection) for both`,
  );
  console.log(
    `latchkey: memory store, audit on (${audited} "issued" and ${auditedRevoked} "revoked" lease records for ${issuedTotal} keys issued ` +
      `and ${revokedTotal} revoked, in ${trail.length} trail file(s)); the product's default lease caps, no config.json: ` +
      `each phase's leases revoked after it, untimed, and a timed phase stops at ${cap} keys (${capName})`,
  );
  const widths = [14, 10, 9, 10, 9, 9];
  const row = (cells) => cells.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join('');
  const quantile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  console.log(row(['server', 'in flight', 'calls', 'calls/s', 'p50 ms', 'p99 ms']));
  const throughput = new Map();
  for (const inFlight of levels) {
    for (const t of targets) {
      const acc = results.get(`${t.name}|${inFlight}`);
      const sorted = [...acc.latencies].sort((a, b) => a - b);
      const rate = (sorted.length / acc.elapsedMs) * 1000;
      throughput.set(`${t.name}|${inFlight}`, rate);
      console.log(row([t.name, inFlight, sorted.length, rate.toFixed(0), quantile(sorted, 0.5).toFixed(3), quantile(sorted, 0.99).toFixed(3)]));
      if (acc.capped) console.log(`  (${acc.capped} of its ${rounds} phase(s) stopped at ${cap} calls, before the time was up: ${capName})`);
    }
  }
  for (const inFlight of levels) {
    const ratio = throughput.get(`latchkey|${inFlight}`) / throughput.get(`bare grpc-js|${inFlight}`);
    console.log(`throughput latchkey/bare, ${inFlight} in flight: ${(ratio * 100).toFixed(1)}%`);
    if (rounds > 1) {
      // Each round's pair on its own (the two phases run back to back), to show the spread the pooled figure hides.
      const bareRates = results.get(`bare grpc-js|${inFlight}`).rates;
      const pairs = results.get(`latchkey|${inFlight}`).rates.map((rate, r) => (rate / bareRates[r]) * 100);
      console.log(`  by round: ${pairs.map((x) => `${x.toFixed(1)}%`).join(', ')} (${Math.min(...pairs).toFixed(1)}-${Math.max(...pairs).toFixed(1)}%)`);
    }
  }
  if (levels.includes(64)) {
    const ratio = throughput.get('latchkey|64') / throughput.get('bare grpc-js|64');
    const figure = `${(ratio * 100).toFixed(1)}% of ${throughput.get('bare grpc-js|64').toFixed(0)}/s`;
    console.log(`${ratio >= 0.9 ? 'PASS' : 'MISS'}  ${'IssueTempKey, 64 in flight, audit on'.padEnd(44)} ${figure.padStart(22)}   target >= 90% of bare grpc-js`);
  }
  if (audited !== issuedTotal) console.log(`warning: ${issuedTotal - audited} of the keys issued have no "issued" audit record`);
  if (auditedRevoked !== revokedTotal) console.log(`warning: ${revokedTotal - auditedRevoked} of the leases revoked have no "revoked" audit record`);
}
