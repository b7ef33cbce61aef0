import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { QUIET_CHECKS, releaseMemory, releaseMemoryWhenIdle } from './idle-memory.js';

describe('releaseMemoryWhenIdle', () => {
  let cpu: number;
  let releases: number;
  let stop: () => void;
  beforeEach(() => {
    vi.useFakeTimers();
    cpu = 0;
    releases = 0;
    stop = releaseMemoryWhenIdle(() => (releases += 1), () => cpu, 500);
  });
  afterEach(() => {
    stop();
    vi.useRealTimers();
  });
  /** One check interval in which the daemon used `ms` of CPU. */
  const interval = (ms: number): void => {
    cpu += ms;
    vi.advanceTimersByTime(500);
  };
  /** `n` intervals in which the daemon used 1 ms of CPU each (quiet). */
  const quiet = (n: number): void => {
    for (let i = 0; i < n; i++) interval(1);
  };

  it('releases once when the daemon has been quiet for a spell after work, and not again until it works again', () => {
    expect(QUIET_CHECKS).toBe(6); // 3 s of 500 ms checks
    interval(200);
    expect(releases).toBe(0); // busy
    quiet(QUIET_CHECKS - 1);
    expect(releases).toBe(0); // quiet, but not for long enough yet
    quiet(1);
    expect(releases).toBe(1);
    quiet(QUIET_CHECKS * 3);
    expect(releases).toBe(1);
    interval(60);
    quiet(QUIET_CHECKS);
    expect(releases).toBe(2);
  });

  it('does not release in pauses shorter than the spell between bursts', () => {
    for (let burst = 0; burst < 10; burst++) {
      interval(300);
      quiet(QUIET_CHECKS - 1);
    }
    expect(releases).toBe(0);
    quiet(1);
    expect(releases).toBe(1);
  });

  it("counts the CPU used before it started (the daemon's start) as work", () => {
    stop();
    cpu = 120; // what a start used before the check began
    stop = releaseMemoryWhenIdle(() => (releases += 1), () => cpu, 500);
    quiet(QUIET_CHECKS);
    expect(releases).toBe(1);
    quiet(QUIET_CHECKS);
    expect(releases).toBe(1);
  });

  it('never releases while the daemon stays busy', () => {
    for (let i = 0; i < 20; i++) interval(100);
    expect(releases).toBe(0);
  });

  it('does not release after too little work', () => {
    for (let i = 0; i < 20; i++) interval(2); // 40 ms in all, each interval quiet
    expect(releases).toBe(0);
    interval(20);
    quiet(QUIET_CHECKS);
    expect(releases).toBe(1);
  });

  it('stops checking once stopped', () => {
    stop();
    interval(200);
    quiet(QUIET_CHECKS * 2);
    expect(releases).toBe(0);
  });
});

describe('releaseMemory', () => {
  it('runs the GC and malloc_trim without throwing, and the process keeps its globals', () => {
    expect(() => releaseMemory()).not.toThrow();
    expect((globalThis as { gc?: unknown }).gc).toBeUndefined();
  });
});
