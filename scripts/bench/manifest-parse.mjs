#!/usr/bin/env node
// SECURITY.md 41: how long a 256 KiB manifest takes to parse (the daemon does it on its only thread).
// Prints the CPU time of the first (cold) parse and the median of 20 warm ones for a few shapes; run after
// `pnpm build`.
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

// CPU time of this thread (user + system), not wall time: on a shared, loaded machine the wall clock
// also counts the time other processes held the cores.
const time = (text) => {
  const t = process.cpuUsage();
  try {
    parseManifest(text, 'bench.env');
  } catch {
    // a bad line: only the time matters
  }
  const d = process.cpuUsage(t);
  return (d.user + d.system) / 1000;
};

for (const [label, text] of Object.entries(shapes)) {
  const cold = time(text);
  const warm = Array.from({ length: 20 }, () => time(text)).sort((a, b) => a - b);
  console.log(`${label.padEnd(38)} ${(text.length / 1024).toFixed(0)} KiB  cold ${cold.toFixed(1)} ms  warm median ${warm[10].toFixed(1)} ms (CPU)`);
}
