import { afterEach, describe, expect, it, vi } from 'vitest';
import { memoryLogger } from './log.js';
import { AtMostEvery, SweepTimer } from './lease-sweep.js';

describe('AtMostEvery', () => {
  it.each([
    { at: [0], yes: [true] },
    { at: [0, 0, 999], yes: [true, false, false] },
    { at: [0, 1000, 1000, 2500], yes: [true, true, false, true] },
    { at: [5, 500, 1004, 1005], yes: [true, false, false, true] },
  ])('with a 1000 ms interval, at $at says $yes', ({ at, yes }) => {
    let now = 0;
    const gate = new AtMostEvery(1000, () => now);
    expect(
      at.map((t) => {
        now = t;
        return gate.take();
      }),
    ).toEqual(yes);
  });
});

describe('SweepTimer', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('sweeps every period between start and stop, once per period however often it is started', async () => {
    vi.useFakeTimers();
    let sweeps = 0;
    const timer = new SweepTimer(async () => void sweeps++, 100, memoryLogger());
    await vi.advanceTimersByTimeAsync(300);
    expect(sweeps).toBe(0);
    timer.start();
    timer.start();
    await vi.advanceTimersByTimeAsync(350);
    expect(sweeps).toBe(3);
    timer.stop();
    await vi.advanceTimersByTimeAsync(500);
    expect(sweeps).toBe(3);
    timer.stop();
  });

  it('logs a failed sweep and keeps sweeping', async () => {
    vi.useFakeTimers();
    const log = memoryLogger();
    let sweeps = 0;
    const timer = new SweepTimer(
      async () => {
        sweeps++;
        throw new Error('the table is busy');
      },
      100,
      log,
    );
    timer.start();
    await vi.advanceTimersByTimeAsync(200);
    timer.stop();
    expect(sweeps).toBe(2);
    expect(log.lines.filter((l) => l.includes('lease sweep failed: the table is busy'))).toHaveLength(2);
  });
});
