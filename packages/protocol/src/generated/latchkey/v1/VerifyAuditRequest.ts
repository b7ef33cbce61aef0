// Original file: proto/latchkey/v1/agent.proto


export interface VerifyAuditRequest {
}

export interface VerifyAuditRequest__Output {
}
