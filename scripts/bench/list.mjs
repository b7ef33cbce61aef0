#!/usr/bin/env node
// Benchmark (SECURITY 44): `agent ls --json` against a daemon holding 10,000 secrets, which lists them in
// pages under the 64 KiB message cap; target under 1 s. Baselines measured in the same run, interleaved:
// `node -e 0` (a bare node start) and `agent ls --json` against the same daemon holding 10 secrets (the
// CLI's own start and one page). Prints medians and ratios; exits 0 whether or not the target is met.
// Needs `pnpm build` first. Run it with a clean environment (env -i PATH=... HOME=...): an inherited
// NODE_EXTRA_CA_CERTS adds ~70 ms to every node start.
//
// Usage: node scripts/bench/list.mjs [--runs N] [--secrets N]
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const { values: opts } = parseArgs({ options: { runs: { type: 'string', default: '15' }, secrets: { type: 'string', default: '10000' } } });
const RUNS = Number(opts.runs);
const SECRETS = Number(opts.secrets);
const { AgentConnection } = await import(pathToFileURL(join(root, 'packages/client/dist/index.js')).href);
const CLI = join(root, 'packages/cli/bin/run.js');

/** A daemon on the memory store in a temp HOME, holding `count` secrets. */
async function world(count) {
  const dir = mkdtempSync(join(tmpdir(), 'lk-bench-list-'));
  const home = join(dir, 'home');
  const run = join(dir, 'run');
  mkdirSync(home, { mode: 0o700 });
  mkdirSync(run, { mode: 0o700 });
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    LANG: 'C.UTF-8',
    XDG_RUNTIME_DIR: run,
    XDG_STATE_HOME: join(home, '.local/state'),
    XDG_CONFIG_HOME: join(home, '.config'),
    LATCHKEY_STORE: 'memory',
  };
  const daemon = spawn(process.execPath, [join(root, 'packages/daemon/dist/latchkey-daemon.js'), '--foreground'], { env, stdio: 'ignore' });
  const conn = new AgentConnection(join(run, 'latchkey/agent.sock'));
  for (let i = 0; ; i++) {
    try {
      await conn.status(1000);
      break;
    } catch (err) {
      if (i > 100) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  for (let start = 0; start < count; start += 64) {
    await Promise.all(
      Array.from({ length: Math.min(64, count - start) }, (_, k) =>
        conn.putSecret({ name: `svc-${String(start + k).padStart(5, '0')}/api-token`, value: 'v', ttlSeconds: 3600, owner: 'team@example.com', description: 'an API token' }),
      ),
    );
  }
  conn.close();
  return {
    env,
    close() {
      daemon.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const timed = (args, env) => {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return { ms, stdout: r.stdout };
};

const big = await world(SECRETS);
const small = await world(10);
try {
  const listed = JSON.parse(timed(['--', CLI, 'ls', '--json'], big.env).stdout.toString()).length;
  if (listed !== SECRETS) throw new Error(`agent ls --json listed ${listed} of ${SECRETS}`);
  const samples = { node: [], small: [], big: [] };
  for (let i = 0; i < RUNS; i++) {
    samples.node.push(timed(['-e', '0'], small.env).ms);
    samples.small.push(timed(['--', CLI, 'ls', '--json'], small.env).ms);
    samples.big.push(timed(['--', CLI, 'ls', '--json'], big.env).ms);
  }
  const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
  const base = median(samples.node);
  const row = (label, a) => console.log(`${label.padEnd(40)} ${median(a).toFixed(0).padStart(6)} ms  x${(median(a) / base).toFixed(2)} node -e 0`);
  console.log(`medians of ${RUNS} interleaved runs; every listing checked complete once (${SECRETS} secrets)`);
  row('node -e 0', samples.node);
  row('agent ls --json (10 secrets)', samples.small);
  row(`agent ls --json (${SECRETS} secrets)`, samples.big);
  console.log(`${SECRETS} secrets vs 10: x${(median(samples.big) / median(samples.small)).toFixed(2)}; target under 1000 ms: ${median(samples.big) < 1000 ? 'met' : 'not met'}`);
} finally {
  big.close();
  small.close();
}
