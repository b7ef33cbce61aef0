// Original file: proto/latchkey/v1/agent.proto


export interface GetSecretRequest {
  'name'?: (string);
  'cwd'?: (string);
}

export interface GetSecretRequest__Output {
  'name': (string);
  'cwd': (string);
}
