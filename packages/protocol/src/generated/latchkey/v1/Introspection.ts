// Original file: proto/latchkey/v1/agent.proto

import type { Long } from '@grpc/proto-loader';

export interface Introspection {
  'active'?: (boolean);
  'leaseId'?: (string);
  'expiresAtUnixMs'?: (number | string | Long);
  'kind'?: (string);
}

export interface Introspection__Output {
  'active': (boolean);
  'leaseId': (string);
  'expiresAtUnixMs': (number);
  'kind': (string);
}
