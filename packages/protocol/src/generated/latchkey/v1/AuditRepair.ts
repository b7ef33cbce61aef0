// Original file: proto/latchkey/v1/agent.proto


export interface AuditRepair {
  'file'?: (string);
  'line'?: (number);
  'time'?: (string);
  'bytes'?: (number);
}

export interface AuditRepair__Output {
  'file': (string);
  'line': (number);
  'time': (string);
  'bytes': (number);
}
