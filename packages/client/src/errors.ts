// Turns gRPC statuses back into the typed errors the CLI renders.
import * as grpc from '@grpc/grpc-js';
import { ErrorKinds, LatchkeyError, type ErrorKind } from '@latchkey/core';
import { HINT_METADATA_KEY, KIND_METADATA_KEY } from '@latchkey/protocol';

const KIND_OF_STATUS: Partial<Record<grpc.status, ErrorKind>> = {
  [grpc.status.INVALID_ARGUMENT]: 'input',
  [grpc.status.NOT_FOUND]: 'notFound',
  [grpc.status.PERMISSION_DENIED]: 'denied',
  [grpc.status.UNAVAILABLE]: 'unavailable',
  [grpc.status.DEADLINE_EXCEEDED]: 'unavailable',
  [grpc.status.RESOURCE_EXHAUSTED]: 'exhausted',
};

/** The LatchkeyError a failed call stands for. */
export function fromServiceError(err: grpc.ServiceError, socket: string): LatchkeyError {
  const kindMeta = String(err.metadata?.get(KIND_METADATA_KEY)[0] ?? '');
  const hint = err.metadata?.get(HINT_METADATA_KEY)[0];
  if (kindMeta in ErrorKinds) {
    return new LatchkeyError(kindMeta as ErrorKind, err.details, hint === undefined ? undefined : String(hint));
  }
  if (err.code === grpc.status.UNAVAILABLE || err.code === grpc.status.DEADLINE_EXCEEDED) {
    return new LatchkeyError('unavailable', `the daemon does not answer on ${socket}`, 'run agent daemon start, or agent daemon status');
  }
  const kind = KIND_OF_STATUS[err.code] ?? 'internal';
  return new LatchkeyError(kind, err.details || `the daemon answered ${grpc.status[err.code] ?? err.code}`);
}
