// The one map between the agent's error kinds and gRPC status codes, both ways: the daemon's handlers
// send a kind as a status (and as metadata), every client (grpc-js, the lean oracle, h2lite) turns a
// status back into the same LatchkeyError. Loads without grpc-js, so the exec path can use it.
import { ErrorKinds, LatchkeyError, type ErrorKind } from '@latchkey/core/errors';
import { decodeMetadataValue, HINT_METADATA_KEY, KIND_METADATA_KEY, UNAPPROVED_METADATA_KEY } from './metadata.js';

/** gRPC's status codes (the numbers grpc-js names in `grpc.status`). */
export const GrpcStatus = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
} as const;

/** The status the daemon answers with for each kind of error. */
export const STATUS_OF_KIND: Record<ErrorKind, number> = {
  usage: GrpcStatus.INVALID_ARGUMENT,
  input: GrpcStatus.INVALID_ARGUMENT,
  notFound: GrpcStatus.NOT_FOUND,
  unavailable: GrpcStatus.UNAVAILABLE,
  denied: GrpcStatus.PERMISSION_DENIED,
  exhausted: GrpcStatus.RESOURCE_EXHAUSTED,
  failed: GrpcStatus.FAILED_PRECONDITION,
  cancelled: GrpcStatus.CANCELLED,
  internal: GrpcStatus.INTERNAL,
};

/** The kind a status stands for when the daemon sent no kind with it (another server, or grpc-js itself). */
const KIND_OF_STATUS: Partial<Record<number, ErrorKind>> = {
  [GrpcStatus.INVALID_ARGUMENT]: 'input',
  [GrpcStatus.DEADLINE_EXCEEDED]: 'unavailable',
  [GrpcStatus.NOT_FOUND]: 'notFound',
  [GrpcStatus.PERMISSION_DENIED]: 'denied',
  [GrpcStatus.RESOURCE_EXHAUSTED]: 'exhausted',
  [GrpcStatus.FAILED_PRECONDITION]: 'failed',
  [GrpcStatus.UNAVAILABLE]: 'unavailable',
};

/** A failure status from the daemon, as the error it stands for, with the manifest awaiting approval if any. */
export class StatusError extends LatchkeyError {
  constructor(
    kind: ErrorKind,
    message: string,
    hint: string | undefined,
    readonly status: number,
    readonly unapprovedManifest: string | undefined,
  ) {
    super(kind, message, hint);
  }
}

/** A failed call as a client sees it: the status, its message, and a reader of its metadata. */
export interface FailedCall {
  status: number;
  details: string;
  meta: (key: string) => string | undefined;
}

/**
 * The error a non-zero status stands for: the kind from the agent's metadata, else from the status code.
 * A status with no kind from the daemon that says the daemon is unreachable (grpc-js's own UNAVAILABLE or
 * DEADLINE_EXCEEDED) names `socket` and the command to start it.
 */
export function errorOfStatus(call: FailedCall, socket: string): StatusError {
  const read = (key: string) => {
    const value = call.meta(key);
    return value === undefined ? undefined : decodeMetadataValue(value);
  };
  const kindMeta = read(KIND_METADATA_KEY);
  const hint = read(HINT_METADATA_KEY);
  const unapproved = read(UNAPPROVED_METADATA_KEY);
  if (kindMeta !== undefined && Object.hasOwn(ErrorKinds, kindMeta)) {
    return new StatusError(kindMeta as ErrorKind, call.details || `the daemon answered status ${call.status}`, hint, call.status, unapproved);
  }
  if (call.status === GrpcStatus.UNAVAILABLE || call.status === GrpcStatus.DEADLINE_EXCEEDED) {
    return new StatusError('unavailable', `the daemon does not answer on ${socket}`, 'run agent daemon start, or agent daemon status', call.status, undefined);
  }
  const kind = KIND_OF_STATUS[call.status] ?? 'internal';
  return new StatusError(kind, call.details || `the daemon answered status ${call.status}`, hint, call.status, unapproved);
}
