// A typed promise client over the daemon's socket. Calls are typed by the generated messages and
// answered in domain types (protocol's one mapping), encoded with the generated codecs (protocol's
// agentService()). Unary calls go over the process's node:http2 session to the socket (unary-session.ts);
// the streaming ones (WatchSecrets, Scan) over grpc-js, whose channel is made on the first of them.
import { createRequire } from 'node:module';
import type * as grpc from '@grpc/grpc-js';
import type { SecretMeta } from '@latchkey/core';
import {
  agentService,
  allowedManifestFromWire,
  assertSocketPathLength,
  auditVerificationFromWire,
  errorOfStatus,
  GrpcStatus,
  introspectionFromWire,
  inventoryEntryFromWire,
  issuedKeyFromWire,
  leaseFromWire,
  manifestInspectionFromWire,
  MAX_MESSAGE_BYTES,
  MINT_CALL_TIMEOUT_MS,
  protoName,
  secretMetaFromWire,
  type AgentMethod,
  type AuditVerification,
  type DaemonStatus,
  type DeniedManifest,
  type InventoryEntry,
  type IssuedKey,
  type LeaseInfo,
  type LeaseIntrospection,
  type ManifestInfo,
  type ManifestInspection,
  type RequestOf,
  type ResolvedEnv,
  type ResponseOf,
  type ScanFindingInfo,
  type ScanSummaryInfo,
  type UnaryMethod,
  type WatchEvent,
  type pb,
} from '@latchkey/protocol';
import { allPages, CALL_TIMEOUT_MS, putSecretCall, type PutSecretInput } from './calls.js';
import { fromServiceError } from './errors.js';
import { scanStream, type ScanStart, type ScanStream } from './scan-stream.js';
import { mintTempKey, type TempKey, type TempKeySpec } from './temp.js';
import { unaryChannel, type UnaryChannel } from './unary-session.js';

export type {
  AuditVerification,
  DaemonStatus,
  DeniedManifest,
  InventoryEntry,
  IssuedKey,
  LeaseInfo,
  LeaseIntrospection,
  ManifestEntryInfo,
  ManifestInfo,
  ManifestInspection,
  NeededSecretInfo,
  ResolvedEnv,
  ScanAnswerInfo,
  ScanFindingInfo,
  ScanSummaryInfo,
  WatchEvent,
} from '@latchkey/protocol';

export { CALL_TIMEOUT_MS, type PutSecretInput } from './calls.js';
export { SCAN_CHUNK_BYTES, type ScanStart, type ScanStream } from './scan-stream.js';
/** Time allowed for the daemon to read and check the whole audit trail. */
export const VERIFY_TIMEOUT_MS = 60_000;

/** What `issueTempKey` asks for. */
export interface IssueTempKeyInput {
  kind: string;
  ttlSeconds?: number;
  params?: Record<string, string>;
  /** 0 binds the lease to this process, -1 to none. */
  bindPid?: number;
  cwd?: string;
}

let grpcModule: typeof grpc | undefined;
/**
 * grpc-js, loaded when a streaming call first needs it: it was about half of importing this package
 * (130-140 ms in a fresh Node 20 process, grpc-js alone 70 ms), which a test suite's setup pays.
 */
function grpcJs(): typeof grpc {
  return (grpcModule ??= createRequire(import.meta.url)('@grpc/grpc-js') as typeof grpc);
}

/** One connection to the daemon. Close it when done. */
export class AgentConnection {
  private streams: grpc.Client | undefined;
  private readonly unary: UnaryChannel;
  private readonly service: grpc.ServiceDefinition;

  /** Throws a usage error for a socket path over the platform limit: no daemon can ever listen there. */
  constructor(readonly socket: string) {
    assertSocketPathLength(socket);
    this.service = agentService();
    this.unary = unaryChannel(socket);
  }

  /** grpc-js's channel, for the streaming calls (WatchSecrets, Scan), made (and grpc-js loaded) on the first of them. */
  private get client(): grpc.Client {
    const g = grpcJs();
    return (this.streams ??= new g.Client(`unix://${this.socket}`, g.credentials.createInsecure(), {
      'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
      'grpc.max_send_message_length': MAX_MESSAGE_BYTES,
    }));
  }

  /** The daemon's identity and health. */
  async status(timeoutMs = CALL_TIMEOUT_MS): Promise<DaemonStatus> {
    return this.call('status', {}, timeoutMs);
  }

  /** Stores or replaces a secret; returns its metadata. */
  async putSecret(input: PutSecretInput): Promise<SecretMeta> {
    const { request, timeoutMs } = putSecretCall(input);
    const res = await this.call('putSecret', request, timeoutMs);
    return secretMetaFromWire(res.secret);
  }

  /** Reads a secret's value as seen from `cwd`. */
  async getSecret(name: string, cwd = ''): Promise<{ value: string; meta: SecretMeta }> {
    const res = await this.call('getSecret', { name, cwd });
    return { value: res.value, meta: secretMetaFromWire(res.secret) };
  }

  /** The inventory, without values. */
  async listSecrets(): Promise<InventoryEntry[]> {
    return (await this.allPages('listSecrets', (res) => res.secrets)).map(inventoryEntryFromWire);
  }

  /** Removes a secret; returns what was removed. */
  async deleteSecret(name: string, cwd = '', project = false): Promise<SecretMeta> {
    return secretMetaFromWire((await this.call('deleteSecret', { name, cwd, project })).secret);
  }

  /**
   * What a manifest asks for, whether it is approved, and each stored secret it needs against the store.
   * With `refusedAsData`, variables that need --allow-var are listed instead of failing (read-only checks).
   */
  async inspectManifest(path: string, allowVars: readonly string[] = [], opts: { refusedAsData?: boolean } = {}): Promise<ManifestInspection> {
    return manifestInspectionFromWire(await this.call('inspectManifest', { path, allowVars: [...allowVars], refusedAsData: opts.refusedAsData ?? false }));
  }

  /** Approves a manifest; `sha256` pins the content that was reviewed. */
  async allowManifest(path: string, sha256 = '', allowVars: readonly string[] = []): Promise<ManifestInfo> {
    return allowedManifestFromWire(await this.call('allowManifest', { path, sha256, allowVars: [...allowVars] }));
  }

  /** Withdraws a manifest's approval. */
  async denyManifest(path: string): Promise<DeniedManifest> {
    return this.call('denyManifest', { path });
  }

  /** Resolves approved manifests into environment variables for one command. */
  async resolveEnv(input: { manifests: readonly string[]; cwd: string; command: string; allowVars?: readonly string[] }): Promise<ResolvedEnv> {
    return this.call('resolveEnv', { manifests: [...input.manifests], cwd: input.cwd, command: input.command, allowVars: [...(input.allowVars ?? [])] });
  }

  /**
   * Streams events about the given secrets and manifests until `close()` is called on the result,
   * starting with those numbered `sinceSeq` and later (a resolve's `eventSeq`: what it may have missed).
   * `subscribed` resolves when the daemon confirms that every later event reaches the stream (start
   * what the events are about only then), and rejects if the stream ends before that.
   */
  watchSecrets(
    input: { secrets: readonly string[]; manifests: readonly string[]; sinceSeq?: number },
    onEvent: (e: WatchEvent) => void,
    onEnd: (err?: Error) => void,
  ): { subscribed: Promise<void>; close(): void } {
    const m = this.method('watchSecrets');
    const stream = this.client.makeServerStreamRequest(m.path, m.requestSerialize, m.responseDeserialize, {
      secrets: [...input.secrets],
      manifests: [...input.manifests],
      sinceSeq: input.sinceSeq ?? 0,
    });
    let closed = false;
    let confirm!: () => void;
    let refuse!: (err: Error) => void;
    let confirmed = false;
    const subscribed = new Promise<void>((resolve, reject) => {
      confirm = resolve;
      refuse = reject;
    });
    subscribed.catch(() => undefined); // a caller that closes without awaiting it sees no unhandled rejection
    const end = (err?: Error) => {
      if (!confirmed) refuse(err ?? new Error('the event stream ended before the daemon confirmed it'));
      if (!closed) onEnd(err);
    };
    stream.on('data', (e: WatchEvent) => {
      if (e.kind !== 'subscribed') return onEvent(e);
      confirmed = true;
      confirm();
    });
    stream.on('error', (err: grpc.ServiceError) => end(err.code === grpcJs().status.CANCELLED ? undefined : fromServiceError(err, this.socket)));
    stream.on('end', () => end());
    return {
      subscribed,
      close: () => {
        closed = true;
        stream.cancel();
      },
    };
  }

  /** Mints a temporary key; `bindPid` 0 binds it to this process, -1 to none. */
  async issueTempKey(input: IssueTempKeyInput): Promise<IssuedKey> {
    const res = await this.call('issueTempKey', {
      kind: input.kind,
      ttlSeconds: input.ttlSeconds ?? 0,
      params: input.params ?? {},
      bindPid: input.bindPid ?? 0,
      cwd: input.cwd ?? '',
    });
    return issuedKeyFromWire(res);
  }

  /**
   * Mints a temporary key for a test suite, bound to this process unless `spec.bindPid` says otherwise:
   * `await agent.tempKey({ kind: 'random', ttl: '2m', params: { bytes: 32, encoding: 'hex' } })`.
   */
  async tempKey(spec: TempKeySpec): Promise<TempKey> {
    return mintTempKey(this, spec);
  }

  /** Ends a lease now; false when it had already ended. */
  async revokeLease(leaseId: string): Promise<boolean> {
    return (await this.call('revokeLease', { leaseId })).revoked;
  }

  /** Whether a temporary key is still good. */
  async introspectTempKey(value: string): Promise<LeaseIntrospection> {
    return introspectionFromWire(await this.call('introspectTempKey', { value }));
  }

  /** The leases in force. */
  async listLeases(): Promise<LeaseInfo[]> {
    return (await this.allPages('listLeases', (res) => res.leases)).map(leaseFromWire);
  }

  /** Mints a minted secret again now. */
  async rotateSecret(name: string, cwd = ''): Promise<SecretMeta> {
    return secretMetaFromWire((await this.call('rotateSecret', { name, cwd }, MINT_CALL_TIMEOUT_MS)).secret);
  }

  /** The daemon's check of the audit trail: with its seal key, its live head and its checkpoint. */
  async verifyAudit(): Promise<AuditVerification> {
    return auditVerificationFromWire(await this.call('verifyAudit', {}, VERIFY_TIMEOUT_MS));
  }

  /**
   * Starts a scan: the daemon searches what is sent for every value it knows and calls `onFinding` for
   * each finding; with `answer` it marks what is found leaked and answers it.
   */
  scan(start: ScanStart, onFinding: (f: ScanFindingInfo) => void): ScanStream {
    const m = this.method('scan');
    return scanStream(start, onFinding, (onReply) => {
      const call = this.client.makeBidiStreamRequest(m.path, m.requestSerialize, m.responseDeserialize);
      let failure: Error | undefined;
      const done = new Promise<void>((resolve, reject) => {
        call.on('data', onReply);
        call.on('error', (err: grpc.ServiceError) => {
          failure = fromServiceError(err, this.socket);
          reject(failure);
        });
        call.on('end', () => resolve());
      });
      return {
        write: (msg) =>
          new Promise((resolve, reject) => {
            if (failure) return reject(failure);
            if (call.write(msg)) return resolve();
            // A call that fails while its writes wait never drains: the wait ends with its error.
            call.once('drain', () => resolve());
            done.catch(reject);
          }),
        end: () => call.end(),
        cancel: () => call.cancel(),
        done,
      };
    });
  }

  /** Asks the daemon to exit. */
  async shutdown(): Promise<void> {
    await this.call('shutdown', {});
  }

  /** Closes the connection (and grpc-js's channel, if a streaming call made one). */
  close(): void {
    this.unary.close();
    this.streams?.close();
  }

  /** Every page of a paged listing (ListSecrets, ListLeases). */
  private allPages<K extends 'listSecrets' | 'listLeases', T>(method: K, itemsOf: (res: ResponseOf<K>) => T[]): Promise<T[]> {
    return allPages(method, async (pageToken) => {
      const res = await this.call(method, { pageSize: 0, pageToken } as RequestOf<K>);
      return { items: itemsOf(res), nextPageToken: res.nextPageToken };
    });
  }

  /** proto-loader's definition of a method, typed by the generated messages (wire.test.ts checks they agree). */
  private method<K extends AgentMethod>(method: K): grpc.MethodDefinition<RequestOf<K>, ResponseOf<K>> {
    return this.service[protoName(method)] as grpc.MethodDefinition<RequestOf<K>, ResponseOf<K>>;
  }

  private async call<K extends UnaryMethod>(method: K, request: RequestOf<K>, timeoutMs = CALL_TIMEOUT_MS): Promise<ResponseOf<K>> {
    const m = this.method(method);
    const reply = await this.unary.call(m.path, m.requestSerialize(request), timeoutMs);
    try {
      return m.responseDeserialize(Buffer.from(reply.buffer, reply.byteOffset, reply.byteLength));
    } catch (err) {
      throw errorOfStatus({ status: GrpcStatus.INTERNAL, details: `Response message parsing error: ${(err as Error).message}`, meta: () => undefined }, this.socket);
    }
  }
}
