// Original file: proto/latchkey/v1/agent.proto

import type { ScanAnswer as _latchkey_v1_ScanAnswer, ScanAnswer__Output as _latchkey_v1_ScanAnswer__Output } from '../../latchkey/v1/ScanAnswer.js';
import type { Long } from '@grpc/proto-loader';

export interface ScanSummary {
  'sources'?: (number);
  'bytes'?: (number | string | Long);
  'findings'?: (number);
  'values'?: (number);
  'answers'?: (_latchkey_v1_ScanAnswer)[];
}

export interface ScanSummary__Output {
  'sources': (number);
  'bytes': (number);
  'findings': (number);
  'values': (number);
  'answers': (_latchkey_v1_ScanAnswer__Output)[];
}
