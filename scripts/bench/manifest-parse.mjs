#!/usr/bin/env node
// SECURITY.md 41: how long a 256 KiB manifest takes to parse (the daemon does it on its only thread).
// Prints the CPU time of the first (cold) parse, each shape in a fresh process with the daemon's Node flags (its 1 MB
// young generation), and the median of 20 warm ones; run after `pnpm build`. `--runs N` runs N fresh processes per
// shape and prints the median and the range of the cold parses as well.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseManifest } from '../../packages/core/dist/index.js';

const SIZE = 256 * 1024;
const fill = (line) => {
  let text = '';
  for (let i = 0; text.length < SIZE; i++) text += line(i);
  return text.slice(0, SIZE);
};
const shapes = {
  'references (agent://NAME?owner=...)': fill((i) => `VAR_${i}=agent://secret-${i}?owner=team&desc=d\n`),
  'temp/jwt references with claims': fill((i) => `T_${i}=agent://temp/jwt?signer=s&sub=u&claim.role=r${i}&ttl=10m\n`),
  'literals': fill((i) => `LIT_${i}=value-${i}\n`),
  'blank lines, then a bad line': `${'\n'.repeat(SIZE - 8)}garbage\n`,
};

// CPU time, not wall time: on a shared, loaded machine the wall clock also counts the time other
// processes held the cores. Two figures: the thread that parses (what keeps the daemon's other clients
// waiting; /proc/thread-self/schedstat, Linux) and the whole process (V8 compiles and collects garbage
// on threads of its own meanwhile).
const thread = () => {
  try {
    return Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[0]) / 1e6;
  } catch {
    return Number.NaN;
  }
};
const time = (text) => {
  const t = process.cpuUsage();
  const th = thread();
  try {
    parseManifest(text, 'bench.env');
  } catch {
    // a bad line: only the time matters
  }
  const d = process.cpuUsage(t);
  return { thread: thread() - th, process: (d.user + d.system) / 1000 };
};

// One shape per process, so that each first parse is cold, with the Node flags the daemon runs with
// (the size of the young generation sets how often a first parse is collected). The client, which says
// what they are, is loaded only here: a child loads nothing but core before it parses.
const only = process.argv[2]?.startsWith('--') ? undefined : process.argv[2];
if (only === undefined) {
  const { daemonNodeFlags } = await import('../../packages/client/dist/index.js');
  const { numberArg } = await import('./lib.mjs');
  const runs = numberArg('runs', 1);
  if (!Number.isInteger(runs) || runs < 1) throw new Error('--runs takes a whole number from 1');
  for (const label of Object.keys(shapes)) {
    const colds = [];
    for (let i = 0; i < runs; i++) {
      const out = execFileSync(process.execPath, [...daemonNodeFlags(), fileURLToPath(import.meta.url), label], { encoding: 'utf8' });
      if (i === 0) process.stdout.write(out);
      colds.push(Number(/cold ([\d.]+) ms/.exec(out)[1]));
    }
    if (runs > 1) {
      colds.sort((a, b) => a - b);
      console.log(`${''.padEnd(38)} cold over ${runs} processes: median ${colds[runs >> 1].toFixed(1)} ms, ${colds[0].toFixed(1)}-${colds[runs - 1].toFixed(1)} ms`);
    }
  }
} else {
  const text = shapes[only];
  const cold = time(text);
  const warm = Array.from({ length: 20 }, () => time(text)).sort((a, b) => a.thread - b.thread);
  console.log(
    `${only.padEnd(38)} ${(text.length / 1024).toFixed(0)} KiB  cold ${cold.thread.toFixed(1)} ms of the parsing thread (${cold.process.toFixed(1)} ms process)  warm median ${warm[10].thread.toFixed(1)} ms (${warm[10].process.toFixed(1)} ms)`,
  );
}
