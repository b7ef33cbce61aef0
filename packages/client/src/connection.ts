// A typed promise client over the daemon's socket.
import * as grpc from '@grpc/grpc-js';
import type { ChainReport, NeededSecret, SecretMeta, SecretSource, SecretState } from '@latchkey/core';
import { assertSocketPathLength, loadProto, MAX_MESSAGE_BYTES, MINT_CALL_TIMEOUT_MS, type AgentClient, type WireSecretMeta, type WireStatus } from '@latchkey/protocol';
import { LatchkeyError } from '@latchkey/core/errors';
import { fromServiceError } from './errors.js';
import { mintTempKey, type TempKey, type TempKeySpec } from './temp.js';

/** Default deadline of one call. */
export const CALL_TIMEOUT_MS = 10_000;
/** Time allowed for the daemon to read and check the whole audit trail. */
export const VERIFY_TIMEOUT_MS = 60_000;

export interface PutSecretInput {
  name: string;
  value: string;
  ttlSeconds?: number;
  owner?: string;
  description?: string;
  project?: boolean;
  cwd?: string;
  source?: SecretSource;
  /** A shell command whose stdout is the value, run by the daemon now and again at 75% of the TTL. */
  mintCommand?: string;
  /** For an admin secret of temporary database users: superuser, createrole, bypassrls. */
  allowGrants?: string[];
}

/** A temporary key and its lease. */
export interface TempKeyInfo {
  value: string;
  leaseId: string;
  expiresAt: number;
}

/** A lease in force (metadata only). */
export interface LeaseInfo {
  leaseId: string;
  kind: string;
  issuedAt: number;
  expiresAt: number;
  boundPid: number;
  boundExe: string;
  fingerprint: string;
  /** Empty for an active lease; `teardown pending` or `adopted` for a database user. */
  state: string;
}

/** What introspection says of a key. */
export interface IntrospectionInfo {
  active: boolean;
  leaseId: string;
  expiresAt: number;
  kind: string;
}

/** The daemon's status as the client reports it. */
export interface DaemonStatus {
  pid: number;
  socket: string;
  store: string;
  storeNote: string;
  secrets: number;
  uptimeSeconds: number;
  version: string;
  stateDir: string;
  /** The hash of the last audit record the daemon wrote ('' before its first). */
  auditHead: string;
  /** The keychain's state from a live check: ok, locked, unavailable, or unused (memory store by choice). */
  keychain: string;
}

/** Metadata of a secret, from the wire. */
export function fromWireMeta(m: WireSecretMeta | null | undefined): SecretMeta {
  if (!m) throw new Error('the daemon answered without secret metadata');
  return {
    name: m.name,
    scope: m.scope as SecretMeta['scope'],
    owner: m.owner,
    description: m.description,
    createdAt: Number(m.createdAtUnixMs),
    expiresAt: Number(m.expiresAtUnixMs),
    source: m.source as SecretSource,
    ...(m.mintCommand ? { mint: m.mintCommand } : {}),
    ...(m.tokenKind ? { tokenKind: m.tokenKind } : {}),
    ...(m.expiry === 'source' ? { sourceExpiry: true } : {}),
    ...(m.allowGrants && m.allowGrants.length > 0 ? { allowGrants: m.allowGrants } : {}),
  };
}

/** A secret in the inventory: its metadata plus the daemon's usage statistics. */
export type InventoryEntry = SecretMeta & {
  lastUsedAt: number;
  useCount: number;
  /** When a scan found the value the secret holds now (0: never), and where. */
  leakedAt: number;
  leakedWhere: string;
};

/** One variable of a manifest as the daemon parsed it (never a value). */
export interface ManifestEntryInfo {
  variable: string;
  line: number;
  kind: 'secret' | 'temp' | 'literal';
  secret: string;
  owner: string;
  description: string;
  docs: string;
  /** Stored secrets the reference uses besides `secret` (a JWT's signer). */
  uses: string[];
  /** The parameters that change what the key can do (sub, aud, claim.*, ttl, ...). */
  params: Record<string, string>;
}

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

interface WireNeededSecret extends Omit<NeededSecret, 'maxTtlSeconds'> {
  maxTtlSeconds: number;
  state: string;
  stored: WireSecretMeta | null;
}

/** What ResolveEnv returns. */
export interface ResolvedEnv {
  env: Record<string, string>;
  warnings: string[];
  secrets: string[];
  manifests: string[];
  /** The variables of `env` set from references (what --mask masks). */
  referenced: string[];
}

/** An event of the WatchSecrets stream. */
export interface WatchEvent {
  kind: string;
  secret: string;
  manifest: string;
}

/** A finding of a scan: names a secret and a place, never the value. */
export interface ScanFindingInfo {
  source: number;
  secret: string;
  scope: string;
  /** current, retired or temporary. */
  state: string;
  encoding: string;
  offset: number;
  length: number;
  line: number;
  column: number;
  leaseId: string;
}

/** What the daemon did about one leaked secret or key. */
export interface ScanAnswerInfo {
  secret: string;
  scope: string;
  action: string;
  outcome: string;
  owner: string;
  hint: string;
  leaseId: string;
}

/** The end of a scan. */
export interface ScanSummaryInfo {
  sources: number;
  bytes: number;
  findings: number;
  values: number;
  answers: ScanAnswerInfo[];
}

/** Bytes of a source sent per message (under the 64 KiB message cap). */
export const SCAN_CHUNK_BYTES = 60 * 1024;

/** A scan in progress: send each source's bytes, then finish(). */
export interface ScanStream {
  /** Sends bytes of source `source` (labelled on its first call); `end` closes the source. */
  send(source: { id: number; label: string; channel?: string }, data: Uint8Array, end: boolean): Promise<void>;
  /** Ends the scan; resolves with its summary once every finding has been delivered. */
  finish(): Promise<ScanSummaryInfo>;
  /** Abandons the scan. */
  cancel(): void;
}

/** One connection to the daemon. Close it when done. */
export class AgentConnection {
  private readonly client: AgentClient;

  /** Throws a usage error for a socket path over the platform limit: no daemon can ever listen there. */
  constructor(readonly socket: string) {
    assertSocketPathLength(socket);
    const Agent = loadProto().latchkey.v1.Agent;
    this.client = new Agent(`unix://${socket}`, grpc.credentials.createInsecure(), {
      'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
      'grpc.max_send_message_length': MAX_MESSAGE_BYTES,
    });
  }

  /** The daemon's identity and health. */
  async status(timeoutMs = CALL_TIMEOUT_MS): Promise<DaemonStatus> {
    const s = await this.call<WireStatus>('status', {}, timeoutMs);
    return {
      pid: s.pid,
      socket: s.socket,
      store: s.store,
      storeNote: s.storeNote,
      secrets: s.secrets,
      uptimeSeconds: s.uptimeSeconds,
      version: s.version,
      stateDir: s.stateDir,
      auditHead: s.auditHead,
      keychain: s.keychain,
    };
  }

  /** Stores or replaces a secret; returns its metadata. */
  async putSecret(input: PutSecretInput): Promise<SecretMeta> {
    const res = await this.call<{ secret: WireSecretMeta | null }>('putSecret', {
      name: input.name,
      value: input.value,
      ttlSeconds: input.ttlSeconds ?? 0,
      owner: input.owner ?? '',
      description: input.description ?? '',
      project: input.project ?? false,
      cwd: input.cwd ?? '',
      source: input.source ?? 'manual',
      mintCommand: input.mintCommand ?? '',
      allowGrants: input.allowGrants ?? [],
    }, input.mintCommand ? MINT_CALL_TIMEOUT_MS : CALL_TIMEOUT_MS);
    return fromWireMeta(res.secret);
  }

  /** Reads a secret's value as seen from `cwd`. */
  async getSecret(name: string, cwd = ''): Promise<{ value: string; meta: SecretMeta }> {
    const res = await this.call<{ value: string; secret: WireSecretMeta | null }>('getSecret', { name, cwd });
    return { value: res.value, meta: fromWireMeta(res.secret) };
  }

  /** The inventory, without values. */
  async listSecrets(): Promise<InventoryEntry[]> {
    const secrets = await this.allPages<WireSecretMeta>('listSecrets', (res) => (res as { secrets: WireSecretMeta[] }).secrets);
    return secrets.map((w) => ({ ...fromWireMeta(w), lastUsedAt: Number(w.lastUsedAtUnixMs), useCount: w.useCount, leakedAt: Number(w.leakedAtUnixMs), leakedWhere: w.leakedWhere }));
  }

  /** Removes a secret; returns what was removed. */
  async deleteSecret(name: string, cwd = '', project = false): Promise<SecretMeta> {
    const res = await this.call<{ secret: WireSecretMeta | null }>('deleteSecret', { name, cwd, project });
    return fromWireMeta(res.secret);
  }

  /**
   * What a manifest asks for, whether it is approved, and each stored secret it needs against the store.
   * With `refusedAsData`, variables that need --allow-var are listed instead of failing (read-only checks).
   */
  async inspectManifest(path: string, allowVars: readonly string[] = [], opts: { refusedAsData?: boolean } = {}): Promise<ManifestInspection> {
    const res = await this.call<ManifestInfo & { needed: WireNeededSecret[]; projectRoot: string; refusedVariables: string[] }>('inspectManifest', {
      path,
      allowVars,
      refusedAsData: opts.refusedAsData ?? false,
    });
    return {
      ...res,
      needed: res.needed.map((s) => ({
        name: s.name,
        variables: s.variables,
        signerFor: s.signerFor,
        owner: s.owner,
        description: s.description,
        docs: s.docs,
        maxTtlSeconds: s.maxTtlSeconds > 0 ? s.maxTtlSeconds : undefined,
        state: s.state as SecretState,
        stored: s.stored ? fromWireMeta(s.stored) : undefined,
      })),
      projectRoot: res.projectRoot || undefined,
    };
  }

  /** Approves a manifest; `sha256` pins the content that was reviewed. */
  async allowManifest(path: string, sha256 = '', allowVars: readonly string[] = []): Promise<ManifestInfo> {
    const res = await this.call<Omit<ManifestInfo, 'approved' | 'changed'>>('allowManifest', { path, sha256, allowVars });
    return { ...res, approved: true, changed: false };
  }

  /** Withdraws a manifest's approval. */
  async denyManifest(path: string): Promise<{ path: string; wasApproved: boolean }> {
    return this.call('denyManifest', { path });
  }

  /** Resolves approved manifests into environment variables for one command. */
  async resolveEnv(input: { manifests: readonly string[]; cwd: string; command: string; allowVars?: readonly string[] }): Promise<ResolvedEnv> {
    return this.call<ResolvedEnv>('resolveEnv', { ...input, allowVars: input.allowVars ?? [] });
  }

  /** Streams events about the given secrets and manifests until `close()` is called on the result. */
  watchSecrets(input: { secrets: readonly string[]; manifests: readonly string[] }, onEvent: (e: WatchEvent) => void, onEnd: (err?: Error) => void): { close(): void } {
    const stream = (this.client as unknown as { watchSecrets(req: object): grpc.ClientReadableStream<WatchEvent> }).watchSecrets(input);
    let closed = false;
    stream.on('data', onEvent);
    stream.on('error', (err: grpc.ServiceError) => {
      if (!closed) onEnd(err.code === grpc.status.CANCELLED ? undefined : fromServiceError(err, this.socket));
    });
    stream.on('end', () => {
      if (!closed) onEnd();
    });
    return {
      close: () => {
        closed = true;
        stream.cancel();
      },
    };
  }

  /** Mints a temporary key; `bindPid` 0 binds it to this process, -1 to none. */
  async issueTempKey(input: { kind: string; ttlSeconds?: number; params?: Record<string, string>; bindPid?: number; cwd?: string }): Promise<TempKeyInfo> {
    const res = await this.call<{ value: string; leaseId: string; expiresAtUnixMs: number }>('issueTempKey', {
      kind: input.kind,
      ttlSeconds: input.ttlSeconds ?? 0,
      params: input.params ?? {},
      bindPid: input.bindPid ?? 0,
      cwd: input.cwd ?? '',
    });
    return { value: res.value, leaseId: res.leaseId, expiresAt: Number(res.expiresAtUnixMs) };
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
    return (await this.call<{ revoked: boolean }>('revokeLease', { leaseId })).revoked;
  }

  /** Whether a temporary key is still good. */
  async introspectTempKey(value: string): Promise<IntrospectionInfo> {
    const res = await this.call<{ active: boolean; leaseId: string; expiresAtUnixMs: number; kind: string }>('introspectTempKey', { value });
    return { active: res.active, leaseId: res.leaseId, expiresAt: Number(res.expiresAtUnixMs), kind: res.kind };
  }

  /** The leases in force. */
  async listLeases(): Promise<LeaseInfo[]> {
    type WireLease = Omit<LeaseInfo, 'issuedAt' | 'expiresAt'> & { issuedAtUnixMs: number; expiresAtUnixMs: number };
    const leases = await this.allPages<WireLease>('listLeases', (res) => (res as { leases: WireLease[] }).leases);
    return leases.map((l) => ({
      leaseId: l.leaseId,
      kind: l.kind,
      issuedAt: Number(l.issuedAtUnixMs),
      expiresAt: Number(l.expiresAtUnixMs),
      boundPid: l.boundPid,
      boundExe: l.boundExe,
      fingerprint: l.fingerprint,
      state: l.state ?? '',
    }));
  }

  /** Mints a minted secret again now. */
  async rotateSecret(name: string, cwd = ''): Promise<SecretMeta> {
    return fromWireMeta((await this.call<{ secret: WireSecretMeta | null }>('rotateSecret', { name, cwd }, MINT_CALL_TIMEOUT_MS)).secret);
  }

  /** The daemon's check of the audit trail: with its seal key, its live head and its checkpoint. */
  async verifyAudit(): Promise<{ report: ChainReport; sealedFrom: number; stateDir: string }> {
    type Place = { file: string; line: number; reason: string } | null;
    const r = await this.call<{
      ok: boolean;
      records: number;
      files: number;
      broken: Place;
      repairs: Array<{ file: string; line: number; time: string; bytes: number }>;
      tornTail: Place;
      sealedFrom: number;
      stateDir: string;
    }>('verifyAudit', {}, VERIFY_TIMEOUT_MS);
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

  /**
   * Starts a scan: the daemon searches what is sent for every value it knows and calls `onFinding` for
   * each finding; with `answer` it marks what is found leaked and answers it.
   */
  scan(start: { mode: string; roots: readonly string[]; answer: boolean }, onFinding: (f: ScanFindingInfo) => void): ScanStream {
    type Reply = { findings: Array<Omit<ScanFindingInfo, 'offset'> & { offset: number | string }>; summary: ScanSummaryInfo | null };
    const call = (this.client as unknown as { scan(): grpc.ClientDuplexStream<object, Reply> }).scan();
    let summary: ScanSummaryInfo | undefined;
    let failure: Error | undefined;
    const labelled = new Set<number>();
    // Pieces of sources gathered into one message until it holds SCAN_CHUNK_BYTES (many small files).
    let pieces: object[] = [];
    let batched = 0;
    let first = true;
    const done = new Promise<void>((resolve, reject) => {
      call.on('data', (reply: Reply) => {
        for (const f of reply.findings) onFinding({ ...f, offset: Number(f.offset) });
        if (reply.summary) summary = { ...reply.summary, bytes: Number(reply.summary.bytes) };
      });
      call.on('error', (err: grpc.ServiceError) => {
        failure = fromServiceError(err, this.socket);
        reject(failure);
      });
      call.on('end', () => resolve());
    });
    done.catch(() => {});
    const flush = (): Promise<void> =>
      new Promise((resolve, reject) => {
        if (failure) return reject(failure);
        const msg = { ...(first ? { mode: start.mode, roots: start.roots, answer: start.answer } : {}), pieces };
        first = false;
        pieces = [];
        batched = 0;
        if (call.write(msg)) resolve();
        else call.once('drain', () => resolve());
      });
    return {
      send: async (source, data, end) => {
        for (let at = 0; at < data.length || at === 0; at += SCAN_CHUNK_BYTES) {
          const piece = data.subarray(at, at + SCAN_CHUNK_BYTES);
          const fresh = !labelled.has(source.id);
          const size = piece.length + 64 + (fresh ? Buffer.byteLength(source.label) + Buffer.byteLength(source.channel ?? '') : 0);
          if (pieces.length > 0 && batched + size > SCAN_CHUNK_BYTES) await flush();
          labelled.add(source.id);
          pieces.push({ source: source.id, label: fresh ? source.label : '', channel: fresh ? (source.channel ?? '') : '', data: piece, sourceEnd: end && at + SCAN_CHUNK_BYTES >= data.length });
          batched += size;
          if (data.length === 0) break;
        }
      },
      finish: async () => {
        if (first || pieces.length > 0) await flush();
        call.end();
        await done;
        if (!summary) throw new Error('the daemon ended the scan without a summary');
        return summary;
      },
      cancel: () => call.cancel(),
    };
  }

  /** Asks the daemon to exit. */
  async shutdown(): Promise<void> {
    await this.call('shutdown', {});
  }

  /** Closes the channel. */
  close(): void {
    this.client.close();
  }

  /**
   * Every page of a paged listing (ListSecrets, ListLeases): each reply fits the message cap, and the
   * daemon's next_page_token says where the next one starts. A token given twice is a daemon fault, not a loop.
   */
  private async allPages<T>(method: string, itemsOf: (res: object) => T[]): Promise<T[]> {
    const out: T[] = [];
    const seen = new Set<string>();
    let pageToken = '';
    for (;;) {
      const res = await this.call<{ nextPageToken: string }>(method, { pageSize: 0, pageToken });
      for (const item of itemsOf(res)) out.push(item);
      if (res.nextPageToken === '') return out;
      if (seen.has(res.nextPageToken)) throw new LatchkeyError('internal', `the daemon gave the same page token twice while listing (${method})`, 'run agent daemon stop; the next command starts it again');
      seen.add(res.nextPageToken);
      pageToken = res.nextPageToken;
    }
  }

  private call<T>(method: string, request: object, timeoutMs = CALL_TIMEOUT_MS): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const fn = (this.client as unknown as Record<string, Function>)[method] as Function;
      fn.call(this.client, request, { deadline: Date.now() + timeoutMs }, (err: grpc.ServiceError | null, res: T) => {
        if (err) reject(fromServiceError(err, this.socket));
        else resolve(res);
      });
    });
  }
}
