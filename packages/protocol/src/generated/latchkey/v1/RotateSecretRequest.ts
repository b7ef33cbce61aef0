// Original file: proto/latchkey/v1/agent.proto


export interface RotateSecretRequest {
  'name'?: (string);
  'cwd'?: (string);
}

export interface RotateSecretRequest__Output {
  'name': (string);
  'cwd': (string);
}
