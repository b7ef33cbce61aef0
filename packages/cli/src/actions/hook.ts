// `agent hook install|uninstall`: a Git pre-commit hook that runs `agent scan --staged` and blocks the
// commit on a finding. An existing hook is kept (renamed to pre-commit.latchkey-legacy and run after ours,
// as the pre-commit framework does with pre-commit.legacy) and put back by uninstall.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inputError } from '@latchkey/core';
import type { Deps } from '../deps.js';
import { repoRoot } from '../scan/git.js';

/** The line that marks a hook as ours. */
export const HOOK_MARKER = '# latchkey pre-commit hook';
const LEGACY = 'pre-commit.latchkey-legacy';

function hooksDir(deps: Deps): string {
  const root = repoRoot(deps.cwd, deps.env);
  // Asked without the scan's safety options, which point core.hooksPath away: where git runs hooks from.
  const r = spawnSync('git', ['-C', root, 'rev-parse', '--git-path', 'hooks'], { env: deps.env as NodeJS.ProcessEnv, encoding: 'utf8' });
  if (r.status !== 0) throw inputError(`git could not say where the hooks of ${root} are`, 'run it inside a Git repository');
  const dir = r.stdout.trim();
  return isAbsolute(dir) ? dir : join(root, dir);
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The hook's text: runs this very CLI (by absolute path) with the node that runs it now. */
export function hookScript(node: string, cli: string): string {
  return [
    '#!/bin/sh',
    `${HOOK_MARKER} (agent hook install): blocks a commit that adds a value Latchkey knows.`,
    '# Remove it with agent hook uninstall; skip it once with git commit --no-verify.',
    `${shellQuote(node)} ${shellQuote(cli)} scan --staged || exit $?`,
    `legacy="$(dirname "$0")/${LEGACY}"`,
    'if [ -x "$legacy" ]; then exec "$legacy" "$@"; fi',
    '',
  ].join('\n');
}

function ours(file: string): boolean {
  try {
    return readFileSync(file, 'utf8').includes(HOOK_MARKER);
  } catch {
    return false;
  }
}

/** Installs the hook; returns what was done, for printing. */
export function installHook(deps: Deps): string {
  const dir = hooksDir(deps);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'pre-commit');
  let kept = '';
  if (existsSync(file) && !ours(file)) {
    if (existsSync(join(dir, LEGACY))) throw inputError(`both ${file} and ${join(dir, LEGACY)} exist`, `merge them by hand, then run agent hook install again`);
    renameSync(file, join(dir, LEGACY));
    kept = `; the existing hook runs after it (${LEGACY})`;
  }
  const cli = fileURLToPath(new URL('../../bin/run.js', import.meta.url));
  writeFileSync(file, hookScript(process.execPath, cli), { mode: 0o755 });
  chmodSync(file, 0o755);
  return `installed the pre-commit hook in ${file}${kept}`;
}

/** Removes the hook and puts back the one it kept. */
export function uninstallHook(deps: Deps): string {
  const dir = hooksDir(deps);
  const file = join(dir, 'pre-commit');
  if (!existsSync(file)) return 'no pre-commit hook is installed';
  if (!ours(file)) throw inputError(`${file} is not latchkey's hook`, 'remove it by hand if you want it gone');
  rmSync(file);
  if (existsSync(join(dir, LEGACY))) {
    renameSync(join(dir, LEGACY), file);
    return `removed the pre-commit hook; the previous one is back in ${file}`;
  }
  return `removed the pre-commit hook from ${file}`;
}
