// `agent doctor`: gathers the facts (the socket and state folders, the daemon's status, its inspection of
// the current manifest, the inventory, and a search of the project's plain files for the values it can
// see), then reports what doctor-plan.ts finds in them. Nothing is changed and the daemon is not started:
// a doctor that starts what it examines hides the problem.
import { lstatSync } from 'node:fs';
import { dirname, relative } from 'node:path';
import { isLatchkeyError, visibleSecrets } from '@latchkey/core';
import { probe, type AgentConnection, type DaemonStatus } from '@latchkey/client';
import { findManifest, findProjectRoot, socketPath, stateDir } from '@latchkey/protocol';
import { withAgent, type Deps } from '../deps.js';
import { diagnose, renderFindings, testManifestReason, type DoctorFacts, type DoctorReport, type Failure, type FolderFact, type ProjectFacts, type TestManifest } from './doctor-plan.js';
import { findLeaks, MAX_FILES, walk, type Needle } from './plain-files.js';

/** At most this many manifests used by tests are inspected. */
const MAX_TEST_MANIFESTS = 50;

export type { DoctorReport, Finding, Level } from './doctor-plan.js';

export interface DoctorInput {
  json: boolean;
  /** The user's uid (folders must be theirs); undefined where the platform has none. */
  uid: number | undefined;
  now?: number;
}

/** What gathering needs from the world. */
export interface DoctorWorld {
  deps: Deps;
  /** The daemon's status, undefined when nothing answers (never starts it). */
  probe: (socket: string) => Promise<DaemonStatus | undefined>;
  clock: () => number;
}

/** Runs every check, prints the findings and returns the report (exit 1 when any is a problem). */
export async function doctor(input: DoctorInput, deps: Deps): Promise<DoctorReport> {
  const clock = input.now !== undefined ? () => input.now as number : Date.now;
  const facts = await gatherDoctorFacts(input.uid, { deps, probe, clock });
  const report = diagnose(facts, clock());
  deps.stdout.write(input.json ? `${JSON.stringify(report, null, 2)}\n` : renderFindings(report));
  return report;
}

/** Reads what doctor judges. The daemon is asked only when it already answers. */
export async function gatherDoctorFacts(uid: number | undefined, world: DoctorWorld): Promise<DoctorFacts> {
  const { deps } = world;
  const socket = socketPath(deps.env);
  const whenMissing = 'the daemon creates it when it starts: agent daemon start';
  const folders: FolderFact[] = [{ check: 'socket-folder', dir: dirname(socket), stat: folderStat(dirname(socket)), whenMissing }];
  // Without XDG_RUNTIME_DIR the socket lives in the state folder: one check then.
  const state = stateDir(deps.env);
  if (state !== dirname(socket)) folders.push({ check: 'state-folder', dir: state, stat: folderStat(state), whenMissing });

  let daemon: DoctorFacts['daemon'];
  try {
    const status = await world.probe(socket);
    daemon = status ? { status } : undefined;
  } catch (err) {
    daemon = { failure: failureOf(err) };
  }
  const project = daemon && 'status' in daemon ? await withAgent(deps, (agent) => gatherProject(agent, deps, world.clock), false) : undefined;
  return { uid, socket, folders, daemon, project };
}

async function gatherProject(agent: AgentConnection, deps: Deps, clock: () => number): Promise<ProjectFacts> {
  const inventory = await agent.listSecrets();
  const projectRoot = findProjectRoot(deps.cwd);
  const manifestPath = findManifest(deps.cwd);
  let manifest: ProjectFacts['manifest'];
  if (manifestPath) {
    try {
      // Refused variables are listed, not failed on: doctor names the --allow-var the approval needs.
      manifest = { inspection: await agent.inspectManifest(manifestPath, [], { refusedAsData: true }) };
    } catch (err) {
      manifest = { failure: failureOf(err) };
    }
  }
  if (!projectRoot) return { cwd: deps.cwd, manifestPath, manifest, inventory, projectRoot, scan: undefined };
  const testManifests = await inspectTestManifests(agent, projectRoot);
  // The values the project can see, read one by one (each read is audited, as any read is).
  const now = clock();
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
  const result = findLeaks(projectRoot, needles);
  needles.length = 0;
  return { cwd: deps.cwd, manifestPath, manifest, inventory, projectRoot, scan: { result, searched, maxFiles: MAX_FILES }, testManifests };
}

/**
 * The project's manifests that tests use, found by path (testManifestReason) and inspected by the
 * daemon, which parses them and says what each needs and the kind stored for it. A file it cannot
 * parse as a manifest is no manifest and is passed over.
 */
async function inspectTestManifests(agent: AgentConnection, root: string): Promise<TestManifest[]> {
  const out: TestManifest[] = [];
  let files = 0;
  for (const file of walk(root)) {
    if (++files > MAX_FILES || out.length >= MAX_TEST_MANIFESTS) break;
    const rel = relative(root, file);
    const reason = testManifestReason(rel);
    if (!reason) continue;
    try {
      out.push({ relative: rel, reason, inspection: await agent.inspectManifest(file, [], { refusedAsData: true }) });
    } catch {
      // not a manifest the daemon can read
    }
  }
  return out;
}

function folderStat(dir: string): FolderFact['stat'] {
  try {
    const st = lstatSync(dir);
    return { symlink: st.isSymbolicLink(), directory: st.isDirectory(), uid: st.uid, mode: st.mode };
  } catch {
    return undefined;
  }
}

function failureOf(err: unknown): Failure {
  const message = err instanceof Error ? err.message : String(err);
  return isLatchkeyError(err) && err.hint ? { message, hint: err.hint } : { message };
}
