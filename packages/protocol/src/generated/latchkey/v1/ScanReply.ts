// Original file: proto/latchkey/v1/agent.proto

import type { ScanFinding as _latchkey_v1_ScanFinding, ScanFinding__Output as _latchkey_v1_ScanFinding__Output } from '../../latchkey/v1/ScanFinding.js';
import type { ScanSummary as _latchkey_v1_ScanSummary, ScanSummary__Output as _latchkey_v1_ScanSummary__Output } from '../../latchkey/v1/ScanSummary.js';

export interface ScanReply {
  'findings'?: (_latchkey_v1_ScanFinding)[];
  'summary'?: (_latchkey_v1_ScanSummary | null);
}

export interface ScanReply__Output {
  'findings': (_latchkey_v1_ScanFinding__Output)[];
  'summary': (_latchkey_v1_ScanSummary__Output | null);
}
