// How many calls the daemon starts in one turn of the event loop. One socket read can bring a whole burst
// of requests (a test suite's 64 IssueTempKey calls in flight). Started all in that turn, their audit
// records went out in two appends, the first record alone and then the other 63 (a run of 14,000 keys
// issued and revoked: 834 appends of 1 record, 420 of 63), and all their replies left together after the
// second, so the client and the daemon took turns instead of working at once. Started 8 per turn, the
// replies of the first ones leave while the later ones are handled (the same flow after the change: 2,026
// appends of 8, 321 of 15): IssueTempKey at 64 in flight 89.0-94.8% -> 113.9-126.1% of a bare grpc-js
// server (README, Speed).
// A call that arrives when nothing waits starts at once, so a lone call (agent exec's) waits for nothing.

/** Starts tasks in arrival order, at most `perTurn` of them in one turn of the event loop. */
export class TurnBudget {
  private started = 0;
  private turnPending = false;
  private queue: Array<() => void> = [];
  private head = 0;

  /**
   * `later` runs a function in the next turn (setImmediate: after the turn's I/O, once the replies
   * written in it have been handed to their sockets).
   */
  constructor(
    private readonly perTurn: number,
    private readonly later: (fn: () => void) => void = (fn) => void setImmediate(fn),
  ) {
    if (!Number.isInteger(perTurn) || perTurn < 1) throw new RangeError(`perTurn must be a positive integer, not ${perTurn}`);
  }

  /** Starts `task` now if this turn has room and nothing waits, else in a later turn. `task` must not throw. */
  run(task: () => void): void {
    if (this.waiting === 0 && this.started < this.perTurn) {
      this.start(task);
      return;
    }
    this.queue.push(task);
    this.nextTurn();
  }

  /** Tasks not started yet. */
  get waiting(): number {
    return this.queue.length - this.head;
  }

  private start(task: () => void): void {
    this.started++;
    this.nextTurn();
    task();
  }

  private nextTurn(): void {
    if (this.turnPending) return;
    this.turnPending = true;
    this.later(() => this.turn());
  }

  /** A new turn: its budget, spent on the tasks that waited, oldest first. */
  private turn(): void {
    this.turnPending = false;
    this.started = 0;
    while (this.waiting > 0 && this.started < this.perTurn) {
      const task = this.queue[this.head] as () => void;
      this.queue[this.head++] = noop;
      if (this.head === this.queue.length) {
        this.queue = [];
        this.head = 0;
      } else if (this.head >= COMPACT_AT && this.head * 2 >= this.queue.length) {
        // A queue that never empties (a flood of calls) does not keep what it has started.
        this.queue = this.queue.slice(this.head);
        this.head = 0;
      }
      this.start(task);
    }
  }
}

const noop = (): void => {};
const COMPACT_AT = 1024;
