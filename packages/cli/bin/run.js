#!/usr/bin/env -S node --
// The `agent` executable (CommonJS: bin/package.json says so; it starts ~5 ms sooner than an ES module
// on Node 20). `agent exec`, `agent get NAME`, `agent daemon status [--json]`, the plain forms of
// `agent ls`, `agent set` and `agent leases`, and `agent scan --staged [--no-answer]` (the pre-commit hook's)
// take lean paths that load neither oclif nor grpc-js: one bundled CommonJS module each, built by
// `pnpm build`. Every other command (and `agent exec --help`) goes through oclif.
'use strict';
let words = process.argv.slice(2);
// `agent help exec` is `agent exec --help`; `agent help` is `agent --help`.
if (words[0] === 'help') words = [...words.slice(1).filter((w) => !w.startsWith('-')), '--help'];
if (words[0] === 'exec' && !wantsHelp(words.slice(1))) {
  const exec = cachedBundle('exec/bundle.cjs');
  exec.exports.main(words.slice(1), exec.save);
} else if (words[0] === 'get' && words.length === 2 && !words[1].startsWith('-')) {
  // The plain `agent get NAME` scripts call, as lean; any other form of get is oclif's to parse.
  // get exits from within, so its code cache is stored on the way out.
  const get = cachedBundle('lean/get.cjs');
  process.once('exit', get.save);
  get.exports.main(words[1]);
} else if (words[0] === 'daemon' && words[1] === 'status' && (words.length === 2 || (words.length === 3 && words[2] === '--json'))) {
  require('../dist/lean/status.cjs').main(words.length === 3);
} else if (words[0] === 'scan' && isStagedForm(words.slice(1))) {
  // What the pre-commit hook runs: the scan action, its Scan stream over h2lite.
  require('../dist/lean/scan.cjs').main(words.slice(1));
} else if ((words[0] === 'ls' || words[0] === 'set' || words[0] === 'leases') && require(`../dist/lean/${words[0]}.cjs`).main(words.slice(1))) {
  // Taken by the lean path: a plain form of the command (its main() leaves any other to oclif).
} else {
  // The package's folder, where oclif finds its package.json (this folder's only says CommonJS).
  require('@oclif/core').execute({ args: words, dir: require('node:path').join(__dirname, '..') });
}

/** The bundle dist/`name` through V8's code cache (dist/code-cache.cjs): its functions arrive compiled. */
function cachedBundle(name) {
  return require('../dist/code-cache.cjs').loadBundle(require('node:path').join(__dirname, '../dist', name));
}

/** `--staged`, with `--no-answer` or not, each once: the forms dist/lean/scan.js runs. */
function isStagedForm(rest) {
  return rest.includes('--staged') && new Set(rest).size === rest.length && rest.every((w) => w === '--staged' || w === '--no-answer');
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
