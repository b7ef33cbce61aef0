// The calls of `agent ls`, `agent set` and `agent leases` over h2lite with the generated codec (no grpc-js,
// no proto-loader), answered in the same domain types as AgentConnection's, through protocol's one mapping.
import type { SecretMeta } from '@latchkey/core';
import { inventoryEntryFromWire, leaseFromWire, secretMetaFromWire, type InventoryEntry, type LeaseInfo } from '@latchkey/protocol/domain';
import { assertSocketPathLength } from '@latchkey/protocol/lean';
import { ListLeasesRequest, ListLeasesResponse, ListSecretsRequest, ListSecretsResponse, PutSecretRequest, PutSecretResponse } from '@latchkey/protocol/messages';
import { allPages, CALL_TIMEOUT_MS, putSecretCall, type PutSecretInput } from './calls.js';
import { h2liteUnary } from './h2lite.js';

/** One unary call by its proto method name: the encoded request in, the encoded reply out. */
export type UnaryCall = (method: string, request: Uint8Array, timeoutMs: number) => Promise<Uint8Array>;

/** A subset of AgentConnection's calls, each one HTTP/2 connection of its own. */
export class LeanAgent {
  private readonly unary: UnaryCall;

  /** Throws a usage error for a socket path over the platform limit, as AgentConnection does. */
  constructor(readonly socket: string, unary?: UnaryCall) {
    assertSocketPathLength(socket);
    this.unary = unary ?? ((method, request, timeoutMs) => h2liteUnary(socket, method, request, timeoutMs));
  }

  /** Stores or replaces a secret; returns its metadata. */
  async putSecret(input: PutSecretInput): Promise<SecretMeta> {
    const { request, timeoutMs } = putSecretCall(input);
    return secretMetaFromWire(PutSecretResponse.decode(await this.unary('PutSecret', PutSecretRequest.encode(request).finish(), timeoutMs)).secret);
  }

  /** The inventory, without values. */
  async listSecrets(): Promise<InventoryEntry[]> {
    const entries = await allPages('listSecrets', async (pageToken) => {
      const res = ListSecretsResponse.decode(await this.unary('ListSecrets', ListSecretsRequest.encode({ pageSize: 0, pageToken }).finish(), CALL_TIMEOUT_MS));
      return { items: res.secrets, nextPageToken: res.nextPageToken };
    });
    return entries.map(inventoryEntryFromWire);
  }

  /** The leases in force. */
  async listLeases(): Promise<LeaseInfo[]> {
    const leases = await allPages('listLeases', async (pageToken) => {
      const res = ListLeasesResponse.decode(await this.unary('ListLeases', ListLeasesRequest.encode({ pageSize: 0, pageToken }).finish(), CALL_TIMEOUT_MS));
      return { items: res.leases, nextPageToken: res.nextPageToken };
    });
    return leases.map(leaseFromWire);
  }

  /** Nothing stays open between calls. */
  close(): void {}
}
