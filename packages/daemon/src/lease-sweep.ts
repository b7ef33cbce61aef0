// When the lease manager sweeps: one shared interval timer, running only while a lease is held (it is
// unref'd, so it never keeps the daemon alive), and the throttle of the sweeps a refusal at a cap asks for.
import type { Logger } from './log.js';

/** Runs `sweep` every `pollMs` between start() and stop(); a failed sweep is logged, never thrown. */
export class SweepTimer {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly sweep: () => Promise<void>,
    private readonly pollMs: number,
    private readonly log: Logger,
  ) {}

  /** Starts the timer unless it runs. */
  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      this.sweep().catch((err: unknown) => this.log.error(`lease sweep failed: ${(err as Error).message}`));
    }, this.pollMs);
    this.timer.unref();
  }

  /** Stops the timer (again is harmless). */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}

/**
 * Says yes at most once per `intervalMs` of the injected clock: a sweep walks every lease, so a client
 * hammering at a cap must not buy one with every refusal.
 */
export class AtMostEvery {
  private last = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly intervalMs: number,
    private readonly clock: () => number,
  ) {}

  /** True (and the interval starts again) when the last yes is at least `intervalMs` ago. */
  take(): boolean {
    const now = this.clock();
    if (now - this.last < this.intervalMs) return false;
    this.last = now;
    return true;
  }
}
