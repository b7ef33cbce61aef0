// The kinds of temporary key the lease manager can mint, each as a small plug-in: check its parameters,
// mint a value, and (for kinds that create something outside the daemon, such as a database user)
// undo it when the lease ends.
import type { LeaseEnd } from '@latchkey/core';
import type { Peer } from '../audit.js';
import { checkJwtParams, issueJwt } from './jwt.js';
import { checkRandomParams, issueRandom } from './random.js';

/** What a kind mints from. */
export interface MintInput {
  params: Record<string, string>;
  ttlSeconds: number;
  leaseId: string;
  /** Unix ms; the lease's issue time. */
  issuedAt: number;
  /** The value of the stored secret named by `secretParam` (a jwt's signer), when the kind has one. */
  secret: string | undefined;
  /** Unix ms; when the lease ends at the latest. */
  expiresAt: number;
  /** The process the lease is bound to (0: none) and its /proc start time at binding. */
  boundPid: number;
  binding: string | undefined;
  /** Who asked, and where from (the scope stored secrets a kind reads itself are read with). */
  peer: Peer | undefined;
  cwd: string;
  /** Fields for the audit records of what the kind reads (the variable and manifest it is for). */
  fields: Record<string, unknown> | undefined;
}

/** A minted value, and what its kind needs to end it; neither is ever logged. */
export interface Minted {
  value: string;
  /** Kind-specific state handed back to `end` (a database user's name, say). */
  handle?: unknown;
}

export interface LeaseKind {
  /** Refuses bad parameters (input error) before anything is read or minted. */
  check(params: Record<string, string>): void;
  /**
   * The parameter naming a stored secret the value is made from (`signer` for a jwt). The lease manager
   * reads it with the caller's scope, audited, and records its name under this parameter's name.
   */
  secretParam?: string;
  mint(input: MintInput): Promise<Minted>;
  /**
   * Undoes what `mint` made, when its lease ends (or when the lease never started because its audit
   * record failed). The lease is already inactive when this runs; it is awaited before the end is
   * audited, and a failure is logged and recorded in that audit event (`teardown: "failed"`).
   */
  end?(minted: Minted, how: LeaseEnd | 'abandoned'): Promise<void>;
}

/** The kinds served by default: random bytes and JWTs. */
export const DEFAULT_LEASE_KINDS: Readonly<Record<string, LeaseKind>> = Object.freeze({
  random: {
    check: checkRandomParams,
    mint: async ({ params }) => ({ value: issueRandom(params) }),
  },
  jwt: {
    check: checkJwtParams,
    secretParam: 'signer',
    mint: async ({ params, secret, ttlSeconds, leaseId, issuedAt }) => ({ value: await issueJwt(params, secret as string, ttlSeconds, leaseId, issuedAt) }),
  },
});
