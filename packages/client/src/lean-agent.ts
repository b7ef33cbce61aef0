// The calls of `agent ls`, `agent set` and `agent leases` over h2lite with the generated codec (no grpc-js,
// no proto-loader), answered in the same domain types as AgentConnection's, through protocol's one mapping.
import type { SecretMeta } from '@latchkey/core';
import { inventoryEntryFromWire, leaseFromWire, secretMetaFromWire, type InventoryEntry, type LeaseInfo } from '@latchkey/protocol/domain';
import { assertSocketPathLength } from '@latchkey/protocol/lean';
import * as rpc from '@latchkey/protocol/methods';
import { allPages, CALL_TIMEOUT_MS, putSecretCall, type PutSecretInput } from './calls.js';
import { h2liteCall, type UnaryMethod } from './h2lite.js';

/** One unary call of a generated method (@latchkey/protocol/methods): the request in, the reply out. */
export type UnaryCall = <Req, Res>(method: UnaryMethod<Req, Res>, request: Req, timeoutMs: number) => Promise<Res>;

/** A subset of AgentConnection's calls, each one HTTP/2 connection of its own. */
export class LeanAgent {
  private readonly unary: UnaryCall;

  /** Throws a usage error for a socket path over the platform limit, as AgentConnection does. */
  constructor(readonly socket: string, unary?: UnaryCall) {
    assertSocketPathLength(socket);
    this.unary = unary ?? ((method, request, timeoutMs) => h2liteCall(socket, method, request, timeoutMs));
  }

  /** Stores or replaces a secret; returns its metadata. */
  async putSecret(input: PutSecretInput): Promise<SecretMeta> {
    const { request, timeoutMs } = putSecretCall(input);
    return secretMetaFromWire((await this.unary(rpc.putSecret, request, timeoutMs)).secret);
  }

  /** The inventory, without values. */
  async listSecrets(): Promise<InventoryEntry[]> {
    const entries = await allPages('listSecrets', async (pageToken) => {
      const res = await this.unary(rpc.listSecrets, { pageSize: 0, pageToken }, CALL_TIMEOUT_MS);
      return { items: res.secrets, nextPageToken: res.nextPageToken };
    });
    return entries.map(inventoryEntryFromWire);
  }

  /** The leases in force. */
  async listLeases(): Promise<LeaseInfo[]> {
    const leases = await allPages('listLeases', async (pageToken) => {
      const res = await this.unary(rpc.listLeases, { pageSize: 0, pageToken }, CALL_TIMEOUT_MS);
      return { items: res.leases, nextPageToken: res.nextPageToken };
    });
    return leases.map(leaseFromWire);
  }

  /** Nothing stays open between calls. */
  close(): void {}
}
