// What `agent doctor` finds, as a pure function of the facts doctor.ts gathers (folder stats, the
// daemon's status, its inspection of the manifest, the inventory, the plain-file scan) and the time.
// Each finding carries the command that fixes it. Findings name files and secrets, never values.
import { escapeControl, EXPIRING_WITHIN_MS, expiryOrigin, formatDuration, isoTime, relativeTime, tokenKindById, usedBy } from '@latchkey/core';
import type { DaemonStatus, InventoryEntry, ManifestInspection } from '@latchkey/client';
import type { ScanResult } from './plain-files.js';

/** Folders whose manifests are the tests' own (at any depth of the project). */
export const TEST_FOLDERS: ReadonlySet<string> = new Set(['test', 'tests', 'spec', '__tests__', 'e2e']);

/**
 * Why the manifest at `path` (relative to its project) is one that tests use, or undefined: its name
 * marks it for tests (`test.env`, `agent.test.env`, any `*.test.env`, `.env.test`, `.env.test.*`), or it
 * is an `agent.env` or `*.env` file under a test folder (TEST_FOLDERS). Only the path is judged.
 */
export function testManifestReason(relativePath: string): string | undefined {
  const parts = relativePath.split(/[\\/]/).filter((p) => p !== '' && p !== '.');
  const name = parts.pop();
  if (!name) return undefined;
  if (name === 'test.env' || name.endsWith('.test.env') || name === '.env.test' || name.startsWith('.env.test.')) return 'its name marks it for tests';
  const folder = parts.find((p) => TEST_FOLDERS.has(p));
  if (folder && (name === 'agent.env' || name.endsWith('.env'))) return `it is under ${folder}/`;
  return undefined;
}

/** A manifest that tests use, with why, and the daemon's inspection of it. */
export interface TestManifest {
  /** Relative to the project root. */
  relative: string;
  reason: string;
  inspection: ManifestInspection;
}

export type Level = 'problem' | 'notice' | 'ok';

/** One finding: what was checked, how it stands, and the command that fixes it. */
export interface Finding {
  check: string;
  level: Level;
  message: string;
  fix?: string;
  secret?: string;
  file?: string;
}

export interface DoctorReport {
  ok: boolean;
  problems: number;
  notices: number;
  findings: Finding[];
}

/** A failure as doctor reports it: its message and, when it has one, its hint. */
export interface Failure {
  message: string;
  hint?: string;
}

/** What lstat said of a folder that must be the user's and 0700; undefined when it does not exist. */
export interface FolderStat {
  symlink: boolean;
  directory: boolean;
  uid: number;
  mode: number;
}

export interface FolderFact {
  check: string;
  dir: string;
  stat: FolderStat | undefined;
  /** The fix when the folder does not exist. */
  whenMissing: string;
}

/** The project as the daemon sees it, gathered only when the daemon answers. */
export interface ProjectFacts {
  cwd: string;
  /** The nearest agent.env, or undefined. */
  manifestPath: string | undefined;
  /** The daemon's inspection of it (refused variables listed, not failed), or why it failed. */
  manifest: { inspection: ManifestInspection } | { failure: Failure } | undefined;
  inventory: readonly InventoryEntry[];
  projectRoot: string | undefined;
  /** The plain-file scan for values the project can see, and how many values were searched for. */
  scan: { result: ScanResult; searched: number; maxFiles: number } | undefined;
  /** The project's manifests that tests use (testManifestReason), as the daemon inspected them. */
  testManifests?: readonly TestManifest[];
}

export interface DoctorFacts {
  /** The user's uid (folders must be theirs); undefined where the platform has none. */
  uid: number | undefined;
  socket: string;
  folders: FolderFact[];
  /** The daemon's status, why it could not be asked, or undefined when nothing answers. */
  daemon: { status: DaemonStatus } | { failure: Failure } | undefined;
  project: ProjectFacts | undefined;
}

/** Every finding, in the order checked. */
export function diagnose(facts: DoctorFacts, now: number): DoctorReport {
  const findings: Finding[] = [];
  const add = (f: Finding) => void findings.push(f);
  for (const folder of facts.folders) checkPrivateFolder(folder, facts.uid, add);

  const daemon = facts.daemon;
  if (daemon && 'status' in daemon) {
    const { status } = daemon;
    add({ check: 'daemon', level: 'ok', message: `the daemon answers on ${status.socket} (pid ${status.pid}, version ${status.version})` });
    checkStore(status, add);
    if (facts.project) checkProject(facts.project, now, add);
  } else {
    if (daemon) add({ check: 'daemon', level: 'problem', message: `the daemon cannot be reached: ${daemon.failure.message}`, fix: daemon.failure.hint ?? 'agent daemon start' });
    else add({ check: 'daemon', level: 'problem', message: `no daemon answers on ${facts.socket}`, fix: 'agent daemon start (or agent daemon install to start it at login)' });
    add({ check: 'store', level: 'problem', message: 'the store was not checked: the daemon does not answer', fix: 'agent daemon start' });
  }

  const problems = findings.filter((f) => f.level === 'problem').length;
  const notices = findings.filter((f) => f.level === 'notice').length;
  return { ok: problems === 0, problems, notices, findings };
}

/** The human form: one line per finding, its fix indented below, then a count. */
export function renderFindings(report: DoctorReport): string {
  const width = Math.max(...report.findings.map((f) => f.check.length), 5);
  let out = '';
  for (const f of report.findings) {
    // Findings quote manifest paths and fields: escaped, so none can rewrite the screen.
    out += `${f.level.padEnd(7)}  ${f.check.padEnd(width)}  ${escapeControl(f.message)}\n`;
    if (f.fix && f.level !== 'ok') out += `${' '.repeat(9 + width + 2)}fix: ${escapeControl(f.fix)}\n`;
  }
  out += report.ok
    ? `\nno problems${report.notices > 0 ? `, ${plural(report.notices, 'notice')}` : ''}\n`
    : `\n${plural(report.problems, 'problem')}, ${plural(report.notices, 'notice')}\n`;
  return out;
}

/** A folder that must be a real folder, the user's, closed to others (absent is fine: it is created 0700). */
function checkPrivateFolder({ check, dir, stat, whenMissing }: FolderFact, uid: number | undefined, add: (f: Finding) => void): void {
  if (!stat) return add({ check, level: 'notice', message: `${dir} does not exist yet`, fix: whenMissing });
  const fix = `rm -rf ${dir} && mkdir -m 700 ${dir}`;
  if (stat.symlink) return add({ check, level: 'problem', message: `${dir} is a symlink`, fix });
  if (!stat.directory) return add({ check, level: 'problem', message: `${dir} is not a folder`, fix });
  if (uid !== undefined && stat.uid !== uid) return add({ check, level: 'problem', message: `${dir} is owned by uid ${stat.uid}, not by you (uid ${uid})`, fix: `sudo chown ${uid} ${dir}` });
  const mode = stat.mode & 0o777;
  if ((mode & 0o077) !== 0) return add({ check, level: 'problem', message: `${dir} has mode ${mode.toString(8).padStart(4, '0')}; it must be 0700`, fix: `chmod 700 ${dir}` });
  add({ check, level: 'ok', message: `${dir} is yours and 0700` });
}

/** The keychain's live state as the daemon found it: locked and unavailable are problems, with their fix. */
function checkKeychain(status: DaemonStatus, add: (f: Finding) => void): void {
  const check = 'keychain';
  if (status.keychain === 'ok') return add({ check, level: 'ok', message: 'the keychain answers and is unlocked' });
  if (status.keychain === 'locked') {
    return add({
      check,
      level: 'problem',
      message: 'the keychain is locked: values are not served until it is unlocked',
      fix: 'unlock the login keyring (on Linux: open "Passwords and Keys" and choose Unlock, or log in again)',
    });
  }
  if (status.keychain === 'unavailable') {
    return add({
      check,
      level: 'problem',
      message: 'the keychain does not answer (stopped, hung, or no D-Bus session)',
      fix: 'start the Secret Service (on Linux: gnome-keyring-daemon --start --components=secrets)',
    });
  }
}

function checkStore(status: DaemonStatus, add: (f: Finding) => void): void {
  checkKeychain(status, add);
  if (status.store === 'keychain') {
    add({ check: 'store', level: 'ok', message: `the daemon keeps secrets in the keychain${status.storeNote ? ` (${status.storeNote})` : ''}` });
    return;
  }
  add({
    check: 'store',
    level: 'problem',
    message: `the daemon uses the ${status.store} store: ${status.storeNote || 'secrets are lost when it stops'}`,
    fix: 'start the Secret Service (gnome-keyring, KeePassXC) or unlock the keychain, then: agent daemon stop && LATCHKEY_STORE=keychain agent daemon start',
  });
}

/** The manifest, the secrets it needs, secrets about to expire, and values left in plain files. */
function checkProject(p: ProjectFacts, now: number, add: (f: Finding) => void): void {
  if (!p.manifestPath) add({ check: 'manifest', level: 'ok', message: `no agent.env in ${p.cwd} or above: no manifest to check` });
  else if (p.manifest && 'failure' in p.manifest) add({ check: 'manifest', level: 'problem', message: p.manifest.failure.message, fix: p.manifest.failure.hint ?? `fix ${p.manifestPath}` });
  else if (p.manifest) checkManifest(p.manifest.inspection, now, add);

  for (const m of p.inventory) {
    const kind = tokenKindById(m.tokenKind);
    if (kind?.fullAccess && kind.scoped) {
      add({ check: 'token-kind', level: 'notice', secret: m.name, message: `secret ${m.name} is a full-access key (${kind.id}) where a scoped one would work`, fix: `store ${kind.scoped} instead: agent set ${m.name}` });
    }
    if (m.leakedAt > 0) {
      const where = m.scope === 'global' ? '' : ` of project ${m.scope}`;
      const fix = m.mint ? `agent rotate ${m.name}` : `revoke it where it was issued${m.owner ? ` (owner ${m.owner})` : ''}, then agent set ${m.name}`;
      add({ check: 'leaked', level: 'problem', secret: m.name, message: `the value of secret ${m.name}${where} leaked: found ${relativeTime(m.leakedAt, now)} in ${m.leakedWhere}`, fix });
    }
  }
  checkLiveInTests(p.testManifests ?? [], add);
  for (const m of p.inventory) {
    const left = m.expiresAt - now;
    if (left > 0 && left < EXPIRING_WITHIN_MS) {
      const where = m.scope === 'global' ? '' : ` of project ${m.scope}`;
      const fix = m.mint ? `agent rotate ${m.name}` : m.scope === 'global' ? `agent set ${m.name} --ttl 12h` : `cd ${m.scope} && agent set ${m.name} --project --ttl 12h`;
      add({ check: 'expiring', level: 'notice', secret: m.name, message: `secret ${m.name}${where} expires ${relativeTime(m.expiresAt, now)} (${isoTime(m.expiresAt)})`, fix });
    }
  }

  checkLocalExpiry(p, now, add);

  if (!p.projectRoot || !p.scan) {
    add({ check: 'plain-files', level: 'ok', message: 'not inside a project (no agent.env or Git repository above): no files searched' });
    return;
  }
  const { result, searched, maxFiles } = p.scan;
  for (const leak of result.leaks) {
    add({
      check: 'plain-files',
      level: 'problem',
      secret: leak.secret,
      file: leak.file,
      message: `${leak.relative} holds the value of secret ${leak.secret}`,
      fix: `remove it from ${leak.relative} (reference it in agent.env as VARIABLE=agent://${leak.secret}), then replace the value: agent set ${leak.secret}`,
    });
  }
  if (result.leaks.length === 0) {
    add({ check: 'plain-files', level: 'ok', message: `no value of the ${plural(searched, 'secret')} this project can see in ${plural(result.filesRead, 'file')} under ${p.projectRoot}` });
  }
  if (result.truncated) {
    add({ check: 'plain-files', level: 'notice', message: `stopped after ${maxFiles} files under ${p.projectRoot}; the rest were not searched`, fix: 'run agent doctor from a smaller folder of the project' });
  }
}

/** A live key (by the kind stored with it) that a manifest used by tests would inject. */
function checkLiveInTests(manifests: readonly TestManifest[], add: (f: Finding) => void): void {
  for (const t of manifests) {
    for (const s of t.inspection.needed) {
      const kind = tokenKindById(s.stored?.tokenKind);
      if (!s.stored || kind?.live !== true) continue;
      add({
        check: 'token-kind',
        level: 'notice',
        secret: s.name,
        file: t.inspection.path,
        message: `secret ${s.name} (for ${usedBy(s)}) is a live key (${kind.id}) in ${t.relative}, a manifest used by tests (${t.reason})`,
        fix: `store a test key under its own name for the tests (agent set ${s.name}-test) and reference that in ${t.relative}, with forbid=live so a live key is refused`,
      });
    }
  }
}

/**
 * Secrets whose expiry only Latchkey enforces: the provider keeps accepting the value after it. Each is
 * listed with its age and how to replace it with a credential that expires at its source, using what
 * the manifest says of where it comes from (owner, docs).
 */
function checkLocalExpiry(p: ProjectFacts, now: number, add: (f: Finding) => void): void {
  const needed = p.manifest && 'inspection' in p.manifest ? p.manifest.inspection.needed : [];
  for (const m of p.inventory) {
    if (expiryOrigin(m) !== 'local' || m.expiresAt <= now) continue;
    const where = m.scope === 'global' ? '' : ` of project ${m.scope}`;
    const need = needed.find((s) => s.name === m.name && s.stored?.scope === m.scope);
    const from = need?.docs ? ` (see ${need.docs}${need.owner ? `, owner ${need.owner}` : ''})` : need?.owner ? ` (owner ${need.owner})` : '';
    const fix = need
      ? `mint it from its source${from}: agent set ${m.name} --mint 'COMMAND' with a command that prints {"value","expires_at"}; for a database user, use agent://temp/postgres, temp/mysql or temp/redis with admin=NAME in agent.env`
      : `agent set ${m.name} --mint 'COMMAND' with a command that prints {"value","expires_at"}, or a temporary key (agent://temp/...)`;
    add({
      check: 'local-expiry',
      level: 'notice',
      secret: m.name,
      message: `secret ${m.name}${where} (stored ${relativeTime(m.createdAt, now)}) expires only in Latchkey: its provider keeps accepting the value after ${isoTime(m.expiresAt)}`,
      fix,
    });
  }
}

/** The approval, then each needed secret against the store, from the daemon's inspection. */
function checkManifest(info: ManifestInspection, now: number, add: (f: Finding) => void): void {
  if (info.approved) add({ check: 'manifest', level: 'ok', message: `${info.path} is approved` });
  else {
    add({
      check: 'manifest',
      level: 'problem',
      message: info.changed ? `${info.path} changed since it was approved` : `${info.path} is not approved`,
      fix: `review it, then: agent allow ${info.path}${info.refusedVariables.map((v) => ` --allow-var ${v}`).join('')}`,
    });
  }
  for (const s of info.needed) {
    const meta = s.stored;
    const who = [s.owner ? `owner ${s.owner}` : '', s.docs ? `docs ${s.docs}` : ''].filter(Boolean).join(', ');
    const about = `secret ${s.name} (for ${usedBy(s)})`;
    if (s.state === 'missing' || !meta) {
      add({ check: 'secret', level: 'problem', secret: s.name, message: `${about} is missing${who ? `; ${who}` : ''}`, fix: `agent onboard (or agent set ${s.name})` });
    } else if (s.state === 'expired') {
      add({ check: 'secret', level: 'problem', secret: s.name, message: `${about} expired ${relativeTime(meta.expiresAt, now)}${who ? `; ${who}` : ''}`, fix: `agent onboard (or agent set ${s.name})` });
    } else {
      const left = formatDuration(Math.max(1, Math.floor((meta.expiresAt - now) / 1000)));
      add({ check: 'secret', level: 'ok', secret: s.name, message: `${about} is present (${meta.scope}, ${left} left)` });
    }
  }
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
