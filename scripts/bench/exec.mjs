#!/usr/bin/env node
// Benchmark: `agent exec -- true` with 10 references and a warm daemon, against `node -e 0`,
// `dotenv -e .env -- true` (dotenv-cli) and `dotenvx run -f .env -- true`, interleaved in one run.
// Prints medians and ratios to `node -e 0` measured in the same run. Usage: node scripts/bench/exec.mjs [runs]
import { spawnSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const runs = Number(process.argv[2] ?? 40);
const bin = (name) => join(root, 'node_modules', '.bin', name);
const CLI = join(root, 'packages/cli/bin/run.js');

const dir = mkdtempSync(join(tmpdir(), 'lk-bench-'));
const home = join(dir, 'home');
const project = join(dir, 'project');
mkdirSync(home, { mode: 0o700 });
mkdirSync(join(dir, 'run'), { mode: 0o700 });
mkdirSync(project);
const env = {
  PATH: process.env.PATH,
  HOME: home,
  XDG_RUNTIME_DIR: join(dir, 'run'),
  XDG_STATE_HOME: join(home, '.local/state'),
  XDG_CONFIG_HOME: join(home, '.config'),
  LATCHKEY_STORE: process.env.LATCHKEY_STORE ?? 'memory',
  LATCHKEY_KEYCHAIN_SERVICE: `latchkey-bench-${process.pid}`,
  DOTENV_CONFIG_QUIET: 'true',
};
if (process.env.DBUS_SESSION_BUS_ADDRESS) env.DBUS_SESSION_BUS_ADDRESS = process.env.DBUS_SESSION_BUS_ADDRESS;

const agent = (args, input) => {
  const r = spawnSync(process.execPath, ['--', CLI, ...args], { env, cwd: project, input, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`agent ${args.join(' ')} failed: ${r.stderr}`);
  return r;
};

const manifest = [];
const dotenvFile = [];
for (let i = 0; i < 10; i++) {
  const value = `bench-value-${i}-${'x'.repeat(24)}`;
  agent(['set', `bench-secret-${i}`, '--ttl', '1h'], value);
  manifest.push(`VAR_${i}=agent://bench-secret-${i}`);
  dotenvFile.push(`VAR_${i}=${value}`);
}
writeFileSync(join(project, 'agent.env'), `${manifest.join('\n')}\n`);
writeFileSync(join(project, '.env'), `${dotenvFile.join('\n')}\n`);
agent(['allow']);

const cases = [
  { name: 'node -e 0', cmd: process.execPath, args: ['-e', '0'] },
  { name: 'agent exec -- true', cmd: CLI, args: ['exec', '--', 'true'] },
  { name: 'dotenv -e .env -- true', cmd: bin('dotenv'), args: ['-e', '.env', '--', 'true'] },
  { name: 'dotenvx run -f .env -- true', cmd: bin('dotenvx'), args: ['run', '-q', '-f', '.env', '--', 'true'] },
];

const time = (c) =>
  new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(c.cmd, c.args, { env, cwd: project, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (b) => (err += b));
    child.on('exit', (code) => {
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      if (code !== 0) reject(new Error(`${c.name} exited ${code}: ${err}`));
      else resolve(ms);
    });
  });

const samples = new Map(cases.map((c) => [c.name, []]));
for (const c of cases) await time(c); // warm the file cache
for (let i = 0; i < runs; i++) {
  for (const c of cases) samples.get(c.name).push(await time(c));
}
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const base = median(samples.get('node -e 0'));
console.log(`node ${process.version}, ${runs} interleaved runs each, 10 references, warm daemon (${env.LATCHKEY_STORE} store)`);
console.log('command'.padEnd(32) + 'median ms'.padStart(10) + 'x node -e 0'.padStart(13));
for (const c of cases) {
  const m = median(samples.get(c.name));
  console.log(c.name.padEnd(32) + m.toFixed(1).padStart(10) + (m / base).toFixed(2).padStart(13));
}
const a = median(samples.get('agent exec -- true'));
const dx = median(samples.get('dotenvx run -f .env -- true'));
console.log(`target: agent exec <= 2.0 x node -e 0: ${(a / base).toFixed(2)} ${a / base <= 2 ? 'met' : 'NOT met'}; faster than dotenvx: ${a < dx ? 'yes' : 'NO'}`);

spawnSync(process.execPath, [CLI, 'daemon', 'stop'], { env, cwd: project });
rmSync(dir, { recursive: true, force: true });
