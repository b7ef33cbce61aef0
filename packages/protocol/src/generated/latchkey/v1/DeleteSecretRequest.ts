// Original file: proto/latchkey/v1/agent.proto


export interface DeleteSecretRequest {
  'name'?: (string);
  'cwd'?: (string);
  'project'?: (boolean);
}

export interface DeleteSecretRequest__Output {
  'name': (string);
  'cwd': (string);
  'project': (boolean);
}
