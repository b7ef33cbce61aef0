#!/usr/bin/env node
// Benchmark: the time to load `agent exec`'s bundle (packages/cli/dist/exec/bundle.cjs; bundle.mjs in
// older trees) and what it imports, each in a fresh node process, timed inside it around the import. With more than one
// bundle (e.g. a copy built from another commit, kept beside it so its imports resolve the same way),
// runs alternate between them and the ratios are to the first, measured in the same run.
// Usage: node scripts/bench/exec-load.mjs [--runs N] [bundle ...]
import { spawnSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const args = process.argv.slice(2);
let runs = 60;
const bundles = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--runs') runs = Number(args[++i]);
  else bundles.push(resolve(args[i]));
}
if (bundles.length === 0) bundles.push(join(root, 'packages/cli/dist/exec/bundle.cjs'));

const probe = (file) =>
  `const t = performance.now(); await import(${JSON.stringify(pathToFileURL(file).href)}); process.stdout.write(String(performance.now() - t));`;

const times = bundles.map(() => []);
const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp' };
for (let r = 0; r < runs; r++) {
  bundles.forEach((file, i) => {
    const out = spawnSync(process.execPath, ['--input-type=module', '-e', probe(file)], { env, encoding: 'utf8' });
    if (out.status !== 0) throw new Error(`loading ${file} failed: ${out.stderr}`);
    times[i].push(Number(out.stdout));
  });
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const base = median(times[0]);
console.log(`module load of the exec bundle, ${runs} fresh processes each, Node ${process.version}`);
bundles.forEach((file, i) => {
  const m = median(times[i]);
  const ratio = i === 0 ? '' : `  ${(m / base).toFixed(2)}x the first (${m - base >= 0 ? '+' : ''}${(m - base).toFixed(2)} ms)`;
  console.log(`${file.replace(`${root}/`, '')}: median ${m.toFixed(2)} ms${ratio}`);
});
