// The audit records of a lease's life: issued, then exactly one of revoked, expired or ended. They name
// the lease, its kind, the short fingerprint of its key and the process it is bound to, never the key.
import type { LeaseEnd } from '@latchkey/core';
import type { AuditEvent, Peer } from './audit.js';

/** What the records say of a lease. */
export interface AuditedLease {
  readonly leaseId: string;
  readonly kind: string;
  readonly fingerprint: string;
  readonly boundPid: number;
  readonly boundExe: string;
  /** The stored secret the value was made from, and the parameter that named it. */
  readonly secret: { param: string; name: string } | undefined;
}

/**
 * The audit record of a lease event. `peer` is who asked: the issuer for `issued`, the revoker for
 * `revoked`, and the issuer (whose lease it was) for `expired` and `ended`.
 */
export function leaseAuditEvent(lease: AuditedLease, outcome: 'issued' | LeaseEnd, peer: Peer | undefined): AuditEvent {
  const event: AuditEvent = {
    event: 'lease',
    outcome,
    leaseId: lease.leaseId,
    kind: lease.kind,
    fingerprint: lease.fingerprint,
  };
  if (lease.secret !== undefined) event[lease.secret.param] = lease.secret.name;
  if (lease.boundPid > 0) {
    event.boundPid = lease.boundPid;
    if (lease.boundExe) event.boundExe = lease.boundExe;
  }
  if (peer) event.peer = peer;
  return event;
}
