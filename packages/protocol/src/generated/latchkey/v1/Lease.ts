// Original file: proto/latchkey/v1/agent.proto

import type { Long } from '@grpc/proto-loader';

export interface Lease {
  'leaseId'?: (string);
  'kind'?: (string);
  'issuedAtUnixMs'?: (number | string | Long);
  'expiresAtUnixMs'?: (number | string | Long);
  'boundPid'?: (number);
  'boundExe'?: (string);
  'fingerprint'?: (string);
  'state'?: (string);
}

export interface Lease__Output {
  'leaseId': (string);
  'kind': (string);
  'issuedAtUnixMs': (number);
  'expiresAtUnixMs': (number);
  'boundPid': (number);
  'boundExe': (string);
  'fingerprint': (string);
  'state': (string);
}
