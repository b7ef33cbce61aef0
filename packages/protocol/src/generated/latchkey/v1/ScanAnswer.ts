// Original file: proto/latchkey/v1/agent.proto


export interface ScanAnswer {
  'secret'?: (string);
  'scope'?: (string);
  'action'?: (string);
  'outcome'?: (string);
  'owner'?: (string);
  'hint'?: (string);
  'leaseId'?: (string);
}

export interface ScanAnswer__Output {
  'secret': (string);
  'scope': (string);
  'action': (string);
  'outcome': (string);
  'owner': (string);
  'hint': (string);
  'leaseId': (string);
}
