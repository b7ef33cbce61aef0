// Scope visibility: which stored secret a name means from a project, and which secrets a project sees.
// A project sees its own secrets first, then the global ones it does not shadow; a secret bound to
// another project is never visible (it is "elsewhere", which a caller may report as denied).
import { GLOBAL_SCOPE, visibleScopes, type Scope } from './names.js';

/** What scope visibility needs of a secret. */
export interface Scoped {
  name: string;
  scope: Scope;
}

/** What a name means from a project: the visible secret, one bound to another project only, or nothing. */
export type Visibility<T> = { visible: T; elsewhere?: undefined } | { visible?: undefined; elsewhere: Scoped } | { visible?: undefined; elsewhere?: undefined };

/**
 * The secret `name` seen from `projectRoot` (undefined: outside any project). `lookup` answers one
 * scope and name (an index, so the daemon does not walk its records); `all` is walked only when
 * nothing is visible, to tell "bound to another project" from "missing".
 */
export function resolveVisible<T>(
  name: string,
  projectRoot: string | undefined,
  lookup: (scope: Scope, name: string) => T | undefined,
  all: () => Iterable<Scoped>,
): Visibility<T> {
  for (const scope of visibleScopes(projectRoot)) {
    const found = lookup(scope, name);
    if (found) return { visible: found };
  }
  for (const item of all()) {
    if (item.name === name) return { elsewhere: { name: item.name, scope: item.scope } };
  }
  return {};
}

/** The secret `name` visible from `projectRoot` in a list, or undefined. */
export function visibleSecret<T extends Scoped>(items: readonly T[], name: string, projectRoot: string | undefined): T | undefined {
  return resolveVisible<T>(name, projectRoot, (scope, n) => items.find((m) => m.name === n && m.scope === scope), () => []).visible;
}

/** Every secret visible from `projectRoot`: the project's own, then the global ones it does not shadow. */
export function visibleSecrets<T extends Scoped>(items: readonly T[], projectRoot: string | undefined): T[] {
  const own = projectRoot ? items.filter((m) => m.scope === projectRoot) : [];
  const names = new Set(own.map((m) => m.name));
  return [...own, ...items.filter((m) => m.scope === GLOBAL_SCOPE && !names.has(m.name))];
}
