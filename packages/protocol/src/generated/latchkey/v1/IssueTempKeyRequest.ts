// Original file: proto/latchkey/v1/agent.proto


export interface IssueTempKeyRequest {
  'kind'?: (string);
  'ttlSeconds'?: (number);
  'params'?: ({[key: string]: string});
  'bindPid'?: (number);
  'cwd'?: (string);
}

export interface IssueTempKeyRequest__Output {
  'kind': (string);
  'ttlSeconds': (number);
  'params': ({[key: string]: string});
  'bindPid': (number);
  'cwd': (string);
}
