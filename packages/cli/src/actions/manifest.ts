// The manifest commands as functions of (input, deps): allow and deny, plus what `agent exec` reuses to
// ask before running with an unapproved manifest (describeManifest, confirm).
import { statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { escapeControl, inputError } from '@latchkey/core';
import type { ManifestInfo } from '@latchkey/client';
import { findManifest, MANIFEST_NAME } from '@latchkey/protocol';
import { withAgent, type Deps } from '../deps.js';
import { table } from '../render.js';
import { askConfirm } from '../terminal-input.js';

/**
 * The manifest a command works on: PATH as given (relative to the working directory; a folder means its
 * agent.env), else the nearest agent.env above the working directory (none: an input error whose hint
 * names `agent <command>`). With `mustExist`, a missing file is an input error naming the fix.
 */
export function manifestPath(raw: string | undefined, deps: Pick<Deps, 'cwd'>, command: string, mustExist = true): string {
  if (raw === undefined || raw === '') {
    const found = findManifest(deps.cwd);
    if (!found) {
      throw inputError(
        `no ${MANIFEST_NAME} in ${deps.cwd} or any folder above it`,
        `name the manifest (agent ${command} path/to/${MANIFEST_NAME}), or create one with agent import .env`,
      );
    }
    return found;
  }
  let path = resolve(deps.cwd, raw);
  const st = statOrUndefined(path);
  if (st?.isDirectory()) {
    path = join(path, MANIFEST_NAME);
  }
  if (mustExist && !statOrUndefined(path)?.isFile()) {
    throw inputError(`no manifest at ${path}`, `check the path, or create ${MANIFEST_NAME} with NAME=agent://secret-name lines`);
  }
  return path;
}

function statOrUndefined(path: string) {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

/**
 * Writes what a manifest asks for: its path (and, for a symlink, where it leads) and state, then one
 * row per variable with every stored secret it uses and every parameter that changes what the key can
 * do (never a value). Everything from the manifest is printed with control characters escaped.
 */
export function describeManifest(info: ManifestInfo, out: NodeJS.WritableStream): void {
  const state = info.approved ? 'approved' : info.changed ? 'changed since it was approved' : 'not approved';
  out.write(`${escapeControl(info.path)} (sha256 ${info.sha256.slice(0, 12)}, ${state})\n`);
  if (info.realPath && info.realPath !== info.path) out.write(`  a symlink to ${escapeControl(info.realPath)}\n`);
  if (info.entries.length === 0) {
    out.write('it sets no variables\n');
    return;
  }
  const rows = [['VARIABLE', 'LINE', 'KIND', 'SECRET', 'OWNER', 'USES', 'PARAMS']];
  for (const e of info.entries) {
    const uses = (e.uses ?? []).map((name) => `${name} (signer)`).join(', ');
    const params = Object.entries(e.params ?? {})
      .filter(([k]) => k !== 'signer')
      .map(([k, v]) => `${k}=${v}`)
      .join(' ');
    rows.push([e.variable, String(e.line), e.kind, e.secret || '-', e.owner || '-', uses || '-', params || '-']);
  }
  out.write(`${table(rows)}\n`);
}

/**
 * Asks a yes/no question on the terminal (`[y/N]`, on stderr) with the one prompter. Anything but y or
 * yes is no; so is the end of input, and so is the absence of a terminal (nothing is asked then).
 */
export function confirm(deps: Pick<Deps, 'stdin' | 'stderr'>, question: string): Promise<boolean> {
  return askConfirm(deps, question);
}

export interface AllowInput {
  path?: string;
  allowVars: string[];
  json: boolean;
}

/**
 * Shows what a manifest asks for and approves exactly that content (the hash shown is the hash
 * approved, so an edit in between is refused). Running `agent allow` is the consent: nothing is asked.
 */
export async function allowManifest(input: AllowInput, deps: Deps): Promise<ManifestInfo> {
  const path = manifestPath(input.path, deps, 'allow');
  return withAgent(deps, async (agent) => {
    const info = await agent.inspectManifest(path, input.allowVars);
    if (!input.json) describeManifest(info, deps.stdout);
    const approved = await agent.allowManifest(info.path, info.sha256, input.allowVars);
    if (input.json) {
      const doc = { path: approved.path, realPath: approved.realPath, sha256: approved.sha256, approved: true, wasApproved: info.approved, entries: approved.entries };
      deps.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
    } else {
      deps.stderr.write(`agent: ${info.approved ? 'still approved' : 'approved'} ${escapeControl(approved.path)}\n`);
      deps.stderr.write('agent: run commands with it: agent exec -- <command>\n');
    }
    return approved;
  });
}

export interface DenyInput {
  path?: string;
  json: boolean;
}

/** Withdraws a manifest's approval; says whether there was one. The file need not exist any more. */
export async function denyManifest(input: DenyInput, deps: Deps): Promise<{ path: string; wasApproved: boolean }> {
  const path = manifestPath(input.path, deps, 'deny', false);
  const res = await withAgent(deps, (agent) => agent.denyManifest(path));
  if (input.json) {
    deps.stdout.write(`${JSON.stringify({ path: res.path, wasApproved: res.wasApproved }, null, 2)}\n`);
  } else {
    const path = escapeControl(res.path);
    deps.stderr.write(res.wasApproved ? `agent: approval of ${path} withdrawn\n` : `agent: ${path} was not approved; nothing changed\n`);
  }
  return res;
}
