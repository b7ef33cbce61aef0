// Shared by the benchmarks under scripts/bench: a throwaway world (HOME, runtime and state folders), the
// CLI run by a chosen node, interleaved timing of child processes, medians, and the PASS/MISS lines.
// Every child gets a clean environment built here (never process.env): this machine's
// NODE_EXTRA_CA_CERTS alone adds ~70 ms to every Node start.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CLI = join(ROOT, 'packages/cli/bin/run.js');

/** The node to measure: --node PATH (e.g. .cache/node24/node_modules/node/bin/node), else this one. */
export function nodeFromArgv(argv = process.argv) {
  const i = argv.indexOf('--node');
  return i >= 0 ? argv[i + 1] : process.execPath;
}

/** A number option `--name N` from argv, or `fallback`. */
export function numberArg(name, fallback, argv = process.argv) {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? Number(argv[i + 1]) : fallback;
}

/** Temp HOME/XDG folders and a project; `env` is the whole environment every child gets. */
export function makeWorld({ store = 'memory', extra = {} } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'lk-bench-'));
  const home = join(dir, 'home');
  const project = join(dir, 'project');
  mkdirSync(home, { mode: 0o700 });
  mkdirSync(join(dir, 'run'), { mode: 0o700 });
  mkdirSync(project);
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    XDG_RUNTIME_DIR: join(dir, 'run'),
    XDG_STATE_HOME: join(home, '.local/state'),
    XDG_CONFIG_HOME: join(home, '.config'),
    LATCHKEY_STORE: store,
    LATCHKEY_KEYCHAIN_SERVICE: `latchkey-bench-${process.pid}`,
    ...extra,
  };
  if (process.env.DBUS_SESSION_BUS_ADDRESS && store !== 'memory') env.DBUS_SESSION_BUS_ADDRESS = process.env.DBUS_SESSION_BUS_ADDRESS;
  return {
    dir,
    home,
    project,
    env,
    socket: join(dir, 'run', 'latchkey', 'agent.sock'),
    remove: () => rmSync(dir, { recursive: true, force: true, maxRetries: 10 }),
  };
}

/** Runs the CLI to completion with `node`; throws on a non-zero exit. */
export function agentSync(node, world, args, input) {
  const r = spawnSync(node, ['--', CLI, ...args], { env: world.env, cwd: world.project, input, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`agent ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return r;
}

/** Milliseconds from spawn to exit of one run of `c` ({cmd, args, input?}); rejects on a non-zero exit. */
export function time(c, world) {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(c.cmd, c.args, { env: world.env, cwd: world.project, stdio: [c.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    let err = '';
    child.stdout.resume(); // a pipe, as a script's $(agent get NAME) reads it
    child.stderr.on('data', (b) => (err += b));
    if (c.input !== undefined) child.stdin.end(c.input);
    child.on('exit', (code) => {
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      if (code !== 0) reject(new Error(`${c.name} exited ${code}: ${err}`));
      else resolve(ms);
    });
  });
}

/** Times every case `runs` times, interleaved (one of each per round), after one warm-up round. */
export async function interleave(cases, world, runs) {
  const samples = new Map(cases.map((c) => [c.name, []]));
  for (const c of cases) await time(c, world);
  for (let i = 0; i < runs; i++) for (const c of cases) samples.get(c.name).push(await time(c, world));
  return samples;
}

const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout) || 100;

/**
 * CPU milliseconds (user + system) of process `pid` so far, and of its children it has waited for
 * (/proc/PID/stat utime, stime, cutime, cstime; 10 ms steps). What a run cost on one core, however many
 * other processes shared the cores with it.
 */
export function cpuMs(pid = process.pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // f[0] is field 3 (state)
  const ms = (i) => (Number(f[i]) * 1000) / CLK_TCK;
  return { self: ms(11) + ms(12), children: ms(13) + ms(14) };
}

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** One line of the verdict table: what, the figure, the target, PASS or MISS. */
export function verdict(what, figure, target, pass) {
  return `${pass ? 'PASS' : 'MISS'}  ${what.padEnd(44)} ${figure.padStart(22)}   target ${target}`;
}

/** The machine line every benchmark prints first. */
export function machine(node) {
  const version = spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim();
  const [one, five] = loadavg();
  return `node ${version}, ${navigatorCores()} cores, load average ${one.toFixed(1)} (1 min) ${five.toFixed(1)} (5 min) at start`;
}

function navigatorCores() {
  return spawnSync('nproc', { encoding: 'utf8' }).stdout.trim() || '?';
}

/** Stops the world's daemon (if any) and waits for its socket to go. */
export async function stopDaemon(node, world) {
  spawnSync(node, ['--', CLI, 'daemon', 'stop'], { env: world.env, cwd: world.project });
  for (let i = 0; i < 200 && existsSync(world.socket); i++) await new Promise((r) => setTimeout(r, 10));
}
