#!/usr/bin/env -S node --
// The `agent` executable. `agent exec` takes a lean path that loads neither oclif nor grpc-js (one
// bundled module, built by `pnpm build`); every other command (and `agent exec --help`) goes through oclif.
const words = process.argv.slice(2);
if (words[0] === 'exec' && !wantsHelp(words.slice(1))) {
  const { main } = await import('../dist/exec/bundle.mjs');
  await main(words.slice(1));
} else {
  const { execute } = await import('@oclif/core');
  await execute({ dir: import.meta.url });
}

/** True when --help or -h comes before the command (after `--` it belongs to the command). */
function wantsHelp(rest) {
  for (const w of rest) {
    if (w === '--') return false;
    if (w === '--help' || w === '-h') return true;
    if (!w.startsWith('-')) return false;
  }
  return rest.length === 0;
}
