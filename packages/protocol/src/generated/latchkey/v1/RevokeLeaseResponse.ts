// Original file: proto/latchkey/v1/agent.proto


export interface RevokeLeaseResponse {
  'revoked'?: (boolean);
}

export interface RevokeLeaseResponse__Output {
  'revoked': (boolean);
}
