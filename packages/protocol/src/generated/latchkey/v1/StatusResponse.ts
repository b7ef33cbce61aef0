// Original file: proto/latchkey/v1/agent.proto


export interface StatusResponse {
  'pid'?: (number);
  'socket'?: (string);
  'store'?: (string);
  'storeNote'?: (string);
  'secrets'?: (number);
  'uptimeSeconds'?: (number | string);
  'version'?: (string);
  'stateDir'?: (string);
  'auditHead'?: (string);
  'keychain'?: (string);
}

export interface StatusResponse__Output {
  'pid': (number);
  'socket': (string);
  'store': (string);
  'storeNote': (string);
  'secrets': (number);
  'uptimeSeconds': (number);
  'version': (string);
  'stateDir': (string);
  'auditHead': (string);
  'keychain': (string);
}
