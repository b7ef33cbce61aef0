// Turns a failed grpc-js call into the typed error the CLI renders, through protocol's one status map.
import type * as grpc from '@grpc/grpc-js';
import { errorOfStatus, type StatusError } from '@latchkey/protocol';

/** The LatchkeyError a failed call stands for. */
export function fromServiceError(err: grpc.ServiceError, socket: string): StatusError {
  const meta = (key: string) => {
    const v = err.metadata?.get(key)[0];
    return v === undefined ? undefined : String(v);
  };
  return errorOfStatus({ status: err.code, details: err.details, meta }, socket);
}
