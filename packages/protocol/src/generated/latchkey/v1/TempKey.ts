// Original file: proto/latchkey/v1/agent.proto

import type { Long } from '@grpc/proto-loader';

export interface TempKey {
  'value'?: (string);
  'leaseId'?: (string);
  'expiresAtUnixMs'?: (number | string | Long);
}

export interface TempKey__Output {
  'value': (string);
  'leaseId': (string);
  'expiresAtUnixMs': (number);
}
