// Binds the AgentService to the daemon's gRPC server (rpc-server.ts). Handlers decode, call the domain,
// encode, and always return callback(...). Expected errors travel as status codes with the hint in metadata.
import { inputError, isLatchkeyError, quote } from '@latchkey/core';
import {
  agentService,
  auditVerificationToWire,
  GrpcStatus,
  HINT_METADATA_KEY,
  introspectionToWire,
  issuedKeyToWire,
  KIND_METADATA_KEY,
  leaseToWire,
  manifestEntriesToWire,
  neededSecretToWire,
  protoName,
  secretMetaToWire,
  STATUS_OF_KIND,
  UNAPPROVED_METADATA_KEY,
  type AgentMethod,
  type AuditVerification,
  type DaemonStatus,
  type pb,
  type RequestOf,
  type ResponseOf,
  type UnaryMethod,
} from '@latchkey/protocol';
import type { EventBus, SecretEvent } from './events.js';
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
import type { RpcCall, RpcServer, RpcStatus, StreamHandler, UnaryHandler } from './rpc-server.js';
import { secretCursor, type AgentService } from './service.js';
import type { Scanner, ScanSession } from './scan/scanner.js';

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
  status: () => Promise<Omit<DaemonStatus, 'secrets'>>;
  shutdown: () => void;
  /** Checks the audit trail with the daemon's seal key, live head and checkpoint. */
  verifyAudit: () => Promise<AuditVerification>;
}

/** The daemon's handler of each method: a unary handler for a unary method, a streaming one for the rest. */
type AgentHandlers = {
  [K in AgentMethod]: K extends UnaryMethod ? UnaryHandler<RequestOf<K>, ResponseOf<K>, Peer> : StreamHandler<RequestOf<K>, ResponseOf<K>, Peer>;
};

/** Turns any thrown error into a gRPC status; unexpected errors are logged and reported as internal. */
export function toServiceError(err: unknown, log: Logger): RpcStatus {
  if (isLatchkeyError(err)) {
    const metadata: Record<string, string> = { [KIND_METADATA_KEY]: err.kind };
    if (err.hint) metadata[HINT_METADATA_KEY] = err.hint;
    if (err instanceof UnapprovedManifest) metadata[UNAPPROVED_METADATA_KEY] = err.path;
    return { code: STATUS_OF_KIND[err.kind], details: err.message, metadata };
  }
  log.error(`internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  return { code: GrpcStatus.INTERNAL, details: 'internal error in the daemon (see daemon.log)', metadata: { [KIND_METADATA_KEY]: 'internal' } };
}

/** Upper bound of a SecretMeta's encoded size inside a ListSecretsResponse. */
function wireMetaBytes(m: pb.SecretMeta): number {
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

/** The refusal of a manifest whose listing cannot fit one reply. */
function manifestTooBig(path: string, variables: number): () => Error {
  return () =>
    inputError(
      `manifest ${path} is too large to list: its ${variables} variables take more than the 64 KiB one reply carries`,
      'split it into smaller manifests and name them with agent exec --env-file (repeatable)',
    );
}

/** `reply` when it fits the message cap, else the error of `tooBig` (see reply-size.ts). */
function fitsReply<K extends AgentMethod>(method: K, reply: ResponseOf<K>, tooBig: () => Error): ResponseOf<K> {
  const serialize = agentService()[protoName(method)]?.responseSerialize as ((r: ResponseOf<K>) => Uint8Array) | undefined;
  if (!serialize) throw new Error(`no serializer for ${method}`);
  return assertFitsReply(reply, serialize, tooBig);
}

/** Adds the Agent service to `server`. */
export function addToServer(server: RpcServer<Peer>, deps: BindingDeps): void {
  const { service, manifests, log } = deps;
  const unary =
    <Req, Res>(fn: (req: Req, peer: Peer | undefined) => Promise<Res> | Res) =>
    (call: RpcCall<Req, Res, Peer>, callback: (err: RpcStatus | null, res?: Res) => void) => {
      Promise.resolve()
        .then(() => fn(call.request, call.peer))
        .then(
          (res) => callback(null, res),
          (err: unknown) => callback(toServiceError(err, log)),
        );
    };

  const handlers: AgentHandlers = {
    status: unary(async () => ({ ...(await deps.status()), secrets: service.count() })),
    putSecret: unary(async (req, caller) => {
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
        allowGrants: req.allowGrants,
      };
      if (req.mintCommand) return { secret: secretMetaToWire(await deps.minter.create({ ...input, mint: req.mintCommand }, peer)) };
      return { secret: secretMetaToWire(await service.put({ ...input, value: req.value }, peer)) };
    }),
    getSecret: unary(async (req, caller) => {
      const { cwd, peer } = locatePeer(caller, req.cwd);
      const record = await service.get(req.name, cwd, peer);
      return { value: record.value, secret: secretMetaToWire(record.meta) };
    }),
    listSecrets: unary((req) => {
      const after = decodePageToken('secrets', req.pageToken, ['string', 'string']);
      const page = service.listPage(
        { after: after && secretCursor(after[0] as string, after[1] as string), pageSize: req.pageSize },
        (m) => secretMetaToWire(m, service.usageOf(m), deps.scanner.leakOf(service.current(m.scope, m.name))),
        wireMetaBytes,
      );
      return { secrets: page.items, nextPageToken: page.next ? encodePageToken('secrets', [page.next.scope, page.next.name]) : '' };
    }),
    deleteSecret: unary(async (req, caller) => {
      const { cwd, peer } = locatePeer(caller, req.cwd);
      return { secret: secretMetaToWire(await service.delete(req.name, cwd, req.project, peer)) };
    }),
    allowManifest: unary(async (req, peer) => {
      // The reply is checked before the approval is recorded: a manifest that cannot be listed is not approved.
      let reply: ResponseOf<'allowManifest'> | undefined;
      await manifests.allow(req.path, req.sha256, req.allowVars, peer, (m) => {
        reply = fitsReply('allowManifest', { path: m.path, realPath: m.realPath, sha256: m.sha256, entries: manifestEntriesToWire(m.manifest.entries) }, manifestTooBig(m.path, m.manifest.entries.length));
      });
      if (!reply) throw new Error('the approval recorded no reply');
      return reply;
    }),
    denyManifest: unary(async (req, peer) => manifests.deny(req.path, peer)),
    inspectManifest: unary((req) => {
      const m = manifests.inspect(req.path, req.allowVars, req.refusedAsData);
      return fitsReply('inspectManifest', {
        path: m.path,
        realPath: m.realPath,
        sha256: m.sha256,
        approved: m.approved,
        changed: m.changed,
        entries: manifestEntriesToWire(m.manifest.entries),
        needed: m.needed.map((s) => neededSecretToWire(s, s.stored && service.usageOf(s.stored))),
        projectRoot: m.projectRoot ?? '',
        refusedVariables: m.refusedVariables,
      }, manifestTooBig(m.path, m.manifest.entries.length));
    }),
    resolveEnv: unary(async (req, caller) => {
      const { cwd, peer } = locatePeer(caller, req.cwd);
      const eventSeq = deps.events.seq + 1; // before any value is read: see WatchSecretsRequest.since_seq
      const resolved = { ...(await manifests.resolve(req.manifests, cwd, req.command, req.allowVars, peer)), eventSeq };
      return fitsReply('resolveEnv', resolved, () =>
        inputError(
          `the variables of ${req.manifests.join(', ')} take more than the 64 KiB one reply carries`,
          'reference fewer or smaller values per command (a large value can be a file the command reads)',
        ),
      );
    }),
    watchSecrets: (call) => {
      const secrets = new Set(call.request.secrets);
      const paths = new Set(call.request.manifests);
      const send = (e: SecretEvent) => {
        if ((e.secret && secrets.has(e.secret)) || (e.manifest && paths.has(e.manifest))) {
          call.write({ kind: e.kind, secret: e.secret ?? '', manifest: e.manifest ?? '' });
        }
      };
      const unsubscribe = deps.events.subscribe(send);
      call.on('close', unsubscribe);
      // What happened since the client's resolve began, then a mark: every later event reaches this
      // stream, so the client starts its command only now. Nothing can be emitted in between.
      const since = Number(call.request.sinceSeq);
      if (since > 0) {
        const missed = deps.events.since(since - 1);
        if (missed) missed.forEach(send);
        else for (const secret of secrets) send({ kind: 'changed', secret });
      }
      call.write({ kind: 'subscribed', secret: '', manifest: '' });
    },
    scan: (call) => {
      const peer = call.peer;
      let session: ScanSession | undefined;
      let failed = false;
      const fail = (err: unknown) => {
        if (failed) return;
        failed = true;
        call.fail(toServiceError(err, log));
      };
      call.on('data', (req: pb.ScanRequest) => {
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
      call.on('cancelled', () => {
        failed = true;
      });
    },
    issueTempKey: unary(async (req, peer) =>
      issuedKeyToWire(await deps.leases.issue({ kind: req.kind, ttlSeconds: req.ttlSeconds, params: req.params, bindPid: req.bindPid, signerUse: { cwd: req.cwd } }, peer)),
    ),
    revokeLease: unary(async (req, peer) => ({
      revoked: (await deps.leases.revoke(req.leaseId, peer)) || ((await deps.databases?.revokeAdopted(req.leaseId)) ?? false),
    })),
    introspectTempKey: unary((req) => {
      const lease = deps.leases.introspect(req.value);
      return introspectionToWire(lease.active ? lease : (deps.databases?.introspect(req.value) ?? lease));
    }),
    listLeases: unary((req) => {
      const after = decodePageToken('leases', req.pageToken, ['number', 'string']);
      const page = deps.leases.listPage(
        { after: after && { issuedAt: after[0] as number, leaseId: after[1] as string }, pageSize: req.pageSize },
        leaseToWire,
        (l) => ENTRY_FRAMING_BYTES + 3 * VARINT_FIELD_BYTES + stringFieldBytes(l.leaseId) + stringFieldBytes(l.kind) + stringFieldBytes(l.boundExe) + stringFieldBytes(l.fingerprint),
      );
      // Database users that are no plain lease (adopted at start, teardown pending) come on the last page.
      const extra = page.next
        ? []
        : (deps.databases?.states() ?? []).map((u) =>
            leaseToWire({ leaseId: u.leaseId, kind: u.kind, issuedAt: u.issuedAt, expiresAt: u.expiresAt, boundPid: u.boundPid, boundExe: '', fingerprint: '', state: u.state }),
          );
      return { leases: [...page.items, ...extra], nextPageToken: page.next ? encodePageToken('leases', [page.next.issuedAt, page.next.leaseId]) : '' };
    }),
    rotateSecret: unary(async (req, caller) => {
      const { cwd, peer } = locatePeer(caller, req.cwd);
      return { secret: secretMetaToWire(await deps.minter.rotate(req.name, cwd, peer)) };
    }),
    shutdown: unary(() => {
      setImmediate(deps.shutdown);
      return {};
    }),
    verifyAudit: unary(async () => auditVerificationToWire(await deps.verifyAudit())),
  };
  const definition = agentService();
  // PutSecret's value (field 2) must arrive as UTF-8: the decoder would replace bad bytes silently.
  if (definition.PutSecret) markInvalidUtf8(definition.PutSecret, 2);
  server.addService(definition, handlers);
}
