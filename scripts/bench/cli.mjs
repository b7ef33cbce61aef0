#!/usr/bin/env node
// Benchmark: the everyday commands against a warm daemon (memory store, 10 secrets, a manifest of 10
// references), each as a ratio to `node -e 0` run by the same node in the same run, interleaved, medians.
// Prints one PASS/MISS line per target of issue 11. Usage:
//   node scripts/bench/cli.mjs [--runs 30] [--node PATH]
// --node runs the CLI, its daemon and the baseline with that node (e.g. Node 24); this script's own node
// only spawns and times them.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { agentSync, CLI, ROOT, interleave, machine, makeWorld, median, nodeFromArgv, numberArg, stopDaemon, verdict } from './lib.mjs';

const node = nodeFromArgv();
const runs = numberArg('runs', 30);
const world = makeWorld({ extra: { DOTENV_CONFIG_QUIET: 'true' } });

const manifest = [];
const dotenv = [];
for (let i = 0; i < 10; i++) {
  const value = `bench-value-${i}-${'x'.repeat(24)}`;
  agentSync(node, world, ['set', `bench-secret-${i}`, '--ttl', '1h'], value);
  manifest.push(`VAR_${i}=agent://bench-secret-${i}`);
  dotenv.push(`VAR_${i}=${value}`);
}
writeFileSync(join(world.project, 'agent.env'), `${manifest.join('\n')}\n`);
writeFileSync(join(world.project, '.env'), `${dotenv.join('\n')}\n`);
agentSync(node, world, ['allow']);
// A temporary key, so that `agent leases` has a lease to list while its process lives (none after).
agentSync(node, world, ['temp', 'random', '--ttl', '1h']);

const agent = (name, args, input) => ({ name, cmd: node, args: ['--', CLI, ...args], input });
const dotenvBin = join(ROOT, 'node_modules/dotenv-cli/cli.js');
const cases = [
  { name: 'node -e 0', cmd: node, args: ['-e', '0'] },
  agent('agent exec -- true', ['exec', '--', 'true']),
  agent('agent get NAME (into a pipe)', ['get', 'bench-secret-3']),
  agent('agent ls', ['ls']),
  agent('agent set NAME < value', ['set', 'bench-set', '--ttl', '1h'], 'a value read from stdin'),
  agent('agent daemon status', ['daemon', 'status']),
  agent('agent leases', ['leases']),
  { name: 'dotenv -e .env -- true (dotenv-cli)', cmd: node, args: [dotenvBin, '-e', '.env', '--', 'true'] },
];
const targets = {
  'agent exec -- true': 1.3,
  'agent get NAME (into a pipe)': 1.5,
  'agent ls': 5,
  'agent set NAME < value': 5,
  'agent daemon status': 5,
  'agent leases': 5,
};

console.log(machine(node));
console.log(`${runs} interleaved runs of each, medians; warm daemon, memory store, 10 secrets, 10 references`);
const samples = await interleave(cases, world, runs);
const base = median(samples.get('node -e 0'));
console.log('command'.padEnd(40) + 'median ms'.padStart(10) + 'x node -e 0'.padStart(13));
for (const c of cases) {
  const m = median(samples.get(c.name));
  console.log(c.name.padEnd(40) + m.toFixed(1).padStart(10) + (m / base).toFixed(2).padStart(13));
}
console.log('');
for (const [name, limit] of Object.entries(targets)) {
  const m = median(samples.get(name));
  const ratio = m / base;
  const aim = name === 'agent exec -- true' ? ' (aim 1.15 x)' : '';
  console.log(verdict(name, `${m.toFixed(1)} ms = ${ratio.toFixed(2)} x`, `<= ${limit} x of ${base.toFixed(1)} ms${aim}`, ratio <= limit));
}

await stopDaemon(node, world);
world.remove();
