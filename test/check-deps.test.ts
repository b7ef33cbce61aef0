// scripts/check-deps.mjs, the CI check of DESIGN.md's dependency rules: on this repository it passes; on small
// workspaces built to break one rule each, it fails naming the file, the line and the rule.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, run, testdir } from '@latchkey/test-utils';

const SCRIPT = join(ROOT, 'scripts/check-deps.mjs');

const pkg = (name: string, dependencies: Record<string, string> = {}, devDependencies: Record<string, string> = {}) =>
  JSON.stringify({ name, dependencies, devDependencies });

/** A workspace that keeps every rule; `changes` replace or add files. */
function workspace(changes: Record<string, string> = {}): string {
  return testdir({
    'package.json': JSON.stringify({ name: 'ws', devDependencies: { vitest: '*' } }),
    'packages/core/package.json': pkg('@latchkey/core'),
    'packages/core/src/index.ts': "export const a = 1;\n",
    'packages/core/src/a.test.ts': "import { it } from 'vitest';\nimport { a } from './index.js';\n",
    'packages/protocol/package.json': pkg('@latchkey/protocol', { '@latchkey/core': '*' }),
    'packages/protocol/src/index.ts': "import { a } from '@latchkey/core';\nimport { join } from 'node:path';\nexport const b = a;\n",
    'packages/client/package.json': pkg('@latchkey/client', { '@latchkey/protocol': '*', '@latchkey/core': '*' }),
    'packages/client/src/index.ts': "export * from '@latchkey/protocol';\nexport type { X } from '@latchkey/core';\n",
    'packages/daemon/package.json': pkg('@latchkey/daemon', { '@latchkey/protocol': '*', '@latchkey/core': '*', jose: '*' }),
    'packages/daemon/src/main.ts': "import '@latchkey/protocol';\nimport { spawn } from 'node:child_process';\nconst { a } = await import('@latchkey/core');\nimport * as jose from 'jose';\n",
    'packages/cli/package.json': pkg('@latchkey/cli', { '@latchkey/client': '*', '@latchkey/daemon': '*' }),
    'packages/cli/src/index.ts': "import { connect } from '@latchkey/client';\nconst bin = req.resolve('@latchkey/daemon/package.json');\n",
    ...changes,
  });
}

const check = (root: string) => run(process.execPath, [SCRIPT, '--root', root]);

describe('scripts/check-deps.mjs', () => {
  it('passes on this repository', async () => {
    const r = await run(process.execPath, [SCRIPT]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('check-deps: the dependency rules hold\n');
  });

  it('passes on a workspace that keeps the rules', async () => {
    const r = await check(workspace());
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });

  it.each([
    ['core imports fs', { 'packages/core/src/io.ts': "import { readFileSync } from 'node:fs';\n" }, 'packages/core/src/io.ts:1: core imports node:fs (core is pure: no fs, net or child_process)'],
    ['core imports net', { 'packages/core/src/io.ts': "export {};\nconst net = await import('net');\n" }, 'packages/core/src/io.ts:2: core imports net'],
    ['core imports child_process', { 'packages/core/src/io.ts': "import type { ChildProcess } from 'node:child_process';\n" }, 'core imports node:child_process'],
    ['the client imports the daemon', { 'packages/client/src/start.ts': "import { main } from '@latchkey/daemon';\n" }, 'packages/client/src/start.ts:1: imports @latchkey/daemon; nothing imports the daemon (start it as a program)'],
    ['protocol imports the client', { 'packages/protocol/src/up.ts': "export { connect } from '@latchkey/client';\n" }, 'packages/protocol/src/up.ts:1: @latchkey/protocol imports @latchkey/client, against the direction'],
    ['the daemon imports the client', { 'packages/daemon/src/up.ts': "import { connect } from '@latchkey/client';\n" }, '@latchkey/daemon imports @latchkey/client, against the direction'],
    ['an import missing from dependencies', { 'packages/cli/src/color.ts': "import chalk from 'chalk';\n" }, "packages/cli/src/color.ts:1: imports chalk, which is not in @latchkey/cli's dependencies"],
    ['a dependency nothing imports', { 'packages/client/package.json': pkg('@latchkey/client', { '@latchkey/protocol': '*', '@latchkey/core': '*', koffi: '*' }) }, 'packages/client/package.json: @latchkey/client depends on koffi but no source file of it imports it'],
    ['a test importing what nobody declares', { 'packages/core/src/b.test.ts': "import pad from 'left-pad';\n" }, 'packages/core/src/b.test.ts:1: imports left-pad, in none of'],
    ['a package outside the design', { 'packages/extra/package.json': pkg('@latchkey/extra') }, 'packages/extra: @latchkey/extra has no place in the dependency direction'],
    [
      'two packages ask for different ranges of one dependency',
      { 'packages/protocol/package.json': pkg('@latchkey/protocol', { '@latchkey/core': '*', jose: '^6.1.0' }), 'packages/protocol/src/jwt.ts': "import * as jose from 'jose';\n" },
      'jose is asked for by different ranges (@latchkey/daemon *; @latchkey/protocol ^6.1.0): ask for one range everywhere',
    ],
  ])('fails when %s', async (_label, changes, said) => {
    const r = await check(workspace(changes as Record<string, string>));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(said);
    expect(r.stderr).toMatch(/check-deps: [12] problems? \(the rules: DESIGN\.md, "Layout"\)\n$/);
  });
});
