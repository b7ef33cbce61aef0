// TurnBudget (turn-budget.ts) with the next turn in the test's hands: how many tasks start in a turn,
// in which order, and when a lone task starts.
import { describe, expect, it } from 'vitest';
import { TurnBudget } from './turn-budget.js';

/** A budget whose next turns run only when the test says so. */
function budget(perTurn: number) {
  const turns: Array<() => void> = [];
  const b = new TurnBudget(perTurn, (fn) => turns.push(fn));
  return {
    b,
    /** Runs the turn that was asked for (one at most is pending); false when none was. */
    nextTurn(): boolean {
      const fn = turns.shift();
      if (!fn) return false;
      fn();
      return true;
    },
    pending: () => turns.length,
  };
}

describe('TurnBudget', () => {
  it('starts at most perTurn tasks in a turn and the rest in later turns, oldest first', () => {
    const { b, nextTurn } = budget(3);
    const ran: number[] = [];
    for (let i = 0; i < 10; i++) b.run(() => ran.push(i));
    expect(ran.splice(0)).toEqual([0, 1, 2]);
    expect(b.waiting).toBe(7);
    const byTurn: number[][] = [];
    while (nextTurn()) byTurn.push(ran.splice(0));
    expect(byTurn).toEqual([[3, 4, 5], [6, 7, 8], [9], []]);
    expect(b.waiting).toBe(0);
  });

  it('puts a task behind those waiting even when its turn has room', () => {
    const { b, nextTurn } = budget(2);
    const ran: string[] = [];
    for (const name of ['a', 'b', 'c', 'd', 'e']) b.run(() => ran.push(name));
    nextTurn(); // c and d
    b.run(() => ran.push('f')); // one start left in this turn, but e waits
    expect(ran).toEqual(['a', 'b', 'c', 'd']);
    nextTurn();
    expect(ran).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
  });

  it('starts a lone task at once, in a turn of its own or after a busy one', () => {
    const { b, nextTurn, pending } = budget(2);
    const ran: string[] = [];
    b.run(() => ran.push('lone'));
    expect(ran).toEqual(['lone']);
    for (const name of ['x', 'y', 'z']) b.run(() => ran.push(name));
    expect(ran).toEqual(['lone', 'x']);
    while (nextTurn());
    expect(ran).toEqual(['lone', 'x', 'y', 'z']);
    expect(pending()).toBe(0);
    b.run(() => ran.push('later'));
    expect(ran.at(-1)).toBe('later');
  });

  it('asks for one next turn at a time', () => {
    const { b, pending } = budget(1);
    for (let i = 0; i < 50; i++) b.run(() => {});
    expect(pending()).toBe(1);
  });

  it('runs every task of a long queue exactly once, in order', () => {
    const { b, nextTurn } = budget(7);
    const ran: number[] = [];
    for (let i = 0; i < 5000; i++) b.run(() => ran.push(i));
    let turns = 0;
    while (nextTurn()) {
      turns++;
      // more arrive while the queue drains
      if (turns % 10 === 0 && turns < 500) b.run(() => ran.push(-turns));
    }
    const expected: number[] = [];
    for (let i = 0; i < 5000; i++) expected.push(i);
    expect(ran.filter((n) => n >= 0)).toEqual(expected);
    expect(ran.filter((n) => n < 0)).toHaveLength(49);
    expect(b.waiting).toBe(0);
  });

  it('refuses a budget that is not a positive integer', () => {
    expect(() => new TurnBudget(0)).toThrow(RangeError);
    expect(() => new TurnBudget(1.5)).toThrow(RangeError);
  });
});
