// The messages between the daemon (store/keychain.ts) and its keychain worker (store/keychain-worker.ts).

/** One keychain call; ids start at 1 (0 is the worker's hello). */
export type WorkerRequest =
  | { id: number; op: 'health' }
  | { id: number; op: 'get' | 'remove'; service: string; account: string }
  | { id: number; op: 'set'; service: string; account: string; password: string }
  | { id: number; op: 'list'; service: string };

/** Why a call failed: the keychain is locked, cannot be reached, or refused the call. */
export type WorkerErrorKind = 'locked' | 'unavailable' | 'refused';

/** The answer to one request (id 0: the hello, with the hardening steps that could not be applied). */
export type WorkerReply =
  | { id: number; ok: true; result: unknown }
  | { id: number; ok: false; error: { kind: WorkerErrorKind; message: string } };
