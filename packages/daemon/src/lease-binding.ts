// The processes leases are bound to, through proc.ts: whether one still runs, and what identifies it when
// a lease is bound to it (its start time, so a reused pid does not keep a lease alive, and its executable).
import { inputError } from '@latchkey/core';
import type { Peer } from './audit.js';
import type { Logger } from './log.js';
import { processAlive, processExecutable, readProcessStat } from './proc.js';

/** What a lease records of its process when it is bound. */
export interface BoundProcess {
  binding: string | undefined;
  boundExe: string;
}

const UNBOUND: BoundProcess = Object.freeze({ binding: undefined, boundExe: '' });

/** Liveness checks and binding of the processes leases end with. */
export class ProcessBindings {
  /**
   * `isAlive` replaces proc.ts's processAlive (which also checks that the process is no zombie and that
   * its start time is the one seen at binding); no start time is read then.
   */
  constructor(
    private readonly log: Logger,
    private readonly isAlive?: (pid: number) => boolean,
  ) {}

  /** Whether `pid` still runs. A check that fails says yes and is logged: the lease's TTL still ends it. */
  readonly alive = (pid: number, binding: string | undefined): boolean => {
    try {
      return this.isAlive ? this.isAlive(pid) : processAlive(pid, binding);
    } catch (err) {
      this.log.warn(`liveness check of process ${pid} failed: ${(err as Error).message}`);
      return true;
    }
  };

  /**
   * What a new lease bound to `pid` (0: none) records. `known` is what a lease already bound to that
   * process recorded: it was checked then and the sweep watches it, so /proc is not read again. Refuses
   * (input) a process that does not run.
   */
  bind(pid: number, peer: Peer | undefined, known: BoundProcess | undefined): BoundProcess {
    if (pid <= 0) return UNBOUND;
    if (known) return { binding: known.binding, boundExe: known.boundExe };
    const binding = this.isAlive ? undefined : readProcessStat(pid)?.startTime;
    if (!this.alive(pid, binding)) {
      throw inputError(`process ${pid} is not running: a lease cannot be bound to it`, 'bind the lease to a running process, or to none');
    }
    return { binding, boundExe: (peer?.pid === pid ? peer.exe : undefined) ?? processExecutable(pid) ?? '' };
  }
}
