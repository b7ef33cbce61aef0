import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { releaseMemory, releaseMemoryWhenIdle } from './idle-memory.js';

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

  it('releases once when the daemon goes quiet after work, and not again until it works again', () => {
    interval(200);
    expect(releases).toBe(0); // busy
    interval(1);
    expect(releases).toBe(1);
    interval(0);
    interval(0);
    expect(releases).toBe(1);
    interval(60);
    interval(0);
    expect(releases).toBe(2);
  });

  it("counts the CPU used before it started (the daemon's start) as work", () => {
    stop();
    cpu = 120; // what a start used before the check began
    stop = releaseMemoryWhenIdle(() => (releases += 1), () => cpu, 500);
    interval(1);
    expect(releases).toBe(1);
    interval(0);
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
    interval(0);
    expect(releases).toBe(1);
  });

  it('stops checking once stopped', () => {
    stop();
    interval(200);
    interval(0);
    expect(releases).toBe(0);
  });
});

describe('releaseMemory', () => {
  it('runs the GC and malloc_trim without throwing, and the process keeps its globals', () => {
    expect(() => releaseMemory()).not.toThrow();
    expect((globalThis as { gc?: unknown }).gc).toBeUndefined();
  });
});
