// Manifest approvals (direnv's rule): a manifest is used only when the path it was approved at, its real
// path and the sha256 of its content all match what was approved. Keyed by the approved path, not the
// real one: a symlink committed into another repository and pointing at an approved manifest is then a
// manifest of its own, not approved until its own path is. Kept in approvals.json in the state folder,
// written atomically; approved files are watched so that an edit withdraws the approval at once.
import { createHash } from 'node:crypto';
import { readFileSync, realpathSync, renameSync, writeFileSync } from 'node:fs';
import { readManifestFile } from '@latchkey/protocol';
import { watch, type FSWatcher } from 'chokidar';
import type { AuditSink } from './audit.js';
import type { EventBus } from './events.js';
import type { Logger } from './log.js';

/** The sha256 of a manifest's content, in hex. */
export function contentHash(content: string | Buffer): string {
  return createHash('sha256').update(content).digest('hex');
}

interface ApprovalFile {
  v: 1;
  /** By the path approved; `realPath` absent (older files) means the same path. */
  manifests: Record<string, { sha256: string; realPath?: string; approvedAt: number }>;
}

/** Where a manifest stands: `borrowed` when its path is not approved but its real path is (a symlink). */
export type ApprovalState = 'approved' | 'changed' | 'unknown' | 'borrowed';

export class Approvals {
  private data: ApprovalFile = { v: 1, manifests: {} };
  private watcher: FSWatcher | undefined;
  /** Paths whose approval was withdrawn because their content changed (to say so, not to allow). */
  private readonly changed = new Set<string>();

  constructor(
    private readonly file: string,
    private readonly deps: { log: Logger; audit: AuditSink; events: EventBus; clock: () => number },
  ) {}

  /** Reads approvals.json (a missing or unreadable file means no approvals) and starts watching. */
  load(): void {
    try {
      const doc = JSON.parse(readFileSync(this.file, 'utf8')) as ApprovalFile;
      if (doc && doc.v === 1 && typeof doc.manifests === 'object') this.data = doc;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') this.deps.log.warn(`ignored unreadable ${this.file}: ${(err as Error).message}`);
    }
    this.watcher = watch(Object.keys(this.data.manifests), { persistent: false, ignoreInitial: true, atomic: false });
    this.watcher.on('change', (p) => this.recheck(p));
    this.watcher.on('unlink', (p) => this.recheck(p));
    this.watcher.on('add', (p) => this.recheck(p));
    // Files changed while the daemon was down lose their approval now.
    for (const p of Object.keys(this.data.manifests)) this.recheck(p);
  }

  /** Whether the manifest at `path`, really at `realPath`, with content hash `sha256`, is approved. */
  state(path: string, realPath: string, sha256: string): ApprovalState {
    const entry = this.data.manifests[path];
    if (!entry) {
      if (this.changed.has(path)) return 'changed';
      return path !== realPath && this.data.manifests[realPath] ? 'borrowed' : 'unknown';
    }
    return entry.sha256 === sha256 && (entry.realPath ?? path) === realPath ? 'approved' : 'changed';
  }

  /** The paths approved now. */
  approvedPaths(): string[] {
    return Object.keys(this.data.manifests);
  }

  /** Approves a manifest's path, real path and content. */
  approve(path: string, realPath: string, sha256: string): void {
    this.data.manifests[path] = { sha256, ...(realPath !== path ? { realPath } : {}), approvedAt: this.deps.clock() };
    this.changed.delete(path);
    this.save();
    this.watcher?.add(path);
    this.deps.events.emit({ kind: 'manifest-approved', manifest: path });
  }

  /** Withdraws an approval; true when there was one. */
  withdraw(path: string): boolean {
    this.changed.delete(path);
    if (!this.data.manifests[path]) return false;
    delete this.data.manifests[path];
    this.save();
    this.watcher?.unwatch(path);
    this.deps.events.emit({ kind: 'manifest-denied', manifest: path });
    return true;
  }

  async close(): Promise<void> {
    await this.watcher?.close();
  }

  /** Withdraws the approval of a watched file whose content (or, for a symlink, target) no longer matches. */
  private recheck(path: string): void {
    const entry = this.data.manifests[path];
    if (!entry) return;
    let sha = '';
    try {
      const real = realpathSync(path);
      // A retargeted symlink counts as changed content.
      if (real === (entry.realPath ?? path)) sha = contentHash(readManifestFile(real, { maxBytes: Number.MAX_SAFE_INTEGER, noFollow: true }));
      else sha = 'retargeted';
    } catch {
      // gone, or no longer a regular file: the approval goes with it
    }
    if (sha === entry.sha256) return;
    delete this.data.manifests[path];
    this.changed.add(path);
    this.save();
    this.watcher?.unwatch(path);
    const why = sha === 'retargeted' ? 'now points elsewhere' : sha ? 'changed' : 'was removed';
    this.deps.log.info(`approval of ${path} withdrawn: the manifest ${why}`);
    void this.deps.audit
      .write({ event: 'manifest', outcome: 'withdrawn', manifest: path, reason: sha === 'retargeted' ? 'symlink retargeted' : sha ? 'content changed' : 'file removed' })
      .catch(() => {});
    this.deps.events.emit({ kind: 'manifest-changed', manifest: path });
  }

  private save(): void {
    const tmp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(tmp, `${JSON.stringify(this.data, null, 2)}\n`, { mode: 0o600 });
    renameSync(tmp, this.file);
  }
}
