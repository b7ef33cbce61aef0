// Original file: proto/latchkey/v1/agent.proto

import type { AuditPlace as _latchkey_v1_AuditPlace, AuditPlace__Output as _latchkey_v1_AuditPlace__Output } from '../../latchkey/v1/AuditPlace.js';
import type { AuditRepair as _latchkey_v1_AuditRepair, AuditRepair__Output as _latchkey_v1_AuditRepair__Output } from '../../latchkey/v1/AuditRepair.js';

export interface VerifyAuditResponse {
  'ok'?: (boolean);
  'records'?: (number);
  'files'?: (number);
  'broken'?: (_latchkey_v1_AuditPlace | null);
  'repairs'?: (_latchkey_v1_AuditRepair)[];
  'tornTail'?: (_latchkey_v1_AuditPlace | null);
  'sealedFrom'?: (number);
  'stateDir'?: (string);
}

export interface VerifyAuditResponse__Output {
  'ok': (boolean);
  'records': (number);
  'files': (number);
  'broken': (_latchkey_v1_AuditPlace__Output | null);
  'repairs': (_latchkey_v1_AuditRepair__Output)[];
  'tornTail': (_latchkey_v1_AuditPlace__Output | null);
  'sealedFrom': (number);
  'stateDir': (string);
}
