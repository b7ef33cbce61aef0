// What a manifest needs from the store, and how each needed secret stands against it: the facts
// `agent onboard` and `agent doctor` work from. The daemon computes them (InspectManifest); the CLI
// never parses a manifest for them.
import type { Manifest } from './manifest.js';
import type { SecretMeta } from './record.js';
import { isExpired } from './ttl.js';

/** A secret a manifest refers to, with the metadata of its references. */
export interface NeededSecret {
  name: string;
  /** The variables that reference it directly. */
  variables: string[];
  /** The variables whose temporary JWTs it signs (`agent://temp/jwt?signer=NAME`). */
  signerFor: string[];
  owner: string;
  description: string;
  docs: string;
  /** The manifest's max_ttl for it, in seconds (the smallest when references disagree). */
  maxTtlSeconds: number | undefined;
}

/** A needed secret against the inventory. */
export type SecretState = 'present' | 'expiring' | 'expired' | 'missing';

/** Less than this left is "expiring" (a day). */
export const EXPIRING_WITHIN_MS = 24 * 3600 * 1000;

/** The stored secrets a manifest needs, in the order of first use: references and JWT signers. */
export function neededSecrets(manifest: Manifest): NeededSecret[] {
  const byName = new Map<string, NeededSecret>();
  const add = (name: string, variable: string, signer: boolean, meta: Partial<NeededSecret>) => {
    let s = byName.get(name);
    if (!s) {
      s = { name, variables: [], signerFor: [], owner: '', description: '', docs: '', maxTtlSeconds: undefined };
      byName.set(name, s);
    }
    (signer ? s.signerFor : s.variables).push(variable);
    if (!s.owner && meta.owner) s.owner = meta.owner;
    if (!s.description && meta.description) s.description = meta.description;
    if (!s.docs && meta.docs) s.docs = meta.docs;
    if (meta.maxTtlSeconds !== undefined) s.maxTtlSeconds = Math.min(s.maxTtlSeconds ?? Infinity, meta.maxTtlSeconds);
  };
  for (const e of manifest.entries) {
    const ref = e.ref;
    if (ref?.kind === 'secret') {
      add(ref.name, e.variable, false, { owner: ref.owner, description: ref.desc, docs: ref.docs, maxTtlSeconds: ref.maxTtlSeconds });
    } else if (ref?.kind === 'temp' && ref.tempKind === 'jwt' && ref.params.signer) {
      add(ref.params.signer, e.variable, true, { description: `signing key of the temporary JWTs of ${e.variable}` });
    }
  }
  return [...byName.values()];
}

/** Present, expiring within a day, expired, or missing. */
export function secretState(meta: Pick<SecretMeta, 'expiresAt'> | undefined, now: number): SecretState {
  if (!meta) return 'missing';
  if (isExpired(meta.expiresAt, now)) return 'expired';
  return meta.expiresAt - now < EXPIRING_WITHIN_MS ? 'expiring' : 'present';
}

/** "STRIPE_KEY, API_TOKEN (signs)": where a needed secret is used. */
export function usedBy(s: Pick<NeededSecret, 'variables' | 'signerFor'>): string {
  return [...s.variables, ...s.signerFor.map((v) => `${v} (signs)`)].join(', ');
}
