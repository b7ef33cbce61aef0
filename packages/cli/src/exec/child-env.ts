// The child's environment: the inherited one, then the manifest's variables with `${VAR}` in literals expanded
// (core's expandVariables), and the values `--mask` must hide.
import { expandVariables } from '@latchkey/core/expand';
import type { ResolvedEnv } from '@latchkey/protocol';

type Env = Record<string, string>;

/** What the child gets, and what --mask hides. */
export interface ChildEnvironment {
  env: Env;
  /**
   * The values of the variables the daemon set from references, and of every literal that interpolated one
   * (a `DATABASE_URL` built around a password is hidden whole, not only the password inside it).
   */
  masked: string[];
}

/** Builds the child's environment from the inherited one and the daemon's answer. */
export function childEnvironment(inherited: Readonly<Env>, resolved: Pick<ResolvedEnv, 'env' | 'referenced'>): ChildEnvironment {
  const referenced = new Set(resolved.referenced);
  const { values, uses } = expandVariables(
    Object.entries(resolved.env).map(([name, value]) => ({ name, value, literal: !referenced.has(name) })),
    inherited,
  );
  const masked: string[] = [];
  for (const [name, value] of Object.entries(values)) {
    if (value === '') continue;
    if (referenced.has(name) || (uses[name] ?? []).some((u) => referenced.has(u))) masked.push(value);
  }
  return { env: { ...inherited, ...values }, masked };
}
