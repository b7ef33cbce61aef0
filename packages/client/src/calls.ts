// What both clients (grpc-js's AgentConnection and the lean LeanAgent over h2lite) send alike: the
// PutSecret request with its defaults and deadline, and the paging of a listing. Free of grpc-js.
import type { SecretSource } from '@latchkey/core';
import { LatchkeyError } from '@latchkey/core/errors';
import { MINT_CALL_TIMEOUT_MS } from '@latchkey/protocol/lean';
import type { PutSecretRequest } from '@latchkey/protocol/messages';

/** Default deadline of one call. */
export const CALL_TIMEOUT_MS = 10_000;

/** What `putSecret` stores. */
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

/** The PutSecret request for `input`, with its deadline (a mint runs the command first). */
export function putSecretCall(input: PutSecretInput): { request: PutSecretRequest; timeoutMs: number } {
  return {
    request: {
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
    },
    timeoutMs: input.mintCommand ? MINT_CALL_TIMEOUT_MS : CALL_TIMEOUT_MS,
  };
}

/** One page of a paged listing (ListSecrets, ListLeases). */
export interface Page<T> {
  items: T[];
  nextPageToken: string;
}

/**
 * Every page of a paged listing: each reply fits the message cap, and the daemon's next_page_token says
 * where the next one starts. A token given twice is a daemon fault, not a loop.
 */
export async function allPages<T>(method: string, page: (pageToken: string) => Promise<Page<T>>): Promise<T[]> {
  const out: T[] = [];
  const seen = new Set<string>();
  let pageToken = '';
  for (;;) {
    const res = await page(pageToken);
    for (const item of res.items) out.push(item);
    if (res.nextPageToken === '') return out;
    if (seen.has(res.nextPageToken)) throw new LatchkeyError('internal', `the daemon gave the same page token twice while listing (${method})`, 'run agent daemon stop; the next command starts it again');
    seen.add(res.nextPageToken);
    pageToken = res.nextPageToken;
  }
}
