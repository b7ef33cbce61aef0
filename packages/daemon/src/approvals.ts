// Manifest approvals (direnv's rule): a manifest is used only when its real path and the sha256 of its
// content were approved. Kept in approvals.json in the state folder, written atomically; approved
// files are watched so that an edit withdraws the approval at once.
import { createHash } from 'node:crypto';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
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
  manifests: Record<string, { sha256: string; approvedAt: number }>;
}

export type ApprovalState = 'approved' | 'changed' | 'unknown';

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

  /** Whether `realPath` with content hash `sha256` is approved. */
  state(realPath: string, sha256: string): ApprovalState {
    const entry = this.data.manifests[realPath];
    if (!entry) return this.changed.has(realPath) ? 'changed' : 'unknown';
    return entry.sha256 === sha256 ? 'approved' : 'changed';
  }

  /** Approves a manifest's path and content. */
  approve(realPath: string, sha256: string): void {
    this.data.manifests[realPath] = { sha256, approvedAt: this.deps.clock() };
    this.changed.delete(realPath);
    this.save();
    this.watcher?.add(realPath);
    this.deps.events.emit({ kind: 'manifest-approved', manifest: realPath });
  }

  /** Withdraws an approval; true when there was one. */
  withdraw(realPath: string): boolean {
    this.changed.delete(realPath);
    if (!this.data.manifests[realPath]) return false;
    delete this.data.manifests[realPath];
    this.save();
    this.watcher?.unwatch(realPath);
    this.deps.events.emit({ kind: 'manifest-denied', manifest: realPath });
    return true;
  }

  async close(): Promise<void> {
    await this.watcher?.close();
  }

  /** Withdraws the approval of a watched file whose content no longer matches. */
  private recheck(realPath: string): void {
    const entry = this.data.manifests[realPath];
    if (!entry) return;
    let sha = '';
    try {
      sha = contentHash(readFileSync(realPath));
    } catch {
      // gone: the approval goes with it
    }
    if (sha === entry.sha256) return;
    delete this.data.manifests[realPath];
    this.changed.add(realPath);
    this.save();
    this.watcher?.unwatch(realPath);
    this.deps.log.info(`approval of ${realPath} withdrawn: the manifest ${sha ? 'changed' : 'was removed'}`);
    void this.deps.audit
      .write({ event: 'manifest', outcome: 'withdrawn', manifest: realPath, reason: sha ? 'content changed' : 'file removed' })
      .catch(() => {});
    this.deps.events.emit({ kind: 'manifest-changed', manifest: realPath });
  }

  private save(): void {
    const tmp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(tmp, `${JSON.stringify(this.data, null, 2)}\n`, { mode: 0o600 });
    renameSync(tmp, this.file);
  }
}
