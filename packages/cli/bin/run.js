#!/usr/bin/env -S node --
// The `agent` executable. `agent exec` takes a lean path that loads neither oclif nor grpc-js (one
// bundled module, built by `pnpm build`); every other command (and `agent exec --help`) goes through oclif.
let words = process.argv.slice(2);
// `agent help exec` is `agent exec --help`; `agent help` is `agent --help`.
if (words[0] === 'help') words = [...words.slice(1).filter((w) => !w.startsWith('-')), '--help'];
if (words[0] === 'exec' && !wantsHelp(words.slice(1))) {
  const { main } = await import('../dist/exec/bundle.mjs');
  await main(words.slice(1));
} else {
  const { execute } = await import('@oclif/core');
  await execute({ args: words, dir: import.meta.url });
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
