// Original file: proto/latchkey/v1/agent.proto


export interface SecretEvent {
  'kind'?: (string);
  'secret'?: (string);
  'manifest'?: (string);
}

export interface SecretEvent__Output {
  'kind': (string);
  'secret': (string);
  'manifest': (string);
}
