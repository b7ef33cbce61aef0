// `agent doctor` as a function of (input, deps): checks the daemon, the socket and state folders, the
// store, the current manifest and the secrets it needs, secrets about to expire, and values of known
// secrets left in plain files of the project. Each finding carries the command that fixes it. Nothing
// is changed and the daemon is not started: a doctor that starts what it examines hides the problem.
import { lstatSync } from 'node:fs';
import { dirname } from 'node:path';
import { dangerousVariable, escapeControl, formatDuration, isLatchkeyError, relativeTime, visibleSecret, visibleSecrets, type SecretMeta } from '@latchkey/core';
import { probe, type AgentConnection, type DaemonStatus } from '@latchkey/client';
import { findManifest, findProjectRoot, socketPath, stateDir } from '@latchkey/protocol';
import { withAgent, type Deps } from '../base.js';
import { findLeaks, MAX_FILES, type Needle } from './plain-files.js';
import { neededSecrets, readManifest, secretState, usedBy, EXPIRING_WITHIN_MS } from './project-secrets.js';

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

export interface DoctorInput {
  json: boolean;
  /** The user's uid (folders must be theirs); undefined where the platform has none. */
  uid: number | undefined;
  now?: number;
}

export interface DoctorReport {
  ok: boolean;
  problems: number;
  notices: number;
  findings: Finding[];
}

/** Runs every check, prints the findings and returns the report (exit 1 when any is a problem). */
export async function doctor(input: DoctorInput, deps: Deps): Promise<DoctorReport> {
  const now = input.now ?? Date.now();
  const findings: Finding[] = [];
  const add = (f: Finding) => findings.push(f);

  const socket = socketPath(deps.env);
  checkPrivateFolder('socket-folder', dirname(socket), input.uid, add, 'the daemon creates it when it starts: agent daemon start');
  // Without XDG_RUNTIME_DIR the socket lives in the state folder: one check then.
  if (stateDir(deps.env) !== dirname(socket)) {
    checkPrivateFolder('state-folder', stateDir(deps.env), input.uid, add, 'the daemon creates it when it starts: agent daemon start');
  }

  let status: DaemonStatus | undefined;
  try {
    status = await probe(socket);
  } catch (err) {
    add({ check: 'daemon', level: 'problem', message: `the daemon cannot be reached: ${errorText(err)}`, fix: hintOf(err) ?? 'agent daemon start' });
  }
  if (!status) {
    if (!findings.some((f) => f.check === 'daemon')) {
      add({ check: 'daemon', level: 'problem', message: `no daemon answers on ${socket}`, fix: 'agent daemon start (or agent daemon install to start it at login)' });
    }
    add({ check: 'store', level: 'problem', message: 'the store was not checked: the daemon does not answer', fix: 'agent daemon start' });
  } else {
    add({ check: 'daemon', level: 'ok', message: `the daemon answers on ${status.socket} (pid ${status.pid}, version ${status.version})` });
    checkStore(status, add);
    await withAgent(deps, (agent) => checkProject(agent, deps, now, add), false);
  }

  const problems = findings.filter((f) => f.level === 'problem').length;
  const notices = findings.filter((f) => f.level === 'notice').length;
  const report: DoctorReport = { ok: problems === 0, problems, notices, findings };
  if (input.json) deps.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  else deps.stdout.write(renderFindings(report));
  return report;
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
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  out += report.ok
    ? `\nno problems${report.notices > 0 ? `, ${plural(report.notices, 'notice')}` : ''}\n`
    : `\n${plural(report.problems, 'problem')}, ${plural(report.notices, 'notice')}\n`;
  return out;
}

/** A folder that must be a real folder, the user's, closed to others (absent is fine: it is created 0700). */
function checkPrivateFolder(check: string, dir: string, uid: number | undefined, add: (f: Finding) => void, whenMissing: string): void {
  let st;
  try {
    st = lstatSync(dir);
  } catch {
    add({ check, level: 'notice', message: `${dir} does not exist yet`, fix: whenMissing });
    return;
  }
  const fix = `rm -rf ${dir} && mkdir -m 700 ${dir}`;
  if (st.isSymbolicLink()) return add({ check, level: 'problem', message: `${dir} is a symlink`, fix });
  if (!st.isDirectory()) return add({ check, level: 'problem', message: `${dir} is not a folder`, fix });
  if (uid !== undefined && st.uid !== uid) return add({ check, level: 'problem', message: `${dir} is owned by uid ${st.uid}, not by you (uid ${uid})`, fix: `sudo chown ${uid} ${dir}` });
  const mode = st.mode & 0o777;
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
async function checkProject(agent: AgentConnection, deps: Deps, now: number, add: (f: Finding) => void): Promise<void> {
  const inventory = await agent.listSecrets();
  const projectRoot = findProjectRoot(deps.cwd);
  const manifestPath = findManifest(deps.cwd);

  if (!manifestPath) {
    add({ check: 'manifest', level: 'ok', message: `no agent.env in ${deps.cwd} or above: no manifest to check` });
  } else {
    await checkManifest(agent, manifestPath, inventory, projectRoot, now, add);
  }

  for (const m of inventory) {
    if (m.leakedAt > 0) {
      const where = m.scope === 'global' ? '' : ` of project ${m.scope}`;
      const fix = m.mint ? `agent rotate ${m.name}` : `revoke it where it was issued${m.owner ? ` (owner ${m.owner})` : ''}, then agent set ${m.name}`;
      add({ check: 'leaked', level: 'problem', secret: m.name, message: `the value of secret ${m.name}${where} leaked: found ${relativeTime(m.leakedAt, now)} in ${m.leakedWhere}`, fix });
    }
  }
  for (const m of inventory) {
    const left = m.expiresAt - now;
    if (left > 0 && left < EXPIRING_WITHIN_MS) {
      const where = m.scope === 'global' ? '' : ` of project ${m.scope}`;
      const fix = m.mint ? `agent rotate ${m.name}` : m.scope === 'global' ? `agent set ${m.name} --ttl 12h` : `cd ${m.scope} && agent set ${m.name} --project --ttl 12h`;
      add({ check: 'expiring', level: 'notice', secret: m.name, message: `secret ${m.name}${where} expires ${relativeTime(m.expiresAt, now)} (${new Date(m.expiresAt).toISOString()})`, fix });
    }
  }

  if (!projectRoot) {
    add({ check: 'plain-files', level: 'ok', message: 'not inside a project (no agent.env or Git repository above): no files searched' });
    return;
  }
  // The values the project can see, read one by one (each read is audited, as any read is).
  const needles: Needle[] = [];
  for (const m of visibleSecrets(inventory, projectRoot)) {
    if (m.expiresAt <= now) continue;
    try {
      const { value } = await agent.getSecret(m.name, deps.cwd);
      needles.push({ secret: m.name, value });
    } catch {
      // expired or removed meanwhile: nothing to search for
    }
  }
  const searched = needles.length;
  const scan = findLeaks(projectRoot, needles);
  needles.length = 0;
  for (const leak of scan.leaks) {
    add({
      check: 'plain-files',
      level: 'problem',
      secret: leak.secret,
      file: leak.file,
      message: `${leak.relative} holds the value of secret ${leak.secret}`,
      fix: `remove it from ${leak.relative} (reference it in agent.env as VARIABLE=agent://${leak.secret}), then replace the value: agent set ${leak.secret}`,
    });
  }
  if (scan.leaks.length === 0) {
    add({ check: 'plain-files', level: 'ok', message: `no value of the ${plural(searched, 'secret')} this project can see in ${plural(scan.filesRead, 'file')} under ${projectRoot}` });
  }
  if (scan.truncated) {
    add({ check: 'plain-files', level: 'notice', message: `stopped after ${MAX_FILES} files under ${projectRoot}; the rest were not searched`, fix: 'run agent doctor from a smaller folder of the project' });
  }
}

async function checkManifest(
  agent: AgentConnection,
  path: string,
  inventory: readonly SecretMeta[],
  projectRoot: string | undefined,
  now: number,
  add: (f: Finding) => void,
): Promise<void> {
  let needed;
  let refused: string[] = [];
  try {
    const manifest = readManifest(path, [], true);
    needed = neededSecrets(manifest);
    // Variables that need --allow-var: inspect with them allowed, approval does not depend on them.
    refused = manifest.entries.map((e) => e.variable).filter((v) => dangerousVariable(v) !== undefined);
  } catch (err) {
    add({ check: 'manifest', level: 'problem', message: errorText(err), fix: hintOf(err) ?? `fix ${path}` });
    return;
  }
  try {
    const info = await agent.inspectManifest(path, refused);
    if (info.approved) add({ check: 'manifest', level: 'ok', message: `${info.path} is approved` });
    else {
      add({
        check: 'manifest',
        level: 'problem',
        message: info.changed ? `${info.path} changed since it was approved` : `${info.path} is not approved`,
        fix: `review it, then: agent allow ${info.path}${refused.map((v) => ` --allow-var ${v}`).join('')}`,
      });
    }
  } catch (err) {
    add({ check: 'manifest', level: 'problem', message: errorText(err), fix: hintOf(err) ?? `fix ${path}` });
    return;
  }
  for (const s of needed) {
    const meta = visibleSecret(inventory, s.name, projectRoot);
    const state = secretState(meta, now);
    const who = [s.owner ? `owner ${s.owner}` : '', s.docs ? `docs ${s.docs}` : ''].filter(Boolean).join(', ');
    const about = `secret ${s.name} (for ${usedBy(s)})`;
    if (state === 'missing') {
      add({ check: 'secret', level: 'problem', secret: s.name, message: `${about} is missing${who ? `; ${who}` : ''}`, fix: `agent onboard (or agent set ${s.name})` });
    } else if (state === 'expired') {
      add({ check: 'secret', level: 'problem', secret: s.name, message: `${about} expired ${relativeTime((meta as SecretMeta).expiresAt, now)}${who ? `; ${who}` : ''}`, fix: `agent onboard (or agent set ${s.name})` });
    } else {
      const left = formatDuration(Math.floor(((meta as SecretMeta).expiresAt - now) / 1000));
      add({ check: 'secret', level: 'ok', secret: s.name, message: `${about} is present (${(meta as SecretMeta).scope}, ${left} left)` });
    }
  }
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function hintOf(err: unknown): string | undefined {
  return isLatchkeyError(err) ? err.hint : undefined;
}
