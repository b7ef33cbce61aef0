// Manifests in the daemon: inspection, approval, and resolution of a whole environment in one call.
// The daemon reads the manifest itself from its real path, so what is approved is what is resolved.
import { readFileSync, realpathSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { assertManifestTrusted, MANIFEST_MAX_BYTES, readManifestFile, type ResolvedEnv } from '@latchkey/protocol';
import {
  deniedError,
  forbiddenBy,

  formatDuration,
  inputError,
  LatchkeyError,
  neededSecrets,
  parseManifest,
  referenceUses,
  secretState,
  type Clock,
  type Manifest,
  type ManifestEntry,
  type NeededSecret,
  type SecretMeta,
  type SecretState,
} from '@latchkey/core';
import { contentHash, type Approvals } from './approvals.js';
import { AuditBatch, type AuditSink, type Peer } from './audit.js';
import type { LeaseManager } from './leases.js';
import type { Logger } from './log.js';
import type { AgentService } from './service.js';

/** A needed secret as the manifest's project sees it in the store now. */
export interface NeededSecretState extends NeededSecret {
  state: SecretState;
  /** The stored secret the project sees under this name; undefined when missing. */
  stored: SecretMeta | undefined;
}

/** What InspectManifest answers: the manifest, its approval, and everything onboard and doctor need. */
export interface ManifestInspection extends LoadedManifest {
  approved: boolean;
  changed: boolean;
  needed: NeededSecretState[];
  /** The project the manifest belongs to; undefined outside any project. */
  projectRoot: string | undefined;
  /** With `refusedAsData`: the variables that need --allow-var. */
  refusedVariables: string[];
}

/** Values expiring sooner than this come with a warning. */
export const EXPIRY_WARNING_MS = 10 * 60 * 1000;

/** A manifest as read from disk. */
export interface LoadedManifest {
  /** Where it was found (its folder's real path and its own name): what an approval belongs to. */
  path: string;
  /** Where its content really is: `path`, or where a symlink at `path` leads. */
  realPath: string;
  sha256: string;
  manifest: Manifest;
}

/** Why a resolve was refused for want of approval; the CLI may ask and retry. */
export class UnapprovedManifest extends LatchkeyError {
  constructor(
    readonly path: string,
    readonly changed: boolean,
    realPath = path,
  ) {
    super('denied', changed ? `${path} changed since it was approved` : unapprovedMessage(path, realPath), `review it, then run agent allow ${path}`);
  }
}

/** Says that a manifest is not approved; for a symlink, where it leads and that an approval there does not count. */
function unapprovedMessage(path: string, realPath: string): string {
  if (path === realPath) return `${path} is not approved`;
  const outside = !realPath.startsWith(`${dirname(path)}/`);
  return `${path} is a symlink to ${realPath}${outside ? `, outside ${dirname(path)}` : ''}; it is not approved by its own path (an approval of where it leads does not count)`;
}

/** The path a manifest is approved at: its folder's real path joined with its own name (not followed). */
export function manifestLocation(path: string): string {
  try {
    return join(realpathSync(dirname(path)), basename(path));
  } catch {
    return path;
  }
}

/** `find` answering each folder once: the first answer for a folder is kept (a throw is not). */
function onceFor(find: (dir: string) => string | undefined): (dir: string) => string | undefined {
  const known = new Map<string, string | undefined>();
  return (dir) => {
    if (!known.has(dir)) known.set(dir, find(dir));
    return known.get(dir);
  };
}

/** Manifests at least this large have their parse time logged. */
const TIMED_PARSE_BYTES = 64 * 1024;

/** CPU time of the calling thread in ms (/proc/thread-self/schedstat, Linux), or undefined where there is none. */
function threadCpuMs(): number | undefined {
  try {
    return Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[0]) / 1e6;
  } catch {
    return undefined;
  }
}

export class ManifestService {
  constructor(
    private readonly deps: {
      approvals: Approvals;
      secrets: AgentService;
      leases: LeaseManager;
      audit: AuditSink;
      clock: Clock;
      /** The size cap (config.json manifestMaxBytes); 256 KiB when absent. */
      maxBytes?: number;
      /** Finds the project root for a folder (nearest agent.env, else Git root). */
      projectRoot: (dir: string) => string | undefined;
      /** Told how long a large manifest took to parse. */
      log?: Logger;
    },
  ) {}

  /**
   * What the approved manifests say about `secret` for answering a leak of it: each reference's owner,
   * docs link and on_leak command. A manifest that no longer reads, or is not approved as it is, says nothing.
   */
  leakNotes(secret: string): Array<{ manifest: string; owner: string; docs: string; onLeak?: string }> {
    const out: Array<{ manifest: string; owner: string; docs: string; onLeak?: string }> = [];
    for (const path of this.deps.approvals.approvedPaths()) {
      try {
        const m = this.load(path, []);
        if (this.deps.approvals.state(m.path, m.realPath, m.sha256) !== 'approved') continue;
        for (const e of m.manifest.entries) {
          if (e.ref?.kind !== 'secret' || e.ref.name !== secret) continue;
          out.push({ manifest: m.path, owner: e.ref.owner, docs: e.ref.docs, ...(e.ref.onLeak ? { onLeak: e.ref.onLeak } : {}) });
        }
      } catch {
        // unreadable or invalid now: it answers nothing
      }
    }
    return out;
  }

  /**
   * Reads and validates a manifest; an invalid manifest is an input error whether approved or not. It
   * is read without blocking, must be a regular file under the size cap (65), and neither it nor a
   * folder above it may be writable by or owned by someone else (77).
   */
  load(path: string, allowVars: readonly string[], refused?: string[]): LoadedManifest {
    const location = manifestLocation(path);
    let real: string;
    try {
      real = realpathSync(location);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw inputError(`cannot read manifest ${path}${code ? ` (${code})` : ''}`, 'check the path, or create agent.env with NAME=agent://secret-name lines');
    }
    const content = readManifestFile(real, { maxBytes: this.deps.maxBytes ?? MANIFEST_MAX_BYTES, noFollow: true });
    assertManifestTrusted(location);
    const timed = content.length >= TIMED_PARSE_BYTES && this.deps.log ? { cpu: threadCpuMs(), wall: performance.now() } : undefined;
    const manifest = parseManifest(content.toString('utf8'), location, new Set(allowVars), refused);
    if (timed) {
      // The daemon's own parse time (SECURITY 41: 256 KiB in under 50 ms): CPU time of its one thread,
      // which is what keeps other clients waiting; wall time also counts other processes on the cores.
      const end = threadCpuMs();
      const wall = (performance.now() - timed.wall).toFixed(1);
      const cpu = end !== undefined && timed.cpu !== undefined ? `${(end - timed.cpu).toFixed(1)} ms of the daemon's thread (${wall} ms wall)` : `${wall} ms wall`;
      this.deps.log?.info(`parsed manifest ${location} (${content.length} bytes, ${manifest.entries.length} variables) in ${cpu}`);
    }
    return { path: location, realPath: real, sha256: contentHash(content), manifest };
  }

  /**
   * What a manifest asks for, whether it is approved as it is, and each stored secret it needs against
   * the store as the manifest's own project sees it (metadata only: nothing is read, nothing audited).
   */
  inspect(path: string, allowVars: readonly string[], refusedAsData = false): ManifestInspection {
    const refusedVariables: string[] = [];
    const loaded = this.load(path, allowVars, refusedAsData ? refusedVariables : undefined);
    const state = this.deps.approvals.state(loaded.path, loaded.realPath, loaded.sha256);
    const projectRoot = this.deps.projectRoot(dirname(loaded.path));
    const now = this.deps.clock();
    const needed = neededSecrets(loaded.manifest).map((s) => {
      const stored = this.deps.secrets.visibleMeta(s.name, projectRoot);
      return { ...s, state: secretState(stored, now), stored };
    });
    return { ...loaded, approved: state === 'approved', changed: state === 'changed', needed, projectRoot, refusedVariables };
  }

  /** Approves a manifest; `sha256` pins the content the user was shown; `check` may refuse it before it is approved. */
  async allow(path: string, sha256: string, allowVars: readonly string[], peer?: Peer, check?: (loaded: LoadedManifest) => void): Promise<LoadedManifest> {
    const loaded = this.load(path, allowVars);
    if (sha256 && sha256 !== loaded.sha256) {
      throw inputError(`${loaded.path} changed while it was being reviewed`, `run agent allow ${loaded.path} again`);
    }
    check?.(loaded);
    this.deps.approvals.approve(loaded.path, loaded.realPath, loaded.sha256);
    const real = loaded.realPath !== loaded.path ? { realPath: loaded.realPath } : {};
    await this.deps.audit.write({ event: 'allow', outcome: 'ok', manifest: loaded.path, ...real, sha256: loaded.sha256, peer }).catch(() => {});
    return loaded;
  }

  /** Withdraws a manifest's approval (the path need not exist any more). */
  async deny(path: string, peer?: Peer): Promise<{ path: string; wasApproved: boolean }> {
    const location = manifestLocation(path);
    const wasApproved = this.deps.approvals.withdraw(location);
    await this.deps.audit.write({ event: 'deny', outcome: wasApproved ? 'ok' : 'not-approved', manifest: location, peer }).catch(() => {});
    return { path: location, wasApproved };
  }

  /**
   * Resolves approved manifests into environment variables: validation first, then approval, then
   * each secret's read (audited with the command and working directory) in the order of the files.
   */
  async resolve(paths: readonly string[], cwd: string, command: string, allowVars: readonly string[], peer?: Peer): Promise<Omit<ResolvedEnv, 'eventSeq'>> {
    const loaded = paths.map((p) => this.load(p, allowVars));
    for (const m of loaded) {
      const state = this.deps.approvals.state(m.path, m.realPath, m.sha256);
      if (state !== 'approved') {
        const reason = state === 'changed' ? 'manifest changed' : state === 'borrowed' ? 'symlink to an approved manifest' : 'manifest not approved';
        await this.deps.audit.write({ event: 'exec', outcome: 'denied', manifest: m.path, reason, command, cwd, peer }).catch(() => {});
        throw new UnapprovedManifest(m.path, state === 'changed', m.realPath);
      }
    }
    const env: Record<string, string> = {};
    const warnings: string[] = [];
    const secrets = new Set<string>();
    const referenced = new Set<string>();
    const now = this.deps.clock();
    // The reads' records are held back and written together, in the trail before any value leaves:
    // one append for the call rather than one per reference.
    const batch = new AuditBatch(this.deps.audit);
    // Every read of the call is made from `cwd`: its project root is looked up once (a walk up the tree).
    const projectRoot = onceFor(this.deps.projectRoot);
    try {
      for (const m of loaded) {
        for (const entry of m.manifest.entries) {
          // A temporary key's lease writes its own records: those held back go first, in order.
          if (entry.ref?.kind === 'temp') await batch.flush();
          env[entry.variable] = await this.valueOf(entry, m.path, cwd, command, peer, (w) => warnings.push(w), now, { audit: batch, projectRoot });
          if (entry.ref?.kind === 'secret') secrets.add(entry.ref.name);
          if (entry.ref) for (const used of referenceUses(entry.ref)) secrets.add(used);
          if (entry.ref) referenced.add(entry.variable);
          else referenced.delete(entry.variable); // a later literal overrides an earlier reference
        }
      }
      await batch.flush();
    } catch (err) {
      // The records of the reads before the failure, and of the failure, still go in. One of a read
      // that cannot be written is the call's error, as it was when each read wrote its own.
      const mustWrite = batch.holdsRead();
      try {
        await batch.flush();
      } catch (auditErr) {
        if (mustWrite) throw auditErr;
        this.deps.log?.error(`audit record lost for exec of ${paths.join(', ')}: ${(auditErr as Error).message}`);
      }
      throw err;
    }
    return { env, warnings, secrets: [...secrets], manifests: loaded.map((m) => m.path), referenced: [...referenced] };
  }

  private async valueOf(
    entry: ManifestEntry,
    manifest: string,
    cwd: string,
    command: string,
    peer: Peer | undefined,
    warn: (w: string) => void,
    now: number,
    read: { audit: AuditSink; projectRoot: (dir: string) => string | undefined },
  ): Promise<string> {
    const { audit } = read;
    const ref = entry.ref;
    if (!ref) return entry.value;
    if (ref.kind === 'temp') {
      // Minted for this run and bound to the caller: the lease ends when the `agent exec` process (or,
      // after execve, the command that replaced it) exits, or at its TTL.
      // A jwt's signer is a use of that stored secret: read with the caller's scope, audited as such.
      const signerUse = { cwd, fields: { variable: entry.variable, manifest, command } };
      const key = await this.deps.leases.issue({ kind: ref.tempKind, ttlSeconds: ref.ttlSeconds ?? 0, params: ref.params, bindPid: 0, signerUse }, peer);
      return key.value;
    }
    if (ref.forbid && ref.forbid.length > 0) {
      // Judged on the metadata, before the value is read: a refused value is never served.
      const meta = (await this.deps.secrets.lookup(ref.name, cwd, peer)).meta;
      const why = forbiddenBy(meta.tokenKind, ref.forbid);
      if (why) {
        await audit.write({ event: 'exec', outcome: 'denied', secret: ref.name, scope: meta.scope, reason: `forbid=${why}: the value is ${meta.tokenKind}`, variable: entry.variable, manifest, command, cwd, peer }).catch(() => {});
        throw deniedError(
          `${entry.variable} refuses ${ref.name}: it is a ${why} key (${meta.tokenKind}) and ${manifest} says forbid=${ref.forbid.join(',')}`,
          why === 'live' ? `store a test key in ${ref.name} (agent set ${ref.name})` : `store a scoped key in ${ref.name} (agent set ${ref.name})`,
        );
      }
    }
    const record = await this.deps.secrets.get(ref.name, cwd, peer, { event: 'exec', fields: { variable: entry.variable, manifest, command, cwd }, ...read });
    const left = record.meta.expiresAt - now;
    if (left < EXPIRY_WARNING_MS) {
      warn(`${ref.name} (${entry.variable}) expires in ${formatDuration(Math.max(1, Math.round(left / 1000)))}; renew it with agent ${record.meta.mint ? 'rotate' : 'set'} ${ref.name}`);
    }
    return record.value;
  }
}

