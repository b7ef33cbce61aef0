// A user's project run by vitest as a subprocess: a folder outside the workspace that links the built
// @latchkey/client as an install would, and `vitest run` on it in a world's environment.
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, startAgent, type RunningAgent, type World } from './agent.js';
import { testdir } from './testdir.js';

/** The workspace's vitest entry. */
export const VITEST = join(ROOT, 'node_modules', 'vitest', 'vitest.mjs');

/**
 * A user's project in a new folder under `parent` (a world's folder, say): `files`, a package.json
 * depending on @latchkey/client through a file: link, and node_modules/@latchkey/client linked to the
 * workspace package.
 */
export function clientProject(parent: string, files: Record<string, string>): string {
  const dir = testdir(files, parent);
  const client = join(ROOT, 'packages', 'client');
  mkdirSync(join(dir, 'node_modules', '@latchkey'), { recursive: true });
  symlinkSync(client, join(dir, 'node_modules', '@latchkey', 'client'));
  const pkg = { name: 'my-app', private: true, type: 'module', dependencies: { '@latchkey/client': `file:${client}` } };
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
  return dir;
}

/** A vitest.config.mjs running key.test.mjs (with globals) after `@latchkey/client/vitest` minted `keys`. */
export function providedKeysConfig(keys: Record<string, unknown>): string {
  return `export default { test: { include: ['key.test.mjs'], globals: true,
  globalSetup: ['@latchkey/client/vitest'], provide: { latchkeyKeys: ${JSON.stringify(keys)} } } };\n`;
}

/**
 * `vitest run --root dir` in `world`'s environment with `env` added (nothing of this test run's), in a
 * process group of its own so that a kill of `-pid` reaches its workers too; killed after `timeoutMs`.
 */
export function runVitest(world: World, dir: string, env: Record<string, string> = {}, timeoutMs = 60_000): RunningAgent {
  const running = startAgent(world, [], { command: [process.execPath, VITEST, 'run', '--root', dir], cwd: dir, env });
  running.child.stdin?.end();
  const timer = setTimeout(() => running.child.kill('SIGKILL'), timeoutMs);
  void running.ended.finally(() => clearTimeout(timer)).catch(() => undefined);
  return running;
}
