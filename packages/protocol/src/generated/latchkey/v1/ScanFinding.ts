// Original file: proto/latchkey/v1/agent.proto

import type { Long } from '@grpc/proto-loader';

export interface ScanFinding {
  'source'?: (number);
  'secret'?: (string);
  'scope'?: (string);
  'state'?: (string);
  'encoding'?: (string);
  'offset'?: (number | string | Long);
  'length'?: (number);
  'line'?: (number);
  'column'?: (number);
  'leaseId'?: (string);
}

export interface ScanFinding__Output {
  'source': (number);
  'secret': (string);
  'scope': (string);
  'state': (string);
  'encoding': (string);
  'offset': (number);
  'length': (number);
  'line': (number);
  'column': (number);
  'leaseId': (string);
}
