// `agent import`: moves the values of a .env into the keychain and leaves an agent.env of references.
// Plan first (every problem found before anything is stored), then store each value, write the manifest
// atomically, approve exactly what was written, and remove the .env only when asked and only after every
// value was read back from the agent and compared equal. No value is ever printed.
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, fchmodSync, fsyncSync, lstatSync, openSync, readFileSync, realpathSync, renameSync, rmSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { inputError, isLatchkeyError, isoTime, LatchkeyError, relativeTime, usageError, type SecretMeta } from '@latchkey/core';
import type { AgentConnection } from '@latchkey/client';
import { findManifest, findProjectRoot, MANIFEST_NAME } from '@latchkey/protocol';
import { withAgent, type Deps } from '../deps.js';
import { table } from '../render.js';
import { MANIFEST_HEADER, planImport, type ImportPlan, type PlanItem } from './import-plan.js';

export interface ImportInput {
  /** The .env to import, as given (relative to the working directory). */
  file: string;
  /** 0: the daemon's default TTL. */
  ttlSeconds: number;
  /** Store global secrets (--global); by default they are bound to the project of the manifest's folder. */
  global: boolean;
  /** Replace a stored secret of the same name whose value differs (--replace). */
  replace: boolean;
  remove: boolean;
  /** The manifest to write; default agent.env next to `file`. */
  envFile: string | undefined;
  allowVars: string[];
  json: boolean;
}

/** What an import did, as `--json` prints it. */
export interface ImportResult {
  file: string;
  manifest: string;
  sha256: string;
  approved: boolean;
  /** Whether the manifest was new (else merged into). */
  created: boolean;
  stored: Array<{ variable: string; secret: string; scope: string; replaced: boolean; unchanged: boolean; expiresAt: string }>;
  references: Array<{ variable: string; reference: string }>;
  empty: string[];
  /** Variables kept as literals because they interpolate others (`${VAR}`). */
  literals: string[];
  removed: boolean;
  /** Why the .env was kept although --remove was given. */
  kept: string | null;
}

/** Runs an import. */
export async function importDotenv(input: ImportInput, deps: Deps): Promise<ImportResult> {
  const filePath = resolve(deps.cwd, input.file);
  const shown = displayPath(filePath, deps.cwd);
  const dotenvText = readText(filePath, shown);
  const manifest = manifestTarget(input.envFile, filePath, deps.cwd);
  if (sameFile(filePath, manifest)) throw usageError(`${shown} is the manifest itself`, 'import a .env into an agent.env: agent import .env');
  const manifestText = readManifest(manifest);
  if (!isDirectory(dirname(manifest))) throw inputError(`no folder ${dirname(manifest)} to write ${basename(manifest)} in`, 'create the folder, or name another manifest with --env-file');

  const planInput = { dotenvText, dotenvFile: shown, manifestText, manifestFile: manifest, allowVars: new Set(input.allowVars) };
  const draft = planImport(planInput);
  for (const n of draft.notices) deps.stderr.write(`agent: ${n}\n`);
  refuseProblems(draft, shown, manifest);
  if (draft.items.length === 0) throw inputError(`nothing to import: ${shown} sets no variables`, 'name the file to import: agent import path/to/.env');

  // A project secret lives in the scope of the project root, which must be the manifest's folder: when
  // nothing marks that folder as the root yet, an agent.env holding only the header does, until written.
  const manifestDir = dirname(manifest);
  let placeholder = false;
  if (!input.global && manifestText === undefined && findProjectRoot(manifestDir) !== realpathOr(manifestDir)) {
    writeNew(manifest, MANIFEST_HEADER);
    placeholder = true;
  }

  try {
    // The daemon takes the caller's folder from the kernel (/proc/<pid>/cwd), not from the request: the
    // import stores, compares and reads back from inside the manifest's folder, whose project it means.
    return await withAgent(deps, (agent) => inFolder(manifestDir, async () => {
      // Planned again against what the target scope holds now: a different stored value is never replaced
      // unless --replace says so (a second project's .env must not clobber the first one's secrets).
      const scope = input.global ? 'global' : findProjectRoot(manifestDir) ?? realpathOr(manifestDir);
      const existing = await heldValues(agent, draft, scope, input.global ? '' : manifestDir, deps.now());
      const scopeText = input.global ? 'globally' : `in project ${scope}`;
      const plan = planImport({ ...planInput, existing, replace: input.replace, scopeText });
      refuseProblems(plan, shown, manifest);
      const stored = await storeAll(agent, plan, input, manifestDir, deps);
      const sha256 = writeManifest(manifest, plan.manifestText, stored.length);
      placeholder = false;
      const approved = await agent.allowManifest(manifest, sha256, input.allowVars);
      const result: ImportResult = {
        file: filePath,
        manifest: approved.path,
        sha256: approved.sha256,
        approved: true,
        created: manifestText === undefined,
        stored: stored.map(({ item, meta }) => ({
          variable: item.variable,
          secret: meta.name,
          scope: meta.scope,
          replaced: item.current === 'different',
          unchanged: item.current === 'same',
          expiresAt: isoTime(meta.expiresAt),
        })),
        references: plan.items.flatMap((i) => (i.kind === 'reference' ? [{ variable: i.variable, reference: i.reference }] : [])),
        empty: plan.items.flatMap((i) => (i.kind === 'empty' ? [i.variable] : [])),
        literals: plan.items.flatMap((i) => (i.kind === 'literal' ? [i.variable] : [])),
        removed: false,
        kept: null,
      };
      if (input.remove) {
        result.kept = (await whyKeep(agent, filePath, stored, manifestDir)) ?? null;
        if (result.kept === null) {
          unlinkSync(filePath);
          result.removed = true;
        }
      }
      report(result, plan, stored, input, shown, deps);
      return result;
    }));
  } finally {
    if (placeholder) rmSync(manifest, { force: true });
  }
}

/** Runs `fn` with `dir` as the process's working directory, then goes back. */
async function inFolder<T>(dir: string, fn: () => Promise<T>): Promise<T> {
  const back = process.cwd();
  process.chdir(dir);
  try {
    return await fn();
  } finally {
    process.chdir(back);
  }
}

interface Stored {
  item: Extract<PlanItem, { kind: 'store' }>;
  meta: SecretMeta;
}

/** Refuses the import (exit 65) when its plan has problems, naming every one of them. */
function refuseProblems(plan: ImportPlan, shown: string, manifest: string): void {
  if (plan.problems.length === 0) return;
  const replace = plan.problems.some((p) => p.includes('--replace'));
  throw new LatchkeyError(
    'input',
    `nothing was imported: ${plan.problems.length} problem${plan.problems.length === 1 ? '' : 's'} in ${shown}${plan.problems.some((p) => p.startsWith(manifest)) ? ` or ${manifest}` : ''}`,
    replace
      ? `check the values, then run agent import --replace to replace them, or rename those variables in ${shown}`
      : `fix or remove those lines (a variable can be renamed in ${shown}), then run agent import again`,
    { details: plan.problems },
  );
}

/**
 * The values the target scope holds now for the secrets a plan stores (read back through the agent, so
 * audited as reads). An expired secret counts as absent: there is no live value to lose.
 */
async function heldValues(agent: AgentConnection, plan: ImportPlan, scope: string, cwd: string, now: number): Promise<Map<string, string>> {
  const wanted = new Set(plan.items.flatMap((i) => (i.kind === 'store' ? [i.secret] : [])));
  const held = new Map<string, string>();
  for (const m of await agent.listSecrets()) {
    if (m.scope !== scope || !wanted.has(m.name) || m.expiresAt <= now) continue;
    try {
      held.set(m.name, (await agent.getSecret(m.name, cwd)).value);
    } catch (err) {
      if (!(isLatchkeyError(err) && err.kind === 'notFound')) throw err;
    }
  }
  return held;
}

/** Stores every value; on a failure, says which were stored before it and passes the error on. */
async function storeAll(agent: AgentConnection, plan: ImportPlan, input: ImportInput, cwd: string, deps: Deps): Promise<Stored[]> {
  const stored: Stored[] = [];
  for (const item of plan.items) {
    if (item.kind !== 'store') continue;
    try {
      const meta = await agent.putSecret({
        name: item.secret,
        value: item.value,
        ttlSeconds: input.ttlSeconds,
        project: !input.global,
        cwd,
        source: 'import',
        description: `${item.variable}, imported from ${basename(input.file)}`,
      });
      stored.push({ item, meta });
    } catch (err) {
      if (stored.length > 0) {
        deps.stderr.write(`agent: warning: stored before the failure, with no manifest written: ${stored.map((s) => s.meta.name).join(', ')}\n`);
      }
      throw err;
    }
  }
  return stored;
}

/** Why the .env must stay, or undefined when every value reads back equal from where the manifest is. */
async function whyKeep(agent: AgentConnection, filePath: string, stored: Stored[], cwd: string): Promise<string | undefined> {
  if (lstatSync(filePath).isSymbolicLink()) return 'it is a symbolic link; remove it and its target yourself';
  for (const s of stored) {
    let value: string;
    try {
      value = (await agent.getSecret(s.meta.name, cwd)).value;
    } catch (err) {
      return `${s.meta.name} could not be read back (${(err as Error).message})`;
    }
    if (value !== s.item.value) return `${s.meta.name} reads back a different value from ${cwd} (a project secret of that name may shadow it)`;
  }
  return undefined;
}

const STATUS = { none: 'stored', same: 'unchanged', different: 'replaced' } as const;

function report(result: ImportResult, plan: ImportPlan, stored: Stored[], input: ImportInput, shown: string, deps: Deps): void {
  if (input.json) {
    deps.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return;
  }
  const now = deps.now();
  const rows = [['VARIABLE', 'SECRET', 'STATUS']];
  for (const item of plan.items) {
    const s = stored.find((x) => x.item === item);
    if (s) rows.push([item.variable, s.meta.name, `${STATUS[s.item.current]}${s.meta.scope === 'global' ? '' : ' in project'}, expires ${relativeTime(s.meta.expiresAt, now)}`]);
    else if (item.kind === 'reference') rows.push([item.variable, item.reference, 'reference kept as it is']);
    else if (item.kind === 'empty') rows.push([item.variable, '-', 'empty: not stored']);
    else if (item.kind === 'literal') rows.push([item.variable, '-', 'interpolation kept as written']);
  }
  deps.stdout.write(`${table(rows)}\n`);
  if (stored.length > 0) {
    const where = input.global ? 'as global secrets' : `in the scope of project ${stored[0]!.meta.scope} (--global to store them for every folder)`;
    deps.stderr.write(`agent: stored ${stored.length} secret${stored.length === 1 ? '' : 's'} ${where}\n`);
  }
  deps.stderr.write(`agent: ${result.created ? 'wrote' : 'updated'} ${result.manifest} and approved it\n`);
  if (result.removed) deps.stderr.write(`agent: removed ${shown}: every value read back equal\n`);
  else if (result.kept) deps.stderr.write(`agent: kept ${shown}: ${result.kept}\n`);
  else deps.stderr.write(`agent: ${shown} still holds the values; delete it once agent exec works (or import with --remove)\n`);
  const found = findManifest(deps.cwd);
  const envFlag = found !== undefined && realpathOr(found) === result.manifest ? '' : ` --env-file ${displayPath(result.manifest, deps.cwd)}`;
  deps.stderr.write(`agent: next: agent exec${envFlag} -- <command>\n`);
}

/** The manifest to write: --env-file (a folder means its agent.env), else agent.env beside the .env; symlinks followed. */
function manifestTarget(envFile: string | undefined, filePath: string, cwd: string): string {
  let path = envFile ? resolve(cwd, envFile) : join(dirname(filePath), MANIFEST_NAME);
  try {
    if (statSync(path).isDirectory()) path = join(path, MANIFEST_NAME);
  } catch {
    // a new file
  }
  try {
    return realpathSync(path);
  } catch {
    return join(realpathOr(dirname(path)), basename(path));
  }
}

function readText(path: string, shown: string): string {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw inputError(`cannot read ${shown}${code ? ` (${code})` : ''}`, 'name the file to import: agent import path/to/.env');
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw inputError(`${shown} is not valid UTF-8`, 'convert it to UTF-8, then run agent import again');
  }
}

function readManifest(path: string): string | undefined {
  let bytes: Buffer;
  try {
    if (!statSync(path).isFile()) throw inputError(`${path} is not a regular file`, 'name another manifest with --env-file');
    bytes = readFileSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    if (err instanceof LatchkeyError) throw err;
    throw inputError(`cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`, 'check its permissions, or name another manifest with --env-file');
  }
  return bytes.toString('utf8');
}

/** Writes the manifest by temp file and rename (keeping an existing file's mode); returns its sha256. */
function writeManifest(path: string, text: string, storedCount: number): string {
  const bytes = Buffer.from(text, 'utf8');
  let mode: number | undefined;
  try {
    mode = statSync(path).mode & 0o7777;
  } catch {
    // a new file: the default mode under the umask
  }
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    const fd = openSync(tmp, 'wx', mode ?? 0o666);
    try {
      writeSync(fd, bytes);
      if (mode !== undefined) fchmodSync(fd, mode);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw new LatchkeyError(
      'internal',
      `stored ${storedCount} secret${storedCount === 1 ? '' : 's'} but could not write ${path} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
      'make the folder writable and run agent import again: it stores the same secrets again and writes the manifest',
    );
  }
  return createHash('sha256').update(bytes).digest('hex');
}

/** Creates a file that must not exist yet. */
function writeNew(path: string, text: string): void {
  try {
    const fd = openSync(path, 'wx', 0o666);
    try {
      writeSync(fd, text);
    } finally {
      closeSync(fd);
    }
  } catch (err) {
    throw inputError(`cannot create ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`, 'make the folder writable, or name another manifest with --env-file');
  }
}

function isDirectory(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

function sameFile(a: string, b: string): boolean {
  return realpathOr(a) === realpathOr(b);
}

function realpathOr(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return resolve(p);
  }
}

function displayPath(p: string, cwd: string): string {
  const rel = relative(cwd, p);
  return rel && !rel.startsWith('..') ? rel : p;
}
