import { describe, expect, it } from 'vitest';
import { EventBus } from './events.js';

describe('EventBus', () => {
  it('numbers events from 1 and gives a late subscriber those after a number, oldest first', () => {
    const bus = new EventBus();
    expect(bus.seq).toBe(0);
    expect(bus.since(0)).toEqual([]);
    bus.emit({ kind: 'changed', secret: 'a' });
    bus.emit({ kind: 'removed', secret: 'b' });
    bus.emit({ kind: 'manifest-changed', manifest: '/p/agent.env' });
    expect(bus.seq).toBe(3);
    expect(bus.since(0)).toEqual([
      { kind: 'changed', secret: 'a' },
      { kind: 'removed', secret: 'b' },
      { kind: 'manifest-changed', manifest: '/p/agent.env' },
    ]);
    expect(bus.since(2)).toEqual([{ kind: 'manifest-changed', manifest: '/p/agent.env' }]);
    expect(bus.since(3)).toEqual([]);
  });

  it('keeps a bounded history, and says so when what was asked for is gone', () => {
    const bus = new EventBus(4);
    for (let i = 1; i <= 10; i++) bus.emit({ kind: 'changed', secret: `s${i}` });
    expect(bus.since(6)?.map((e) => e.secret)).toEqual(['s7', 's8', 's9', 's10']);
    expect(bus.since(5)).toBeUndefined(); // s6 is no longer kept
    expect(bus.since(10)).toEqual([]);
  });

  it('delivers to subscribers until they unsubscribe', () => {
    const bus = new EventBus();
    const seen: string[] = [];
    const off = bus.subscribe((e) => seen.push(e.secret ?? ''));
    bus.emit({ kind: 'changed', secret: 'x' });
    off();
    bus.emit({ kind: 'changed', secret: 'y' });
    expect(seen).toEqual(['x']);
  });
});
