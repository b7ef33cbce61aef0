// Original file: proto/latchkey/v1/agent.proto


export interface IntrospectTempKeyRequest {
  'value'?: (string);
}

export interface IntrospectTempKeyRequest__Output {
  'value': (string);
}
