#!/usr/bin/env node
// Benchmark: the first `agent exec -- true` with no daemon running (the auto-start included: spawn, the
// keychain opened and read, the socket bound, then the resolve), and the daemon's resident memory idle
// and holding 1,000 secrets (its own process, and beside it the keychain worker it keeps running, whose
// RSS is printed with the PSS of the two: the targets are read on the daemon's process). Runs inside a
// private D-Bus session with a throwaway unlocked gnome-keyring (dbus-run-session), so the daemon uses the
// keychain as a user's would and finds the 10 secrets of the manifest there after each start. Usage:
//   node scripts/bench/cold.mjs [--runs 15] [--node PATH]
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { agentSync, CLI, ROOT, machine, makeWorld, median, nodeFromArgv, numberArg, stopDaemon, time, verdict } from './lib.mjs';

const node = nodeFromArgv();
const runs = numberArg('runs', 15);

if (!process.argv.includes('--inside')) {
  // Re-run this script on a private session bus with an unlocked keyring in a throwaway HOME.
  const world = makeWorld();
  const script = 'printf bench-keyring-password | gnome-keyring-daemon --unlock --components=secrets --daemonize >/dev/null && exec "$@"';
  const r = spawnSync('dbus-run-session', ['--', 'sh', '-c', script, 'sh', process.execPath, fileURLToPath(import.meta.url), '--inside', world.dir, ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: { PATH: world.env.PATH, HOME: world.home, XDG_RUNTIME_DIR: world.env.XDG_RUNTIME_DIR },
  });
  world.remove();
  process.exit(r.status ?? 1);
}

const world = makeWorld({ store: 'keychain', extra: { DBUS_SESSION_BUS_ADDRESS: process.env.DBUS_SESSION_BUS_ADDRESS } });
// The keyring lives in the outer HOME; the CLI's own folders in this world's.
console.log(machine(node));
const manifest = [];
for (let i = 0; i < 10; i++) {
  agentSync(node, world, ['set', `cold-secret-${i}`, '--ttl', '1h'], `cold-value-${i}-${'y'.repeat(24)}`);
  manifest.push(`VAR_${i}=agent://cold-secret-${i}`);
}
writeFileSync(join(world.project, 'agent.env'), `${manifest.join('\n')}\n`);
agentSync(node, world, ['allow']);

// ---- the first exec, no daemon running ----
const baseline = { name: 'node -e 0', cmd: node, args: ['-e', '0'] };
const cold = { name: 'agent exec -- true (auto-start)', cmd: node, args: ['--', CLI, 'exec', '--', 'true'] };
const coldMs = [];
const baseMs = [];
await stopDaemon(node, world);
await time(cold, world); // warm the file cache
for (let i = 0; i < runs; i++) {
  await stopDaemon(node, world);
  baseMs.push(await time(baseline, world));
  coldMs.push(await time(cold, world));
}
const coldMedian = median(coldMs);
console.log(`${runs} runs, medians: node -e 0 ${median(baseMs).toFixed(1)} ms; first agent exec -- true with the daemon stopped before each ${coldMedian.toFixed(1)} ms (${(coldMedian / median(baseMs)).toFixed(1)} x), max ${Math.max(...coldMs).toFixed(1)} ms`);

// ---- daemon RSS ----
const daemonPid = () => JSON.parse(agentSync(node, world, ['daemon', 'status', '--json']).stdout).pid;
const rssMb = (pid) => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024;
// The keychain worker (store/keychain-worker.ts) is the daemon's child for as long as the daemon runs (it
// answers the keychain check every second): its RSS is printed beside the daemon's, and the PSS of the two
// (each shared page counted once, split between them: most of Node's binary is mapped by both).
const pssMb = (pid) => Number(/^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))[1]) / 1024;
const workerOf = (pid) => {
  const kids = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  return kids.find((k) => readFileSync(`/proc/${k}/cmdline`, 'utf8').includes('keychain-worker'));
};
const memory = (pid) => {
  const worker = workerOf(pid);
  if (worker === undefined) throw new Error(`the daemon ${pid} has no keychain worker`);
  return { rss: rssMb(pid), workerRss: rssMb(worker), pss: pssMb(pid) + pssMb(worker) };
};
// Read 1 s after the daemon's quiet spell (3 s, idle-memory.ts) has passed since the last call: it hands
// memory back at the end of the spell.
const { QUIET_SPELL_MS } = await import(pathToFileURL(join(ROOT, 'packages/daemon/dist/idle-memory.js')).href);
const settle = () => new Promise((r) => setTimeout(r, QUIET_SPELL_MS + 1000));
await stopDaemon(node, world);
await time(cold, world);
const pid = daemonPid();
for (let i = 0; i < 5; i++) await time(cold, world); // a few calls answered, then idle
await settle();
const idleMem = memory(pid);
const idle = idleMem.rss;
// 990 more secrets (1,000 in all), stored one after another over one connection of @latchkey/client
// (the keychain takes each write; several in flight time out on a loaded machine).
const { connect } = await import(pathToFileURL(join(ROOT, 'packages/client/dist/index.js')).href);
const conn = await connect({ env: world.env, autoStart: false });
for (let i = 10; i < 1000; i++) await conn.putSecret({ name: `rss-secret-${i}`, value: `rss-value-${i}-${'z'.repeat(40)}`, ttlSeconds: 3600 });
conn.close();
await time({ name: 'ls', cmd: node, args: ['--', CLI, 'ls'] }, world);
await settle();
const fullMem = memory(pid);
const full = fullMem.rss;
const count = JSON.parse(agentSync(node, world, ['daemon', 'status', '--json']).stdout);
console.log(`daemon pid ${pid}: RSS ${idle.toFixed(1)} MB idle, ${full.toFixed(1)} MB with ${count.secrets} secrets`);
console.log('');
console.log(verdict('first agent exec, no daemon (auto-start)', `${coldMedian.toFixed(1)} ms`, '<= 500 ms', coldMedian <= 500));
console.log(verdict('daemon RSS idle (its process)', `${idle.toFixed(1)} MB`, '<= 60 MB', idle <= 60));
console.log(verdict('daemon RSS with 1,000 secrets (its process)', `${full.toFixed(1)} MB`, '<= 100 MB', full <= 100));
console.log(`      the keychain worker beside it: ${idleMem.workerRss.toFixed(1)} MB RSS idle, ${fullMem.workerRss.toFixed(1)} MB with 1,000 secrets; daemon and worker together ${idleMem.pss.toFixed(1)} and ${fullMem.pss.toFixed(1)} MB PSS`);

await stopDaemon(node, world);
world.remove();
