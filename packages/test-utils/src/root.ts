// The repository's root: the nearest folder above this module holding pnpm-workspace.yaml (found by
// walking up, so that a bundle of these helpers elsewhere in the tree, as scripts/faults makes, finds it too).
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'pnpm-workspace.yaml'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no pnpm-workspace.yaml above ${from}`);
  }
}

/** The repository's root folder. */
export const ROOT = findRoot(dirname(fileURLToPath(import.meta.url)));
