import { describe, expect, it } from 'vitest';
import type { Scope } from './names.js';
import { resolveVisible, visibleSecret, visibleSecrets, type Scoped } from './scope.js';

const items: Scoped[] = [
  { name: 'a', scope: '/p' },
  { name: 'a', scope: 'global' },
  { name: 'b', scope: '/other' },
  { name: 'c', scope: 'global' },
  { name: 'd', scope: '/p' },
];
const lookup = (scope: Scope, name: string) => items.find((m) => m.scope === scope && m.name === name);
const shown = (m: Scoped | undefined) => (m ? `${m.name}@${m.scope}` : '-');

describe('scope visibility', () => {
  it.each<[string, string | undefined, string]>([
    ['a', '/p', 'visible a@/p'], // the project's own shadows the global one
    ['a', undefined, 'visible a@global'], // outside any project: global only
    ['a', '/q', 'visible a@global'],
    ['c', '/p', 'visible c@global'],
    ['d', '/p', 'visible d@/p'],
    ['d', '/q', 'elsewhere d@/p'], // another project's secret is not visible
    ['b', '/p', 'elsewhere b@/other'],
    ['b', undefined, 'elsewhere b@/other'],
    ['zz', '/p', 'missing'],
  ])('%j from %j is %s', (name, root, want) => {
    const v = resolveVisible(name, root, lookup, () => items);
    expect(v.visible ? `visible ${shown(v.visible)}` : v.elsewhere ? `elsewhere ${shown(v.elsewhere)}` : 'missing').toBe(want);
    // the list form agrees with the indexed form
    expect(shown(visibleSecret(items, name, root))).toBe(v.visible ? shown(v.visible) : '-');
  });

  it.each<[string | undefined, string[]]>([
    ['/p', ['a@/p', 'd@/p', 'c@global']],
    ['/other', ['b@/other', 'a@global', 'c@global']],
    [undefined, ['a@global', 'c@global']],
  ])('from %j a project sees %j', (root, want) => {
    expect(visibleSecrets(items, root).map(shown)).toEqual(want);
  });

  it('walks every record only when nothing is visible', () => {
    let walked = 0;
    const all = () => {
      walked++;
      return items;
    };
    resolveVisible('a', '/p', lookup, all);
    expect(walked).toBe(0);
    resolveVisible('zz', '/p', lookup, all);
    expect(walked).toBe(1);
  });
});
