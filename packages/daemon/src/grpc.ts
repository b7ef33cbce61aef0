// Binds the AgentService to a grpc-js server. Handlers decode, call the domain, encode, and always
// return callback(...). Expected errors travel as status codes with the hint in metadata.
import * as grpc from '@grpc/grpc-js';
import { expiryOrigin, formatDuration, inputError, isLatchkeyError, quote, referenceUses, type ChainReport, type ErrorKind, type SecretMeta } from '@latchkey/core';
import {
  agentService,
  HINT_METADATA_KEY,
  KIND_METADATA_KEY,
  UNAPPROVED_METADATA_KEY,
  type AgentHandlers,
  type WireSecretMeta,
} from '@latchkey/protocol';
import type { ManifestEntry as CoreManifestEntry } from '@latchkey/core';
import type { EventBus } from './events.js';
import type { LeaseManager } from './leases.js';
import type { DatabaseUsers } from './issuers/database.js';
import { UnapprovedManifest, type ManifestService } from './manifests.js';
import type { Minter } from './minter.js';
import type { Peer } from './audit.js';
import { locatePeer } from './caller.js';
import type { Logger } from './log.js';
import { INVALID_UTF8, markInvalidUtf8 } from './utf8-guard.js';
import { decodePageToken, encodePageToken, ENTRY_FRAMING_BYTES, stringFieldBytes, VARINT_FIELD_BYTES } from './paging.js';
import { assertFitsReply } from './reply-size.js';
import { secretCursor, type AgentService } from './service.js';
import type { Scanner, ScanSession } from './scan/scanner.js';

/** A decoded ScanRequest. */
type ScanPieceWire = { source: number; label: string; data: Buffer; sourceEnd: boolean; channel: string };
type ScanRequestWire = ScanPieceWire & { mode: string; roots: string[]; answer: boolean; pieces: ScanPieceWire[] };

const STATUS_OF: Record<ErrorKind, grpc.status> = {
  usage: grpc.status.INVALID_ARGUMENT,
  input: grpc.status.INVALID_ARGUMENT,
  notFound: grpc.status.NOT_FOUND,
  unavailable: grpc.status.UNAVAILABLE,
  denied: grpc.status.PERMISSION_DENIED,
  exhausted: grpc.status.RESOURCE_EXHAUSTED,
  failed: grpc.status.FAILED_PRECONDITION,
  cancelled: grpc.status.CANCELLED,
  internal: grpc.status.INTERNAL,
};

/** What the binding needs besides the service. */
export interface BindingDeps {
  service: AgentService;
  manifests: ManifestService;
  leases: LeaseManager;
  /** Database users adopted at start or waiting for a teardown: listed and revocable with the leases. */
  databases?: DatabaseUsers;
  minter: Minter;
  events: EventBus;
  scanner: Scanner;
  log: Logger;
  /** The peer of a call, as identified when its connection was accepted. */
  peerOf: (call: grpc.ServerUnaryCall<unknown, unknown>) => Peer | undefined;
  status: () => Promise<{
    keychain: string;
    pid: number;
    socket: string;
    store: string;
    storeNote: string;
    uptimeSeconds: number;
    version: string;
    stateDir: string;
    auditHead: string;
  }>;
  shutdown: () => void;
  /** Checks the audit trail with the daemon's seal key, live head and checkpoint. */
  verifyAudit: () => Promise<{ report: ChainReport; sealedFrom: number; stateDir: string }>;
}

/** Turns any thrown error into a gRPC status; unexpected errors are logged and reported as internal. */
export function toServiceError(err: unknown, log: Logger): Partial<grpc.ServiceError> {
  const metadata = new grpc.Metadata();
  if (isLatchkeyError(err)) {
    metadata.set(KIND_METADATA_KEY, err.kind);
    if (err.hint) metadata.set(HINT_METADATA_KEY, err.hint);
    if (err instanceof UnapprovedManifest) metadata.set(UNAPPROVED_METADATA_KEY, err.path);
    return { code: STATUS_OF[err.kind], details: err.message, metadata };
  }
  log.error(`internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  metadata.set(KIND_METADATA_KEY, 'internal');
  return { code: grpc.status.INTERNAL, details: 'internal error in the daemon (see daemon.log)', metadata };
}

/** The wire form of secret metadata, with usage statistics when known. */
export function toWireMeta(m: SecretMeta, usage?: { lastUsedAt: number; useCount: number }, leak?: { at: number; where: string }): WireSecretMeta {
  return {
    leakedAtUnixMs: leak?.at ?? 0,
    leakedWhere: leak?.where ?? '',
    tokenKind: m.tokenKind ?? '',
    lastUsedAtUnixMs: usage?.lastUsedAt ?? 0,
    useCount: usage?.useCount ?? 0,
    name: m.name,
    scope: m.scope,
    owner: m.owner,
    description: m.description,
    createdAtUnixMs: m.createdAt,
    expiresAtUnixMs: m.expiresAt,
    source: m.source,
    mintCommand: m.mint ?? '',
    expiry: expiryOrigin(m),
    allowGrants: m.allowGrants ?? [],
  };
}

/** Upper bound of a SecretMeta's encoded size inside a ListSecretsResponse. */
function wireMetaBytes(m: WireSecretMeta): number {
  return (
    ENTRY_FRAMING_BYTES +
    5 * VARINT_FIELD_BYTES +
    stringFieldBytes(m.name) +
    stringFieldBytes(m.scope) +
    stringFieldBytes(m.owner) +
    stringFieldBytes(m.description) +
    stringFieldBytes(m.source) +
    stringFieldBytes(m.mintCommand) +
    stringFieldBytes(m.leakedWhere) +
    stringFieldBytes(m.tokenKind) +
    stringFieldBytes(m.expiry) +
    m.allowGrants.reduce((n, g) => n + stringFieldBytes(g), 0)
  );
}

/** The wire form of a manifest's entries (never a value). */
export function toWireEntries(entries: readonly CoreManifestEntry[]) {
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

/** The refusal of a manifest whose listing cannot fit one reply. */
function manifestTooBig(path: string, variables: number): () => Error {
  return () =>
    inputError(
      `manifest ${path} is too large to list: its ${variables} variables take more than the 64 KiB one reply carries`,
      'split it into smaller manifests and name them with agent exec --env-file (repeatable)',
    );
}

/** `reply` when it fits the message cap, else the error of `tooBig` (see reply-size.ts). */
function fitsReply<T extends object>(method: string, reply: T, tooBig: () => Error): T {
  const serialize = agentService()[method]?.responseSerialize as ((r: T) => Uint8Array) | undefined;
  if (!serialize) throw new Error(`no serializer for ${method}`);
  return assertFitsReply(reply, serialize, tooBig);
}

/** Adds the Agent service to `server`. */
export function addToServer(server: grpc.Server, deps: BindingDeps): void {
  const { service, manifests, log } = deps;
  const unary =
    <Req, Res>(fn: (req: Req, peer: Peer | undefined) => Promise<Res> | Res) =>
    (call: grpc.ServerUnaryCall<Req, Res>, callback: grpc.sendUnaryData<Res>) => {
      const peer = deps.peerOf(call as grpc.ServerUnaryCall<unknown, unknown>);
      Promise.resolve()
        .then(() => fn(call.request, peer))
        .then(
          (res) => callback(null, res),
          (err: unknown) => callback(toServiceError(err, log)),
        );
    };

  const handlers: AgentHandlers = {
    Status: unary(async () => ({ ...(await deps.status()), secrets: service.count() })),
    PutSecret: unary(async (req, caller) => {
      if ((req as unknown as Record<PropertyKey, unknown>)[INVALID_UTF8]) {
        throw inputError(`the value for ${quote(req.name)} is not valid UTF-8`, 'store text; for binary data, store it base64-encoded');
      }
      const { cwd, peer } = locatePeer(caller, req.cwd);
      const input = {
        name: req.name,
        ttlSeconds: req.ttlSeconds,
        owner: req.owner,
        description: req.description,
        project: req.project,
        cwd,
        source: req.source,
        allowGrants: req.allowGrants ?? [],
      };
      if (req.mintCommand) return { secret: toWireMeta(await deps.minter.create({ ...input, mint: req.mintCommand }, peer)) };
      return { secret: toWireMeta(await service.put({ ...input, value: req.value }, peer)) };
    }),
    GetSecret: unary(async (req, caller) => {
      const { cwd, peer } = locatePeer(caller, req.cwd);
      const record = await service.get(req.name, cwd, peer);
      return { value: record.value, secret: toWireMeta(record.meta) };
    }),
    ListSecrets: unary((req) => {
      const after = decodePageToken('secrets', req.pageToken, ['string', 'string']);
      const page = service.listPage(
        { after: after && secretCursor(after[0] as string, after[1] as string), pageSize: req.pageSize },
        (m) => toWireMeta(m, service.usageOf(m), deps.scanner.leakOf(service.current(m.scope, m.name))),
        wireMetaBytes,
      );
      return { secrets: page.items, nextPageToken: page.next ? encodePageToken('secrets', [page.next.scope, page.next.name]) : '' };
    }),
    DeleteSecret: unary(async (req, caller) => {
      const { cwd, peer } = locatePeer(caller, req.cwd);
      return { secret: toWireMeta(await service.delete(req.name, cwd, req.project, peer)) };
    }),
    AllowManifest: unary(async (req, peer) => {
      // The reply is checked before the approval is recorded: a manifest that cannot be listed is not approved.
      let reply: object | undefined;
      await manifests.allow(req.path, req.sha256, req.allowVars, peer, (m) => {
        reply = fitsReply('AllowManifest', { path: m.path, realPath: m.realPath, sha256: m.sha256, entries: toWireEntries(m.manifest.entries) }, manifestTooBig(m.path, m.manifest.entries.length));
      });
      return reply as never;
    }),
    DenyManifest: unary(async (req, peer) => manifests.deny(req.path, peer)),
    InspectManifest: unary((req) => {
      const m = manifests.inspect(req.path, req.allowVars, req.refusedAsData);
      return fitsReply('InspectManifest', {
        path: m.path,
        realPath: m.realPath,
        sha256: m.sha256,
        approved: m.approved,
        changed: m.changed,
        entries: toWireEntries(m.manifest.entries),
        needed: m.needed.map((s) => ({
          name: s.name,
          variables: s.variables,
          signerFor: s.signerFor,
          owner: s.owner,
          description: s.description,
          docs: s.docs,
          maxTtlSeconds: s.maxTtlSeconds ?? 0,
          state: s.state,
          stored: s.stored ? toWireMeta(s.stored, service.usageOf(s.stored)) : null,
        })),
        projectRoot: m.projectRoot ?? '',
        refusedVariables: m.refusedVariables,
      }, manifestTooBig(m.path, m.manifest.entries.length));
    }),
    ResolveEnv: unary(async (req, caller) => {
      const { cwd, peer } = locatePeer(caller, req.cwd);
      const resolved = await manifests.resolve(req.manifests, cwd, req.command, req.allowVars, peer);
      return fitsReply('ResolveEnv', resolved, () =>
        inputError(
          `the variables of ${req.manifests.join(', ')} take more than the 64 KiB one reply carries`,
          'reference fewer or smaller values per command (a large value can be a file the command reads)',
        ),
      );
    }),
    WatchSecrets: (call) => {
      const secrets = new Set(call.request.secrets);
      const paths = new Set(call.request.manifests);
      const unsubscribe = deps.events.subscribe((e) => {
        if ((e.secret && secrets.has(e.secret)) || (e.manifest && paths.has(e.manifest))) {
          call.write({ kind: e.kind, secret: e.secret ?? '', manifest: e.manifest ?? '' });
        }
      });
      call.on('cancelled', unsubscribe);
      call.on('close', unsubscribe);
      call.on('error', unsubscribe);
    },
    Scan: (call) => {
      const peer = deps.peerOf(call as unknown as grpc.ServerUnaryCall<unknown, unknown>);
      let session: ScanSession | undefined;
      let failed = false;
      const fail = (err: unknown) => {
        if (failed) return;
        failed = true;
        call.emit('error', toServiceError(err, log));
      };
      call.on('data', (req: ScanRequestWire) => {
        if (failed) return;
        try {
          session ??= deps.scanner.begin({ mode: req.mode, roots: req.roots, answer: req.answer }, peer);
          const findings = [];
          for (const p of [req, ...req.pieces]) {
            if (p.source === 0 && p.data.length === 0 && !p.sourceEnd) continue; // a header without bytes
            findings.push(...session.push({ source: p.source, label: p.label, channel: p.channel, data: p.data, sourceEnd: p.sourceEnd }));
          }
          if (findings.length > 0) call.write({ findings, summary: null });
        } catch (err) {
          fail(err);
        }
      });
      call.on('end', () => {
        if (failed) return;
        Promise.resolve()
          .then(async () => {
            session ??= deps.scanner.begin({ mode: 'paths', roots: [], answer: false }, peer);
            const { findings, summary } = await session.finish();
            call.write({ findings, summary });
            call.end();
          })
          .catch(fail);
      });
      call.on('error', () => {
        failed = true;
      });
    },
    IssueTempKey: unary(async (req, peer) => {
      const key = await deps.leases.issue({ kind: req.kind, ttlSeconds: req.ttlSeconds, params: req.params, bindPid: req.bindPid, signerUse: { cwd: req.cwd } }, peer);
      return { value: key.value, leaseId: key.leaseId, expiresAtUnixMs: key.expiresAt };
    }),
    RevokeLease: unary(async (req, peer) => ({
      revoked: (await deps.leases.revoke(req.leaseId, peer)) || ((await deps.databases?.revokeAdopted(req.leaseId)) ?? false),
    })),
    IntrospectTempKey: unary((req) => {
      const i = deps.leases.introspect(req.value);
      return { active: i.active, leaseId: i.leaseId, expiresAtUnixMs: i.expiresAt, kind: i.kind };
    }),
    ListLeases: unary((req) => {
      const after = decodePageToken('leases', req.pageToken, ['number', 'string']);
      const page = deps.leases.listPage(
        { after: after && { issuedAt: after[0] as number, leaseId: after[1] as string }, pageSize: req.pageSize },
        (l) => ({
          leaseId: l.leaseId,
          kind: l.kind,
          issuedAtUnixMs: l.issuedAt,
          expiresAtUnixMs: l.expiresAt,
          boundPid: l.boundPid ?? 0,
          boundExe: l.boundExe ?? '',
          fingerprint: l.fingerprint,
          state: '',
        }),
        (l) => ENTRY_FRAMING_BYTES + 3 * VARINT_FIELD_BYTES + stringFieldBytes(l.leaseId) + stringFieldBytes(l.kind) + stringFieldBytes(l.boundExe) + stringFieldBytes(l.fingerprint),
      );
      // Database users that are no plain lease (adopted at start, teardown pending) come on the last page.
      const extra = page.next
        ? []
        : (deps.databases?.states() ?? []).map((u) => ({
            leaseId: u.leaseId,
            kind: u.kind,
            issuedAtUnixMs: u.issuedAt,
            expiresAtUnixMs: u.expiresAt,
            boundPid: u.boundPid,
            boundExe: '',
            fingerprint: '',
            state: u.state,
          }));
      return { leases: [...page.items, ...extra], nextPageToken: page.next ? encodePageToken('leases', [page.next.issuedAt, page.next.leaseId]) : '' };
    }),
    RotateSecret: unary(async (req, caller) => {
      const { cwd, peer } = locatePeer(caller, req.cwd);
      return { secret: toWireMeta(await deps.minter.rotate(req.name, cwd, peer)) };
    }),
    Shutdown: unary(() => {
      setImmediate(deps.shutdown);
      return {};
    }),
    VerifyAudit: unary(async () => {
      const { report, sealedFrom, stateDir } = await deps.verifyAudit();
      return {
        ok: report.ok,
        records: report.records,
        files: report.files,
        broken: report.broken ?? null,
        repairs: report.repairs ?? [],
        tornTail: report.tornTail ?? null,
        sealedFrom,
        stateDir,
      };
    }),
  };
  const definition = agentService();
  // PutSecret's value (field 2) must arrive as UTF-8: the decoder would replace bad bytes silently.
  markInvalidUtf8(definition.PutSecret as grpc.MethodDefinition<unknown, unknown>, 2);
  server.addService(definition, handlers as unknown as grpc.UntypedServiceImplementation);
}
