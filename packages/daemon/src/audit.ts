// The audit log (audit.jsonl): one JSON line per use of a value, written before the value is served.
import { open, type FileHandle } from 'node:fs/promises';
import { constants } from 'node:fs';
import { unavailableError } from '@latchkey/core';

/** Who asked, as the kernel reported it for the connection. */
export interface Peer {
  pid: number;
  uid: number;
  exe?: string;
}

/** One audit record. Names secrets; never holds a value. */
export interface AuditEvent {
  event: string;
  outcome: string;
  secret?: string;
  scope?: string;
  peer?: Peer;
  reason?: string;
  [extra: string]: unknown;
}

/** Where audit records go. */
export interface AuditSink {
  write(event: AuditEvent): Promise<void>;
}

/** An append-only JSON-lines file, 0600, reopened after a failure. */
export class AuditLog implements AuditSink {
  private handle: FileHandle | undefined;

  constructor(
    readonly path: string,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Appends one record; throws an `unavailable` error when the line could not be written. */
  async write(event: AuditEvent): Promise<void> {
    const { peer, ...rest } = event;
    const record = {
      time: new Date(this.clock()).toISOString(),
      ...rest,
      ...(peer ? { pid: peer.pid, uid: peer.uid, exe: peer.exe ?? '' } : {}),
    };
    const line = `${JSON.stringify(record)}\n`;
    try {
      this.handle ??= await open(this.path, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW, 0o600);
      await this.handle.write(line);
    } catch (err) {
      const h = this.handle;
      this.handle = undefined;
      await h?.close().catch(() => {});
      throw unavailableError(
        `the audit log cannot be written (${(err as NodeJS.ErrnoException).code ?? 'error'}): ${this.path}`,
        'free disk space or fix the permissions of the state folder, then retry',
      );
    }
  }

  async close(): Promise<void> {
    await this.handle?.close().catch(() => {});
    this.handle = undefined;
  }
}

/** An audit sink in memory, for unit tests. */
export class MemoryAudit implements AuditSink {
  readonly events: AuditEvent[] = [];
  failing = false;

  async write(event: AuditEvent): Promise<void> {
    if (this.failing) throw unavailableError('the audit log cannot be written');
    this.events.push(event);
  }
}
