// Original file: proto/latchkey/v1/agent.proto


export interface AuditPlace {
  'file'?: (string);
  'line'?: (number);
  'reason'?: (string);
}

export interface AuditPlace__Output {
  'file': (string);
  'line': (number);
  'reason': (string);
}
