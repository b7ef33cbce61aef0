// Binds the AgentService to a grpc-js server. Handlers decode, call the domain, encode, and always
// return callback(...). Expected errors travel as status codes with the hint in metadata.
import * as grpc from '@grpc/grpc-js';
import { isLatchkeyError, type ErrorKind, type SecretMeta } from '@latchkey/core';
import { agentService, HINT_METADATA_KEY, KIND_METADATA_KEY, type AgentHandlers, type WireSecretMeta } from '@latchkey/protocol';
import type { Peer } from './audit.js';
import type { Logger } from './log.js';
import type { AgentService } from './service.js';

const STATUS_OF: Record<ErrorKind, grpc.status> = {
  usage: grpc.status.INVALID_ARGUMENT,
  input: grpc.status.INVALID_ARGUMENT,
  notFound: grpc.status.NOT_FOUND,
  unavailable: grpc.status.UNAVAILABLE,
  denied: grpc.status.PERMISSION_DENIED,
  internal: grpc.status.INTERNAL,
};

/** What the binding needs besides the service. */
export interface BindingDeps {
  service: AgentService;
  log: Logger;
  /** The peer of a call, as identified when its connection was accepted. */
  peerOf: (call: grpc.ServerUnaryCall<unknown, unknown>) => Peer | undefined;
  status: () => {
    pid: number;
    socket: string;
    store: string;
    storeNote: string;
    uptimeSeconds: number;
    version: string;
    stateDir: string;
  };
  shutdown: () => void;
}

/** Turns any thrown error into a gRPC status; unexpected errors are logged and reported as internal. */
export function toServiceError(err: unknown, log: Logger): Partial<grpc.ServiceError> {
  const metadata = new grpc.Metadata();
  if (isLatchkeyError(err)) {
    metadata.set(KIND_METADATA_KEY, err.kind);
    if (err.hint) metadata.set(HINT_METADATA_KEY, err.hint);
    return { code: STATUS_OF[err.kind], details: err.message, metadata };
  }
  log.error(`internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  metadata.set(KIND_METADATA_KEY, 'internal');
  return { code: grpc.status.INTERNAL, details: 'internal error in the daemon (see daemon.log)', metadata };
}

/** The wire form of secret metadata. */
export function toWireMeta(m: SecretMeta): WireSecretMeta {
  return {
    name: m.name,
    scope: m.scope,
    owner: m.owner,
    description: m.description,
    createdAtUnixMs: m.createdAt,
    expiresAtUnixMs: m.expiresAt,
    source: m.source,
  };
}

/** Adds the Agent service to `server`. */
export function addToServer(server: grpc.Server, deps: BindingDeps): void {
  const { service, log } = deps;
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
    Status: unary(() => ({ ...deps.status(), secrets: service.count() })),
    PutSecret: unary(async (req, peer) => {
      const meta = await service.put(
        {
          name: req.name,
          value: req.value,
          ttlSeconds: req.ttlSeconds,
          owner: req.owner,
          description: req.description,
          project: req.project,
          cwd: req.cwd,
          source: req.source,
        },
        peer,
      );
      return { secret: toWireMeta(meta) };
    }),
    GetSecret: unary(async (req, peer) => {
      const record = await service.get(req.name, req.cwd, peer);
      return { value: record.value, secret: toWireMeta(record.meta) };
    }),
    ListSecrets: unary(() => ({ secrets: service.list().map(toWireMeta) })),
    DeleteSecret: unary(async (req, peer) => ({ secret: toWireMeta(await service.delete(req.name, req.cwd, req.project, peer)) })),
    Shutdown: unary(() => {
      setImmediate(deps.shutdown);
      return {};
    }),
  };
  server.addService(agentService(), handlers as unknown as grpc.UntypedServiceImplementation);
}
