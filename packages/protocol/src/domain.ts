// The one mapping between the generated wire messages and the domain types the daemon and its clients
// work with, both ways. Where the domain shape is the message's own (a status, a resolved environment),
// the domain type is the generated type under a domain name, never a copy of its fields; where they
// differ (times in Unix ms named as times, an unset message as an absent one, kinds as unions), the
// difference is written here once.
import {
  expiryOrigin,
  formatDuration,
  referenceUses,
  type ChainReport,
  type ManifestEntry as CoreManifestEntry,
  type NeededSecret,
  type SecretMeta,
  type SecretSource,
  type SecretState,
} from '@latchkey/core';
import type * as pb from './generated/latchkey/v1/agent.js';

/** The daemon's identity and health (`agent status`). */
export type DaemonStatus = pb.StatusResponse;
/** The environment ResolveEnv gives one command, with its warnings and what it used. */
export type ResolvedEnv = pb.ResolveEnvResponse;
/** An event of the WatchSecrets stream. */
export type WatchEvent = pb.SecretEvent;
/** The outcome of withdrawing a manifest's approval. */
export type DeniedManifest = pb.DenyManifestResponse;

/** A finding of a scan: names a secret and a place, never the value. */
export type ScanFindingInfo = pb.ScanFinding;
/** What the daemon did about one leaked secret or key. */
export type ScanAnswerInfo = pb.ScanAnswer;
/** The end of a scan. */
export type ScanSummaryInfo = pb.ScanSummary;

/** What the daemon knows of a secret's use and leaks, besides its metadata. */
export interface SecretUsage {
  lastUsedAt: number;
  useCount: number;
}
/** When a scan last found a secret's current value (0: never), and where. */
export interface SecretLeak {
  at: number;
  where: string;
}

/** A secret in the inventory: its metadata plus the daemon's usage statistics and what scans found. */
export type InventoryEntry = SecretMeta & {
  lastUsedAt: number;
  useCount: number;
  /** When a scan found the value the secret holds now (0: never), and where. */
  leakedAt: number;
  leakedWhere: string;
};

/** A temporary key and its lease. */
export interface IssuedKey {
  value: string;
  leaseId: string;
  /** Unix ms. */
  expiresAt: number;
}

/** What introspection says of a key. */
export interface LeaseIntrospection {
  active: boolean;
  leaseId: string;
  expiresAt: number;
  kind: string;
}

/** A lease's metadata; never the key. */
export interface LeaseInfo {
  leaseId: string;
  kind: string;
  issuedAt: number;
  expiresAt: number;
  /** 0 when the lease is bound to no process. */
  boundPid: number;
  boundExe: string;
  /** The first 16 hex characters of the key's keyed fingerprint, as in audit records. */
  fingerprint: string;
  /** Empty for an active lease; `teardown pending` or `adopted` for a database user. */
  state: string;
}

/** One variable of a manifest as the daemon parsed it (never a value). */
export type ManifestEntryInfo = Omit<pb.ManifestEntry, 'kind'> & { kind: 'secret' | 'temp' | 'literal' };

/** A manifest as the daemon sees it. */
export interface ManifestInfo {
  /** The path an approval belongs to. */
  path: string;
  /** Where its content is: differs from `path` for a symlink. */
  realPath: string;
  sha256: string;
  approved: boolean;
  changed: boolean;
  entries: ManifestEntryInfo[];
}

/** A stored secret a manifest needs, and how it stands as the manifest's project sees the store. */
export interface NeededSecretInfo extends NeededSecret {
  state: SecretState;
  /** The stored secret the project sees under this name; undefined when missing. */
  stored: SecretMeta | undefined;
}

/** What InspectManifest answers: the manifest, its approval, and what onboard and doctor need. */
export interface ManifestInspection extends ManifestInfo {
  needed: NeededSecretInfo[];
  /** The project the manifest belongs to; undefined outside any project. */
  projectRoot: string | undefined;
  /** With `refusedAsData`: the variables that need --allow-var. */
  refusedVariables: string[];
}

/** The daemon's check of the audit trail. */
export interface AuditVerification {
  report: ChainReport;
  /** Records before this index predate the seal key and are checked by the chain only. */
  sealedFrom: number;
  stateDir: string;
}

/** Secret metadata on the wire, with usage statistics and the last leak found when known. */
export function secretMetaToWire(m: SecretMeta, usage?: SecretUsage, leak?: SecretLeak): pb.SecretMeta {
  return {
    name: m.name,
    scope: m.scope,
    owner: m.owner,
    description: m.description,
    createdAtUnixMs: m.createdAt,
    expiresAtUnixMs: m.expiresAt,
    source: m.source,
    mintCommand: m.mint ?? '',
    tokenKind: m.tokenKind ?? '',
    expiry: expiryOrigin(m),
    allowGrants: m.allowGrants ?? [],
    lastUsedAtUnixMs: usage?.lastUsedAt ?? 0,
    useCount: usage?.useCount ?? 0,
    leakedAtUnixMs: leak?.at ?? 0,
    leakedWhere: leak?.where ?? '',
  };
}

/** Secret metadata from the wire; a response that should carry it and does not is the daemon's fault. */
export function secretMetaFromWire(m: pb.SecretMeta | null | undefined): SecretMeta {
  if (!m) throw new Error('the daemon answered without secret metadata');
  return {
    name: m.name,
    scope: m.scope as SecretMeta['scope'],
    owner: m.owner,
    description: m.description,
    createdAt: m.createdAtUnixMs,
    expiresAt: m.expiresAtUnixMs,
    source: m.source as SecretSource,
    ...(m.mintCommand ? { mint: m.mintCommand } : {}),
    ...(m.tokenKind ? { tokenKind: m.tokenKind } : {}),
    ...(m.expiry === 'source' ? { sourceExpiry: true } : {}),
    ...(m.allowGrants.length > 0 ? { allowGrants: m.allowGrants } : {}),
  };
}

/** An inventory entry from the wire. */
export function inventoryEntryFromWire(m: pb.SecretMeta): InventoryEntry {
  return { ...secretMetaFromWire(m), lastUsedAt: m.lastUsedAtUnixMs, useCount: m.useCount, leakedAt: m.leakedAtUnixMs, leakedWhere: m.leakedWhere };
}

/** A minted temporary key on the wire. */
export function issuedKeyToWire(k: IssuedKey): pb.TempKey {
  return { value: k.value, leaseId: k.leaseId, expiresAtUnixMs: k.expiresAt };
}

/** A minted temporary key from the wire. */
export function issuedKeyFromWire(k: pb.TempKey): IssuedKey {
  return { value: k.value, leaseId: k.leaseId, expiresAt: k.expiresAtUnixMs };
}

/** An introspection on the wire. */
export function introspectionToWire(i: LeaseIntrospection): pb.Introspection {
  return { active: i.active, leaseId: i.leaseId, expiresAtUnixMs: i.expiresAt, kind: i.kind };
}

/** An introspection from the wire. */
export function introspectionFromWire(i: pb.Introspection): LeaseIntrospection {
  return { active: i.active, leaseId: i.leaseId, expiresAt: i.expiresAtUnixMs, kind: i.kind };
}

/** A lease on the wire (an active one when it names no state). */
export function leaseToWire(l: Omit<LeaseInfo, 'state'> & { state?: string }): pb.Lease {
  return {
    leaseId: l.leaseId,
    kind: l.kind,
    issuedAtUnixMs: l.issuedAt,
    expiresAtUnixMs: l.expiresAt,
    boundPid: l.boundPid,
    boundExe: l.boundExe,
    fingerprint: l.fingerprint,
    state: l.state ?? '',
  };
}

/** A lease from the wire. */
export function leaseFromWire(l: pb.Lease): LeaseInfo {
  return {
    leaseId: l.leaseId,
    kind: l.kind,
    issuedAt: l.issuedAtUnixMs,
    expiresAt: l.expiresAtUnixMs,
    boundPid: l.boundPid,
    boundExe: l.boundExe,
    fingerprint: l.fingerprint,
    state: l.state,
  };
}

/** A manifest's parsed entries on the wire (never a value). */
export function manifestEntriesToWire(entries: readonly CoreManifestEntry[]): pb.ManifestEntry[] {
  return entries.map((e) => ({
    variable: e.variable,
    line: e.line,
    kind: e.ref ? e.ref.kind : 'literal',
    secret: e.ref?.kind === 'secret' ? e.ref.name : e.ref?.kind === 'temp' ? `temp/${e.ref.tempKind}` : '',
    owner: e.ref?.kind === 'secret' ? e.ref.owner : '',
    description: e.ref?.kind === 'secret' ? e.ref.desc : '',
    docs: e.ref?.kind === 'secret' ? e.ref.docs : '',
    uses: e.ref ? referenceUses(e.ref) : [],
    // What changes what the key can do, or what runs on its behalf: shown when a manifest is approved.
    params:
      e.ref?.kind === 'temp'
        ? { ...e.ref.params, ...(e.ref.ttlSeconds !== undefined ? { ttl: formatDuration(e.ref.ttlSeconds) } : {}) }
        : e.ref?.kind === 'secret'
          ? { ...(e.ref.forbid ? { forbid: e.ref.forbid.join(',') } : {}), ...(e.ref.onLeak ? { on_leak: e.ref.onLeak } : {}) }
          : {},
  }));
}

/** A manifest's entries from the wire. */
export function manifestEntriesFromWire(entries: readonly pb.ManifestEntry[]): ManifestEntryInfo[] {
  return entries.map((e) => ({ ...e, kind: e.kind as ManifestEntryInfo['kind'] }));
}

/** An inspected manifest from the wire. */
export function manifestFromWire(m: pb.InspectManifestResponse): ManifestInfo {
  return { path: m.path, realPath: m.realPath, sha256: m.sha256, approved: m.approved, changed: m.changed, entries: manifestEntriesFromWire(m.entries) };
}

/** A needed secret on the wire, with the stored one's usage when known. */
export function neededSecretToWire(s: NeededSecretInfo, usage?: SecretUsage): pb.NeededSecret {
  return {
    name: s.name,
    variables: s.variables,
    signerFor: s.signerFor,
    owner: s.owner,
    description: s.description,
    docs: s.docs,
    maxTtlSeconds: s.maxTtlSeconds ?? 0,
    state: s.state,
    stored: s.stored ? secretMetaToWire(s.stored, usage) : null,
  };
}

/** A needed secret from the wire. */
export function neededSecretFromWire(s: pb.NeededSecret): NeededSecretInfo {
  return {
    ...s,
    maxTtlSeconds: s.maxTtlSeconds > 0 ? s.maxTtlSeconds : undefined,
    state: s.state as SecretState,
    stored: s.stored ? secretMetaFromWire(s.stored) : undefined,
  };
}

/** An inspected manifest with what onboard and doctor need, from the wire. */
export function manifestInspectionFromWire(m: pb.InspectManifestResponse): ManifestInspection {
  return {
    ...manifestFromWire(m),
    needed: m.needed.map(neededSecretFromWire),
    projectRoot: m.projectRoot || undefined,
    refusedVariables: m.refusedVariables,
  };
}

/** An approved manifest from the wire: approved as it is now. */
export function allowedManifestFromWire(m: pb.AllowManifestResponse): ManifestInfo {
  return { path: m.path, realPath: m.realPath, sha256: m.sha256, approved: true, changed: false, entries: manifestEntriesFromWire(m.entries) };
}

/** The daemon's check of the audit trail on the wire. */
export function auditVerificationToWire(v: AuditVerification): pb.VerifyAuditResponse {
  const { report } = v;
  return {
    ok: report.ok,
    records: report.records,
    files: report.files,
    broken: report.broken ?? null,
    repairs: report.repairs ?? [],
    tornTail: report.tornTail ?? null,
    sealedFrom: v.sealedFrom,
    stateDir: v.stateDir,
  };
}

/** The daemon's check of the audit trail from the wire. */
export function auditVerificationFromWire(r: pb.VerifyAuditResponse): AuditVerification {
  const report: ChainReport = {
    ok: r.ok,
    records: r.records,
    files: r.files,
    last: '',
    ...(r.broken ? { broken: r.broken } : {}),
    ...(r.repairs.length > 0 ? { repairs: r.repairs } : {}),
    ...(r.tornTail ? { tornTail: r.tornTail } : {}),
  };
  return { report, sealedFrom: r.sealedFrom, stateDir: r.stateDir };
}
