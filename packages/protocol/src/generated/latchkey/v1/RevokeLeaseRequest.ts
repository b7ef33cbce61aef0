// Original file: proto/latchkey/v1/agent.proto


export interface RevokeLeaseRequest {
  'leaseId'?: (string);
}

export interface RevokeLeaseRequest__Output {
  'leaseId': (string);
}
