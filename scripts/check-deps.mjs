#!/usr/bin/env node
// DESIGN.md's dependency rules, checked on the sources (run by .ci/run; exit 1 on any breach):
//   - direction: cli -> client -> protocol -> core; daemon -> protocol, core (a package may use what lies
//     below it); test-utils (private, tests only) may use client, protocol and core;
//   - nothing imports @latchkey/daemon: it is started as a program (a package may resolve its files);
//   - core imports no fs, net or child_process;
//   - every package a source file imports is in that package's dependencies, and every dependency is
//     imported (or resolved) by one of its source files; a test beside the code may also use its package's
//     devDependencies and the root's (vitest, @latchkey/test-utils);
//   - every package (and the root) that depends on one registry package asks for the same range of it: the
//     release puts one range in its package.json, and a lower floor somewhere would promise what is untested.
// Imports are read from the text: `import ... from 'x'`, `export ... from 'x'`, `import('x')`, and
// `require.resolve('x')` (a file found, not loaded).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/** What each workspace package may import of the others. */
const MAY_USE = {
  '@latchkey/core': [],
  '@latchkey/protocol': ['@latchkey/core'],
  '@latchkey/client': ['@latchkey/protocol', '@latchkey/core'],
  '@latchkey/cli': ['@latchkey/client', '@latchkey/protocol', '@latchkey/core'],
  '@latchkey/daemon': ['@latchkey/protocol', '@latchkey/core'],
  '@latchkey/test-utils': ['@latchkey/client', '@latchkey/protocol', '@latchkey/core'],
};
/**
 * Dependencies a package carries for the modules it bundles from another workspace package (esbuild inlines
 * them, their own imports stay external and are required from the bundling package's folder), with why.
 */
const CARRIED = {
  '@latchkey/cli': { koffi: "the exec and get bundles inline @latchkey/client/harden, which requires koffi from the CLI's folder" },
};
/** Node modules core must not import (with or without `node:`, and their subpaths). */
const CORE_FORBIDDEN = ['fs', 'net', 'child_process'];

const IMPORT_RES = [
  /^\s*import\s+(?:type\s+)?(?:[\w*{}\s,$]+\s+from\s+)?['"]([^'"]+)['"]/gm,
  /^\s*export\s+(?:type\s+)?(?:\*(?:\s+as\s+\w+)?|\{[^}]*\})\s+from\s+['"]([^'"]+)['"]/gm,
  /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g,
];
const RESOLVE_RE = /(?:\brequire|\b[Rr]eq\w*|\bimport\.meta)\.resolve\(\s*['"]([^'"]+)['"]\s*\)/g;

/** The package a bare specifier names (`@a/b/c` -> `@a/b`, `x/y` -> `x`), or undefined for a relative one. */
function packageOf(spec) {
  if (spec.startsWith('.') || spec.startsWith('/')) return undefined;
  const parts = spec.split('/');
  return spec.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
}

const builtins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));
const isBuiltin = (spec) => spec.startsWith('node:') || builtins.has(spec) || builtins.has(spec.split('/')[0]);

function sourceFiles(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) {
      if (name !== 'node_modules' && name !== 'dist') out.push(...sourceFiles(p));
    } else if (/\.(ts|mts|js|mjs)$/.test(name) && !name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

/** Every import and resolve in a file's text, with its line. */
function specifiers(text) {
  const found = [];
  const lineOf = (i) => text.slice(0, i).split('\n').length;
  for (const re of IMPORT_RES) for (const m of text.matchAll(re)) found.push({ spec: m[1], line: lineOf(m.index), resolved: false });
  for (const m of text.matchAll(RESOLVE_RE)) found.push({ spec: m[1], line: lineOf(m.index), resolved: true });
  return found;
}

/** The problems of the workspace rooted at `root` (one string each). */
export function check(root = ROOT) {
  const problems = [];
  const rootPkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const rootDev = new Set(Object.keys(rootPkg.devDependencies ?? {}));
  /** Per registry package: range -> who asks for it. */
  const ranges = new Map();
  const askFor = (who, p) => {
    for (const field of ['dependencies', 'devDependencies', 'peerDependencies', 'optionalDependencies']) {
      for (const [dep, range] of Object.entries(p[field] ?? {})) {
        if (/^(workspace|link|file):/.test(range)) continue;
        if (!ranges.has(dep)) ranges.set(dep, new Map());
        const by = ranges.get(dep);
        if (!by.has(range)) by.set(range, new Set());
        by.get(range).add(who);
      }
    }
  };
  askFor('the root package.json', rootPkg);
  for (const dirName of readdirSync(join(root, 'packages')).sort()) {
    const dir = join(root, 'packages', dirName);
    let pkg;
    try {
      pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    } catch {
      continue;
    }
    const name = pkg.name;
    askFor(name, pkg);
    if (!(name in MAY_USE)) {
      problems.push(`packages/${dirName}: ${name} has no place in the dependency direction (scripts/check-deps.mjs)`);
      continue;
    }
    const declared = new Set([...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.peerDependencies ?? {})]);
    const devOnly = new Set(Object.keys(pkg.devDependencies ?? {}));
    const used = new Set();
    const files = sourceFiles(join(dir, 'src'));
    if (statSync(join(dir, 'bin'), { throwIfNoEntry: false })?.isDirectory()) files.push(...sourceFiles(join(dir, 'bin')));
    for (const file of files) {
      const at = relative(root, file);
      const isTest = /\.test\.[mc]?[tj]s$/.test(file);
      for (const { spec, line, resolved } of specifiers(readFileSync(file, 'utf8'))) {
        const where = `${at}:${line}`;
        if (isBuiltin(spec)) {
          const bare = spec.replace(/^node:/, '').split('/')[0];
          if (name === '@latchkey/core' && !isTest && CORE_FORBIDDEN.includes(bare)) problems.push(`${where}: core imports ${spec} (core is pure: no fs, net or child_process)`);
          continue;
        }
        const target = packageOf(spec);
        if (!target || target === name) continue;
        if (target === '@latchkey/daemon' && !resolved) problems.push(`${where}: imports ${spec}; nothing imports the daemon (start it as a program)`);
        else if (target.startsWith('@latchkey/') && target !== '@latchkey/daemon' && !MAY_USE[name].includes(target) && !(isTest && rootDev.has(target))) {
          problems.push(`${where}: ${name} imports ${target}, against the direction cli -> client -> protocol -> core, daemon -> protocol, core`);
        }
        if (isTest) {
          if (!declared.has(target) && !devOnly.has(target) && !rootDev.has(target)) problems.push(`${where}: imports ${target}, in none of ${name}'s dependencies and devDependencies and the root's devDependencies`);
          continue;
        }
        used.add(target);
        // A file resolved through another package's require (test-utils finds keytar next to the daemon)
        // is that package's dependency.
        if (!declared.has(target) && !resolved) problems.push(`${where}: imports ${target}, which is not in ${name}'s dependencies`);
      }
    }
    for (const dep of declared) {
      // A types package goes with the package it types.
      const typed = dep.startsWith('@types/') ? dep.slice('@types/'.length).replace(/^(.+)__(.+)$/, '@$1/$2') : undefined;
      if (typed !== undefined && (typed === 'node' || used.has(typed))) continue;
      if (CARRIED[name]?.[dep]) continue;
      if (!used.has(dep)) problems.push(`packages/${dirName}/package.json: ${name} depends on ${dep} but no source file of it imports it`);
    }
  }
  for (const [dep, by] of ranges) {
    if (by.size < 2) continue;
    const said = [...by].map(([range, who]) => `${[...who].join(', ')} ${range}`).join('; ');
    problems.push(`${dep} is asked for by different ranges (${said}): ask for one range everywhere`);
  }
  return problems;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  // `--root DIR` checks another workspace (the tests build small ones).
  const at = process.argv.indexOf('--root');
  const problems = check(at > 0 ? process.argv[at + 1] : ROOT);
  for (const p of problems) process.stderr.write(`check-deps: ${p}\n`);
  if (problems.length > 0) {
    process.stderr.write(`check-deps: ${problems.length} problem${problems.length === 1 ? '' : 's'} (the rules: DESIGN.md, "Layout")\n`);
    process.exit(1);
  }
  process.stdout.write('check-deps: the dependency rules hold\n');
}
